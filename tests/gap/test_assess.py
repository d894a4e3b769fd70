"""assess(): one finding per requirement, technical evidence, citation re-checks, LLM fallback."""

from __future__ import annotations

import httpx
import openai
import pytest

from discovery.controls import ControlKind, ControlStatus, make_control
from discovery.models import AISystem, Category, SystemStatus
from gap.assess import RetrieverPassages, assess
from gap.drafting import DraftRequest, OfflineDrafter
from gap.drafting.base import DraftSource
from gap.drafting.llm import LLMDrafter
from gap.drafting.settings import LLMSettings
from gap.evidence import gather_evidence, technical_evidence
from gap.models import Citation, Finding, FindingStatus
from tests.fakes import FakeCatalogue, FakePassageSource, FakeRequirement, QueuedChatModel, UnknownFakeRequirement
from tests.gap.test_drafting_offline import AI_POLICY, AI_SUPPLIERS, COMPETENCE, ISMS, LOGGING

CATALOGUE = FakeCatalogue([COMPETENCE, LOGGING, AI_SUPPLIERS])


def system(sid: str, status: SystemStatus, providers: list[str], categories: list[Category]) -> AISystem:
    return AISystem(id=sid, name=f"system {sid}", scope="repo", providers=providers, categories=categories,
                    status=status)


INVENTORY = [
    system("sys-b", SystemStatus.SHADOW, ["openai"], [Category.LLM_API]),
    system("sys-a", SystemStatus.SANCTIONED, ["pytorch"], [Category.ML_FRAMEWORK]),
    system("sys-c", SystemStatus.UNKNOWN, ["aws-bedrock"], [Category.CLOUD_AI_SERVICE]),
]
CONTROLS = [
    make_control(ControlKind.INVOCATION_LOGGING, "111122223333", "eu-west-1", ControlStatus.DISABLED),
    make_control(ControlKind.INVOCATION_LOGGING, "111122223333", "us-east-1", ControlStatus.ENABLED, "to S3"),
    make_control(ControlKind.GUARDRAILS, "111122223333", "eu-west-1", ControlStatus.PRESENT),
]


@pytest.fixture
def source() -> FakePassageSource:
    return FakePassageSource([AI_POLICY, ISMS])


# --- evidence ---------------------------------------------------------------------


def test_evidence_by_tag() -> None:
    shadow = gather_evidence(["shadow-ai"], INVENTORY, CONTROLS)
    assert [e.id for e in shadow.items] == ["sys-b"]
    assert shadow.concerns == ["1 AI systems in use are not in the sanctioned-AI register (shadow AI)"]
    inventory = gather_evidence(["inventory"], INVENTORY)
    assert inventory.items[0].summary == "3 AI systems discovered: 1 sanctioned, 1 shadow, 1 unknown"
    logging = gather_evidence(["invocation-logging"], INVENTORY, CONTROLS)
    assert [e.kind for e in logging.items] == ["cloud-control", "cloud-control"]
    assert [e.summary.split(" in ")[1][:22] for e in logging.items] == ["111122223333/eu-west-1", "111122223333/us-east-1"]
    assert logging.concerns == ["invocation-logging is disabled in 111122223333/eu-west-1"]
    assert [e.id for e in technical_evidence(["third-party-ai"], INVENTORY)] == ["sys-b", "sys-c"]
    assert [e.id for e in technical_evidence(["data-sources"], INVENTORY)] == ["sys-a"]
    assert [e.id for e in technical_evidence(["compute-resources"], INVENTORY)] == ["sys-c"]
    assert gather_evidence(["shadow-ai", "inventory"], (), ()).items == []
    with pytest.raises(ValueError, match="unknown technical-evidence tag"):
        gather_evidence(["telepathy"])


def test_evidence_lists_are_capped() -> None:
    many = [system(f"sys-{i:03}", SystemStatus.SHADOW, ["openai"], [Category.LLM_API]) for i in range(25)]
    items = technical_evidence(["shadow-ai"], many)
    assert len(items) == 21 and items[-1].summary == "and 5 more shadow systems"


# --- assess -------------------------------------------------------------------------


def test_one_finding_per_requirement_in_catalogue_order(source: FakePassageSource) -> None:
    seen: list[tuple[int, int, str]] = []
    result = assess(CATALOGUE, source, OfflineDrafter(), progress=lambda n, total, f: seen.append((n, total, f.requirement)))
    assert [f.requirement for f in result.findings] == ["7.2", "A.6.2.8", "A.10.3"]
    assert seen == [(1, 3, "7.2"), (2, 3, "A.6.2.8"), (3, 3, "A.10.3")]
    assert result.problems == [] and result.fallback_reason is None
    assert all(f.drafted_by.model == "offline" for f in result.findings)
    assert source.searches[1] == list(LOGGING.queries)


