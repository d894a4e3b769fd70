"""`LogConnector`: proxy, DNS, identity and SaaS audit logs → Observations of AI use per person."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, BinaryIO, ClassVar

from connectors.base import Connector, ProgressCallback, ScanResult, no_progress
from connectors.logs.attribution import CONNECTOR, DEFAULT_UPLOAD_BYTES, Aggregator, Pseudonymiser
from connectors.logs.engine import DocumentTooLarge, FormatMismatch, StreamStats, UnknownFormat, scan_stream
from connectors.logs.formats import FORMATS, LogFormat, detect
from connectors.logs.prefilter import LineFinder, literal_pattern
from connectors.logs.reader import BLOCK_SIZE, DEFAULT_LIMITS, STDIN, ReadLimits, display_name, open_log
from discovery.domains import ServiceCatalogue
from discovery.models import IssueSeverity, ScanIssue, SourceKind

AUTO = "auto"


class LogConnector(Connector):
    """Reads log files (`-` is stdin; `.gz` is read transparently) and attributes AI use."""

    name: ClassVar[str] = CONNECTOR
    source: ClassVar[SourceKind] = SourceKind.LOGS

    def __init__(
        self,
        log_format: str = AUTO,
        *,
        catalogue: ServiceCatalogue | None = None,
        extra_services: Iterable[Mapping[str, Any]] = (),
        pseudonymise_key: str | bytes | None = None,
        generic_fields: Mapping[str, str] | None = None,
        upload_bytes: int = DEFAULT_UPLOAD_BYTES,
        block_size: int = BLOCK_SIZE,
        stdin: BinaryIO | None = None,
        shape_sidecar: bool = True,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        self.catalogue = catalogue or ServiceCatalogue.load(extra_services)
        self._fixed = _format_class(log_format, generic_fields)
        self._pseudonymiser = Pseudonymiser(pseudonymise_key) if pseudonymise_key else None
        self._upload_bytes = upload_bytes
        self._block_size = block_size
        self._stdin = stdin
        #: check line shapes in a forked process (files only); off, the check runs inline, on one core
        self._shape_sidecar = shape_sidecar
        self._finders: dict[type[LogFormat], LineFinder | None] = {}
        self._limits = limits

    def scan(self, targets: Sequence[str], progress: ProgressCallback = no_progress) -> ScanResult:
        result = ScanResult()
        for target in targets:
            result.extend(self.scan_one(target, progress))
        return result

    def scan_one(self, target: str, progress: ProgressCallback = no_progress) -> ScanResult:
        label = display_name(target)
        result = ScanResult(targets=[label])
        result.count("files")
        try:
            stream = open_log(target, self._stdin, self._limits)
        except FileNotFoundError:
            result.issues.append(_issue(label, "not-found", "no such file"))
            return result
        except IsADirectoryError:
            result.issues.append(_issue(label, "unreadable", "is a directory, not a log file"))
            return result
        except OSError as exc:
            result.issues.append(_issue(label, "unreadable", str(exc.strerror or exc)))
            return result
        try:
            with stream:
                stats, aggregator = scan_stream(
                    stream,
                    fixed_format=self._fixed,
                    catalogue=self.catalogue,
                    finder_for=self._finder,
                    aggregator_for=lambda fmt: Aggregator(
                        log_file=label, log_format=fmt, pseudonymise=self._pseudonymiser, upload_bytes=self._upload_bytes,
                        raw_evidence=FORMATS[fmt].raw_evidence if fmt in FORMATS else True,
                    ),
                    on_progress=lambda lines: progress(label, lines, None),
                    block_size=self._block_size,
                    path=None if target == STDIN or not self._shape_sidecar else target,
                    limits=self._limits,
                )
        except UnknownFormat:
            tried = ", ".join(FORMATS)
            result.issues.append(
                _issue(label, "unknown-format", f"not a log format aims reads (tried: {tried}); "
                       "name it with --log-format, or map its fields with the generic mode")
            )
            return result
        except FormatMismatch as exc:
            result.issues.append(_issue(label, "unknown-format", str(exc)))
            return result
        except DocumentTooLarge as exc:
            result.issues.append(_issue(label, "too-large", str(exc)))
            return result
        except (OSError, EOFError, ValueError) as exc:  # an unreadable stream
            result.issues.append(_issue(label, "corrupt", f"could not be read to the end: {exc}"))
            return result
        if stream.cut is not None:
            # What was read before the break is kept; the cut makes the source incomplete.
            result.issues.append(_issue(label, "truncated", f"{stream.cut}; the lines before it were scanned"))
        if aggregator is None:
            if stream.cut is not None:
                return result
            result.issues.append(_issue(label, "empty", "empty, nothing to read", IssueSeverity.WARNING))
            return result
        result.observations.extend(aggregator.observations(label))
        result.count("lines", stats.lines)
        result.count("parsed_lines", stats.candidates)
        result.count("ai_events", stats.ai_events)
        result.count(f"format:{stats.format_name}")
        if stats.shape_check_error:
            result.issues.append(
                _issue(label, "incomplete", f"malformed lines outside the AI-related ones were not counted: "
                       f"{stats.shape_check_error}", IssueSeverity.WARNING)
            )
        if stats.long_lines:
            limit = self._limits.max_line_bytes
            result.issues.append(
                _issue(label, "long-lines", f"{stats.long_lines} line(s) longer than {limit:,} bytes "
                       f"(limits.log_max_line_bytes) counted as malformed; only their first {limit:,} bytes "
                       "were scanned", IssueSeverity.WARNING, stats.long_lines)
            )
        mixed = _mixed_format(stats)
        if mixed is not None:
            result.issues.append(_issue(label, "mixed-formats", mixed))
        if stats.malformed + stats.long_lines:
            result.count("malformed_lines", stats.malformed + stats.long_lines)
        if stats.malformed:
            examples = "; ".join(f"line {n}: {reason}" for n, reason in stats.malformed_examples)
            result.issues.append(
                _issue(label, "malformed-lines",
                       f"{stats.malformed} malformed {stats.format_name} line(s) skipped ({examples})",
                       IssueSeverity.WARNING, stats.malformed)
            )
        return result

    def _finder(self, cls: type[LogFormat]) -> LineFinder | None:
        if cls not in self._finders:
            patterns = [*map(literal_pattern, cls.keywords), *(self.catalogue.host_patterns() if cls.host_based else ()),
                        *(self.catalogue.app_patterns() if cls.app_based else ())]
            self._finders[cls] = None if cls.every_line or not patterns else LineFinder(patterns)
        return self._finders[cls]


#: a file where at least this share of lines fail its format, and another format reads them,
#: mixes formats: reported as an error (exit 3), since the other format's lines went unread
MIXED_SHARE = 0.05


def _mixed_format(stats: StreamStats) -> str | None:
    if not stats.malformed or stats.malformed < MIXED_SHARE * max(1, stats.lines):
        return None
    other = detect([s for s in stats.malformed_samples if s.strip()])
    if other is None or other.name == stats.format_name:
        return None
    return (f"mixed formats: read as {stats.format_name}, but {stats.malformed} of {stats.lines} line(s) are "
            f"{other.name}; those lines were not scanned. Split the file by format, or scan it once per "
            "format with --log-format")


def _format_class(log_format: str, generic_fields: Mapping[str, str] | None) -> type[LogFormat] | None:
    if generic_fields:
        from connectors.logs.formats.generic import generic_format

        return generic_format(generic_fields)  # raises ValueError on a bad mapping
    if log_format == AUTO:
        return None
    try:
        return FORMATS[log_format]
    except KeyError:
        raise ValueError(f"unknown log format {log_format!r}; known: auto, {', '.join(FORMATS)}") from None


def _issue(target: str, kind: str, message: str, severity: IssueSeverity = IssueSeverity.ERROR, count: int = 1) -> ScanIssue:
    return ScanIssue(connector=CONNECTOR, target=target, kind=kind, message=message, severity=severity, count=count)


def key_from_environment() -> str | None:
    return os.environ.get("AIMS_PSEUDONYMISE_KEY") or None
