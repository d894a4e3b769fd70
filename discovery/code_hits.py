"""A raw signature match in one file, before repository rules turn it into an Observation."""

from __future__ import annotations

from dataclasses import dataclass, field

from discovery.models import Category, Confidence


@dataclass(slots=True)
class RawHit:
    signal: str
    provider: str
    category: Category
    kind: str
    confidence: Confidence
    line: int | None
    evidence: str
    model: str | None = None
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)
    detector: str | None = None
    offset: int = 0
    path: str = ""  # repository-relative, set once the file is known


def lower_confidence(confidence: Confidence) -> Confidence:
    return Confidence.MEDIUM if confidence == Confidence.HIGH else Confidence.LOW


def raise_confidence(confidence: Confidence) -> Confidence:
    return Confidence.HIGH if confidence == Confidence.MEDIUM else Confidence.MEDIUM
