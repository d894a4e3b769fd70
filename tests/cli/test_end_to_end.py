"""The whole slice on the example organisation, offline, through the real CLI."""

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    result = CliRunner().invoke(cli, ["demo", "--output", str(out), "--examples", str(ACME)])
    assert result.exit_code == 0, result.output
    return out, result.output


def aims(workspace, *args):
    return CliRunner().invoke(cli, ["--quiet", "--workspace", str(workspace), *args])


def test_demo_writes_every_export(demo_output):
    out, text = demo_output
    for name in ("report.html", "report.md", "soa.xlsx", "soa.docx", "soa.csv", "soa.md", "soa.json",
                 "soa.oscal.json", "inventory.cdx.json", "inventory.xlsx", "review.xlsx"):
        assert (out / name).stat().st_size > 0, name
    assert "Outputs written to" in text
    rows = list(csv.DictReader(io.StringIO((out / "soa.csv").read_text())))
    assert len(rows) == 38 and rows[0]["control"] == "A.2.2"
    from openpyxl import load_workbook

    sheet = load_workbook(out / "soa.xlsx").active
    assert sheet.max_row == 39 and sheet["A1"].value == "Control" and sheet["A1"].font.b
    assert sheet.freeze_panes == "C2" and sheet["G2"].alignment.wrap_text
    soa = json.loads((out / "soa.json").read_text())
    assert soa["schema"] == "aims.soa/1" and len(soa["controls"]) == 38


def test_gap_json_contract_and_verified_quotes(demo_output):
    out, _ = demo_output
    workspace = out / "workspace"
    data = json.loads(aims(workspace, "gap", "show", "--format", "json").output)
    assert data["schema"] == "aims.findings/1"
    findings = data["findings"]
    assert len(findings) == 70
    for finding in findings:
        assert {"requirement", "status", "rationale", "citations", "review"} <= finding.keys()
    sources = {p.name: p for p in (ACME / "policies").iterdir()}
    text_sources = {name: path.read_text() for name, path in sources.items() if path.suffix in (".md",)}
    checked = 0
    for finding in findings:
        for citation in finding["citations"]:
            if citation["document"] in text_sources:
                assert citation["quote"].split()[0] in text_sources[citation["document"]]
                checked += 1
    assert checked > 0
    offline = [f for f in findings if f["review"]["state"] == "draft"]
    assert all("offline" in f["drafted_by"]["model"] for f in offline)


def test_human_decisions_survive_and_trail_verifies(demo_output):
    out, _ = demo_output
    workspace = out / "workspace"
    assert aims(workspace, "gap", "run", "--only", "4.1,4.2").exit_code == 0
    shown = json.loads(aims(workspace, "gap", "show", "4.2", "--format", "json").output)["findings"][0]
    assert shown["review"]["state"] == "edited" and shown["status"] == "partial"
    assert aims(workspace, "review", "verify").exit_code == 0


def test_unknown_requirement_is_a_usage_error(demo_output):
    out, _ = demo_output
    result = aims(out / "workspace", "gap", "run", "--only", "A.11.1")
    assert result.exit_code == 2 and "A.11.1" in result.output


def test_bad_policy_files_are_reported_and_the_rest_goes_on(tmp_path):
    assert aims(tmp_path / "ws", "init").exit_code == 0
    (tmp_path / "good.md").write_text("# AI policy\n\nWe govern artificial intelligence through an AI board.\n")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
    assert aims(tmp_path / "ws", "init").exit_code == 0
    result = aims(tmp_path / "ws", "policies", "add", str(tmp_path / "good.md"), str(tmp_path / "broken.pdf"),
                  str(tmp_path / "missing.md"), "--format", "json")
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert [d["status"] for d in data["documents"]] == ["added"]
    named = {i["target"] for i in data["issues"]}
    assert named == {str(tmp_path / "broken.pdf"), str(tmp_path / "missing.md")}
    again = aims(tmp_path / "ws", "policies", "add", str(tmp_path / "good.md"), "--format", "json")
    assert json.loads(again.output)["documents"][0]["status"] == "unchanged"


