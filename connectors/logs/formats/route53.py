"""AWS Route 53 Resolver query logs (JSON; query names end with a dot)."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import JSON_LINE_SHAPE, LogFormat, json_head, load_json_object, parse_time, valid_host
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class Route53ResolverFormat(LogFormat):
    name = "route53"
    title = "AWS Route 53 Resolver query logs (JSON)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any("query_name" in obj and "srcaddr" in obj for obj in json_head(head)[:5])

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        host = str(obj.get("query_name") or "").rstrip(".")
        if not valid_host(host):
            raise MalformedLine("no query_name")
        ids = obj.get("srcids") if isinstance(obj.get("srcids"), dict) else {}
        identity, kind = pick_identity((ids.get("instance"), "device"), (obj.get("srcaddr"), "address"))
        return LogRecord(host=host, identity=identity, identity_kind=kind, time=parse_time(obj.get("query_timestamp")),
                         blocked=str(obj.get("firewall_rule_action") or "").upper() == "BLOCK")
