"""The roadmap: open gaps in phase order, the clause behind each, reviewed decisions respected."""

from __future__ import annotations

from gap.models import Drafter, Finding, FindingStatus, IsmsReuse, Review, ReuseState, ReviewState
from gap.requirements import ALL_IDS, load_catalogue
from gap.roadmap import PHASES, build_roadmap, every_id, phase_of

OFFLINE = Drafter(model="offline", prompt="t@1")


def finding(rid: str, status: FindingStatus, **extra) -> Finding:  # type: ignore[no-untyped-def]
    return Finding(requirement=rid, status=status, rationale="r", drafted_by=OFFLINE, evidence_hash="h", **extra)


def test_every_requirement_is_in_exactly_one_phase() -> None:
    ids = every_id()
    assert sorted(ids) == sorted(ALL_IDS) and len(ids) == len(set(ids))
    assert [p[0] for p in PHASES] == [
        "context-and-scope", "risk-impact-soa", "operational-controls", "performance-evaluation",
        "certification-readiness",
    ]
    assert phase_of("4.3") == "context-and-scope" and phase_of("6.1.3") == "risk-impact-soa"
    assert phase_of("A.6.2.8") == "operational-controls" and phase_of("9.2.2") == "performance-evaluation"
    assert phase_of("10.2") == "certification-readiness"


def test_open_items_are_ordered_by_phase_with_the_clause_behind_each() -> None:
    findings = [
        finding("10.2", FindingStatus.GAP, actions=["Set up corrective action."]),
        finding("A.7.5", FindingStatus.PARTIAL),
        finding("4.3", FindingStatus.GAP),
        finding("5.2", FindingStatus.CONFORMANT),
        finding("9.2.1", FindingStatus.PARTIAL, isms_reuse=IsmsReuse(
            iso27001=["9.2.1"], relationship="equivalent", state=ReuseState.COUNTED)),
    ]
    plan = build_roadmap(findings, load_catalogue())
    order = [i.requirement for p in plan.phases for i in p.items]
    assert order == ["4.3", "A.7.5", "9.2.1", "10.2"]
    items = {i.requirement: i for p in plan.phases for i in p.items}
    assert items["A.7.5"].clause == "6.1.3" and items["4.3"].clause == "4.3"
    assert items["4.3"].title == "Determining the scope of the AI management system"
    assert items["9.2.1"].isms_reuse == ["9.2.1"] and items["10.2"].actions == ["Set up corrective action."]
    assert plan.open == 4 and plan.closed == 1


def test_a_reviewers_decision_counts() -> None:
    accepted_na = finding("A.10.4", FindingStatus.NOT_APPLICABLE, review=Review(state=ReviewState.EDITED))
    rejected = finding("A.9.4", FindingStatus.CONFORMANT, review=Review(state=ReviewState.REJECTED))
    plan = build_roadmap([accepted_na, rejected])
    items = [i for p in plan.phases for i in p.items]
    assert [i.requirement for i in items] == ["A.9.4"] and items[0].reviewed
