"""Readiness by clause group and by Annex A group: how many requirements are conformant,
partial, a gap, lacking evidence, not applicable or not assessed yet. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gap.models import Finding, FindingStatus, ReviewState

NOT_ASSESSED = "not-assessed"
#: Chart order: best to worst, then what is unknown.
SEGMENTS = (FindingStatus.CONFORMANT.value, FindingStatus.PARTIAL.value, FindingStatus.GAP.value,
            FindingStatus.INSUFFICIENT_EVIDENCE.value, FindingStatus.NOT_APPLICABLE.value, NOT_ASSESSED)


@dataclass
class GroupReadiness:
    group: str
    kind: str  # clause | control
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEGMENTS, 0))
    decided: int = 0
    requirements: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def conformant_share(self) -> float:
        applicable = self.total - self.counts[FindingStatus.NOT_APPLICABLE.value]
        return self.counts[FindingStatus.CONFORMANT.value] / applicable if applicable else 1.0


def effective_status(finding: Finding | None) -> str:
    """What a finding counts as: a rejected draft claims nothing, so it is not assessed."""
    if finding is None or finding.review.state is ReviewState.REJECTED:
        return NOT_ASSESSED
    return finding.status.value


def readiness(findings: Iterable[Finding], requirements: Sequence[Any]) -> list[GroupReadiness]:
    """One row per catalogue group, clauses first, in catalogue order."""
    by_id = {f.requirement: f for f in findings}
    groups: dict[str, GroupReadiness] = {}
    for requirement in requirements:
        kind = str(getattr(requirement, "kind", "clause"))
        row = groups.setdefault(requirement.group, GroupReadiness(requirement.group, kind))
        finding = by_id.get(requirement.id)
        row.counts[effective_status(finding)] += 1
        row.requirements.append(requirement.id)
        if finding is not None and finding.review.state.is_human_decision:
            row.decided += 1
    return list(groups.values())
