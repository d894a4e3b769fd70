"""Parsing and attributing one candidate line: what the engine does with each line the prefilter
or the shape check picked, wherever the line came from (a block, a buffer, a forked half)."""

from __future__ import annotations

import re
from collections.abc import Callable

from connectors.logs.attribution import Aggregator
from connectors.logs.formats import LogFormat
from connectors.logs.records import MAX_EXAMPLES, MAX_SAMPLES, SAMPLE_BYTES, LogRecord, MalformedLine
from connectors.logs.shapes import ShapeCheck
from connectors.logs.stats import StreamStats
from discovery.domains import AIService, ServiceCatalogue


def line_handler(fmt: LogFormat, catalogue: ServiceCatalogue, stats: StreamStats, aggregator: Aggregator,
                 cut_length: int, counted_elsewhere: ShapeCheck | None) -> Callable[[int, bytes], None]:
    """Parses and attributes one candidate line. `counted_elsewhere`: the shape whose misfits a
    sidecar counts, so a malformed candidate is counted here only where it fits that shape."""

    def handle(line_no: int, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not line.strip():
            return
        stats.candidates += 1
        try:
            record = fmt.parse(line)
        except MalformedLine as exc:
            if len(raw) == cut_length:
                # An over-long line, counted once by the reader; the AI hosts its kept prefix
                # names are still found.
                record = record_from_prefix(catalogue, line)
                if record is not None:
                    attribute(stats, catalogue, aggregator, record, line_no, line[:SAMPLE_BYTES])
                return
            if counted_elsewhere is None or counted_elsewhere.fits(raw):
                malformed(stats, line_no, str(exc), line)
            return
        if record is not None:
            attribute(stats, catalogue, aggregator, record, line_no, line)

    return handle


def attribute(
    stats: StreamStats, catalogue: ServiceCatalogue, aggregator: Aggregator, record: LogRecord, line_no: int, line: str
) -> None:
    stats.events += 1
    service: AIService | None = None
    if record.service_id and record.service_id.startswith("name:"):
        service = catalogue.match_name(record.service_id[5:])  # identity logs name apps, not hosts
    elif record.service_id and record.service_id.startswith("app:"):
        service = catalogue.match_app(record.service_id[4:])  # firewalls name them by App-ID
    elif record.service_id:
        service = catalogue.get(record.service_id)
    elif record.host:
        service = catalogue.match(record.host)
        if service is None and record.vendor_app:
            # The proxy's own classification names a catalogued app on a host the catalogue does
            # not know yet (a new domain); a look-alike host is not labelled as the app it mimics.
            service = catalogue.match_app(record.vendor_app)
    if service is not None:
        stats.ai_events += 1
        aggregator.add(service, record, line_no, line)


_HOST_TOKEN = re.compile(r"(?<![A-Za-z0-9.-])((?:[A-Za-z0-9-]{1,63}\.){1,10}[A-Za-z]{2,24})(?![A-Za-z0-9-])")
#: how much of a cut line is searched for AI hosts
PREFIX_SEARCH_CHARS = 64 * 1024


def record_from_prefix(catalogue: ServiceCatalogue, line: str) -> LogRecord | None:
    """A host-only record for the first catalogued AI host named in a cut line's prefix."""
    for match in _HOST_TOKEN.finditer(line, 0, PREFIX_SEARCH_CHARS):
        if catalogue.match(match.group(1)) is not None:
            return LogRecord(host=match.group(1).lower())
    return None


def malformed(stats: StreamStats, line_no: int, reason: str, line: str | None = None) -> None:
    stats.malformed += 1
    if len(stats.malformed_examples) < MAX_EXAMPLES:
        stats.malformed_examples.append((line_no, reason))
    if line is not None and len(stats.malformed_samples) < MAX_SAMPLES:
        stats.malformed_samples.append(line[:SAMPLE_BYTES])
