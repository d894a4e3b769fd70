"""Scanning a plain file's byte range through one reused buffer: the fast path of a split scan.

A file half of a JSON-lines log (CloudTrail, Cloudflare, Route 53...) costs three passes over its
bytes: Hyperscan for the prefilter, numpy for the newlines (line numbers, the line count) and the
structural check of each line (opens with `{`, closes with `}`). The stream path adds a fresh
`bytes` per read and two copies of every block: the slice that ends it at a line boundary (reader.py)
and the block behind a newline for the prefilter. Here the file is read with `readinto` into one
buffer whose first byte is that newline, the unfinished last line moves to the front for the next
read, and all three passes run on the buffer in place. Measured on a half of the 1 M-line
CloudTrail benchmark in a warm process: 0.51 CPU-s before, 0.34 after.

The path is taken where Hyperscan is the prefilter engine and the shape check can run on a buffer
range: the structural JSON check, or a shape regex (Squid, CSV, TSV, templated JSON) whose defect
Hyperscan can find, run with `pos`/`endpos` on the same bytes (ShapeCheck.misfits_in). Blocks end
where the stream reader's would (a block's worth of bytes from a line start, back to the last line
end), so even checks that see past a line's end decide alike. It stops, returning where, at a line
longer than a block or than `max_line_bytes`: the stream reader then reads on from there, cutting
such lines. Every line is parsed, numbered and counted exactly as on the stream reader's path;
tests/connectors/logs/test_halves.py and test_ranges.py hold the two to that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from connectors.logs.prefilter import LineFinder
from connectors.logs.shapes import ShapeCheck

_NEWLINE, _OPEN, _CLOSE = 10, ord("{"), ord("}")


def fast_range_applies(finder: LineFinder | None, shape: ShapeCheck | None) -> bool:
    return finder is not None and finder.scans_buffers and (shape is None or shape.checks_buffers)


class _Buffer:
    """`capacity` bytes of file text at data[1:], after a newline at data[0] (the line before the
    first, for the prefilter's boundary classes), with numpy views of it made once."""

    def __init__(self, capacity: int) -> None:
        import numpy as np

        self.capacity = capacity
        self.data = bytearray(capacity + 1)
        self.data[0] = _NEWLINE
        self.view = memoryview(self.data)
        self.array = np.frombuffer(self.data, dtype=np.uint8)
        self.equal = np.zeros(capacity, dtype=bool)


def scan_file_range(
    path: str,
    start: int,
    stop: int | None,
    *,
    finder: LineFinder,
    shape: ShapeCheck | None,
    handle: Callable[[int, bytes], None],
    stats: Any,
    block_size: int,
    max_line_bytes: int,
    on_progress: Callable[[int], None],
) -> int | None:
    """Scan the lines of path[start:stop] (start at a line start; stop at one, or None for the end).

    Returns None when the range was scanned to its end, or the file offset of the first line not
    scanned (a block holding a line longer than `max_line_bytes`, or a line longer than a block,
    begins there): the caller reads on from it with the stream reader, which cuts such lines."""
    buffer = _Buffer(max(1, block_size))
    offset = start  # the file offset of data[1]
    held = 0  # bytes of an unfinished line carried to the front: data[1:1 + held]
    left = None if stop is None else max(0, stop - start)
    with open(path, "rb", buffering=0) as file:
        file.seek(start)
        while True:
            wanted = buffer.capacity - held if left is None else min(buffer.capacity - held, left)
            got = _fill(file, buffer.view, 1 + held, wanted)
            if left is not None:
                left -= got
            at_end = got < wanted or left == 0
            end = 1 + held + got  # the text is data[1:end]
            if end == 1:
                return None
            cut = end if at_end else buffer.data.rfind(b"\n", 1, end) + 1
            if cut == 0:  # a line longer than a block: the stream reader reads on for its end
                return offset
            if not _scan_block(buffer, cut, finder, shape, handle, stats, max_line_bytes):
                return offset
            on_progress(stats.lines)
            offset += cut - 1
            held = end - cut
            if held:
                buffer.data[1:1 + held] = buffer.view[cut:end]
            if at_end:
                return None


def _fill(file: Any, view: memoryview, at: int, wanted: int) -> int:
    """Read up to `wanted` bytes into view[at:]; fewer only at the end of the file."""
    got = 0
    while got < wanted:
        count = file.readinto(view[at + got:at + wanted])
        if not count:
            break
        got += count
    return got


def _scan_block(buffer: _Buffer, stop: int, finder: LineFinder, shape: ShapeCheck | None,
                handle: Callable[[int, bytes], None], stats: Any, max_line_bytes: int) -> bool:
    """Handle the candidate and misfit lines of data[1:stop], whole lines, and count its lines;
    False (nothing handled, nothing counted) when one of them is longer than `max_line_bytes`."""
    import numpy as np

    data, array = buffer.data, buffer.array
    size = stop - 1
    equal = buffer.equal[:size]
    np.equal(array[1:stop], _NEWLINE, out=equal)
    newlines = np.flatnonzero(equal) + 1  # offsets in data
    starts = np.concatenate((np.ones(1, dtype=np.int64), newlines + 1))
    ends = np.concatenate((newlines, np.array([stop], dtype=np.int64)))
    if starts[-1] >= stop:  # the text ends with a newline: no line after it
        starts, ends = starts[:-1], ends[:-1]
    if len(starts) and int((ends - starts).max()) > max_line_bytes:
        return False
    misfits: list[int] = []
    if shape is not None and len(starts) and shape.structural:
        opened = array[starts] == _OPEN
        closed = (ends > starts) & (array[np.maximum(ends - 1, 1)] == _CLOSE)
        misfits = [s for s in starts[~(opened & closed)].tolist() if not shape.fits(_line_at(data, s, stop))]
    elif shape is not None:
        misfits = shape.misfits_in(data, 1, stop)
    base = stats.lines
    found = list(_merged(finder.lines_in(data, 1, stop), misfits, data, stop))
    if found:
        numbers = np.searchsorted(newlines, [start for start, _raw in found]).tolist()
        for (_start, raw), number in zip(found, numbers):
            handle(base + number + 1, raw)
    stats.lines += len(starts)
    return True


def _merged(candidates: Iterator[tuple[int, bytes]], misfits: list[int], data: bytearray,
            stop: int) -> Iterator[tuple[int, bytes]]:
    """The candidate lines and the misfit lines, in order, each line once."""
    pending = iter(misfits)
    next_misfit = next(pending, None)
    for start, raw in candidates:
        while next_misfit is not None and next_misfit < start:
            yield next_misfit, _line_at(data, next_misfit, stop)
            next_misfit = next(pending, None)
        if next_misfit == start:
            next_misfit = next(pending, None)
        yield start, bytes(raw)
    while next_misfit is not None:
        yield next_misfit, _line_at(data, next_misfit, stop)
        next_misfit = next(pending, None)


def _line_at(data: bytearray, start: int, stop: int) -> bytes:
    end = data.find(b"\n", start, stop)
    return bytes(data[start:stop if end < 0 else end])
