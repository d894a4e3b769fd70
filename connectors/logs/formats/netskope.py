"""Netskope web transactions and events, as JSON lines or as CSV.

JSON: web transactions with W3C-style keys (`cs-host`, `x-cs-app`) and page/application events
(`url`, `user`, `app`, `activity`). CSV: the log-streaming web transaction files (a header of the
same W3C-style names, in whatever order the stream was configured with) and the Skope IT event
exports (a header of the console's column labels, such as `User`, `Application`, `Access Method`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from connectors.logs.formats.base import (
    CSV_FIELD, JSON_LINE_SHAPE, LogFormat, column_name, csv_header, csv_row, csv_shape, first_field,
    json_head, load_json_object, parse_time, split_url, to_int, valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

# Each attribute, with the names it goes by in transaction CSVs (W3C-style), Skope IT exports
# (console labels) and event exports that keep the API's field names. Lower case: headers are
# matched case-insensitively. `hostname` is the user's device and `site`/`device` are labels
# ("Google Maps", "Windows Device"), so none of them is taken for the destination host.
_ALIASES: dict[str, tuple[str, ...]] = {
    "time": ("timestamp", "date/time", "date time", "datetime", "x-cs-timestamp", "time", "date"),
    "user": ("cs-username", "user", "username", "user name", "ur_normalized", "userkey"),
    "url": ("x-cs-url", "url", "page"),
    "host": ("cs-host", "domain", "dsthost", "destination host"),
    "path": ("x-cs-uri-path", "cs-uri"),
    "method": ("cs-method", "http method", "http_method"),
    "up": ("cs-bytes", "bytes uploaded", "client bytes", "client_bytes"),
    "down": ("sc-bytes", "bytes downloaded", "server bytes", "server_bytes"),
    "app": ("x-cs-app", "application", "app"),
    "activity": ("x-cs-app-activity", "activity"),
    "action": ("x-policy-action", "action", "policy action"),
    "device": ("hostname", "x-c-hostname"),
    "client": ("x-cs-userip", "c-ip", "userip", "user ip", "source ip", "srcip"),
}
# Columns only Netskope writes: W3C extensions of its proxy, and Skope IT's own vocabulary.
_W3C_MARKERS = frozenset({"x-cs-app", "x-cs-access-method", "x-cs-traffic-type", "x-cs-session-id", "x-cs-page-id"})
_EVENT_MARKERS = frozenset({
    "access method", "access_method", "traffic type", "traffic_type", "ccl", "cci",
    "app session id", "app_session_id", "page id", "page_id", "ur_normalized", "userkey",
})
_US_TIMES = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S")

# Line shapes (see LogFormat.line_shape). JSON: one object on the line. CSV: the header's number
# of fields, the first as specific as the head's rows allow (counters and epoch times; dates in
# digits, ISO or the console's locale). The column order is the stream's or the export's own, so
# the shape is learnt from the head, not assumed.
_FIRST_FIELDS: tuple[tuple[re.Pattern[str], bytes], ...] = (
    (re.compile(r"\d+|-"), rb'"?(?:\d+|-)"?'),
    (re.compile(r"\d[\d :/.TZAPM+-]{0,39}"), rb'"?\d[\d :/.TZAPM+-]{0,39}"?'),
)


class NetskopeFormat(LogFormat):
    name = "netskope"
    title = "Netskope web transactions and events (JSON, CSV)"
    app_based = True  # `x-cs-app` / `app` names the app even on hosts the catalogue lacks

    def __init__(self) -> None:
        self._columns: list[str] | None = None  # CSV: the header, lower case; None for JSON lines
        self._shape = JSON_LINE_SHAPE

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        for obj in json_head(head)[:5]:
            if "cs-host" in obj and ("x-cs-app" in obj or "cs-username" in obj):
                return True
            if {"ur_normalized", "access_method"} & obj.keys() or (obj.get("type") in {"page", "application"}
                                                                   and "app" in obj and "url" in obj):
                return True
        header = _header(head)
        return header is not None and _is_netskope_header(set(header))

    def begin(self, head: Sequence[str]) -> None:
        header = _header(head)
        # A header without a URL or host column cannot be read as CSV: keep the JSON reading, so a
        # forced `--log-format netskope` on another file reports its lines as malformed.
        if header is None or not (set(header) & {*_ALIASES["url"], *_ALIASES["host"]}):
            return
        self._columns = header
        rows = [row for row in (csv_row(line, skip_initial_space=True) for line in _content(head)[1:])
                if len(row) == len(header)]
        firsts = [row[0].strip() for row in rows if not self._is_header(row)]
        self._shape = csv_shape(len(header), first=_first_field(firsts))

    @property
    def line_shape(self) -> bytes:
        return self._shape

    def parse(self, line: str) -> LogRecord | None:
        if self._columns is None:
            return _parse_json(load_json_object(line))
        row = csv_row(line, skip_initial_space=True)
        if self._is_header(row):
            return None  # exports concatenated together repeat their header
        if len(row) != len(self._columns):
            raise MalformedLine(f"{len(row)} columns, the header has {len(self._columns)}")
        return _parse_fields(dict(zip(self._columns, row, strict=True)))

    def _is_header(self, row: Sequence[str]) -> bool:
        columns = self._columns
        if not columns or not row or column_name(row[0]) != columns[0]:
            return False
        return [column_name(cell) for cell in row] == columns


def _parse_json(obj: Mapping[str, Any]) -> LogRecord:
    if "cs-host" in obj:
        host = str(obj.get("cs-host") or "")
        path = split_url(str(obj.get("cs-uri") or "/"))[1] if "://" in str(obj.get("cs-uri")) else str(
            obj.get("cs-uri") or "").split("?", 1)[0]
        when = parse_time(f"{obj.get('date')} {obj.get('time')}") if obj.get("date") else parse_time(
            obj.get("x-cs-timestamp"))
        user, device, source = obj.get("cs-username"), None, obj.get("c-ip")
        method, up, down = obj.get("cs-method"), obj.get("cs-bytes"), obj.get("sc-bytes")
        app, activity, action = obj.get("x-cs-app"), obj.get("x-cs-app-activity"), obj.get("x-policy-action")
    else:
        host, path = split_url(str(first_field(obj, "url", "domain", "dsthost") or ""))
        host = str(obj.get("dsthost") or obj.get("domain") or host)
        when = parse_time(obj.get("timestamp"))
        user, device, source = first_field(obj, "user", "ur_normalized", "userkey"), obj.get("hostname"), obj.get(
            "srcip")
        method, up, down = obj.get("http_method"), obj.get("client_bytes"), obj.get("server_bytes")
        app, activity, action = obj.get("app"), obj.get("activity"), obj.get("action")
    if not valid_host(host):
        raise MalformedLine("no host")
    identity, kind = pick_identity((user, "user"), (device, "device"), (source, "address"))
    return LogRecord(
        host=host, identity=identity, identity_kind=kind, time=when, method=str(method) if method else None,
        path=path, bytes_up=to_int(up), bytes_down=to_int(down),
        blocked=str(action or "").lower() in {"block", "blocked"},
        upload=str(activity or "").lower() in {"upload", "attach"},
        vendor_app=str(app) if app and app != "-" else None,
    )


def _parse_fields(fields: Mapping[str, str]) -> LogRecord:
    """One CSV row, by column name: the same record the JSON reading makes."""
    url = str(_get(fields, "url") or "")
    url_host, path = split_url(url) if url else ("", "")
    host = str(_get(fields, "host") or url_host).strip()
    if not valid_host(host):
        raise MalformedLine(f"no readable host ({(host or url)[:40]!r})")
    if not path:
        path = str(_get(fields, "path") or "").split("?", 1)[0]
    identity, kind = pick_identity(
        (_get(fields, "user"), "user"), (_get(fields, "device"), "device"), (_get(fields, "client"), "address")
    )
    app = _get(fields, "app")
    return LogRecord(
        host=host, identity=identity, identity_kind=kind, time=_time(fields),
        method=str(_get(fields, "method") or "") or None, path=path,
        bytes_up=to_int(_get(fields, "up")), bytes_down=to_int(_get(fields, "down")),
        blocked=str(_get(fields, "action") or "").lower() in {"block", "blocked"},
        upload=str(_get(fields, "activity") or "").lower() in {"upload", "attach"},
        vendor_app=str(app) if app else None,
    )


def _time(fields: Mapping[str, str]) -> datetime | None:
    """Transactions split the time into `date` and `time` columns; exports write one timestamp,
    in the console's locale when it is not ISO."""
    date, clock = fields.get("date"), fields.get("time")
    if date and clock and ":" in clock and ":" not in date:
        return parse_time(f"{date} {clock}")
    value = _get(fields, "time")
    if value is None:
        return None
    parsed = parse_time(value)
    if parsed is None:
        for layout in _US_TIMES:
            try:
                return datetime.strptime(str(value).strip(), layout).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
    return parsed


def _get(fields: Mapping[str, Any], attribute: str) -> Any:
    return first_field(fields, *_ALIASES[attribute])


def _is_netskope_header(columns: set[str]) -> bool:
    """A Netskope CSV header: a host column together with columns no other vendor writes."""
    if columns & {"cs-host", "x-cs-url"} and columns & _W3C_MARKERS:
        return True
    return bool(
        columns & {"application", "app"} and columns & {"url", "page", "domain", "dsthost"}
        and columns & {*_ALIASES["user"], *_ALIASES["client"]} and columns & _EVENT_MARKERS
    )


def _content(head: Sequence[str]) -> list[str]:
    return [line for line in head if line.strip()]


def _header(head: Sequence[str]) -> list[str] | None:
    """The first line as lower-case column names, when it is a CSV header (not JSON, no blanks)."""
    columns = csv_header(_content(head))
    return columns if columns and all(columns) else None


def _first_field(values: Sequence[str]) -> bytes:
    """The most specific pattern the sampled rows' first fields all fit; any one CSV field otherwise."""
    if values:
        for check, field in _FIRST_FIELDS:
            if all(check.fullmatch(value) for value in values):
                return field
    return CSV_FIELD


