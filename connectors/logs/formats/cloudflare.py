"""Cloudflare Gateway HTTP and DNS logs (Logpush JSON). `Datetime` arrives as RFC 3339, epoch
seconds or epoch nanoseconds, depending on the job's timestamp option."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import (
    JSON_LINE_SHAPE, LogFormat, json_head, load_json_object, parse_time, split_url, to_int, valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class CloudflareGatewayFormat(LogFormat):
    name = "cloudflare"
    title = "Cloudflare Gateway HTTP/DNS (Logpush JSON)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any(
            "Datetime" in obj and ("HTTPHost" in obj or "QueryName" in obj) for obj in json_head(head)[:5]
        )

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        if "QueryName" in obj:  # Gateway DNS
            host, path, method = str(obj.get("QueryName") or ""), "", None
        else:  # Gateway HTTP
            host, path = split_url(str(obj.get("URL") or ""))
            host = str(obj.get("HTTPHost") or host)
            method = obj.get("HTTPMethod")
        host = host.rstrip(".")
        if not valid_host(host):
            raise MalformedLine("no host")
        identity, kind = pick_identity(
            (obj.get("Email"), "user"), (obj.get("DeviceName"), "device"),
            (obj.get("SourceInternalIP") or obj.get("SrcIP") or obj.get("SourceIP"), "address"),
        )
        action = str(obj.get("Action") or obj.get("ResolverDecision") or "").lower()
        return LogRecord(
            host=host, identity=identity, identity_kind=kind, time=parse_time(obj.get("Datetime")),
            method=str(method) if method else None, path=path,
            bytes_up=to_int(obj.get("RequestSize")), bytes_down=to_int(obj.get("ResponseSize")),
            blocked=action.startswith("block"), upload=bool(obj.get("UploadedFileNames")),
        )
