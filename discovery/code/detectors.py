"""Rules that need more than one line: per-file detectors and per-repository rules (pure).

File detectors see one file's hits (and its text, decoded only when a rule asks for it).
Repository rules see every hit of one repository: test/docs context, Azure reached through the
OpenAI SDK, used-but-undeclared and declared-but-unused SDKs, and the CODEOWNERS owner hint.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable

from discovery.code.evidence_rules import (
    attribute_own_weights,
    count_configured_models,
    drop_exchange_credentials,
    drop_markers,
    drop_rule_context,
)
from discovery.code.files import path_context
from discovery.code.hits import RawHit, lower_confidence
from discovery.code.ignore import CodeOwners
from discovery.code.indirect import FILE_DETECTORS, mark_rule_files
from discovery.models import Confidence
from discovery.code.catalogue import CODE_SCOPES, CONFIG_SCOPES

HF_FRAMEWORK_PACKAGES = frozenset({"transformers", "diffusers", "sentence_transformers", "peft"})
# Something in the file that sends a request: a local Ollama URL is a use only then.
_CALLS_A_SERVER = re.compile(
    r"\b(?:requests\.(?:get|post|request)\(|httpx\.\w+\(|aiohttp\.|urlopen\(|fetch\(|axios|curl\b|"
    r"http\.(?:Get|Post|NewRequest)|HttpClient|WebClient|RestTemplate|Net::HTTP|"
    r"(?:Chat)?Ollama(?:LLM|Embeddings)?\(|ollama\.(?:chat|generate|embed|Client)|"
    r"base_url\s*=|baseURL\s*[:=]|OpenAI\()"
)
AZURE_EVIDENCE_KINDS = frozenset({"endpoint", "call", "env-var", "iac"})
OPENAI_PLATFORM_SIGNALS = frozenset({"endpoint.openai", "env.openai", "key.openai"})
_REMAPPABLE_TO_AZURE = frozenset({"import", "call", "model-id", "manifest", "lockfile"})
IMPORT_ECOSYSTEM = {"py-import": "pypi", "py-from-parent": "pypi", "js-import": "npm", "go-import": "go",
                    "java-import": "maven", "cs-using": "nuget", "rb-require": "gem", "rs-use": "cargo",
                    "php-use": "composer"}
USE_KINDS = frozenset({"import", "call", "endpoint", "env-var", "secret", "model-id", "container", "iac",
                       "mcp-config"})


# -- file detectors -----------------------------------------------------------------------


def apply_file_detectors(hits: list[RawHit], text_of: Callable[[], str], scope: str,
                         raw: bytes | None = None) -> list[RawHit]:
    """raw, when given, is the bytes text_of decodes: cheap word checks read it undecoded."""
    detectors = {h.detector for h in hits if h.detector}
    if detectors:
        for name, detector in FILE_DETECTORS.items():
            if name in detectors:
                hits = detector(hits, text_of)
    if scope in CONFIG_SCOPES:
        mark_rule_files(hits, text_of, raw)
    if "hf-model-id" in detectors:
        hits = _hf_model_ids(hits, text_of)
    if "ollama-local-call" in detectors and scope in CODE_SCOPES and _CALLS_A_SERVER.search(text_of()):
        for hit in hits:
            if hit.detector == "ollama-local-call":
                hit.confidence = Confidence.MEDIUM
                hit.attributes["called"] = True
    return _azure_through_openai(hits, same_file=True)


def _hf_model_ids(hits: list[RawHit], text_of: Callable[[], str]) -> list[RawHit]:
    """A model id counts as Hugging Face only when the file imports a Hugging Face library and
    the receiver is not the project's own class (nanoGPT's GPT.from_pretrained is its own)."""
    imports_hf = any(h.kind == "import" and h.attributes.get("package") in HF_FRAMEWORK_PACKAGES for h in hits)
    kept = []
    for hit in hits:
        if hit.detector != "hf-model-id":
            kept.append(hit)
            continue
        if not imports_hf or not hit.model or hit.model.startswith((".", "/")):
            continue
        receiver = str(hit.attributes.get("receiver") or hit.attributes.get("receiver2") or "")
        own_name = receiver.rsplit(".", 1)[-1]
        if own_name and re.search(rf"^\s*class\s+{re.escape(own_name)}\b", text_of(), re.M):
            continue
        kept.append(hit)
    return kept


def _azure_through_openai(hits: list[RawHit], same_file: bool) -> list[RawHit]:
    """The plain OpenAI client pointed at an Azure endpoint is Azure OpenAI."""
    azure = any(h.provider == "azure-openai" and h.kind in AZURE_EVIDENCE_KINDS for h in hits)
    if not azure:
        return hits
    if not same_file and any(h.provider == "openai" and h.signal in OPENAI_PLATFORM_SIGNALS for h in hits):
        return hits  # the repository also talks to OpenAI itself: keep both
    for hit in hits:
        if hit.provider == "openai" and hit.kind in _REMAPPABLE_TO_AZURE:
            hit.provider = "azure-openai"
            hit.attributes["via"] = "openai-sdk"
    return hits


# -- repository rules ---------------------------------------------------------------------


def apply_repo_rules(
    hits: list[RawHit], manifest_ecosystems: set[str], owners: CodeOwners | None = None
) -> list[RawHit]:
    """Context, cross-file detectors, and the flags merge lifts onto each system."""
    declared_packages = {str(h.attributes.get("package")) for h in hits if h.kind == "manifest"}
    kept = []
    for hit in hits:
        if hit.detector == "openai-agents" and "openai-agents" in declared_packages:
            hit.confidence = Confidence.MEDIUM
        context = hit.attributes.get("context") or path_context(hit.path)
        if context:
            if hit.kind == "secret":
                continue  # a key in a fixture, a doc sample or a scanner rule is not a committed key
            if hit.confidence == Confidence.LOW:
                continue  # a lead inside tests or docs is noise (a local URL in a test, a model name)
            hit.confidence = lower_confidence(hit.confidence)
            hit.attributes["context"] = context
        kept.append(hit)
    hits = drop_rule_context(kept)
    count_configured_models(hits)
    attribute_own_weights(hits)
    hits = drop_exchange_credentials(hits)
    hits = drop_markers(hits)
    production = [h for h in hits if "context" not in h.attributes]
    if any(h.provider == "azure-openai" and h.kind in AZURE_EVIDENCE_KINDS for h in production):
        _azure_through_openai(hits, same_file=False)
    _dependency_flags(hits, manifest_ecosystems)
    if owners is not None:
        _owner_hints(hits, owners)
    return hits


def _dependency_flags(hits: list[RawHit], manifest_ecosystems: set[str]) -> None:
    by_provider: dict[str, list[RawHit]] = defaultdict(list)
    for hit in hits:
        by_provider[hit.provider].append(hit)
    for provider_hits in by_provider.values():
        declared_in = {str(h.attributes.get("ecosystem")) for h in provider_hits if h.kind == "manifest"}
        imported_in = {
            IMPORT_ECOSYSTEM[h.signal.split(".", 1)[0]]
            for h in provider_hits
            if h.kind == "import" and h.signal.split(".", 1)[0] in IMPORT_ECOSYSTEM
        }
        used = any(h.kind in USE_KINDS and h.confidence != Confidence.LOW for h in provider_hits)
        # Undeclared only where the repository declares that ecosystem's dependencies at all.
        undeclared = sorted(e for e in imported_in - declared_in if e in manifest_ecosystems)
        flags: dict[str, str | int | float | bool] = {
            "declared": bool(declared_in),
            "used": used,
            "undeclared": bool(undeclared),
            "declared_unused": bool(declared_in) and not used,
        }
        if undeclared:
            flags["undeclared_in"] = ",".join(undeclared)
        for hit in provider_hits:
            hit.attributes.update(flags)


def _owner_hints(hits: list[RawHit], owners: CodeOwners) -> None:
    by_provider: dict[str, list[RawHit]] = defaultdict(list)
    for hit in hits:
        by_provider[hit.provider].append(hit)
    for provider_hits in by_provider.values():
        votes = Counter(owners.owners(h.path) for h in provider_hits)
        votes.pop((), None)
        if votes:
            hint = " ".join(votes.most_common(1)[0][0])
            for hit in provider_hits:
                hit.attributes["owner_hint"] = hint
