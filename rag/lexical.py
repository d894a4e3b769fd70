"""BM25 over chunk texts: the lexical half of hybrid retrieval.

Policies name things exactly ("AI impact assessment", "Annex A"), and a small
dense model can miss an exact term that BM25 catches; the two are fused.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Function words only: policy vocabulary ("must", "shall", "not") carries
# meaning for requirements and stays.
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the their this to was were "
    "which with".split()
)


@lru_cache(maxsize=1 << 18)  # a corpus repeats its words: each is stemmed once
def stem(word: str) -> str:
    """A light suffix stripper: plurals, -ing, -ed, -ly, -ation, -ment.

    Enough to match "assess"/"assessed"/"assessments" without the odd merges
    a full Porter stemmer makes on short policy terms.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    # One spelling for British and US forms (organisation/organization).
    word = word.replace("iz", "is")
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: -len(suffix)] + replacement
            break
    if word.endswith("ment") and len(word) > 8:
        word = word[:-4]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


# First match wins, so longer suffixes come first.
_SUFFIXES = (
    ("isations", "ise"),
    ("isational", "ise"),
    ("isation", "ise"),
    ("ifications", "ify"),
    ("ification", "ify"),
    ("ified", "ify"),
    ("ifies", "ify"),
    ("ational", ""),
    ("ations", ""),
    ("ation", ""),
    ("ments", "ment"),
    ("ies", "y"),
    ("sses", "ss"),
    ("ing", ""),
    ("edly", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", "e"),
    ("s", ""),
)


def tokenize(text: str) -> list[str]:
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


class LexicalScorer:
    """Okapi BM25 over a fixed list of texts (k1=1.5, b=0.75), on an inverted index.

    Each term keeps its postings (text index, term frequency), so a query costs the postings of
    its own terms rather than a pass over every text per term: on 500 policy documents (~100 k
    chunks) that is what keeps a `gap run`'s hundreds of queries in seconds.
    """

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths: list[int] = []
        for index, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                postings.setdefault(term, []).append((index, tf))
        self._postings = postings
        self._lengths = lengths
        self._average = (sum(lengths) / len(lengths)) if lengths else 0.0
        n = len(lengths)
        # The "+1" form keeps idf positive even for terms in most chunks.
        self._idf = {term: math.log((n - len(docs) + 0.5) / (len(docs) + 0.5) + 1.0) for term, docs in postings.items()}
        # The length part of each text's BM25 denominator, computed once.
        self._norms = [k1 * (1 - b + b * length / self._average) for length in lengths] if self._average else []
        self._norms_array: Any = None
        self._arrays: dict[str, tuple[Any, Any, Any]] = {}

    def __len__(self) -> int:
        return len(self._lengths)

    def _term(self, term: str) -> tuple[Any, Any, Any] | None:
        """A term's postings as arrays (text indexes, term frequencies, BM25 denominators), made on first use."""
        arrays = self._arrays.get(term)
        if arrays is None:
            import numpy as np

            docs = self._postings.get(term)
            if not docs:
                return None
            index = np.fromiter((i for i, _ in docs), dtype=np.int64, count=len(docs))
            tf = np.fromiter((tf for _, tf in docs), dtype=np.float64, count=len(docs))
            arrays = self._arrays[term] = (index, tf, tf + self._norms_array[index])
        return arrays

    def _dense(self, query: str) -> Any:
        """Every text's score, as an array (0 for texts without a query term).

        The textbook arithmetic, in the same order, element by element: the same floats as the
        per-text loop, for a whole postings list at a time.
        """
        import numpy as np

        if self._norms_array is None:
            self._norms_array = np.asarray(self._norms, dtype=np.float64)
        out = np.zeros(len(self._lengths), dtype=np.float64)
        if not self._average:
            return out
        k1_plus = self.k1 + 1
        for term, query_count in Counter(tokenize(query)).items():
            arrays = self._term(term)
            if arrays is None:
                continue
            index, tf, denominator = arrays
            weight = query_count * self._idf[term]
            out[index] += weight * tf * k1_plus / denominator  # a term's postings hold each text once
        return out

    def scores(self, query: str) -> list[float]:
        return [float(x) for x in self._dense(query).tolist()]

    def top(self, query: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(index, score) of the best k texts with a positive score, best first, ties by index."""
        import numpy as np

        scores = self._dense(query)
        candidates = np.flatnonzero(scores > 0)
        if allowed is not None:
            candidates = candidates[np.fromiter((i in allowed for i in candidates.tolist()), dtype=bool,
                                                count=len(candidates))]
        if k <= 0 or not len(candidates):
            return []
        order = candidates[np.lexsort((candidates, -scores[candidates]))][:k]
        return [(int(i), float(scores[i])) for i in order]
