"""Findings and the review trail. A re-run never overwrites a human decision.

A new machine draft for a decided requirement is kept beside the decision as `pending_draft`,
and only when its content differs from the draft that was decided (content hashes compared).
Every decision names the draft it acted on; a decision against a draft that has since
changed, or on a finding someone else decided meanwhile, is refused with the reason. Every
review action appends a sealed, hash-chained ReviewEvent and moves the trail head in the same
transaction as the change (see cli/workspace/trail.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from cli.workspace.db import WorkspaceError, transaction
from cli.workspace.sheet_import import ImportRefused, RowOutcome
from cli.workspace.store import Workspace
from cli.workspace.trail import (
    GENESIS_HASH,
    KEYED,
    EventRow,
    TrailHead,
    TrailKeyError,
    key_id,
    load_key,
    review_view,
    sealed_head,
    verify_trail,
)
from gap.export.review_sheet import SheetDecision
from gap.models import Finding, FindingStatus, Review, ReviewEvent, ReviewState

__all__ = ["GENESIS_HASH", "FindingStore", "ReviewError", "StaleDecision", "SaveSummary", "RowOutcome",
           "ImportRefused"]

DECISIONS = ("accept", "edit", "reject")
ACTIONS = (*DECISIONS, "reopen")


class ReviewError(WorkspaceError):
    pass


class StaleDecision(ReviewError):
    """The decision was made on a draft or a decision state that is no longer current."""


@dataclass
class SaveSummary:
    new: int = 0
    updated: int = 0
    preserved: int = 0
    # decided requirements whose new draft differs from the one decided: it waits beside them
    waiting: list[str] = field(default_factory=list)
    # requirements whose draft (current or waiting) reads differently from before this run
    changed: list[str] = field(default_factory=list)

    @property
    def stale(self) -> list[str]:  # the name earlier callers used
        return self.waiting


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@lru_cache(maxsize=1)
def _catalogue():  # type: ignore[no-untyped-def]
    """The packaged catalogue, parsed once per process (it is read-only data)."""
    from gap.requirements import load_catalogue

    return load_catalogue()


def resolve_requirement(raw: str) -> str:
    """The catalogue id for what a person typed ('a.6.2.8' -> 'A.6.2.8'), or ReviewError."""
    from gap.requirements import UnknownRequirementError

    try:
        return _catalogue().get(raw).id
    except UnknownRequirementError as exc:
        raise ReviewError(f"unknown requirement {str(raw).strip()!r}: {exc}") from exc


class FindingStore:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        return self.workspace.conn

    # -- reading --------------------------------------------------------------------------
    def all(self) -> list[Finding]:
        rows = self.conn.execute("SELECT doc FROM findings")
        return [Finding.model_validate_json(r["doc"]) for r in rows]

    def get(self, requirement: str) -> Finding | None:
        row = self.conn.execute("SELECT doc FROM findings WHERE requirement = ?", (requirement,)).fetchone()
        return Finding.model_validate_json(row["doc"]) if row else None

    def find(self, raw: str) -> Finding:
        """The finding for a typed id: 'unknown requirement' or 'no finding yet' otherwise."""
        requirement = resolve_requirement(raw)
        finding = self.get(requirement)
        if finding is None:
            raise ReviewError(f"no finding for {requirement} yet; run `aims gap run` first")
        return finding

    def events(self, requirement: str | None = None) -> list[ReviewEvent]:
        if requirement:
            rows = self.conn.execute("SELECT doc FROM review_events WHERE requirement = ? ORDER BY seq", (requirement,))
        else:
            rows = self.conn.execute("SELECT doc FROM review_events ORDER BY seq")
        return [ReviewEvent.model_validate_json(r["doc"]) for r in rows]

    def last_event(self, requirement: str) -> ReviewEvent | None:
        row = self.conn.execute(
            "SELECT doc FROM review_events WHERE requirement = ? ORDER BY seq DESC LIMIT 1", (requirement,)
        ).fetchone()
        return ReviewEvent.model_validate_json(row["doc"]) if row else None

    def trail_position(self, requirement: str) -> int:
        """The seq of the last event on this requirement (0 if never decided): its decision state."""
        row = self.conn.execute("SELECT MAX(seq) AS seq FROM review_events WHERE requirement = ?",
                                (requirement,)).fetchone()
        return int(row["seq"] or 0)

    def head(self) -> TrailHead:
        row = self.conn.execute("SELECT events, hash, legacy_events, key_id, mac FROM trail_head WHERE id = 1").fetchone()
        if row is None:
            return TrailHead(0, GENESIS_HASH)
        return TrailHead(row["events"], row["hash"], row["legacy_events"], row["key_id"], row["mac"])

    # -- drafts ---------------------------------------------------------------------------
    def save_drafts(self, drafts: list[Finding], run: dict[str, Any]) -> SaveSummary:
        summary = SaveSummary()
        with transaction(self.conn):
            for draft in drafts:
                existing = self.get(draft.requirement)
                if existing is not None and existing.review.state.is_human_decision:
                    decided = existing.review.draft_hash or existing.content_hash()
                    if draft.content_hash() == decided:
                        existing.pending_draft = None  # the same words again: nothing to review
                    else:
                        before = existing.pending_draft
                        existing.pending_draft = draft.model_dump(mode="json", exclude={"review", "pending_draft"})
                        summary.waiting.append(draft.requirement)
                        if before is None or Finding.model_validate({**before, "review": {}}).content_hash() != (
                                draft.content_hash()):
                            summary.changed.append(draft.requirement)
                    self._write(existing)
                    summary.preserved += 1
                    continue
                if existing is None:
                    summary.new += 1
                else:
                    summary.updated += 1
                    # The plan people set (owner, due date) outlives a redraft.
                    draft = draft.model_copy(update={"owner": existing.owner, "due": existing.due})
                if existing is None or existing.content_hash() != draft.content_hash():
                    summary.changed.append(draft.requirement)
                self._write(draft)
            run = {**run, "changed": summary.changed}  # what "changed since the last run" filters on
            self.conn.execute(
                "INSERT OR REPLACE INTO gap_runs(id, started_at, doc) VALUES (?, ?, ?)",
                (run["id"], run["started_at"], json.dumps(run, default=str)),
            )
        return summary

    def _write(self, finding: Finding) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO findings(requirement, doc, updated_at) VALUES (?, ?, ?)",
            (finding.requirement, finding.model_dump_json(), _now().isoformat()),
        )

    def last_run(self) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT doc FROM gap_runs ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        return json.loads(row["doc"]) if row else None

    def runs(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT doc FROM gap_runs ORDER BY started_at, rowid")
        return [json.loads(r["doc"]) for r in rows]

    # -- review actions -------------------------------------------------------------------
    def review(
        self,
        requirement: str,
        action: str,
        reviewer: str,
        *,
        draft_hash: str | None = None,
        expected_position: int | None = None,
        note: str | None = None,
        status: FindingStatus | None = None,
        rationale: str | None = None,
        actions: list[str] | None = None,
        owner: str | None = None,
        due: date | None = None,
        source: dict[str, Any] | None = None,
    ) -> Finding:
        """Apply accept|edit|reject|reopen to one finding and append the event, atomically.

        `draft_hash` is the content hash of the draft the reviewer read (a prefix of 8 or more
        characters will do); `expected_position` the finding's trail position when they read it.
        Either one no longer matching refuses the decision.
        """
        rid = resolve_requirement(requirement)
        with transaction(self.conn):
            return self._decide(rid, action, reviewer, draft_hash=draft_hash, expected_position=expected_position,
                                note=note, status=status, rationale=rationale, actions=actions,
                                owner=owner, due=due, source=source or {"via": "cli"})

    def _decide(self, rid: str, action: str, reviewer: str, *, draft_hash: str | None,
                expected_position: int | None, note: str | None, status: FindingStatus | None,
                rationale: str | None, actions: list[str] | None, source: dict[str, Any],
                owner: str | None = None, due: date | None = None) -> Finding:
        if action not in ACTIONS:
            raise ReviewError(f"unknown review action {action!r}")
        if not reviewer or not reviewer.strip():
            raise ReviewError("a reviewer name is required (--reviewer or AIMS_REVIEWER)")
        reviewer = reviewer.strip()
        finding = self.get(rid)
        if finding is None:
            raise ReviewError(f"no finding for {rid} yet; run `aims gap run` first")
        shown = finding.shown_draft()
        shown_hash = shown.content_hash()
        self._check_current(finding, shown_hash, draft_hash, expected_position)
        before = review_view(finding)
        now = _now()
        if action == "reopen":
            if not finding.review.state.is_human_decision:
                raise ReviewError(f"{rid} is not decided ({finding.review.state.value}); there is nothing to reopen")
            updated = finding.waiting_draft() or finding.model_copy(update={"review": Review()})
            updated.owner, updated.due = finding.owner, finding.due
            updated.review = Review(note=note) if note else Review()
        else:
            if finding.pending_draft:
                basis = shown_hash  # the waiting machine draft is what is being decided
            elif finding.review.state.is_human_decision:
                basis = finding.review.draft_hash or shown_hash
            else:
                basis = shown_hash
            updated = shown.model_copy(deep=True)
            updated.pending_draft = None
            updated.owner, updated.due = finding.owner, finding.due
            state = {"accept": ReviewState.ACCEPTED, "reject": ReviewState.REJECTED, "edit": ReviewState.EDITED}[action]
            if action == "edit":
                if status is None and rationale is None and actions is None and owner is None and due is None:
                    raise ReviewError("edit needs at least one of --status, --rationale, --action, --owner, --due")
                updated.owner = owner.strip() or None if owner is not None else updated.owner
                updated.due = due if due is not None else updated.due
                updated.status = status or updated.status
                updated.rationale = rationale if rationale is not None else updated.rationale
                updated.actions = actions if actions is not None else updated.actions
            updated.review = Review(state=state, reviewer=reviewer, at=now, note=note, draft_hash=basis)
        self._write(updated)
        self._append_event(rid, action, reviewer, now, before, review_view(updated), shown_hash, source)
        return updated

    def _check_current(self, finding: Finding, shown_hash: str, draft_hash: str | None,
                       expected_position: int | None) -> None:
        rid = finding.requirement
        if draft_hash is not None:
            given = draft_hash.strip().lower()
            if len(given) < 8 or not shown_hash.startswith(given):
                raise StaleDecision(
                    f"{rid}: the draft you acted on ({given[:16] or 'none'}) is not the current draft "
                    f"({shown_hash}); it changed since you read it (a re-run or an edit). Read it again and decide."
                )
        if expected_position is not None:
            position = self.trail_position(rid)
            if position != expected_position:
                last = self.last_event(rid)
                who = f"{last.actor} ({last.action}, {last.at.isoformat()})" if last else "someone"
                raise StaleDecision(f"{rid}: decided by {who} since you loaded it; reload it and decide again")

    def _key(self) -> bytes:
        try:
            key = load_key(self.workspace.root, create=True)
        except TrailKeyError as exc:
            raise ReviewError(str(exc)) from exc
        assert key is not None
        return key

    def _append_event(self, requirement: str, action: str, actor: str, at: datetime, before: dict[str, Any],
                      after: dict[str, Any], draft_hash: str | None, source: dict[str, Any]) -> ReviewEvent:
        key_file = self._key_file()
        key_existed = key_file is None or key_file.exists()  # an env key, or a key file made earlier
        key = self._key()
        head = self.head()
        if head.mac is None and head.events and key_existed:
            # A trail keyed before never has an unsealed head; only a pre-key workspace being
            # keyed for the first time (its key created just now) may be sealed here.
            raise ReviewError("the trail head is unsealed although a trail key is set; run `aims review verify` — "
                              "the trail may have been rewritten (or seal a pre-key trail with --seal-legacy)")
        if head.key_id and head.key_id != key_id(key):
            raise ReviewError("the trail key is not the one that sealed this trail; set AIMS_TRAIL_KEY (or restore "
                              "the key file) to the original key before recording decisions")
        last = self.conn.execute("SELECT seq, hash FROM review_events ORDER BY seq DESC LIMIT 1").fetchone()
        event = ReviewEvent(
            seq=(last["seq"] + 1) if last else 1,
            requirement=requirement,
            actor=actor,
            at=at,
            action=action,
            before=before,
            after=after,
            previous_hash=last["hash"] if last else GENESIS_HASH,
            draft_hash=draft_hash,
            source=source,
            algorithm=KEYED,
        )
        event = event.model_copy(update={"hash": event.compute_hash(key)})
        self.conn.execute(
            "INSERT INTO review_events(seq, requirement, doc, hash) VALUES (?, ?, ?, ?)",
            (event.seq, requirement, event.model_dump_json(), event.hash),
        )
        new_head = sealed_head(key, event.seq, event.hash, head.legacy_events)
        self.conn.execute(
            "INSERT OR REPLACE INTO trail_head(id, events, hash, legacy_events, key_id, mac) VALUES (1, ?, ?, ?, ?, ?)",
            (new_head.events, new_head.hash, new_head.legacy_events, new_head.key_id, new_head.mac),
        )
        return event

    # -- the review workbook --------------------------------------------------------------
    def import_rows(self, rows: Sequence[SheetDecision], reviewer: str, source_name: str) -> list[RowOutcome]:
        """All or nothing, idempotent: see cli.workspace.sheet_import."""
        from cli.workspace.sheet_import import import_rows

        return import_rows(self, rows, reviewer, source_name)

    # -- verification ---------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Problems with the review trail: chain, seals, head, or findings that disagree with it."""
        try:
            key = load_key(self.workspace.root, create=False)
        except TrailKeyError as exc:
            return [str(exc)]
        rows = [EventRow(r["seq"], r["requirement"], r["hash"], r["doc"])
                for r in self.conn.execute("SELECT seq, requirement, hash, doc FROM review_events ORDER BY seq")]
        row = self.conn.execute("SELECT events, hash, legacy_events, key_id, mac FROM trail_head WHERE id = 1").fetchone()
        head = TrailHead(row["events"], row["hash"], row["legacy_events"], row["key_id"], row["mac"]) if row else None
        return verify_trail(rows, head, self.all(), key)

    def seal_legacy(self) -> TrailHead:
        """Seal the head of a trail written before the trail was keyed, after a person checked it.

        Refused when anything but the missing seal is wrong, or when the head is already sealed.
        """
        head = self.head()
        if head.mac is not None:
            raise ReviewError("the trail head is already sealed")
        problems = [p for p in self.verify() if "unsealed" not in p]
        if problems:
            raise ReviewError("the trail has other problems; not sealing it: " + "; ".join(problems))
        key = self._key()
        sealed = sealed_head(key, head.events, head.hash, head.events)
        with transaction(self.conn):
            self.conn.execute("UPDATE trail_head SET legacy_events = ?, key_id = ?, mac = ? WHERE id = 1",
                              (sealed.legacy_events, sealed.key_id, sealed.mac))
        return sealed

    def _key_file(self):  # type: ignore[no-untyped-def]
        from cli.workspace.trail import KEY_ENV, key_path

        return None if os.environ.get(KEY_ENV) else key_path(self.workspace.root)
