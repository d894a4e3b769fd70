"""Repository rules that weigh evidence across files (pure).

* Security tooling: a secret scanner's rules, a linter's detectors and our own kind of
  signature files describe AI vendors; they do not use them.
* Models named only in config: a model id is a lead on its own, but counts (medium) when the
  repository also holds code that calls an LLM generically (plain HTTP, LiteLLM, DSPy, an agent
  framework), since that code is what sends the configured model its prompts.
* Look-alike credentials: GEMINI_API_KEY beside the Gemini crypto exchange's API is the
  exchange's key, not Google's.
* Own weights: a safetensors file is a model of the repository's own; it is Hugging Face's only
  when the repository shows Hugging Face evidence.
"""

from __future__ import annotations

from discovery.code.hits import RawHit, lower_confidence
from discovery.models import Confidence

# Frameworks that call whichever LLM they are configured for.
GENERIC_CALLERS = frozenset({"litellm", "dspy", "langchain", "llamaindex", "crewai", "autogen", "semantic-kernel",
                             "haystack", "pydantic-ai", "spring-ai"})
_CALLER_KINDS = frozenset({"import", "call", "manifest"})
_KEPT_IN_RULES = frozenset({"import", "manifest", "lockfile"})  # a scanner may really import an SDK
OWN_WEIGHTS = "model-weights"
LLM_HTTP_MARKER = "marker.llm-http"
GEMINI_EXCHANGE_MARKER = "marker.gemini-exchange"
_CREDENTIAL_KINDS = frozenset({"env-var", "secret"})


def drop_rule_context(hits: list[RawHit]) -> list[RawHit]:
    """In rule files a vendor's endpoint, key shape, variable or model id is a description."""
    kept = []
    for hit in hits:
        if hit.attributes.get("context") == "rules":
            if hit.kind not in _KEPT_IN_RULES:
                continue
            hit.confidence = lower_confidence(hit.confidence)
        kept.append(hit)
    return kept


def calls_llm_generically(hits: list[RawHit]) -> bool:
    for hit in hits:
        if "context" in hit.attributes:
            continue
        if hit.signal == LLM_HTTP_MARKER:
            return True
        if hit.provider in GENERIC_CALLERS and hit.kind in _CALLER_KINDS and hit.confidence != Confidence.LOW:
            return True
    return False


def count_configured_models(hits: list[RawHit]) -> None:
    """Raise model-id leads to medium when the repository calls an LLM generically."""
    if not calls_llm_generically(hits):
        return
    for hit in hits:
        if (hit.kind == "model-id" and hit.confidence == Confidence.LOW and hit.detector is None
                and "context" not in hit.attributes and hit.signal != "model.hf-config-name"):
            hit.confidence = Confidence.MEDIUM
            hit.attributes["counted_because"] = "the repository calls an LLM generically"


def attribute_own_weights(hits: list[RawHit]) -> None:
    """Safetensors weights are Hugging Face's only beside Hugging Face evidence."""
    weights = [h for h in hits if h.provider == OWN_WEIGHTS]
    if not weights:
        return
    if any(h.provider == "huggingface" and h.kind != "model-file" for h in hits):
        for hit in weights:
            hit.provider = "huggingface"
            hit.attributes["via"] = "huggingface-evidence"


def drop_exchange_credentials(hits: list[RawHit]) -> list[RawHit]:
    """A Gemini variable or key in a repository that talks to the Gemini exchange is the exchange's."""
    if not any(h.signal == GEMINI_EXCHANGE_MARKER for h in hits):
        return hits
    return [h for h in hits if not (h.provider == "google-gemini" and h.kind in _CREDENTIAL_KINDS)]


def drop_markers(hits: list[RawHit]) -> list[RawHit]:
    return [h for h in hits if not h.attributes.get("marker")]
