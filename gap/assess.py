"""Run the gap analysis: one drafted finding per requirement, in catalogue order.

`assess` gathers the evidence for each requirement (retrieved passages,
technical evidence from discovery), skips requirements whose inputs are
identical to the last run's, hands the rest to the drafter (concurrently up to
the drafter's `concurrency`), and checks every citation of the result against
the document text once more, whichever drafter made it.

The drafter is never swapped. When the LLM endpoint fails after its retries,
the run goes on with cached answers only; every requirement that could not be
drafted is reported in `failures` and has no new finding, so the caller keeps
its previous draft. Importing this module stays cheap: no langchain, no chromadb.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from discovery.controls import CloudControl
from discovery.models import AISystem
from gap.drafting.base import (
    DraftOutcome,
    DraftRequest,
    DraftSource,
    FindingDrafter,
    LLMUnavailableError,
    PassageSource,
    RequirementLike,
    drafter_fingerprint,
)
from gap.evidence import gather_evidence
from gap.models import Citation, Finding, TechnicalEvidence
from gap.passage_traits import DocumentTraits, split_untrusted, suspicious_passage
from gap.verify import citable, citation_matches_source
from rag.models import Chunk, Passage

#: Passages retrieved per requirement (fused over its queries).
DEFAULT_K = 6

Progress = Callable[[int, int, Finding], None]


class CatalogueLike(Protocol):
    def all(self) -> Sequence[Any]: ...
    def validate_ids(self, ids: Iterable[str]) -> Any: ...


@dataclass
class AssessmentResult:
    #: Findings drafted in this run (by the LLM, from its cache, or offline), in catalogue order.
    #: Requirements left unchanged or that failed have none here: their stored finding stands.
    findings: list[Finding]
    problems: list[str] = field(default_factory=list)
    #: Where each selected requirement's draft came from.
    sources: dict[str, DraftSource] = field(default_factory=dict)
    #: Requirements that could not be drafted, and why.
    failures: dict[str, str] = field(default_factory=dict)
    #: The inputs hash of every requirement drafted or unchanged, for the next run's skip.
    inputs: dict[str, str] = field(default_factory=dict)
    #: The LLM endpoint's failure, if it failed.
    endpoint_error: str | None = None
    #: No longer set (aims never swaps drafters mid-run); kept so old callers still read it.
    fallback_reason: str | None = None
    fallback_requirements: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tally = Counter(source.value for source in self.sources.values())
        return {source.value: tally.get(source.value, 0) for source in DraftSource}

    @property
    def incomplete(self) -> bool:
        return bool(self.failures)


class RetrieverPassages:
    """Adapts rag's `Retriever` (which holds its `PolicyIndex`) to `PassageSource`."""

    def __init__(self, retriever: Any) -> None:
        self.retriever = retriever

    def search_many(self, queries: Sequence[str], k: int = DEFAULT_K) -> list[Passage]:
        return list(self.retriever.search_many(list(queries), k))

    def get(self, chunk_id: str) -> Chunk | None:
        result: Chunk | None = self.retriever.get(chunk_id)
        return result

    def prepare(self, queries: Sequence[str]) -> None:
        prepare = getattr(self.retriever, "prepare", None)
        if prepare is not None:
            prepare(list(queries))

    def suspicious_matches(self, queries: Sequence[str], k: int = 3) -> list[Passage]:
        finder = getattr(self.retriever, "suspicious_matches", None)
        return list(finder(list(queries), k)) if finder is not None else []

    def document_text(self, document_id: str) -> str:
        text: str = self.retriever.index.document_text(document_id)
        return text


def _selected(catalogue: CatalogueLike, only: Iterable[str] | None) -> list[RequirementLike]:
    requirements = list(catalogue.all())
    if only is None:
        return requirements
    wanted = [str(i).strip() for i in only if str(i).strip()]
    # Raises UnknownRequirementError on any unknown id; returns the ids normalised ("a.7.5" -> "A.7.5").
    normalised = catalogue.validate_ids(wanted)
    chosen = set(normalised) if isinstance(normalised, (list, tuple, set)) else set(wanted)
    return [r for r in requirements if r.id in chosen]


def _queries(requirement: RequirementLike) -> list[str]:
    queries = [q for q in requirement.queries if q.strip()]
    # The evidence criteria name what an auditor looks for: ask for that too, so a
    # section that evidences one element is retrieved even if the catalogue's
    # phrasings miss it.
    criteria = getattr(requirement, "criteria", None)
    if criteria is not None:
        queries += [criteria.mechanism] + [e.label for e in criteria.elements]
    return list(dict.fromkeys(queries)) or [requirement.title]


