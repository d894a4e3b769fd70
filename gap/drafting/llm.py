"""The LLM drafter: langchain's ChatOpenAI behind a validating seam (DESIGN §7).

One model serves OpenAI, Azure OpenAI (its ``/openai/v1/`` base URL) and any
OpenAI-compatible server (vLLM, Ollama, LM Studio) through ``base_url``; the
key comes only from the environment. Passages reach the model under opaque ids
(P1..Pn), HTML-escaped inside ``<untrusted_passage>`` elements so their text
can never close the element, and the model cites ids only. Every answer is
validated (gap.verify); an invalid one gets one retry with the reasons, then
becomes a finding that needs manual review. Valid answers are cached by
(prompt id@version, model, evidence hash). langchain and openai are imported
only when a model is first needed.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from typing import Any

from gap.drafting.base import DraftRequest, LLMUnavailableError
from gap.drafting.cache import DraftCache
from gap.drafting.text import speaks_of_ai
from gap.models import Drafter, Finding, FindingStatus, TechnicalEvidence
from gap.verify import CheckedDraft, DraftOutput, check_output
from prompts.loader import PromptTemplate, load_prompt
from rag.models import Chunk, Passage

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = "OPENAI_API_KEY"


def _attr(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_passages(passages: Sequence[Passage]) -> tuple[str, dict[str, Chunk]]:
    """The passages as fenced, escaped data, and the opaque id -> chunk map they were given under."""
    by_id: dict[str, Chunk] = {}
    blocks: list[str] = []
    for number, passage in enumerate(passages, start=1):
        pid = f"P{number}"
        by_id[pid] = passage
        where = f' section="{_attr(passage.section)}"' if passage.section else ""
        where += f' page="{passage.page}"' if passage.page else ""
        blocks.append(
            f'<untrusted_passage id="{pid}" document="{_attr(passage.document)}"{where}>\n'
            f"{html.escape(passage.text, quote=False)}\n</untrusted_passage>"
        )
    return ("\n\n".join(blocks) or "(no passages were retrieved)"), by_id


def render_evidence(items: Sequence[TechnicalEvidence], concerns: Sequence[str]) -> str:
    lines = [
        f'<untrusted_evidence kind="{_attr(e.kind)}" id="{_attr(e.id)}">{html.escape(e.summary, quote=False)}</untrusted_evidence>'
        for e in items
    ]
    lines += [f'<untrusted_evidence kind="concern">{html.escape(c, quote=False)}</untrusted_evidence>' for c in concerns]
    return "\n".join(lines) or "(none)"


class LLMDrafter:
    """Drafts findings with a chat model; construct the model lazily on first use."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = DEFAULT_KEY_ENV,
        cache: DraftCache | None = None,
        chat_model: Any | None = None,
        prompt: PromptTemplate | None = None,
        retry_prompt: PromptTemplate | None = None,
        method: str = "json_schema",
        timeout: float = 60.0,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.cache = cache
        self.prompt = prompt or load_prompt("gap_finding")
        self.retry_prompt = retry_prompt or load_prompt("gap_finding_retry")
        self.method = method
        self.timeout = timeout
        self._chat_model = chat_model  # injected in tests; else built on first use
        self._structured: Any | None = None
        self.calls = 0  # model invocations made, for reports and tests

    @property
    def endpoint(self) -> str:
        return self.base_url or OPENAI_BASE_URL

    @property
    def _cache_model(self) -> str:
        # Two servers may serve different weights under one model name ("llama3"), so the endpoint is part of it.
        return f"{self.model}@{self.endpoint}"

    @property
    def label(self) -> Drafter:
        return Drafter(model=self.model, prompt=self.prompt.ref)

    def _model(self) -> Any:
        if self._structured is None:
            chat = self._chat_model or self._build_chat_model()
            self._structured = chat.with_structured_output(DraftOutput, method=self.method, include_raw=True)
        return self._structured

    def _build_chat_model(self) -> Any:
        from langchain_openai import ChatOpenAI

        key = os.environ.get(self.api_key_env)
        if not key:
            if self.base_url is None:
                raise LLMUnavailableError(self.endpoint, f"no API key: set {self.api_key_env} in the environment")
            key = "not-needed"  # local OpenAI-compatible servers usually ignore it
        return ChatOpenAI(
            model=self.model,
            base_url=self.base_url,
            api_key=key,
            temperature=0,
            timeout=self.timeout,
            max_retries=1,
            # Chat Completions is what every OpenAI-compatible server speaks.
            use_responses_api=False,
        )

    # --- drafting ------------------------------------------------------------

    def draft(self, request: DraftRequest) -> Finding:
        label = self.label
        digest = request.evidence_hash(label)
        passages_text, by_id = render_passages(request.passages)
        requirement_id = request.requirement.id

        if self.cache is not None:
            cached = self.cache.get(self.prompt.ref, self._cache_model, digest)
            if cached is not None:
                try:
                    output = DraftOutput.model_validate(cached)
                except ValueError:
                    output = None
                if output is not None:
                    checked = check_output(output, requirement_id, by_id)
                    if checked.valid:
                        return self._finding(request, output, checked, digest)

        messages = self._messages(request, passages_text, by_id)
        problems: list[str] = []
        for attempt in range(2):
            output, error = self._ask(messages)
            if output is not None:
                checked = check_output(output, requirement_id, by_id)
                if checked.valid:
                    if self.cache is not None:
                        self.cache.put(self.prompt.ref, self._cache_model, digest, output.model_dump())
                    return self._finding(request, output, checked, digest)
                problems = checked.errors
                answer = output.model_dump_json()
            else:
                problems = [error or "no structured answer"]
                answer = "(no valid structured answer)"
            if attempt == 0:
                messages = self._with_retry(messages, answer, problems, requirement_id, by_id)
        return self._manual_review(request, digest, problems)

    def _messages(self, request: DraftRequest, passages_text: str, by_id: dict[str, Chunk]) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        requirement = request.requirement
        user = self.prompt.render(
            requirement_id=requirement.id,
            requirement_title=requirement.title,
            requirement_kind=requirement.kind,
            objective=requirement.objective or "(none)",
            guidance=requirement.guidance.strip(),
            ai_specific="yes" if requirement.ai_specific else "no",
            technical_evidence=render_evidence(request.technical_evidence, request.concerns),
            passage_ids=", ".join(by_id) or "(none)",
            passages=passages_text,
        )
        return [SystemMessage(content=self.prompt.system), HumanMessage(content=user)]

    def _with_retry(
        self, messages: list[Any], answer: str, errors: list[str], requirement_id: str, by_id: dict[str, Chunk]
    ) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage

        feedback = self.retry_prompt.render(
            requirement_id=requirement_id,
            errors="\n".join(f"- {e}" for e in errors),
            passage_ids=", ".join(by_id) or "(none)",
        )
        return [*messages, AIMessage(content=answer), HumanMessage(content=feedback)]

    def _ask(self, messages: list[Any]) -> tuple[DraftOutput | None, str | None]:
        """One model call: the parsed answer, or why there is none. Raises LLMUnavailableError."""
        import openai

        structured = self._model()
        self.calls += 1
        try:
            result = structured.invoke(messages)
        except openai.APIError as exc:
            raise LLMUnavailableError(self.endpoint, _describe(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - any parse/refusal failure is an invalid answer
            return None, f"the answer could not be parsed: {type(exc).__name__}: {str(exc)[:300]}"
        parsed, error = result, None
        if isinstance(result, dict) and {"raw", "parsed"} <= result.keys():
            parsed, error = result.get("parsed"), result.get("parsing_error")
        if error is not None:
            return None, f"the answer could not be parsed: {str(error)[:300]}"
        if parsed is None:
            return None, "the answer was empty"
        try:
            return DraftOutput.model_validate(parsed if isinstance(parsed, dict) else parsed.model_dump()), None
        except (ValueError, AttributeError) as exc:
            return None, f"the answer does not match the schema: {str(exc)[:300]}"

    # --- findings --------------------------------------------------------------

    def _finding(self, request: DraftRequest, output: DraftOutput, checked: CheckedDraft, digest: str) -> Finding:
        assert checked.status is not None
        status = checked.status
        notes = list(checked.dropped)
        if status is FindingStatus.CONFORMANT and request.requirement.ai_specific and not self._cites_ai(request, checked):
            # Structural, not prompted: an AI-specific requirement is not covered by text that never speaks of AI.
            status = FindingStatus.PARTIAL
            notes.append("conformant lowered to partial: no cited passage speaks of AI, and this requirement is about AI")
        rationale = output.rationale.strip()
        if notes:
            rationale += " [aims: " + "; ".join(notes) + ".]"
        return Finding(
            requirement=request.requirement.id,
            title=request.requirement.title,
            status=status,
            rationale=rationale,
            citations=checked.citations,
            technical_evidence=list(request.technical_evidence),
            actions=[a.strip() for a in output.actions if a.strip()],
            confidence=output.confidence.strip().lower(),
            drafted_by=self.label,
            evidence_hash=digest,
        )

    @staticmethod
    def _cites_ai(request: DraftRequest, checked: CheckedDraft) -> bool:
        cited = {c.chunk_id for c in checked.citations}
        return any(speaks_of_ai(p.text + "\n" + (p.section or "")) for p in request.passages if p.id in cited)

    def _manual_review(self, request: DraftRequest, digest: str, errors: list[str]) -> Finding:
        return Finding(
            requirement=request.requirement.id,
            title=request.requirement.title,
            status=FindingStatus.INSUFFICIENT_EVIDENCE,
            rationale=(
                f"The model ({self.model}) gave no valid answer after one retry, so this requirement needs "
                "manual review. Validation errors: " + "; ".join(errors)
            ),
            technical_evidence=list(request.technical_evidence),
            actions=[f"Assess {request.requirement.id} manually against the retrieved policy passages."],
            confidence="low",
            drafted_by=self.label,
            evidence_hash=digest,
            needs_manual_review=True,
        )


def _describe(exc: Exception) -> str:
    import openai

    kinds = [
        (openai.APITimeoutError, "timed out"),
        (openai.APIConnectionError, "connection failed"),
        (openai.AuthenticationError, "authentication failed (check the API key)"),
        (openai.PermissionDeniedError, "permission denied"),
        (openai.NotFoundError, "not found (check the model name and base URL)"),
        (openai.RateLimitError, "rate limited or out of quota"),
        (openai.BadRequestError, "the request was rejected"),
        (openai.InternalServerError, "server error"),
    ]
    what = next((text for kind, text in kinds if isinstance(exc, kind)), type(exc).__name__)
    detail = getattr(exc, "message", "") or str(exc)
    return f"{what}: {detail}"[:400]


def parse_llm_spec(spec: str) -> tuple[str, str] | None:
    """``none`` -> None; ``openai:MODEL`` -> ("openai", MODEL). Raises ValueError otherwise."""
    text = spec.strip()
    if text.lower() in ("", "none", "offline"):
        return None
    provider, _, model = text.partition(":")
    if provider != "openai" or not model.strip():
        raise ValueError(f"unknown --llm {spec!r}: use none or openai:MODEL")
    return provider, model.strip()
