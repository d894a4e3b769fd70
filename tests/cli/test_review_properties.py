"""Property: random sequences of gap runs, policy changes, accept/edit/reject/reopen (some on stale
drafts), workbook exports and imports never lose a decision, never credit the wrong reviewer or
draft, and `verify` passes after every step — and fails after every tampering applied at the end."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st
from openpyxl import load_workbook

from cli.workspace.findings import FindingStore, ImportRefused, ReviewError, StaleDecision
from cli.workspace.store import Workspace
from gap.export.review_sheet import ExportRow, read_decisions, review_workbook
from gap.models import FindingStatus, ReviewState

from tests.cli.review_helpers import draft

REQUIREMENTS = ("5.2", "A.2.2", "6.1.2")
REVIEWERS = ("alice", "bob", "carol")
STATUSES = (FindingStatus.GAP, FindingStatus.PARTIAL, FindingStatus.CONFORMANT)

requirement = st.sampled_from(REQUIREMENTS)
reviewer = st.sampled_from(REVIEWERS)
operation = st.one_of(
    st.tuples(st.just("gap-run")),
    st.tuples(st.just("policy-change"), requirement),
    st.tuples(st.sampled_from(["accept", "reject", "edit", "reopen"]), requirement, reviewer, st.booleans()),
    st.tuples(st.just("export")),
    st.tuples(st.just("import"), st.lists(st.tuples(requirement, st.sampled_from(["accept", "reject", "edit"])),
                                          max_size=3), reviewer),
)
TAMPERING = ("edit-event", "delete-last", "delete-all", "delete-head", "recompute", "alter-finding",
             "delete-finding", "reorder", "downgrade")


@dataclass
class Model:
    policy: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REQUIREMENTS, 0))
    decided: dict[str, tuple[ReviewState, str]] = field(default_factory=dict)
    sheet: bytes | None = None


def _drafts(model: Model):  # type: ignore[no-untyped-def]
    return [draft(r, status=STATUSES[model.policy[r] % 3], rationale=f"{r} drafted against policy v{model.policy[r]}")
            for r in REQUIREMENTS]


def _check(store: FindingStore, model: Model) -> None:
    for rid, (state, who) in model.decided.items():
        finding = store.get(rid)
        assert finding.review.state is state and finding.review.reviewer == who, (rid, finding.review)
    for rid in REQUIREMENTS:
        finding = store.get(rid)
        if rid not in model.decided and finding is not None:
            assert not finding.review.state.is_human_decision
    assert store.verify() == []


def _act(store: FindingStore, model: Model, op: tuple, runs: list[int]) -> None:  # type: ignore[type-arg]
    kind = op[0]
    if kind == "gap-run":
        runs[0] += 1
        store.save_drafts(_drafts(model), {"id": f"r{runs[0]}", "started_at": f"2026-12-01T00:00:{runs[0]:02d}"})
    elif kind == "policy-change":
        model.policy[op[1]] += 1
    elif kind == "export":
        rows = [ExportRow(f, store.trail_position(f.requirement)) for f in store.all()]
        model.sheet = review_workbook(rows) if rows else None
    elif kind == "import":
        _import(store, model, op[1], op[2])
    else:
        _decide(store, model, *op)


def _decide(store: FindingStore, model: Model, action: str, rid: str, who: str, stale: bool) -> None:
    finding = store.get(rid)
    if finding is None:
        return
    shown_hash = finding.shown_draft().content_hash()
    given = ("0" * 16) if stale else shown_hash
    before_events = len(store.events())
    extra = {"rationale": f"{who}'s words"} if action == "edit" else {}
    try:
        store.review(rid, action, who, draft_hash=given, **extra)
    except StaleDecision:
        note_event("stale decision refused")
        assert stale and len(store.events()) == before_events
        return
    except ReviewError:
        assert action == "reopen" and not finding.review.state.is_human_decision
        return
    assert not stale
    event = store.events()[-1]
    assert (event.actor, event.draft_hash, event.requirement) == (who, shown_hash, rid)
    if action == "reopen":
        model.decided.pop(rid, None)
    else:
        state = {"accept": ReviewState.ACCEPTED, "reject": ReviewState.REJECTED, "edit": ReviewState.EDITED}[action]
        model.decided[rid] = (state, who)


def _import(store: FindingStore, model: Model, choices: list[tuple[str, str]], who: str) -> None:
    if model.sheet is None:
        return
    book = load_workbook(io.BytesIO(model.sheet))
    sheet = book["Review"]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    picked = dict(choices)  # one row per requirement; duplicates are tested elsewhere
    for rid, action in picked.items():
        if rid in rows:
            sheet.cell(row=rows[rid], column=10, value=action)
            if action == "edit":
                sheet.cell(row=rows[rid], column=12, value=f"{who} via the workbook")
    buffer = io.BytesIO()
    book.save(buffer)
    before = {rid: (store.get(rid).review.state, store.get(rid).review.reviewer) for rid in REQUIREMENTS
              if store.get(rid)}
    events_before = len(store.events())
    try:
        outcomes = store.import_rows(read_decisions(buffer.getvalue(), "sheet.xlsx"), who, "sheet.xlsx")
    except ImportRefused:
        note_event("import refused")
        assert len(store.events()) == events_before  # all or nothing
        assert {rid: (store.get(rid).review.state, store.get(rid).review.reviewer) for rid in before} == before
        return
    for outcome in outcomes:
        if outcome.outcome == "applied":
            action = picked[outcome.requirement]
            state = {"accept": ReviewState.ACCEPTED, "reject": ReviewState.REJECTED, "edit": ReviewState.EDITED}[action]
            model.decided[outcome.requirement] = (state, who)
    applied = [o for o in outcomes if o.outcome == "applied"]
    note_event("import applied" if applied else "import unchanged")
    assert len(store.events()) == events_before + len(applied)
    assert all(e.actor == who for e in store.events()[events_before:])


def _tamper(store: FindingStore, kind: str) -> bool:
    """Apply one tampering; False when the trail is too short for it to mean anything."""
    conn = store.conn
    events = store.events()
    decided = [f for f in store.all() if f.review.state.is_human_decision]
    if not events:
        return False
    if kind == "edit-event":
        doc = conn.execute("SELECT doc FROM review_events WHERE seq = 1").fetchone()[0]
        conn.execute("UPDATE review_events SET doc = ? WHERE seq = 1", (doc.replace(events[0].actor, "mallory", 1),))
    elif kind == "delete-last":
        conn.execute("DELETE FROM review_events WHERE seq = ?", (events[-1].seq,))
    elif kind == "delete-all":
        conn.execute("DELETE FROM review_events")
    elif kind == "delete-head":
        conn.execute("DELETE FROM trail_head")
    elif kind in ("recompute", "downgrade"):
        previous = "0" * 64
        for event in events:
            changed = event.model_copy(update={"previous_hash": previous, "algorithm": "sha256", "actor": "mallory"})
            changed = changed.model_copy(update={"hash": changed.compute_hash()})
            conn.execute("UPDATE review_events SET doc = ?, hash = ? WHERE seq = ?",
                         (changed.model_dump_json(), changed.hash, event.seq))
            previous = changed.hash
        conn.execute("UPDATE trail_head SET hash = ?", (previous,))
        if kind == "downgrade":  # pass the rewritten trail off as one written before the trail was keyed
            conn.execute("UPDATE trail_head SET legacy_events = events, mac = NULL, key_id = NULL")
    elif kind in ("alter-finding", "delete-finding"):
        if not decided:
            return False
        target = decided[0]
        if kind == "delete-finding":
            conn.execute("DELETE FROM findings WHERE requirement = ?", (target.requirement,))
        else:
            target.rationale += " (quietly changed)"
            conn.execute("UPDATE findings SET doc = ? WHERE requirement = ?", (target.model_dump_json(), target.requirement))
    elif kind == "reorder":
        if len(events) < 2:
            return False
        a = conn.execute("SELECT doc, hash, requirement FROM review_events WHERE seq = 1").fetchone()
        b = conn.execute("SELECT doc, hash, requirement FROM review_events WHERE seq = 2").fetchone()
        conn.execute("UPDATE review_events SET doc = ?, hash = ?, requirement = ? WHERE seq = 1", tuple(b))
        conn.execute("UPDATE review_events SET doc = ?, hash = ?, requirement = ? WHERE seq = 2", tuple(a))
    return True


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=14), tampering=st.sampled_from(TAMPERING))
def test_random_review_sequences_keep_every_decision_and_the_trail_proves_itself(ops, tampering):
    with tempfile.TemporaryDirectory() as tmp:
        store = FindingStore(Workspace(Path(tmp) / "ws"))
        model = Model()
        runs = [0]
        _act(store, model, ("gap-run",), runs)
        for op in ops:
            _act(store, model, op, runs)
            _check(store, model)
        # Two fresh decisions, so every kind of tampering has something to act on.
        for rid in REQUIREMENTS[:2]:
            _decide(store, model, "accept", rid, "zed", False)
        _check(store, model)
        if _tamper(store, tampering):
            note_event(f"tampering checked: {tampering}")
            assert store.verify(), f"{tampering} went undetected"
        store.workspace.close()
