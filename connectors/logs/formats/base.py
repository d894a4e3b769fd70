"""The one small interface every log format implements, plus the field helpers they share."""

from __future__ import annotations

import csv
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, ClassVar

from connectors.logs.formats.timestamps import ctime, epoch_seconds
from connectors.logs.records import LogRecord, MalformedLine


class LogFormat(ABC):
    """Parses one vendor's log lines. A fresh instance reads each file (header formats keep state)."""

    #: the `--log-format` name
    name: ClassVar[str]
    title: ClassVar[str]
    #: literals besides the catalogue's domains that make a line worth parsing (audit formats)
    keywords: ClassVar[tuple[str, ...]] = ()
    #: audit logs whose every event is AI use: parse every line, no catalogue prefilter
    every_line: ClassVar[bool] = False
    #: hosts appear in the lines, so catalogue domains can prefilter them
    host_based: ClassVar[bool] = True
    #: some events name the app but no host (a firewall's App-ID): the app labels prefilter them too
    app_based: ClassVar[bool] = False
    #: the line itself, redacted and cut, is the evidence; False: the parsed event is described
    #: instead (where a line's head is an envelope that says nothing of what was called)
    raw_evidence: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        """True when the first non-empty lines of a file look like this format."""

    def begin(self, head: Sequence[str]) -> None:
        """Read what the head says about the file (a CSV header, an encoding) before parsing."""

    @property
    def parse_every_line(self) -> bool:
        """Whether this file must be read without the prefilter (e.g. base64-encoded URLs)."""
        return self.every_line

    @property
    def line_shape(self) -> bytes | None:
        """A regex (bytes, Python `re` syntax) that every well-formed line of this file matches from its start.

        The prefilter lets most lines go unparsed; the engine still checks each against this shape
        in one C-level pass per block, and parses the lines that fail it, so a malformed line is
        counted wherever it is. Keep it cheap: `re` steps through every character it examines
        (about 3.5 ns each), so a short anchored prefix, with damage further along left to
        `line_defect`; CSV shapes (csv_shape) check the whole row and end in LINE_END. None turns
        the check off (formats that parse every line need none). Decided after `begin`, so a
        format with variants (JSON or CSV, native or combined) returns the shape of this file's.
        """
        return None

    @property
    def line_defect(self) -> bytes | None:
        """A regex (bytes, RE2 syntax: no lookaround) for damage anywhere in a line that fits its shape.

        Lines with a match are parsed like misfits. RE2 runs as a DFA, one pass per block at
        several hundred MB/s whatever the pattern, so this is where whole-line checks belong.
        JSON lines get JSON_END_DEFECT (an object cut short); feeds that build their JSON from a
        text template (see `templated_json`) get JSON_DEFECT, which adds unescaped quotes.
        """
        if self.line_shape != JSON_LINE_SHAPE:
            return None
        return JSON_DEFECT if self.templated_json else JSON_END_DEFECT

    #: the vendor writes its JSON lines from a text template, not a JSON serialiser, so a value
    #: can carry an unescaped quote (Zscaler NSS feeds, user-mapped feeds). Serialised JSON
    #: (CloudTrail, Cloudflare, Route 53, Microsoft 365) cannot: its lines get only the cheap
    #: structural check, which the engine runs vectorised over whole blocks.
    templated_json: ClassVar[bool] = False

    @abstractmethod
    def parse(self, line: str) -> LogRecord | None:
        """The event on the line; None for lines that are not events (headers, comments).

        Raises MalformedLine when the line cannot be read as this format.
        """

    def wants_document(self, start: str) -> bool:
        """True when the file is one JSON document (CloudTrail `{"Records": [...]}`), read whole."""
        return False

    def documents(self, text: str) -> Iterator[LogRecord]:
        """The events of a whole-document file; only called when wants_document said so."""
        raise NotImplementedError(f"{self.name} has no document form")


# --- shared helpers -------------------------------------------------------------------------------

