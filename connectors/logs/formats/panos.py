"""Palo Alto Networks PAN-OS THREAT/url logs (syslog CSV)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, parse_time, split_url, valid_host
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_PANOS = re.compile(r"(?:^|\s)1,\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2},[^,]*,(?:THREAT|TRAFFIC),")
# Field positions after the leading "1," (FUTURE_USE) of the PAN-OS THREAT log
_TIME, _TYPE, _SUBTYPE, _SRC, _USER, _ACTION, _URL = 6, 3, 4, 7, 12, 30, 31


class PanOSFormat(LogFormat):
    name = "panos"
    title = "Palo Alto PAN-OS URL filtering (THREAT/url CSV)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        lines = head[:10]
        return bool(lines) and sum(1 for line in lines if _PANOS.search(line)) * 2 > len(lines)

    def parse(self, line: str) -> LogRecord | None:
        match = _PANOS.search(line)
        if not match:
            raise MalformedLine("not a PAN-OS CSV record")
        try:
            row = next(csv.reader([line[match.start():].strip()]))
        except (csv.Error, StopIteration):
            raise MalformedLine("unreadable CSV") from None
        if len(row) <= _URL:
            raise MalformedLine(f"{len(row)} fields, too few for a THREAT record")
        if row[_TYPE] != "THREAT" or row[_SUBTYPE] != "url":
            return None
        host, path = split_url(row[_URL])
        if not valid_host(host):
            raise MalformedLine("no URL")
        identity, kind = pick_identity((row[_USER].split("\\")[-1] if row[_USER] else None, "user"),
                                       (row[_SRC], "address"))
        return LogRecord(host=host, identity=identity, identity_kind=kind,
                         time=parse_time(row[_TIME].replace("/", "-")), path=path,
                         blocked=row[_ACTION] in ("block-url", "block-continue", "drop", "reset-both"))
