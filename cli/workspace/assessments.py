"""Impact assessments in the workspace, reviewed on the findings' hash-chained trail.

A re-draft never overwrites a human decision: it waits beside it as `pending_draft`. Every
review action appends a ReviewEvent (keyed `aisia:SYSTEM_ID`) in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from cli.workspace.db import transaction
from cli.workspace.findings import FindingStore, ReviewError
from cli.workspace.trail import ASSESSMENT_PREFIX
from cli.workspace.store import Workspace
from gap.aisia import ImpactAssessment
from gap.models import Review, ReviewState

TRAIL_PREFIX = ASSESSMENT_PREFIX


def _view(assessment: ImpactAssessment) -> dict[str, Any]:
    return {"sections": {s.key: s.text for s in assessment.sections},
            "review": assessment.review.model_dump(mode="json")}


class AssessmentStore:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.trail = FindingStore(workspace)

    @property
    def conn(self):  # type: ignore[no-untyped-def]
        return self.workspace.conn

    def all(self) -> list[ImpactAssessment]:
        return [ImpactAssessment.model_validate_json(d) for d in self.workspace.assessment_docs().values()]

    def get(self, system_id: str) -> ImpactAssessment | None:
        row = self.conn.execute("SELECT doc FROM assessments WHERE system_id = ?", (system_id,)).fetchone()
        return ImpactAssessment.model_validate_json(row["doc"]) if row else None

    def _write(self, assessment: ImpactAssessment) -> None:
        self.conn.execute("INSERT OR REPLACE INTO assessments(system_id, doc, updated_at) VALUES (?, ?, ?)",
                          (assessment.system_id, assessment.model_dump_json(),
                           datetime.now(timezone.utc).replace(microsecond=0).isoformat()))

    def save_draft(self, draft: ImpactAssessment) -> tuple[ImpactAssessment, bool]:
        """Store a draft; (stored assessment, whether a human decision was kept)."""
        with transaction(self.conn):
            existing = self.get(draft.system_id)
            if existing is not None and existing.review.state.is_human_decision:
                existing.pending_draft = draft.model_dump(mode="json", exclude={"review", "pending_draft"})
                self._write(existing)
                return existing, True
            self._write(draft)
            return draft, False

    def review(self, system_id: str, action: str, reviewer: str, *, note: str | None = None,
               sections: dict[str, str] | None = None) -> ImpactAssessment:
        if not reviewer.strip():
            raise ReviewError("a reviewer name is required (--reviewer or AIMS_REVIEWER)")
        with transaction(self.conn):
            assessment = self.get(system_id)
            if assessment is None:
                raise ReviewError(f"no impact assessment for {system_id}; run `aims assess {system_id}` first")
            before = _view(assessment)
            now = datetime.now(timezone.utc).replace(microsecond=0)
            if action == "edit":
                if not sections:
                    raise ReviewError("edit needs at least one --set SECTION=TEXT")
                known = {s.key for s in assessment.sections}
                unknown = sorted(set(sections) - known)
                if unknown:
                    raise ReviewError(f"unknown section(s) {unknown}; sections are {sorted(known)}")
                for section in assessment.sections:
                    if section.key in sections:
                        section.text, section.source, section.needs_human = sections[section.key], "human", False
                state = ReviewState.EDITED
            elif action in ("accept", "reject"):
                if action == "accept" and assessment.open_sections:
                    raise ReviewError(f"cannot accept: sections still need a person: {', '.join(assessment.open_sections)} "
                                      "(write them with --set SECTION=TEXT)")
                state = ReviewState.ACCEPTED if action == "accept" else ReviewState.REJECTED
            else:
                raise ReviewError(f"unknown review action {action!r}")
            assessment.review = Review(state=state, reviewer=reviewer, at=now, note=note)
            self._write(assessment)
            # The decision names the draft it decided, as a finding's does: the content read before it.
            draft_hash = hashlib.sha256(json.dumps(before, sort_keys=True, default=str).encode("utf-8")).hexdigest()
            self.trail._append_event(TRAIL_PREFIX + system_id, action, reviewer, now, before, _view(assessment),
                                     draft_hash, {"via": "cli", "kind": "impact-assessment"})
        return assessment

    def verify(self) -> list[str]:
        """Assessments whose state disagrees with their last event on the trail."""
        last: dict[str, dict[str, Any]] = {}
        for event in self.trail.events():
            if event.requirement.startswith(TRAIL_PREFIX) and event.after is not None:
                last[event.requirement.removeprefix(TRAIL_PREFIX)] = event.after
        problems = []
        for assessment in self.all():
            expected = last.get(assessment.system_id)
            if expected is None:
                if assessment.review.state.is_human_decision:
                    problems.append(f"aisia {assessment.system_id}: marked {assessment.review.state.value} with no review event")
            elif _view(assessment) != expected:
                problems.append(f"aisia {assessment.system_id}: differs from its last review event")
        return problems
