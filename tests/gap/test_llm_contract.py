"""Contract tests: the real langchain ChatOpenAI client against a scripted OpenAI-compatible server on 127.0.0.1.

Every scenario of issue 10 goes over real HTTP: good answers, invented
citations, non-verbatim quotes, malformed JSON, refusals, 429 with Retry-After,
500, stalls past the timeout, tools-only servers that reject json_schema,
json_mode, query strings on the base URL, extra and Azure headers, concurrency.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from gap.assess import assess
from gap.drafting import DraftRequest, DraftSource, LLMUnavailableError
from gap.drafting.llm import LLMDrafter
from gap.drafting.settings import LLMSettings
from gap.models import FindingStatus, TechnicalEvidence
from tests.fakes import FakeCatalogue, FakeDocument, FakePassageSource, FakeRequirement
from tests.gap.openai_server import (
    Call,
    OpenAICompatibleServer,
    Reply,
    completion,
    draft,
    error,
    good_answer,
    sequence,
    timed,
)
from tests.gap.test_drafting_llm import DOC, REQUIREMENT, passage

PASSAGES = [passage(DOC[12:], 1, 12)]


@pytest.fixture(autouse=True)
def no_real_key_or_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def drafter_for(server: OpenAICompatibleServer, **options: object) -> LLMDrafter:
    values: dict[str, object] = {"model": "local-model", "base_url": server.base_url, "timeout_seconds": 5.0,
                                 "max_retries": 0}
    values.update(options)
    return LLMDrafter(settings=LLMSettings(**values))  # type: ignore[arg-type]


def request() -> DraftRequest:
    return DraftRequest(requirement=REQUIREMENT, passages=PASSAGES)


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[OpenAICompatibleServer] = []

    def start(script=good_answer) -> OpenAICompatibleServer:  # type: ignore[no-untyped-def]
        server = OpenAICompatibleServer(script).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


# --- answers ------------------------------------------------------------------------


def test_a_good_answer_over_json_schema_with_every_setting_on_the_wire(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve()
    llm = drafter_for(server, temperature=0.3, max_tokens=777, headers={"X-Team": "governance"})
    finding = llm.draft(request())
    assert finding.status is FindingStatus.PARTIAL and not finding.needs_manual_review
    assert [c.quote for c in finding.citations] == ["Every AI system logs model inputs and outputs."]
    assert DOC[finding.citations[0].start : finding.citations[0].end] == finding.citations[0].quote
    (call,) = server.calls
    assert call.path == "/v1/chat/completions"
    assert call.body["temperature"] == 0.3
    assert call.body.get("max_tokens", call.body.get("max_completion_tokens")) == 777
    assert call.body["response_format"]["type"] == "json_schema"
    schema = call.body["response_format"]["json_schema"]
    assert schema["name"] == "DraftOutput" and schema["strict"] is True
    assert "evidence_ids" in schema["schema"]["required"]
    assert call.headers["x-team"] == "governance"
    assert (llm.usage.calls, llm.usage.prompt_tokens, llm.usage.completion_tokens) == (1, 700, 90)


def test_an_invented_citation_is_dropped_and_said(serve) -> None:  # type: ignore[no-untyped-def]
    def invent(call: Call) -> Reply:
        answer = draft(call)
        answer["citations"].append({"passage_id": "P7", "quote": "All AI is governed perfectly."})
        return completion(call, answer)

    finding = drafter_for(serve(invent)).draft(request())
    assert [c.chunk_id for c in finding.citations] == ["chk-1"]
    assert "'P7'" in finding.rationale and "dropped" in finding.rationale


def test_a_non_verbatim_quote_is_retried_with_the_reason(serve) -> None:  # type: ignore[no-untyped-def]
    def paraphrase(call: Call) -> Reply:
        if call.is_retry:
            return good_answer(call)
        return completion(call, draft(call, citations=[{"passage_id": "P1", "quote": "AI systems log what goes in and out."}]))

    server = serve(paraphrase)
    finding = drafter_for(server).draft(request())
    assert len(server.calls) == 2 and len(finding.citations) == 1
    assert "not verbatim text of P1" in server.calls[1].body["messages"][-1]["content"]


def test_malformed_json_twice_goes_to_manual_review(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: completion(call, '{"requirement_id": "A.6.2.8", "status": '))
    finding = drafter_for(server).draft(request())
    assert len(server.calls) == 2
    assert finding.needs_manual_review and finding.status is FindingStatus.INSUFFICIENT_EVIDENCE
    assert "could not be parsed" in finding.rationale


def test_a_refusal_goes_to_manual_review_and_says_so(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: completion(call, "", refusal="I can't help with that."))
    finding = drafter_for(server).draft(request())
    assert len(server.calls) == 2 and finding.needs_manual_review
    assert "refused" in finding.rationale and "I can't help with that." in finding.rationale


def test_not_applicable_without_grounds_goes_to_manual_review(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: completion(call, draft(call, status="not-applicable", citations=[], actions=[])))
    finding = drafter_for(server).draft(request())
    assert len(server.calls) == 2  # retried once with the reason, then manual review
    assert "needs at least one verified citation" in server.calls[1].body["messages"][-1]["content"]
    assert finding.needs_manual_review and finding.status is not FindingStatus.NOT_APPLICABLE


def test_not_applicable_tied_to_an_inventory_fact_is_accepted(serve) -> None:  # type: ignore[no-untyped-def]
    fact = TechnicalEvidence(kind="inventory-fact", id="absent:data-sources",
                             summary="no in-house model development observed among the 4 AI systems discovered")
    server = serve(lambda call: completion(call, draft(call, status="not-applicable", citations=[], actions=[],
                                                       evidence_ids=["E1"])))
    finding = drafter_for(server).draft(DraftRequest(requirement=REQUIREMENT, passages=PASSAGES, inventory_facts=[fact]))
    assert finding.status is FindingStatus.NOT_APPLICABLE and not finding.needs_manual_review
    assert "no in-house model development observed" in finding.rationale
    assert 'id="E1"' in server.calls[0].user_text


def test_conformant_without_grounds_is_not_accepted(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: completion(call, draft(call, status="conformant", citations=[])))
    finding = drafter_for(server).draft(request())
    assert finding.needs_manual_review and finding.status is not FindingStatus.CONFORMANT


# --- structured-output methods ------------------------------------------------------


def llama_cpp_like(call: Call) -> Reply:
    """Rejects response_format json_schema with HTTP 500, as llama.cpp-style servers do; answers tool calls."""
    if (call.body.get("response_format") or {}).get("type") == "json_schema":
        return error(500, "Unsupported response_format type: json_schema")
    return good_answer(call)


def test_a_tools_only_server_rejecting_json_schema_fails_loudly(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(llama_cpp_like)
    with pytest.raises(LLMUnavailableError) as raised:
        drafter_for(server).draft(request())
    assert server.base_url in str(raised.value) and "HTTP 500" in str(raised.value)


def test_function_calling_works_on_a_tools_only_server(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(llama_cpp_like)
    finding = drafter_for(server, structured_output="function_calling").draft(request())
    assert finding.status is FindingStatus.PARTIAL and len(finding.citations) == 1
    body = server.calls[0].body
    assert body["tools"][0]["function"]["name"] == "DraftOutput" and "response_format" not in body
    assert body["tool_choice"]["function"]["name"] == "DraftOutput"


def test_json_mode_spells_out_the_schema_in_the_prompt(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve()
    finding = drafter_for(server, structured_output="json_mode").draft(request())
    assert finding.status is FindingStatus.PARTIAL
    call = server.calls[0]
    assert call.body["response_format"] == {"type": "json_object"}
    for name in ("requirement_id", "status", "rationale", "citations", "passage_id", "quote", "evidence_ids",
                 "actions", "confidence"):
        assert name in call.user_text
    assert '"required"' in call.user_text  # the JSON Schema itself


# --- endpoints, URLs and headers ----------------------------------------------------


def test_a_query_string_on_the_base_url_is_kept(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve()
    llm = LLMDrafter(settings=LLMSettings(model="gpt-4o", base_url=server.root + "/openai/v1?api-version=preview"))
    llm.draft(request())
    (call,) = server.calls
    assert call.path == "/openai/v1/chat/completions"
    assert call.query == {"api-version": ["preview"]}


def test_header_values_come_from_the_environment(serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIMS_TEST_GATEWAY_KEY", "gw-secret-value-123")
    server = serve()
    drafter_for(server, header_env={"api-key": "AIMS_TEST_GATEWAY_KEY"}).draft(request())
    assert server.calls[0].headers["api-key"] == "gw-secret-value-123"


def test_a_missing_header_variable_is_a_clear_error(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve()
    with pytest.raises(LLMUnavailableError, match=r"\$AIMS_TEST_UNSET_VARIABLE"):
        drafter_for(server, header_env={"api-key": "AIMS_TEST_UNSET_VARIABLE"}).draft(request())
    assert server.calls == []


def test_azure_deployments_go_through_azure_chat_openai(serve, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-key-0001")
    server = serve()
    settings = LLMSettings(provider="azure", model="gap-drafter", base_url=server.root, api_version="2024-10-21")
    finding = LLMDrafter(settings=settings).draft(request())
    assert finding.drafted_by.model == "gap-drafter"
    (call,) = server.calls
    assert call.path == "/openai/deployments/gap-drafter/chat/completions"
    assert call.query == {"api-version": ["2024-10-21"]}
    assert call.headers["api-key"] == "azure-test-key-0001"


def test_azure_v1_endpoint_sends_the_key_as_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from gap.drafting.endpoint import build_chat_model

    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "azure-test-key-0002")
    settings = LLMSettings(model="gpt-4o", base_url="https://acme.openai.azure.com/openai/v1?api-version=preview")
    assert settings.azure_v1
    chat = build_chat_model(settings)
    assert chat.default_headers["api-key"] == "azure-test-key-0002"
    assert chat.default_query == {"api-version": "preview"}
    assert str(chat.root_client.base_url).rstrip("/") == "https://acme.openai.azure.com/openai/v1"


# --- failures -----------------------------------------------------------------------


def test_429_with_retry_after_is_waited_for_then_answered(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(sequence(lambda call: error(429, "slow down", {"Retry-After": "1"}), good_answer))
    llm = drafter_for(server, max_retries=2)
    started = time.monotonic()
    finding = llm.draft(request())
    elapsed = time.monotonic() - started
    assert finding.status is FindingStatus.PARTIAL and len(server.calls) == 2
    assert elapsed >= 0.95  # the server's Retry-After, not the client's own guess
    assert llm.gate.waited_seconds >= 0.9


def test_a_retry_after_beyond_the_limit_fails_at_once(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: error(429, "quota exhausted", {"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(LLMUnavailableError, match="3600 s"):
        drafter_for(server, max_retries=3).draft(request())
    assert len(server.calls) == 1 and time.monotonic() - started < 5


def test_500_is_retried_then_reported_naming_the_endpoint(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: error(500, "boom"))
    with pytest.raises(LLMUnavailableError) as raised:
        drafter_for(server, max_retries=1).draft(request())
    assert len(server.calls) == 2
    assert server.base_url in str(raised.value) and "server error" in str(raised.value)


def test_a_stall_past_the_timeout_fails_in_time(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(timed(6.0))
    started = time.monotonic()
    with pytest.raises(LLMUnavailableError, match="timed out"):
        drafter_for(server, timeout_seconds=0.4).draft(request())
    assert time.monotonic() - started < 4.0  # well before the server would have answered


# --- runs ---------------------------------------------------------------------------

MANY = [FakeRequirement(id=f"A.{n}.1", title=f"AI logging rule {n}", queries=("AI system logs",)) for n in range(1, 9)]
POLICY = FakeDocument("doc-p", "ai-policy.md", "Every AI system logs model inputs and outputs.\n\nLogs are kept for 90 days.")


def test_drafting_runs_concurrently_up_to_the_limit(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(timed(0.6))
    source = FakePassageSource([POLICY])
    started = time.monotonic()
    result = assess(FakeCatalogue(MANY), source, drafter_for(server, concurrency=4))
    elapsed = time.monotonic() - started
    assert result.counts()["llm"] == 8 and not result.failures
    assert server.max_in_flight == 4
    assert elapsed < 8 * 0.6  # faster than sequential
    sequential = serve(timed(0.05))
    assess(FakeCatalogue(MANY), source, drafter_for(sequential, concurrency=1))
    assert sequential.max_in_flight == 1


def test_a_429_pauses_every_thread(serve) -> None:  # type: ignore[no-untyped-def]
    state = {"limited": False}

    def limit_once(call: Call) -> Reply:
        if not state["limited"]:
            state["limited"] = True
            return error(429, "slow down", {"Retry-After": "1"})
        return timed(0.05)(call)

    server = serve(limit_once)
    result = assess(FakeCatalogue(MANY), FakePassageSource([POLICY]), drafter_for(server, concurrency=4, max_retries=2))
    assert result.counts()["llm"] == 8 and len(server.calls) == 9


def test_an_endpoint_that_dies_mid_run_fails_the_rest_without_swapping(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(sequence(good_answer, good_answer, lambda call: error(500, "model crashed")))
    result = assess(FakeCatalogue(MANY), FakePassageSource([POLICY]), drafter_for(server), concurrency=1)
    assert result.counts() == {"llm": 2, "cache": 0, "offline": 0, "unchanged": 0, "failed": 6}
    assert len(server.calls) == 3  # the breaker opened: no call per remaining requirement
    assert all(f.drafted_by.model == "local-model" for f in result.findings)
    assert server.base_url in (result.endpoint_error or "")


def test_a_server_rejecting_every_request_stops_being_asked(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: error(400, "response_format is not supported"))
    result = assess(FakeCatalogue(MANY), FakePassageSource([POLICY]), drafter_for(server), concurrency=1)
    assert result.counts()["failed"] == 8 and len(server.calls) == 3
    assert "HTTP 400" in (result.endpoint_error or "")


@pytest.mark.parametrize("body", [
    {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []},
    {"id": "x", "object": "chat.completion", "created": 1, "model": "m",
     "choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "stop"}]},
])
def test_an_answer_of_an_unexpected_shape_goes_to_manual_review(serve, body) -> None:  # type: ignore[no-untyped-def]
    server = serve(lambda call: Reply(200, body))
    finding = drafter_for(server).draft(request())
    assert finding.needs_manual_review and len(server.calls) == 2
