"""The roadmap: open gaps in the order an organisation usually works towards certification. Pure.

Phases: context and scope, then risk and impact assessment with the SoA, then the operational
controls, then performance evaluation, then certification readiness (improvement and whatever
is left). Within a phase the worst come first (gap, then missing evidence, then partial, then
drafts a reviewer rejected), then catalogue order. Shared by the report, `aims serve` and any
`gap roadmap` command.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gap.models import Finding, FindingStatus, ReviewState

PHASES = (
    "Context and scope",
    "Risk and impact assessment, and the SoA",
    "Operational controls",
    "Performance evaluation",
    "Certification readiness",
)

# Requirement id prefixes per phase (clause numbers and Annex A groups); the first match wins.
_PHASE_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("4.", "5.", "A.2.", "A.3."),
    ("6.", "8.2", "8.3", "8.4", "A.5."),
    ("7.", "8.", "A.4.", "A.6.", "A.7.", "A.8.", "A.9.", "A.10."),
    ("9.",),
    ("10.",),
)
_SEVERITY = {FindingStatus.GAP: 0, FindingStatus.INSUFFICIENT_EVIDENCE: 1, FindingStatus.PARTIAL: 2}
OPEN = frozenset(_SEVERITY)


@dataclass(frozen=True)
class RoadmapItem:
    requirement: str
    title: str
    status: str  # the finding's status, or "awaiting a decision" for a rejected draft
    actions: tuple[str, ...] = ()
    owner: str | None = None
    due: date | None = None


@dataclass
class Phase:
    name: str
    items: list[RoadmapItem] = field(default_factory=list)


def phase_of(requirement: str) -> int:
    for index, prefixes in enumerate(_PHASE_PREFIXES):
        if requirement.startswith(prefixes):
            return index
    return len(PHASES) - 1


def _is_open(finding: Finding) -> bool:
    return finding.review.state is ReviewState.REJECTED or finding.status in OPEN


def roadmap(findings: Iterable[Finding], order: Sequence[str] | None = None,
            titles: dict[str, str] | None = None) -> list[Phase]:
    """The phases with their open items; `order` is the catalogue's id order (ties broken by it)."""
    position = {rid: i for i, rid in enumerate(order or ())}
    phases = [Phase(name) for name in PHASES]
    open_findings = [f for f in findings if _is_open(f)]

    def rank(f: Finding) -> tuple[int, int, str]:
        severity = 3 if f.review.state is ReviewState.REJECTED else _SEVERITY[f.status]
        return (severity, position.get(f.requirement, len(position)), f.requirement)

    for finding in sorted(open_findings, key=rank):
        status = "awaiting a decision" if finding.review.state is ReviewState.REJECTED else finding.status.value
        title = (titles or {}).get(finding.requirement) or finding.title
        phases[phase_of(finding.requirement)].items.append(RoadmapItem(
            finding.requirement, title, status, tuple(finding.actions), finding.owner, finding.due))
    return phases
