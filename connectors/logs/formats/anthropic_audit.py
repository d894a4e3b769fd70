"""Anthropic (Claude) organisation activity log: chats, projects, artifacts and API keys by member."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class AnthropicAuditFormat(LogFormat):
    name = "anthropic-audit"
    title = "Anthropic organisation activity log (JSON)"
    host_based = False
    every_line = True

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any(str(o.get("id", "")).startswith("activity_") and "organization_id" in o for o in json_head(head)[:5])

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        kind_of_event = str(obj.get("type") or "")
        if not kind_of_event:
            raise MalformedLine("no activity type")
        actor = obj.get("actor") if isinstance(obj.get("actor"), dict) else {}
        identity, kind = pick_identity((actor.get("email_address"), "user"), (actor.get("api_key_id"), "principal"),
                                       (actor.get("ip_address"), "address"))
        service = "anthropic-api" if kind_of_event.startswith(("api_key", "workspace")) else "claude"
        return LogRecord(identity=identity, identity_kind=kind, time=parse_time(obj.get("created_at")),
                         service_id=service, signal=f"anthropic-audit:{kind_of_event}")
