"""The implementation roadmap: open gaps ordered into the phases of work towards certification.

Pure: findings (plus the catalogue for titles and crosswalks) in, phases out.
The order is the usual order of an AIMS project, each phase building on the one
before: you cannot assess risk before the scope is set, or audit controls that
do not run yet. `aims gap roadmap` prints it; the report and `aims serve` use the same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gap.models import Finding, FindingStatus, ReviewState

#: (phase id, name, why it comes at this point, requirement ids it holds), in order.
PHASES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "context-and-scope",
        "Context and scope",
        "Decide what the AI management system covers and who leads it; everything else depends on it.",
        ("4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3"),
    ),
    (
        "risk-impact-soa",
        "Risk and impact assessment, Statement of Applicability",
        "Assess AI risks and impacts, choose the controls, and justify each in the SoA.",
        ("6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "8.2", "8.3", "8.4",
         "A.5.2", "A.5.3", "A.5.4", "A.5.5"),
    ),
    (
        "operational-controls",
        "Operational controls",
        "Put the chosen controls to work across the AI life cycle, data, suppliers and use.",
        ("6.3", "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3", "8.1",
         "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6", "A.6.1.2", "A.6.1.3",
         "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8",
         "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6", "A.8.2", "A.8.3", "A.8.4", "A.8.5",
         "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4"),
    ),
    (
        "performance-evaluation",
        "Performance evaluation",
        "Measure the system, audit it internally and review it with top management.",
        ("9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3"),
    ),
    (
        "certification-readiness",
        "Certification readiness",
        "Close nonconformities and show continual improvement before the certification audit.",
        ("10.1", "10.2"),
    ),
)  # fmt: skip
OPEN_STATUSES = (FindingStatus.GAP, FindingStatus.PARTIAL, FindingStatus.INSUFFICIENT_EVIDENCE)


class RoadmapItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    requirement: str
    title: str
    kind: str  # clause | control
    #: The clause that requires the work: the requirement itself for a clause; 6.1.3 (AI risk
    #: treatment, where Annex A controls are chosen and the SoA is written) for a control.
    clause: str
    status: str
    reviewed: bool
    actions: list[str] = Field(default_factory=list)
    #: ISO/IEC 27001:2022 clauses whose ISMS evidence can be extended instead of starting from nothing.
    isms_reuse: list[str] = Field(default_factory=list)
    #: Who closes it and by when, as a reviewer set them (`aims review edit --owner/--due`).
    owner: str | None = None
    due: date | None = None


class RoadmapPhase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int
    id: str
    name: str
    why: str
    items: list[RoadmapItem] = Field(default_factory=list)


class Roadmap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    phases: list[RoadmapPhase]
    open: int
    closed: int

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def phase_of(requirement_id: str) -> str:
    for phase_id, _, _, members in PHASES:
        if requirement_id in members:
            return phase_id
    raise ValueError(f"{requirement_id!r} is in no roadmap phase")


#: Worst first within a phase; a draft a reviewer rejected waits last, for a decision.
_SEVERITY = {FindingStatus.GAP: 0, FindingStatus.INSUFFICIENT_EVIDENCE: 1, FindingStatus.PARTIAL: 2}
AWAITING_DECISION = "awaiting a decision"


def _open_status(finding: Finding) -> str | None:
    """The status that counts, or None when the finding is closed: a reviewer's edit or acceptance
    stands; a rejected draft stays open, awaiting a decision, whatever it said."""
    if finding.review.state is ReviewState.REJECTED:
        return AWAITING_DECISION
    return finding.status.value if finding.status in OPEN_STATUSES else None


def _rank(status: str) -> int:
    return 3 if status == AWAITING_DECISION else _SEVERITY[FindingStatus(status)]


def build_roadmap(findings: Iterable[Finding], catalogue: Any | None = None) -> Roadmap:
    """Open findings (gap, insufficient evidence, partial, rejected drafts) in phase order; within a phase
    the worst first, then catalogue order."""
    by_id = {f.requirement: f for f in findings}
    phases: list[RoadmapPhase] = []
    open_count = closed = 0
    for number, (phase_id, name, why, members) in enumerate(PHASES, start=1):
        items: list[RoadmapItem] = []
        for rid in members:
            finding = by_id.get(rid)
            if finding is None:
                continue
            status = _open_status(finding)
            if status is None:
                closed += 1
                continue
            open_count += 1
            requirement = _lookup(catalogue, rid)
            kind = "control" if rid.startswith("A.") else "clause"
            reuse = finding.isms_reuse.iso27001 if finding.isms_reuse and finding.isms_reuse.state.value in (
                "counted", "available") else []
            items.append(
                RoadmapItem(
                    requirement=rid,
                    title=finding.title or (requirement.title if requirement is not None else ""),
                    kind=kind,
                    clause=rid if kind == "clause" else "6.1.3",
                    status=status,
                    reviewed=finding.review.state.is_human_decision,
                    actions=list(finding.actions),
                    isms_reuse=list(reuse),
                    owner=finding.owner,
                    due=finding.due,
                )
            )
        items.sort(key=lambda item: _rank(item.status))  # stable: catalogue order within a rank
        phases.append(RoadmapPhase(number=number, id=phase_id, name=name, why=why, items=items))
    return Roadmap(phases=phases, open=open_count, closed=closed)


def _lookup(catalogue: Any | None, rid: str) -> Any | None:
    if catalogue is None:
        return None
    try:
        return catalogue.get(rid)
    except (KeyError, ValueError):
        return None


def every_id() -> Sequence[str]:
    return [rid for *_, members in PHASES for rid in members]
