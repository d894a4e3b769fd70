"""Risk tiers for AI systems (1 = highest), each with its reason. Pure and explainable."""

from __future__ import annotations

from discovery.models import AISystem, Category, SystemStatus

# Providers that run inside the organisation's own boundary: data does not leave for a vendor.
LOCAL_PROVIDERS = frozenset(
    {"ollama", "llama-cpp", "vllm", "pytorch", "tensorflow", "jax", "scikit-learn", "xgboost"}
)
EXTERNAL_CATEGORIES = frozenset(
    {Category.LLM_API, Category.AI_SAAS, Category.AGENT_FRAMEWORK, Category.CLOUD_AI_SERVICE, Category.MCP}
)
WIDE_USE_IDENTITIES = 10


def assess_risk(system: AISystem) -> AISystem:
    """Score what raises the stakes of one use; set risk_tier and risk_reason in place."""
    score = 0
    reasons: list[str] = []
    if system.status == SystemStatus.SHADOW:
        score += 2
        reasons.append("unsanctioned (shadow) use")
    attrs = system.attributes
    if attrs.get("secret_exposed"):
        score += 2
        reasons.append("an API key is committed to code")
    if attrs.get("upload") or (isinstance(attrs.get("uploads"), int) and attrs["uploads"] > 0):  # type: ignore[operator]
        score += 2
        reasons.append("files or large payloads were uploaded")
    external = any(c in EXTERNAL_CATEGORIES for c in system.categories) and not set(system.providers) <= LOCAL_PROVIDERS
    if external:
        score += 1
        reasons.append("data flows to an external AI provider")
    if len(system.identities) >= WIDE_USE_IDENTITIES:
        score += 1
        reasons.append(f"used by {len(system.identities)} identities")
    system.risk_tier = 1 if score >= 4 else 2 if score >= 2 else 3
    system.risk_reason = "; ".join(reasons) if reasons else "local or sanctioned use with no aggravating factor"
    return system
