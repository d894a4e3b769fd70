"""The keyword prefilter: every occurrence of every catalogue keyword in a file's raw bytes,
case-insensitively, as (keyword index, end offset) pairs in order of their ends.

Hyperscan does this at memory speed when its wheel is installed; otherwise a single compiled
`re` alternation over the lower-cased bytes does the same, several times slower.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _trie_pattern(words: list[bytes]) -> bytes:
    """A regex matching the longest of words at a position, factored by common prefixes."""
    trie: dict = {}
    for word in words:
        node = trie
        for byte in word:
            node = node.setdefault(byte, {})
        node[None] = True

    def emit(node: dict) -> bytes:
        branches = [re.escape(bytes([byte])) + emit(child) for byte, child in sorted(
            ((b, c) for b, c in node.items() if b is not None))]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        if None in node:  # a word ends here: longer words are optional, tried first (greedy)
            return b"(?:" + body + b")?"
        return body

    return emit(trie)


class RePrefilter:
    """Pure-Python fallback: one alternation over the lower-cased bytes."""

    name = "re"

    def __init__(self, keywords: Sequence[str]) -> None:
        lowered = [k.lower().encode() for k in keywords]
        self._index = {k: i for i, k in enumerate(lowered)}
        # A zero-width lookahead tries every position, so overlapping keywords are all seen;
        # at one position the longest wins and the keywords inside it come from _contained.
        # The alternation is a trie: `re` tries alternatives one by one, and a trie lets most
        # positions fail on their first byte instead of after hundreds of attempts.
        self._regex = re.compile(b"(?=(" + _trie_pattern(list(self._index)) + b"))")
        self._contained = {
            k: tuple(self._index[p] for p in lowered if p != k and p in k) for k in lowered
        }

    def scan(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for match in self._regex.finditer(data.lower()):
            token = match.group(1)
            end = match.end(1)
            found.append((self._index[token], end))
            for inner in self._contained[token]:
                found.append((inner, end))
        return found


class HyperscanPrefilter:
    """Hyperscan literal matching: every occurrence of every keyword, case-insensitively."""

    name = "hyperscan"

    def __init__(self, keywords: Sequence[str]) -> None:
        import hyperscan  # optional compiled dependency

        from connectors.hyperscan_cache import compiled_database

        # Compiled once per catalogue and kept in the user's cache: compiling is 13 ms of every
        # scan's serial start.
        expressions = [k.encode() for k in keywords]
        self._db = compiled_database(hyperscan, "code-keywords", expressions,
                                     [hyperscan.HS_FLAG_CASELESS] * len(expressions), literal=True)
        self._scratch = hyperscan.Scratch(self._db)

    def scan(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        self._db.scan(data, match_event_handler=_collect, context=found, scratch=self._scratch)
        return found


def _collect(keyword: int, _start: int, end: int, _flags: int, found: list[tuple[int, int]]) -> None:
    """Hyperscan's match handler: one module function, not a closure made for every file."""
    found.append((keyword, end))


def make_prefilter(keywords: Sequence[str], prefer: str = "auto") -> RePrefilter | HyperscanPrefilter:
    if prefer in ("auto", "hyperscan"):
        try:
            return HyperscanPrefilter(keywords)
        except Exception:  # wheel missing or unsupported CPU: the tool still works, slower
            if prefer == "hyperscan":
                raise
    return RePrefilter(keywords)
