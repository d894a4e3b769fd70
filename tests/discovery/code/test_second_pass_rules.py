"""Pure rules of the second pass: key realism, YAML parents, rule paths, evidence rules."""

from __future__ import annotations

import pytest

from discovery.code.evidence_rules import attribute_own_weights, count_configured_models, drop_rule_context
from discovery.code.files import path_context
from discovery.code.hits import RawHit
from discovery.code.indirect import yaml_parents
from discovery.code.secrets import entropy, key_looks_real
from discovery.models import Category, Confidence

REAL = "sk-proj-6G5mf6iWViMEAfYkJTlRdqosAjyxlKcLZVjJ8NCjuOWkQIZcPZSreFsjEbZd"


@pytest.mark.parametrize(("key", "line", "real"), [
    (REAL, f'OPENAI_API_KEY="{REAL}"', True),
    ("sk-proj-EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE12", "", False),
    ("sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx9", "", False),
    ("sk-1234567890abcdefghij1234567890abcdefghij", "", False),
    (REAL, f'    example: "{REAL}"', False),
    (REAL, f"regex = '{REAL}|sk-[a-z0-9]{{48}}'", False),
    ("sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", False),
])
def test_key_realism(key: str, line: str, real: bool) -> None:
    assert key_looks_real(key, line) is real


def test_entropy_separates_random_from_repetitive() -> None:
    assert entropy("6G5mf6iWViMEAfYkJTlRdqosAjyxlK") > 4.0 > entropy("abababababababababab")


def test_yaml_parents_follow_indentation() -> None:
    lines = "spring:\n  application:\n    name: x\n  ai:\n    # comment\n    openai:\n      api-key: k\n".splitlines()
    assert yaml_parents(lines, 6) == ["ai", "spring"]
    assert yaml_parents(lines, 7) == ["openai", "ai", "spring"]
    assert yaml_parents(lines, 1) == []


@pytest.mark.parametrize(("path", "context"), [
    ("rules/openai.toml", "rules"), ("pkg/detectors/openai/openai.go", "rules"), (".gitleaks.toml", "rules"),
    ("config/semgrep/ai.rules.yaml", "rules"), ("src/app.py", None), ("tests/test_x.py", "test"),
])
def test_rule_paths(path: str, context: str | None) -> None:
    assert path_context(path) == context


def _hit(provider: str, kind: str, confidence: Confidence, signal: str = "s", **attributes: object) -> RawHit:
    return RawHit(signal=signal, provider=provider, category=Category.LLM_API, kind=kind, confidence=confidence,
                  line=1, evidence="", attributes=dict(attributes))  # type: ignore[arg-type]


def test_rule_context_keeps_only_imports() -> None:
    hits = [_hit("openai", "endpoint", Confidence.HIGH, context="rules"),
            _hit("openai", "import", Confidence.HIGH, context="rules")]
    kept = drop_rule_context(hits)
    assert [(h.kind, h.confidence) for h in kept] == [("import", Confidence.MEDIUM)]


def test_config_models_count_only_with_a_generic_caller() -> None:
    model = _hit("openai", "model-id", Confidence.LOW)
    count_configured_models([model])
    assert model.confidence == Confidence.LOW
    count_configured_models([model, _hit("-", "call", Confidence.MEDIUM, signal="marker.llm-http", marker=True)])
    assert model.confidence == Confidence.MEDIUM
    in_tests = _hit("anthropic", "model-id", Confidence.LOW, context="test")
    count_configured_models([in_tests, _hit("litellm", "import", Confidence.HIGH)])
    assert in_tests.confidence == Confidence.LOW


def test_own_weights_become_huggingface_only_with_evidence() -> None:
    weights = _hit("model-weights", "model-file", Confidence.HIGH)
    attribute_own_weights([weights, _hit("pytorch", "import", Confidence.HIGH)])
    assert weights.provider == "model-weights"
    attribute_own_weights([weights, _hit("huggingface", "model-id", Confidence.LOW)])
    assert weights.provider == "huggingface"

