"""Check that a quoted passage really is in the source text."""

from __future__ import annotations

import re

_WHITESPACE = re.compile(r"\s+")


def verify_quote(quote: str, source_text: str, *, tolerate_whitespace: bool = True) -> tuple[int, int] | None:
    """The (start, end) span of ``quote`` in ``source_text``, or None.

    Exact substring first. With ``tolerate_whitespace``, any run of
    whitespace in the quote also matches any run in the source (a model
    often re-flows a line break as a space); nothing else is forgiven, and the
    span returned is always of the source's own text, so
    ``source_text[start:end]`` is what gets shown as the citation.
    """
    needle = quote.strip()
    if not needle:
        return None
    found = source_text.find(needle)
    if found >= 0:
        return found, found + len(needle)
    if not tolerate_whitespace:
        return None
    words = _WHITESPACE.split(needle)
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    match = pattern.search(source_text)
    return (match.start(), match.end()) if match else None
