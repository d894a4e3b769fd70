"""Zeek dns.log, ssl.log and http.log: TSV with a `#fields` header, or JSON lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import (
    JSON_LINE_SHAPE, LogFormat, csv_shape, json_head, load_json_object, parse_time, to_int, valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_HOST_FIELDS = ("query", "server_name", "host")


class ZeekFormat(LogFormat):
    name = "zeek"
    title = "Zeek dns/ssl/http (TSV or JSON)"

    def __init__(self) -> None:
        self._fields: list[str] | None = None

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        if any(line.startswith("#fields\t") for line in head[:10]):
            return True
        return any("id.orig_h" in obj and "uid" in obj for obj in json_head(head)[:5])

    def begin(self, head: Sequence[str]) -> None:
        for line in head[:10]:
            if line.startswith("#fields\t"):
                self._fields = line.split("\t")[1:]

    @property
    def line_shape(self) -> bytes:
        if self._fields is None:
            return JSON_LINE_SHAPE
        return csv_shape(len(self._fields), first=b"[^#\\t\\n][^\\t\\n]*", separator=b"\\t")

    def parse(self, line: str) -> LogRecord | None:
        if line.startswith("#"):
            return None
        record: Mapping[str, Any]
        if self._fields is not None:
            values = line.split("\t")
            if len(values) != len(self._fields):
                raise MalformedLine(f"{len(values)} columns where #fields has {len(self._fields)}")
            record = dict(zip(self._fields, values, strict=True))
        else:
            record = load_json_object(line)
        host = next((str(record[f]) for f in _HOST_FIELDS if record.get(f) not in (None, "", "-")), "").rstrip(".")
        if not valid_host(host):
            raise MalformedLine("no query, server_name or host")
        identity, kind = pick_identity((record.get("username"), "user"), (record.get("id.orig_h"), "address"))
        uri = str(record.get("uri") or "")
        return LogRecord(
            host=host, identity=identity, identity_kind=kind, time=parse_time(record.get("ts")),
            method=str(record.get("method")) if record.get("method") not in (None, "-") else None,
            path=uri.split("?", 1)[0] if uri not in ("", "-") else None,
            bytes_up=to_int(record.get("request_body_len")), bytes_down=to_int(record.get("response_body_len")),
        )
