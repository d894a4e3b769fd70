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
    count: int = 1  # repeats of the same signal in the file, folded into this hit


def lower_confidence(confidence: Confidence) -> Confidence:
    return Confidence.MEDIUM if confidence == Confidence.HIGH else Confidence.LOW


def raise_confidence(confidence: Confidence) -> Confidence:
    return Confidence.HIGH if confidence == Confidence.MEDIUM else Confidence.MEDIUM


def fold_repeats(hits: list[RawHit]) -> list[RawHit]:
    """One hit per (signal, provider, model, server, key) in a file; the first keeps its line."""
    folded: dict[tuple[object, ...], RawHit] = {}
    for hit in hits:
        key = (hit.signal, hit.provider, hit.model, hit.attributes.get("server"), hit.attributes.get("key_fingerprint"))
        first = folded.get(key)
        if first is None:
            folded[key] = hit
        else:
            first.count += hit.count
            if hit.confidence.rank > first.confidence.rank:
                first.confidence = hit.confidence
            if not first.evidence:
                first.evidence = hit.evidence
    return list(folded.values())
