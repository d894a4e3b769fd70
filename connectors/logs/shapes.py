"""The per-line shape check behind malformed-line counting: which lines of a block do not
fit their format's `line_shape`, or show its `line_defect`, found without parsing every line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from connectors.logs.formats import LogFormat
from connectors.logs.formats.base import JSON_END_DEFECT, JSON_LINE_SHAPE
from connectors.logs.prefilter import compile_regex, match_ends


class BlockLines:
    """Where a block's lines end, found by numpy in one vectorised pass (about 0.2 s per GB, a
    third of `bytes.count`): the line number of any offset without counting newlines up to it,
    and the structural check of JSON lines (see ShapeCheck.structural). Numpy loads on first use:
    only files of several blocks pay for its import."""

    def __init__(self, block: bytes) -> None:
        import numpy as np

        self._np = np
        self._data = np.frombuffer(block, dtype=np.uint8)
        self.newlines = np.flatnonzero(self._data == 10)
        #: the lines the block holds (its last may lack a newline)
        self.count = len(self.newlines) + (0 if block.endswith(b"\n") else 1)

    def number(self, start: int) -> int:
        """The 1-based number, within the block, of the line that starts at `start`."""
        return int(self._np.searchsorted(self.newlines, start)) + 1

    def unbalanced_json(self) -> list[int]:
        """The starts of the lines that do not begin with `{` or do not end with `}` (blank lines
        included): a superset of JSON_LINE_SHAPE's misfits and JSON_END_DEFECT's matches, since
        spaces around the object are allowed there; ShapeCheck confirms each one."""
        np, data = self._np, self._data
        size = len(data)
        if not size:
            return []
        starts = np.concatenate((np.zeros(1, dtype=np.int64), self.newlines + 1))
        ends = np.concatenate((self.newlines, np.array([size], dtype=np.int64)))
        if starts[-1] >= size:  # the block ends with a newline: no line after it
            starts, ends = starts[:-1], ends[:-1]
        opened = data[np.minimum(starts, size - 1)] == ord("{")
        closed = (ends > starts) & (data[np.maximum(ends - 1, 0)] == ord("}"))
        return starts[~(opened & closed)].tolist()


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
        #: serialised JSON lines: checked by where `{` and `}` stand (BlockLines), not by regex
        self.structural = shape == JSON_LINE_SHAPE and defect == JSON_END_DEFECT
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

    def misfits(self, block: bytes, lines: BlockLines | None = None) -> Iterator[int]:
        """The start offsets of the lines that do not fit, in order, each once."""
        if self.structural and lines is not None:
            yield from (start for start in lines.unbalanced_json() if not self.fits(line_at(block, start)))
            return
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

    @property
    def checks_buffers(self) -> bool:
        """Whether a buffer range can be checked in place (see ranges.py): the structural check,
        or `misfits_in` where Hyperscan finds the defect (or there is none)."""
        return self.structural or self.defect_pattern is None or self._defect_ends is not None

    def misfits_in(self, buffer: Any, low: int, high: int) -> list[int]:
        """`misfits` of buffer[low:high], whole lines after a newline at buffer[low - 1], as offsets
        in the buffer: the same regexes over the same bytes, bounded by `pos`/`endpos`."""
        end = high - 1 if buffer[high - 1] == 10 else high
        starts = [low] if high > low and not self._first.match(buffer, low, high) else []
        starts += [match.start() + 1 for match in self._misfit.finditer(buffer, low, end)]
        if self._defect_ends is not None:  # the newline at low - 1 bounds the search back
            view = memoryview(buffer)[low:high]
            starts += [buffer.rfind(b"\n", low - 1, max(low + hit - 1, low)) + 1 for hit in self._defect_ends(view)]
            starts = sorted(set(starts))
        elif self._defect is not None:
            raise ValueError("the defect has no Hyperscan form: check blocks, not buffers")
        return starts

    def merge(self, block: bytes, candidates: Iterator[tuple[int, bytes]],
              lines: BlockLines | None = None) -> Iterator[tuple[int, bytes]]:
        """The prefilter's candidate lines and the misfits, in order, each line once."""
        misfits = self.misfits(block, lines)
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
