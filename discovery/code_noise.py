"""Noise rules: a mention in a comment, a docstring or a block comment is not a use (pure).

The checks are cheap and approximate by design: they run only on lines a signature matched,
and they err towards dropping a mention rather than raising a false alarm.
"""

from __future__ import annotations

import re
from bisect import bisect_right

# Comment markers per scope. `#` is a comment only at line start or after whitespace in
# config languages, so URL fragments (`http://x#y`) survive.
_HASH = ("#",)
_SLASH = ("//",)
COMMENT_MARKERS: dict[str, tuple[str, ...]] = {
    "python": _HASH, "ruby": _HASH, "shell": _HASH, "yaml": _HASH, "toml": _HASH, "env": _HASH,
    "dockerfile": _HASH, "ini": (";", "#"), "terraform": ("#", "//"), "php": ("//", "#"),
    "js": _SLASH, "go": _SLASH, "java": _SLASH, "csharp": _SLASH, "rust": _SLASH, "bicep": _SLASH,
    "json": (), "xml": (),
}
_BLOCK_COMMENT_SCOPES = frozenset({"js", "go", "java", "csharp", "rust", "php", "bicep", "terraform"})
_STRICT_HASH_SCOPES = frozenset({"python", "ruby", "php"})  # `#` outside a string always comments


def comment_start(line: str, scope: str) -> int | None:
    """Offset where a comment starts in the line, outside string quotes; None if no comment."""
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    if scope in _BLOCK_COMMENT_SCOPES and stripped.startswith(("/*", "*")):
        return indent  # inside or opening a block comment
    if scope == "xml" and stripped.startswith("<!--"):
        return indent
    markers = COMMENT_MARKERS.get(scope, ())
    if not markers:
        return None
    quote: str | None = None
    escaped = False
    for i, ch in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
            continue
        if ch in "\"'`":
            # a lone apostrophe in shell/yaml prose (don't) is not a string opener worth tracking
            if ch == "'" and scope in ("yaml", "ini", "env") and i > 0 and line[i - 1].isalnum():
                continue
            quote = ch
            continue
        for marker in markers:
            if line.startswith(marker, i):
                if marker == "#" and scope not in _STRICT_HASH_SCOPES and i > 0 and not line[i - 1].isspace():
                    continue
                return i
    return None


_TRIPLE_QUOTE = re.compile(rb'"""|\'\'\'')
_BLOCK_OPEN = re.compile(rb"(?m)^[ \t]*/\*")


class ProseRanges:
    """Byte ranges of a file that hold prose: Python triple-quoted strings, /* */ blocks."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        ranges.sort()
        self._starts = [start for start, _ in ranges]
        self._ranges = ranges

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and self._ranges[i][0] <= offset < self._ranges[i][1]

    def __bool__(self) -> bool:
        return bool(self._ranges)

    @classmethod
    def of(cls, data: bytes, scope: str) -> "ProseRanges":
        ranges: list[tuple[int, int]] = []
        if scope == "python":
            # Pair triple quotes in order. A docstring or a prompt template is text, not code.
            open_at: int | None = None
            opener = b""
            for match in _TRIPLE_QUOTE.finditer(data):
                token = match.group(0)
                if open_at is None:
                    open_at, opener = match.end(), token
                elif token == opener:
                    ranges.append((open_at, match.start()))
                    open_at = None
            if open_at is not None:
                ranges.append((open_at, len(data)))
        elif scope in _BLOCK_COMMENT_SCOPES:
            # Only blocks opened at line start: `"src/*"` inside a string must not open one.
            for match in _BLOCK_OPEN.finditer(data):
                end = data.find(b"*/", match.end())
                ranges.append((match.start(), len(data) if end < 0 else end + 2))
        return cls(ranges)
