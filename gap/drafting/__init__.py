"""Drafters of gap-analysis findings: offline (no model) and LLM (langchain, imported lazily)."""

from __future__ import annotations

from pathlib import Path

from gap.drafting.base import (
    OFFLINE_DRAFTER,
    DraftRequest,
    FindingDrafter,
    LLMUnavailableError,
    PassageSource,
    RequirementLike,
)
from gap.drafting.offline import OfflineDrafter, Thresholds


def drafter_for(spec: str, *, base_url: str | None = None, cache_dir: Path | None = None) -> FindingDrafter:
    """The drafter for ``--llm``: ``none`` -> offline; ``openai:MODEL`` -> LLM (built lazily, cached under cache_dir).

    Raises ValueError on an unknown spec. Never touches the network: the model
    is first contacted by the first draft.
    """
    from gap.drafting.cache import DraftCache
    from gap.drafting.llm import LLMDrafter, parse_llm_spec

    parsed = parse_llm_spec(spec)
    if parsed is None:
        return OfflineDrafter()
    return LLMDrafter(parsed[1], base_url=base_url, cache=DraftCache(cache_dir) if cache_dir else None)


__all__ = [
    "OFFLINE_DRAFTER",
    "DraftRequest",
    "FindingDrafter",
    "LLMUnavailableError",
    "OfflineDrafter",
    "PassageSource",
    "RequirementLike",
    "Thresholds",
    "drafter_for",
]
