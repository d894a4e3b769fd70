"""Findings and the review trail. A re-run never overwrites a human decision.

A new machine draft for a reviewed requirement is kept beside the decision as `pending_draft`
(and flagged stale when its evidence changed); only an explicit `reopen` adopts it. Every
review action appends a hash-chained ReviewEvent in the same transaction as the change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cli.workspace.db import WorkspaceError, transaction
from cli.workspace.store import Workspace
from gap.models import Finding, FindingStatus, Review, ReviewEvent, ReviewState

GENESIS_HASH = "0" * 64


class ReviewError(WorkspaceError):
    pass


@dataclass
class SaveSummary:
    new: int = 0
    updated: int = 0
    preserved: int = 0
    stale: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _review_view(finding: Finding) -> dict[str, Any]:
    return {
        "status": finding.status.value,
        "rationale": finding.rationale,
        "actions": list(finding.actions),
        "review": finding.review.model_dump(mode="json"),
    }


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

    def events(self, requirement: str | None = None) -> list[ReviewEvent]:
        if requirement:
            rows = self.conn.execute("SELECT doc FROM review_events WHERE requirement = ? ORDER BY seq", (requirement,))
        else:
            rows = self.conn.execute("SELECT doc FROM review_events ORDER BY seq")
        return [ReviewEvent.model_validate_json(r["doc"]) for r in rows]

    # -- drafts ---------------------------------------------------------------------------
    def save_drafts(self, drafts: list[Finding], run: dict[str, Any]) -> SaveSummary:
        summary = SaveSummary()
        with transaction(self.conn):
            for draft in drafts:
                existing = self.get(draft.requirement)
                if existing is not None and existing.review.state.is_human_decision:
                    if existing.evidence_hash != draft.evidence_hash:
                        summary.stale.append(draft.requirement)
                    existing.pending_draft = draft.model_dump(mode="json", exclude={"review", "pending_draft"})
                    self._write(existing)
                    summary.preserved += 1
                    continue
                if existing is None:
                    summary.new += 1
                else:
                    summary.updated += 1
                self._write(draft)
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

    # -- review actions -------------------------------------------------------------------
    def review(
        self,
        requirement: str,
        action: str,
        reviewer: str,
        *,
        note: str | None = None,
        status: FindingStatus | None = None,
        rationale: str | None = None,
        actions: list[str] | None = None,
    ) -> Finding:
        """Apply accept|edit|reject|reopen to one finding and append the event, atomically."""
        if not reviewer.strip():
            raise ReviewError("a reviewer name is required (--reviewer or AIMS_REVIEWER)")
        with transaction(self.conn):
            finding = self.get(requirement)
            if finding is None:
                raise ReviewError(f"no finding for {requirement}; run `aims gap run` first")
            before = _review_view(finding)
            now = _now()
            if action == "accept":
                finding.review = Review(state=ReviewState.ACCEPTED, reviewer=reviewer, at=now, note=note)
            elif action == "reject":
                finding.review = Review(state=ReviewState.REJECTED, reviewer=reviewer, at=now, note=note)
            elif action == "edit":
                if status is None and rationale is None and actions is None:
                    raise ReviewError("edit needs at least one of --status, --rationale, --action")
                finding.status = status or finding.status
                finding.rationale = rationale if rationale is not None else finding.rationale
                finding.actions = actions if actions is not None else finding.actions
                finding.review = Review(state=ReviewState.EDITED, reviewer=reviewer, at=now, note=note)
            elif action == "reopen":
                if finding.pending_draft:
                    finding = Finding.model_validate({**finding.pending_draft, "review": Review().model_dump()})
                else:
                    finding.review = Review()
            else:
                raise ReviewError(f"unknown review action {action!r}")
            self._write(finding)
            self._append_event(requirement, action, reviewer, now, before, _review_view(finding))
        return finding

    def _append_event(
        self, requirement: str, action: str, actor: str, at: datetime, before: dict[str, Any], after: dict[str, Any]
    ) -> ReviewEvent:
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
        )
        event = event.model_copy(update={"hash": event.compute_hash()})
        self.conn.execute(
            "INSERT INTO review_events(seq, requirement, doc, hash) VALUES (?, ?, ?, ?)",
            (event.seq, requirement, event.model_dump_json(), event.hash),
        )
        return event

    def verify(self) -> list[str]:
        """Problems with the review trail: broken hash chain, or findings that disagree with it."""
        problems: list[str] = []
        previous = GENESIS_HASH
        last_after: dict[str, dict[str, Any]] = {}
        for row in self.conn.execute("SELECT seq, hash, doc FROM review_events ORDER BY seq"):
            event = ReviewEvent.model_validate_json(row["doc"])
            if event.previous_hash != previous:
                problems.append(f"event {event.seq}: chain broken (previous hash does not match event {event.seq - 1})")
            if event.compute_hash() != event.hash or row["hash"] != event.hash:
                problems.append(f"event {event.seq}: content does not match its hash (edited after the fact)")
            previous = event.hash
            if event.after is not None:
                last_after[event.requirement] = event.after
        for finding in self.all():
            expected = last_after.get(finding.requirement)
            if expected is None:
                if finding.review.state.is_human_decision:
                    problems.append(f"{finding.requirement}: marked {finding.review.state.value} with no review event")
                continue
            if _review_view(finding) != expected:
                problems.append(f"{finding.requirement}: finding differs from its last review event")
        return problems
