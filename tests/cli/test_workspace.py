import sqlite3
from datetime import datetime, timezone

import pytest

from cli.scanning import inventory_builder
from cli.workspace.db import MIGRATIONS, schema_version
from cli.workspace.findings import FindingStore, ReviewError
from cli.workspace.store import Workspace
from discovery.models import Scan
from gap.models import Drafter, Finding, FindingStatus, ReviewState

from tests.discovery.test_merge import obs

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def scan(scan_id, targets):
    return Scan(id=scan_id, started_at=NOW, finished_at=NOW, connectors=["code"], targets=targets)


def test_migrations_bring_a_new_workspace_to_the_latest_version(workspace_dir):
    ws = Workspace(workspace_dir)
    assert schema_version(ws.conn) == len(MIGRATIONS)
    assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_record_scan_builds_inventory_and_diffs(workspace_dir):
    ws = Workspace(workspace_dir)
    build = inventory_builder(None, NOW.date())
    first = ws.record_scan(scan("s1", ["/repos/svc"]), [obs()], build)
    assert first.previous_scan_id is None and len(first.systems) == 1
    second = ws.record_scan(scan("s2", ["/repos/svc"]), [obs(provider="anthropic")], build)
    assert second.previous_scan_id == "s1"
    assert [s.providers for s in second.systems] == [["anthropic"]]  # openai vanished from the rescanned repo
    assert [s.providers for s in ws.snapshot("s1")] == [["openai"]]


def test_a_failure_mid_scan_leaves_the_previous_state(workspace_dir):
    ws = Workspace(workspace_dir)
    build = inventory_builder(None, NOW.date())
    ws.record_scan(scan("s1", ["/repos/svc"]), [obs()], build)

    def crash(_observations, _facts):
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        ws.record_scan(scan("s2", ["/repos/svc"]), [obs(provider="anthropic")], crash)
    assert [s.id for s in ws.scans()] == ["s1"]
    assert [o.provider for o in ws.current_observations()] == ["openai"]


def draft(requirement="5.2", status=FindingStatus.GAP, evidence="h1"):
    return Finding(requirement=requirement, status=status, rationale="drafted",
                   drafted_by=Drafter(model="offline", prompt="offline-heuristic@1"), evidence_hash=evidence)


def test_rerun_never_overwrites_a_human_decision(workspace_dir):
    store = FindingStore(Workspace(workspace_dir))
    store.save_drafts([draft()], {"id": "r1", "started_at": "t1"})
    store.review("5.2", "edit", "carol", status=FindingStatus.PARTIAL, rationale="policy §3 covers it partly")
    summary = store.save_drafts([draft(status=FindingStatus.CONFORMANT, evidence="h2")], {"id": "r2", "started_at": "t2"})
    kept = store.get("5.2")
    assert summary.preserved == 1 and summary.stale == ["5.2"]
    assert kept.status == FindingStatus.PARTIAL and kept.review.state == ReviewState.EDITED
    assert kept.rationale == "policy §3 covers it partly"
    assert kept.pending_draft["status"] == "conformant"
    reopened = store.review("5.2", "reopen", "carol")
    assert reopened.status == FindingStatus.CONFORMANT and reopened.review.state == ReviewState.DRAFT


def test_review_trail_is_hash_chained_and_tamper_evident(workspace_dir):
    ws = Workspace(workspace_dir)
    store = FindingStore(ws)
    store.save_drafts([draft("5.2"), draft("A.2.2")], {"id": "r1", "started_at": "t1"})
    store.review("5.2", "accept", "alice")
    store.review("A.2.2", "reject", "bob", note="wrong policy cited")
    assert store.verify() == []
    events = store.events()
    assert [e.seq for e in events] == [1, 2] and events[1].previous_hash == events[0].hash
    # Edit an event behind the tool's back: verify must notice.
    doc = ws.conn.execute("SELECT doc FROM review_events WHERE seq = 2").fetchone()[0]
    ws.conn.execute("UPDATE review_events SET doc = ? WHERE seq = 2", (doc.replace("bob", "mallory"),))
    assert any("does not match its seal" in p for p in store.verify())


def test_verify_notices_a_decision_without_an_event(workspace_dir):
    ws = Workspace(workspace_dir)
    store = FindingStore(ws)
    forged = draft()
    forged.review.state = ReviewState.ACCEPTED
    store.save_drafts([forged], {"id": "r1", "started_at": "t1"})
    assert any("no review event" in p for p in store.verify())


