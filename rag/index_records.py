"""The per-document records of the policy index: the source of truth beside chromadb's vectors.

``aims-documents/<document id>.json`` holds a document's full extracted text
and its chunk spans, written atomically after the document's chunks are
stored: a document without its record is invisible to every reader.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rag.atomic import write_atomic
from rag.models import Chunk, Document, DocumentInfo
from rag.untrusted import suspicion_reason

SCHEMA = 1


@dataclass(frozen=True)
class Record:
    document: Document
    chunks: tuple[Chunk, ...]
    embedder: str
    ingested_at: datetime

    def info(self) -> DocumentInfo:
        d = self.document
        return DocumentInfo(
            id=d.id,
            path=d.path,
            name=d.name,
            title=d.title,
            sha256=d.sha256,
            media_type=d.media_type,
            chunks=len(self.chunks),
            pages=len(d.pages),
            characters=len(d.text),
            embedder=self.embedder,
            ingested_at=self.ingested_at,
        )


def write_record(folder: Path, record: Record) -> None:
    payload = {
        "schema": SCHEMA,
        "embedder": record.embedder,
        "ingested_at": record.ingested_at.isoformat(),
        "document": record.document.model_dump(mode="json"),
        "chunks": [
            {"id": c.id, "page": c.page, "section": c.section, "start": c.start, "end": c.end,
             "suspicious": c.suspicious}
            for c in record.chunks
        ],
    }
    write_atomic(folder / f"{record.document.id}.json", json.dumps(payload, ensure_ascii=False))


def read_record(file: Path) -> Record:
    """Raises OSError, ValueError, KeyError or TypeError for a damaged record."""
    raw = json.loads(file.read_text(encoding="utf-8"))
    document = Document.model_validate(raw["document"])
    chunks = tuple(
        Chunk(
            id=c["id"], document_id=document.id, document=document.name, page=c.get("page"),
            section=c.get("section"), start=c["start"], end=c["end"],
            text=document.text[c["start"] : c["end"]],
            # Records written before flagging existed are flagged on load.
            suspicious=c["suspicious"] if "suspicious" in c
            else suspicion_reason(document.text[c["start"] : c["end"]]),
        )
        for c in raw["chunks"]
    )
    return Record(document, chunks, str(raw.get("embedder")), datetime.fromisoformat(raw["ingested_at"]))


def chunk_metadata(document: Document, chunk: Chunk) -> dict[str, Any]:
    # chromadb metadata cannot hold None: absent keys mean "no page/section".
    # Informational only (e.g. for a shared server): every read goes
    # through the document record, which is the source of truth.
    meta: dict[str, Any] = {
        "document_id": document.id,
        "document": document.name,
        "start": chunk.start,
        "end": chunk.end,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if chunk.section is not None:
        meta["section"] = chunk.section
    if chunk.suspicious is not None:
        meta["suspicious"] = chunk.suspicious
    return meta
