"""Zscaler Internet Access NSS web logs: JSON feeds (native field names such as `eurl`, or the
SIEM-style names such as `url`), CSV feeds (with a header, or in the recommended default column
order), and feeds whose URL is base64-encoded (`%s{b64url}`)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import (
    JSON_LINE_SHAPE,
    LogFormat,
    column_name,
    csv_row,
    csv_shape,
    first_field,
    json_head,
    load_json_object,
    parse_time,
    split_url,
    to_int,
    valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

# The column order of Zscaler's recommended NSS web feed, used when a CSV feed has no header.
DEFAULT_CSV_COLUMNS = (
    "time login proto eurl action appname appclass reqsize respsize stime ctime urlclass urlsupercat "
    "urlcat malwarecat threatname riskscore dlpeng dlpdict location dept cip sip reqmethod respcode ua "
    "ereferer ruletype rulelabel contenttype unscannabletype deviceowner devicehostname"
).split()

# Each attribute, with the names it goes by in native feeds, SIEM feeds and portal CSV exports.
_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("time", "datetime", "epochtime", "logged time", "timestamp"),
    "user": ("login", "user", "username"),
    "url": ("eurl", "url", "b64url", "requested url"),
    "host": ("ehost", "hostname", "host", "b64host"),
    "method": ("reqmethod", "requestmethod", "request method"),
    "up": ("reqsize", "requestsize", "request size"),
    "down": ("respsize", "responsesize", "response size"),
    "action": ("action", "policy action"),
    "app": ("appname", "cloud application", "application"),
    "client": ("cip", "clientip", "client ip", "clientinternalip"),
    "device": ("devicehostname", "devicename", "device hostname"),
}
_B64 = re.compile(r"^[A-Za-z0-9+/_-]{8,}={0,2}$")


class ZscalerFormat(LogFormat):
    name = "zscaler"
    title = "Zscaler NSS web (JSON, CSV, b64url)"
    app_based = True  # `appname` names the app even on hosts the catalogue lacks
    templated_json = True  # NSS feeds are text templates: a user agent's quotes go unescaped

    def __init__(self) -> None:
        self._columns: list[str] | None = None  # CSV: the header, or the default order
        self._has_header = False
        self._encoded_urls = False

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        for obj in json_head(head)[:5]:
            # The NSS feed's envelope carries the sourcetype, the event inside it the fields; the
            # envelope is the same JSON whether the feed writes it compact or spaced.
            if _is_zscaler_sourcetype(obj):
                return True
            event = _event(obj)
            keys = {k.lower() for k in event}
            if _is_zscaler_sourcetype(event) or (
                keys & {"eurl", "url", "b64url"} and keys & {"login", "user"} and keys & {"reqmethod", "requestmethod", "respsize", "responsesize"}
            ):
                return True
        lines = [line for line in head if line.strip()]
        if not lines or lines[0].lstrip().startswith("{"):
            return False
        header = {column_name(c) for c in _fields_of(lines[0])}
        if header & {"eurl", "url", "requested url"} and header & {"login", "user"}:
            return True
        rows = [_fields_of(line) for line in lines[:10]]
        fits = sum(1 for r in rows if len(r) == len(DEFAULT_CSV_COLUMNS) and parse_time(r[0]) is not None)
        return fits * 2 > len(rows)

    def begin(self, head: Sequence[str]) -> None:
        lines = [line for line in head if line.strip()]
        if lines and not lines[0].lstrip().startswith("{"):
            header = [column_name(c) for c in _fields_of(lines[0])]
            self._has_header = bool(set(header) & {"eurl", "url", "requested url"})
            self._columns = header if self._has_header else list(DEFAULT_CSV_COLUMNS)
        sample = [fields for fields in map(self._sample_fields, lines[:5]) if fields is not None]
        # A b64url feed hides the host from the prefilter unless a plain host field is logged too.
        self._encoded_urls = any(
            _looks_b64(str(_get(f, "url") or "")) and not _get(f, "host") for f in sample if f is not None
        )

    @property
    def parse_every_line(self) -> bool:
        return self._encoded_urls

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE if self._columns is None else csv_shape(len(self._columns))

    def parse(self, line: str) -> LogRecord | None:
        if self._is_header(line):
            return None
        fields = self._fields(line)
        if fields is None:
            raise MalformedLine("row has the wrong number of columns")
        url = _decode_if_b64(str(_get(fields, "url") or ""))
        host_field = _decode_if_b64(str(_get(fields, "host") or ""))
        host, path = split_url(url) if url else (host_field, "")
        if not host or not valid_host(host_field or host):
            raise MalformedLine(f"no readable URL or host ({(url or host_field)[:40]!r})")
        identity, kind = pick_identity(
            (_get(fields, "user"), "user"), (_get(fields, "device"), "device"), (_get(fields, "client"), "address")
        )
        action = str(_get(fields, "action") or "").lower()
        return LogRecord(
            host=host_field or host,
            identity=identity,
            identity_kind=kind,
            time=parse_time(_get(fields, "time")),
            method=str(_get(fields, "method") or "") or None,
            path=path,
            bytes_up=to_int(_get(fields, "up")),
            bytes_down=to_int(_get(fields, "down")),
            blocked=action in {"blocked", "block", "deny", "denied"},
            vendor_app=str(_get(fields, "app") or "") or None,
        )

    def _sample_fields(self, line: str) -> Mapping[str, Any] | None:
        """A head line's fields for begin(); a broken line there is left to parse() to count."""
        if self._is_header(line):
            return None
        try:
            return self._fields(line)
        except MalformedLine:
            return None

    def _is_header(self, line: str) -> bool:
        return self._has_header and self._columns is not None and line.lower().lstrip('"').startswith(self._columns[0])

    def _fields(self, line: str) -> Mapping[str, Any] | None:
        if self._columns is None:
            return {k.lower(): v for k, v in _event(load_json_object(line)).items()}
        row = _fields_of(line)
        if len(row) != len(self._columns):
            return None
        return dict(zip(self._columns, row, strict=True))


def _is_zscaler_sourcetype(obj: Mapping[str, Any]) -> bool:
    value = next((v for k, v in obj.items() if isinstance(k, str) and k.lower() == "sourcetype"), "")
    return "zscaler" in str(value).lower()


def _event(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    event = obj.get("event")
    return event if isinstance(event, dict) else obj


def _get(fields: Mapping[str, Any], attribute: str) -> Any:
    return first_field(fields, *_ALIASES[attribute])



def _fields_of(line: str) -> list[str]:
    return csv_row(line, skip_initial_space=True)


def _looks_b64(value: str) -> bool:
    return bool(value) and "." not in value and bool(_B64.match(value))


def _decode_if_b64(value: str) -> str:
    if not _looks_b64(value):
        return value
    padded = value + "=" * (-len(value) % 4)
    try:
        decoded = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_")).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return value
    return decoded if "." in decoded else value
