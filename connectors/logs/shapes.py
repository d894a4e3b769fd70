"""The per-line shape check behind malformed-line counting: which lines of a block do not
fit their format's `line_shape`, or show its `line_defect`, found without parsing every line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from connectors.logs.formats import LogFormat
from connectors.logs.prefilter import compile_regex, match_ends


class ShapeCheck:
    """Finds the lines of a block that do not fit the format's shape or show a defect
    (see LogFormat.line_shape and line_defect).

    The shape is one `re` search per block with a literal `\\n` prefix, so the scan jumps from
    newline to newline and tries the shape only there; the defect is one RE2 scan. The hits
    (malformed lines, headers, blank lines) are rare, so collecting them costs nothing. Measured:
    about 1.1 s per 2 M Squid lines; the JSON defect adds about 1.2 s per million Zscaler lines.
    """

    def __init__(self, shape: bytes, defect: bytes | None = None) -> None:
        self.pattern = shape
        self.defect_pattern = defect
        self._first = re.compile(shape)
        self._misfit = re.compile(b"\\n(?!" + shape + b")")
        self._defect = compile_regex(defect) if defect else None
        #: the same defect over whole blocks on Hyperscan where it can (None: RE2 does it)
        self._defect_ends = match_ends(defect) if defect else None

    @classmethod
    def of(cls, fmt: LogFormat) -> "ShapeCheck | None":
        return cls(fmt.line_shape, fmt.line_defect) if fmt.line_shape else None

    def fits(self, line: bytes) -> bool:
        if self._defect is not None and self._defect.search(line):
            return False
        return self._first.match(line + b"\n") is not None

    def misfits(self, block: bytes) -> Iterator[int]:
        """The start offsets of the lines that do not fit, in order, each once."""
        # The block's final newline starts no line: stop the search before it.
        end = len(block) - 1 if block.endswith(b"\n") else len(block)
        starts = [0] if block and not self._first.match(block) else []
        starts += [match.start() + 1 for match in self._misfit.finditer(block, 0, end)]
        if self._defect_ends is not None:  # a match's last byte is in its line (or is that line's newline)
            starts += [block.rfind(b"\n", 0, max(end - 1, 0)) + 1 for end in self._defect_ends(block)]
            starts = sorted(set(starts))
        elif self._defect is not None:
            starts += [block.rfind(b"\n", 0, match.start()) + 1 for match in self._defect.finditer(block)]
            starts = sorted(set(starts))
        yield from starts

    def merge(self, block: bytes, candidates: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        """The prefilter's candidate lines and the misfits, in order, each line once."""
        misfits = self.misfits(block)
        next_misfit = next(misfits, None)
        for start, raw in candidates:
            while next_misfit is not None and next_misfit < start:
                yield next_misfit, line_at(block, next_misfit)
                next_misfit = next(misfits, None)
            if next_misfit == start:
                next_misfit = next(misfits, None)
            yield start, raw
        while next_misfit is not None:
            yield next_misfit, line_at(block, next_misfit)
            next_misfit = next(misfits, None)


def line_at(block: bytes, start: int) -> bytes:
    stop = block.find(b"\n", start)
    return block[start:] if stop < 0 else block[start:stop]
