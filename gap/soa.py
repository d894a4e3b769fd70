"""The Statement of Applicability: one entry per Annex A control, built from the findings. Pure.

A control is applicable unless its finding is not-applicable; the
implementation status follows the finding's status; the inclusion basis is
the risk assessment, plus legal where the catalogue crosswalks the control to
the EU AI Act. What people decided on a previous SoA (owner, applicability,
extra inclusion bases, their review) is kept over the machine's defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from gap.models import (
    Citation,
    Finding,
    FindingStatus,
    ImplementationStatus,
    InclusionBasis,
    Review,
    ReviewState,
    SoAEntry,
)

IMPLEMENTATION_BY_STATUS: dict[FindingStatus, ImplementationStatus] = {
    FindingStatus.CONFORMANT: ImplementationStatus.IMPLEMENTED,
    FindingStatus.PARTIAL: ImplementationStatus.PARTIALLY_IMPLEMENTED,
    FindingStatus.GAP: ImplementationStatus.NOT_IMPLEMENTED,
    # Nothing shows it is in place, so an SoA cannot claim it is.
    FindingStatus.INSUFFICIENT_EVIDENCE: ImplementationStatus.NOT_IMPLEMENTED,
    FindingStatus.NOT_APPLICABLE: ImplementationStatus.NOT_APPLICABLE,
}


#: The crosswalk framework id of the EU AI Act (gap.requirements.Framework.EU_AI_ACT).
EU_AI_ACT = "eu-ai-act"


class ControlCatalogue(Protocol):
    def controls(self) -> Sequence[Any]: ...


def citation_label(citation: Citation) -> str:
    """"ai-policy.md § Scope" or "supplier-management.pdf p. 3"."""
    label = citation.document
    if citation.section:
        label += f" § {citation.section.split(' > ')[-1]}"
    if citation.page:
        label += f" p. {citation.page}"
    return label


def awaiting_decision(review: Review) -> str:
    """The SoA's statement for a control whose draft a reviewer rejected."""
    who = f" by {review.reviewer}" if review.reviewer else ""
    when = f" on {review.at.date().isoformat()}" if review.at else ""
    why = f" ({review.note})" if review.note else ""
    return f"Awaiting a decision: the drafted statement was rejected{who}{when}{why}; no statement stands yet."


def _refs_eu_ai_act(crosswalk: Iterable[Any] | None) -> bool:
    """True when the catalogue crosswalks the control to the EU AI Act (a legal reason to include it)."""
    return any(str(getattr(ref, "framework", "")) == EU_AI_ACT for ref in crosswalk or ())


def _evidence(finding: Finding) -> list[str]:
    labels = [citation_label(c) for c in finding.citations]
    labels += [e.id for e in finding.technical_evidence if e.kind in ("ai-system", "cloud-control")]
    return list(dict.fromkeys(labels))


def _entry(control: Any, finding: Finding | None) -> SoAEntry:
    legal = _refs_eu_ai_act(getattr(control, "crosswalk", None))
    basis = [InclusionBasis.RISK_ASSESSMENT] + ([InclusionBasis.LEGAL] if legal else [])
    if finding is None:
        return SoAEntry(
            control=control.id,
            title=control.title,
            applicable=True,
            inclusion_basis=basis,
            implementation_status=ImplementationStatus.NOT_IMPLEMENTED,
            justification="Not assessed yet: run the gap analysis for this control.",
        )
    if finding.review.state is ReviewState.REJECTED:
        # A reviewer said the draft is wrong: it must not stand as the statement.
        return SoAEntry(
            control=control.id,
            title=control.title,
            applicable=True,
            inclusion_basis=basis,
            implementation_status=ImplementationStatus.NOT_IMPLEMENTED,
            justification=awaiting_decision(finding.review),
            review=finding.review.model_copy(),
        )
    if finding.status is FindingStatus.NOT_APPLICABLE:
        return SoAEntry(
            control=control.id,
            title=control.title,
            applicable=False,
            inclusion_basis=[],
            exclusion_justification=finding.rationale,
            implementation_status=ImplementationStatus.NOT_APPLICABLE,
            justification=finding.rationale,
            evidence=_evidence(finding),
            review=finding.review.model_copy(),
        )
    return SoAEntry(
        control=control.id,
        title=control.title,
        applicable=True,
        inclusion_basis=basis,
        implementation_status=IMPLEMENTATION_BY_STATUS[finding.status],
        justification=finding.rationale,
        evidence=_evidence(finding),
        review=finding.review.model_copy(),
    )


def _keep_human_choices(entry: SoAEntry, previous: SoAEntry | None) -> SoAEntry:
    if previous is None:
        return entry
    update: dict[str, Any] = {"owner": previous.owner or entry.owner}
    if previous.review.state.is_human_decision:
        # A person settled applicability and its basis; a new draft does not overrule them.
        update["applicable"] = previous.applicable
        update["exclusion_justification"] = previous.exclusion_justification
        update["inclusion_basis"] = list(dict.fromkeys([*previous.inclusion_basis, *entry.inclusion_basis])) if (
            previous.applicable
        ) else []
        if not previous.applicable:
            update["implementation_status"] = ImplementationStatus.NOT_APPLICABLE
        if not entry.review.state.is_human_decision:
            update["review"] = Review(**previous.review.model_dump())
    return entry.model_copy(update=update)


def build_soa(
    findings: Iterable[Finding], catalogue: ControlCatalogue, previous: Mapping[str, SoAEntry] | None = None
) -> list[SoAEntry]:
    """The 38 Annex A entries in catalogue order."""
    by_requirement = {f.requirement: f for f in findings}
    prior = previous or {}
    return [
        _keep_human_choices(_entry(control, by_requirement.get(control.id)), prior.get(control.id))
        for control in catalogue.controls()
    ]
