"""The policy index: chunks and vectors in chromadb, documents beside them.

Layout of the index folder: chromadb's own files (embedded mode), and
``aims-documents/<document id>.json`` per ingested document, holding its full
extracted text (so every quote can be checked against the source) and its
chunk spans. That file is the "complete" marker: it is written atomically,
after all of the document's chunks are in chromadb, and a document without it
is invisible to every reader. With a chroma server (``chroma_url``) the
vectors live there and the document files stay in the local folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from rag.chunking import chunk_document
from rag.embeddings import Embedder
from rag.index_records import SCHEMA, Record, read_record, write_record
from rag.ingest_batch import IngestBatch, embed_batch, write_batch
from rag.models import Chunk, Document, DocumentInfo, IngestResult, document_id_for

if TYPE_CHECKING:
    from collections.abc import Iterator

DOCUMENTS_DIR = "aims-documents"
_META_EMBEDDER = "aims_embedder"
_META_DIMENSION = "aims_dimension"
_META_SCHEMA = "aims_schema"


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder; its vectors are not comparable."""

    def __init__(self, path: str, found: str, expected: str) -> None:
        super().__init__(
            f"the policy index at {path} was built with the embedder {found}, not {expected}; "
            "re-ingest the policies (rebuild the index) or switch back to that embedder"
        )
        self.found = found
        self.expected = expected


def _same_file(a: str, b: str) -> bool:
    return a == b or os.path.abspath(a) == os.path.abspath(b)