#: What "none observed" means per technical-evidence tag, in our own words.
_ABSENCE = {
    "shadow-ai": "no AI system in use outside the sanctioned-AI register",
    "third-party-ai": "no third-party AI service or API in use",
    "data-sources": "no in-house model development observed (no ML framework, model file or vector store)",
    "compute-resources": "no cloud AI service, self-hosted model or model file observed",
}


def inventory_facts(tags: Iterable[str], inventory: Sequence[AISystem]) -> list[TechnicalEvidence]:
    """Facts of absence a requirement's tags imply, stated only when discovery found something at all.

    Without them a model could tie "not applicable" to nothing but its own
    assumption; with them it cites what the scans established.
    """
    if not inventory:
        return []
    facts: list[TechnicalEvidence] = []
    for tag in tags:
        if tag in _ABSENCE and not gather_evidence([tag], inventory).items:
            facts.append(
                TechnicalEvidence(
                    kind="inventory-fact",
                    id=f"absent:{tag}",
                    summary=f"{_ABSENCE[tag]} among the {len(inventory)} AI systems discovered",
                )
            )
    return facts


class _CitationChecker:
    """Re-checks citations against the stored document text (one read per document)."""

    def __init__(self, source: PassageSource) -> None:
        self.source = source
        self._texts: dict[str, str | None] = {}

    def _text(self, document_id: str) -> str | None:
        if document_id not in self._texts:
            try:
                self._texts[document_id] = self.source.document_text(document_id)
            except (KeyError, OSError, ValueError):
                self._texts[document_id] = None
        return self._texts[document_id]

    def check(self, finding: Finding) -> tuple[list[Citation], list[str]]:
        kept: list[Citation] = []
        problems: list[str] = []
        for citation in finding.citations:
            chunk = self.source.get(citation.chunk_id)
            text = self._text(chunk.document_id) if chunk is not None else None
            if citable(chunk) and text is not None and citation_matches_source(citation, text):
                kept.append(citation)
            else:
                problems.append(
                    f"{finding.requirement}: dropped a citation of {citation.document} that does not match "
                    f"the source text at [{citation.start}:{citation.end}]"
                )
        return kept, problems


class _Breaker:
    """Opens on the first endpoint failure: after it, only cached answers are used, no more calls.

    A request the server rejects on its own (HTTP 400/413/422) fails only that requirement, unless
    it happens `REJECTIONS_TO_TRIP` times in a row: then the server rejects the request shape itself.
    """

    REJECTIONS_TO_TRIP = 3

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.error: LLMUnavailableError | None = None
        self._rejections = 0

    def trip(self, error: LLMUnavailableError) -> None:
        with self._lock:
            if self.error is None:
                self.error = error

    def rejected(self, error: LLMUnavailableError) -> None:
        with self._lock:
            self._rejections += 1
            if self._rejections >= self.REJECTIONS_TO_TRIP and self.error is None:
                self.error = error

    def succeeded(self) -> None:
        with self._lock:
            self._rejections = 0


def _draft_one(drafter: FindingDrafter, request: DraftRequest, breaker: _Breaker) -> DraftOutcome | str:
    """A drafted outcome, or why the requirement could not be drafted."""
    if breaker.error is not None:
        cached = getattr(drafter, "cached_outcome", None)
        outcome = cached(request) if callable(cached) else None
        return outcome if outcome is not None else f"not drafted: {breaker.error}"
    own = getattr(drafter, "draft_outcome", None)
    try:
        if callable(own):
            result: DraftOutcome = own(request)
            breaker.succeeded()
            return result
        finding = drafter.draft(request)
    except LLMUnavailableError as exc:
        from gap.drafting.endpoint import RequestRejectedError

        if isinstance(exc, RequestRejectedError):
            breaker.rejected(exc)
        else:
            breaker.trip(exc)
        return str(exc)
    return DraftOutcome(finding, DraftSource.OFFLINE if drafter.label.offline else DraftSource.LLM)


