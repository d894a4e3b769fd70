"""Cisco Umbrella DNS and proxy logs (S3 export CSV: every field quoted, column counts vary by
export version, so fields are found by position from the start and shape, not by a fixed count)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, csv_row, csv_shape, parse_time, split_url, to_int, valid_host
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_STAMP = re.compile(r'^"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",')
# every row: the quoted timestamp, then at least 11 more fields, to the end of the line
_SHAPE = csv_shape(12, at_least=True, first=rb'"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"')


class UmbrellaFormat(LogFormat):
    name = "umbrella"
    title = "Cisco Umbrella DNS and proxy (CSV)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        lines = head[:10]
        fits = sum(1 for line in lines if _STAMP.match(line) and len(_row(line)) in range(12, 40))
        return bool(lines) and fits * 2 > len(lines)

    @property
    def line_shape(self) -> bytes:
        return _SHAPE

    def parse(self, line: str) -> LogRecord | None:
        row = _row(line)
        if len(row) < 12 or not _STAMP.match(line):
            raise MalformedLine(f"{len(row)} fields, not an Umbrella row")
        when = parse_time(row[0])
        if len(row) <= 16:  # DNS: time, identity, identities, internal IP, external IP, action, type, rcode, domain, ...
            host = row[8].rstrip(".")
            if not valid_host(host):
                raise MalformedLine("no domain")
            identity, kind = pick_identity((row[1], "user"), (row[3], "address"))
            return LogRecord(host=host, identity=identity, identity_kind=kind, time=when,
                             blocked=row[5].lower() == "blocked")
        # proxy: time, identity, internal IP, external IP, dest IP, content type, verdict, URL, referer, UA, status,
        # request size, response size, body size, sha, categories, ..., identity types, ..., method (col 25) ...
        host, path = split_url(row[7])
        if not valid_host(host):
            raise MalformedLine("no URL")
        identity, kind = pick_identity((row[1], "user"), (row[2], "address"))
        method = row[25] if len(row) > 25 and row[25].isalpha() else None
        return LogRecord(host=host, identity=identity, identity_kind=kind, time=when, method=method, path=path,
                         bytes_up=to_int(row[11]), bytes_down=to_int(row[12]),
                         blocked=row[6].upper() == "BLOCKED")


def _row(line: str) -> list[str]:
    return [c.strip() for c in csv_row(line, skip_initial_space=True)]
