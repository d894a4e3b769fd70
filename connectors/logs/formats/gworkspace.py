"""Google Workspace Reports API activities: `token` (OAuth grants to third-party apps, matched to
AI apps by name) and `gemini_in_workspace_apps` (Gemini used inside Docs, Gmail ...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, MalformedLine, pick_identity


class GoogleWorkspaceFormat(LogFormat):
    name = "gworkspace"
    title = "Google Workspace Reports: token, gemini_in_workspace_apps (JSON)"
    host_based = False
    every_line = True  # OAuth grants name apps, not hosts: every event is matched by app name

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any(isinstance(o.get("id"), dict) and "applicationName" in o["id"] for o in json_head(head)[:5])

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        ident = obj.get("id")
        if not isinstance(ident, dict):
            raise MalformedLine("no id.applicationName")
        application = ident.get("applicationName")
        actor = obj.get("actor") if isinstance(obj.get("actor"), dict) else {}
        identity, kind = pick_identity((actor.get("email"), "user"), (obj.get("ipAddress"), "address"))
        events = obj.get("events")
        event = (events[0] if events else {}) if isinstance(events, list) else (events or {})
        params = _parameters(event)
        when = parse_time(ident.get("time"))
        if application == "gemini_in_workspace_apps":
            return LogRecord(identity=identity, identity_kind=kind, time=when, service_id="gemini-workspace",
                             signal=f"gworkspace:gemini:{params.get('action') or event.get('name')}",
                             vendor_app=str(params.get("app_name") or "") or None)
        if application == "token" and event.get("name") in ("authorize", "activity"):
            app_name = str(params.get("app_name") or "")
            # The connector resolves the app by name; an app it does not know stays unattributed.
            return LogRecord(identity=identity, identity_kind=kind, time=when, vendor_app=app_name or None,
                             signal=f"gworkspace:oauth-{event.get('name')}", service_id=f"name:{app_name}")
        return None


def _parameters(event: Mapping[str, Any]) -> dict[str, Any]:
    return {p.get("name"): p.get("value", p.get("multiValue")) for p in event.get("parameters") or []
            if isinstance(p, dict)}
