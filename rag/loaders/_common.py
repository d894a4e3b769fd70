"""Shared pieces of the loaders: the error type, text hygiene, structure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.models import SectionSpan


class DocumentError(ValueError):
    """A policy document that cannot be read, with a reason a person can act on."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000]+")


def clean_text(text: str) -> str:
    """Normalise newlines and drop control characters.

    Done once at load time, so offsets into ``Document.text`` are offsets into
    exactly the text that was chunked and that quotes are verified against.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def collapse_inline(text: str) -> str:
    """One line of running text: whitespace runs become one space."""
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def decode_text(data: bytes, path: str) -> str:
    """Decode a file that claims to be text, refusing binary posing as text."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Windows "Unicode" text files are UTF-16 with a byte-order mark.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(path, "has a UTF-16 byte-order mark but is not valid UTF-16 text") from None
    if b"\x00" in data[:65536]:
        raise DocumentError(path, "looks like a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy Windows exports are common for policies; cp1252 maps almost
        # every byte, so judge the result by how much of it is printable.
        text = data.decode("cp1252", errors="replace")
        bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\n\r\t\f"))
        if bad > max(3, len(text) // 100):
            raise DocumentError(path, "is not valid UTF-8 text and looks like binary data") from None
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > max(3, min(len(text), 65536) // 100):
        raise DocumentError(path, "looks like a binary file, not text (too many control characters)")
    return text


class HeadingStack:
    """Turns a stream of (level, title) headings into "A > B > C" paths."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []

    def push(self, level: int, title: str) -> str:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, title))
        return " > ".join(t for _, t in self._stack)


@dataclass
class StructuredText:
    """Builds a document's text from blocks and headings, recording sections.

    Blocks are separated by a blank line so the chunker sees paragraphs; a
    section runs from its heading to the next heading of any level.
    """

    parts: list[str] = field(default_factory=list)
    length: int = 0
    sections: list[SectionSpan] = field(default_factory=list)
    first_heading: str | None = None
    _open: tuple[int, str] | None = None
    _headings: HeadingStack = field(default_factory=HeadingStack)

    def _append(self, block: str) -> int:
        if self.parts:
            self.parts.append("\n\n")
            self.length += 2
        start = self.length
        self.parts.append(block)
        self.length += len(block)
        return start

    def heading(self, level: int, title: str) -> None:
        title = collapse_inline(clean_text(title))
        if not title:
            return
        start = self._append(title)
        self._close(start)
        self._open = (start, self._headings.push(level, title))
        if self.first_heading is None:
            self.first_heading = title

    def block(self, text: str) -> None:
        text = clean_text(text).strip()
        if text:
            self._append(text)

    def _close(self, end: int) -> None:
        if self._open is not None and end > self._open[0]:
            self.sections.append((self._open[0], end, self._open[1]))
        self._open = None

    def finish(self) -> tuple[str, list[SectionSpan]]:
        self._close(self.length)
        return "".join(self.parts), self.sections
