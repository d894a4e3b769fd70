"""Finding the few lines worth parsing: a case-insensitive multi-literal search over whole blocks.

Measured on 2 M Squid lines (278 MB, 165 literals; benchmarks/bench_logs.py has the full run):
RE2 finds the candidate lines in ~0.6 s, Python's `re` alternation needs ~8.9 s, and splitting
every line in Python ~1.5 s. RE2 (google-re2) is therefore the engine; `re` is only a fallback
so that a missing wheel makes the scan slower, never wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

try:  # google-re2: linear-time DFA, no catastrophic backtracking on hostile log lines
    import re2 as _re2

    ENGINE = "re2"
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _re2 = None
    ENGINE = "re"


def _compile(literals: Sequence[str]) -> Any:
    ordered = sorted({lit.lower() for lit in literals if lit}, key=len, reverse=True)
    body = b"|".join(re.escape(lit.encode("utf-8")) for lit in ordered)
    if _re2 is not None:
        options = _re2.Options()
        options.case_sensitive = False
        options.max_mem = 64 << 20  # room for a DFA over a few hundred literals
        return _re2.compile(body, options=options)
    return re.compile(body, re.IGNORECASE)


def compile_regex(pattern: bytes) -> Any:
    """A bytes pattern (RE2 syntax: no lookaround) compiled with RE2, or with `re` without the wheel."""
    if _re2 is not None:
        options = _re2.Options()
        options.max_mem = 64 << 20
        return _re2.compile(pattern, options=options)
    return re.compile(pattern)


class LineFinder:
    """Yields the lines of a block that contain at least one of the literals."""

    def __init__(self, literals: Sequence[str]) -> None:
        if not literals:
            raise ValueError("a LineFinder needs at least one literal")
        self._pattern = _compile(literals)

    def lines(self, block: bytes) -> Iterator[tuple[int, bytes]]:
        """(offset of the line start, line without its newline) for each matching line, in order."""
        search = self._pattern.search
        pos = 0
        end = len(block)
        while pos < end:
            match = search(block, pos)
            if match is None:
                return
            start = block.rfind(b"\n", 0, match.start()) + 1
            stop = block.find(b"\n", match.end())
            if stop < 0:
                stop = end
            yield start, block[start:stop]
            pos = stop + 1  # one hit per line is enough: skip the rest of it
