"""Text helpers for offline drafting: quotable sentence spans, AI vocabulary, keyword matching.

Every span returned is a (start, end) pair into the text given, so a quote
made from it is an exact substring by construction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# "Speaks of AI": whole words only, so "maintain" or "detail" never count. A
# bare "model" counts unless it is one of the usual non-AI compounds.
_AI_WORDS = re.compile(
    r"\b(?:A\.?I\.?|AIMS|GenAI|LLMs?|GPTs?|ML|NLP|MLOps"
    r"|artificial[\s-]+intelligence|machine[\s-]+learning|deep[\s-]+learning|neural[\s-]+networks?"
    r"|generative|chatbots?|copilots?|large[\s-]+language[\s-]+models?|foundation[\s-]+models?"
    r"|training[\s-]+data(?:sets?)?|(?:supervised|unsupervised|reinforcement)[\s-]+learning|fine[\s-]?tun(?:e|ed|ing)"
    r"|model[\s-]+cards?|algorithmic"
    r"|(?<!business )(?<!threat )(?<!operating )(?<!data )(?<!maturity )(?<!delivery )(?<!pricing )"
    r"(?<!service )(?<!cost )(?<!financial )(?<!governance )(?<!role )models?)\b",
    re.IGNORECASE,
)
# Short forms count only in capitals: "ai" or "ml" in lower case are usually something else.
_SHORT_FORMS = frozenset({"ai", "a.i", "a.i.", "ml", "aims", "nlp", "llm", "llms", "gpt", "gpts"})


def speaks_of_ai(text: str) -> bool:
    """True when the text names AI, machine learning, models or the like as whole words."""
    for match in _AI_WORDS.finditer(text):
        word = match.group(0)
        core = word[:-1] if word.endswith("s") else word
        if word.lower() in _SHORT_FORMS and core != core.upper():
            continue
        return True
    return False


_SUFFIXES = ("ing", "ies", "ed", "es", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def keyword_regex(keyword: str) -> str:
    """The source of `keyword_pattern`, for combining several keywords into one pattern."""
    words = [w for w in re.split(r"[\s\-_/]+", keyword.strip().lower()) if w]
    parts = []
    for word in words:
        if len(word) <= 3 or not word.isalpha():
            parts.append(re.escape(word) + r"s?")
        else:
            parts.append(re.escape(_stem(word)) + r"\w*")
    return r"\b" + r"[\s\-/]+".join(parts) + r"\b"


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str]:
    """A forgiving whole-word pattern: "audit programme" also matches "audit programmes"."""
    return re.compile(keyword_regex(keyword), re.IGNORECASE)


def matched_keywords(text: str, keywords: Iterable[str]) -> set[str]:
    return set(_matched(text, tuple(keywords)))


@lru_cache(maxsize=8192)
def _matched(text: str, keywords: tuple[str, ...]) -> frozenset[str]:
    # Cached: a passage is scored against the same keywords again when thresholds are compared.
    return frozenset(k for k in keywords if k.strip() and keyword_pattern(k).search(text))


# --- quotable sentences ------------------------------------------------------

# A new unit starts at a blank line, a list item, a heading or a table row.
_BLOCK_START = re.compile(r"^\s*(?:$|[-*+]\s|\d+[.)]\s|#|\|)")
_LEADING_MARKUP = re.compile(r"^(?:\s|[#>|]+|[-*+](?=\s)|\d+[.)](?=\s)|\*\*|__)+")
_TRAILING_MARKUP = re.compile(r"(?:\s|\*\*|__|\|)+$")
_SENTENCE_END = re.compile(r"(?<=[.!?])(?:\*\*|__|[\"”’)])*\s+")
_TABLE_RULE = re.compile(r"^[\s|:\-]+$")
MIN_QUOTE_CHARS = 25
MAX_QUOTE_CHARS = 320


def _blocks(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = None
    offset = 0
    for line in text.splitlines(keepends=True):
        if _BLOCK_START.match(line) and start is not None:
            spans.append((start, offset))
            start = None
        if line.strip() and start is None:
            start = offset
        offset += len(line)
    if start is not None:
        spans.append((start, offset))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    lead = _LEADING_MARKUP.match(piece)
    if lead:
        start += lead.end()
    piece = text[start:end]
    tail = _TRAILING_MARKUP.search(piece)
    if tail:
        end = start + tail.start()
    if end - start > MAX_QUOTE_CHARS:
        cut = text.rfind(" ", start, start + MAX_QUOTE_CHARS)
        end = cut if cut > start + MIN_QUOTE_CHARS else start + MAX_QUOTE_CHARS
    return start, end


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Quotable sentences of ``text`` as (start, end) spans, markup trimmed off the edges."""
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        if _TABLE_RULE.match(block):
            continue
        cursor = 0
        pieces = []
        for match in _SENTENCE_END.finditer(block):
            pieces.append((cursor, match.start()))
            cursor = match.end()
        pieces.append((cursor, len(block)))
        for start, end in pieces:
            s, e = _trim(text, block_start + start, block_start + end)
            if e - s >= MIN_QUOTE_CHARS and len(text[s:e].split()) >= 4:
                spans.append((s, e))
    return spans


