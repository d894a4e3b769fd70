"""PDF via pypdf: page spans always, headings when the fonts or numbering show them."""

from __future__ import annotations

import contextlib
import io
import math
import re
from collections import Counter

from rag.loaders._common import DocumentError, HeadingStack, clean_text, collapse_inline
from rag.loaders.limits import DEFAULT_DOCUMENT_LIMITS, DocumentLimits
from rag.models import PageSpan, SectionSpan

# A heading is set at least this much larger than the body text.
_HEADING_RATIO = 1.15
_MAX_HEADING_CHARS = 120
# "3. Acceptable use", "4.2 Data protection": policy numbering, used only when
# the fonts carry no signal (every line the same size).
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-Z][^.!?:;]{2,80})$")


def _effective_size(font_size: float, cm: list[float], tm: list[float]) -> float:
    # The Tf size is scaled by the text and current matrices; vertical scale
    # is what a reader perceives as the size.
    scale_tm = math.hypot(tm[2], tm[3]) or 1.0
    scale_cm = math.hypot(cm[2], cm[3]) or 1.0
    return round(abs(font_size) * scale_tm * scale_cm, 1)


class _PageFonts:
    """Rebuilds a page's lines, with their font sizes, from pypdf's text visitor.

    A line often arrives in several runs ("2." then "Scope" in bold), and
    pypdf reports line breaks as runs of their own.
    """

    def __init__(self) -> None:
        #: (text, size) of every non-blank run, for the body size estimate.
        self.runs: list[tuple[str, float]] = []
        #: (line text, smallest size on the line) of every finished line.
        self.lines: list[tuple[str, float]] = []
        self._line: list[str] = []
        self._sizes: list[float] = []

    def visit(self, text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text:
            return
        effective = _effective_size(size, cm, tm)
        pieces = text.split("\n")
        for number, piece in enumerate(pieces):
            if number:
                self._end_line()
            if piece.strip():
                self.runs.append((piece, effective))
                self._line.append(piece)
                self._sizes.append(effective)
            elif piece:
                self._line.append(piece)

    def _end_line(self) -> None:
        if self._sizes:
            self.lines.append(("".join(self._line), min(self._sizes)))
        self._line, self._sizes = [], []

    def finish(self) -> _PageFonts:
        self._end_line()
        return self


def _open(data: bytes, path: str):  # -> pypdf.PdfReader
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
    except Exception as exc:  # pypdf raises many types for a damaged file
        raise DocumentError(path, f"is not a readable PDF ({type(exc).__name__}: {exc})") from None
    if reader.is_encrypted:
        # Many PDFs are encrypted with an empty user password (only printing
        # or copying is restricted); those open without asking anyone.
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise DocumentError(path, f"is encrypted and cannot be decrypted here ({exc})") from None
        except Exception:
            opened = 0
        if not opened:
            raise DocumentError(
                path, "is an encrypted PDF that needs a password; save an unprotected copy and add that"
            )
    return reader


def _bounded(limits: DocumentLimits):  # type: ignore[no-untyped-def]
    """pypdf's own decompression limits, set to ours for the duration of one extraction."""
    try:
        from pypdf import apply_configuration
    except ImportError:  # pypdf < 7 keeps its built-in limits
        return contextlib.nullcontext()
    cap = limits.max_unpacked_bytes
    return apply_configuration(
        zlib_maximum_output_length=cap, lzw_maximum_output_length=cap, run_length_maximum_output_length=cap,
        jbig2_maximum_output_length=cap, brotli_maximum_output_length=cap, image_maximum_buffer_size=cap,
        maximum_declared_stream_length=cap, array_based_stream_maximum_output_length=cap,
    )


def pdf_structure(
    data: bytes, path: str, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS
) -> tuple[str, list[PageSpan], list[SectionSpan], str | None]:
    """Extracted text, page spans, sections and the title."""
    page_texts: list[str] = []
    fonts: list[_PageFonts] = []
    with _bounded(limits):
        reader = _open(data, path)
        extracted = 0
        try:
            for page in reader.pages:
                collector = _PageFonts()
                text = page.extract_text(visitor_text=collector.visit) or ""
                extracted += len(text)
                if extracted > limits.max_text_chars:
                    raise DocumentError(path, f"is too large: more than {limits.max_text_chars:,} characters of "
                                              "text (limits.policy_max_text_chars); split it or raise the limit")
                page_texts.append(clean_text(text).strip("\n"))
                fonts.append(collector.finish())
            meta_title = ((reader.metadata or {}).get("/Title") or "") if reader.metadata else ""
        except DocumentError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "LimitReachedError":  # pypdf's bounds, set from ours above
                raise DocumentError(path, f"is refused: a compressed stream or its content is past the limit ({exc}); "
                                          "limits.archive_max_unpacked_bytes sets the size of one stream") from None
            raise DocumentError(path, f"is a damaged PDF ({type(exc).__name__}: {exc})") from None

    parts: list[str] = []
    pages: list[PageSpan] = []
    length = 0
    for number, text in enumerate(page_texts, start=1):
        if not text.strip():
            continue
        if parts:
            parts.append("\n\n")
            length += 2
        pages.append((length, length + len(text), number))
        parts.append(text)
        length += len(text)
    full = "".join(parts)

    headings, by_font = _find_headings(full, pages, fonts)
    paths = _font_paths(headings) if by_font else _numbered_paths(headings)
    sections: list[SectionSpan] = []
    for i, (start, _, _) in enumerate(headings):
        end = headings[i + 1][0] if i + 1 < len(headings) else len(full)
        sections.append((start, end, paths[i]))
    title = str(meta_title).strip() or (headings[0][2] if headings else None)
    return full, pages, sections, title


def _font_paths(headings: list[tuple[int, int, str]]) -> list[str]:
    stack = HeadingStack()
    return [stack.push(level, title) for _, level, title in headings]


def _numbered_paths(headings: list[tuple[int, int, str]]) -> list[str]:
    # "2.1" belongs under "2", not under whichever heading came last.
    paths: list[str] = []
    open_: list[tuple[tuple[str, ...], str]] = []
    for _, _, title in headings:
        match = _NUMBERED.match(title)
        number = tuple(match.group(1).split(".")) if match else ()
        while open_ and open_[-1][0] != number[: len(open_[-1][0])]:
            open_.pop()
        open_.append((number, title))
        paths.append(" > ".join(t for _, t in open_))
    return paths


def _find_headings(
    full: str, pages: list[PageSpan], fonts: list[_PageFonts]
) -> tuple[list[tuple[int, int, str]], bool]:
    """(offset, level, title) of heading lines in text order, and whether fonts found them."""
    sizes: Counter[float] = Counter()
    for collector in fonts:
        for text, size in collector.runs:
            sizes[size] += len(text.strip())
    body = sizes.most_common(1)[0][0] if sizes else 0.0

    # Heading candidates per page: lines of text set clearly larger than body.
    large: dict[int, dict[str, float]] = {}
    for number, collector in enumerate(fonts, start=1):
        for text, size in collector.lines:
            key = collapse_inline(text)
            if body and size >= body * _HEADING_RATIO and key and len(key) <= _MAX_HEADING_CHARS:
                large.setdefault(number, {})[key] = size
    by_font = bool(large)
    heading_sizes = sorted({s for d in large.values() for s in d.values()}, reverse=True)
    levels = {size: rank for rank, size in enumerate(heading_sizes, start=1)}

    found: list[tuple[int, int, str]] = []
    for start, end, number in pages:
        offset = start
        for line in full[start:end].split("\n"):
            key = collapse_inline(line)
            if key and any(ch.isalpha() for ch in key):
                if by_font and key in large.get(number, {}):
                    found.append((offset + len(line) - len(line.lstrip()), min(levels[large[number][key]], 6), key))
                elif not by_font:
                    numbered = _NUMBERED.match(key)
                    if numbered:
                        level = numbered.group(1).count(".") + 1
                        found.append((offset + len(line) - len(line.lstrip()), level, key))
            offset += len(line) + 1
    return found, by_font