def test_review_workbook_round_trip(demo_output, tmp_path):
    from openpyxl import load_workbook

    out, _ = demo_output
    workspace = out / "workspace"
    sheet_path = tmp_path / "review.xlsx"
    assert aims(workspace, "review", "export", str(sheet_path)).exit_code == 0
    book = load_workbook(sheet_path)
    sheet = book["Review"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(row=rows["A.2.2"], column=10, value="reject")
    sheet.cell(row=rows["A.2.2"], column=9, value="dana")
    sheet.cell(row=rows["A.2.3"], column=10, value="edit")
    sheet.cell(row=rows["A.2.3"], column=11, value="gap")
    sheet.cell(row=rows["A.2.3"], column=12, value="No alignment check exists.")
    book.save(sheet_path)
    result = aims(workspace, "review", "import", str(sheet_path), "--reviewer", "erin")
    assert result.exit_code == 0, result.output
    shown = {f["requirement"]: f for f in json.loads(aims(workspace, "gap", "show", "--format", "json").output)["findings"]}
    # The Reviewer cell said "dana": decisions are credited to --reviewer, never to a cell.
    assert shown["A.2.2"]["review"] == {**shown["A.2.2"]["review"], "state": "rejected", "reviewer": "erin"}
    assert shown["A.2.3"]["status"] == "gap" and shown["A.2.3"]["review"]["reviewer"] == "erin"
    assert aims(workspace, "review", "verify").exit_code == 0


def test_accept_and_reject_commands_record_the_decision(demo_output):
    out, _ = demo_output
    workspace = out / "workspace"
    loud = CliRunner().invoke(cli, ["--workspace", str(workspace), "review", "accept", "5.1", "--reviewer", "fay",
                                    "--note", "read the policy"])
    assert loud.exit_code == 0 and "5.1: accepted by fay" in loud.output
    rejected = CliRunner().invoke(cli, ["--workspace", str(workspace), "review", "reject", "5.3", "--reviewer", "gus"])
    assert rejected.exit_code == 0 and "5.3: rejected by gus" in rejected.output
    shown = {f["requirement"]: f for f in json.loads(aims(workspace, "gap", "show", "--format", "json").output)["findings"]}
    assert shown["5.1"]["review"]["state"] == "accepted" and shown["5.1"]["review"]["reviewer"] == "fay"
    assert shown["5.3"]["review"]["state"] == "rejected" and shown["5.3"]["review"]["reviewer"] == "gus"
    unknown = aims(workspace, "review", "reject", "Z.9", "--reviewer", "gus")
    assert unknown.exit_code != 0
    assert aims(workspace, "review", "verify").exit_code == 0


def test_demo_tells_the_register_story(demo_output):
    """sightings -> systems -> tiers -> assessments -> triggers -> findings, on the example organisation."""
    from tests.discovery.test_export_cyclonedx import validator

    out, text = demo_output
    workspace = out / "workspace"
    systems = json.loads(aims(workspace, "inventory", "list", "--format", "json").output)["systems"]
    loan = next(s for s in systems if s["register_entry"] == "loan-scoring")
    assert loan["risk_tier"] == 1 and loan["status"] == "sanctioned"
    assert "iac-resource" in {link["kind"] for link in loan["links"]} and set(loan["sources"]) == {"code", "cloud"}
    scopes = {scope for s in systems if "code" in s["sources"] for scope in s["scopes"]}
    assert {"support-bot", "web-app", "ml-pipeline", "loan-scoring"} <= scopes  # each repository its own scope
    assert len([s for s in systems if "code" in s["sources"]]) == 4
    statuses = {s["status"] for s in systems}
    assert {"sanctioned", "shadow", "expired", "excepted"} <= statuses
    triggers = json.loads(aims(workspace, "inventory", "triggers", "--format", "json").output)["triggers"]
    assert {"new-population", "new-shadow-system"} <= {t["rule"] for t in triggers}
    assert "accepted by ai-risk-committee" in (out / "aisia-loan-scoring.md").read_text()
    assert (out / "aisia-loan-scoring.docx").read_bytes()[:2] == b"PK"
    findings = {f["requirement"]: f for f in json.loads(aims(workspace, "gap", "show", "--format", "json").output)["findings"]}
    cited = {e["id"] for e in findings["6.1.4"]["technical_evidence"]}
    assert f"aisia:{loan['id']}" in cited
    assert "Reassessment triggers" in (out / "report.md").read_text()
    assert not list(validator().iter_errors(json.loads((out / "inventory.cdx.json").read_text())))
