"""Secrets found while scanning are never stored or printed: keep a short prefix and a hash."""

from __future__ import annotations

import hashlib
import re

# Key shapes of AI providers and generic bearer tokens. Longest prefixes first, so `sk-ant-`
# keeps its provider-identifying prefix instead of plain `sk-`.
_KEY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sk-ant-", re.compile(r"sk-ant-[A-Za-z0-9_\-]{16,}")),
    ("sk-proj-", re.compile(r"sk-proj-[A-Za-z0-9_\-]{16,}")),
    ("sk-svcacct-", re.compile(r"sk-svcacct-[A-Za-z0-9_\-]{16,}")),
    ("sk-", re.compile(r"sk-[A-Za-z0-9]{20,}")),
    ("hf_", re.compile(r"hf_[A-Za-z0-9]{30,}")),
    ("AIza", re.compile(r"AIza[0-9A-Za-z_\-]{35}")),
    ("gsk_", re.compile(r"gsk_[A-Za-z0-9]{40,}")),
    ("r8_", re.compile(r"r8_[A-Za-z0-9]{30,}")),
    ("pplx-", re.compile(r"pplx-[A-Za-z0-9]{40,}")),
    ("xai-", re.compile(r"xai-[A-Za-z0-9]{40,}")),
    ("AKIA", re.compile(r"(?:AKIA|ASIA)[0-9A-Z]{16}")),
    ("Bearer ", re.compile(r"(?i)bearer\s+[A-Za-z0-9._\-]{20,}")),
)
# key = "value" assignments whose name says secret; the value is replaced whatever its shape.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?P<name>[A-Za-z0-9_.\-]*(?:api[_-]?key|secret|token|password|passwd|access[_-]?key)[A-Za-z0-9_.\-]*)
    (?P<sep>\s*[:=]\s*|\s*=>\s*)
    (?P<quote>["']?)
    (?P<value>[^\s"',;]{8,})
    (?P=quote)
    """
)

PREFIX_KEEP = 8


def secret_fingerprint(secret: str) -> str:
    """A redacted, comparable stand-in: a short prefix plus the sha256 of the whole value."""
    prefix = secret[: min(PREFIX_KEEP, max(3, len(secret) // 4))]
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]
    return f"{prefix}…[redacted sha256:{digest}]"


def find_secrets(text: str) -> list[tuple[str, str]]:
    """(kind prefix, secret value) for each key-shaped value in text."""
    found: list[tuple[str, str]] = []
    for kind, pattern in _KEY_PATTERNS:
        for match in pattern.finditer(text):
            found.append((kind, match.group(0)))
    return found


# Literals each pattern cannot match without (the case-insensitive ones in the lower-cased
# text): most evidence lines hold none, and the check costs far less than the regex.
_KEY_LITERALS: tuple[tuple[str, ...], ...] = (
    ("sk-ant-",), ("sk-proj-",), ("sk-svcacct-",), ("sk-",), ("hf_",), ("AIza",), ("gsk_",), ("r8_",), ("pplx-",),
    ("xai-",), ("AKIA", "ASIA"), ("bearer",),
)
_ASSIGNMENT_LITERALS = ("api", "secret", "token", "passw", "access")


def _fingerprint_match(match: re.Match[str]) -> str:
    return secret_fingerprint(match.group(0))


def redact(text: str) -> str:
    """Replace every key-shaped value and every secret-named assignment with its fingerprint."""
    # Case-insensitive matching also folds non-ASCII letters (the long s, the Kelvin sign) that
    # lower() keeps apart, so only ASCII text takes the shortcut.
    gated = text.isascii()
    for (kind, pattern), literals in zip(_KEY_PATTERNS, _KEY_LITERALS, strict=True):
        if gated:
            haystack = text.lower() if kind == "Bearer " else text
            if not any(literal in haystack for literal in literals):
                continue
        text = pattern.sub(_fingerprint_match, text)
    if gated:
        lowered = text.lower()
        if not any(literal in lowered for literal in _ASSIGNMENT_LITERALS):
            return text

    def _assignment(match: re.Match[str]) -> str:
        value = match.group("value")
        # A call or attribute chain (`AutoTokenizer.from_pretrained(`) is code, not a secret value.
        if "(" in value or "[redacted" in value or value.startswith(("os.", "process.env", "${", "$", "env(", "getenv")):
            return match.group(0)
        quote = match.group("quote")
        return f"{match.group('name')}{match.group('sep')}{quote}{secret_fingerprint(value)}{quote}"

    return _ASSIGNMENT.sub(_assignment, text)


def excerpt(line: str, limit: int = 160) -> str:
    """A short, redacted, single-line excerpt for evidence."""
    text = redact(line.strip().replace("\t", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"
