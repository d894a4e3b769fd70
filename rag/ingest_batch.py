"""Getting chunks into the index: a batch embedded (embed_batch), then written (write_batch), and
the batched ingest of PolicyIndex.batched(), which parses the next files meanwhile.

The caller's thread chunks each document and queues it. Two background threads
form a pipeline: one embeds a batch (embed_batch: no chromadb, no records)
while the other writes the batch before it (write_batch). At
most two batches are in flight. Writing used to stall the embedder: 7 of a
45 s ingest of 500 documents ran on one core.

The caller's thread alone changes the index's in-memory state, when it collects
a finished batch, in the order the batches were sent. chromadb is used by the
writer thread only, except when a collected batch replaces earlier versions of
its files: the caller then waits for every batch in flight before removing
them, so chromadb is never used from two threads at once.
"""

from __future__ import annotations

import contextlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rag.chunking import contextual_text
from rag.index_records import Record, chunk_metadata
from rag.models import Chunk, Document, IngestResult

if TYPE_CHECKING:
    from rag.embeddings import Embedder
    from rag.index import PolicyIndex


class IngestBatchError(RuntimeError):
    """A queued batch could not be embedded or written; names its documents, not the file being read."""


_Queued = tuple[Document, list[Chunk], list[str]]
_Batch = list[tuple[Document, list[Chunk]]]


def embed_batch(embedder: Embedder, batch: _Batch) -> list[list[float]]:
    """The vectors of the batch's chunks, in order; touches neither chromadb nor the records.

    Safe on a background thread while another writes an earlier batch.
    """
    chunks = [c for _, document_chunks in batch for c in document_chunks]
    vectors = embedder.embed([contextual_text(c) for c in chunks]) if chunks else []
    if len(vectors) != len(chunks) or any(len(v) != embedder.dimension for v in vectors):
        raise RuntimeError(f"embedder {embedder.name} returned vectors of the wrong shape")
    return vectors


def write_batch(index: PolicyIndex, batch: _Batch, vectors: list[list[float]]) -> list[Record]:
    """Write embedded chunks into the index's collection, then their records; nothing in the
    index's memory changes. Safe on a background thread while the owner only reads its records."""
    chunks = [c for _, document_chunks in batch for c in document_chunks]
    owners = {c.id: document for document, document_chunks in batch for c in document_chunks}
    ids = [c.id for c in chunks]
    step = max(1, index._client.get_max_batch_size())
    records = []
    try:
        for offset in range(0, len(chunks), step):
            part = chunks[offset : offset + step]
            index._collection.upsert(
                ids=ids[offset : offset + step],
                embeddings=vectors[offset : offset + step],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(owners[c.id], c) for c in part],
            )
        for document, document_chunks in batch:
            record = Record(document, tuple(document_chunks), index.embedder.name, datetime.now(UTC))
            index._write_record(record)
            records.append(record)
    except BaseException:
        # Nothing half-ingested stays behind: a document without its record was never
        # visible, and its chunks go too. Records already written stay: they are complete.
        written = {r.document.id for r in records}
        with contextlib.suppress(Exception):
            index._delete_ids([c.id for c in chunks if owners[c.id].id not in written])
        raise
    return records

#: Batches embedded or written at once: one on each background thread.
IN_FLIGHT = 2


class IngestBatch:
    def __init__(self, index: PolicyIndex, max_chunks: int) -> None:
        self._index = index
        self._max_chunks = max(1, max_chunks)
        self._pending: list[_Queued] = []
        self._pending_chunks = 0
        #: Chunk counts of queued and in-flight documents: the same bytes twice are stored once.
        self._queued: dict[str, int] = {}
        self._in_flight: deque[tuple[list[_Queued], Future[list[Record]]]] = deque()
        self._embedder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aims-embed")
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aims-write")

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
        while len(self._in_flight) >= IN_FLIGHT:
            self._collect_oldest()
        if batch:
            documents = [(d, c) for d, c, _ in batch]
            vectors = self._embedder.submit(embed_batch, self._index.embedder, documents)
            # The writer takes batches in the order they were sent, each once its vectors are ready.
            written = self._writer.submit(lambda: write_batch(self._index, documents, vectors.result()))
            self._in_flight.append((batch, written))

    def _collect_oldest(self) -> None:
        batch, future = self._in_flight.popleft()
        try:
            records = future.result()
        except Exception as exc:
            names = ", ".join(d.name for d, _, _ in batch[:5]) + (" ..." if len(batch) > 5 else "")
            raise IngestBatchError(f"could not embed or store {len(batch)} document(s) ({names}): {exc}") from exc
        if any(previous for _, _, previous in batch):
            # Registering removes the replaced versions from chromadb: nothing may be writing then.
            for _, later in self._in_flight:
                later.exception()  # waits; a failure is reported when that batch is collected
        for (_, _, previous), record in zip(batch, records, strict=True):
            self._index._register(record, previous)

    def _shutdown(self) -> None:
        self._embedder.shutdown(wait=True)
        self._writer.shutdown(wait=True)

    def finish(self) -> None:
        try:
            self._send()
            while self._in_flight:
                self._collect_oldest()
        finally:
            self._shutdown()

    def abandon(self) -> None:
        """The caller failed: let the batches in flight end (what they stored is complete), queue nothing more."""
        self._pending = []
        try:
            while self._in_flight:
                try:
                    self._collect_oldest()
                except IngestBatchError:
                    pass  # the caller's own error is the one to report
        finally:
            self._shutdown()
