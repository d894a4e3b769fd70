"""A lexer for our query language: tokens, not LLM tokens."""
import re

TOKEN = re.compile(r"\s*(?:(\d+)|(\w+)|(.))")


def tokenize(text: str) -> list[str]:
    return [m.group(0).strip() for m in TOKEN.finditer(text) if m.group(0).strip()]
