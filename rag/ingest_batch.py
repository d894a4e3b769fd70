"""Batched ingest for PolicyIndex.batched(): parse the next files while earlier batches are embedded and written.

The caller's thread chunks each document and queues it. Two background threads
form a pipeline: one embeds a batch (PolicyIndex._embed: no chromadb, no
records) while the other writes the batch before it (PolicyIndex._write). At
most two batches are in flight. Writing used to stall the embedder: 7 of a
45 s ingest of 500 documents ran on one core.

The caller's thread alone changes the index's in-memory state, when it collects
a finished batch, in the order the batches were sent. chromadb is used by the
writer thread only, except when a collected batch replaces earlier versions of
its files: the caller then waits for every batch in flight before removing
them, so chromadb is never used from two threads at once.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from rag.models import Chunk, Document, IngestResult

if TYPE_CHECKING:
    from rag.index import PolicyIndex
    from rag.index_records import Record


class IngestBatchError(RuntimeError):
    """A queued batch could not be embedded or written; names its documents, not the file being read."""


_Queued = tuple[Document, list[Chunk], list[str]]

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
            vectors = self._embedder.submit(self._index._embed, documents)
            # The writer takes batches in the order they were sent, each once its vectors are ready.
            written = self._writer.submit(lambda: self._index._write(documents, vectors.result()))
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
