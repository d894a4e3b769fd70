"""Microsoft 365 unified audit log: CopilotInteraction (RecordType 261) and AIInteraction records,
as raw AuditData JSON lines or wrapped by a collector (`o365audit`, `AuditData`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, pick_identity

_AI_OPERATIONS = ("copilotinteraction", "aiinteraction", "aiappinteraction", "connectedaiappinteraction")


class M365AuditFormat(LogFormat):
    name = "m365"
    title = "Microsoft 365 audit: CopilotInteraction / AIInteraction (JSON)"
    host_based = False
    keywords = ("CopilotInteraction", "AIInteraction", "AIAppInteraction")

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any("Operation" in rec and "RecordType" in rec for rec in (_audit(o) for o in json_head(head)[:5]))

    def parse(self, line: str) -> LogRecord | None:
        record = _audit(load_json_object(line))
        operation = str(record.get("Operation") or "")
        if not operation.lower().startswith(_AI_OPERATIONS):
            return None  # another audit record that merely mentions Copilot
        data = record.get("CopilotEventData") if isinstance(record.get("CopilotEventData"), dict) else {}
        host_app = str(data.get("AppHost") or record.get("Workload") or "")
        identity, kind = pick_identity((record.get("UserId"), "user"), (record.get("ClientIP"), "address"))
        models = [m.get("ModelName") for m in data.get("ModelTransparencyDetails") or [] if isinstance(m, dict)]
        return LogRecord(
            identity=identity, identity_kind=kind, time=parse_time(record.get("CreationTime")),
            service_id="m365-copilot", signal=f"m365:{operation}", model=next((m for m in models if m), None),
            vendor_app=host_app or None,
        )


def _audit(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in ("o365audit", "AuditData"):
        inner = obj.get(key)
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                continue
        if isinstance(inner, dict):
            return inner
    return obj
