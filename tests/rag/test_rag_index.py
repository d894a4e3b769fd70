from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.index import DOCUMENTS_DIR, IndexMismatchError, PolicyIndex
from rag.loaders import load_document


def test_add_unchanged_replaced(tmp_path: Path, policy_md: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    first = index.add(load_document(policy_md))
    assert first.status == "added" and first.chunks == len(index.chunks(first.document.id)) > 0
    embedded = hash_embedder.embedded
    assert embedded == first.chunks
    old_chunks = index.chunks(first.document.id)

    again = index.add(load_document(policy_md))
    assert again.status == "unchanged" and hash_embedder.embedded == embedded  # no embedding at all

    policy_md.write_text(policy_md.read_text() + "\n## Training\n\nAll staff complete AI literacy training yearly.\n")
    changed = index.add(load_document(policy_md))
    assert changed.status == "replaced" and changed.replaced_id == first.document.id
    assert [d.id for d in index.documents()] == [changed.document.id]
    assert index.chunks(first.document.id) == []
    assert all(index.chunk(c.id) is None for c in old_chunks)
    assert index._collection.count() == changed.chunks  # old vectors are gone


def test_renamed_file_is_unchanged_but_recorded_under_its_new_path(tmp_path: Path, policy_md: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    first = index.add(load_document(policy_md))
    moved = policy_md.rename(policy_md.with_name("renamed.md"))
    again = index.add(load_document(moved))
    assert again.status == "unchanged" and hash_embedder.embedded == first.chunks
    assert [d.path for d in index.documents()] == [str(moved)]
    assert {c.document for c in index.chunks()} == {"renamed.md"}
    assert PolicyIndex(tmp_path / "idx", hash_embedder).documents()[0].name == "renamed.md"


def test_reads(tmp_path: Path, policy_md: Path, policy_pdf: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    md = index.add(load_document(policy_md)).document
    pdf = index.add(load_document(policy_pdf)).document
    infos = {d.id: d for d in index.documents()}
    assert set(infos) == {md.id, pdf.id}
    assert infos[pdf.id].pages == 2 and infos[pdf.id].embedder == "test-hash" and infos[pdf.id].media_type == "pdf"
    assert index.document_text(md.id) == md.text
    for chunk in index.chunks():
        assert index.document_text(chunk.document_id)[chunk.start : chunk.end] == chunk.text
        assert index.chunk(chunk.id) == chunk
    assert index.chunk("chk-000000000000") is None
    with pytest.raises(KeyError):
        index.document_text("doc-unknown")


def test_remove(tmp_path: Path, policy_md: Path, policy_html: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    md = index.add(load_document(policy_md)).document
    html = index.add(load_document(policy_html))
    assert index.remove(md.id) is True and index.remove(md.id) is False
    assert [d.id for d in index.documents()] == [html.document.id]
    assert index._collection.count() == html.chunks


def test_persistence_across_reopen(tmp_path: Path, policy_md: Path, policy_docx: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    index.add(load_document(policy_md))
    index.add(load_document(policy_docx))
    before = index.chunks()
    reopened = PolicyIndex(tmp_path / "idx", hash_embedder)
    assert reopened.chunks() == before
    assert len(reopened.documents()) == 2
    assert reopened.add(load_document(policy_md)).status == "unchanged"
    hits = reopened.dense_search(hash_embedder.embed(["incident reporting security team"])[0], 3)
    assert hits and reopened.chunk(hits[0][0]).section == "AI policy > Incident reporting"


def test_embedder_mismatch(tmp_path: Path, policy_md: Path, hash_embedder, make_hash_embedder) -> None:
    PolicyIndex(tmp_path / "idx", hash_embedder).add(load_document(policy_md))
    other = make_hash_embedder(name="another-model", dimension=32)
    with pytest.raises(IndexMismatchError, match="re-ingest") as info:
        PolicyIndex(tmp_path / "idx", other)
    assert info.value.found.startswith("test-hash") and info.value.expected.startswith("another-model")
    rebuilt = PolicyIndex(tmp_path / "idx", other, rebuild=True)
    assert rebuilt.documents() == [] and rebuilt._collection.count() == 0
    assert rebuilt.add(load_document(policy_md)).status == "added"


def test_failed_embedding_leaves_nothing(tmp_path: Path, policy_md: Path, hash_embedder) -> None:
    class Broken:
        name, dimension = "test-hash", 64

        def embed(self, texts: list[str]) -> list[list[float]]:
            return [[0.0] * 3 for _ in texts]

    index = PolicyIndex(tmp_path / "idx", Broken())
    with pytest.raises(RuntimeError, match="wrong shape"):
        index.add(load_document(policy_md))
    assert index.documents() == [] and index._collection.count() == 0


def test_failure_after_chunks_written_rolls_back(tmp_path: Path, policy_md: Path, hash_embedder, monkeypatch) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)

    def crash(record) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(index, "_write_record", crash)
    with pytest.raises(OSError):
        index.add(load_document(policy_md))
    assert index.documents() == [] and index._collection.count() == 0
    assert not list((tmp_path / "idx" / DOCUMENTS_DIR).glob("*.json"))


def test_crash_leftovers_are_swept_on_open(tmp_path: Path, policy_md: Path, policy_html: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    kept = index.add(load_document(policy_md))
    lost = index.add(load_document(policy_html))
    # As if the process died between writing chunks and writing the record.
    (tmp_path / "idx" / DOCUMENTS_DIR / f"{lost.document.id}.json").unlink()
    # And a damaged record file, and a record write that never finished.
    (tmp_path / "idx" / DOCUMENTS_DIR / "doc-badbadbadbad.json").write_text("{not json")
    (tmp_path / "idx" / DOCUMENTS_DIR / ".tmp-abc.json").write_text("{")
    reopened = PolicyIndex(tmp_path / "idx", hash_embedder)
    assert [d.id for d in reopened.documents()] == [kept.document.id]
    assert reopened._collection.count() == kept.chunks
    assert reopened.add(load_document(policy_html)).status == "added"
    assert sorted(p.name for p in (tmp_path / "idx" / DOCUMENTS_DIR).iterdir()) == sorted(
        f"{d.id}.json" for d in reopened.documents()
    )


def test_record_is_plain_json_with_full_text(tmp_path: Path, policy_md: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    doc = index.add(load_document(policy_md)).document
    raw = json.loads((tmp_path / "idx" / DOCUMENTS_DIR / f"{doc.id}.json").read_text())
    assert raw["document"]["text"] == doc.text and raw["embedder"] == "test-hash"
    assert {"id", "start", "end", "page", "section"} <= set(raw["chunks"][0])


def test_bad_chroma_url(tmp_path: Path, hash_embedder) -> None:
    with pytest.raises(ValueError, match="chroma_url"):
        PolicyIndex(tmp_path / "idx", hash_embedder, chroma_url="localhost:8000")


def test_unchanged_bytes_are_known_from_their_hash_without_parsing(
    tmp_path: Path, policy_pdf: Path, monkeypatch: pytest.MonkeyPatch, hash_embedder
) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    first = index.add(load_document(policy_pdf))
    import rag.loaders.pdf

    def no_parsing(*_args: object) -> None:
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(rag.loaders.pdf, "pdf_structure", no_parsing)
    again = index.unchanged(policy_pdf)
    assert again is not None and again.status == "unchanged" and again.document.id == first.document.id
    moved = policy_pdf.rename(policy_pdf.with_name("moved.pdf"))
    renamed = index.unchanged(moved)
    assert renamed is not None and [d.path for d in index.documents()] == [str(moved)]
    moved.write_bytes(moved.read_bytes() + b"\n% changed\n")
    assert index.unchanged(moved) is None  # changed bytes: the caller parses and replaces
    assert index.unchanged(tmp_path / "missing.pdf") is None  # load_document reports it
    assert hash_embedder.embedded == first.chunks


def test_dense_search_never_returns_a_stray_chunk(tmp_path: Path, policy_md: Path, hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    index.add(load_document(policy_md))
    query = hash_embedder.embed(["incident reporting security team"])[0]
    expected = index.dense_search(query, 3)
    # A chunk with no document record (as an interrupted write leaves behind), the query's exact match.
    index._collection.upsert(ids=["chk-stray"], embeddings=[query], documents=["stray"],
                             metadatas=[{"document_id": "doc-stray"}])
    assert index.dense_search(query, 3) == expected
    assert all(cid != "chk-stray" for ranking in index.dense_search_many([query, query], 50) for cid, _ in ranking)
