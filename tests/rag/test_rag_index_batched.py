"""Batched ingest (PolicyIndex.batched) and re-embedding when the local model changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.index import DOCUMENTS_DIR, IndexMismatchError, PolicyIndex
from rag.ingest_batch import IngestBatchError
from rag.loaders import load_document


def _policies(tmp_path: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = tmp_path / f"policy-{i}.md"
        sections = "\n\n".join(
            f"## Section {j}\n\n" + f"Rule {i}.{j}: AI systems owned by team {i} are reviewed for risk {j}. " * 12
            for j in range(4)
        )
        path.write_text(f"# Policy {i}\n\n{sections}\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_batched_ingest_matches_one_by_one(tmp_path: Path, make_hash_embedder) -> None:
    paths = _policies(tmp_path, 7)
    one_embedder, batch_embedder = make_hash_embedder(), make_hash_embedder()
    one = PolicyIndex(tmp_path / "one", one_embedder)
    expected = [one.add(load_document(p)) for p in paths]

    batched = PolicyIndex(tmp_path / "batched", batch_embedder)
    with batched.batched(max_chunks=10):
        results = [batched.add(load_document(p)) for p in paths]
        results.append(batched.add(load_document(paths[2])))  # the same bytes again, still queued
    assert [r.status for r in results] == ["added"] * 7 + ["unchanged"]
    assert [r.chunks for r in results[:7]] == [r.chunks for r in expected]
    assert results[7].chunks == expected[2].chunks
    assert len(batch_embedder.calls) < len(paths)  # several documents per embedding call
    assert batch_embedder.embedded == one_embedder.embedded  # each chunk embedded once
    for index in (batched, PolicyIndex(tmp_path / "batched", make_hash_embedder())):  # in memory and on disk
        assert [d.id for d in index.documents()] == [d.id for d in one.documents()]
        assert index._collection.count() == one._collection.count()
    query = one_embedder.embed(["risk review of AI systems owned by team 3"])[0]
    got, want = batched.dense_search(query, 5), one.dense_search(query, 5)
    assert [round(score, 5) for _, score in got] == [round(score, 5) for _, score in want]  # ties may swap ids


def test_batched_replacement_and_unchanged(tmp_path: Path, hash_embedder) -> None:
    (path,) = _policies(tmp_path, 1)
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    first = index.add(load_document(path))
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing rule.\n", encoding="utf-8")
    with index.batched():
        assert index.unchanged(path) is None
        result = index.add(load_document(path))
        assert result.status == "replaced" and result.replaced_id == first.document.id
    assert [d.id for d in index.documents()] == [result.document.id]
    assert index.unchanged(path) is not None


def test_a_failed_batch_is_reported_and_leaves_only_complete_documents(tmp_path: Path, make_hash_embedder) -> None:
    paths = _policies(tmp_path, 4)

    class FailsOnSecondCall(make_hash_embedder):  # type: ignore[misc, valid-type]
        def embed(self, texts: list[str]) -> list[list[float]]:
            if self.calls:
                raise RuntimeError("the model fell over")
            return super().embed(texts)

    index = PolicyIndex(tmp_path / "idx", FailsOnSecondCall())
    with pytest.raises(IngestBatchError, match="could not embed or store .*policy-"):
        with index.batched(max_chunks=1):  # one document per batch
            for path in paths:
                index.add(load_document(path))
    reopened = PolicyIndex(tmp_path / "idx", make_hash_embedder())
    assert [d.name for d in reopened.documents()] == ["policy-0.md"]
    assert reopened._collection.count() == reopened.documents()[0].chunks  # no chunks of the failed ones


def test_a_new_local_model_re_embeds_the_stored_documents(tmp_path: Path, make_hash_embedder) -> None:
    paths = _policies(tmp_path, 3)
    old = PolicyIndex(tmp_path / "idx", make_hash_embedder(name="model-v1"))
    with old.batched():
        for path in paths:
            old.add(load_document(path))
    chunks = old._collection.count()
    for path in paths:
        path.unlink()  # re-embedding reads the stored text: no file is parsed again

    class LocalV2(make_hash_embedder):  # type: ignore[misc, valid-type]
        local = True

    new_embedder = LocalV2(name="model-v2", dimension=48)
    new = PolicyIndex(tmp_path / "idx", new_embedder)
    assert new.reembedded == 3 and new_embedder.embedded == chunks
    assert sorted(d.name for d in new.documents()) == ["policy-0.md", "policy-1.md", "policy-2.md"]
    assert {d.embedder for d in new.documents()} == {"model-v2"}
    assert new._collection.metadata["aims_embedder"] == "model-v2" and new._collection.count() == chunks
    hits = new.dense_search(new_embedder.embed(["Rule 1.2 team 1 risk 2"])[0], 3)
    assert hits and new.chunk(hits[0][0]).document == "policy-1.md"
    records = [json.loads(p.read_text()) for p in (tmp_path / "idx" / DOCUMENTS_DIR).glob("doc-*.json")]
    assert {r["embedder"] for r in records} == {"model-v2"}
    again = PolicyIndex(tmp_path / "idx", LocalV2(name="model-v2", dimension=48))
    assert again.reembedded == 0 and len(again.documents()) == 3


def test_an_interrupted_re_embedding_resumes_on_the_next_open(tmp_path: Path, make_hash_embedder) -> None:
    paths = _policies(tmp_path, 3)
    old = PolicyIndex(tmp_path / "idx", make_hash_embedder(name="model-v1"))
    for path in paths:
        old.add(load_document(path))

    class Broken(make_hash_embedder):  # type: ignore[misc, valid-type]
        local = True

        def embed(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        PolicyIndex(tmp_path / "idx", Broken(name="model-v2"))

    class LocalV2(make_hash_embedder):  # type: ignore[misc, valid-type]
        local = True

    resumed = PolicyIndex(tmp_path / "idx", LocalV2(name="model-v2"))
    assert resumed.reembedded == 3 and len(resumed.documents()) == 3


def test_a_remote_embedder_still_refuses_an_index_of_another_model(tmp_path: Path, make_hash_embedder) -> None:
    (path,) = _policies(tmp_path, 1)
    PolicyIndex(tmp_path / "idx", make_hash_embedder(name="model-v1")).add(load_document(path))
    remote = make_hash_embedder(name="openai:some-model")  # no `local`: re-embedding would cost money
    with pytest.raises(IndexMismatchError, match="re-ingest"):
        PolicyIndex(tmp_path / "idx", remote)
    assert remote.calls == []
    assert len(PolicyIndex(tmp_path / "idx", make_hash_embedder(name="model-v1")).documents()) == 1  # untouched


def test_a_nested_batch_joins_the_outer_one(tmp_path: Path, hash_embedder) -> None:
    paths = _policies(tmp_path, 3)
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    with index.batched():
        index.add(load_document(paths[0]))
        with index.batched():  # e.g. a helper that batches on its own, called inside a batched loop
            index.add(load_document(paths[1]))
        assert index.documents() == [] and hash_embedder.calls == []  # still queued: the outer batch owns them
        index.add(load_document(paths[2]))
    assert len(index.documents()) == 3 and len(hash_embedder.calls) == 1


def test_the_next_batch_is_embedded_while_the_one_before_is_written(tmp_path: Path, make_hash_embedder,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import rag.ingest_batch as ingest

    paths = _policies(tmp_path, 3)
    index = PolicyIndex(tmp_path / "idx", make_hash_embedder())
    second_embedded = threading.Event()
    overlapped = []
    embed, write = ingest.embed_batch, ingest.write_batch

    def embed_and_tell(embedder, batch):  # type: ignore[no-untyped-def]
        vectors = embed(embedder, batch)
        if batch[0][0].name == "policy-1.md":
            second_embedded.set()
        return vectors

    def slow_first_write(into, batch, vectors):  # type: ignore[no-untyped-def]
        if batch[0][0].name == "policy-0.md":  # a serial pipeline would never embed the second here
            overlapped.append(second_embedded.wait(timeout=10))
        return write(into, batch, vectors)

    monkeypatch.setattr(ingest, "embed_batch", embed_and_tell)
    monkeypatch.setattr(ingest, "write_batch", slow_first_write)
    with index.batched(max_chunks=1):  # one document per batch
        for path in paths:
            index.add(load_document(path))
    assert overlapped == [True]
    assert [d.name for d in index.documents()] == ["policy-0.md", "policy-1.md", "policy-2.md"]


def test_a_batch_that_replaces_a_file_waits_for_every_write_in_flight(tmp_path: Path, hash_embedder,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import rag.ingest_batch as ingest

    paths = _policies(tmp_path, 4)
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    first = index.add(load_document(paths[0]))
    paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\nA new closing rule.\n", encoding="utf-8")
    writing, removed_while_writing = [0], []
    lock = threading.Lock()
    write, remove = ingest.write_batch, index.remove

    def counted_write(into, batch, vectors):  # type: ignore[no-untyped-def]
        with lock:
            writing[0] += 1
        try:
            if batch[0][0].name == "policy-1.md":
                time.sleep(0.3)  # still writing when the replacing batch before it is collected
            return write(into, batch, vectors)
        finally:
            with lock:
                writing[0] -= 1

    def watched_remove(document_id):  # type: ignore[no-untyped-def]
        removed_while_writing.append(writing[0])
        return remove(document_id)

    monkeypatch.setattr(ingest, "write_batch", counted_write)
    index.remove = watched_remove  # type: ignore[method-assign]
    with index.batched(max_chunks=1):
        results = [index.add(load_document(p)) for p in paths]
    assert results[0].status == "replaced" and results[0].replaced_id == first.document.id
    assert removed_while_writing == [0]  # chromadb was not in use by the writer meanwhile
    assert first.document.id not in {d.id for d in index.documents()}
    assert len(index.documents()) == 4
