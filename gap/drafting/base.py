"""What every drafter shares: the request it drafts from, its interface, and its errors.

A drafter turns one requirement plus the evidence gathered for it into a
`Finding`. It never retrieves or scans itself; `gap.assess` gathers the
evidence, so drafters stay pure functions of their request (plus, for the LLM
drafter, the model behind the seam).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from gap.models import Drafter, Finding, TechnicalEvidence, evidence_hash
from rag.models import Chunk, Passage

#: The prompt label of drafts made without a language model.
OFFLINE_PROMPT = "offline-criteria@2"
OFFLINE_DRAFTER = Drafter(model="offline", prompt=OFFLINE_PROMPT)


class RequirementLike(Protocol):
    """The fields of `gap.requirements.Requirement` that drafting reads."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def objective(self) -> str | None: ...
    @property
    def ai_specific(self) -> bool: ...
    @property
    def guidance(self) -> str: ...
    @property
    def queries(self) -> Sequence[str]: ...
    @property
    def keywords(self) -> Sequence[str]: ...
    @property
    def technical_evidence(self) -> Sequence[str]: ...


class PassageSource(Protocol):
    """The retriever interface gap depends on (rag's Retriever plus its index's text)."""

    def search_many(self, queries: Sequence[str], k: int = 5) -> list[Passage]: ...
    def get(self, chunk_id: str) -> Chunk | None: ...
    def document_text(self, document_id: str) -> str: ...


@dataclass(frozen=True)
class DraftRequest:
    """Everything one finding may rest on."""

    requirement: RequirementLike
    passages: Sequence[Passage]
    technical_evidence: Sequence[TechnicalEvidence] = ()
    #: Plain sentences about discovery facts that weigh against conformity
    #: (logging disabled, shadow AI outside the register); see gap.evidence.
    concerns: Sequence[str] = ()
    #: Why this draft is offline although an LLM was asked for (fallback).
    fallback_reason: str | None = field(default=None)
    #: Retrieved passages flagged as untrusted (rag.untrusted): never evidence, never
    #: shown to a model as evidence, listed in the finding for the reviewer.
    suspicious: Sequence[Passage] = ()
    #: Ids of documents that are about AI as a whole (their opening speaks of AI): every
    #: passage of such a document concerns AI, even one whose own words do not say so.
    ai_documents: frozenset[str] = frozenset()
    #: Ids of documents that are unfilled templates: they show a form exists, not that the work is done.
    template_documents: frozenset[str] = frozenset()

    @property
    def evidence_passages(self) -> list[Passage]:
        """The passages a drafter may rely on: never one flagged as suspicious."""
        return [p for p in self.passages if p.suspicious is None]

    def evidence_hash(self, drafter: Drafter) -> str:
        """Hash of what the draft rests on: a change means the draft may be stale."""
        parts = [self.requirement.id, drafter.model, drafter.prompt]
        parts += [f"passage:{p.id}:{p.text}" for p in self.passages]
        parts += [f"tech:{e.kind}:{e.id}:{e.summary}" for e in self.technical_evidence]
        parts += [f"concern:{c}" for c in self.concerns]
        return evidence_hash(parts)


@runtime_checkable
class FindingDrafter(Protocol):
    """Drafts one finding; `label` is what the finding's `drafted_by` will say."""

    @property
    def label(self) -> Drafter: ...

    def draft(self, request: DraftRequest) -> Finding: ...


class LLMUnavailableError(RuntimeError):
    """The model endpoint could not be reached or refused us (network, timeout, auth)."""

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"the LLM endpoint {endpoint} is unavailable: {reason}")
        self.endpoint = endpoint
        self.reason = reason
