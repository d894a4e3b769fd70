"""Drafters of gap-analysis findings: offline (no model) and LLM (langchain, imported lazily)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gap.drafting.base import (
    OFFLINE_DRAFTER,
    DraftOutcome,
    DraftRequest,
    DraftSource,
    FindingDrafter,
    LLMUnavailableError,
    PassageSource,
    RequirementLike,
)
from gap.drafting.offline import OfflineDrafter, Thresholds


def drafter_for(
    spec: str, *, base_url: str | None = None, cache_dir: Path | None = None, **options: Any
) -> FindingDrafter:
    """The drafter for ``--llm``: ``none`` -> offline; ``openai:MODEL`` / ``azure:DEPLOYMENT`` -> LLM.

    ``options`` are further `LLMSettings` fields (temperature, max_tokens, ...);
    None values are left at their defaults. Raises ValueError on an unknown spec
    or a bad setting. Never touches the network: the model is first contacted by
    the first draft.
    """
    from gap.drafting.cache import DraftCache
    from gap.drafting.llm import LLMDrafter
    from gap.drafting.settings import LLMSettings, parse_llm_spec

    parsed = parse_llm_spec(spec)
    if parsed is None:
        return OfflineDrafter()
    provider, model = parsed
    given = {key: value for key, value in options.items() if value is not None}
    settings = LLMSettings(provider=provider, model=model, base_url=base_url, **given)
    return LLMDrafter(settings=settings, cache=DraftCache(cache_dir) if cache_dir else None)


__all__ = [
    "OFFLINE_DRAFTER",
    "DraftOutcome",
    "DraftRequest",
    "DraftSource",
    "FindingDrafter",
    "LLMUnavailableError",
    "OfflineDrafter",
    "PassageSource",
    "RequirementLike",
    "Thresholds",
    "drafter_for",
]
