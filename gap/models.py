"""Typed domain model of the gap analysis (DESIGN §2): citations, findings, SoA entries, reviews."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
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
    review: Review = Field(default_factory=Review)
    # A newer machine draft kept beside a human decision; never replaces it.
    pending_draft: dict[str, Any] | None = None


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

    def compute_hash(self) -> str:
        payload = self.model_dump(mode="json", exclude={"hash"})
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def evidence_hash(parts: list[str]) -> str:
    """Content hash of everything a draft rests on; a change means the draft may be stale."""
    return hashlib.sha256("\x1e".join(parts).encode("utf-8")).hexdigest()[:16]