def test_only_selects_and_validates_ids(source: FakePassageSource) -> None:
    result = assess(CATALOGUE, source, OfflineDrafter(), only=["A.10.3", "7.2"])
    assert [f.requirement for f in result.findings] == ["7.2", "A.10.3"]  # catalogue order, not argument order
    with pytest.raises(UnknownFakeRequirement):
        assess(CATALOGUE, source, OfflineDrafter(), only=["9.9.9"])


def test_technical_evidence_reaches_the_finding(source: FakePassageSource) -> None:
    logging = FakeRequirement(**{**LOGGING.__dict__, "technical_evidence": ("invocation-logging",)})
    result = assess(FakeCatalogue([logging]), source, OfflineDrafter(), inventory=INVENTORY, controls=CONTROLS)
    finding = result.findings[0]
    assert len(finding.technical_evidence) == 2
    assert finding.status is FindingStatus.PARTIAL  # the policy covers it, but logging is off in one region
    assert "invocation-logging is disabled in 111122223333/eu-west-1" in finding.rationale


def test_an_empty_index_is_reported(source: FakePassageSource) -> None:
    empty = FakePassageSource([])
    result = assess(CATALOGUE, empty, OfflineDrafter())
    assert {f.status for f in result.findings} == {FindingStatus.INSUFFICIENT_EVIDENCE}
    assert "no policy passages were retrieved" in result.problems[0]


class ForgingDrafter:
    """A drafter that cites a quote at the wrong offsets: assess must drop it."""

    label = OfflineDrafter().label

    def draft(self, request: DraftRequest) -> Finding:
        passage = request.passages[0]
        forged = Citation(chunk_id=passage.id, document=passage.document, start=passage.start,
                          end=passage.start + 5, quote="Forged")
        return OfflineDrafter().draft(request).model_copy(update={"citations": [forged]})


def test_citations_are_rechecked_against_the_document_text(source: FakePassageSource) -> None:
    result = assess(CATALOGUE, source, ForgingDrafter(), only=["A.6.2.8"])
    assert result.findings[0].citations == []
    assert "does not match the source text" in result.problems[0]


def test_an_unreachable_llm_never_swaps_drafters_and_reports_what_failed(source: FakePassageSource) -> None:
    first = {
        "requirement_id": "7.2", "status": "gap", "rationale": "Nothing on competence.", "citations": [],
        "actions": ["Define competence needs."], "evidence_ids": [], "confidence": "medium",
    }
    down = openai.APIConnectionError(request=httpx.Request("POST", "http://llm.internal:8000/v1/chat/completions"))
    model = QueuedChatModel(responses=[first, down])
    settings = LLMSettings(model="qwen2.5", base_url="http://llm.internal:8000/v1", max_retries=0)
    llm = LLMDrafter(settings=settings, chat_model=model)
    result = assess(CATALOGUE, source, llm, concurrency=1)
    assert model.calls == 2  # no further calls once the endpoint is down
    assert [f.drafted_by.model for f in result.findings] == ["qwen2.5"]  # nothing drafted offline instead
    assert result.sources == {"7.2": DraftSource.LLM, "A.6.2.8": DraftSource.FAILED, "A.10.3": DraftSource.FAILED}
    assert result.counts() == {"llm": 1, "cache": 0, "offline": 0, "unchanged": 0, "failed": 2}
    assert result.incomplete and set(result.failures) == {"A.6.2.8", "A.10.3"}
    assert "http://llm.internal:8000/v1" in (result.endpoint_error or "")
    assert "2 requirement(s) could not be drafted and keep their previous draft, if any (A.6.2.8, A.10.3)" in result.problems[-1]
    assert set(result.inputs) == {"7.2"}  # failed ones are retried next time


def test_manual_review_is_reported(source: FakePassageSource) -> None:
    bad = {"requirement_id": "7.2", "status": "nope", "rationale": "x", "citations": [], "actions": [],
           "evidence_ids": [], "confidence": "low"}
    llm = LLMDrafter("m", base_url="http://x/v1", chat_model=QueuedChatModel(responses=[bad, bad]))
    result = assess(CATALOGUE, source, llm, only=["7.2"])
    assert result.findings[0].needs_manual_review
    assert "7.2: the model's answer failed validation" in result.problems[0]


