"""Decisions bind to the draft they decided: an unchanged re-run leaves nothing waiting, a changed
draft waits and its difference is shown; the CLI niceties around review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from gap.models import FindingStatus, ReviewState

from tests.cli.review_helpers import aims, draft, init, workspace_with

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    ws = tmp_path_factory.mktemp("drafted") / "ws"
    init(ws)
    assert aims(ws, "policies", "add", str(ACME / "policies" / "ai-policy.md"),
                str(ACME / "policies" / "ai-risk-management.md")).exit_code == 0
    run = aims(ws, "gap", "run", "--only", "5.2,A.2.2,6.1.2")
    assert run.exit_code == 0, run.output
    return ws


def test_an_unchanged_re_run_leaves_no_draft_waiting(drafted):
    for requirement in ("5.2", "A.2.2"):
        assert aims(drafted, "review", "accept", requirement, "--reviewer", "alice").exit_code == 0
    assert aims(drafted, "review", "edit", "6.1.2", "--reviewer", "alice", "--status", "gap").exit_code == 0
    again = aims(drafted, "gap", "run", "--only", "5.2,A.2.2,6.1.2")
    assert again.exit_code == 0 and "3 reviewed and kept" in again.output and "waiting" not in again.output
    listing = aims(drafted, "review")
    assert "new draft waiting" not in listing.output
    assert all(f["pending_draft"] is None for f in json.loads(
        aims(drafted, "gap", "show", "--format", "json").output)["findings"])
    assert aims(drafted, "review", "verify").exit_code == 0


def test_a_changed_draft_waits_and_gap_show_prints_what_changed(workspace_dir):
    init(workspace_dir)
    store = workspace_with(workspace_dir, [draft("5.2", rationale="The AI policy is approved by the board.")])
    store.review("5.2", "accept", "alice")
    store.save_drafts([draft("5.2", status=FindingStatus.PARTIAL, rationale="The AI policy is not yet approved.",
                             quote="Approval is pending")], {"id": "r2", "started_at": "t2"})
    waiting = store.get("5.2").waiting_draft()
    assert waiting is not None
    listing = aims(workspace_dir, "review")
    assert "new draft waiting" in listing.output
    shown = aims(workspace_dir, "gap", "show", "5.2")
    assert shown.exit_code == 0
    assert "status: conformant" not in shown.output  # sanity: the decided draft was a gap draft
    assert f"A newer draft {waiting.content_hash()} (partial) waits" in shown.output
    assert "status: gap -> partial" in shown.output
    assert "[-approved" in shown.output or "{+not yet approved" in shown.output
    assert "citation added" in shown.output and "Approval is pending" in shown.output
    assert "The newer draft in full:" in shown.output and "The AI policy is not yet approved." in shown.output


def test_accepting_the_waiting_draft_by_its_hash_adopts_it(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "accept", "alice")
    store.save_drafts([draft("5.2", status=FindingStatus.PARTIAL, rationale="newer")], {"id": "r2", "started_at": "t2"})
    newer = store.get("5.2").waiting_draft().content_hash()
    finding = store.review("5.2", "accept", "bob", draft_hash=newer[:10])
    assert finding.status is FindingStatus.PARTIAL and finding.pending_draft is None
    assert finding.review.draft_hash == newer and store.events()[-1].draft_hash == newer
    # The same draft again on the next run: nothing waits.
    store.save_drafts([draft("5.2", status=FindingStatus.PARTIAL, rationale="newer")], {"id": "r3", "started_at": "t3"})
    assert store.get("5.2").pending_draft is None and store.verify() == []


def test_an_edit_then_an_unchanged_re_run_keeps_nothing_waiting(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "edit", "carol", rationale="the reviewer's own words")
    store.save_drafts([draft("5.2")], {"id": "r2", "started_at": "t2"})
    kept = store.get("5.2")
    assert kept.pending_draft is None and kept.rationale == "the reviewer's own words"
    assert kept.review.state is ReviewState.EDITED


def test_cli_accept_with_a_stale_draft_hash_is_refused(workspace_dir):
    init(workspace_dir)
    store = workspace_with(workspace_dir, [draft("5.2")])
    old = store.get("5.2").content_hash()
    store.save_drafts([draft("5.2", rationale="changed")], {"id": "r2", "started_at": "t2"})
    result = aims(workspace_dir, "review", "accept", "5.2", "--reviewer", "alice", "--draft", old)
    assert result.exit_code == 1 and "not the current draft" in result.output
    assert FindingStore(Workspace(workspace_dir)).events() == []


def test_a_mistyped_command_suggests_the_closest(workspace_dir):
    result = aims(workspace_dir, "reveiw")
    assert result.exit_code == 2 and "Did you mean 'review'" in result.output
    sub = aims(workspace_dir, "review", "acept", "5.2")
    assert sub.exit_code == 2 and "Did you mean 'accept'" in sub.output


def test_quiet_is_quiet(workspace_dir):
    init(workspace_dir)
    workspace_with(workspace_dir, [draft("5.2")])
    result = aims(workspace_dir, "review", "accept", "5.2", "--reviewer", "alice")
    assert result.exit_code == 0 and result.output == ""
    from click.testing import CliRunner

    from cli.main import cli

    loud = CliRunner().invoke(cli, ["--workspace", str(workspace_dir), "review", "accept", "5.2", "--reviewer", "bob"])
    assert loud.exit_code == 0 and "accepted by bob" in loud.output
    assert aims(workspace_dir.parent / "fresh", "init").output == ""


def test_gap_show_unknown_requirement_says_unknown(workspace_dir):
    init(workspace_dir)
    result = aims(workspace_dir, "gap", "show", "a.99.9")
    assert result.exit_code == 2 and "unknown requirement" in result.output
    lower = aims(workspace_dir, "gap", "show", "a.2.2")
    assert lower.exit_code == 1 and "no finding for A.2.2" in lower.output


def test_gap_run_shows_progress_on_a_terminal_and_not_when_quiet(workspace_dir, monkeypatch):
    from click.testing import CliRunner

    from cli import context as aims_context
    from cli.main import cli

    init(workspace_dir)
    monkeypatch.setattr(aims_context, "stderr_is_terminal", lambda: True)
    runner = CliRunner()
    shown = runner.invoke(cli, ["--workspace", str(workspace_dir), "gap", "run", "--only", "5.2,5.3"])
    assert shown.exit_code == 0, shown.output
    assert "drafting (5.2 done): 1/2" in shown.stderr and "2/2" in shown.stderr
    quiet = runner.invoke(cli, ["--quiet", "--workspace", str(workspace_dir), "gap", "run", "--only", "5.2"])
    assert quiet.exit_code == 0 and "drafting" not in quiet.stderr


def test_cli_asks_for_the_draft_hash_when_a_newer_draft_waits(workspace_dir):
    init(workspace_dir)
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "accept", "alice")
    store.save_drafts([draft("5.2", rationale="changed")], {"id": "r2", "started_at": "t2"})
    newer = store.get("5.2").waiting_draft().content_hash()
    blind = aims(workspace_dir, "review", "reject", "5.2", "--reviewer", "bob")
    assert blind.exit_code == 1 and f"--draft {newer}" in blind.output
    assert aims(workspace_dir, "review", "reject", "5.2", "--reviewer", "bob", "--draft", newer).exit_code == 0
    assert FindingStore(Workspace(workspace_dir)).get("5.2").review.reviewer == "bob"


def test_interactive_review_decides_the_draft_it_showed(workspace_dir):
    from click.testing import CliRunner

    from cli.main import cli

    init(workspace_dir)
    store = workspace_with(workspace_dir, [draft("5.2"), draft("A.2.2")])
    shown = store.get("5.2").content_hash()
    result = CliRunner().invoke(cli, ["--workspace", str(workspace_dir), "review", "-i", "--reviewer", "dora"],
                                input="a\nr\nnot our policy\n")
    assert result.exit_code == 0, result.output
    assert f"draft {shown}" in result.output
    events = FindingStore(Workspace(workspace_dir)).events()
    assert [(e.requirement, e.action, e.actor, e.draft_hash) for e in events] == [
        ("5.2", "accept", "dora", shown), ("A.2.2", "reject", "dora", store.get("A.2.2").content_hash())]
