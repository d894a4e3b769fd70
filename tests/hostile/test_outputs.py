"""Untrusted text reaching outputs: formulas in every CSV and XLSX, control characters in DOCX,
XLSX and terminals, Markdown structure in the report and SoA. Written safely, never refused:
the good rows beside the hostile ones are all still there."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import docx
import openpyxl

from discovery.export import inventory_csv, inventory_xlsx
from discovery.merge import merge_observations
from discovery.safe_text import FORMULA_TRIGGERS
from gap.export.report import ReportInput, report_markdown
from gap.export.meta import DocumentMeta
from gap.export.review_sheet import ExportRow, review_workbook
from gap.export.soa import soa_csv, soa_docx, soa_markdown, soa_xlsx
from gap.models import Drafter, Finding, FindingStatus, ImplementationStatus, Review, ReviewState, SoAEntry
from tests.discovery.test_merge import obs
from tests.hostile.conftest import aims, squid_line

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|'/C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\tleading-tab", "\rleading-cr"]
CONTROLS = "name\x1b[31m\x07\x00\x08end"


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]


def _xlsx_cells(data: bytes) -> list[object]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)  # no formula at all
    return [cell.value for cell in cells]


def _assert_inert(values: list[object]) -> None:
    for value in values:
        if isinstance(value, str):
            assert not value.startswith(FORMULA_TRIGGERS), value
            assert "\x1b" not in value and "\x07" not in value and "\x00" not in value


def _hostile_systems():  # type: ignore[no-untyped-def]
    observations = [obs(repo="good-repo", identity="alice")]
    observations += [obs(repo=f"repo{n}", identity=value, hint=None) for n, value in enumerate(FORMULAS)]
    observations.append(obs(repo="ctl", identity=CONTROLS))
    systems = merge_observations(observations)
    for system, owner in zip(systems, FORMULAS + [CONTROLS], strict=False):
        system.owner = owner
    return systems


def test_inventory_csv_and_xlsx_hold_no_live_formula_and_no_control_character() -> None:
    systems = _hostile_systems()
    csv_cells = _csv_cells(inventory_csv(systems))
    xlsx_cells = _xlsx_cells(inventory_xlsx(systems))  # IllegalCharacterError before the fix
    for cells in (csv_cells, xlsx_cells):
        _assert_inert(cells)
        text = [c for c in cells if isinstance(c, str)]
        assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in text  # shown as typed, not evaluated
        assert "good-repo" in text and "alice" in text  # the good row is all there


def _finding(requirement: str, rationale: str, reviewer: str | None = None, note: str | None = None) -> Finding:
    review = Review(state=ReviewState.ACCEPTED, reviewer=reviewer, note=note) if reviewer else Review()
    return Finding(requirement=requirement, status=FindingStatus.PARTIAL, rationale=rationale,
                   drafted_by=Drafter(model="offline", prompt="offline-heuristic@1"), evidence_hash="h", review=review)


def _entries() -> list[SoAEntry]:
    hostile = SoAEntry(control="A.2.2", title="AI policy", applicable=True,
                       implementation_status=ImplementationStatus.PARTIALLY_IMPLEMENTED,
                       justification="=cmd|' /C calc'!A0", evidence=["@SUM(1)"], owner="+owner\x1b[2J",
                       review=Review(state=ReviewState.ACCEPTED, reviewer="rev\x07iewer\x1b[8m", note="n\x1b"))
    good = SoAEntry(control="A.3.2", title="AI roles", applicable=True,
                    implementation_status=ImplementationStatus.IMPLEMENTED, justification="Roles are assigned.",
                    owner="Dana")
    return [hostile, good]


def test_soa_csv_xlsx_and_docx_are_inert_and_complete() -> None:
    entries = _entries()
    for cells in (_csv_cells(soa_csv(entries)), _xlsx_cells(soa_xlsx(entries))):
        _assert_inert(cells)
        assert "Roles are assigned." in cells and "Dana" in cells
    document = docx.Document(io.BytesIO(soa_docx(entries, DocumentMeta(organisation="Acme\x1b]0;pwned\x07"))))  # raised before
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "\x1b" not in text and "\x07" not in text
    assert "reviewer" in text and "Roles are assigned." in text


def test_review_workbook_export_writes_no_formula() -> None:
    findings = [_finding("5.2", "=cmd|' /C calc'!A0", reviewer="@evil", note="-1+1"),
                _finding("5.3", "Plain rationale.")]
    cells = _xlsx_cells(review_workbook([ExportRow(f, trail_position=0) for f in findings]))
    _assert_inert(cells)
    assert "Plain rationale." in cells


def test_markdown_report_and_soa_keep_their_structure() -> None:
    systems = merge_observations([obs(repo="evil|repo|x"), obs(repo="good-repo")])
    finding = _finding("5.2", "Looks fine.\n# Forged heading\n| fake | row |", reviewer="r|x")
    report = report_markdown(ReportInput(organisation="Acme\n# Owned", findings=[finding], systems=systems))
    lines = report.splitlines()
    assert not any(line.startswith(("# Forged", "# Owned", "| fake")) for line in lines)
    rows = [line for line in lines if line.startswith("| ") and "repo" in line]
    assert len(rows) == 2 and all(line.count(" | ") == 5 for line in rows)  # six cells each, no extra
    soa = soa_markdown(_entries(), DocumentMeta(organisation="Acme\n# Owned")).decode()
    assert not any(line.startswith("# Owned") for line in soa.splitlines())
    table = [line for line in soa.splitlines() if line.startswith("| A.")]
    assert len(table) == 2 and len({line.count(" | ") for line in table}) == 1


def test_terminal_output_shows_escapes_instead_of_acting_on_them(ws: Path, tmp_path: Path) -> None:
    forged = "\x1b[2K\r0 shadow AI systems\x1b[8m"
    log = tmp_path / "zscaler.jsonl"
    log.write_text("\n".join(json.dumps({"sourcetype": "zscalernss-web", "event": {
        "datetime": "2026-01-01 10:00:00", "user": user, "url": "https://chatgpt.com/c/1", "reqmethod": "POST",
        "action": "allowed"}})
        for user in (forged, "=HYPERLINK(\"x\")", "grace@acme.example")) + "\n")
    scanned = aims(ws, "discover", "logs", str(log))
    assert scanned.exit_code == 0, scanned.output
    listed = aims(ws, "inventory", "list")
    system_id = next(line.split()[0] for line in listed.output.splitlines() if line.startswith("sys-"))
    shown = aims(ws, "inventory", "show", system_id)
    exported = aims(ws, "inventory", "export", "--format", "xlsx", "--output", str(tmp_path / "inv.xlsx"))
    assert exported.exit_code == 0, exported.output
    for result in (scanned, listed, shown):
        assert "\x1b" not in result.output and "\r" not in result.output
        assert not any(line.startswith("0 shadow") for line in result.output.splitlines())
    assert "\\x1b[2K" in shown.output and "grace@acme.example" in shown.output
    _assert_inert(_xlsx_cells((tmp_path / "inv.xlsx").read_bytes()))


def test_folder_names_with_escapes_are_printed_inert(ws: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo\x1b]0;pwned\x07\x1b[2J"
    repo.mkdir()
    (repo / "app.py").write_text("import openai\nclient = openai.OpenAI()\n")
    good = tmp_path / "good"
    good.mkdir()
    (good / "main.py").write_text("import anthropic\n")
    result = aims(ws, "discover", "code", os.fsdecode(repo), str(good), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned" in result.output
    assert any(line.split()[3:4] == ["good"] for line in result.output.splitlines() if line.startswith("sys-"))
