"""The register, triggers and impact assessments through the real CLI."""

import json
import sqlite3
from datetime import date

from click.testing import CliRunner
from docx import Document

from cli.main import cli as root
from cli.workspace.assessments import AssessmentStore
from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from discovery.merge import register_system_id, repository_system_id
from discovery.risk import example_system
from gap.evidence import gather_evidence

from tests.cli.test_scanning import ListConnector, invoke
from tests.discovery.test_merge import obs

REGISTER = """
systems:
  - id: loan-scoring
    name: Loan application scoring
    owner: credit@x
    purpose: Scores loan applications
    affected_parties: loan applicants
    data_categories: [finance]
    tier: 1
    automated_decisions: true
    approval: {by: committee, until: 2099-01-01}
    select: {repos: [loans]}
"""


def aims(ws, *args):
    return CliRunner().invoke(root, ["--quiet", "--workspace", str(ws), *args])


def repo(name, **kw):
    return obs(repo=name, target=f"/repos/{name}", **kw)


def test_two_identical_scans_give_an_empty_diff(workspace_dir):
    observations = [repo("loans"), repo("web", provider="anthropic")]
    assert invoke(workspace_dir, ListConnector(observations), "/repos/loans", "/repos/web").exit_code == 0
    second = json.loads(invoke(workspace_dir, ListConnector(observations), "/repos/loans", "/repos/web",
                               "--format", "json").output)
    diff = json.loads(aims(workspace_dir, "inventory", "diff", "--format", "json").output)
    assert diff["added"] == diff["removed"] == diff["changed"] == diff["moved"] == []
    assert second["triggers"] == []  # nothing changed, nothing to reassess


def test_a_register_entry_moves_ids_and_the_scan_shows_them(workspace_dir, tmp_path):
    observations = [repo("loans"), repo("web", provider="anthropic")]
    invoke(workspace_dir, ListConnector(observations), "/repos/loans", "/repos/web")
    register = tmp_path / "register.yaml"
    register.write_text(REGISTER)
    imported = aims(workspace_dir, "register", "import", str(register))
    assert imported.exit_code == 0 and "1 system entry" in imported.output
    listed = json.loads(aims(workspace_dir, "inventory", "list", "--format", "json").output)["systems"]
    loan = next(s for s in listed if s["register_entry"] == "loan-scoring")
    assert loan["status"] == "sanctioned" and loan["risk_tier"] == 1 and "data.finance-decision" in loan["risk_rules"]
    second = json.loads(invoke(workspace_dir, ListConnector(observations), "/repos/loans", "/repos/web",
                               "--format", "json").output)
    assert second["diff"]["moved"] == [{"unit": "code:loans", "from_id": repository_system_id("loans"),
                                        "to_id": register_system_id("loan-scoring"),
                                        "to_name": "Loan application scoring"}]
    text = aims(workspace_dir, "inventory", "diff").output
    assert "code:loans moved" in text


def test_fail_on_trigger_gates_and_triggers_are_stored_and_reported(workspace_dir):
    invoke(workspace_dir, ListConnector([repo("svc", model="gpt-4")]), "/repos/svc")
    gated = invoke(workspace_dir, ListConnector([repo("svc", model="gpt-4"), repo("svc", path="b.py", model="gpt-5")]),
                   "/repos/svc", "--fail-on", "trigger")
    assert gated.exit_code == 4 and "TRIGGER new-model" in gated.output and "new major version gpt-5" in gated.output
    stored = json.loads(aims(workspace_dir, "inventory", "triggers", "--format", "json").output)["triggers"]
    assert [t["rule"] for t in stored] == ["new-model"]
    assert "new major version gpt-5" in aims(workspace_dir, "inventory", "triggers").output
    again = invoke(workspace_dir, ListConnector([repo("svc", model="gpt-4"), repo("svc", path="b.py", model="gpt-5")]),
                   "/repos/svc", "--fail-on", "trigger")
    assert again.exit_code == 0  # nothing changed since: no trigger


