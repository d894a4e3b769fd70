"""Microsoft 365 unified audit log: CopilotInteraction (RecordType 261) and AIInteraction records,
as raw AuditData JSON lines, wrapped by a collector (`o365audit`, `AuditData`), or as the CSV that
Purview's audit search exports (and `Search-UnifiedAuditLog | Export-Csv`), one record a row with
the AuditData JSON in one quoted field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import (
    CSV_FIELD, JSON_LINE_SHAPE, LogFormat, column_name, csv_header, csv_row, csv_shape, first_field,
    json_head, load_json_object, parse_time,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_AI_OPERATIONS = ("copilotinteraction", "aiinteraction", "aiappinteraction", "connectedaiappinteraction")

# The row's own columns stand in for AuditData keys it lacks (lower case: headers vary in case).
# The portal writes Operation/UserId, the older export and PowerShell write Operations/UserIds.
_ROW_FALLBACKS: dict[str, tuple[str, ...]] = {
    "Operation": ("operation", "operations"),
    "UserId": ("userid", "userids"),
    "CreationTime": ("creationdate",),
}
# PowerShell's Export-Csv, without -NoTypeInformation, writes this line above the header.
_TYPE_LINE = "#TYPE"

# Line shapes (see LogFormat.line_shape). JSON: one object on the line. CSV: the header's number
# of fields, the first one as specific as the head's rows allow (the portal's RecordId or
# PowerShell's RunspaceId, both GUIDs; or the older export's CreationDate); any field otherwise.
_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
_DATE = r"\d[\d :/.TZAPM+-]{0,39}"  # ISO, or the exporting machine's locale ("6/10/2024 9:00:00 PM")
_FIRST_COLUMNS: dict[str, str] = {"recordid": _GUID, "runspaceid": _GUID, "creationdate": _DATE}


class M365AuditFormat(LogFormat):
    name = "m365"
    title = "Microsoft 365 audit: CopilotInteraction / AIInteraction (JSON, Purview CSV export)"
    host_based = False
    keywords = ("CopilotInteraction", "AIInteraction", "AIAppInteraction")

    def __init__(self) -> None:
        self._columns: list[str] | None = None  # CSV: the header, lower case; None for JSON lines
        self._shape = JSON_LINE_SHAPE

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        if any("Operation" in rec and "RecordType" in rec for rec in (_audit(o) for o in json_head(head)[:5])):
            return True
        header = _header(head)
        return header is not None and _is_export_header(header)

    def begin(self, head: Sequence[str]) -> None:
        header = _header(head)
        if header is None or not _is_export_header(header):
            return  # JSON lines (or not this format at all: its lines will be malformed)
        self._columns = header
        rows = [csv_row(line) for line in _content(head)]
        firsts = [row[0].strip() for row in rows if len(row) == len(header) and not self._is_header(row)]
        self._shape = csv_shape(len(header), first=_first_field(header[0], firsts))

    @property
    def line_shape(self) -> bytes:
        return self._shape

    def parse(self, line: str) -> LogRecord | None:
        if self._columns is None:
            return _record(_audit(load_json_object(line)))
        if line.startswith(_TYPE_LINE):
            return None
        row = csv_row(line)
        if self._is_header(row):
            return None  # exports concatenated together repeat their header
        if len(row) != len(self._columns):
            raise MalformedLine(f"{len(row)} columns, the header has {len(self._columns)}")
        return _record(_audit_data(dict(zip(self._columns, row, strict=True))))

    def _is_header(self, row: Sequence[str]) -> bool:
        columns = self._columns
        if not columns or not row or column_name(row[0]) != columns[0]:
            return False
        return [column_name(cell) for cell in row] == columns


def _record(record: Mapping[str, Any]) -> LogRecord | None:
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


def _audit_data(fields: Mapping[str, str]) -> dict[str, Any]:
    """The row's AuditData record, completed from the row's columns where it is silent."""
    try:
        record = json.loads(fields.get("auditdata") or "")
    except ValueError as exc:
        raise MalformedLine(f"AuditData is not JSON: {exc.args[0] if exc.args else exc}") from None
    if not isinstance(record, dict):
        raise MalformedLine("AuditData is not a JSON object")
    for key, columns in _ROW_FALLBACKS.items():
        if not record.get(key):
            value = first_field(fields, *columns)
            if value is not None:
                record[key] = value.strip()
    return record


def _is_export_header(columns: Sequence[str]) -> bool:
    names = set(columns)
    return "auditdata" in names and "creationdate" in names and bool(names & {"operation", "operations"})


def _content(head: Sequence[str]) -> list[str]:
    return [line for line in head if line.strip() and not line.startswith(_TYPE_LINE)]


def _header(head: Sequence[str]) -> list[str] | None:
    return csv_header(_content(head))


def _first_field(column: str, values: Sequence[str]) -> bytes:
    """The pattern of the first column when the head's rows all fit it; any one CSV field otherwise."""
    pattern = _FIRST_COLUMNS.get(column)
    if pattern is None or not values or not all(re.fullmatch(pattern, value) for value in values):
        return CSV_FIELD
    return rb'"?' + pattern.encode("ascii") + rb'"?'


