"""Run the gap analysis: one drafted finding per requirement, in catalogue order.

`assess` gathers the evidence for each requirement (retrieved passages,
technical evidence from discovery), hands it to a drafter, and checks every
citation of the result against the document text once more, whichever drafter
made it. When the LLM becomes unreachable mid-run, the rest of the run is
drafted offline, each such draft says so, and the switch is reported in
`problems`. Importing this module stays cheap: no langchain, no chromadb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from discovery.controls import CloudControl
from discovery.models import AISystem
from gap.drafting.base import DraftRequest, FindingDrafter, LLMUnavailableError, PassageSource, RequirementLike
from gap.drafting.offline import OfflineDrafter
from gap.evidence import gather_evidence
from gap.models import Citation, Finding, SuspiciousPassage
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
    findings: list[Finding]
    problems: list[str] = field(default_factory=list)
    #: Why the run switched from the LLM to offline drafting, if it did.
    fallback_reason: str | None = None
    #: Requirements drafted offline because of that switch.
    fallback_requirements: list[str] = field(default_factory=list)


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


def _split_untrusted(source: PassageSource, queries: list[str], k: int) -> tuple[list[Passage], list[Passage]]:
    """The k evidence passages for the queries, and the untrusted passages that match them (never evidence)."""
    retrieved = source.search_many(queries, k)
    clean = [p for p in retrieved if p.suspicious is None]
    flagged = [p for p in retrieved if p.suspicious is not None]
    finder = getattr(source, "suspicious_matches", None)
    if finder is not None:
        known = {p.id for p in flagged}
        flagged += [p for p in finder(queries, 2) if p.id not in known]
    return clean, flagged


#: How much of a document's opening decides whether the document as a whole is about AI.
AI_DOCUMENT_OPENING = 1500
#: Unfilled template fields that make a whole document a template (a form, not a record).
TEMPLATE_FIELDS = 3


class _DocumentTraits:
    """Per document, read once: is it about AI as a whole, and is it an unfilled template?"""

    def __init__(self, source: PassageSource) -> None:
        self.source = source
        self._known: dict[str, tuple[bool, bool]] = {}

    def _traits(self, document_id: str) -> tuple[bool, bool]:
        from gap.drafting.text import count_placeholders, speaks_of_ai

        if document_id not in self._known:
            try:
                text = self.source.document_text(document_id)
            except (KeyError, OSError, ValueError):
                text = ""
            self._known[document_id] = (
                speaks_of_ai(text[:AI_DOCUMENT_OPENING]), count_placeholders(text) >= TEMPLATE_FIELDS
            )
        return self._known[document_id]

    def ai(self, passages: Sequence[Passage]) -> frozenset[str]:
        return frozenset(p.document_id for p in passages if self._traits(p.document_id)[0])

    def templates(self, passages: Sequence[Passage]) -> frozenset[str]:
        return frozenset(p.document_id for p in passages if self._traits(p.document_id)[1])


def _suspicious(passage: Passage) -> SuspiciousPassage:
    excerpt = " ".join(passage.text.split())
    return SuspiciousPassage(
        chunk_id=passage.id,
        document=passage.document,
        section=passage.section,
        reason=passage.suspicious or "untrusted",
        excerpt=excerpt[:200] + ("…" if len(excerpt) > 200 else ""),
    )


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
) -> AssessmentResult:
    """Draft a finding for every requirement (or the `only` subset), in catalogue order."""
    requirements = _selected(catalogue, only)
    result = AssessmentResult(findings=[])
    checker = _CitationChecker(passages)
    traits = _DocumentTraits(passages)
    prepare = getattr(passages, "prepare", None)
    if prepare is not None:
        # One embedding batch for every query of the run instead of one per requirement.
        prepare([q for requirement in requirements for q in _queries(requirement)])
    current: FindingDrafter = drafter
    retrieved_any = False
    for number, requirement in enumerate(requirements, start=1):
        retrieved, flagged = _split_untrusted(passages, _queries(requirement), k)
        retrieved_any = retrieved_any or bool(retrieved)
        evidence = gather_evidence(requirement.technical_evidence, inventory, controls)
        request = DraftRequest(
            requirement=requirement,
            passages=retrieved,
            technical_evidence=evidence.items,
            concerns=evidence.concerns,
            fallback_reason=result.fallback_reason,
            suspicious=flagged,
            ai_documents=traits.ai(retrieved),
            template_documents=traits.templates(retrieved),
        )
        try:
            finding = current.draft(request)
        except LLMUnavailableError as exc:
            remaining = len(requirements) - number + 1
            result.fallback_reason = str(exc)
            result.problems.append(f"{exc}; drafted the remaining {remaining} requirement(s) offline instead")
            current = OfflineDrafter()
            request = DraftRequest(
                requirement=requirement,
                passages=retrieved,
                technical_evidence=evidence.items,
                concerns=evidence.concerns,
                fallback_reason=str(exc),
                suspicious=flagged,
                ai_documents=traits.ai(retrieved),
            template_documents=traits.templates(retrieved),
            )
            finding = current.draft(request)
        if result.fallback_reason is not None:
            result.fallback_requirements.append(requirement.id)
        kept, dropped = checker.check(finding)
        if dropped:
            finding = finding.model_copy(update={"citations": kept})
            result.problems.extend(dropped)
        if flagged:
            finding = finding.model_copy(update={"suspicious_passages": [_suspicious(p) for p in flagged]})
        if finding.needs_manual_review:
            result.problems.append(f"{requirement.id}: the model's answer failed validation; needs manual review")
        result.findings.append(finding)
        if progress is not None:
            progress(number, len(requirements), finding)
    if requirements and not retrieved_any:
        result.problems.append("no policy passages were retrieved for any requirement; add policies with `aims policies add`")
    return result
