"""Inventory exports: CSV, CycloneDX 1.6 (an AI bill of materials) and XLSX. Pure: return bytes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone

from discovery.models import AISystem, Category

CSV_COLUMNS = (
    "id", "name", "status", "status_reason", "risk_tier", "risk_reason", "providers", "models", "categories",
    "sources", "identities", "owner", "confidence", "first_seen", "last_seen", "observation_count", "targets",
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
        writer.writerow(_row(system))
    return buffer.getvalue().encode("utf-8")


def inventory_xlsx(systems: list[AISystem]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "AI inventory"
    sheet.append(list(CSV_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for system in systems:
        sheet.append(_row(system))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
        if any(c in _MODEL_CATEGORIES for c in system.categories):
            components.append({"type": "machine-learning-model", "bom-ref": system.id, "name": system.name,
                               "properties": properties})
        else:
            services.append({"bom-ref": system.id, "name": system.name, "group": ",".join(system.providers),
                             "properties": properties})
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
            {"ref": s.id, "dependsOn": [f"model:{m}" for m in s.models]} for s in systems if s.models
        ],
    }
    return json.dumps(bom, indent=2).encode("utf-8")