def test_review_needs_a_reviewer_and_a_finding(workspace_dir):
    store = FindingStore(Workspace(workspace_dir))
    with pytest.raises(ReviewError, match="reviewer"):
        store.review("5.2", "accept", " ")
    with pytest.raises(ReviewError, match="no finding for 5.2"):
        store.review("5.2", "accept", "alice")


def test_newer_schema_is_refused(workspace_dir):
    Workspace(workspace_dir).conn.execute("PRAGMA user_version = 99")
    from cli.workspace.db import WorkspaceError, connect
    with pytest.raises(WorkspaceError, match="newer"):
        connect(workspace_dir / "aims.db")
    assert isinstance(sqlite3.sqlite_version, str)


def test_a_rescan_keeps_first_seen_from_the_stored_times(workspace_dir):
    early, later = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 3, 1, tzinfo=timezone.utc)
    ws = Workspace(workspace_dir)
    build = inventory_builder(None, NOW.date())
    other = obs(repo="other", target="/repos/other", first_seen=early, last_seen=early)
    ws.record_scan(scan("s1", ["/repos/svc", "/repos/other"]), [obs(first_seen=early, last_seen=early), other], build)
    ws.record_scan(scan("s2", ["/repos/svc"]), [obs(first_seen=later, last_seen=later), obs(path="new.py", first_seen=later)],
                   build)
    current = {o.id: o for o in ws.current_observations()}
    assert current[obs().id].first_seen == early and current[obs().id].last_seen == later
    assert current[obs(path="new.py").id].first_seen == later
    assert current[other.id] == other  # the target this scan did not read is kept whole


@pytest.mark.parametrize("version", [4, 5])
def test_observation_sets_from_schemas_4_and_5_move_into_parts_and_are_still_read(tmp_path, version):
    """Versions 4 and 5 kept one row per target, as text (earlier aims) or bytes; migration 6 moves them."""
    workspace_dir = tmp_path / "old"
    workspace_dir.mkdir()
    conn = sqlite3.connect(workspace_dir / "aims.db")
    for number, script in enumerate(MIGRATIONS[:version], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")
    svc, other = obs(), obs(repo="other", target="/repos/other")
    conn.execute("INSERT INTO observation_sets(target, count, doc) VALUES (?, 1, ?)",
                 ("/repos/svc", ("[" + svc.model_dump_json() + "]").encode()))
    conn.execute("INSERT INTO observation_sets(target, count, doc) VALUES (?, 1, ?)",
                 ("/repos/other", "[" + other.model_dump_json() + "]"))
    conn.commit()
    conn.close()
    ws = Workspace(workspace_dir)
    assert {o.id for o in ws.current_observations()} == {svc.id, other.id}
    ws.record_scan(scan("s2", ["/repos/svc"]), [obs(path="new.py")], inventory_builder(None, NOW.date()))
    assert {o.location.path for o in ws.current_observations()} == {"new.py", "app.py"}
    assert {type(r[0]) for r in ws.conn.execute("SELECT doc FROM observation_parts")} == {str, bytes}


def test_a_large_target_is_stored_in_parts_and_read_back_whole(workspace_dir, monkeypatch):
    import cli.workspace.store as store

    monkeypatch.setattr(store, "OBSERVATIONS_PER_PART", 2)
    early, later = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 3, 1, tzinfo=timezone.utc)
    ws = Workspace(workspace_dir)
    build = inventory_builder(None, NOW.date())
    many = [obs(path=f"m{n}.py", first_seen=early, last_seen=early) for n in range(5)]
    ws.record_scan(scan("s1", ["/repos/svc"]), many, build)
    rows = ws.conn.execute("SELECT part, count FROM observation_parts WHERE target = '/repos/svc' ORDER BY part")
    assert [tuple(r) for r in rows] == [(0, 2), (1, 2), (2, 1)]
    assert {o.id for o in ws.current_observations()} == {o.id for o in many}
    # A re-scan that finds fewer replaces every old part, and keeps each first-seen from them all.
    ws.record_scan(scan("s2", ["/repos/svc"]), [obs(path="m4.py", first_seen=later, last_seen=later)], build)
    assert ws.conn.execute("SELECT COUNT(*) FROM observation_parts").fetchone()[0] == 1
    [kept] = ws.current_observations()
    assert kept.location.path == "m4.py" and kept.first_seen == early and kept.last_seen == later


