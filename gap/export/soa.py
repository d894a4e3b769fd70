"""Statement of Applicability exports: CSV, Markdown, JSON, XLSX, DOCX and OSCAL. Pure: return bytes."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timezone

from discovery.export import styled_workbook, workbook_bytes
from discovery.safe_text import markdown_inline, spreadsheet_row, xml_text
from gap.models import ImplementationStatus, SoAEntry

COLUMNS = (
    "control", "title", "applicable", "inclusion_basis", "exclusion_justification", "implementation_status",
    "justification", "evidence", "owner", "review_state", "reviewer", "reviewed_at",
)
HEADERS = (
    "Control", "Title", "Applicable", "Inclusion basis", "Exclusion justification", "Implementation status",
    "Justification", "Evidence", "Owner", "Review state", "Reviewer", "Reviewed at",
)


def _values(entry: SoAEntry) -> list[str]:
    return [
        entry.control,
        entry.title,
        "yes" if entry.applicable else "no",
        ", ".join(b.value for b in entry.inclusion_basis),
        entry.exclusion_justification or "",
        entry.implementation_status.value,
        entry.justification,
        "; ".join(entry.evidence),
        entry.owner or "",
        entry.review.state.value,
        entry.review.reviewer or "",
        entry.review.at.isoformat() if entry.review.at else "",
    ]


def soa_csv(entries: list[SoAEntry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(spreadsheet_row(_values(e)) for e in entries)
    return buffer.getvalue().encode("utf-8")


def _md_cell(text: str) -> str:
    return markdown_inline(text)


def soa_markdown(entries: list[SoAEntry], organisation: str = "") -> bytes:
    lines = [f"# Statement of Applicability{' — ' + markdown_inline(organisation) if organisation else ''}", "",
             "ISO/IEC 42001:2023 Annex A. Draft for human review: see the review state of each row.", "",
             "| " + " | ".join(HEADERS[:9] + ("Review",)) + " |", "|" + "---|" * 10]
    for entry in entries:
        values = _values(entry)
        lines.append("| " + " | ".join(_md_cell(v) for v in values[:9] + [values[9]]) + " |")
    return ("\n".join(lines) + "\n").encode("utf-8")


def soa_json(entries: list[SoAEntry]) -> bytes:
    return json.dumps({"schema": "aims.soa/1", "controls": [e.model_dump(mode="json") for e in entries]},
                      indent=2).encode("utf-8")


def soa_xlsx(entries: list[SoAEntry]) -> bytes:
    book, _ = styled_workbook("Statement of Applicability", HEADERS, (_values(e) for e in entries),
                              widths=(9, 40, 11, 18, 30, 22, 70, 50, 20, 12, 16, 22), freeze="C2", wrap=True)
    return workbook_bytes(book)


def soa_docx(entries: list[SoAEntry], organisation: str = "") -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.add_heading(xml_text(f"Statement of Applicability{' — ' + organisation if organisation else ''}"), level=1)
    document.add_paragraph("ISO/IEC 42001:2023 Annex A controls. Drafted by aims for human review; the review "
                           "state of each control shows whether a reviewer has signed it off.")
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, ("Control", "Applicable", "Status", "Justification", "Evidence", "Review")):
        cell.text = header
    for entry in entries:
        values = [xml_text(v) for v in _values(entry)]  # DOCX is XML: no control characters
        cells = table.add_row().cells
        cells[0].text = f"{values[0]} {values[1]}"
        cells[1].text = values[2] + (f" ({values[3]})" if entry.applicable else f": {values[4]}")
        cells[2].text = values[5]
        cells[3].text = values[6]
        cells[4].text = values[7]
        cells[5].text = values[9] + (f" by {values[10]}" if values[10] else "")
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_OSCAL_STATUS = {
    ImplementationStatus.IMPLEMENTED: "implemented",
    ImplementationStatus.PARTIALLY_IMPLEMENTED: "partial",
    ImplementationStatus.NOT_IMPLEMENTED: "planned",
    ImplementationStatus.NOT_APPLICABLE: "not-applicable",
}


def soa_oscal(entries: list[SoAEntry], organisation: str = "", version: str = "0.1.0") -> bytes:
    """An OSCAL 1.1 component-definition whose control implementation is the SoA."""
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    requirements = []
    for entry in entries:
        props = [
            {"name": "implementation-status", "value": _OSCAL_STATUS[entry.implementation_status]},
            {"name": "applicable", "ns": "https://aims.dev/ns/oscal", "value": "yes" if entry.applicable else "no"},
            {"name": "review-state", "ns": "https://aims.dev/ns/oscal", "value": entry.review.state.value},
        ]
        props += [{"name": "inclusion-basis", "ns": "https://aims.dev/ns/oscal", "value": b.value}
                  for b in entry.inclusion_basis]
        requirements.append({
            "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aims:soa:{entry.control}")),
            "control-id": entry.control.lower(),
            "description": entry.justification if entry.applicable else (entry.exclusion_justification or ""),
            "props": props,
            "remarks": "; ".join(entry.evidence),
        })
    document = {
        "component-definition": {
            "uuid": str(uuid.uuid4()),
            "metadata": {"title": f"Statement of Applicability{' — ' + organisation if organisation else ''}",
                         "last-modified": now, "version": version, "oscal-version": "1.1.2"},
            "components": [{
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"aims:aims:{organisation}")),
                "type": "this-system",
                "title": organisation or "AI management system",
                "description": "The organisation's AI management system (ISO/IEC 42001:2023).",
                "control-implementations": [{
                    "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, "aims:iso42001-annex-a")),
                    "source": "ISO/IEC 42001:2023 Annex A",
                    "description": "Annex A controls and their applicability.",
                    "implemented-requirements": requirements,
                }],
            }],
        }
    }
    return json.dumps(document, indent=2).encode("utf-8")


EXPORTERS = {"csv": soa_csv, "md": soa_markdown, "json": soa_json, "xlsx": soa_xlsx, "docx": soa_docx, "oscal": soa_oscal}