def test_assessment_draft_review_trail_and_exports(workspace_dir, tmp_path):
    register = tmp_path / "register.yaml"
    register.write_text(REGISTER)
    aims(workspace_dir, "register", "import", str(register))
    invoke(workspace_dir, ListConnector([repo("loans")]), "/repos/loans")
    drafted = aims(workspace_dir, "assess", "loan-scoring")
    assert drafted.exit_code == 0, drafted.output
    assert "Scores loan applications" in drafted.output and "TO BE WRITTEN BY THE SYSTEM OWNER" in drafted.output
    refused = aims(workspace_dir, "assess", "loan-scoring", "--accept", "--reviewer", "ana")
    assert refused.exit_code == 1 and "sections still need a person" in refused.output
    edited = aims(workspace_dir, "assess", "loan-scoring", "--reviewer", "ana", "--set", "misuse=scoring business loans",
                  "--set", "consequences=wrong declines", "--set", "residual=medium, monitored",
                  "--set", "controls=officer review of every decline")
    assert edited.exit_code == 0, edited.output
    assert aims(workspace_dir, "assess", "loan-scoring", "--accept", "--reviewer", "board").exit_code == 0
    workspace = Workspace(workspace_dir)
    events = [e for e in FindingStore(workspace).events() if e.requirement.startswith("aisia:")]
    assert [e.action for e in events] == ["edit", "accept"]
    assert FindingStore(workspace).verify() == [] and AssessmentStore(workspace).verify() == []
    # A re-draft waits beside the decision instead of replacing it.
    aims(workspace_dir, "assess", "loan-scoring")
    kept = AssessmentStore(workspace).get(register_system_id("loan-scoring"))
    assert kept.review.state.value == "accepted" and kept.pending_draft is not None
    assert kept.section("misuse").text == "scoring business loans"
    md, docx = tmp_path / "a.md", tmp_path / "a.docx"
    assert aims(workspace_dir, "assess", "loan-scoring", "--output", str(md)).exit_code == 0
    assert "## Reasonably foreseeable misuse" in md.read_text() and "accepted by board" in md.read_text()
    assert aims(workspace_dir, "assess", "loan-scoring", "--output", str(docx)).exit_code == 0
    assert any("scoring business loans" in p.text for p in Document(str(docx)).paragraphs)
    listed = json.loads(aims(workspace_dir, "inventory", "list", "--format", "json").output)["systems"]
    assert listed[0]["assessment_status"].startswith("accepted")


def test_gap_evidence_cites_assessments_and_names_tier_1_2_systems_lacking_one():
    assessed = example_system({"id": "sys-a", "name": "Loan scoring", "risk_tier": 1, "status": "sanctioned",
                               "assessment_status": "accepted, review by 2027-06-01"})
    lacking = example_system({"id": "sys-b", "name": "CV screening", "risk_tier": 2, "status": "shadow"})
    calm = example_system({"id": "sys-c", "name": "Spellcheck", "risk_tier": 3, "status": "sanctioned"})
    evidence = gather_evidence(["impact-assessments"], [assessed, lacking, calm])
    assert [i.id for i in evidence.items] == ["aisia:sys-a"]
    assert len(evidence.concerns) == 1 and "CV screening" in evidence.concerns[0] and "Spellcheck" not in evidence.concerns[0]


def test_scans_store_references_not_copies(workspace_dir):
    invoke(workspace_dir, ListConnector([repo("svc"), repo("svc", path="b.py")]), "/repos/svc")
    invoke(workspace_dir, ListConnector([repo("svc"), repo("svc", path="b.py")]), "/repos/svc")
    conn = sqlite3.connect(workspace_dir / "aims.db")
    assert conn.execute("SELECT COUNT(*) FROM scan_observations").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM observation_parts").fetchone()[0] == 1  # one set per target
    assert [r[0] for r in conn.execute("SELECT observations FROM scan_targets")] == [2, 2]


def test_a_workspace_from_before_the_register_migration_keeps_its_observations(tmp_path):
    from cli.workspace.db import MIGRATIONS

    ws_dir = tmp_path / "old"
    ws_dir.mkdir()
    conn = sqlite3.connect(ws_dir / "aims.db")
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")
    old = repo("legacy")
    conn.execute("INSERT INTO current_observations(obs_id, target, doc) VALUES (?, ?, ?)",
                 (old.id, old.target, old.model_dump_json()))
    conn.commit()
    conn.close()
    listed = json.loads(aims(ws_dir, "inventory", "list", "--format", "json").output)["systems"]
    assert [s["name"] for s in listed] == ["legacy"]
    invoke(ws_dir, ListConnector([repo("new")]), "/repos/new")
    names = {s["name"] for s in json.loads(aims(ws_dir, "inventory", "list", "--format", "json").output)["systems"]}
    assert names == {"legacy", "new"}
    assert date.today()  # the stored inventory is classified for today
