"""OpenAI organisation audit log (`organization.audit_log` objects): who in the org used the
platform (logins, API key and project changes)."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.logs.formats.base import LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class OpenAIAuditFormat(LogFormat):
    name = "openai-audit"
    title = "OpenAI organisation audit log (JSON)"
    host_based = False
    every_line = True

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any(o.get("object") == "organization.audit_log" for o in json_head(head)[:5])

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        if obj.get("object") != "organization.audit_log":
            raise MalformedLine("not an organization.audit_log object")
        actor = obj.get("actor") if isinstance(obj.get("actor"), dict) else {}
        session = actor.get("session") if isinstance(actor.get("session"), dict) else {}
        user = session.get("user") if isinstance(session.get("user"), dict) else {}
        api_key = actor.get("api_key") if isinstance(actor.get("api_key"), dict) else {}
        key_user = api_key.get("user") if isinstance(api_key.get("user"), dict) else {}
        identity, kind = pick_identity((user.get("email"), "user"), (key_user.get("email"), "user"),
                                       (api_key.get("id"), "principal"), (session.get("ip_address"), "address"))
        return LogRecord(identity=identity, identity_kind=kind, time=parse_time(obj.get("effective_at")),
                         service_id="openai-api", signal=f"openai-audit:{obj.get('type')}")
