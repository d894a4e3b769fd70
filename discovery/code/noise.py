"""Noise rules: a mention in a comment, a docstring or a block comment is not a use (pure).

The checks are cheap and approximate by design: they run only on lines a signature matched,
and they err towards dropping a mention rather than raising a false alarm.
"""

from __future__ import annotations


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
# What a line starts with when it is inside or opens a block comment, per scope that has them.
_LINE_START_SCOPES: dict[str, tuple[str, ...]] = {scope: ("/*", "*") for scope in _BLOCK_COMMENT_SCOPES} | {
    "xml": ("<!--",)}
_STRICT_HASH_SCOPES = frozenset({"python", "ruby", "php"})  # `#` outside a string always comments


def comment_start(line: str, scope: str, limit: int | None = None) -> int | None:
    """Offset where a comment starts in the line (before limit), outside string quotes."""
    if scope in _LINE_START_SCOPES:
        stripped = line.lstrip()
        if stripped.startswith(_LINE_START_SCOPES[scope]):
            return len(line) - len(stripped)  # inside or opening a block comment
    markers = COMMENT_MARKERS.get(scope, ())
    if not markers:
        return None
    head = line if limit is None else line[:limit]
    if markers[0] not in head and (len(markers) == 1 or not any(marker in head for marker in markers)):
        return None  # the common case, decided without walking the line
    quote: str | None = None
    escaped = False
    for i, ch in enumerate(head):
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


class ProseTracker:
    """Is an offset inside prose: a Python triple-quoted string or a /* */ block comment?

    Counts triple quotes from the last offset asked (offsets mostly grow within a file), so a
    file with many hits is still read once. Parity of each quote style approximates pairing.
    """

    def __init__(self, data: bytes, scope: str, single_quotes: bool = True) -> None:
        """single_quotes: False when the caller knows data holds no `'''` (it is then not counted)."""
        self._data = data
        self._single_quotes = single_quotes
        self._python = scope == "python"
        self._blocks = scope in _BLOCK_COMMENT_SCOPES
        self._at = 0
        self._double = self._single = 0

    def __bool__(self) -> bool:
        return self._python or self._blocks

    def inside(self, offset: int) -> bool:
        data = self._data
        if self._python:
            if offset < self._at:
                self._at, self._double, self._single = 0, 0, 0
            self._double += data.count(b'"""', self._at, offset)
            if self._single_quotes:
                self._single += data.count(b"\'\'\'", self._at, offset)
            self._at = offset
            return bool(self._double % 2 or self._single % 2)
        if self._blocks:
            opened = data.rfind(b"/*", 0, offset)
            if opened < 0 or data.find(b"*/", opened + 2, offset) >= 0:
                return False
            line_start = data.rfind(b"\n", 0, opened) + 1
            return not data[line_start:opened].strip()  # only blocks opened at line start count
        return False
