"""build_soa(): 38-row shape, applicability, status mapping, inclusion basis, evidence, human choices kept."""

from __future__ import annotations

from datetime import datetime, timezone

from gap.models import (
    Citation,
    Drafter,
    Finding,
    FindingStatus,
    ImplementationStatus,
    InclusionBasis,
    Review,
    ReviewState,
    SoAEntry,
    TechnicalEvidence,
)
from gap.requirements import CrosswalkRef
from gap.soa import build_soa, citation_label
from tests.fakes import FakeCatalogue, FakeRequirement

def ref(framework: str, reference: str) -> CrosswalkRef:
    return CrosswalkRef.model_validate({"framework": framework, "ref": reference, "relationship": "related"})


CATALOGUE = FakeCatalogue([
    FakeRequirement(id="5.2", title="AI policy", kind="clause"),
    FakeRequirement(id="A.2.2", title="AI policy", crosswalk=(ref("iso27001-2022", "5.2"),)),
    FakeRequirement(id="A.6.2.8", title="AI system recording of event logs",
                    crosswalk=(ref("eu-ai-act", "Art. 12"), ref("nist-ai-rmf", "MEASURE 2.4"))),
    FakeRequirement(id="A.8.5", title="Information for interested parties", crosswalk=(ref("eu-ai-act", "Art. 13"),)),
    FakeRequirement(id="A.10.4", title="Customers"),
])
DRAFTER = Drafter(model="offline", prompt="offline-heuristic@1")


def finding(requirement: str, status: FindingStatus, **extra: object) -> Finding:
    return Finding(requirement=requirement, status=status, rationale=f"Why {requirement} is {status.value}.",
                   drafted_by=DRAFTER, evidence_hash="h", **extra)  # type: ignore[arg-type]


FINDINGS = [
    finding("5.2", FindingStatus.CONFORMANT),
    finding("A.2.2", FindingStatus.CONFORMANT, citations=[
        Citation(chunk_id="c1", document="ai-policy.md", section="AI policy > Purpose", start=0, end=4, quote="Acme"),
        Citation(chunk_id="c2", document="ai-policy.md", section="AI policy > Purpose", start=9, end=13, quote="uses"),
        Citation(chunk_id="c3", document="supplier-management.pdf", page=3, start=5, end=9, quote="must")]),
    finding("A.6.2.8", FindingStatus.PARTIAL, technical_evidence=[
        TechnicalEvidence(kind="cloud-control", id="ctl-1", summary="invocation-logging disabled"),
        TechnicalEvidence(kind="scan-coverage", id="inventory", summary="3 systems")]),
    finding("A.8.5", FindingStatus.INSUFFICIENT_EVIDENCE),
    finding("A.10.4", FindingStatus.NOT_APPLICABLE),
]


def by_control(entries: list[SoAEntry]) -> dict[str, SoAEntry]:
    return {e.control: e for e in entries}


def test_one_entry_per_annex_a_control_in_order() -> None:
    entries = build_soa(FINDINGS, CATALOGUE, None)
    assert [e.control for e in entries] == ["A.2.2", "A.6.2.8", "A.8.5", "A.10.4"]


def test_status_applicability_and_basis() -> None:
    entries = by_control(build_soa(FINDINGS, CATALOGUE))
    assert entries["A.2.2"].implementation_status is ImplementationStatus.IMPLEMENTED
    assert entries["A.2.2"].inclusion_basis == [InclusionBasis.RISK_ASSESSMENT]
    assert entries["A.6.2.8"].implementation_status is ImplementationStatus.PARTIALLY_IMPLEMENTED
    assert entries["A.6.2.8"].inclusion_basis == [InclusionBasis.RISK_ASSESSMENT, InclusionBasis.LEGAL]
    assert entries["A.8.5"].implementation_status is ImplementationStatus.NOT_IMPLEMENTED
    assert InclusionBasis.LEGAL in entries["A.8.5"].inclusion_basis
    excluded = entries["A.10.4"]
    assert not excluded.applicable and excluded.inclusion_basis == []
    assert excluded.implementation_status is ImplementationStatus.NOT_APPLICABLE
    assert excluded.exclusion_justification == "Why A.10.4 is not-applicable."


def test_evidence_and_justification_come_from_the_finding() -> None:
    entries = by_control(build_soa(FINDINGS, CATALOGUE))
    assert entries["A.2.2"].evidence == ["ai-policy.md § Purpose", "supplier-management.pdf p. 3"]
    assert entries["A.6.2.8"].evidence == ["ctl-1"]
    assert entries["A.2.2"].justification == "Why A.2.2 is conformant."
    assert citation_label(FINDINGS[1].citations[0]) == "ai-policy.md § Purpose"


def test_a_control_without_a_finding_is_marked_not_assessed() -> None:
    entry = by_control(build_soa([], CATALOGUE))["A.2.2"]
    assert entry.applicable and entry.implementation_status is ImplementationStatus.NOT_IMPLEMENTED
    assert "Not assessed" in entry.justification


def test_review_state_follows_the_finding() -> None:
    accepted = Review(state=ReviewState.ACCEPTED, reviewer="dana", at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    entries = by_control(build_soa([finding("A.2.2", FindingStatus.CONFORMANT, review=accepted)], CATALOGUE))
    assert entries["A.2.2"].review.state is ReviewState.ACCEPTED and entries["A.2.2"].review.reviewer == "dana"


def test_human_choices_on_the_previous_soa_are_kept() -> None:
    decided = Review(state=ReviewState.EDITED, reviewer="dana", at=datetime(2026, 3, 1, tzinfo=timezone.utc))
    previous = {
        "A.2.2": SoAEntry(control="A.2.2", applicable=True, implementation_status=ImplementationStatus.IMPLEMENTED,
                          inclusion_basis=[InclusionBasis.CONTRACTUAL], owner="CTO", review=decided),
        "A.6.2.8": SoAEntry(control="A.6.2.8", applicable=False, exclusion_justification="No AI logging in scope.",
                            implementation_status=ImplementationStatus.NOT_APPLICABLE, review=decided),
        "A.8.5": SoAEntry(control="A.8.5", applicable=True, owner="DPO",
                          implementation_status=ImplementationStatus.NOT_IMPLEMENTED),
    }
    entries = by_control(build_soa(FINDINGS, CATALOGUE, previous))
    assert entries["A.2.2"].owner == "CTO"
    assert entries["A.2.2"].inclusion_basis == [InclusionBasis.CONTRACTUAL, InclusionBasis.RISK_ASSESSMENT]
    assert entries["A.2.2"].review.state is ReviewState.EDITED
    assert not entries["A.6.2.8"].applicable
    assert entries["A.6.2.8"].implementation_status is ImplementationStatus.NOT_APPLICABLE
    assert entries["A.6.2.8"].exclusion_justification == "No AI logging in scope."
    # An undecided previous row only lends its owner.
    assert entries["A.8.5"].owner == "DPO" and entries["A.8.5"].review.state is ReviewState.DRAFT
