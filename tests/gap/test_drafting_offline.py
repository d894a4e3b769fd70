"""The offline drafter on a small in-memory corpus: no model, verbatim quotes, AI-specific gating."""

from __future__ import annotations

import pytest

from gap.drafting import DraftRequest, OfflineDrafter
from gap.models import FindingStatus, TechnicalEvidence
from tests.fakes import FakeDocument, FakePassageSource, FakeRequirement

AI_POLICY = FakeDocument(
    id="doc-ai",
    name="ai-policy.md",
    text=(
        "# AI policy\n\n"
        "## Event logging\n\n"
        "Every AI system records its model inputs, outputs and errors as event logs. "
        "Logs of AI systems are retained for ninety days and reviewed monthly by the system owner.\n\n"
        "## Incidents\n\n"
        "Staff report AI incidents to the security team."
    ),
    sections=[(0, 12, "AI policy"), (12, 200, "AI policy > Event logging"), (200, 400, "AI policy > Incidents")],
)
ISMS = FakeDocument(
    id="doc-isms",
    name="information-security-policy.md",
    text=(
        "# Information security policy\n\n"
        "## Supplier security\n\n"
        "Suppliers are assessed before contract. Supplier contracts include security requirements, "
        "and supplier performance is reviewed every year by the procurement team."
    ),
    sections=[(0, 31, "Information security policy"), (31, 400, "Information security policy > Supplier security")],
)

LOGGING = FakeRequirement(
    id="A.6.2.8",
    title="AI system recording of event logs",
    ai_specific=True,
    queries=("event logs of AI system inputs and outputs", "log retention"),
    keywords=("event log", "retained", "inputs", "outputs", "reviewed"),
    guidance="Say which events AI systems log and how long logs are kept.",
)
AI_SUPPLIERS = FakeRequirement(
    id="A.10.3",
    title="Suppliers",
    ai_specific=True,
    queries=("supplier assessment contracts", "supplier performance reviewed"),
    keywords=("supplier", "contract", "assessed", "reviewed"),
    guidance="Say how suppliers of AI products and services are chosen and held to the organisation's approach.",
)
COMPETENCE = FakeRequirement(
    id="7.2",
    title="Competence",
    kind="clause",
    queries=("competence training qualifications",),
    keywords=("competence", "training", "qualification"),
    guidance="Show how the competence of people doing AI work is determined and kept up.",
)


@pytest.fixture
def source() -> FakePassageSource:
    return FakePassageSource([AI_POLICY, ISMS])


def request_for(requirement: FakeRequirement, source: FakePassageSource, **extra: object) -> DraftRequest:
    return DraftRequest(requirement=requirement, passages=source.search_many(list(requirement.queries), 6), **extra)  # type: ignore[arg-type]


def test_a_well_covered_requirement_is_conformant_with_verbatim_quotes(source: FakePassageSource) -> None:
    finding = OfflineDrafter().draft(request_for(LOGGING, source))
    assert finding.status in (FindingStatus.CONFORMANT, FindingStatus.PARTIAL)
    assert 1 <= len(finding.citations) <= 3
    for citation in finding.citations:
        document = source.documents[source.get(citation.chunk_id).document_id]  # type: ignore[union-attr]
        assert document.text[citation.start : citation.end] == citation.quote
        assert citation.document == "ai-policy.md"
    assert finding.drafted_by.model == "offline"
    assert finding.drafted_by.prompt == "offline-heuristic@1"
    assert "without a language model" in finding.rationale
    assert "ai-policy.md" in finding.rationale


def test_an_ai_specific_requirement_is_not_covered_by_a_passage_without_ai_words(source: FakePassageSource) -> None:
    request = request_for(AI_SUPPLIERS, source)
    assert any(p.document == "information-security-policy.md" for p in request.passages)
    finding = OfflineDrafter().draft(request)
    assert finding.status is not FindingStatus.CONFORMANT
    assert finding.status in (FindingStatus.PARTIAL, FindingStatus.GAP)
    assert "never speaks of AI" in finding.rationale or finding.status is FindingStatus.GAP
    assert any("AI" in action for action in finding.actions)


