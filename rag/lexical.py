"""BM25 over chunk texts: the lexical half of hybrid retrieval.

Policies name things exactly ("AI impact assessment", "Annex A"), and a small
dense model can miss an exact term that BM25 catches; the two are fused.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Function words only: policy vocabulary ("must", "shall", "not") carries
# meaning for requirements and stays.
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in into is it its of on or that the their this to was were "
    "which with".split()
)


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
    """Okapi BM25 over a fixed list of texts (k1=1.5, b=0.75)."""

    def __init__(self, texts: list[str], *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._docs = [Counter(tokenize(t)) for t in texts]
        self._lengths = [sum(c.values()) for c in self._docs]
        self._average = (sum(self._lengths) / len(self._lengths)) if self._lengths else 0.0
        frequency: Counter[str] = Counter()
        for counts in self._docs:
            frequency.update(counts.keys())
        n = len(self._docs)
        # The "+1" form keeps idf positive even for terms in most chunks.
        self._idf = {term: math.log((n - df + 0.5) / (df + 0.5) + 1.0) for term, df in frequency.items()}

    def __len__(self) -> int:
        return len(self._docs)

    def scores(self, query: str) -> list[float]:
        terms = Counter(tokenize(query))
        out = [0.0] * len(self._docs)
        if not self._average:
            return out
        for term, query_count in terms.items():
            idf = self._idf.get(term)
            if idf is None:
                continue
            for i, counts in enumerate(self._docs):
                tf = counts.get(term)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * self._lengths[i] / self._average)
                    out[i] += query_count * idf * tf * (self.k1 + 1) / (tf + norm)
        return out

    def top(self, query: str, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(index, score) of the best k texts with a positive score."""
        ranked = [
            (i, s) for i, s in enumerate(self.scores(query)) if s > 0 and (allowed is None or i in allowed)
        ]
        ranked.sort(key=lambda pair: (-pair[1], pair[0]))
        return ranked[:k]
