"""Hybrid retrieval: dense (chromadb) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rag.chunking import contextual_text
from rag.index import PolicyIndex
from rag.lexical import LexicalScorer
from rag.models import Chunk, Passage

Mode = Literal["hybrid", "dense", "lexical"]
#: How several queries for one need are combined: "rrf" fuses every ranking
#: of every query at once; "max" fuses each query's rankings, then keeps a
#: chunk's best score over the queries (a precise answer to one phrasing is
#: not outvoted by a chunk that is vaguely related to all of them).
MultiQuery = Literal["rrf", "max"]

#: The usual RRF constant: it damps the weight of the very top ranks so one
#: retriever's first hit cannot outvote agreement between both.
RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse ranked id lists; ties broken by id so results are deterministic."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


class Retriever:
    """Search an index's chunks; ``mode`` exists so the benchmark can compare."""

    def __init__(
        self, index: PolicyIndex, *, mode: Mode = "hybrid", candidates: int = 30, multi_query: MultiQuery = "rrf"
    ) -> None:
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if multi_query not in ("rrf", "max"):
            raise ValueError(f"unknown multi-query fusion {multi_query!r}")
        self.index = index
        self.mode = mode
        self.multi_query = multi_query
        #: How deep each ranking goes before fusion.
        self.candidates = candidates
        self._lexical: tuple[int, list[Chunk], LexicalScorer] | None = None

    def _scorer(self) -> tuple[list[Chunk], LexicalScorer]:
        # BM25 statistics depend on the whole corpus, so rebuild on change.
        if self._lexical is None or self._lexical[0] != self.index.generation:
            chunks = self.index.chunks()
            self._lexical = (self.index.generation, chunks, LexicalScorer([contextual_text(c) for c in chunks]))
        return self._lexical[1], self._lexical[2]

    def _rankings(self, queries: list[str], document_ids: list[str] | None) -> list[list[list[str]]]:
        """Per query, its rankings (dense and/or BM25) as lists of chunk ids."""
        rankings: list[list[list[str]]] = [[] for _ in queries]
        if self.mode in ("hybrid", "dense"):
            vectors = self.index.embedder.embed(queries)
            for q, hits in enumerate(self.index.dense_search_many(vectors, self.candidates, document_ids)):
                rankings[q].append([cid for cid, _ in hits])
        if self.mode in ("hybrid", "lexical"):
            chunks, scorer = self._scorer()
            allowed = None
            if document_ids is not None:
                wanted = set(document_ids)
                allowed = {i for i, c in enumerate(chunks) if c.document_id in wanted}
            for q, query in enumerate(queries):
                rankings[q].append([chunks[i].id for i, _ in scorer.top(query, self.candidates, allowed)])
        return rankings

    def _fuse(self, rankings: list[list[list[str]]]) -> list[tuple[str, float]]:
        if self.multi_query == "rrf" or len(rankings) == 1:
            return reciprocal_rank_fusion([r for per_query in rankings for r in per_query])
        best: dict[str, tuple[float, float]] = {}  # id -> (max, sum)
        for per_query in rankings:
            for item, score in reciprocal_rank_fusion(per_query):
                top, total = best.get(item, (0.0, 0.0))
                best[item] = (max(top, score), total + score)
        ordered = sorted(best.items(), key=lambda pair: (-pair[1][0], -pair[1][1], pair[0]))
        return [(item, scores[0]) for item, scores in ordered]

    def search_many(self, queries: Sequence[str], k: int = 5, document_ids: list[str] | None = None) -> list[Passage]:
        """Top k passages for several phrasings of one need, fused together."""
        cleaned = [q.strip() for q in queries if q and q.strip()]
        if not cleaned or k <= 0:
            return []
        fused = self._fuse(self._rankings(cleaned, document_ids))
        passages: list[Passage] = []
        for chunk_id, score in fused:
            chunk = self.index.chunk(chunk_id)
            if chunk is None:
                continue
            passages.append(Passage(**chunk.model_dump(), score=round(score, 6), rank=len(passages) + 1))
            if len(passages) == k:
                break
        return passages

    def search(self, query: str, k: int = 5, document_ids: list[str] | None = None) -> list[Passage]:
        return self.search_many([query], k, document_ids)

    def get(self, chunk_id: str) -> Chunk | None:
        return self.index.chunk(chunk_id)