def test_a_management_system_process_documented_only_for_the_isms_is_partial(source: FakePassageSource) -> None:
    generic = FakeRequirement(
        id="A.10.3", title="Suppliers", queries=AI_SUPPLIERS.queries, keywords=AI_SUPPLIERS.keywords
    )
    finding = OfflineDrafter().draft(request_for(generic, source))
    assert finding.status is FindingStatus.PARTIAL
    assert "nothing shows that it extends to AI" in finding.rationale
    assert finding.citations[0].document == "information-security-policy.md"


def test_an_ai_passage_makes_a_management_system_requirement_conformant() -> None:
    text = (
        "## Supplier security\n\n"
        "Suppliers of AI services are assessed before contract. Supplier contracts for AI systems are reviewed "
        "every year, and each supplier is assessed again when its models change."
    )
    document = FakeDocument(id="doc-ai2", name="ai-suppliers.md", text=text, sections=[(0, len(text), "AI suppliers")])
    generic = FakeRequirement(
        id="A.10.3", title="Suppliers", queries=AI_SUPPLIERS.queries, keywords=AI_SUPPLIERS.keywords
    )
    finding = OfflineDrafter().draft(request_for(generic, FakePassageSource([document, ISMS])))
    assert finding.status is FindingStatus.CONFORMANT
    assert finding.citations[0].document == "ai-suppliers.md"


def test_nothing_relevant_is_a_gap_with_an_action(source: FakePassageSource) -> None:
    finding = OfflineDrafter().draft(request_for(COMPETENCE, source))
    assert finding.status is FindingStatus.GAP
    assert finding.citations == []
    assert finding.actions and COMPETENCE.guidance in finding.actions[0]


def test_no_passages_at_all_is_insufficient_evidence() -> None:
    finding = OfflineDrafter().draft(DraftRequest(requirement=LOGGING, passages=[]))
    assert finding.status is FindingStatus.INSUFFICIENT_EVIDENCE
    assert finding.confidence == "low"
    assert "aims policies add" in finding.actions[0]


def test_a_discovery_concern_caps_conformant_at_partial(source: FakePassageSource) -> None:
    item = TechnicalEvidence(kind="cloud-control", id="ctl-1", summary="invocation-logging disabled in 1/eu-west-1")
    plain = OfflineDrafter().draft(request_for(LOGGING, source))
    concerned = OfflineDrafter().draft(
        request_for(LOGGING, source, technical_evidence=[item], concerns=["invocation-logging is disabled in 1/eu-west-1"])
    )
    assert plain.status is FindingStatus.CONFORMANT
    assert concerned.status is FindingStatus.PARTIAL
    assert concerned.technical_evidence == [item]
    assert "invocation-logging is disabled" in concerned.rationale
    assert any(a.startswith("Resolve:") for a in concerned.actions)


def test_evidence_hash_changes_with_the_evidence_and_is_stable_otherwise(source: FakePassageSource) -> None:
    drafter = OfflineDrafter()
    first = drafter.draft(request_for(LOGGING, source))
    again = drafter.draft(request_for(LOGGING, source))
    fewer = drafter.draft(DraftRequest(requirement=LOGGING, passages=request_for(LOGGING, source).passages[:1]))
    assert first.evidence_hash == again.evidence_hash
    assert first.evidence_hash != fewer.evidence_hash


def test_fallback_drafts_say_why_they_are_offline(source: FakePassageSource) -> None:
    finding = OfflineDrafter().draft(request_for(LOGGING, source, fallback_reason="the endpoint was unreachable"))
    assert "A language model was requested, but the endpoint was unreachable" in finding.rationale
