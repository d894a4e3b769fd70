"""Batched ingest for PolicyIndex.batched(): parse the next files while a batch is embedded and written.

The caller's thread chunks each document and queues it; a single background
thread embeds and stores one batch at a time (PolicyIndex._store), and the
caller's thread alone changes the index's in-memory state, when it collects a
finished batch. So the index is never changed from two threads, and chromadb
is used by one thread at a time.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from rag.models import Chunk, Document, IngestResult

if TYPE_CHECKING:
    from rag.index import PolicyIndex
    from rag.index_records import Record


class IngestBatchError(RuntimeError):
    """A queued batch could not be embedded or written; names its documents, not the file being read."""


_Queued = tuple[Document, list[Chunk], list[str]]


class IngestBatch:
    def __init__(self, index: PolicyIndex, max_chunks: int) -> None:
        self._index = index
        self._max_chunks = max(1, max_chunks)
        self._pending: list[_Queued] = []
        self._pending_chunks = 0
        #: Chunk counts of queued and in-flight documents: the same bytes twice are stored once.
        self._queued: dict[str, int] = {}
        self._in_flight: tuple[list[_Queued], Future[list[Record]]] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aims-ingest")

    def add(self, document: Document) -> IngestResult:
        if document.id in self._queued:
            return IngestResult(status="unchanged", document=document, chunks=self._queued[document.id])
        chunks, previous = self._index._prepare(document)
        self._pending.append((document, chunks, previous))
        self._pending_chunks += len(chunks)
        self._queued[document.id] = len(chunks)
        if self._pending_chunks >= self._max_chunks:
            self._send()
        status = "replaced" if previous else "added"
        return IngestResult(status=status, document=document, chunks=len(chunks),
                            replaced_id=previous[0] if previous else None)

    def _send(self) -> None:
        batch, self._pending, self._pending_chunks = self._pending, [], 0
        self._collect()
        if batch:
            future = self._executor.submit(self._index._store, [(d, c) for d, c, _ in batch])
            self._in_flight = (batch, future)

    def _collect(self) -> None:
        if self._in_flight is None:
            return
        batch, future = self._in_flight
        self._in_flight = None
        try:
            records = future.result()
        except Exception as exc:
            names = ", ".join(d.name for d, _, _ in batch[:5]) + (" ..." if len(batch) > 5 else "")
            raise IngestBatchError(f"could not embed or store {len(batch)} document(s) ({names}): {exc}") from exc
        for (_, _, previous), record in zip(batch, records, strict=True):
            self._index._register(record, previous)

    def finish(self) -> None:
        try:
            self._send()
            self._collect()
        finally:
            self._executor.shutdown(wait=True)

    def abandon(self) -> None:
        """The caller failed: let the batch in flight end (what it stored is complete), queue nothing more."""
        self._pending = []
        try:
            self._collect()
        except IngestBatchError:
            pass  # the caller's own error is the one to report
        finally:
            self._executor.shutdown(wait=True)