def assess(
    catalogue: CatalogueLike,
    passages: PassageSource,
    drafter: FindingDrafter,
    *,
    inventory: Sequence[AISystem] = (),
    controls: Sequence[CloudControl] = (),
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    k: int = DEFAULT_K,
    previous_inputs: Mapping[str, str] | None = None,
    concurrency: int | None = None,
) -> AssessmentResult:
    """Draft a finding for every requirement (or the `only` subset) whose inputs changed since `previous_inputs`."""
    requirements = _selected(catalogue, only)
    result = AssessmentResult(findings=[])
    checker = _CitationChecker(passages)
    traits = DocumentTraits(passages)
    warm = getattr(passages, "prepare", None)
    if warm is not None:
        # One embedding batch for every query of the run instead of one per requirement.
        warm([q for requirement in requirements for q in _queries(requirement)])
    fingerprint = drafter_fingerprint(drafter)
    previous = previous_inputs or {}

    outcomes: dict[str, DraftOutcome] = {}
    breaker = _Breaker()
    done = 0
    pending: list[DraftRequest] = []

    def finish(request: DraftRequest, outcome: DraftOutcome | str) -> None:
        nonlocal done
        requirement_id = request.requirement.id
        done += 1
        if isinstance(outcome, str):
            result.sources[requirement_id] = DraftSource.FAILED
            result.failures[requirement_id] = outcome
            return
        finding = outcome.finding
        kept, dropped = checker.check(finding)
        if dropped:
            finding = finding.model_copy(update={"citations": kept})
            result.problems.extend(dropped)
        if request.suspicious:
            finding = finding.model_copy(update={"suspicious_passages": [suspicious_passage(p) for p in request.suspicious]})
        if finding.needs_manual_review:
            result.problems.append(f"{requirement_id}: the model's answer failed validation; needs manual review")
        outcomes[requirement_id] = DraftOutcome(finding, outcome.source)
        result.sources[requirement_id] = outcome.source
        result.inputs[requirement_id] = request.inputs_hash(fingerprint)
        if progress is not None:
            progress(done, len(requirements), finding)

    prepare = getattr(drafter, "prepare", None)
    prepared = not callable(prepare)
    workers = max(1, concurrency or int(getattr(drafter, "concurrency", 1) or 1))
    # Drafting starts as soon as a requirement's evidence is gathered, so retrieval overlaps the model's answers.
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aims-draft") if workers > 1 else None
    futures: dict[Future[DraftOutcome | str], DraftRequest] = {}
    retrieved_any = False
    try:
        for requirement in requirements:
            retrieved, flagged = split_untrusted(passages, _queries(requirement), k)
            retrieved_any = retrieved_any or bool(retrieved)
            evidence = gather_evidence(requirement.technical_evidence, inventory, controls)
            request = DraftRequest(
                requirement=requirement,
                passages=retrieved,
                technical_evidence=evidence.items,
                concerns=evidence.concerns,
                inventory_facts=inventory_facts(requirement.technical_evidence, inventory),
                suspicious=flagged,
                ai_documents=traits.ai(retrieved),
                template_documents=traits.templates(retrieved),
            )
            digest = request.inputs_hash(fingerprint)
            if previous.get(requirement.id) == digest:
                result.sources[requirement.id] = DraftSource.UNCHANGED
                result.inputs[requirement.id] = digest
                continue
            pending.append(request)
            if not prepared:
                # Built on this thread, once something is to be drafted: an unchanged run never imports langchain.
                prepared = True
                try:
                    prepare()  # type: ignore[misc]
                except LLMUnavailableError as exc:  # no key, say: only cached answers can be used
                    breaker.trip(exc)
            if pool is None:
                finish(request, _draft_one(drafter, request, breaker))
            else:
                futures[pool.submit(_draft_one, drafter, request, breaker)] = request
        # Citation checks and progress stay on this thread; only the drafting runs in the pool.
        remaining = set(futures)
        while remaining:
            finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: pending.index(futures[f])):
                finish(futures[future], future.result())
    except BaseException:
        if pool is not None:  # interrupted: drop queued drafts, do not wait out requests in flight
            pool.shutdown(wait=False, cancel_futures=True)
        raise
    if pool is not None:
        pool.shutdown(wait=True)

    result.findings = [outcomes[r.id].finding for r in requirements if r.id in outcomes]
    if breaker.error is not None:
        result.endpoint_error = str(breaker.error)
    if result.failures:
        first = next(iter(result.failures.values()))
        result.problems.append(
            f"{len(result.failures)} requirement(s) could not be drafted and keep their previous draft, if any "
            f"({', '.join(sorted(result.failures, key=[r.id for r in requirements].index))}): {first}"
        )
    if requirements and not retrieved_any:
        result.problems.append("no policy passages were retrieved for any requirement; add policies with `aims policies add`")
    return result
