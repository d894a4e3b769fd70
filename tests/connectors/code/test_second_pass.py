"""Issue 14 patterns, one fixture repository each, scanned end to end: frameworks that wrap the
vendor, Azure OpenAI behind OpenAI clients, indirect images and IaC, models named only in
config, and no false alarms on security tooling or own weights. One test per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.code.connector import CodeConnector, CodeScanOptions
from connectors.code.engine import MatchEngine
from discovery.code.catalogue import load_catalogue
from discovery.merge import merge_observations
from discovery.models import Observation

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "code"

# fixture -> (language or form, providers that count as use, a signal that must carry it)
CASES: dict[str, tuple[str, set[str], str]] = {
    "java-spring-ai": ("java", {"spring-ai", "openai", "mcp"}, "config.spring-ai-yaml"),
    "kotlin-langchain4j-azure": ("kotlin", {"langchain", "azure-openai"}, "java-import.dev.langchain4j.model.azure"),
    "kotlin-mcp-server": ("kotlin", {"mcp"}, "java-import.io.modelcontextprotocol"),
    "csharp-semantic-kernel": ("csharp", {"semantic-kernel", "azure-openai"}, "call.semantic-kernel-dotnet"),
    "java-semantic-kernel-openai": ("java", {"semantic-kernel", "openai"}, "call.openai-key-credential"),
    "csharp-mcp-server": ("csharp", {"mcp"}, "call.mcp-server-sdk"),
    "go-azure-openai": ("go", {"azure-openai"}, "call.go-openai-azure-config"),
    "go-mcp-server": ("go", {"mcp"}, "call.mcp-server-sdk"),
    "rust-azure-openai": ("rust", {"azure-openai"}, "call.rust-azure-config"),
    "rust-mcp-server": ("rust", {"mcp"}, "manifest.cargo"),
    "ruby-azure-openai": ("ruby", {"azure-openai"}, "config.azure-api-type"),
    "php-azure-openai": ("php", {"azure-openai"}, "call.azure-openai-api-version"),
    "py-dspy-litellm": ("python", {"dspy", "litellm", "openai", "anthropic", "groq"}, "call.llm-route"),
    "py-crewai-yaml": ("yaml", {"crewai", "google-gemini"}, "model.llm-route"),
    "py-http-config-model": ("json", {"openai"}, "model.openai"),
    "py-autogen-azure": ("python", {"autogen", "azure-openai"}, "call.autogen-model-client"),
    "py-haystack-openai": ("python", {"haystack", "openai"}, "call.haystack-component"),
    "helm-model-servers": ("helm", {"huggingface", "nvidia-triton", "vllm"}, "container.helm-repository"),
    "cdk-ml-stack": ("cdk", {"aws-sagemaker", "aws-bedrock"}, "iac.cdk-construct"),
    "boto3-service-variable": ("python", {"aws-sagemaker"}, "call.aws-service-name"),
    "own-weights": ("model file", {"model-weights"}, "model-file.safetensors"),
    "hf-weights": ("model file", {"huggingface"}, "model-file.safetensors"),
    "config-model-no-caller": ("toml", set(), ""),
    "lookalike-secret-scanner": ("go", set(), ""),
    "lookalike-gemini-exchange": ("js", set(), ""),
    "lookalike-rule-pack": ("yaml", set(), ""),
}


@pytest.fixture(scope="module")
def scanned() -> dict[str, list[Observation]]:
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(CORPUS / name) for name in sorted(CASES)])
    assert not result.issues, result.issues
    by_repo: dict[str, list[Observation]] = {name: [] for name in CASES}
    for observation in result.observations:
        by_repo[observation.location.repo or ""].append(observation)
    return by_repo


@pytest.mark.parametrize("repo", sorted(CASES), ids=[f"{CASES[r][0]}:{r}" for r in sorted(CASES)])
def test_providers_per_language(scanned: dict[str, list[Observation]], repo: str) -> None:
    _language, expected, signal = CASES[repo]
    systems = merge_observations(scanned[repo])
    assert {p for s in systems if s.confidence.counts_as_use for p in s.providers} == expected
    if signal:
        counted = [o for o in scanned[repo] if o.signal == signal and o.confidence.counts_as_use]
        assert counted, f"{repo}: no counted observation from {signal}"
        assert all(o.location.line is not None for o in counted if o.attributes.get("kind") != "model-file")


def test_azure_remaps_the_openai_sdk(scanned: dict[str, list[Observation]]) -> None:
    go = scanned["go-azure-openai"]
    imports = [o for o in go if o.signal.startswith("go-import.")]
    assert imports and {o.provider for o in imports} == {"azure-openai"}
    assert all(o.attributes.get("via") == "openai-sdk" for o in imports)


def test_config_model_counts_only_beside_a_generic_caller(scanned: dict[str, list[Observation]]) -> None:
    counted = next(o for o in scanned["py-http-config-model"] if o.signal == "model.openai")
    assert counted.model == "gpt-4o" and counted.location.path == "llm.json"
    assert counted.attributes["counted_because"]
    alone = next(o for o in scanned["config-model-no-caller"] if o.signal == "model.openai")
    assert not alone.confidence.counts_as_use and "counted_because" not in alone.attributes


def test_routes_carry_the_model(scanned: dict[str, list[Observation]]) -> None:
    models = {(o.provider, o.model) for o in scanned["py-dspy-litellm"] if o.signal in ("call.llm-route", "model.llm-route")}
    assert ("openai", "gpt-4o-mini") in models and ("anthropic", "claude-3-5-sonnet-20241022") in models
    assert ("groq", "llama-3.1-8b-instant") in models


def test_security_tooling_raises_no_key_and_no_use(scanned: dict[str, list[Observation]]) -> None:
    observations = scanned["lookalike-secret-scanner"]
    assert not [o for o in observations if o.attributes.get("secret_exposed")]
    assert not [o for o in observations if o.confidence.counts_as_use]
    systems = merge_observations(observations)
    assert not any(s.attributes.get("secret_exposed") for s in systems)


def test_a_rule_pack_describes_vendors_it_does_not_use(scanned: dict[str, list[Observation]]) -> None:
    described = [o for o in scanned["lookalike-rule-pack"] if o.location.path == "policies/llm-keys.yaml"]
    assert not [o for o in described if o.confidence.counts_as_use]


def test_gemini_exchange_key_is_not_google(scanned: dict[str, list[Observation]], tmp_path: Path) -> None:
    assert not [o for o in scanned["lookalike-gemini-exchange"] if o.provider == "google-gemini"]
    (tmp_path / "llm.py").write_text('import os\nkey = os.environ["GEMINI_API_KEY"]\n')
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    assert {o.provider for o in result.observations if o.confidence.counts_as_use} == {"google-gemini"}


def test_spring_yaml_needs_the_spring_ai_path(tmp_path: Path) -> None:
    (tmp_path / "application.yml").write_text("vendors:\n  list:\n    openai:\n      enabled: true\n")
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    assert not [o for o in result.observations if o.signal == "config.spring-ai-yaml"]


def test_api_version_alone_is_not_azure_openai(tmp_path: Path) -> None:
    (tmp_path / "storage.py").write_text(
        'import requests\nr = requests.get(url, params={"api-version": "2023-11-03"})\n')
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    assert not [o for o in result.observations if o.provider == "azure-openai"]


def test_service_name_literal_alone_is_a_lead_at_most(tmp_path: Path) -> None:
    (tmp_path / "names.py").write_text('SERVICES = ["s3", "sagemaker-runtime"]\nprint(SERVICES)\n')
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    assert not [o for o in result.observations if o.confidence.counts_as_use]


def test_fallback_matcher_finds_the_same(scanned: dict[str, list[Observation]]) -> None:
    fallback = CodeConnector(CodeScanOptions(jobs=1, prefilter="re")).scan([str(CORPUS / name) for name in sorted(CASES)])
    assert sorted(o.id for o in fallback.observations) == sorted(o.id for obs in scanned.values() for o in obs)


def test_repeats_in_a_file_add_to_the_first_hit() -> None:
    engine = MatchEngine(load_catalogue(), prefilter="re")
    data = b'a = "gpt-4o"\nb = "gpt-4o-mini"\nc = "gpt-4o"\nd = "gpt-4o"\n'
    hits = [h for h in engine.match(data, "python")[0] if h.signal == "model.openai"]
    assert [(h.model, h.line, h.count) for h in hits] == [("gpt-4o", 1, 3), ("gpt-4o-mini", 2, 1)]
    assert hits[0].evidence and "gpt-4o" in hits[0].evidence


def test_routing_rules_are_not_a_rule_pack(tmp_path: Path) -> None:
    (tmp_path / "gateway.yaml").write_text(
        "rules:\n  - pattern: /api/*\n    backend: app\nenv:\n  OPENAI_API_KEY: ${SECRET}\n")
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    assert {o.provider for o in result.observations if o.confidence.counts_as_use} == {"openai"}


def test_a_framework_setting_keeps_the_vendor_category(tmp_path: Path) -> None:
    (tmp_path / "Program.cs").write_text(
        'builder.AddOllamaChatCompletion("llama3.1", new Uri("http://localhost:11434"));\n'
        'builder.AddBedrockChatCompletionService("anthropic.claude-3-haiku-20240307-v1:0");\n')
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(tmp_path)])
    categories = {o.provider: o.category.value for o in result.observations if o.signal == "call.semantic-kernel-dotnet"}
    assert categories == {"ollama": "local-model", "aws-bedrock": "cloud-ai-service"}
