"""BM25 on its inverted index scores exactly as the textbook formula over every text."""

from __future__ import annotations

import math
import random
from collections import Counter

from rag.lexical import LexicalScorer, tokenize

WORDS = ("risk assessment impact policy model data supplier training audit review incident logs retention "
         "human oversight transparency the of and must shall annual assessed assessments reviewing").split()


def _reference(texts: list[str], query: str, k1: float = 1.5, b: float = 0.75) -> list[float]:
    docs = [Counter(tokenize(t)) for t in texts]
    lengths = [sum(c.values()) for c in docs]
    average = sum(lengths) / len(lengths)
    n = len(docs)
    out = [0.0] * n
    for term, query_count in Counter(tokenize(query)).items():
        df = sum(1 for d in docs if term in d)
        if not df:
            continue
        idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        for i, counts in enumerate(docs):
            tf = counts.get(term)
            if tf:
                norm = k1 * (1 - b + b * lengths[i] / average)
                out[i] += query_count * idf * tf * (k1 + 1) / (tf + norm)
    return out


def test_inverted_index_matches_the_reference_scores_and_ranking() -> None:
    rng = random.Random(3)
    texts = [" ".join(rng.choices(WORDS, k=rng.randint(3, 60))) for _ in range(300)]
    scorer = LexicalScorer(texts)
    for query in ("risk assessment", "supplier audit review of logs", "human oversight oversight", "unknownterm", ""):
        expected = _reference(texts, query)
        assert scorer.scores(query) == expected
        ranked = sorted(((i, s) for i, s in enumerate(expected) if s > 0), key=lambda p: (-p[1], p[0]))
        assert scorer.top(query, 10) == ranked[:10]
        allowed = set(range(0, 300, 3))
        assert scorer.top(query, 5, allowed) == [p for p in ranked if p[0] in allowed][:5]


def test_empty_corpus_scores_nothing() -> None:
    assert LexicalScorer([]).top("risk", 5) == [] and LexicalScorer([]).scores("risk") == []
