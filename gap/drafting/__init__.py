"""Drafters of gap-analysis findings: offline (no model) and LLM (langchain, imported lazily)."""

from gap.drafting.base import (
    OFFLINE_DRAFTER,
    DraftRequest,
    FindingDrafter,
    LLMUnavailableError,
    PassageSource,
    RequirementLike,
)
from gap.drafting.offline import OfflineDrafter, Thresholds

__all__ = [
    "OFFLINE_DRAFTER",
    "DraftRequest",
    "FindingDrafter",
    "LLMUnavailableError",
    "OfflineDrafter",
    "PassageSource",
    "RequirementLike",
    "Thresholds",
]