def test_retriever_adapter_delegates() -> None:
    class Index:
        def document_text(self, document_id: str) -> str:
            return f"text of {document_id}"

    class Retriever:
        index = Index()

        def search_many(self, queries: list[str], k: int) -> list[object]:
            return [queries, k]  # type: ignore[list-item]

        def get(self, chunk_id: str) -> None:
            return None

    adapter = RetrieverPassages(Retriever())
    assert adapter.search_many(("a", "b"), 4) == [["a", "b"], 4]
    assert adapter.document_text("doc-1") == "text of doc-1"
    assert adapter.get("x") is None


def test_the_real_catalogue_gives_seventy_findings_then_thirty_eight_soa_rows(source: FakePassageSource) -> None:
    from gap.requirements import load_catalogue
    from gap.soa import build_soa

    catalogue = load_catalogue()
    result = assess(catalogue, source, OfflineDrafter(), inventory=INVENTORY, controls=CONTROLS)
    assert [f.requirement for f in result.findings] == catalogue.ids()
    assert len(result.findings) == 70
    for finding in result.findings:
        assert finding.drafted_by.prompt == "offline-criteria@2"
        for citation in finding.citations:
            chunk = source.get(citation.chunk_id)
            assert chunk is not None
            assert source.document_text(chunk.document_id)[citation.start : citation.end] == citation.quote
    again = assess(catalogue, source, OfflineDrafter(), inventory=INVENTORY, controls=CONTROLS)
    assert [f.model_dump() for f in again.findings] == [f.model_dump() for f in result.findings]
    entries = build_soa(result.findings, catalogue, None)
    assert [e.control for e in entries] == [c.id for c in catalogue.controls()] and len(entries) == 38
    assert sum(1 for e in entries if "legal" in e.inclusion_basis) >= 1
    subset = assess(catalogue, source, OfflineDrafter(), only=["a.6.2.8", "4.1"])
    assert [f.requirement for f in subset.findings] == ["4.1", "A.6.2.8"]


class CountingDrafter:
    """The offline drafter, counting its drafts."""

    def __init__(self) -> None:
        self.inner = OfflineDrafter()
        self.label = self.inner.label
        self.drafted: list[str] = []

    def draft(self, request: DraftRequest) -> Finding:
        self.drafted.append(request.requirement.id)
        return self.inner.draft(request)


def test_unchanged_inputs_skip_drafting_for_the_offline_drafter_too(source: FakePassageSource) -> None:
    first = CountingDrafter()
    result = assess(CATALOGUE, source, first, inventory=INVENTORY, controls=CONTROLS)
    assert first.drafted == ["7.2", "A.6.2.8", "A.10.3"] and set(result.inputs) == set(first.drafted)
    again = CountingDrafter()
    rerun = assess(CATALOGUE, source, again, inventory=INVENTORY, controls=CONTROLS, previous_inputs=result.inputs)
    assert again.drafted == [] and rerun.findings == []
    assert rerun.counts()["unchanged"] == 3 and rerun.inputs == result.inputs
    # New discovery evidence re-drafts only the requirements it bears on.
    shadow = [*INVENTORY, system("sys-z", SystemStatus.SHADOW, ["mistral"], [Category.LLM_API])]
    changed = CountingDrafter()
    assess(CATALOGUE, source, changed, inventory=shadow, controls=CONTROLS, previous_inputs=result.inputs)
    tagged = [r.id for r in CATALOGUE.all() if {"shadow-ai", "inventory", "third-party-ai"} & set(r.technical_evidence)]
    assert changed.drafted == tagged


def test_an_inventory_fact_of_absence_is_stated_only_after_discovery_found_something() -> None:
    from gap.assess import inventory_facts

    facts = inventory_facts(["data-sources", "shadow-ai"], [INVENTORY[0]])
    assert [f.id for f in facts] == ["absent:data-sources"]
    assert facts[0].summary.startswith("no in-house model development observed")
    assert facts[0].summary.endswith("among the 1 AI systems discovered")
    assert inventory_facts(["data-sources"], []) == []


def test_no_api_key_fails_every_uncached_requirement_naming_the_variable(
    source: FakePassageSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = assess(CATALOGUE, source, LLMDrafter("gpt-4o-mini"))
    assert result.counts()["failed"] == 3 and result.findings == []
    assert "OPENAI_API_KEY" in (result.endpoint_error or "")
