"""Hybrid retrieval: dense (chromadb) and BM25 rankings, fused per query, then over queries.

Fusion of the two retrievers, per query:

- ``"convex"`` (default): each list's scores are min-max normalised over its
  candidates, then ``alpha * dense + (1 - alpha) * bm25``. Unlike rank
  fusion it keeps each retriever's confidence: a chunk the embedder finds far
  better than the rest is not outvoted by a middling BM25 rank.
- ``"rrf"``: reciprocal rank fusion, ``sum 1 / (60 + rank)``.

Several queries for one need (the catalogue gives 3-6 per requirement) are
combined with ``"sum"`` (default: a chunk relevant to several facets rises,
and with convex scores one strong match still counts fully) or ``"max"``
(a chunk's best score over the queries).
benchmarks/bench_retrieval.py compares them on examples/acme: convex + sum
had the best recall@5 and MRR there, for every alpha from 0.3 to 0.7.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rag import query_cache
from rag.chunking import contextual_text
from rag.index import PolicyIndex
from rag.lexical import LexicalScorer
from rag.models import Chunk, Passage

Mode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["convex", "rrf"]
MultiQuery = Literal["max", "sum"]

#: The usual RRF constant: it damps the weight of the very top ranks.
RRF_K = 60
#: Equal weight to both retrievers: untuned on purpose (on the example
#: policies recall@5 is flat from 0.4 to 0.7).
DEFAULT_ALPHA = 0.5

Ranking = list[tuple[str, float]]  # (chunk id, raw score), best first


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse ranked id lists; ties broken by id so results are deterministic."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def _normalised(ranking: Ranking) -> dict[str, float]:
    """Min-max over the candidates: the best gets 1, the last 0."""
    if not ranking:
        return {}
    values = [score for _, score in ranking]
    low, high = min(values), max(values)
    if high <= low:
        return {item: 1.0 for item, _ in ranking}
    return {item: (score - low) / (high - low) for item, score in ranking}


def convex_fusion(dense: Ranking, lexical: Ranking, alpha: float = DEFAULT_ALPHA) -> dict[str, float]:
    scores = {item: alpha * value for item, value in _normalised(dense).items()}
    for item, value in _normalised(lexical).items():
        scores[item] = scores.get(item, 0.0) + (1 - alpha) * value
    return scores


class Retriever:
    """Search an index's chunks. The options exist so the benchmark can compare."""

    def __init__(
        self,
        index: PolicyIndex,
        *,
        mode: Mode = "hybrid",
        fusion: Fusion = "convex",
        multi_query: MultiQuery = "sum",
        alpha: float = DEFAULT_ALPHA,
        candidates: int = 30,
    ) -> None:
        if mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown retrieval mode {mode!r}")
        if fusion not in ("convex", "rrf"):
            raise ValueError(f"unknown fusion {fusion!r}")
        if multi_query not in ("max", "sum"):
            raise ValueError(f"unknown multi-query combination {multi_query!r}")
        if not 0.0 <= alpha <= 1.0 or candidates < 1:
            raise ValueError("alpha must be within [0, 1] and candidates positive")
        self.index = index
        self.mode = mode
        self.fusion = fusion
        self.multi_query = multi_query
        self.alpha = alpha
        #: How deep each retriever's list goes before fusion.
        self.candidates = candidates
        self._lexical: tuple[int, list[Chunk], LexicalScorer] | None = None
        self._flagged: tuple[int, list[Chunk]] = (-1, [])
        self._query_vectors: dict[str, list[float]] = {}
        self._stored_loaded = False

    def _scorer(self) -> tuple[list[Chunk], LexicalScorer]:
        # BM25 statistics depend on the whole corpus, so rebuild on change. Suspicious
        # chunks (rag.untrusted) are left out of the corpus: a planted document must not
        # shift the statistics, and so the ranking, of genuine evidence.
        if self._lexical is None or self._lexical[0] != self.index.generation:
            every = self.index.chunks()
            chunks = [c for c in every if c.suspicious is None]
            flagged = [c for c in every if c.suspicious is not None]
            self._lexical = (self.index.generation, chunks, LexicalScorer([contextual_text(c) for c in chunks]))
            self._flagged = (self.index.generation, flagged)
        return self._lexical[1], self._lexical[2]

    def prepare(self, queries: Sequence[str]) -> None:
        """Embed many queries in one batch ahead of the searches that will use them (much faster than one
        small batch per search); the vectors are kept for this retriever's lifetime."""
        self._vectors([q.strip() for q in queries if q and q.strip()])

    def _vectors(self, queries: list[str]) -> list[list[float]]:
        missing = [q for q in dict.fromkeys(queries) if q not in self._query_vectors]
        if missing and not self._stored_loaded:
            # Vectors of earlier runs' queries (rag/query_cache.py): an unchanged re-run embeds nothing.
            self._stored_loaded = True
            self._query_vectors = {**query_cache.load(self.index.path, self.index.embedder.name),
                                   **self._query_vectors}
            missing = [q for q in missing if q not in self._query_vectors]
        if missing:
            self._query_vectors.update(zip(missing, self.index.embedder.embed(missing), strict=True))
            query_cache.save(self.index.path, self.index.embedder.name, self._query_vectors)
        return [self._query_vectors[q] for q in queries]

    def flagged(self) -> list[Chunk]:
        """Every suspicious chunk of the index (text that addresses a tool or claims blanket conformance)."""
        self._scorer()
        return list(self._flagged[1])

    def _rankings(self, queries: list[str], document_ids: list[str] | None) -> list[tuple[Ranking, Ranking]]:
        """Per query, its (dense, BM25) candidate lists; a list is empty when its retriever is off."""
        dense: list[Ranking] = [[] for _ in queries]
        lexical: list[Ranking] = [[] for _ in queries]
        if self.mode in ("hybrid", "dense"):
            vectors = self._vectors(queries)
            flagged = {c.id for c in self.flagged()}
            # Ask for as many more as there are suspicious chunks, then drop them, so the
            # genuine candidates (and their normalised scores) are what they would be without them.
            found = self.index.dense_search_many(vectors, self.candidates + len(flagged), document_ids)
            dense = [[pair for pair in ranking if pair[0] not in flagged][: self.candidates] for ranking in found]
        if self.mode in ("hybrid", "lexical"):
            chunks, scorer = self._scorer()
            allowed = None
            if document_ids is not None:
                wanted = set(document_ids)
                allowed = {i for i, c in enumerate(chunks) if c.document_id in wanted}
            lexical = [
                [(chunks[i].id, score) for i, score in scorer.top(query, self.candidates, allowed)]
                for query in queries
            ]
        return list(zip(dense, lexical, strict=True))

    def _query_scores(self, dense: Ranking, lexical: Ranking) -> dict[str, float]:
        if self.fusion == "rrf":
            return dict(reciprocal_rank_fusion([[i for i, _ in dense], [i for i, _ in lexical]]))
        return convex_fusion(dense, lexical, self.alpha)

    def _fuse(self, rankings: list[tuple[Ranking, Ranking]]) -> list[tuple[str, float]]:
        combined: dict[str, tuple[float, float]] = {}  # id -> (max, sum) over queries
        for dense, lexical in rankings:
            for item, score in self._query_scores(dense, lexical).items():
                top, total = combined.get(item, (0.0, 0.0))
                combined[item] = (max(top, score), total + score)
        if self.multi_query == "max":
            ordered = sorted(combined.items(), key=lambda pair: (-pair[1][0], -pair[1][1], pair[0]))
            return [(item, scores[0]) for item, scores in ordered]
        ordered = sorted(combined.items(), key=lambda pair: (-pair[1][1], pair[0]))
        return [(item, scores[1]) for item, scores in ordered]

    def search_many(self, queries: Sequence[str], k: int = 5, document_ids: list[str] | None = None) -> list[Passage]:
        """Top k passages for several phrasings of one need, fused together."""
        cleaned = [q.strip() for q in queries if q and q.strip()]
        if not cleaned or k <= 0:
            return []
        passages: list[Passage] = []
        for chunk_id, score in self._fuse(self._rankings(cleaned, document_ids)):
            chunk = self.index.chunk(chunk_id)
            if chunk is None:
                continue
            passages.append(Passage(**chunk.model_dump(), score=round(score, 6), rank=len(passages) + 1))
            if len(passages) == k:
                break
        return passages

    def suspicious_matches(self, queries: Sequence[str], k: int = 3) -> list[Passage]:
        """Suspicious chunks that share words with the queries, best first: shown to a reviewer, never evidence."""
        flagged = self.flagged()
        cleaned = [q.strip() for q in queries if q and q.strip()]
        if not flagged or not cleaned or k <= 0:
            return []
        scorer = LexicalScorer([contextual_text(c) for c in flagged])
        totals: dict[int, float] = {}
        for query in cleaned:
            for i, score in scorer.top(query, k, None):
                totals[i] = totals.get(i, 0.0) + score
        ordered = sorted(totals.items(), key=lambda pair: (-pair[1], flagged[pair[0]].id))[:k]
        return [
            Passage(**flagged[i].model_dump(), score=round(score, 6), rank=rank)
            for rank, (i, score) in enumerate(ordered, start=1)
            if score > 0
        ]

    def search(self, query: str, k: int = 5, document_ids: list[str] | None = None) -> list[Passage]:
        return self.search_many([query], k, document_ids)

    def get(self, chunk_id: str) -> Chunk | None:
        return self.index.chunk(chunk_id)
