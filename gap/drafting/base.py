"""What every drafter shares: the request it drafts from, its interface, and its errors.

A drafter turns one requirement plus the evidence gathered for it into a
`Finding`. It never retrieves or scans itself; `gap.assess` gathers the
evidence, so drafters stay pure functions of their request (plus, for the LLM
drafter, the model behind the seam).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
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
    #: Why this draft is offline although an LLM was asked for (kept for drafters that read it;
    #: aims no longer swaps drafters mid-run, so assess never sets it).
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
    #: Discovery facts of absence ("no data-sources systems among the 12 discovered"), so a
    #: not-applicable or conformant answer can be tied to the inventory; only the LLM reads them.
    inventory_facts: Sequence[TechnicalEvidence] = ()

    def evidence_hash(self, drafter: Drafter) -> str:
        """Hash of what the draft rests on: a change means the draft may be stale.

        Passages count by their own content (see `passage_content_hash`), not by
        chunk id: an edit elsewhere in a document moves offsets and ids but
        changes nothing a draft rests on.
        """
        parts = [self.requirement.id, drafter.model, drafter.prompt]
        parts += [f"passage:{passage_content_hash(p)}" for p in self.passages]
        parts += [f"tech:{e.kind}:{e.id}:{e.summary}" for e in self.technical_evidence]
        parts += [f"concern:{c}" for c in self.concerns]
        return evidence_hash(parts)

    def inputs_hash(self, drafter_fingerprint: str) -> str:
        """Everything that could change the draft, exactly (ids and offsets too): equal means skip it.

        Stricter than `evidence_hash` on purpose: a skipped requirement keeps its
        stored finding verbatim, so even a moved passage (new offsets) must re-draft
        (for the LLM drafter that re-draft is a cache hit, not a call).
        """
        parts = [f"drafter:{drafter_fingerprint}", f"requirement:{requirement_fingerprint(self.requirement)}"]
        parts += [f"passage:{p.id}:{p.start}:{p.end}:{passage_content_hash(p)}" for p in self.passages]
        parts += [f"tech:{e.kind}:{e.id}:{e.summary}" for e in self.technical_evidence]
        parts += [f"concern:{c}" for c in self.concerns]
        parts += [f"fact:{e.kind}:{e.id}:{e.summary}" for e in self.inventory_facts]
        # What the offline assessor weighs beside the passages: untrusted text set aside, and
        # which documents are about AI or unfilled templates.
        parts += [f"untrusted:{p.id}:{passage_content_hash(p)}" for p in self.suspicious]
        parts += [f"ai-doc:{d}" for d in sorted(self.ai_documents)]
        parts += [f"template-doc:{d}" for d in sorted(self.template_documents)]
        return evidence_hash(parts)


def passage_content_hash(passage: Chunk) -> str:
    """A passage's own content as a model sees it: document name, section, page and text."""
    payload = "\x1f".join((passage.document, passage.section or "", str(passage.page or ""), passage.text))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


def requirement_fingerprint(requirement: RequirementLike) -> str:
    """The requirement's catalogue entry as data: a catalogue edit changes it."""
    dump = getattr(requirement, "model_dump_json", None)
    text = dump() if callable(dump) else repr(requirement)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class DraftSource(StrEnum):
    """Where a run's draft of one requirement came from; the run summary counts each."""

    LLM = "llm"
    CACHE = "cache"
    OFFLINE = "offline"
    UNCHANGED = "unchanged"  # inputs identical to the last run: the stored finding stands
    FAILED = "failed"  # could not be drafted: the previous draft (if any) stands


@dataclass
class DraftOutcome:
    finding: Finding
    source: DraftSource


@runtime_checkable
class FindingDrafter(Protocol):
    """Drafts one finding; `label` is what the finding's `drafted_by` will say."""

    @property
    def label(self) -> Drafter: ...

    def draft(self, request: DraftRequest) -> Finding: ...


def drafter_fingerprint(drafter: FindingDrafter) -> str:
    """What identifies a drafter's answers: its label plus, for the LLM, the settings that change them."""
    own = getattr(drafter, "fingerprint", None)
    if isinstance(own, str) and own:
        return own
    return f"{drafter.label.model}|{drafter.label.prompt}|{_code_version(type(drafter))}"


def _code_version(kind: type) -> str:
    """A hash of the drafter's package sources: a changed assessor re-drafts even if its label was not bumped."""
    module = sys.modules.get(kind.__module__)
    source = getattr(module, "__file__", None)
    if not source:
        return "unknown"
    digest = hashlib.sha256()
    for path in sorted(Path(source).parent.glob("*.py")):
        try:
            digest.update(path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:12]


class LLMUnavailableError(RuntimeError):
    """The model endpoint could not be reached or refused us (network, timeout, auth)."""

    def __init__(self, endpoint: str, reason: str) -> None:
        super().__init__(f"the LLM endpoint {endpoint} is unavailable: {reason}")
        self.endpoint = endpoint
        self.reason = reason
