"""Load a policy document (Markdown, PDF, DOCX, HTML, text) into a :class:`Document`.

Every problem a person can fix (missing, unsupported, damaged, encrypted,
image-only, too large, binary) is a :class:`DocumentError` with a reason,
never a raw traceback.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from rag.loaders._common import DocumentError, clean_text, decode_text
from rag.loaders.limits import DEFAULT_DOCUMENT_LIMITS, DocumentLimits, zip_problem
from rag.models import Document, MediaType, PageSpan, SectionSpan, document_id_for

__all__ = ["DEFAULT_MAX_BYTES", "SUFFIXES", "DocumentError", "DocumentLimits", "document_from_bytes", "load_document"]

DEFAULT_MAX_BYTES = DEFAULT_DOCUMENT_LIMITS.max_file_bytes

SUFFIXES: dict[str, MediaType] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}


def load_document(
    path: str | os.PathLike[str], *, max_bytes: int | None = None, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS
) -> Document:
    """Read and extract one file. ``path`` is recorded as given."""
    max_bytes = limits.max_file_bytes if max_bytes is None else max_bytes
    shown = str(path)
    file = Path(path)
    media_type = SUFFIXES.get(file.suffix.lower())
    if not file.exists():
        raise DocumentError(shown, "file not found")
    if not file.is_file():
        raise DocumentError(shown, "is not a regular file")
    if media_type is None:
        supported = ", ".join(sorted(SUFFIXES))
        raise DocumentError(shown, f"unsupported file type {file.suffix or '(no extension)'!r}; supported: {supported}")
    size = file.stat().st_size
    if size > max_bytes:
        raise DocumentError(shown, f"is too large: {size / 1e6:.1f} MB, larger than the {max_bytes / 1e6:.1f} MB limit "
                            "(limits.policy_max_file_bytes)")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DocumentError(shown, f"cannot be read ({exc.strerror or exc})") from None
    if not data.strip():
        raise DocumentError(shown, "is empty")
    return document_from_bytes(data, shown, media_type, limits)


def _too_much_text(path: str, chars: int, limits: DocumentLimits) -> DocumentError:
    return DocumentError(path, f"is too large: {chars:,} characters of text, past the {limits.max_text_chars:,} "
                               "limit (limits.policy_max_text_chars); split it or raise the limit")


def document_from_bytes(
    data: bytes, path: str, media_type: MediaType, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS
) -> Document:
    """Extract a document from its bytes (split out so callers can pass downloads)."""
    if media_type in ("markdown", "text", "html") and len(data) > 4 * limits.max_text_chars:
        raise _too_much_text(path, len(data), limits)  # more bytes than any text within the limit
    if media_type == "docx":
        problem = zip_problem(data, limits)
        if problem:
            raise DocumentError(path, f"is refused: {problem}")
    pages: list[PageSpan] = []
    sections: list[SectionSpan] = []
    title: str | None = None
    if media_type in ("markdown", "text"):
        text = clean_text(decode_text(data, path))
        if media_type == "markdown":
            from rag.loaders.markdown import markdown_structure

            sections, title = markdown_structure(text)
    elif media_type == "html":
        from rag.loaders.html import html_structure

        text, sections, title = html_structure(decode_text(data, path))
    elif media_type == "docx":
        from rag.loaders.docx import docx_structure

        text, sections, title = docx_structure(data, path)
    else:
        from rag.loaders.pdf import pdf_structure

        text, pages, sections, title = pdf_structure(data, path, limits)
    if len(text) > limits.max_text_chars:
        raise _too_much_text(path, len(text), limits)
    if not any(ch.isalnum() for ch in text):
        hint = " (a scanned PDF needs OCR first)" if media_type == "pdf" else ""
        raise DocumentError(path, f"has no extractable text{hint}")

    sha = hashlib.sha256(data).hexdigest()
    name = Path(path).name
    return Document(
        id=document_id_for(sha),
        path=path,
        name=name,
        title=(title or Path(path).stem).strip()[:300],
        sha256=sha,
        media_type=media_type,
        text=text,
        pages=pages,
        sections=sections,
    )
