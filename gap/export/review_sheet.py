"""A review workbook: reviewers fill in decisions offline, `aims review import` applies them."""

from __future__ import annotations

import io
from dataclasses import dataclass

from discovery.export import styled_workbook, workbook_bytes
from gap.models import Finding, FindingStatus
from rag.loaders.limits import DEFAULT_DOCUMENT_LIMITS, DocumentLimits, zip_problem

SHEET = "Review"
HEADERS = ("Requirement", "Title", "Drafted status", "Drafted rationale", "Citations", "Technical evidence",
           "Drafted by", "Review state", "Reviewer", "Decision (accept/edit/reject)", "New status",
           "New rationale", "Note")
DECISIONS = ("accept", "edit", "reject")


class ReviewSheetError(ValueError):
    pass


@dataclass(frozen=True)
class SheetDecision:
    row: int
    requirement: str
    decision: str
    reviewer: str | None
    status: FindingStatus | None
    rationale: str | None
    note: str | None


def _sheet_row(f: Finding) -> list[str]:
    citations = "\n".join(f"{c.document} {c.section or ''}{' p.' + str(c.page) if c.page else ''}: \"{c.quote}\""
                          for c in f.citations)
    evidence = "\n".join(f"{e.id}: {e.summary}" for e in f.technical_evidence)
    return [f.requirement, f.title, f.status.value, f.rationale, citations, evidence,
            f.drafted_by.label(), f.review.state.value, f.review.reviewer or "", "", "", "", ""]


def review_workbook(findings: list[Finding]) -> bytes:
    from openpyxl.worksheet.datavalidation import DataValidation

    book, sheet = styled_workbook(SHEET, HEADERS, (_sheet_row(f) for f in findings),
                                  widths=(10, 36, 14, 70, 60, 40, 26, 12, 16, 16, 16, 50, 30), freeze="C2", wrap=True)
    # Drop-downs keep reviewers to the decisions and statuses `read_decisions` accepts.
    decisions = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"', allow_blank=True)
    statuses = DataValidation(type="list", formula1='"' + ",".join(s.value for s in FindingStatus) + '"',
                              allow_blank=True)
    sheet.add_data_validation(decisions)
    sheet.add_data_validation(statuses)
    last = max(2, len(findings) + 1)
    decisions.add(f"J2:J{last}")
    statuses.add(f"K2:K{last}")
    return workbook_bytes(book)


def read_decisions(data: bytes, source: str, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) -> list[SheetDecision]:
    """Rows with a decision; every malformed row is reported at once, naming the row."""
    from openpyxl import load_workbook

    problem = zip_problem(data, limits)  # before openpyxl inflates sharedStrings into memory
    if problem:
        raise ReviewSheetError(f"{source}: refused: {problem}")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ReviewSheetError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
    if SHEET not in book.sheetnames:
        raise ReviewSheetError(f"{source}: no sheet named {SHEET!r}; export one with `aims review export`")
    rows = book[SHEET].iter_rows(values_only=True)
    header = tuple(str(h or "") for h in next(rows, ()))
    if header[: len(HEADERS)] != HEADERS:
        raise ReviewSheetError(f"{source}: the header row was changed; expected {', '.join(HEADERS)}")
    decisions, problems = [], []
    for number, row in enumerate(rows, start=2):
        cells = ["" if v is None else str(v).strip() for v in row] + [""] * len(HEADERS)
        requirement, decision = cells[0], cells[9].lower()
        if not decision:
            continue
        if decision not in DECISIONS:
            problems.append(f"row {number}: decision {decision!r} is not one of {', '.join(DECISIONS)}")
            continue
        status = None
        if cells[10]:
            try:
                status = FindingStatus(cells[10])
            except ValueError:
                problems.append(f"row {number}: status {cells[10]!r} is not a finding status")
                continue
        decisions.append(SheetDecision(number, requirement, decision, cells[8] or None, status,
                                       cells[11] or None, cells[12] or None))
    if problems:
        raise ReviewSheetError(f"{source}: " + "; ".join(problems))
    return decisions
