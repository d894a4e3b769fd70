"""Scanning one log stream: detect its format, prefilter its lines, parse the candidates, attribute.

Only lines that name a catalogued AI domain (or a format's keyword) are parsed, so the cost per
ordinary line is a multi-literal search over its bytes (see prefilter.py for the numbers). Every
other line is still checked against the format's `line_shape` in one C-level pass per block, and
the lines that fail it are parsed too: a malformed line is counted wherever it is, AI or not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from connectors.base import paused_collections
from connectors.logs.attribution import Aggregator
from connectors.logs.formats import LogFormat, detect
from connectors.logs.prefilter import LineFinder
from connectors.logs.forked import ForkedCall
from connectors.logs.handling import attribute as _attribute, line_handler as _line_handler, malformed as _malformed
from connectors.logs.reader import BLOCK_SIZE, DEFAULT_LIMITS, ReadLimits, iter_blocks, open_range, split_offset
from connectors.logs.ranges import fast_range_applies, scan_file_range
from connectors.logs.records import LogRecord, MalformedLine
from connectors.logs.stats import DocumentTooLarge, FormatMismatch, StreamStats, UnknownFormat
from connectors.logs.shapes import BlockLines, ShapeCheck
from connectors.logs.sidecar import ShapeSidecar
from discovery.domains import ServiceCatalogue

HEAD_LINES = 50
HEAD_BYTES = 256 * 1024
#: what a plain file to split is sniffed from (the head, when its lines are that short)
HEAD_PREFIX_BYTES = 1024 * 1024
#: how far a file whose first lines are all over-long is searched for lines to sniff
HEAD_SEARCH_BYTES = 64 * 1024 * 1024
#: a plain file of at least this many blocks is scanned in two halves, one per process
SPLIT_MIN_BLOCKS = 4


FinderFactory = Callable[[type[LogFormat]], LineFinder | None]


def head_lines(block: bytes) -> list[str]:
    """The first lines of a block for sniffing; a line longer than HEAD_BYTES (an over-long or
    binary line) is passed over, so one giant first line cannot make a file look empty."""
    lines: list[str] = []
    start = 0
    while len(lines) < HEAD_LINES and start < len(block):
        end = block.find(b"\n", start)
        end = len(block) if end < 0 else end
        if end - start <= HEAD_BYTES:
            line = block[start:end].decode("utf-8", errors="replace").rstrip("\r")
            if line.strip():
                lines.append(line)
        start = end + 1
    return lines


def scan_stream(
    stream: BinaryIO,
    *,
    fixed_format: type[LogFormat] | None,
    catalogue: ServiceCatalogue,
    finder_for: FinderFactory,
    aggregator_for: Callable[[str], Aggregator],
    on_progress: Callable[[int], None] = lambda _lines: None,
    block_size: int = BLOCK_SIZE,
    path: str | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> tuple[StreamStats, Aggregator | None]:
    """Scan a stream. Raises UnknownFormat when auto-detection fails.

    `path`, when the stream is a file that can be opened again, lets a second process share the
    work: a plain file of SPLIT_MIN_BLOCKS blocks or more is scanned in two halves (see _Parts),
    a compressed one has its shape check run beside the scan (see ShapeSidecar). Without it, or
    without fork, everything runs here.
    """
    stats = StreamStats()
    early = _split_early(stream, path, block_size, limits)
    if early is not None:  # a plain file to split, its format known from its first lines
        middle, head, start = early
        cls, fmt = _begin_format(fixed_format, head)
        if not fmt.wants_document(start) and path is not None:
            stats.format_name = cls.name
            aggregator = aggregator_for(cls.name)
            finder = None if fmt.parse_every_line else finder_for(cls)
            _Parts(fmt, catalogue, finder, ShapeCheck.of(fmt) if finder is not None else None, block_size,
                   limits).scan_halves(path, middle, stats, aggregator, lambda: aggregator_for(cls.name), on_progress)
            return stats, aggregator
        # one whole JSON document: read as a stream below (nothing was read from it yet)
    reader = iter_blocks(stream, block_size, limits.max_line_bytes)
    blocks = iter(reader)
    first = next(blocks, b"")
    head = head_lines(first)
    looked_further = False
    while not head and first.strip() and len(first) < HEAD_SEARCH_BYTES:
        more = next(blocks, None)  # the first block held only over-long lines: look further
        if more is None:
            break
        first += more
        looked_further = True
        head = head_lines(first)
    if not head:
        if first.strip():
            raise UnknownFormat()  # text, but no line short enough to be a log line
        return stats, None
    cls, fmt = _begin_format(fixed_format, head)
    stats.format_name = cls.name
    aggregator = aggregator_for(cls.name)

    documents = _read_document(fmt, first, blocks, limits.max_document_bytes)
    if documents is not None:
        try:
            for index, record in enumerate(documents, start=1):
                stats.lines += 1
                stats.candidates += 1
                _attribute(stats, catalogue, aggregator, record, index, "")
        except MalformedLine as exc:
            _malformed(stats, 1, str(exc))
        return stats, aggregator

    finder = None if fmt.parse_every_line else finder_for(cls)
    shape = ShapeCheck.of(fmt) if finder is not None else None
    # A plain file large enough to split is read again by range: its size decides, not a second block.
    middle = None if looked_further else _second_half(stream, path, block_size, limits)
    if middle is not None and path is not None:
        _Parts(fmt, catalogue, finder, shape, block_size, limits).scan_halves(
            path, middle, stats, aggregator, lambda: aggregator_for(cls.name), on_progress)
        return stats, aggregator
    second = next(blocks, None)  # a file of one block is checked inline: a fork would cost more
    several_blocks = second is not None
    if second is not None:
        blocks = _chain(second, blocks)
    blocks = _chain(first, blocks)
    first = second = None  # type: ignore[assignment]  # the chain holds the only references
    middle = _second_half(stream, path, block_size, limits) if several_blocks and looked_further else None
    if middle is not None and path is not None:  # the blocks read so far are read again, by range
        _Parts(fmt, catalogue, finder, shape, block_size, limits).scan_halves(
            path, middle, stats, aggregator, lambda: aggregator_for(cls.name), on_progress)
        return stats, aggregator
    sidecar: ShapeSidecar | None = None
    if shape is not None and several_blocks and path is not None and ForkedCall.available():
        sidecar = ShapeSidecar.start(path, fmt, shape, block_size, limits)
        shape = None  # the inline check is the sidecar's job now
    handle = _line_handler(fmt, catalogue, stats, aggregator, reader.cut_length, sidecar.shape if sidecar else None)
    try:
        _scan_blocks(blocks, stats, finder, shape, handle, on_progress, indexed=several_blocks)
    except BaseException:
        if sidecar is not None:
            sidecar.cancel()  # a failed or interrupted scan must not wait for the whole file
        raise
    finally:
        stats.long_lines = reader.long_lines
    if sidecar is not None:
        outcome = sidecar.result()
        if isinstance(outcome, str):
            stats.shape_check_error = outcome
        else:
            stats.add_malformed(*outcome)
    return stats, aggregator


def _split_early(stream: BinaryIO, path: str | None, block_size: int,
                 limits: ReadLimits) -> tuple[int, list[str], str] | None:
    """(where the second half begins, the head lines, the text start) of a plain file to split,
    read from its first bytes alone rather than a first block (8 MiB); None where those bytes
    might not give exactly what the first block would: fewer than HEAD_LINES whole lines in them,
    or a line the block reader would cut."""
    middle = _second_half(stream, path, block_size, limits)
    if middle is None or path is None or block_size < HEAD_BYTES:
        return None
    try:
        with open(path, "rb") as file:
            prefix = file.read(min(block_size, HEAD_PREFIX_BYTES))
    except OSError:
        return None
    complete = prefix[:prefix.rfind(b"\n") + 1]
    if len(prefix) < HEAD_BYTES or max(map(len, prefix.split(b"\n"))) > limits.max_line_bytes:
        return None
    head = head_lines(complete)
    if len(head) < HEAD_LINES:
        return None
    return middle, head, prefix[:HEAD_BYTES].decode("utf-8", errors="replace")


def _second_half(stream: BinaryIO, path: str | None, block_size: int, limits: ReadLimits) -> int | None:
    """Where a plain file large enough to split in two begins its second half; None for stdin,
    compressed or small files, or where fork is missing."""
    if path is None or getattr(stream, "compressed", True) or not ForkedCall.available():
        return None
    try:
        if os.path.getsize(path) < SPLIT_MIN_BLOCKS * block_size:
            return None
        return split_offset(path, limits.max_line_bytes)
    except OSError:
        return None  # read on as one stream


@dataclass
class _Parts:
    """Scans a plain file's byte ranges with one format, prefilter and shape check: the first half
    here, the second in a forked process, whose counts and aggregates are then added after these.
    Each half checks its own lines' shapes inline, so the two cores share all the work."""

    fmt: LogFormat
    catalogue: ServiceCatalogue
    finder: LineFinder | None
    shape: ShapeCheck | None
    block_size: int
    limits: ReadLimits

    def scan_halves(self, path: str, middle: int, stats: StreamStats, aggregator: Aggregator,
                    new_aggregator: Callable[[], Aggregator], on_progress: Callable[[int], None]) -> None:
        def second_half() -> tuple[StreamStats, Any]:
            later, later_aggregator = StreamStats(format_name=stats.format_name), new_aggregator()
            self.scan_range(path, middle, later, later_aggregator)
            return later, later_aggregator.part()

        import numpy  # noqa: F401 - both halves number lines with it: imported once, before the fork

        # Here and in the forked process: parsing makes and drops a few containers per line, no cycles.
        with paused_collections():
            child = ForkedCall.start(second_half)
            try:
                self.scan_range(path, 0, stats, aggregator, stop=middle, on_progress=on_progress)
            except BaseException:
                child.cancel()
                raise
            try:  # while the child finishes (for the target the connector asks for)
                aggregator.build_ahead(aggregator.log_file)
            except ValueError:
                pass  # a value of the wrong type: observations() reports it, as it always has
            ok, outcome = child.result()
            if not ok:  # the child failed: read the second half here, on one core
                outcome = second_half()
            later, part = outcome
            aggregator.absorb(part, stats.lines)
        stats.absorb(later)
        on_progress(stats.lines)

    def scan_range(self, path: str, start: int, stats: StreamStats, aggregator: Aggregator, *,
                   stop: int | None = None, on_progress: Callable[[int], None] = lambda _lines: None) -> None:
        if self.finder is not None and fast_range_applies(self.finder, self.shape):
            max_line_bytes = max(1, self.limits.max_line_bytes)
            handle = _line_handler(self.fmt, self.catalogue, stats, aggregator, max_line_bytes + 1, None)
            resume = scan_file_range(path, start, stop, finder=self.finder, shape=self.shape, handle=handle,
                                     stats=stats, block_size=self.block_size, max_line_bytes=max_line_bytes,
                                     on_progress=on_progress)
            if resume is None:
                return
            start = resume  # a line too long for the buffer: the stream reader cuts it, and reads on
        with open_range(path, start, stop) as stream:
            reader = iter_blocks(stream, self.block_size, self.limits.max_line_bytes)
            handle = _line_handler(self.fmt, self.catalogue, stats, aggregator, reader.cut_length, None)
            try:
                _scan_blocks(iter(reader), stats, self.finder, self.shape, handle, on_progress, indexed=True)
            finally:
                stats.long_lines += reader.long_lines


def _begin_format(fixed_format, head):  # type: ignore[no-untyped-def]
    """The format named or detected from the head lines, begun on them."""
    cls = fixed_format or detect(head)
    if cls is None:
        raise UnknownFormat()
    fmt = cls()
    try:
        fmt.begin(head)
    except MalformedLine as exc:
        raise FormatMismatch(f"not readable as {cls.name}: {exc}") from None
    return cls, fmt


def _scan_blocks(
    blocks: Iterator[bytes],
    stats: StreamStats,
    finder: LineFinder | None,
    shape: ShapeCheck | None,
    handle: Callable[[int, bytes], None],
    on_progress: Callable[[int], None],
    *,
    indexed: bool = False,
) -> None:
    """`indexed`: number lines with BlockLines (numpy), worth its import for files of several blocks."""
    for block in blocks:
        base = stats.lines
        if finder is None:
            pieces = block.split(b"\n")
            for offset, raw in enumerate(pieces):
                handle(base + offset + 1, raw)
            newlines = len(pieces) - 1
        elif indexed:
            lines = BlockLines(block)
            found = finder.lines(block) if shape is None else shape.merge(block, finder.lines(block), lines)
            for start, raw in found:
                handle(base + lines.number(start), raw)
            newlines = len(lines.newlines)
        else:
            # Line numbers: count newlines only up to each parsed line, then to the block's end.
            counted_to, newlines = 0, 0
            found = finder.lines(block) if shape is None else shape.merge(block, finder.lines(block))
            for start, raw in found:
                newlines += block.count(b"\n", counted_to, start)
                counted_to = start
                handle(base + newlines + 1, raw)
            newlines += block.count(b"\n", counted_to)
        stats.lines += newlines + (0 if block.endswith(b"\n") else 1)
        on_progress(stats.lines)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    held = [first]
    del first  # keep no reference once yielded: memory stays at about one block
    yield held.pop()
    yield from rest


def _read_document(fmt: LogFormat, first: bytes, rest: Iterator[bytes], max_bytes: int) -> Iterator[LogRecord] | None:
    """Whole-document formats get the full text; line formats get None (and nothing is consumed)."""
    if not fmt.wants_document(first[:HEAD_BYTES].decode("utf-8", errors="replace")):
        return None
    parts, size = [first], len(first)
    for block in rest:
        size += len(block)
        if size > max_bytes:
            raise DocumentTooLarge(f"a single JSON document larger than {max_bytes >> 20} MiB "
                                   "(limits.log_max_document_bytes)")
        parts.append(block)
    return fmt.documents(b"".join(parts).decode("utf-8", errors="replace"))
