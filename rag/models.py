"""Value types of the retrieval pipeline.

Cheap to import on purpose: only pydantic, so the CLI and the gap drafter can
use these types without paying for chromadb or onnxruntime.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MediaType = Literal["markdown", "pdf", "docx", "html", "text"]
IngestStatus = Literal["added", "unchanged", "replaced"]

#: (start, end, page_number) with 1-based page numbers.
PageSpan = tuple[int, int, int]
#: (start, end, heading path such as "AI policy > Acceptable use").
SectionSpan = tuple[int, int, str]


def document_id_for(sha256_hex: str) -> str:
    """A document's id depends on its bytes only, so a moved file keeps it."""
    return "doc-" + sha256_hex[:12]


def chunk_id_for(document_sha256: str, start: int) -> str:
    """Opaque and stable: the same bytes chunked the same way give the same ids."""
    digest = hashlib.sha256(f"{document_sha256}:{start}".encode()).hexdigest()
    return "chk-" + digest[:12]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    """One policy document with its full extracted text and structure."""

    id: str
    path: str
    name: str
    title: str
    sha256: str
    media_type: MediaType
    text: str
    pages: list[PageSpan] = Field(default_factory=list)
    sections: list[SectionSpan] = Field(default_factory=list)

    def page_at(self, offset: int) -> int | None:
        for start, end, number in self.pages:
            if start <= offset < end:
                return number
        return None

    def section_at(self, offset: int) -> str | None:
        # Sections do not nest as spans (each ends where the next heading
        # starts), so the first hit is the only one.
        for start, end, path in self.sections:
            if start <= offset < end:
                return path
        return None


class Chunk(_Frozen):
    """A span of a Document; ``text`` is exactly ``document.text[start:end]``."""

    id: str
    document_id: str
    document: str
    page: int | None = None
    section: str | None = None
    start: int
    end: int
    text: str
    #: Why this chunk is not evidence (it addresses a tool or model, or claims blanket
    #: conformance; see rag.untrusted), or None for ordinary policy text.
    suspicious: str | None = None

    @model_validator(mode="after")
    def _span_matches_text(self) -> Chunk:
        if self.end - self.start != len(self.text) or self.start < 0:
            raise ValueError("chunk offsets do not match its text length")
        return self


class Passage(Chunk):
    """A retrieved chunk, with its fused score and 1-based rank."""

    score: float
    rank: int


class DocumentInfo(_Frozen):
    """What the index knows about an ingested document (no full text)."""

    id: str
    path: str
    name: str
    title: str
    sha256: str
    media_type: MediaType
    chunks: int
    pages: int
    characters: int
    embedder: str
    ingested_at: datetime


class IngestResult(_Frozen):
    status: IngestStatus
    document: Document
    chunks: int
    #: The id of the document this one replaced, when status is "replaced".
    replaced_id: str | None = None
