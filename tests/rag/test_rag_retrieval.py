from __future__ import annotations

from pathlib import Path

import pytest

from rag.index import PolicyIndex
from rag.loaders import load_document
from rag.quotes import verify_quote
from rag.retriever import Retriever, reciprocal_rank_fusion


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
    # "max": each query's best answer leads, whatever the other query thinks of it.
    best = Retriever(hash_index, multi_query="max").search_many(queries, k=6)
    assert {p.section for p in best[:2]} == wanted
    # "rrf": one fused ranking of all four lists.
    fused = Retriever(hash_index, multi_query="rrf").search_many(queries, k=6)
    assert wanted <= {p.section for p in fused}
    for passages in (best, fused):
        assert len({p.id for p in passages}) == len(passages) == 6
    retriever = Retriever(hash_index)
    assert retriever.search_many(["", "   "]) == [] and retriever.search("x", k=0) == []
    with pytest.raises(ValueError):
        Retriever(hash_index, multi_query="sum")  # type: ignore[arg-type]


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
