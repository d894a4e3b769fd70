"""DOCX via python-docx: paragraphs and tables in body order, Heading styles as sections."""

from __future__ import annotations

import io
import re

from rag.loaders._common import DocumentError, StructuredText, collapse_inline

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def _heading_level(style: object) -> int | None:
    """The level of a Heading-based style, following custom styles' base styles."""
    seen = 0
    while style is not None and seen < 10:
        name = (getattr(style, "name", None) or "").strip()
        if name.lower() == "title":
            return 0
        match = _HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        style = getattr(style, "base_style", None)
        seen += 1
    return None


def docx_structure(data: bytes, path: str) -> tuple[str, list[tuple[int, int, str]], str | None]:
    """Extracted text, its sections and the title."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a bad package
        raise DocumentError(path, f"is not a readable DOCX file ({type(exc).__name__}: {exc})") from None

    out = StructuredText()
    try:
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                level = _heading_level(item.style)
                if level is not None:
                    out.heading(level, item.text)
                else:
                    out.block(item.text)
            elif isinstance(item, Table):
                for row in item.rows:
                    cells: list[str] = []
                    for cell in row.cells:
                        text = collapse_inline(cell.text)
                        # Merged cells come back once per grid column.
                        if text and (not cells or cells[-1] != text):
                            cells.append(text)
                    out.block(" | ".join(cells))
        core_title = (document.core_properties.title or "").strip()
    except Exception as exc:
        raise DocumentError(path, f"has a damaged DOCX body ({type(exc).__name__}: {exc})") from None
    text, sections = out.finish()
    return text, sections, core_title or out.first_heading
