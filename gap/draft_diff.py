"""What changed between the draft a reviewer decided and the newer draft waiting beside it. Pure."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from gap.models import Finding
from gap.soa import citation_label


@dataclass(frozen=True)
class DraftChange:
    field: str
    before: str
    after: str


def _words_diff(before: str, after: str) -> str:
    """A compact word-level diff: [-removed-] {+added+}."""
    a, b = before.split(), after.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            words = a[i1:i2]
            out.append(" ".join(words if len(words) <= 8 else [*words[:3], "…", *words[-3:]]))
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def draft_changes(decided: Finding, waiting: Finding) -> list[DraftChange]:
    """Field by field, what the waiting draft changes; empty when the content is the same."""
    changes: list[DraftChange] = []
    if decided.status != waiting.status:
        changes.append(DraftChange("status", decided.status.value, waiting.status.value))
    if decided.rationale != waiting.rationale:
        changes.append(DraftChange("rationale", decided.rationale, _words_diff(decided.rationale, waiting.rationale)))
    before = {(c.document, c.start, c.end): c for c in decided.citations}
    after = {(c.document, c.start, c.end): c for c in waiting.citations}
    for key in after.keys() - before.keys():
        changes.append(DraftChange("citation added", "", f"{citation_label(after[key])}: “{after[key].quote}”"))
    for key in before.keys() - after.keys():
        changes.append(DraftChange("citation removed", f"{citation_label(before[key])}: “{before[key].quote}”", ""))
    old_ev = {e.id for e in decided.technical_evidence}
    new_ev = {e.id for e in waiting.technical_evidence}
    for ident in sorted(new_ev - old_ev):
        changes.append(DraftChange("evidence added", "", ident))
    for ident in sorted(old_ev - new_ev):
        changes.append(DraftChange("evidence removed", ident, ""))
    if decided.actions != waiting.actions:
        changes.append(DraftChange("actions", "; ".join(decided.actions), "; ".join(waiting.actions)))
    return changes
