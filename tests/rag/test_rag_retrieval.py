from __future__ import annotations

from pathlib import Path

import pytest

from rag import query_cache
from rag.index import PolicyIndex
from rag.query_cache import QUERY_CACHE
from rag.loaders import load_document
from rag.quotes import verify_quote
from rag.retriever import Retriever, convex_fusion, reciprocal_rank_fusion


@pytest.fixture
def hash_index(tmp_path: Path, policy_md, policy_pdf, policy_docx, policy_html, hash_embedder) -> PolicyIndex:
    index = PolicyIndex(tmp_path / "idx", hash_embedder)
    for path in (policy_md, policy_pdf, policy_docx, policy_html):
        index.add(load_document(path))
    return index


def test_paraphrased_query_finds_the_right_chunk_with_minilm(tmp_path: Path, policy_md, policy_html, minilm) -> None:
    index = PolicyIndex(tmp_path / "idx", minilm)
    index.add(load_document(policy_md))
    index.add(load_document(policy_html))
    retriever = Retriever(index)
    cases = {
        "Can staff put client details into ChatGPT?": "AI policy > Acceptable use",
        "How long do we keep the data used to train models?": "AI policy > Data retention",
        "What must suppliers agree about using our information for model training?": "Vendor AI Standard > Contract clauses",
    }
    for query, section in cases.items():
        top = retriever.search(query, k=3)
        assert top[0].section == section, (query, [p.section for p in top])
    dense = Retriever(index, mode="dense").search("Can staff put client details into ChatGPT?", k=1)
    assert dense[0].section == "AI policy > Acceptable use"


def test_passages_are_ranked_chunks(hash_index: PolicyIndex) -> None:
    passages = Retriever(hash_index).search("multi-factor authentication for production access", k=4)
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))
    assert passages[0].section == "Information Security Policy > Access control" and passages[0].page == 1
    assert all(a.score >= b.score for a, b in zip(passages, passages[1:]))
    for passage in passages:
        chunk = hash_index.chunk(passage.id)
        assert chunk is not None and passage.text == chunk.text == hash_index.document_text(chunk.document_id)[passage.start : passage.end]


def test_document_filter(hash_index: PolicyIndex) -> None:
    vendor = next(d for d in hash_index.documents() if d.name == "vendor.html")
    for mode in ("hybrid", "dense", "lexical"):
        passages = Retriever(hash_index, mode=mode).search("incident", k=10, document_ids=[vendor.id])
        assert passages and {p.document_id for p in passages} == {vendor.id}
    assert Retriever(hash_index).search("incident", document_ids=[]) == []
    assert Retriever(hash_index).search("incident", document_ids=["doc-unknown"]) == []


def test_search_many_fuses_queries(hash_index: PolicyIndex) -> None:
    queries = ["impact assessment before deployment", "suppliers data processing agreement"]
    wanted = {"AI Risk Procedure > Impact assessment", "Information Security Policy > Supplier management"}
    for fusion, multi in (("convex", "sum"), ("convex", "max"), ("rrf", "max"), ("rrf", "sum")):
        retriever = Retriever(hash_index, fusion=fusion, multi_query=multi)  # type: ignore[arg-type]
        passages = retriever.search_many(queries, k=6)
        assert len({p.id for p in passages}) == len(passages) == 6
        if (fusion, multi) != ("rrf", "sum"):
            # Rank fusion summed over queries lets a chunk that is middling for
            # every query outrank each query's best answer: why it is not the default.
            assert wanted <= {p.section for p in passages[:3]}, (fusion, multi)
    retriever = Retriever(hash_index)
    assert retriever.search_many(["", "   "]) == [] and retriever.search("x", k=0) == []
    for bad in ({"multi_query": "avg"}, {"fusion": "weighted"}, {"alpha": 1.5}, {"candidates": 0}):
        with pytest.raises(ValueError):
            Retriever(hash_index, **bad)  # type: ignore[arg-type]


def test_convex_fusion_keeps_confidence() -> None:
    # "b" is second in both lists, far behind each list's clear winner: rank
    # fusion puts it first, score fusion puts the two confident picks first.
    dense = [("a", 0.9), ("b", 0.5), ("d", 0.45), ("c", 0.4)]
    lexical = [("c", 12.0), ("b", 4.0), ("d", 3.5), ("a", 0.5)]
    assert reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]])[0][0] == "b"
    scores = convex_fusion(dense, lexical, alpha=0.5)
    assert set(sorted(scores, key=lambda i: -scores[i])[:2]) == {"a", "c"}
    assert scores["a"] == pytest.approx(0.5) and scores["c"] == pytest.approx(0.5)
    assert scores["b"] == pytest.approx(0.5 * 0.2 + 0.5 * 3.5 / 11.5)
    assert convex_fusion([("x", 0.3)], [], alpha=0.5) == {"x": 0.5}  # one candidate counts as the best