def best_sentences(
    text: str, keywords: Sequence[str], *, want_ai: bool, limit: int = 1, exclude: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """The sentences that match the most keywords (AI-speaking ones first when asked), in text order.

    Sentences equal to one of ``exclude`` (e.g. the section's headings) are never chosen.
    """
    skip = {e.strip() for e in exclude}
    scored = []
    for index, (start, end) in enumerate(sentence_spans(text)):
        sentence = text[start:end]
        if sentence.strip() in skip:
            continue
        hits = len(matched_keywords(sentence, keywords))
        ai = speaks_of_ai(sentence) if want_ai else False
        scored.append((hits + (0.5 if ai else 0.0), -index, (start, end)))
    scored.sort(reverse=True)
    chosen = [span for score, _, span in scored[:limit] if score > 0] or [span for _, _, span in scored[:1]]
    return sorted(chosen)


def evidence_units(text: str) -> list[tuple[int, int]]:
    """Every sentence, list item, table row, heading or field line of ``text`` as a (start, end) span.

    The unit within which an evidence phrase's terms must co-occur. Unlike
    `sentence_spans`, short items ("- Audit plan approved by the CISO") count,
    nothing is truncated, and a line ending in a Markdown hard break or opening
    with a bold label ("**Affected users:** ...") is a unit of its own.
    """
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        block = text[block_start:block_end]
        if _TABLE_RULE.match(block):
            continue
        cursor = 0
        pieces = []
        for match in _UNIT_END.finditer(block):
            pieces.append((cursor, match.start()))
            cursor = match.end()
        pieces.append((cursor, len(block)))
        for start, end in pieces:
            s, e = _trim_unit(text, block_start + start, block_start + end)
            if e - s >= 3:
                spans.append((s, e))
    return spans


# A sentence end, a hard line break ("  \n"), or a newline before a bold field label.
_UNIT_END = re.compile(r"(?<=[.!?])(?:\*\*|__|[\"”’)])*\s+|  +\n\s*|\n(?=\s*\*\*)")


def _trim_unit(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    lead = _LEADING_MARKUP.match(piece)
    if lead:
        start += lead.end()
    tail = _TRAILING_MARKUP.search(text[start:end])
    if tail:
        end = start + tail.start()
    return start, end


def quotable(text: str, start: int, end: int, limit: int = 400) -> tuple[int, int]:
    """A span no longer than ``limit``, cut at a word boundary: still a verbatim substring."""
    if end - start <= limit:
        return start, end
    cut = text.rfind(" ", start, start + limit)
    return start, (cut if cut > start + MIN_QUOTE_CHARS else start + limit)


# Unfilled template fields: "{{ system.name }}", "{% if %}", "[insert date]", "<Company>", "____", "TBD".
_PLACEHOLDER = re.compile(
    r"\{\{|\{%|\[(?:insert|enter|add|tbd|todo|describe|your|company|organi[sz]ation|name|date|owner)\b[^\]]{0,60}\]"
    r"|<(?:insert|company|organi[sz]ation|name|date)[^>]{0,40}>|_{4,}|\bTBD\b|\bTODO\b|\bXX+\b"
)


def count_placeholders(text: str) -> int:
    return sum(1 for _ in _PLACEHOLDER.finditer(text))


def has_placeholder(text: str) -> bool:
    """True when the text still holds an unfilled template field: it describes a form, not what is done."""
    return bool(_PLACEHOLDER.search(text))
