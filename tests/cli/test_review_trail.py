"""The review trail proves itself: every tampering the issue lists is detected, nothing else is."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from cli.workspace.findings import FindingStore, ReviewError, StaleDecision
from cli.workspace.store import Workspace
from gap.models import FindingStatus, ReviewEvent, ReviewState

from tests.cli.review_helpers import aims, draft, init, workspace_with


@pytest.fixture
def decided(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2"), draft("A.2.2"), draft("6.1.2")])
    store.review("5.2", "accept", "alice")
    store.review("A.2.2", "reject", "bob", note="wrong policy cited")
    store.review("6.1.2", "edit", "carol", status=FindingStatus.PARTIAL, rationale="partly covered")
    assert store.verify() == []
    return store


def _sql(store: FindingStore, statement: str, *args):  # type: ignore[no-untyped-def]
    store.conn.execute(statement, args)


def test_an_untouched_trail_verifies_and_the_head_counts_every_event(decided):
    head = decided.head()
    assert head.events == 3 and head.hash == decided.events()[-1].hash and head.mac


def test_reopening_a_never_decided_finding_is_refused_and_verify_still_passes(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2")])
    with pytest.raises(ReviewError, match="not decided"):
        store.review("5.2", "reopen", "alice")
    assert store.events() == [] and store.verify() == []


def test_an_edited_event_is_detected(decided):
    doc = decided.conn.execute("SELECT doc FROM review_events WHERE seq = 2").fetchone()[0]
    _sql(decided, "UPDATE review_events SET doc = ? WHERE seq = 2", doc.replace("bob", "mallory"))
    assert any("event 2" in p and "seal" in p for p in decided.verify())


def test_a_deleted_last_event_is_detected(decided):
    _sql(decided, "DELETE FROM review_events WHERE seq = 3")
    problems = decided.verify()
    assert any("trail head records 3" in p for p in problems)


def test_a_deleted_middle_event_is_detected(decided):
    _sql(decided, "DELETE FROM review_events WHERE seq = 2")
    assert any("missing" in p or "chain broken" in p for p in decided.verify())


def test_wiping_every_event_is_detected(decided):
    _sql(decided, "DELETE FROM review_events")
    problems = decided.verify()
    assert any("trail head records 3" in p for p in problems)
    assert any("with no review event" in p for p in problems)


def test_wiping_the_head_is_detected(decided):
    _sql(decided, "DELETE FROM trail_head")
    assert any("head is missing" in p for p in decided.verify())


def test_wiping_everything_and_resetting_the_findings_is_still_detected(decided):
    _sql(decided, "DELETE FROM review_events")
    _sql(decided, "DELETE FROM trail_head")
    for finding in decided.all():
        finding.review = finding.review.model_copy(update={"state": ReviewState.DRAFT, "reviewer": None})
        _sql(decided, "UPDATE findings SET doc = ? WHERE requirement = ?", finding.model_dump_json(), finding.requirement)
    assert any("head is missing" in p for p in decided.verify())


def test_reordered_events_are_detected(decided):
    one = decided.conn.execute("SELECT doc, hash, requirement FROM review_events WHERE seq = 1").fetchone()
    two = decided.conn.execute("SELECT doc, hash, requirement FROM review_events WHERE seq = 2").fetchone()
    _sql(decided, "UPDATE review_events SET doc = ?, hash = ?, requirement = ? WHERE seq = 1", *two)
    _sql(decided, "UPDATE review_events SET doc = ?, hash = ?, requirement = ? WHERE seq = 2", *one)
    assert decided.verify()


def test_an_inserted_event_is_detected(decided):
    last = decided.events()[-1]
    forged = ReviewEvent(seq=4, requirement="5.2", actor="mallory", at=last.at, action="accept", before=None,
                         after=None, previous_hash=last.hash, algorithm="sha256")
    forged = forged.model_copy(update={"hash": forged.compute_hash()})
    _sql(decided, "INSERT INTO review_events(seq, requirement, doc, hash) VALUES (4, '5.2', ?, ?)",
         forged.model_dump_json(), forged.hash)
    problems = decided.verify()
    assert any("event 4" in p and "not sealed" in p for p in problems)
    assert any("trail head records 3" in p for p in problems)


def test_a_deleted_finding_is_detected(decided):
    _sql(decided, "DELETE FROM findings WHERE requirement = '5.2'")
    assert any("5.2" in p and "deleted" in p for p in decided.verify())


def test_an_altered_decided_finding_is_detected(decided):
    finding = decided.get("5.2")
    finding.rationale = "quietly rewritten after the decision"
    _sql(decided, "UPDATE findings SET doc = ? WHERE requirement = '5.2'", finding.model_dump_json())
    assert any("5.2" in p and "altered" in p for p in decided.verify())


def _recompute_chain(store: FindingStore, key: bytes | None) -> None:
    """What an attacker with write access to the database does: rewrite and re-hash everything."""
    previous = "0" * 64
    for event in store.events():
        changed = event.model_copy(update={"actor": "mallory" if event.actor == "bob" else event.actor,
                                           "previous_hash": previous,
                                           "algorithm": "hmac-sha256" if key else "sha256"})
        new_hash = changed.compute_hash(key)
        changed = changed.model_copy(update={"hash": new_hash})
        _sql(store, "UPDATE review_events SET doc = ?, hash = ? WHERE seq = ?", changed.model_dump_json(), new_hash,
             event.seq)
        previous = new_hash
    _sql(store, "UPDATE trail_head SET hash = ?", previous)


def test_a_chain_recomputed_with_plain_sha256_is_detected(decided):
    _recompute_chain(decided, None)
    assert any("not sealed with the trail key" in p for p in decided.verify())


def test_a_chain_rewritten_as_a_legacy_unkeyed_trail_is_detected(decided):
    _recompute_chain(decided, None)
    _sql(decided, "UPDATE trail_head SET legacy_events = events, mac = NULL, key_id = NULL")
    assert any("unsealed although a trail key is set" in p for p in decided.verify())
    with pytest.raises(ReviewError, match="unsealed"):
        decided.review("5.2", "reopen", "mallory")


def test_a_chain_recomputed_with_another_key_is_detected(decided):
    _recompute_chain(decided, b"attacker-chosen-key-0123456789abcdef")
    problems = decided.verify()
    assert any("seal" in p for p in problems)


def test_the_head_seal_covers_its_count(decided):
    _sql(decided, "DELETE FROM review_events WHERE seq = 3")
    last = decided.events()[-1]
    _sql(decided, "UPDATE trail_head SET events = 2, hash = ?", last.hash)
    assert any("head's seal" in p for p in decided.verify())


def test_a_wrong_key_is_named_as_such(decided, monkeypatch):
    monkeypatch.setenv("AIMS_TRAIL_KEY", "not-the-key-that-sealed-this-trail")
    assert any("not the one that sealed" in p for p in decided.verify())
    with pytest.raises(ReviewError, match="not the one that sealed"):
        decided.review("5.2", "reopen", "alice")


def test_the_key_lives_outside_the_database(decided, workspace_dir):
    key = (workspace_dir / "trail.key").read_text().strip()
    assert len(key) == 64 and (workspace_dir / "trail.key").stat().st_mode & 0o077 == 0
    raw = (workspace_dir / "aims.db").read_bytes() + (workspace_dir / "aims.db-wal").read_bytes()
    assert key.encode() not in raw
    event = decided.events()[0]
    payload = json.dumps(event.model_dump(mode="json", exclude={"hash"}), sort_keys=True).encode()
    assert hmac.new(key.encode(), payload, hashlib.sha256).hexdigest() == event.hash


def test_a_missing_key_file_fails_verification(decided, workspace_dir):
    (workspace_dir / "trail.key").unlink()
    assert any("no trail key" in p for p in decided.verify())


def test_aims_trail_key_from_the_environment_seals_and_verifies(workspace_dir, monkeypatch):
    monkeypatch.setenv("AIMS_TRAIL_KEY", "a-key-kept-in-a-vault-not-on-disk")
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "accept", "alice")
    assert not (workspace_dir / "trail.key").exists() and store.verify() == []
    monkeypatch.delenv("AIMS_TRAIL_KEY")
    assert any("no trail key" in p for p in store.verify())


def test_a_re_run_after_reopen_is_not_tampering(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "accept", "alice")
    store.review("5.2", "reopen", "alice")
    store.save_drafts([draft("5.2", rationale="a fresher draft")], {"id": "r2", "started_at": "t2"})
    assert store.verify() == []


# -- through the CLI --------------------------------------------------------------------------

def test_verify_on_a_mistyped_workspace_is_an_error_and_creates_nothing(tmp_path):
    typo = tmp_path / "aims-wrokspace"
    result = aims(typo, "review", "verify")
    assert result.exit_code == 1 and "no workspace at" in result.output
    assert not typo.exists()


def test_verify_prints_the_head_and_fails_on_tampering(workspace_dir):
    init(workspace_dir)
    store = workspace_with(workspace_dir, [draft("5.2")])
    assert aims(workspace_dir, "review", "accept", "5.2", "--reviewer", "alice").exit_code == 0
    ok = aims(workspace_dir, "review", "verify")
    head = store.head()
    assert ok.exit_code == 0 and f"1 event(s), head {head.hash}" in ok.output
    assert aims(workspace_dir, "review", "verify", "--expect-head", head.hash[:12]).exit_code == 0
    store.conn.execute("DELETE FROM review_events")
    bad = aims(workspace_dir, "review", "verify")
    assert bad.exit_code == 1 and "FAIL" in bad.output


def test_reopen_of_an_undecided_finding_through_the_cli(workspace_dir):
    init(workspace_dir)
    workspace_with(workspace_dir, [draft("5.2")])
    result = aims(workspace_dir, "review", "reopen", "5.2", "--reviewer", "alice")
    assert result.exit_code == 1 and "nothing to reopen" in result.output
    assert aims(workspace_dir, "review", "verify").exit_code == 0


def test_requirement_ids_are_case_insensitive_and_unknown_ids_say_so(workspace_dir):
    init(workspace_dir)
    workspace_with(workspace_dir, [draft("A.2.2")])
    assert aims(workspace_dir, "review", "accept", "a.2.2", "--reviewer", "alice").exit_code == 0
    assert FindingStore(Workspace(workspace_dir)).get("A.2.2").review.state is ReviewState.ACCEPTED
    unknown = aims(workspace_dir, "review", "accept", "A.99.1", "--reviewer", "alice")
    assert unknown.exit_code == 1 and "unknown requirement" in unknown.output and "gap run" not in unknown.output
    not_drafted = aims(workspace_dir, "review", "accept", "5.3", "--reviewer", "alice")
    assert not_drafted.exit_code == 1 and "no finding for 5.3 yet" in not_drafted.output


def test_a_decision_against_a_stale_draft_is_refused(workspace_dir):
    store = workspace_with(workspace_dir, [draft("5.2")])
    read = store.get("5.2").content_hash()
    store.save_drafts([draft("5.2", status=FindingStatus.PARTIAL, rationale="newer")], {"id": "r2", "started_at": "t2"})
    with pytest.raises(StaleDecision, match="not the current draft"):
        store.review("5.2", "accept", "alice", draft_hash=read)
    assert store.events() == []


def test_a_workspace_from_before_the_keyed_trail_migrates_and_keeps_verifying(workspace_dir, tmp_path):
    """Events chained with plain SHA-256 before migration 3 stay valid; new ones are keyed; the
    legacy part is still checked (a deleted legacy tail shows)."""
    import sqlite3

    from cli.workspace.db import MIGRATIONS
    from cli.workspace.trail import review_view
    from gap.models import Review

    old = tmp_path / "old"
    old.mkdir()
    conn = sqlite3.connect(old / "aims.db")
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 2")
    finding = draft("5.2").model_copy(update={"review": Review(state=ReviewState.ACCEPTED, reviewer="alice")})
    view = {k: v for k, v in review_view(finding).items() if k in ("status", "rationale", "actions", "review")}
    event = ReviewEvent(seq=1, requirement="5.2", actor="alice", at="2026-11-01T00:00:00Z", action="accept",
                        before=None, after=view, previous_hash="0" * 64)
    event = event.model_copy(update={"hash": event.compute_hash()})
    conn.execute("INSERT INTO findings VALUES ('5.2', ?, 't')", (finding.model_dump_json(),))
    conn.execute("INSERT INTO review_events VALUES (1, '5.2', ?, ?)", (event.model_dump_json(), event.hash))
    conn.commit()
    conn.close()
    store = FindingStore(Workspace(old))
    assert store.head().events == 1 and store.head().legacy_events == 1
    assert store.verify() == []
    store.save_drafts([draft("A.2.2")], {"id": "r", "started_at": "t"})
    store.review("A.2.2", "accept", "bob")
    assert store.events()[-1].algorithm == "hmac-sha256" and store.verify() == []
    store.conn.execute("DELETE FROM review_events WHERE seq = 1")
    assert store.verify()


def test_a_pre_key_trail_with_an_env_key_is_sealed_once_on_request(workspace_dir, monkeypatch):
    store = workspace_with(workspace_dir, [draft("5.2")])
    store.review("5.2", "accept", "alice")
    # What a pre-key workspace looks like: plain hashes, an unsealed head counting them as legacy.
    _recompute_chain(store, None)
    _sql(store, "UPDATE trail_head SET legacy_events = events, mac = NULL, key_id = NULL")
    (workspace_dir / "trail.key").unlink()
    assert store.verify() == []  # no key anywhere: nothing more can be said
    monkeypatch.setenv("AIMS_TRAIL_KEY", "the-key-from-the-vault-0123456789")
    assert any("seal-legacy" in p for p in store.verify())
    with pytest.raises(ReviewError, match="unsealed"):
        store.review("5.2", "reopen", "alice")
    store.seal_legacy()
    assert store.verify() == []
    store.review("5.2", "reopen", "alice")
    assert store.verify() == [] and store.events()[-1].algorithm == "hmac-sha256"
