"""Importing a review workbook: all or nothing, in one transaction, idempotent, credited to the
reviewer who imports it. Each row is applied, unchanged (imported before: its fingerprint is on
the finding's last event) or refused with the reason; one refusal applies nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cli.workspace.db import WorkspaceError, transaction
from gap.export.review_sheet import SheetDecision

if TYPE_CHECKING:
    from cli.workspace.findings import FindingStore


@dataclass(frozen=True)
class RowOutcome:
    row: int
    requirement: str
    outcome: str  # applied | unchanged | refused
    detail: str = ""


class ImportRefused(WorkspaceError):
    def __init__(self, outcomes: list[RowOutcome]) -> None:
        self.outcomes = outcomes
        refused = [o for o in outcomes if o.outcome == "refused"]
        super().__init__(f"{len(refused)} row(s) refused; nothing was applied")


def import_rows(store: FindingStore, rows: Sequence[SheetDecision], reviewer: str, source_name: str) -> list[RowOutcome]:
    """All or nothing: every row applied in one transaction, or none when any is refused.

    A row already imported (its fingerprint is on the finding's last event) is unchanged,
    so importing the same file twice records nothing new.
    """
    from cli.workspace.findings import ReviewError

    if not reviewer or not reviewer.strip():
        raise ReviewError("a reviewer name is required (--reviewer or AIMS_REVIEWER)")
    outcomes: list[RowOutcome] = []
    with transaction(store.conn):
        for row in rows:
            outcomes.append(_import_row(store, row, reviewer, source_name))
        if any(o.outcome == "refused" for o in outcomes):
            raise ImportRefused(outcomes)
    return outcomes


def _import_row(store: FindingStore, row: SheetDecision, reviewer: str, source_name: str) -> RowOutcome:
    from cli.workspace.findings import ReviewError, StaleDecision, resolve_requirement

    def refused(detail: str) -> RowOutcome:
        return RowOutcome(row.row, row.requirement, "refused", detail)

    if row.problem:
        return refused(row.problem)
    try:
        rid = resolve_requirement(row.requirement)
    except ReviewError:
        return refused(f"unknown requirement {row.requirement!r}")
    finding = store.get(rid)
    if finding is None:
        return refused(f"no finding for {rid}")
    last = store.last_event(rid)
    if last is not None and (last.source or {}).get("row_key") == row.row_key:
        return RowOutcome(row.row, rid, "unchanged", "already imported")
    if not row.draft_hash or row.trail_position is None:
        return refused("the row has no draft hash or trail position; export a fresh workbook")
    source = {"via": "review-sheet", "file": source_name, "row": row.row, "row_key": row.row_key}
    try:
        updated = store._decide(rid, row.decision, reviewer, draft_hash=row.draft_hash,
                               expected_position=row.trail_position, note=row.note,
                               status=row.status if row.decision == "edit" else None,
                               rationale=row.rationale if row.decision == "edit" else None,
                               actions=None, source=source)
    except StaleDecision as exc:
        return refused("stale: " + str(exc).split(": ", 1)[-1])
    except ReviewError as exc:
        return refused(str(exc))
    return RowOutcome(row.row, rid, "applied", f"{updated.review.state.value} ({updated.status.value})")
