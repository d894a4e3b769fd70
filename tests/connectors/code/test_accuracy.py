"""The labelled corpus: exact systems per repository, and zero false positives on look-alikes."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.code.connector import CodeConnector, CodeScanOptions
from discovery.merge import merge_observations
from discovery.models import AISystem, Observation

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "code"

# repository -> every provider that counts as AI use there (medium or high confidence).
EXPECTED: dict[str, set[str]] = {
    "py-openai-app": {"openai"},
    "azure-via-openai": {"azure-openai"},
    "js-anthropic-langchain": {"anthropic", "langchain", "openai"},
    "bedrock-terraform": {"aws-bedrock", "aws-sagemaker"},
    "nanogpt-like": {"pytorch"},
    "hf-transformers": {"huggingface", "anthropic", "pytorch"},
    "ollama-local": {"ollama"},
    "mcp-and-agents": {"mcp", "crewai", "openai", "pydantic-ai"},
    "polyglot": {"openai", "langchain", "azure-openai", "mistral"},
    "lookalikes-no-ai": set(),
    "keys-and-env": {"anthropic", "openai"},
    "gemini-vertex": {"google-gemini", "google-vertex-ai"},
    "model-files": {"llama-cpp", "model-weights"},  # safetensors with no Hugging Face evidence beside it
}


@pytest.fixture(scope="module")
def scanned() -> tuple[list[Observation], list[AISystem]]:
    targets = [str(CORPUS / name) for name in sorted(EXPECTED)]
    result = CodeConnector(CodeScanOptions(jobs=1)).scan(targets)
    assert not result.issues, result.issues
    return result.observations, merge_observations(result.observations)


def _uses(systems: list[AISystem]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {name: set() for name in EXPECTED}
    for system in systems:
        if system.confidence.counts_as_use:
            found[system.scope].update(system.providers)
    return found


def test_corpus_has_exact_systems(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    assert _uses(scanned[1]) == EXPECTED


def test_no_false_positive_leads_on_lookalikes(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    observations, _ = scanned
    assert [o for o in observations if o.location.repo == "lookalikes-no-ai"] == []


def _system(systems: list[AISystem], scope: str, provider: str) -> AISystem:
    return next(s for s in systems if s.scope == scope and provider in s.providers)


def test_models_and_evidence_lines(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    observations, systems = scanned
    assert _system(systems, "py-openai-app", "openai").models == ["gpt-4o-mini"]
    assert _system(systems, "bedrock-terraform", "aws-bedrock").models == ["anthropic.claude-3-haiku-20240307-v1:0"]
    assert _system(systems, "hf-transformers", "huggingface").models == ["meta-llama/Llama-3.1-8B-Instruct"]
    imports = [o for o in observations if o.signal == "py-import.openai" and o.location.repo == "py-openai-app"]
    assert [(o.location.path, o.location.line) for o in imports] == [("app/chat.py", 7)]
    notebook = next(o for o in observations if o.location.path == "notebooks/explore.ipynb")
    assert notebook.provider == "anthropic" and notebook.location.line is not None
    raw = (CORPUS / "hf-transformers/notebooks/explore.ipynb").read_text().splitlines()
    assert "import anthropic" in raw[notebook.location.line - 1]


def test_dependency_flags_and_owner(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    _, systems = scanned
    pydantic_ai = _system(systems, "mcp-and-agents", "pydantic-ai")
    assert pydantic_ai.attributes["declared_unused"] is True
    huggingface = _system(systems, "hf-transformers", "huggingface")
    assert huggingface.attributes["undeclared"] is True and huggingface.attributes["used"] is True
    openai = _system(systems, "py-openai-app", "openai")
    assert openai.attributes["declared"] is True and openai.attributes["undeclared"] is False
    assert openai.suggested_owner == "@acme/ai-team"  # CODEOWNERS suggests; the register confirms


def test_keys_are_never_stored(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    observations, _ = scanned
    leaked = "sk-proj-DDAy546FYVK71bt8QFUOki8Mn83MA39IWkxHw70Zv9NfxniuwqudUPR8PSr2iIDNUGaBCdjU7G"
    key = next(o for o in observations if o.signal == "key.openai")
    assert leaked not in key.model_dump_json()
    assert key.attributes["secret_exposed"] is True
    assert "redacted sha256:" in key.evidence
    assert all("ghp_notarealtoken" not in o.model_dump_json() for o in observations)


def test_ignored_and_vendored_files_are_skipped_and_counted() -> None:
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(CORPUS / "py-openai-app")])
    assert {o.provider for o in result.observations if o.confidence.counts_as_use} == {"openai"}
    assert result.counts["skipped.ignored"] >= 1 and result.counts["skipped.dir.vendored"] == 1
    with_ignored = CodeConnector(CodeScanOptions(jobs=1, respect_ignore=False)).scan([str(CORPUS / "py-openai-app")])
    assert "anthropic" in {o.provider for o in with_ignored.observations}


def test_fallback_matcher_finds_the_same(scanned: tuple[list[Observation], list[AISystem]]) -> None:
    targets = [str(CORPUS / name) for name in sorted(EXPECTED)]
    fallback = CodeConnector(CodeScanOptions(jobs=1, prefilter="re")).scan(targets)
    assert sorted(o.id for o in fallback.observations) == sorted(o.id for o in scanned[0])
