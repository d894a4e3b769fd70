"""The Excel round trip: stale rows, duplicates, formulas and unknown columns are refused with the
row number; the import is all or nothing, idempotent, and credited to --reviewer only."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from gap.export.review_sheet import HEADERS
from gap.models import FindingStatus, ReviewState

from tests.cli.review_helpers import aims, draft, init, workspace_with

DECISION, STATUS, RATIONALE, NOTE, DECIDED_BY = 10, 11, 12, 13, 9


@pytest.fixture
def ws(workspace_dir):
    init(workspace_dir)
    workspace_with(workspace_dir, [draft("5.2"), draft("A.2.2"), draft("A.2.3"), draft("6.1.2")])
    return workspace_dir


def export(ws, path):
    result = aims(ws, "review", "export", str(path))
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    sheet = book["Review"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    return book, sheet, rows


def store(ws) -> FindingStore:
    return FindingStore(Workspace(ws))


def test_decisions_are_credited_to_the_reviewer_option_not_the_cell(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["5.2"], column=DECISION, value="accept")
    sheet.cell(row=rows["5.2"], column=DECIDED_BY, value="the CEO")
    book.save(path)
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 0, result.output
    assert store(ws).get("5.2").review.reviewer == "erin"
    assert [e.actor for e in store(ws).events()] == ["erin"]


def test_one_bad_row_applies_nothing_and_the_fixed_file_applies_once(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["5.2"], column=DECISION, value="accept")
    sheet.cell(row=rows["A.2.2"], column=DECISION, value="maybe")
    book.save(path)
    bad = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert bad.exit_code == 1
    assert f"row {rows['A.2.2']}: A.2.2: refused" in bad.output and "nothing was applied" in bad.output
    assert store(ws).events() == [] and store(ws).get("5.2").review.state is ReviewState.DRAFT
    sheet.cell(row=rows["A.2.2"], column=DECISION, value="reject")
    book.save(path)
    good = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert good.exit_code == 0 and "2 applied, 0 unchanged" in good.output
    again = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert again.exit_code == 0 and "0 applied, 2 unchanged" in again.output
    assert len(store(ws).events()) == 2
    assert aims(ws, "review", "verify").exit_code == 0


def test_a_row_exported_before_a_re_run_is_refused_as_stale(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["5.2"], column=DECISION, value="accept")
    book.save(path)
    store(ws).save_drafts([draft("5.2", status=FindingStatus.PARTIAL, rationale="a newer draft")],
                          {"id": "r2", "started_at": "t2"})
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 1 and "stale" in result.output and "not the current draft" in result.output
    assert store(ws).get("5.2").review.state is ReviewState.DRAFT


def test_a_row_exported_before_another_reviewer_decided_is_refused(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["A.2.2"], column=DECISION, value="accept")
    book.save(path)
    assert aims(ws, "review", "reject", "A.2.2", "--reviewer", "bob", "--note", "no evidence").exit_code == 0
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 1 and "decided by bob" in result.output
    kept = store(ws).get("A.2.2")
    assert kept.review.state is ReviewState.REJECTED and kept.review.reviewer == "bob"


def test_two_rows_for_one_requirement_are_both_refused(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["5.2"], column=DECISION, value="accept")
    copy = sheet.max_row + 1
    for column in range(1, len(HEADERS) + 1):
        sheet.cell(row=copy, column=column, value=sheet.cell(row=rows["5.2"], column=column).value)
    sheet.cell(row=copy, column=1, value="5.2 ")
    sheet.cell(row=copy, column=DECISION, value="reject")
    book.save(path)
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 1
    assert f"row {rows['5.2']}: 5.2: refused: duplicate" in result.output
    assert f"row {copy}:" in result.output and store(ws).events() == []


def test_a_formula_in_the_decision_column_is_refused_with_its_row(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["5.2"], column=DECISION, value='=IF(1,"accept","reject")')
    sheet.cell(row=rows["A.2.2"], column=DECISION, value="accept")
    sheet.cell(row=rows["A.2.2"], column=NOTE, value="=HYPERLINK(\"http://x\")")
    book.save(path)
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 1
    assert f"row {rows['5.2']}: 5.2: refused: formula in column(s) J" in result.output
    assert f"row {rows['A.2.2']}: A.2.2: refused: formula in column(s) M" in result.output
    assert store(ws).events() == []


def test_an_unknown_column_is_refused(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=1, column=len(HEADERS) + 1, value="Approved by CFO")
    sheet.cell(row=rows["5.2"], column=DECISION, value="accept")
    book.save(path)
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin")
    assert result.exit_code == 1 and "row 1: unknown column(s) P 'Approved by CFO'" in result.output


def test_edit_rows_carry_status_rationale_and_note(ws, tmp_path):
    path = tmp_path / "review.xlsx"
    book, sheet, rows = export(ws, path)
    sheet.cell(row=rows["A.2.3"], column=DECISION, value="Edit")
    sheet.cell(row=rows["A.2.3"], column=STATUS, value="partial")
    sheet.cell(row=rows["A.2.3"], column=RATIONALE, value="Only the AI policy covers it.")
    sheet.cell(row=rows["A.2.3"], column=NOTE, value="checked with legal")
    book.save(path)
    result = aims(ws, "review", "import", str(path), "--reviewer", "erin", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["rows"] == [{"row": rows["A.2.3"], "requirement": "A.2.3", "outcome": "applied",
                                "detail": "edited (partial)"}]
    finding = store(ws).get("A.2.3")
    assert (finding.status, finding.rationale, finding.review.note) == (
        FindingStatus.PARTIAL, "Only the AI policy covers it.", "checked with legal")


def test_exported_cells_never_carry_a_live_formula(workspace_dir, tmp_path):
    init(workspace_dir)
    evil = draft("5.2", rationale='=cmd|"/c calc"!A1', quote="@SUM(1+1)")
    workspace_with(workspace_dir, [evil])
    path = tmp_path / "review.xlsx"
    _, sheet, rows = export(workspace_dir, path)
    for column in range(1, len(HEADERS) + 1):
        value = sheet.cell(row=rows["5.2"], column=column).value
        assert not (isinstance(value, str) and value[:1] in "=+-@\t\r"), (column, value)


def test_the_workbook_carries_its_metadata_and_the_trail_head(ws, tmp_path):
    assert aims(ws, "review", "accept", "5.2", "--reviewer", "alice").exit_code == 0
    path = tmp_path / "review.xlsx"
    book, _, _ = export(ws, path)
    head = store(ws).head()
    assert book.properties.title == "Review workbook" and book.properties.creator.startswith("aims ")
    assert f"1 review event(s), head {head.hash}" in book.properties.description