class PolicyIndex:
    """An embedded (or server) chromadb collection of policy chunks."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        embedder: Embedder,
        chroma_url: str | None = None,
        *,
        collection: str = "policies",
        rebuild: bool = False,
    ) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self.collection_name = collection
        self.path.mkdir(parents=True, exist_ok=True)
        self._docs_dir = self.path / DOCUMENTS_DIR
        self._docs_dir.mkdir(exist_ok=True)
        self._client = self._connect()
        #: Bumped on every change, so retrievers know when to rebuild BM25.
        self.generation = 0
        self._collection = self._open_collection(rebuild)
        self._records: dict[str, Record] = {}
        self._chunk_owner: dict[str, str] = {}
        self._batch: IngestBatch | None = None
        #: Documents re-embedded on opening because an earlier model embedded them.
        self.reembedded = 0
        self.refresh()

    # --- setup -----------------------------------------------------------

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if not self.chroma_url:
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        url = urlparse(self.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"chroma_url must look like http://host:8000, not {self.chroma_url!r}")
        port = url.port or (443 if url.scheme == "https" else 8000)
        return chromadb.HttpClient(host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings)

    def _open_collection(self, rebuild: bool) -> Any:
        metadata = {
            _META_EMBEDDER: self.embedder.name,
            _META_DIMENSION: int(self.embedder.dimension),
            _META_SCHEMA: SCHEMA,
        }
        existing = {c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()}
        if self.collection_name in existing:
            collection = self._client.get_collection(self.collection_name, embedding_function=None)
            meta = collection.metadata or {}
            found = f"{meta.get(_META_EMBEDDER)} ({meta.get(_META_DIMENSION)} dimensions)"
            expected = f"{self.embedder.name} ({self.embedder.dimension} dimensions)"
            if found == expected and not rebuild:
                return collection
            if not rebuild and not getattr(self.embedder, "local", False):
                raise IndexMismatchError(str(self.path), found, expected)
            # A local embedder (offline, free) re-embeds the stored documents from their records
            # in refresh(): a new model version needs no re-ingest and no re-parse.
            self._client.delete_collection(self.collection_name)
        if rebuild:
            for stale in self._docs_dir.glob("*.json"):
                stale.unlink()
        # Every embedder here returns unit vectors: cosine is the right space.
        return self._client.create_collection(
            self.collection_name,
            embedding_function=None,
            metadata=metadata,
            configuration={"hnsw": {"space": "cosine"}},
        )

    def refresh(self) -> None:
        """Reload the document records from disk and drop half-written state."""
        records: dict[str, Record] = {}
        stale: list[tuple[Document, list[Chunk]]] = []
        for leftover in self._docs_dir.glob(".tmp-*"):
            leftover.unlink(missing_ok=True)  # a record write that never finished
        for file in sorted(self._docs_dir.glob("doc-*.json")):
            try:
                record = read_record(file)
                if record.embedder != self.embedder.name:
                    if getattr(self.embedder, "local", False):
                        stale.append((record.document, list(record.chunks)))
                    continue
                records[record.document.id] = record
            except (OSError, ValueError, KeyError, TypeError):
                # A damaged record: treat the document as not ingested, so the
                # next `policies add` ingests it again.
                file.unlink(missing_ok=True)
        self._records = records
        self._chunk_owner = {c.id: doc_id for doc_id, r in records.items() for c in r.chunks}
        self.generation += 1
        if self._collection.count() != len(self._chunk_owner):
            self._drop_orphans()
        if stale:
            self._reembed(stale)

    def _reembed(self, stale: list[tuple[Document, list[Chunk]]]) -> None:
        """Documents embedded by another model: their vectors again, from the stored text and spans.

        Batch by batch, each complete when written: an interrupted run resumes on the next open.
        """
        batch: list[tuple[Document, list[Chunk]]] = []
        for position, item in enumerate(stale, start=1):
            batch.append(item)
            if sum(len(c) for _, c in batch) >= 256 or position == len(stale):
                for record in self._store(batch):
                    self._register(record, [])
                    self.reembedded += 1
                batch = []

    def _drop_orphans(self) -> None:
        """Delete chunks of documents that never got (or lost) their record."""
        stored = self._collection.get(include=[])["ids"]
        orphans = [cid for cid in stored if cid not in self._chunk_owner]
        self._delete_ids(orphans)
        present = set(stored)
        for doc_id, record in list(self._records.items()):
            if any(c.id not in present for c in record.chunks):
                # Vectors lost (e.g. the chroma files were replaced): forget
                # the document so it is embedded again on the next add.
                self._forget(doc_id)

    # --- writes ----------------------------------------------------------

    def _delete_ids(self, ids: list[str]) -> None:
        step = max(1, self._client.get_max_batch_size())
        for offset in range(0, len(ids), step):
            self._collection.delete(ids=ids[offset : offset + step])

    def _forget(self, document_id: str) -> None:
        record = self._records.pop(document_id, None)
        (self._docs_dir / f"{document_id}.json").unlink(missing_ok=True)
        if record:
            for chunk in record.chunks:
                self._chunk_owner.pop(chunk.id, None)
        self.generation += 1

    def add(self, document: Document) -> IngestResult:
        """Ingest a document; unchanged bytes are a no-op, a changed file replaces its old version.

        Inside ``with index.batched():`` the document is queued and written with others (see there).
        """
        existing = self._records.get(document.id)
        if existing is not None:
            return self._unchanged(existing, document.path)
        if self._batch is not None:
            return self._batch.add(document)
        chunks, previous = self._prepare(document)
        (record,) = self._store([(document, chunks)])
        return self._register(record, previous)

    @contextlib.contextmanager
    def batched(self, max_chunks: int = 256) -> Iterator[PolicyIndex]:
        """Within the block, add() returns at once and documents are embedded and written in batches
        of about ``max_chunks`` chunks on background threads (one batch embedded while the one
        before it is written), while the caller reads the next files. Fewer, larger writes
        (chromadb pays per call) and the embedder's workers kept busy across documents. On leaving
        the block every queued document is written; as always, a document becomes visible only once
        its chunks and its record are both stored.
        """
        if self._batch is not None:
            yield self
            return
        self._batch = IngestBatch(self, max_chunks)
        try:
            yield self
            self._batch.finish()
        except BaseException:
            self._batch.abandon()
            raise
        finally:
            self._batch = None

    def _prepare(self, document: Document) -> tuple[list[Chunk], list[str]]:
        """The document's chunks, and the ids of the earlier versions of its file it will replace."""
        previous = [r.document.id for r in self._records.values() if _same_file(r.document.path, document.path)]
        return chunk_document(document), previous

    def _store(self, batch: list[tuple[Document, list[Chunk]]]) -> list[Record]:
        """Embed and write the documents' chunks, then their records; nothing in memory changes."""
        return write_batch(self, batch, embed_batch(self.embedder, batch))

    def _register(self, record: Record, previous: list[str]) -> IngestResult:
        """Make a stored document visible in memory and drop the versions it replaces."""
        document = record.document
        self._records[document.id] = record
        self._chunk_owner.update({c.id: document.id for c in record.chunks})
        self.generation += 1
        for old in previous:
            if old != document.id:
                self.remove(old)
        status = "replaced" if previous else "added"
        replaced = previous[0] if previous else None
        return IngestResult(status=status, document=document, chunks=len(record.chunks), replaced_id=replaced)

    def unchanged(self, path: str | os.PathLike[str]) -> IngestResult | None:
        """Re-adding a file whose bytes are indexed already, known from its hash alone (nothing is
        parsed, so an unchanged PDF costs a read); None when the file is new, changed or unreadable."""
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            return None  # load_document reports why
        sha = digest.hexdigest()
        record = self._records.get(document_id_for(sha))
        if record is None or record.document.sha256 != sha:
            return None
        return self._unchanged(record, str(path))

    def _unchanged(self, record: Record, path: str) -> IngestResult:
        if not _same_file(record.document.path, path) and not os.path.exists(record.document.path):
            record = self._moved(record, path)
        return IngestResult(status="unchanged", document=record.document, chunks=len(record.chunks))

    def _moved(self, record: Record, path: str) -> Record:
        """Same bytes at a new path, the old one gone: a rename, recorded without re-embedding."""
        moved = record.document.model_copy(update={"path": path, "name": Path(path).name})
        chunks = tuple(c.model_copy(update={"document": moved.name}) for c in record.chunks)
        updated = Record(moved, chunks, record.embedder, record.ingested_at)
        self._write_record(updated)
        self._records[moved.id] = updated
        self.generation += 1
        return updated

    def _write_record(self, record: Record) -> None:
        write_record(self._docs_dir, record)

    def remove(self, document_id: str) -> bool:
        """Remove a document and its chunks; False when it was not indexed."""
        record = self._records.get(document_id)
        if record is None:
            return False
        # Record first: from here on the document is invisible even if the
        # chunk deletion below is interrupted (refresh() sweeps the rest).
        self._forget(document_id)
        self._delete_ids([c.id for c in record.chunks])
        return True

    # --- reads -----------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        return sorted((r.info() for r in self._records.values()), key=lambda i: (i.path, i.id))

    def document(self, document_id: str) -> Document | None:
        record = self._records.get(document_id)
        return record.document if record else None

    def document_text(self, document_id: str) -> str:
        """The full extracted text, the source every quote is checked against."""
        record = self._records.get(document_id)
        if record is None:
            raise KeyError(f"no ingested document {document_id!r}")
        return record.document.text

    def chunk(self, chunk_id: str) -> Chunk | None:
        owner = self._chunk_owner.get(chunk_id)
        if owner is None:
            return None
        return next((c for c in self._records[owner].chunks if c.id == chunk_id), None)

    def chunks(self, document_id: str | None = None) -> list[Chunk]:
        """Chunks in document-path then text order."""
        if document_id is not None:
            record = self._records.get(document_id)
            return list(record.chunks) if record else []
        out: list[Chunk] = []
        for info in self.documents():
            out.extend(self._records[info.id].chunks)
        return out

    def dense_search(
        self, vector: list[float], n: int, document_ids: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the n nearest chunks of complete documents."""
        return self.dense_search_many([vector], n, document_ids)[0]

    def dense_search_many(
        self, vectors: list[list[float]], n: int, document_ids: list[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        """dense_search for several query vectors in one chromadb call."""
        allowed = [d for d in (document_ids if document_ids is not None else self._records) if d in self._records]
        total = sum(len(self._records[d].chunks) for d in allowed)
        if not vectors:
            return []
        if not allowed or total == 0 or n <= 0:
            return [[] for _ in vectors]
        # Only documents with a record are searched: chunks of a document
        # whose ingest did not finish are never returned. Over the whole index
        # no filter is needed (refresh() drops such chunks and a failed add
        # deletes its own), and chromadb's id filter costs ~10x the search
        # itself; the filter is only the fallback if a stray chunk shows up.
        wanted = min(n, total)
        if document_ids is None:
            found = self._dense_query(vectors, wanted, None)
            if all(len(ranking) == wanted for ranking in found):
                return found
        where = {"document_id": allowed[0]} if len(allowed) == 1 else {"document_id": {"$in": allowed}}
        return self._dense_query(vectors, wanted, where)

    def _dense_query(
        self, vectors: list[list[float]], n: int, where: dict[str, Any] | None
    ) -> list[list[tuple[str, float]]]:
        result = self._collection.query(query_embeddings=vectors, n_results=n, where=where, include=["distances"])
        return [
            [(cid, 1.0 - float(distance)) for cid, distance in zip(ids, distances) if cid in self._chunk_owner]
            for ids, distances in zip(result["ids"], result["distances"])
        ]
