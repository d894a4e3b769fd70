"""A review workbook: reviewers fill in decisions offline, `aims review import` applies them.

Each row carries the content hash of the draft it shows and the finding's trail position at
export, so an import can refuse a row whose draft changed or that someone decided since.
Reading is strict: a formula in any cell, a changed or unknown column, a bad value or two
rows for one requirement are refused with the row number. Every written cell is neutralised.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass

from discovery.export import styled_workbook, workbook_bytes
from discovery.safe_text import is_formula, spreadsheet_row, xml_text
from gap.export.meta import DocumentMeta
from gap.models import Finding, FindingStatus
from rag.loaders.limits import DEFAULT_DOCUMENT_LIMITS, DocumentLimits, zip_problem

SHEET = "Review"
HEADERS = ("Requirement", "Title", "Drafted status", "Drafted rationale", "Citations", "Technical evidence",
           "Drafted by", "Review state at export", "Decided by", "Decision (accept/edit/reject)", "New status",
           "New rationale", "Note", "Draft hash", "Trail position")
DECISIONS = ("accept", "edit", "reject")
_REQ, _DECISION, _STATUS, _RATIONALE, _NOTE, _HASH, _POSITION = 0, 9, 10, 11, 12, 13, 14


class ReviewSheetError(ValueError):
    pass


@dataclass(frozen=True)
class ExportRow:
    """A finding as exported: the draft a reviewer acts on and where the trail stood."""

    finding: Finding
    trail_position: int


@dataclass(frozen=True)
class SheetDecision:
    row: int
    requirement: str
    decision: str
    status: FindingStatus | None
    rationale: str | None
    note: str | None
    draft_hash: str | None
    trail_position: int | None
    row_key: str
    problem: str | None = None


def _state_label(f: Finding) -> str:
    label = f.review.state.value
    if f.review.state.is_human_decision and f.review.at:
        label += f" on {f.review.at.date().isoformat()}"
    if f.pending_draft:
        label += "; a newer draft is shown"
    return label


def _sheet_row(item: ExportRow) -> list[object]:
    f = item.finding
    shown = f.shown_draft()
    citations = "\n".join(f"{c.document} {c.section or ''}{' p.' + str(c.page) if c.page else ''}: \"{c.quote}\""
                          for c in shown.citations)
    evidence = "\n".join(f"{e.id}: {e.summary}" for e in shown.technical_evidence)
    return spreadsheet_row([f.requirement, f.title, shown.status.value, shown.rationale, citations, evidence,
                            shown.drafted_by.label(), _state_label(f), f.review.reviewer or "", "", "", "", "",
                            shown.content_hash(), item.trail_position])


def review_workbook(rows: Iterable[ExportRow], meta: DocumentMeta | None = None) -> bytes:
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = list(rows)
    meta = meta or DocumentMeta()
    book, sheet = styled_workbook(SHEET, HEADERS, (_sheet_row(r) for r in rows),
                                  widths=(10, 36, 14, 70, 60, 40, 26, 22, 16, 16, 16, 50, 30, 18, 10),
                                  freeze="C2", wrap=True)
    # Drop-downs keep reviewers to the decisions and statuses `read_decisions` accepts.
    decisions = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True)
    statuses = DataValidation(type="list", formula1='"' + ",".join(s.value for s in FindingStatus) + '"',
                              allow_blank=True)
    sheet.add_data_validation(decisions)
    sheet.add_data_validation(statuses)
    last = max(2, len(rows) + 1)
    decisions.add(f"J2:J{last}")
    statuses.add(f"K2:K{last}")
    properties = book.properties
    properties.title = xml_text(meta.title("Review workbook"))
    properties.subject = "ISO/IEC 42001:2023 gap analysis: decisions to import with `aims review import`"
    properties.creator = f"aims {meta.aims_version}".strip()
    properties.description = xml_text(meta.summary())
    properties.keywords = f"trail-head:{meta.trail_head}" if meta.trail_head else None
    properties.created = properties.modified = meta.generated_at.replace(tzinfo=None)
    return workbook_bytes(book)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _row_key(cells: list[str]) -> str:
    fields = [cells[_REQ].upper(), cells[_DECISION].lower(), cells[_STATUS], cells[_RATIONALE], cells[_NOTE],
              cells[_HASH].lower(), cells[_POSITION]]
    return hashlib.sha256(json.dumps(fields).encode("utf-8")).hexdigest()[:24]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_decisions(data: bytes, source: str, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) -> list[SheetDecision]:
    """Every row with a decision, each either clean or carrying the reason it is refused.

    A workbook that cannot be read, lacks the sheet, or has a changed or unknown column is
    refused whole (ReviewSheetError).
    """
    from openpyxl import load_workbook

    problem = zip_problem(data, limits)  # before openpyxl inflates sharedStrings into memory
    if problem:
        raise ReviewSheetError(f"{source}: refused: {problem}")
    try:
        # data_only=False: a formula comes back as its text, so it can be refused, not evaluated.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ReviewSheetError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
    if SHEET not in book.sheetnames:
        raise ReviewSheetError(f"{source}: no sheet named {SHEET!r}; export one with `aims review export`")
    rows = book[SHEET].iter_rows(values_only=True)
    header = [_text(h) for h in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    extra = [f"{_column_letter(i)} {name!r}" for i, name in enumerate(header) if i >= len(HEADERS) and name]
    if extra:
        raise ReviewSheetError(f"{source}: row 1: unknown column(s) {', '.join(extra)}; only the exported columns "
                               "are read")
    if tuple(header) != HEADERS:
        changed = [f"{_column_letter(i)} should be {want!r}" for i, want in enumerate(HEADERS)
                   if i >= len(header) or header[i] != want]
        raise ReviewSheetError(f"{source}: row 1: the header row was changed ({'; '.join(changed)})")
    found: list[SheetDecision] = []
    for number, row in enumerate(rows, start=2):
        values = list(row)
        formulas = [_column_letter(i) for i, v in enumerate(values) if is_formula(v)]
        cells = [_text(v) for v in values] + [""] * len(HEADERS)
        stray = [_column_letter(i) for i, v in enumerate(cells[len(HEADERS):len(values)], start=len(HEADERS)) if v]
        decision = cells[_DECISION].lower()
        if not decision and not formulas and not stray:
            continue
        problem = None
        if formulas:
            problem = f"formula in column(s) {', '.join(formulas)}; type plain values"
        elif stray:
            problem = f"a value in unknown column(s) {', '.join(stray)}"
        elif decision not in DECISIONS:
            problem = f"decision {cells[_DECISION]!r} is not one of {', '.join(DECISIONS)}"
        status = None
        if not problem and cells[_STATUS]:
            try:
                status = FindingStatus(cells[_STATUS].lower())
            except ValueError:
                problem = f"status {cells[_STATUS]!r} is not a finding status"
        if not problem and decision == "edit" and not (status or cells[_RATIONALE]):
            problem = "an edit needs a new status or a new rationale"
        position: int | None = None
        if cells[_POSITION]:
            try:
                position = int(cells[_POSITION])
            except ValueError:
                problem = problem or f"trail position {cells[_POSITION]!r} is not a number"
        found.append(SheetDecision(number, cells[_REQ], decision, status, cells[_RATIONALE] or None,
                                   cells[_NOTE] or None, cells[_HASH] or None, position, _row_key(cells), problem))
    return _refuse_duplicates(found)


def _refuse_duplicates(rows: list[SheetDecision]) -> list[SheetDecision]:
    from dataclasses import replace

    by_requirement: dict[str, list[int]] = {}
    for r in rows:
        by_requirement.setdefault("".join(r.requirement.split()).upper(), []).append(r.row)
    out = []
    for r in rows:
        numbers = by_requirement["".join(r.requirement.split()).upper()]
        if len(numbers) > 1 and not r.problem:
            others = ", ".join(str(n) for n in numbers if n != r.row)
            r = replace(r, problem=f"duplicate row for {r.requirement} (also row {others}); keep one")
        out.append(r)
    return out
