"""Inventory exports: CSV, CycloneDX 1.6 (an AI bill of materials) and XLSX. Pure: return bytes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from discovery.models import AISystem, Category
from discovery.safe_text import spreadsheet_row

CSV_COLUMNS = (
    "id", "name", "status", "status_reason", "risk_tier", "risk_reason", "providers", "models", "categories",
    "sources", "identities", "owner", "confidence", "first_seen", "last_seen", "observation_count", "targets",
    # the system register (issue 11): added at the end so existing readers keep their columns
    "scopes", "frameworks", "register_entry", "purpose", "data_categories", "suggested_owner", "risk_rules",
    "flags", "assessment_status",
)


def _row(system: AISystem) -> list[str]:
    data = system.model_dump(mode="json")
    row = []
    for column in CSV_COLUMNS:
        value = data.get(column)
        row.append("; ".join(map(str, value)) if isinstance(value, list) else "" if value is None else str(value))
    return row


def inventory_csv(systems: list[AISystem]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for system in systems:
        writer.writerow(spreadsheet_row(_row(system)))
    return buffer.getvalue().encode("utf-8")


def styled_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]], *,
                    widths: Sequence[int] = (), freeze: str = "A2", wrap: bool = False):  # type: ignore[no-untyped-def]
    """One sheet the way auditors expect it: bold header, filters, frozen panes, optional wrapping.

    Returns (workbook, sheet) so callers can add validations before `workbook_bytes`.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(spreadsheet_row(list(row)))  # every XLSX aims writes: no live formula, valid XML
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    if wrap:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = sheet.dimensions
    return book, sheet


def workbook_bytes(book) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def inventory_xlsx(systems: list[AISystem]) -> bytes:
    book, _ = styled_workbook("AI inventory", CSV_COLUMNS, (_row(s) for s in systems))
    return workbook_bytes(book)


_MODEL_CATEGORIES = {Category.LOCAL_MODEL, Category.MODEL_FILE}


def inventory_cyclonedx(systems: list[AISystem], tool_version: str = "0.1.0") -> bytes:
    """CycloneDX 1.6 JSON: external AI services as `services`, models as ML-model components."""
    components: list[dict[str, object]] = []
    services: list[dict[str, object]] = []
    seen_models: set[str] = set()
    for system in systems:
        properties = [
            {"name": "aims:status", "value": system.status.value},
            {"name": "aims:risk_tier", "value": str(system.risk_tier)},
            {"name": "aims:providers", "value": ",".join(system.providers)},
            {"name": "aims:categories", "value": ",".join(c.value for c in system.categories)},
            {"name": "aims:confidence", "value": system.confidence.value},
        ]
        if system.owner:
            properties.append({"name": "aims:owner", "value": system.owner})
        for name, values in (("aims:scopes", system.scopes), ("aims:frameworks", system.frameworks),
                             ("aims:models", system.models), ("aims:risk_rules", system.risk_rules),
                             ("aims:links", sorted({link.kind for link in system.links}))):
            if values:
                properties.append({"name": name, "value": ",".join(values)})
        for name, value in (("aims:register_entry", system.register_entry), ("aims:purpose", system.purpose)):
            if value:
                properties.append({"name": name, "value": value})
        categories = list(dict.fromkeys([*system.data_categories, *system.evidence_data_categories]))
        if any(c in _MODEL_CATEGORIES for c in system.categories) and not any(
                c not in _MODEL_CATEGORIES for c in system.categories):
            components.append({"type": "machine-learning-model", "bom-ref": system.id, "name": system.name,
                               "properties": properties})
        else:
            # A system is a service: who provides it, the data it handles (CycloneDX `data`
            # classifications) and, through `dependencies`, the models it uses.
            service: dict[str, object] = {"bom-ref": system.id, "name": system.name,
                                          "group": ",".join(system.providers), "properties": properties}
            if system.purpose:
                service["description"] = system.purpose
            if categories:
                service["data"] = [{"flow": "bi-directional", "classification": c} for c in categories]
            services.append(service)
        for model in system.models:
            ref = f"model:{model}"
            if ref not in seen_models:
                seen_models.add(ref)
                components.append({"type": "machine-learning-model", "bom-ref": ref, "name": model})
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
            "tools": {"components": [{"type": "application", "name": "aims", "version": tool_version}]},
        },
        "components": components,
        "services": services,
        "dependencies": [
            {"ref": s.id, "dependsOn": sorted({f"model:{m}" for m in s.models})} for s in systems if s.models
        ],
    }
    return json.dumps(bom, indent=2).encode("utf-8")
