"""The LLM drafter: langchain's ChatOpenAI behind a validating seam (DESIGN §7).

One model serves OpenAI, Azure OpenAI (``AzureChatOpenAI``, or the ``/openai/v1``
base URL with an ``api-key`` header) and any OpenAI-compatible server (vLLM,
Ollama, LM Studio, llama.cpp) through `LLMSettings`; keys come only from the
environment. Passages and technical evidence reach the model under opaque ids
(P1..Pn, E1..En), secrets redacted, HTML-escaped inside ``<untrusted_…>``
elements so their text can never close the element; the model cites ids only.
Every answer is validated (gap.verify): an invalid one gets one retry with the
reasons, then becomes a finding that needs manual review. Valid answers are
cached by content (gap.drafting.cache). An endpoint that fails after its
retries raises `LLMUnavailableError`; this drafter never falls back to
anything else. langchain and openai are imported only when a model is needed.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Sequence
from typing import Any

from discovery.redact import redact
from gap.drafting.base import (
    DraftOutcome,
    DraftRequest,
    DraftSource,
    passage_content_hash,
    requirement_fingerprint,
)
from gap.drafting.cache import DraftCache, answer_key
from gap.drafting.endpoint import RateGate, build_chat_model, call_with_backoff
from gap.drafting.settings import OPENAI_BASE_URL, LLMSettings, parse_llm_spec
from gap.drafting.text import speaks_of_ai
from gap.drafting.usage import Usage
from gap.models import Drafter, Finding, FindingStatus, TechnicalEvidence
from gap.verify import CheckedDraft, DraftOutput, check_output
from prompts.loader import PromptTemplate, load_prompt
from rag.models import Chunk, Passage

__all__ = ["LLMDrafter", "OPENAI_BASE_URL", "parse_llm_spec", "render_evidence", "render_passages"]


def _attr(value: object) -> str:
    return html.escape(redact(str(value)), quote=True)


def _body(text: str) -> str:
    return html.escape(redact(text), quote=False)


def render_passages(passages: Sequence[Passage]) -> tuple[str, dict[str, Chunk]]:
    """The passages as fenced, redacted, escaped data, and the opaque id -> chunk map they were given under."""
    by_id: dict[str, Chunk] = {}
    blocks: list[str] = []
    for number, passage in enumerate(passages, start=1):
        pid = f"P{number}"
        by_id[pid] = passage
        where = f' section="{_attr(passage.section)}"' if passage.section else ""
        where += f' page="{passage.page}"' if passage.page else ""
        blocks.append(
            f'<untrusted_passage id="{pid}" document="{_attr(passage.document)}"{where}>\n'
            f"{_body(passage.text)}\n</untrusted_passage>"
        )
    return ("\n\n".join(blocks) or "(no passages were retrieved)"), by_id


def evidence_ids(
    items: Sequence[TechnicalEvidence], facts: Sequence[TechnicalEvidence] = ()
) -> dict[str, TechnicalEvidence]:
    return {f"E{number}": item for number, item in enumerate([*items, *facts], start=1)}


def render_evidence(
    items: Sequence[TechnicalEvidence], concerns: Sequence[str], facts: Sequence[TechnicalEvidence] = ()
) -> str:
    """Discovery facts as fenced, redacted data: summaries only, never a raw log line or a secret."""
    lines = [
        f'<untrusted_evidence id="{eid}" kind="{_attr(e.kind)}">{_body(e.summary)}</untrusted_evidence>'
        for eid, e in evidence_ids(items, facts).items()
    ]
    lines += [f'<untrusted_evidence kind="concern">{_body(c)}</untrusted_evidence>' for c in concerns]
    return "\n".join(lines) or "(none)"


def answer_format(method: str, requirement_id: str) -> str:
    """The closing instruction; json_mode servers get no schema in the request, so it is spelled out here."""
    if method != "json_mode":
        return f"Answer with the structured finding for requirement {requirement_id}."
    schema = json.dumps(DraftOutput.model_json_schema(), indent=1, sort_keys=True)
    return (
        f"Answer for requirement {requirement_id} with one JSON object and nothing else (no prose, no code fence). "
        "It must have exactly these fields: requirement_id (string), status (one of conformant, partial, gap, "
        "insufficient-evidence, not-applicable), rationale (string), citations (a list of objects with "
        "passage_id and quote), evidence_ids (a list of strings such as E1), actions (a list of strings), "
        "confidence (high, medium or low). Its JSON Schema:\n" + schema
    )


class LLMDrafter:
    """Drafts findings with a chat model; the model is built on first use, shared by every thread."""

    def __init__(
        self,
        model: str | None = None,
        *,
        settings: LLMSettings | None = None,
        base_url: str | None = None,
        api_key_env: str | None = None,
        cache: DraftCache | None = None,
        chat_model: Any | None = None,
        prompt: PromptTemplate | None = None,
        retry_prompt: PromptTemplate | None = None,
        method: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if settings is None:
            if model is None:
                raise ValueError("LLMDrafter needs a model name or LLMSettings")
            options: dict[str, Any] = {"model": model, "base_url": base_url, "api_key_env": api_key_env}
            if method is not None:
                options["structured_output"] = method
            if timeout is not None:
                options["timeout_seconds"] = timeout
            settings = LLMSettings(**options)
        self.settings = settings
        self.cache = cache
        self.prompt = prompt or load_prompt("gap_finding")
        self.retry_prompt = retry_prompt or load_prompt("gap_finding_retry")
        self.usage = Usage()
        self.gate = RateGate()
        self._chat_model = chat_model  # injected in tests; else built on first use
        self._structured: Any | None = None
        self._lock = threading.Lock()

    # --- identity ------------------------------------------------------------

    @property
    def model(self) -> str:
        return self.settings.model

    @property
    def base_url(self) -> str | None:
        return self.settings.base_url

    @property
    def method(self) -> str:
        return self.settings.structured_output

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    @property
    def concurrency(self) -> int:
        return self.settings.concurrency

    @property
    def calls(self) -> int:
        return self.usage.calls

    @property
    def label(self) -> Drafter:
        return Drafter(model=self.model, prompt=self.prompt.ref)

    @property
    def fingerprint(self) -> str:
        return f"llm|{self.prompt.ref}|{self.retry_prompt.ref}|{self.settings.fingerprint()}"

    def prepare(self) -> None:
        """Build the client now (importing langchain takes seconds), on the caller's thread, before any
        drafting thread starts: no network, and no imports racing other threads. Raises LLMUnavailableError."""
        self._model()

    def _model(self) -> Any:
        with self._lock:
            if self._structured is None:
                chat = self._chat_model or build_chat_model(self.settings)
                self._structured = chat.with_structured_output(DraftOutput, method=self.method, include_raw=True)
            return self._structured

    # --- drafting ------------------------------------------------------------

    def draft(self, request: DraftRequest) -> Finding:
        return self.draft_outcome(request).finding

    def _cache_key(self, request: DraftRequest) -> str:
        evidence = [f"{e.kind}:{e.id}:{e.summary}" for e in request.technical_evidence]
        evidence += [f"concern:{c}" for c in request.concerns]
        evidence += [f"fact:{e.kind}:{e.id}:{e.summary}" for e in request.inventory_facts]
        return answer_key(
            prompt_ref=f"{self.prompt.ref}+{self.retry_prompt.ref}",
            settings_fingerprint=self.settings.fingerprint(),
            requirement_fingerprint=requirement_fingerprint(request.requirement),
            passage_hashes=[passage_content_hash(p) for p in request.passages],
            evidence=evidence,
        )

    def cached_outcome(self, request: DraftRequest) -> DraftOutcome | None:
        """The cached answer for this request, re-verified against today's passages; None on a miss."""
        if self.cache is None:
            return None
        hit = self.cache.get(self._cache_key(request))
        if hit is None:
            return None
        answer, given = hit
        _, by_id = render_passages(request.passages)
        current = {passage_content_hash(chunk): pid for pid, chunk in by_id.items()}
        try:
            output = DraftOutput.model_validate(answer)
        except ValueError:
            return None
        # The answer cited the ids it was given then; map them onto today's ids by content.
        remapped = [
            c.model_copy(update={"passage_id": current.get(given.get(c.passage_id, ""), c.passage_id)})
            for c in output.citations
        ]
        output = output.model_copy(update={"citations": remapped})
        evidence = evidence_ids(request.technical_evidence, request.inventory_facts)
        checked = check_output(output, request.requirement.id, by_id, evidence)
        if not checked.valid:
            return None
        finding = self._finding(request, output, checked, evidence)
        return DraftOutcome(finding=finding, source=DraftSource.CACHE)

    def draft_outcome(self, request: DraftRequest) -> DraftOutcome:
        """Draft one finding: from the cache, else from the model. Raises LLMUnavailableError."""
        cached = self.cached_outcome(request)
        if cached is not None:
            return cached
        passages_text, by_id = render_passages(request.passages)
        evidence = evidence_ids(request.technical_evidence, request.inventory_facts)
        requirement_id = request.requirement.id
        messages = self._messages(request, passages_text, by_id, evidence)
        problems: list[str] = []
        for attempt in range(2):
            output, error = self._ask(messages)
            if output is not None:
                checked = check_output(output, requirement_id, by_id, evidence)
                if checked.valid:
                    if self.cache is not None:
                        given = {pid: passage_content_hash(chunk) for pid, chunk in by_id.items()}
                        self.cache.put(self._cache_key(request), output.model_dump(), given, model=self.model)
                    return DraftOutcome(self._finding(request, output, checked, evidence), DraftSource.LLM)
                problems = checked.errors
                answer = output.model_dump_json()
            else:
                problems = [error or "no structured answer"]
                answer = "(no valid structured answer)"
            if attempt == 0:
                messages = self._with_retry(messages, answer, problems, requirement_id, by_id, evidence)
        return DraftOutcome(self._manual_review(request, problems), DraftSource.LLM)

    def _messages(
        self, request: DraftRequest, passages_text: str, by_id: dict[str, Chunk], evidence: dict[str, TechnicalEvidence]
    ) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        requirement = request.requirement
        user = self.prompt.render(
            requirement_id=requirement.id,
            requirement_title=requirement.title,
            requirement_kind=requirement.kind,
            objective=requirement.objective or "(none)",
            guidance=requirement.guidance.strip(),
            ai_specific="yes" if requirement.ai_specific else "no",
            technical_evidence=render_evidence(request.technical_evidence, request.concerns, request.inventory_facts),
            evidence_ids=", ".join(evidence) or "(none)",
            passage_ids=", ".join(by_id) or "(none)",
            passages=passages_text,
            answer_format=answer_format(self.method, requirement.id),
        )
        return [SystemMessage(content=self.prompt.system), HumanMessage(content=user)]

    def _with_retry(
        self,
        messages: list[Any],
        answer: str,
        errors: list[str],
        requirement_id: str,
        by_id: dict[str, Chunk],
        evidence: dict[str, TechnicalEvidence],
    ) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage

        feedback = self.retry_prompt.render(
            requirement_id=requirement_id,
            errors="\n".join(f"- {e}" for e in errors),
            passage_ids=", ".join(by_id) or "(none)",
            evidence_ids=", ".join(evidence) or "(none)",
        )
        return [*messages, AIMessage(content=answer), HumanMessage(content=feedback)]

    def _ask(self, messages: list[Any]) -> tuple[DraftOutput | None, str | None]:
        """One model call (with back-off): the parsed answer, or why there is none. Raises LLMUnavailableError."""
        structured = self._model()

        import openai

        def call() -> Any:
            # include_raw=True turns most parse failures into a "parsing_error", but with json_schema the
            # OpenAI client parses the content inside the request itself and raises: the same failure.
            try:
                return structured.invoke(messages)
            except openai.APIError:
                raise
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, openai.OpenAIError) as exc:
                # An answer of a shape the client does not expect (no choices, no content) is an invalid answer.
                return {"raw": None, "parsed": None, "parsing_error": exc}

        result = call_with_backoff(call, self.settings, self.gate, on_failed_attempt=self.usage.count_call)
        if isinstance(result, dict) and {"raw", "parsed"} <= result.keys():
            raw, parsed, error = result.get("raw"), result.get("parsed"), result.get("parsing_error")
        else:
            raw, parsed, error = None, result, None
        self.usage.record(raw)
        refusal = getattr(raw, "additional_kwargs", {}).get("refusal") if raw is not None else None
        if refusal:
            return None, f"the model refused: {str(refusal)[:300]}"
        if error is not None:
            return None, f"the answer could not be parsed: {type(error).__name__}: {str(error)[:300]}"
        if parsed is None:
            return None, "the answer was empty"
        try:
            return DraftOutput.model_validate(parsed if isinstance(parsed, dict) else parsed.model_dump()), None
        except (ValueError, AttributeError) as exc:
            return None, f"the answer does not match the schema: {str(exc)[:300]}"

    # --- findings --------------------------------------------------------------

    def _finding(
        self, request: DraftRequest, output: DraftOutput, checked: CheckedDraft, evidence: dict[str, TechnicalEvidence]
    ) -> Finding:
        assert checked.status is not None
        status = checked.status
        notes = list(checked.dropped)
        if (
            status is FindingStatus.CONFORMANT
            and request.requirement.ai_specific
            and checked.citations
            and not self._cites_ai(request, checked)
        ):
            # Structural, not prompted: an AI-specific requirement is not covered by text that never speaks of AI.
            status = FindingStatus.PARTIAL
            notes.append("conformant lowered to partial: no cited passage speaks of AI, and this requirement is about AI")
        rationale = output.rationale.strip()
        relied = [evidence[e] for e in checked.evidence_ids]
        if relied and not checked.citations:
            notes.append("rests on discovery evidence: " + "; ".join(e.summary for e in relied))
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
            evidence_hash=request.evidence_hash(self.label),
        )

    @staticmethod
    def _cites_ai(request: DraftRequest, checked: CheckedDraft) -> bool:
        cited = {c.chunk_id for c in checked.citations}
        return any(speaks_of_ai(p.text + "\n" + (p.section or "")) for p in request.passages if p.id in cited)

    def _manual_review(self, request: DraftRequest, errors: list[str]) -> Finding:
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
            evidence_hash=request.evidence_hash(self.label),
            needs_manual_review=True,
        )

