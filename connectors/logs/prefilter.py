"""Finding the few lines worth parsing: a case-insensitive multi-pattern search over whole blocks.

The patterns come from the catalogue (discovery/domains.py, `PrefilterPattern`): each domain is
anchored at label boundaries and each app label is a whole field value, so `chat.com` never
selects a wechat.com line and `udio` never an audio one. On an enterprise proxy mix (12% AWS,
21% Microsoft, ...) about 0.5% of the lines pass, which is what makes the scan cost a read.

Two stages where Hyperscan is installed (x86-64 Linux): Hyperscan finds the patterns' cores (the
domain or label itself) at several GB/s, and the full patterns of the cores it found are checked
on the few lines it hits (Python's `re` on one short line: ~1 µs, where a call into RE2 costs
~10). Hyperscan compiles bare cores in ~0.1 s; with the boundaries in them it needs ~2 s, which
a CLI run would pay at every start. Elsewhere RE2 runs one DFA over the alternation of the full
patterns (~0.5 GB/s); Python's `re` is a last resort so that a missing wheel makes the scan
slower, never wrong. The patterns are written in the syntax all three share (no lookaround, no
backreferences), and a match never spans a newline, so the line it sits in is found from its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from connectors.hyperscan_cache import compiled_database
from discovery.domains import PrefilterPattern, literal_regex

try:  # google-re2: linear-time DFA, no catastrophic backtracking on hostile log lines
    import re2 as _re2
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _re2 = None

try:  # hyperscan: x86-64 Linux wheels only (pyproject's marker); RE2 elsewhere
    import hyperscan as _hs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    _hs = None

ENGINES = tuple(name for name, module in (("hyperscan", _hs), ("re2", _re2), ("re", re)) if module is not None)
ENGINE = ENGINES[0]


def literal_pattern(text: str) -> PrefilterPattern:
    """A plain literal (a format's keyword): matched anywhere, case-insensitively."""
    return PrefilterPattern(literal_regex(text))


def compile_regex(pattern: bytes) -> Any:
    """A bytes pattern (RE2 syntax: no lookaround) compiled with RE2, or with `re` without the wheel."""
    if _re2 is not None:
        options = _re2.Options()
        options.max_mem = 64 << 20
        return _re2.compile(pattern, options=options)
    return re.compile(pattern)


def match_ends(pattern: bytes) -> Any:
    """A function giving the end offsets of a pattern's matches in a block, on Hyperscan (several
    times RE2's speed over whole blocks), or None where Hyperscan is missing or cannot compile the
    pattern (the caller then uses RE2). Hyperscan may report more than one end for a match."""
    if _hs is None:
        return None
    try:
        database = _hs.Database(mode=_hs.HS_MODE_BLOCK)
        database.compile(expressions=[pattern], ids=[0], elements=1, flags=[0])
        scratch = _hs.Scratch(database)
    except Exception:  # noqa: BLE001 - a construct Hyperscan lacks: RE2 reads it
        return None

    def ends(block: bytes) -> list[int]:
        found: list[int] = []
        append = found.append
        database.scan(block, match_event_handler=lambda _i, _s, end, _f, _c: append(end), scratch=scratch)
        return found

    return ends


class LineFinder:
    """Yields the lines of a block that match at least one of the patterns (case-insensitively,
    `^` and `$` at line boundaries)."""

    def __init__(self, patterns: Sequence[PrefilterPattern], engine: str | None = None) -> None:
        unique = sorted({p for p in patterns if p.core}, key=lambda p: p.regex)
        if not unique:
            raise ValueError("a LineFinder needs at least one pattern")
        choice = engine or ENGINE
        if choice not in ENGINES:
            raise ValueError(f"prefilter engine {choice!r} is not available here (have: {', '.join(ENGINES)})")
        self.engine = choice
        self.patterns = tuple(unique)
        if choice == "hyperscan":
            self._cores: _HyperscanCores | None = _HyperscanCores(unique)
        else:
            self._cores = None
            self._search = _alternation([p.regex for p in unique], choice).search

    @property
    def scans_buffers(self) -> bool:
        """Whether `lines_in` can search a range of a larger buffer in place (Hyperscan)."""
        return self._cores is not None

    def lines_in(self, buffer: Any, low: int, high: int) -> Iterator[tuple[int, bytes]]:
        """`lines` of buffer[low:high], a run of whole lines after a newline at buffer[low - 1],
        with offsets in the buffer; only where `scans_buffers`."""
        if self._cores is None:
            raise ValueError(f"the {self.engine} prefilter searches blocks, not buffers")
        return self._cores.lines_in(buffer, low, high)

    def lines(self, block: bytes) -> Iterator[tuple[int, bytes]]:
        """(offset of the line start, line without its newline) for each matching line, in order."""
        if self._cores is not None:
            yield from self._cores.lines(block)
            return
        search = self._search
        pos = 0
        end = len(block)
        while pos < end:
            match = search(block, pos)
            if match is None:
                return
            start = block.rfind(b"\n", 0, match.end() - 1) + 1
            stop = block.find(b"\n", match.end() - 1)
            if stop < 0:
                stop = end
            yield start, block[start:stop]
            pos = stop + 1  # one hit per line is enough: skip the rest of it


def _alternation(regexes: Sequence[str], engine: str) -> Any:
    body = b"(?m)" + b"|".join(b"(?:" + r.encode("utf-8") + b")" for r in regexes)
    if engine == "re2":
        options = _re2.Options()
        options.case_sensitive = False
        options.max_mem = 256 << 20  # room for a DFA over several hundred patterns
        return _re2.compile(body, options=options)
    return re.compile(body, re.IGNORECASE)


class _HyperscanCores:
    """Hyperscan over the cores (each behind its lead class); each hit is then checked with the full
    patterns of its core, in a window of the line just around the hit where the core is a plain
    literal (most are)."""

    def __init__(self, patterns: Sequence[PrefilterPattern]) -> None:
        by_expression: dict[str, list[PrefilterPattern]] = {}
        for pattern in patterns:  # case-insensitive matching: `Udio` and `udio` are one expression
            by_expression.setdefault(pattern.lead + pattern.core.lower(), []).append(pattern)
        expressions = sorted(by_expression)
        # Compiled on a core's first hit: most cores never hit, and 700 compiles cost 0.2 s a start.
        self._regexes = [[p.regex for p in by_expression[e]] for e in expressions]
        self._checks: list[Any] = [None] * len(expressions)
        #: the length of what a literal core matches (None: a regex core, checked on its whole line)
        self._widths = [
            None if _PLAIN.fullmatch(core) is None else len(core.replace("\\", ""))
            for core in (by_expression[e][0].core for e in expressions)
        ]
        self._db = _database([e.encode("utf-8") for e in expressions])
        self._scratch = _hs.Scratch(self._db)

    def lines(self, block: bytes) -> Iterator[tuple[int, bytes]]:
        # A newline before the block lets a lead class match at the block's first line too.
        for start, raw in self.lines_in(b"\n" + block, 1, len(block) + 1):
            yield start - 1, raw

    def lines_in(self, buffer: Any, low: int, high: int) -> Iterator[tuple[int, bytes]]:
        """The matching lines of buffer[low:high] (whole lines), where buffer[low - 1] is a newline."""
        hits: list[tuple[int, int]] = []
        append = hits.append
        base = low - 1

        def on_match(core: int, _start: int, end: int, _flags: int, _context: object) -> None:
            append((base + end, core))

        self._db.scan(memoryview(buffer)[base:high], match_event_handler=on_match, scratch=self._scratch)
        hits.sort()
        checks, widths = self._checks, self._widths
        start = stop = -1
        accepted = False
        for end, core in hits:
            anchor = end - 1  # the last matched byte: never a newline
            if anchor >= stop:  # a new line
                start = buffer.rfind(b"\n", base, anchor) + 1
                stop = buffer.find(b"\n", anchor, high)
                if stop < 0:
                    stop = high
                accepted = False
            elif accepted:
                continue
            check = checks[core]
            if check is None:
                check = checks[core] = _alternation(self._regexes[core], "re").search
            width = widths[core]
            if width is None:
                found = check(buffer, start, stop)
            else:  # the literal, one byte either side for its boundaries (`^`/`$` see the real line ends)
                found = check(buffer, max(start, end - width - 1), min(end + 1, high))
            if found is not None:
                accepted = True
                yield start, buffer[start:stop]


def _database(expressions: list[bytes]) -> Any:
    """The compiled Hyperscan database, from the user's cache when these expressions were compiled
    before: compiling ~700 of them costs 0.5-2 s, loading the cached bytes a few milliseconds."""
    return compiled_database(_hs, "prefilter", expressions, [_hs.HS_FLAG_CASELESS] * len(expressions))


#: a core that is a plain literal (letters, digits, escaped metacharacters and the like)
_PLAIN = re.compile(r"(?:[^\\.^$*+?()\[\]{}|]|\\.)+")