#: the end of a line inside a shape (the engine searches blocks, so the last line ends at the block's end)
LINE_END = rb"[ \t\r]*(?:\n|\Z)"
#: a JSON-lines file: every line opens an object (JSON_END_DEFECT checks that it closes it)
JSON_LINE_SHAPE = rb"[ \t]*\{"
#: A JSON line that does not end its object (cut short, or trailed by text).
JSON_END_DEFECT = rb"[^}\s][ \t\r]*(?:\n|$)"
#: JSON_END_DEFECT, or an unescaped quote inside a string. In valid JSON a quote opens a string
#: (after `{[:,` or a space), closes one (before `:,}]` or a space) or is escaped; a quote with
#: neither on either side is a `"` a templated feed forgot to escape. Quotes are a tenth of a JSON
#: line's bytes, so this costs about 0.8 s per GB even on Hyperscan: only `templated_json` feeds get it.
JSON_DEFECT = rb'[^\s\[{:,\\]"[^\s:,}\]]|' + JSON_END_DEFECT
#: one CSV field, quoted (doubled quotes inside) or bare
CSV_FIELD = rb'[ \t]*(?:"(?:[^"\n]|"")*"|[^,"\n]*)'


def csv_shape(columns: int, *, at_least: bool = False, first: bytes = CSV_FIELD, separator: bytes = b",") -> bytes:
    """A whole-line shape for CSV rows of exactly (or at least) `columns` fields, quoted or bare.

    `first` replaces the first field's pattern (a timestamp, say); a TSV passes separator `\\t`.
    """
    field = CSV_FIELD if separator == b"," else b"[^" + separator + b"\\n]*"
    count = b"%d," % (columns - 1) if at_least else b"%d" % (columns - 1)
    end = LINE_END if separator == b"," else rb"\r?(?:\n|\Z)"  # trailing tabs would be more columns
    return first + b"(?:" + separator + field + b"){" + count + b"}" + end


_EPOCH = re.compile(r"^\d{9,19}(?:\.\d+)?$")


def csv_row(line: str, *, skip_initial_space: bool = False) -> list[str]:
    """The fields of one CSV line; [] when the csv module cannot read it."""
    try:
        return next(csv.reader([line], skipinitialspace=skip_initial_space))
    except (csv.Error, StopIteration):
        return []


def column_name(cell: str) -> str:
    """A header cell as a column name: case, padding and an Excel byte-order mark do not count."""
    return cell.strip().lstrip("\ufeff").strip().lower()


def csv_header(lines: Sequence[str]) -> list[str] | None:
    """The first line's column names, when it is a CSV header of 2+ columns and not a JSON object."""
    if not lines or lines[0].lstrip().startswith("{"):
        return None
    columns = [column_name(cell) for cell in csv_row(lines[0], skip_initial_space=True)]
    return columns if len(columns) >= 2 else None


def load_json_object(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise MalformedLine(f"not JSON: {exc.args[0] if exc.args else exc}") from None
    if not isinstance(value, dict):
        raise MalformedLine("JSON line is not an object")
    return value


def first_field(record: Mapping[str, Any], *names: str) -> Any:
    """The first present, non-empty value among names."""
    for name in names:
        value = record.get(name)
        if value not in (None, "", "-"):
            return value
    return None


def to_int(value: Any) -> int | None:
    if value is None or value == "" or value == "-":
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def parse_time(value: Any) -> datetime | None:
    """RFC 3339/ISO 8601, `YYYY-MM-DD HH:MM:SS`, ctime, or epoch s/ms/µs/ns; always UTC-aware."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        seconds = epoch_seconds(value)  # the common shape first, without a regex
        if seconds is not None:
            return _from_epoch(seconds)
    if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH.match(value.strip())):
        return _from_epoch(float(value))
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        try:
            parsed = ctime(text)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _from_epoch(number: float) -> datetime | None:
    # Scale by magnitude: seconds until 2286, then milliseconds, microseconds, nanoseconds.
    for divisor in (1, 1_000, 1_000_000, 1_000_000_000):
        seconds = number / divisor
        if seconds < 10_000_000_000:
            try:
                return datetime.fromtimestamp(seconds, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                return None
    return None


def split_url(url: str) -> tuple[str, str]:
    """(host, path without query) of a URL, `host:port`, or `host/path`."""
    text = url.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    host, slash, rest = text.partition("/")
    path = slash + rest.split("?", 1)[0].split("#", 1)[0] if slash else ""
    return host.split("?", 1)[0], path


_HOST = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.?)+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")


def valid_host(host: str) -> bool:
    """A DNS name or IP (with an optional port): what a parsed host field must look like."""
    return bool(host) and len(host) <= 260 and bool(_HOST.match(host))


def json_head(head: Sequence[str]) -> list[dict[str, Any]]:
    """The head lines that parse as JSON objects (for sniffing JSON-lines formats)."""
    objects: list[dict[str, Any]] = []
    for line in head:
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects
