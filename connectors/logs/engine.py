"""Scanning one log stream: detect its format, prefilter its lines, parse the candidates, attribute.

Only lines that name a catalogued AI domain (or a format's keyword) are parsed, so the cost per
ordinary line is a multi-literal search over its bytes (see prefilter.py for the numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from connectors.logs.attribution import Aggregator
from connectors.logs.formats import LogFormat, detect
from connectors.logs.prefilter import LineFinder
from connectors.logs.reader import BLOCK_SIZE, iter_blocks
from connectors.logs.records import LogRecord, MalformedLine
from discovery.domains import AIService, ServiceCatalogue

HEAD_LINES = 50
HEAD_BYTES = 256 * 1024
#: whole-document formats (a CloudTrail file is one JSON object) are read whole up to this size
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024


class UnknownFormat(Exception):
    """No format recognised the head of the file."""


class DocumentTooLarge(Exception):
    pass


class FormatMismatch(Exception):
    """The chosen format cannot read this file at all (e.g. a named column is missing)."""


@dataclass
class StreamStats:
    format_name: str = ""
    lines: int = 0
    candidates: int = 0
    events: int = 0
    ai_events: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)


FinderFactory = Callable[[type[LogFormat]], LineFinder | None]


def head_lines(block: bytes) -> list[str]:
    text = block[:HEAD_BYTES].decode("utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in text.split("\n")[:HEAD_LINES]]
    if len(block) > HEAD_BYTES and lines:
        lines.pop()  # probably cut in the middle
    return [line for line in lines if line.strip()]


def scan_stream(
    stream: BinaryIO,
    *,
    fixed_format: type[LogFormat] | None,
    catalogue: ServiceCatalogue,
    finder_for: FinderFactory,
    aggregator_for: Callable[[str], Aggregator],
    on_progress: Callable[[int], None] = lambda _lines: None,
    block_size: int = BLOCK_SIZE,
) -> tuple[StreamStats, Aggregator | None]:
    """Scan a stream. Raises UnknownFormat when auto-detection fails."""
    blocks = iter_blocks(stream, block_size)
    first = next(blocks, b"")
    stats = StreamStats()
    head = head_lines(first)
    if not head:
        return stats, None
    cls = fixed_format or detect(head)
    if cls is None:
        raise UnknownFormat()
    fmt = cls()
    try:
        fmt.begin(head)
    except MalformedLine as exc:
        raise FormatMismatch(f"not readable as {cls.name}: {exc}") from None
    stats.format_name = cls.name
    aggregator = aggregator_for(cls.name)

    def handle(line_no: int, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not line.strip():
            return
        stats.candidates += 1
        try:
            record = fmt.parse(line)
        except MalformedLine as exc:
            _malformed(stats, line_no, str(exc))
            return
        if record is not None:
            _attribute(stats, catalogue, aggregator, record, line_no, line)

    documents = _read_document(fmt, first, blocks)
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
    for block in _chain(first, blocks):
        base = stats.lines
        if finder is None:
            pieces = block.split(b"\n")
            for offset, raw in enumerate(pieces):
                handle(base + offset + 1, raw)
            newlines = len(pieces) - 1
        else:
            # Line numbers: count newlines only up to each candidate, then to the block's end.
            counted_to, newlines = 0, 0
            for start, raw in finder.lines(block):
                newlines += block.count(b"\n", counted_to, start)
                counted_to = start
                handle(base + newlines + 1, raw)
            newlines += block.count(b"\n", counted_to)
        stats.lines += newlines + (0 if block.endswith(b"\n") else 1)
        on_progress(stats.lines)
    return stats, aggregator


def _attribute(
    stats: StreamStats, catalogue: ServiceCatalogue, aggregator: Aggregator, record: LogRecord, line_no: int, line: str
) -> None:
    stats.events += 1
    service: AIService | None = None
    if record.service_id and record.service_id.startswith("name:"):
        service = catalogue.match_name(record.service_id[5:])  # identity logs name apps, not hosts
    elif record.service_id:
        service = catalogue.get(record.service_id)
    elif record.host:
        service = catalogue.match(record.host)
    if service is not None:
        stats.ai_events += 1
        aggregator.add(service, record, line_no, line)


def _malformed(stats: StreamStats, line_no: int, reason: str) -> None:
    stats.malformed += 1
    if len(stats.malformed_examples) < 3:
        stats.malformed_examples.append(f"line {line_no}: {reason}")


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _read_document(fmt: LogFormat, first: bytes, rest: Iterator[bytes]) -> Iterator[LogRecord] | None:
    """Whole-document formats get the full text; line formats get None (and nothing is consumed)."""
    if not fmt.wants_document(first[:HEAD_BYTES].decode("utf-8", errors="replace")):
        return None
    parts, size = [first], len(first)
    for block in rest:
        size += len(block)
        if size > MAX_DOCUMENT_BYTES:
            raise DocumentTooLarge(f"a single JSON document larger than {MAX_DOCUMENT_BYTES >> 20} MiB")
        parts.append(block)
    return fmt.documents(b"".join(parts).decode("utf-8", errors="replace"))
