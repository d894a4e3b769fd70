"""The shape check of a log read as one stream (a compressed file), run in a forked process
beside the scan; and `count_misfits`, the check itself over a stream's blocks."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.logs.formats import LogFormat
from connectors.logs.forked import ForkedCall
from connectors.logs.reader import DEFAULT_LIMITS, ReadLimits, iter_blocks, open_log
from connectors.logs.records import MAX_EXAMPLES, MAX_SAMPLES, SAMPLE_BYTES, MalformedLine
from connectors.logs.shapes import ShapeCheck, line_at


class ShapeSidecar:
    """The shape check of a file read as one stream (a compressed one), in a forked process, so it
    costs a second core instead of wall time: the child reopens the file, finds the misfit lines,
    parses them, and sends back how many were malformed, with examples; the parent then counts
    malformed candidates only where they fit the shape, so every malformed line is counted once.
    (A plain file is split in halves instead, see _Parts: both cores then share all the work.)
    """

    def __init__(self, call: ForkedCall, shape: ShapeCheck) -> None:
        self._call = call
        self.shape = shape

    @staticmethod
    def available() -> bool:
        return ForkedCall.available()

    @classmethod
    def start(cls, path: str, fmt: LogFormat, shape: ShapeCheck, block_size: int,
              limits: ReadLimits = DEFAULT_LIMITS) -> "ShapeSidecar":
        return cls(ForkedCall.start(lambda: _count_file_misfits(path, fmt, block_size, limits)), shape)

    @property
    def alive(self) -> bool:
        return self._call.alive

    def cancel(self) -> None:
        self._call.cancel()

    def result(self) -> tuple[int, list[tuple[int, str]], list[str]] | str:
        """(malformed misfit lines, examples, samples), or why there is no count; waits for the child."""
        ok, outcome = self._call.result()
        return outcome if ok else str(outcome)


def _count_file_misfits(path: str, fmt: LogFormat, block_size: int,
                        limits: ReadLimits) -> tuple[int, list[tuple[int, str]], list[str]]:
    shape = ShapeCheck.of(fmt)
    if shape is None:
        raise ValueError(f"{fmt.name} has no line shape")
    with open_log(path, limits=limits) as stream:
        reader = iter_blocks(stream, block_size, limits.max_line_bytes)
        samples: list[str] = []
        count, examples = count_misfits(iter(reader), fmt, shape, reader.cut_length, samples)
    return count, examples, samples


def count_misfits(
    blocks: Iterator[bytes], fmt: LogFormat, shape: ShapeCheck, cut_length: int | None = None,
    samples: list[str] | None = None,
) -> tuple[int, list[tuple[int, str]]]:
    """Parse the lines that do not fit the shape; (how many are malformed, the first few).

    Lines of `cut_length` were cut by the reader and are counted there; `samples` collects a
    few malformed lines as read."""
    count, examples, lines = 0, [], 0
    for block in blocks:
        counted_to, newlines = 0, 0
        for start in shape.misfits(block):
            newlines += block.count(b"\n", counted_to, start)
            counted_to = start
            raw = line_at(block, start)
            if cut_length is not None and len(raw) == cut_length:
                continue
            line = raw.decode("utf-8", errors="replace").rstrip("\r")
            if not line.strip():
                continue
            try:
                fmt.parse(line)
            except MalformedLine as exc:
                count += 1
                if samples is not None and len(samples) < MAX_SAMPLES:
                    samples.append(line[:SAMPLE_BYTES])
                if len(examples) < MAX_EXAMPLES:
                    examples.append((lines + newlines + 1, str(exc)))
        newlines += block.count(b"\n", counted_to)
        lines += newlines + (0 if block.endswith(b"\n") else 1)
    return count, examples
