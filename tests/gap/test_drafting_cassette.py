"""The real ChatOpenAI path, replayed from hand-written vcrpy cassettes (no network, no real key).

langchain-openai 1.x sends structured output for a pydantic schema as a Chat
Completions request with ``response_format: {type: json_schema, strict: true}``
(through the OpenAI client's ``chat.completions.parse``); the model's JSON
answer comes back as the message content.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import vcr

from gap.drafting import DraftRequest, LLMUnavailableError
from gap.drafting.llm import LLMDrafter
from gap.models import FindingStatus
from tests.gap.test_drafting_llm import DOC, REQUIREMENT, passage

CASSETTES = Path(__file__).resolve().parent / "cassettes"


def _asks_for_the_finding_schema(live: Any, recorded: Any) -> None:
    """A custom matcher: the live request must ask for our schema, strictly, over Chat Completions."""
    body = json.loads(live.body)
    response_format = body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "DraftOutput"
    assert response_format["json_schema"]["strict"] is True
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


replay = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    filter_headers=["authorization", "api-key", "openai-organization", "openai-project"],
    match_on=["method", "scheme", "host", "port", "path", "query", "structured"],
)
replay.register_matcher("structured", _asks_for_the_finding_schema)


@pytest.fixture(autouse=True)
def dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-dummy-key-not-real")


def request() -> DraftRequest:
    return DraftRequest(requirement=REQUIREMENT, passages=[passage(DOC[12:], 1, 12)])


def test_structured_finding_over_the_real_chat_openai_path() -> None:
    drafter = LLMDrafter("gpt-4o-mini", base_url="https://api.openai.com/v1")
    with replay.use_cassette("openai_structured_finding.yaml") as cassette:
        finding = drafter.draft(request())
    assert cassette.all_played
    assert finding.status is FindingStatus.PARTIAL
    assert [c.quote for c in finding.citations] == ["Every AI system logs model inputs and outputs."]
    citation = finding.citations[0]
    assert DOC[citation.start : citation.end] == citation.quote
    assert "P9" in finding.rationale  # the invented id was dropped, and the draft says so
    assert finding.drafted_by.model == "gpt-4o-mini" and finding.drafted_by.prompt == "gap_finding@2"
    assert finding.actions == ["Name who reviews AI event logs and how often."]
    assert (drafter.usage.prompt_tokens, drafter.usage.completion_tokens) == (912, 96)
    assert drafter.usage.as_dict("gpt-4o-mini")["estimated_cost"] == round((912 * 0.15 + 96 * 0.60) / 1e6, 6)


def test_a_rejected_key_is_an_unavailable_endpoint_naming_it() -> None:
    drafter = LLMDrafter("gpt-4o-mini", base_url="https://api.openai.com/v1")
    with replay.use_cassette("openai_invalid_key.yaml"), pytest.raises(LLMUnavailableError) as raised:
        drafter.draft(request())
    message = str(raised.value)
    assert "https://api.openai.com/v1" in message and "authentication failed" in message
    assert "sk-test-dummy" not in message
