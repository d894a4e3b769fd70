"""Palo Alto Networks PAN-OS syslog CSV: THREAT/url records (the URL) and TRAFFIC records (the App-ID).

TRAFFIC logs carry no host, only the App-ID (`openai-chatgpt`, `claude-upload`), so they are
matched by app label; a child App-ID ending in `-upload` marks an upload. Other record types
(SYSTEM, CONFIG, GLOBALPROTECT, ...) are well-formed but say nothing about AI use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, csv_row, csv_shape, parse_time, split_url, to_int, valid_host
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_STAMP = rb"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"
_PANOS = re.compile(r"(?:^|\s)1,\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2},[^,]*,[A-Z][A-Z-]*,")
# An optional syslog header, then `1,receive time,serial,TYPE` and at least 30 more fields to the end.
_SHAPE = rb"(?:[^,\n]*\s)?" + csv_shape(31, at_least=True, first=b"1," + _STAMP + rb",[^,\n]*,[A-Z][A-Z-]*")
# Field positions after the leading "1," (FUTURE_USE), shared by the THREAT and TRAFFIC layouts
_TIME, _TYPE, _SUBTYPE, _SRC, _USER, _APP, _ACTION = 6, 3, 4, 7, 12, 14, 30
_URL = 31  # THREAT: the URL ("misc") field
_BYTES_SENT, _BYTES_RECEIVED = 32, 33  # TRAFFIC
_BLOCKING = frozenset({"block-url", "block-continue", "drop", "reset-both", "reset-client", "reset-server", "deny"})
_AI_TYPES = frozenset({"THREAT", "TRAFFIC"})


class PanOSFormat(LogFormat):
    name = "panos"
    title = "Palo Alto PAN-OS URL filtering and traffic (THREAT/url, TRAFFIC CSV)"
    app_based = True

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        lines = head[:10]
        return bool(lines) and sum(1 for line in lines if _PANOS.search(line)) * 2 > len(lines)

    @property
    def line_shape(self) -> bytes:
        return _SHAPE

    def parse(self, line: str) -> LogRecord | None:
        match = _PANOS.search(line)
        if not match:
            raise MalformedLine("not a PAN-OS CSV record")
        row = csv_row(line[match.start():].strip())
        if not row:
            raise MalformedLine("unreadable CSV")
        record_type = row[_TYPE] if len(row) > _TYPE else ""
        if record_type not in _AI_TYPES:
            return None
        if len(row) <= _BYTES_RECEIVED:
            raise MalformedLine(f"{len(row)} fields, too few for a {record_type} record")
        user = row[_USER].split("\\")[-1] if row[_USER] else None
        identity, kind = pick_identity((user, "user"), (row[_SRC], "address"))
        when = parse_time(row[_TIME].replace("/", "-"))
        blocked = row[_ACTION] in _BLOCKING
        if record_type == "TRAFFIC":
            app = row[_APP]
            if not app:
                raise MalformedLine("TRAFFIC record without an application")
            return LogRecord(identity=identity, identity_kind=kind, time=when, blocked=blocked,
                             service_id=f"app:{app}", vendor_app=app,
                             bytes_up=to_int(row[_BYTES_SENT]), bytes_down=to_int(row[_BYTES_RECEIVED]),
                             upload=app.endswith(("-upload", "-uploading")))
        if row[_SUBTYPE] != "url":
            return None
        host, path = split_url(row[_URL])
        if not valid_host(host):
            raise MalformedLine("no URL")
        return LogRecord(host=host, identity=identity, identity_kind=kind, time=when, path=path, blocked=blocked,
                         vendor_app=row[_APP] or None)