def test_lexical_mode_and_index_changes(hash_index: PolicyIndex, tmp_path: Path) -> None:
    retriever = Retriever(hash_index, mode="lexical")
    assert retriever.search("penguin")== []
    extra = tmp_path / "zoo.md"
    extra.write_text("# Zoo\n\nThe penguin enclosure is cleaned daily by keepers.\n")
    hash_index.add(load_document(extra))
    hits = retriever.search("penguins", k=2)  # stemmed, and BM25 was rebuilt after the add
    assert hits and hits[0].document == "zoo.md"
    assert retriever.get(hits[0].id) == hash_index.chunk(hits[0].id)
    with pytest.raises(ValueError):
        Retriever(hash_index, mode="fuzzy")  # type: ignore[arg-type]


def test_empty_index(tmp_path: Path, hash_embedder) -> None:
    assert Retriever(PolicyIndex(tmp_path / "empty", hash_embedder)).search("anything") == []


def test_reciprocal_rank_fusion() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"], ["b"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61 + 1 / 61)


# --- quotes ------------------------------------------------------------------

SOURCE = "Employees must not paste customer personal data into public\ngenerative AI chatbots.  Approved tools are listed."


def test_exact_quote() -> None:
    quote = "paste customer personal data"
    start, end = verify_quote(quote, SOURCE)
    assert SOURCE[start:end] == quote


def test_whitespace_tolerant_quote_returns_the_source_span() -> None:
    span = verify_quote("into public generative AI chatbots. Approved", SOURCE)
    assert span is not None and SOURCE[span[0] : span[1]] == "into public\ngenerative AI chatbots.  Approved"
    assert verify_quote("into public generative AI", SOURCE, tolerate_whitespace=False) is None


def test_quote_must_be_verbatim() -> None:
    assert verify_quote("Employees may paste customer data", SOURCE) is None
    assert verify_quote("employees must not paste", SOURCE) is None  # case matters
    assert verify_quote("chatbots. Approved tools are listed (see annex)", SOURCE) is None
    assert verify_quote("", SOURCE) is None and verify_quote("  \n ", SOURCE) is None
    assert verify_quote(" Approved tools ", SOURCE) == (SOURCE.index("Approved"), SOURCE.index("Approved") + 14)
    assert verify_quote("a.b", "a-b") is None  # regex metacharacters are literal


def test_prepare_embeds_every_query_in_one_batch_and_changes_no_result(hash_index: PolicyIndex, hash_embedder) -> None:
    queries = [["AI policy acceptable use", "incident reporting"], ["data retention", "AI policy acceptable use"]]
    plain = [Retriever(hash_index).search_many(q, 4) for q in queries]
    (hash_index.path / QUERY_CACHE).unlink()  # not the vectors those searches stored
    retriever = Retriever(hash_index)
    before = len(hash_embedder.calls)
    retriever.prepare([q for group in queries for q in group])
    assert len(hash_embedder.calls) == before + 1
    prepared = [retriever.search_many(q, 4) for q in queries]
    assert len(hash_embedder.calls) == before + 1  # every vector came from the batch
    assert [[(p.id, p.score) for p in r] for r in prepared] == [[(p.id, p.score) for p in r] for r in plain]


def test_query_vectors_are_kept_for_the_next_run(hash_index: PolicyIndex, hash_embedder, make_hash_embedder) -> None:
    queries = ["AI policy acceptable use", "incident reporting", "data retention"]
    first = Retriever(hash_index).search_many(queries, 4)
    before = len(hash_embedder.calls)
    again = Retriever(hash_index).search_many(queries, 4)  # a new process would do the same: read the file
    assert len(hash_embedder.calls) == before  # nothing embedded
    assert [(p.id, p.score) for p in again] == [(p.id, p.score) for p in first]
    Retriever(hash_index).search_many(["supplier contracts", *queries], 4)
    assert hash_embedder.calls[-1] == ["supplier contracts"]  # only the new query
    # Another embedder's vectors, or a damaged file, are never used.
    other = make_hash_embedder(name="other-model")
    assert query_cache.load(hash_index.path, other.name) == {}
    assert set(query_cache.load(hash_index.path, hash_embedder.name)) == {"supplier contracts", *queries}
    (hash_index.path / QUERY_CACHE).write_bytes(b"PK\x03\x04 damaged")
    Retriever(hash_index).search_many(queries, 4)
    assert hash_embedder.calls[-1] == queries
