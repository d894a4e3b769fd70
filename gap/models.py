"""Typed domain model of the gap analysis (DESIGN §2): citations, findings, SoA entries, reviews."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FindingStatus(StrEnum):
    CONFORMANT = "conformant"
    PARTIAL = "partial"
    GAP = "gap"
    INSUFFICIENT_EVIDENCE = "insufficient-evidence"
    NOT_APPLICABLE = "not-applicable"


class ReviewState(StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"
    EDITED = "edited"
    REJECTED = "rejected"

    @property
    def is_human_decision(self) -> bool:
        return self is not ReviewState.DRAFT


class InclusionBasis(StrEnum):
    RISK_ASSESSMENT = "risk-assessment"
    LEGAL = "legal"
    CONTRACTUAL = "contractual"
    BEST_PRACTICE = "best-practice"


class ImplementationStatus(StrEnum):
    IMPLEMENTED = "implemented"
    PARTIALLY_IMPLEMENTED = "partially-implemented"
    NOT_IMPLEMENTED = "not-implemented"
    NOT_APPLICABLE = "not-applicable"


class Citation(BaseModel):
    """A verified passage: `quote` is a verbatim substring of the source at [start, end)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chunk_id: str
    document: str
    page: int | None = None
    section: str | None = None
    start: int
    end: int
    quote: str


class TechnicalEvidence(BaseModel):
    """A discovery fact a finding rests on: an AI system or a cloud control."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str  # ai-system | cloud-control | scan-coverage | impact-assessment
    id: str
    summary: str


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ReviewState = ReviewState.DRAFT
    reviewer: str | None = None
    at: datetime | None = None
    note: str | None = None
    # Content hash of the machine draft this decision rests on (see Finding.content_hash).
    draft_hash: str | None = None


class Drafter(BaseModel):
    """Who drafted: a model name or "offline", and the prompt id@version that made the draft."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str
    prompt: str

    @property
    def offline(self) -> bool:
        return self.model == "offline"

    def label(self) -> str:
        return f"{self.model} ({self.prompt})"


class ReuseState(StrEnum):
    #: ISMS evidence counts towards this (generic management-system) requirement.
    COUNTED = "counted"
    #: An ISMS procedure exists for the mechanism, but this requirement is about AI
    #: systems: it is a starting point to extend, not evidence.
    AVAILABLE = "available"
    #: The requirement has an ISO/IEC 27001 counterpart, but no ISMS evidence was found.
    NOT_FOUND = "not-found"


class IsmsReuse(BaseModel):
    """Whether existing ISO/IEC 27001 (ISMS) evidence carries over to this requirement (from the crosswalk)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iso27001: list[str]  # the 27001:2022 clause(s) or control(s) the crosswalk names
    relationship: str  # equivalent | related | partial
    state: ReuseState
    documents: list[str] = Field(default_factory=list)


class SuspiciousPassage(BaseModel):
    """A retrieved passage that was not evidence: it addresses a tool or claims blanket conformance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chunk_id: str
    document: str
    section: str | None = None
    reason: str
    excerpt: str


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requirement: str
    title: str = ""
    status: FindingStatus
    rationale: str
    citations: list[Citation] = Field(default_factory=list)
    technical_evidence: list[TechnicalEvidence] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    confidence: str = "medium"  # high | medium | low
    drafted_by: Drafter
    evidence_hash: str
    needs_manual_review: bool = False
    #: What an auditor looks for (the catalogue's evidence criteria), split by what the passages show.
    elements_found: list[str] = Field(default_factory=list)
    elements_missing: list[str] = Field(default_factory=list)
    isms_reuse: IsmsReuse | None = None
    #: Retrieved passages that were set aside as untrusted; never cited, shown to the reviewer.
    suspicious_passages: list[SuspiciousPassage] = Field(default_factory=list)
    review: Review = Field(default_factory=Review)
    # A newer machine draft kept beside a human decision; never replaces it.
    pending_draft: dict[str, Any] | None = None
    # Who closes the gap and by when: set by a reviewer, kept across re-runs.
    owner: str | None = None
    due: date | None = None

    def content_hash(self) -> str:
        """What a reviewer reads and decides on: status, rationale, citations, evidence, actions.

        Who drafted it, when, and the evidence fingerprint are left out, so an unchanged re-run
        (or a new model writing the same words) yields the same hash and nothing waits for review.
        """
        return content_hash(self)

    def waiting_draft(self) -> Finding | None:
        """The newer machine draft kept beside the decision, as a Finding."""
        if not self.pending_draft:
            return None
        return Finding.model_validate({**self.pending_draft, "review": Review().model_dump(), "pending_draft": None})

    def shown_draft(self) -> Finding:
        """The draft a reviewer acts on: the waiting one if any, else this finding."""
        return self.waiting_draft() or self


class SoAEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control: str
    title: str = ""
    applicable: bool
    inclusion_basis: list[InclusionBasis] = Field(default_factory=list)
    exclusion_justification: str | None = None
    implementation_status: ImplementationStatus
    justification: str = ""
    evidence: list[str] = Field(default_factory=list)
    owner: str | None = None
    review: Review = Field(default_factory=Review)


class ReviewEvent(BaseModel):
    """An append-only, hash-chained record of one reviewer action."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    requirement: str
    actor: str
    at: datetime
    action: str  # accept | edit | reject | reopen | import
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    previous_hash: str
    hash: str = ""
    # Content hash of the draft the reviewer acted on, and where the decision came from
    # (cli, web, or a review-sheet row with its fingerprint, which makes re-imports idempotent).
    draft_hash: str | None = None
    source: dict[str, Any] | None = None
    # "hmac-sha256" (keyed: a recomputed chain is detected) or "sha256" (events written before
    # the trail was keyed; accepted only for the legacy events counted in the trail head).
    algorithm: str = "sha256"

    def compute_hash(self, key: bytes | None = None) -> str:
        payload = json.dumps(self.model_dump(mode="json", exclude={"hash"}), sort_keys=True).encode()
        if self.algorithm == "hmac-sha256":
            if not key:
                raise ValueError("a keyed trail event needs the trail key to be checked")
            return hmac.new(key, payload, hashlib.sha256).hexdigest()
        return hashlib.sha256(payload).hexdigest()


_CONTENT_FIELDS = ("status", "rationale", "citations", "technical_evidence", "actions")


def content_hash(finding: Finding | dict[str, Any]) -> str:
    data = finding.model_dump(mode="json") if isinstance(finding, BaseModel) else finding
    payload = {name: data.get(name) for name in _CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:16]


def evidence_hash(parts: list[str]) -> str:
    """Content hash of everything a draft rests on; a change means the draft may be stale."""
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()[:16]
