"""Risk tiers for AI systems (1 = highest), from rules kept as data (`catalogues/tiers.yaml`).

Each system shows the rules that fired. The register's declared tier and data categories take
precedence over what the evidence suggests; where the evidence points higher (declared tier 3,
evidence of health data) the system is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from discovery.models import AISystem, Category, SystemStatus
from discovery.yamlload import safe_load, safe_load_packaged

# Providers that run inside the organisation's own boundary: data does not leave for a vendor.
LOCAL_PROVIDERS = frozenset(
    {"ollama", "llama-cpp", "vllm", "pytorch", "tensorflow", "jax", "scikit-learn", "xgboost"}
)
EXTERNAL_CATEGORIES = frozenset(
    {Category.LLM_API, Category.AI_SAAS, Category.AGENT_FRAMEWORK, Category.CLOUD_AI_SERVICE, Category.MCP}
)
WIDE_USE_IDENTITIES = 10
BUILTIN_RULES = Path(__file__).parent / "catalogues" / "tiers.yaml"
CONDITIONS = ("data_category", "category", "status", "attribute", "automated_decisions", "exposure", "external",
              "min_identities")


class TierRuleError(ValueError):
    pass


class TierRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    description: str
    when: dict[str, Any]
    tier: int | None = Field(default=None, ge=1, le=3)
    score: int = 0
    examples: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)


class TierRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    score_tiers: dict[int, int]
    rules: tuple[TierRule, ...]
    data_categories: dict[str, tuple[str, ...]] = Field(default_factory=dict)


def _parse(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TierRuleError(f"{source}: expected a mapping with rules:")
    for number, rule in enumerate(data.get("rules") or [], start=1):
        if not isinstance(rule, dict) or not isinstance(rule.get("when"), dict):
            raise TierRuleError(f"{source}: rule {number} needs an id, a description and when:")
        unknown = set(rule["when"]) - set(CONDITIONS)
        if unknown:
            raise TierRuleError(f"{source}: rule {rule.get('id')!r} has unknown condition(s) {sorted(unknown)}")
        if rule.get("tier") is None and not rule.get("score"):
            raise TierRuleError(f"{source}: rule {rule.get('id')!r} needs a tier floor or a score")
    return data


def load_tier_rules(extra: Path | None = None) -> TierRules:
    """The built-in rules, extended (or overridden by id) by a user file."""
    base = _parse(safe_load_packaged(BUILTIN_RULES.read_text("utf-8")), str(BUILTIN_RULES))
    rules = {r["id"]: r for r in base["rules"]}
    categories = {k: tuple(v) for k, v in (base.get("data_categories") or {}).items()}
    score_tiers = dict(base["score_tiers"])
    if extra is not None:
        try:
            user = _parse(safe_load(extra.read_text("utf-8")) or {}, str(extra))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise TierRuleError(f"{extra}: cannot read the tier rules: {exc}") from exc
        for rule in user.get("rules") or []:
            rules[rule["id"]] = rule
        for name, words in (user.get("data_categories") or {}).items():
            categories[name] = tuple(dict.fromkeys((*categories.get(name, ()), *words)))
        score_tiers.update(user.get("score_tiers") or {})
    try:
        return TierRules(score_tiers=score_tiers, rules=tuple(TierRule(**r) for r in rules.values()),
                         data_categories=categories)
    except ValueError as exc:
        raise TierRuleError(f"tier rules: {exc}") from exc


@lru_cache(maxsize=1)
def builtin_rules() -> TierRules:
    return load_tier_rules()


_SPLIT = re.compile(r"[^a-z0-9]+")


def _keywords(rules: TierRules) -> dict[str, str]:
    keywords: dict[str, str] = {}
    for category, words in rules.data_categories.items():
        for word in words:
            keywords.setdefault(word.lower(), category)
    return keywords


@lru_cache(maxsize=1)
def _builtin_keywords() -> dict[str, str]:
    return _keywords(builtin_rules())


def infer_data_categories(texts: Iterable[str], rules: TierRules | None = None) -> dict[str, str]:
    """Data categories the evidence suggests, each with the word and where it was seen.
    Words are matched whole (snake_case and camelCase parts too), never inside other words."""
    keywords = _keywords(rules) if rules else _builtin_keywords()
    found: dict[str, str] = {}
    for text in texts:
        if not text:
            continue
        spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
        tokens = set(_SPLIT.split(spaced))
        tokens |= {t for t in re.split(r"[^a-z0-9_]+", spaced) if "_" in t}
        for token in tokens:
            category = keywords.get(token)
            if category and category not in found:
                found[category] = f"{token!r} in {text[:80]}"
    return dict(sorted(found.items()))


def is_external(system: AISystem) -> bool:
    return any(c in EXTERNAL_CATEGORIES for c in system.categories) and not set(system.providers) <= LOCAL_PROVIDERS


def _attribute_set(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value > 0
    return bool(value)


def _holds(condition: str, expected: Any, system: AISystem, categories: set[str]) -> bool:
    if condition == "data_category":
        return bool(categories & set(expected))
    if condition == "category":
        return bool({c.value for c in system.categories} & set(expected))
    if condition == "status":
        return system.status.value in expected
    if condition == "attribute":
        names = [expected] if isinstance(expected, str) else expected
        return any(_attribute_set(system.attributes.get(n)) for n in names)
    if condition == "automated_decisions":
        return system.automated_decisions == bool(expected)
    if condition == "exposure":
        return (system.exposure or "") in expected
    if condition == "external":
        return is_external(system) == bool(expected)
    if condition == "min_identities":
        return len(system.identities) >= int(expected)
    raise TierRuleError(f"unknown condition {condition!r}")


def rule_fires(rule: TierRule, system: AISystem, categories: set[str]) -> bool:
    return all(_holds(c, v, system, categories) for c, v in rule.when.items())


def _tier(rules: TierRules, system: AISystem, categories: set[str]) -> tuple[int, list[TierRule]]:
    fired = [r for r in rules.rules if rule_fires(r, system, categories)]
    score = sum(r.score for r in fired)
    tier = 3
    for candidate in sorted(rules.score_tiers):
        if score >= rules.score_tiers[candidate]:
            tier = candidate
            break
    floors = [r.tier for r in fired if r.tier is not None]
    return min([tier, *floors]), fired


def assess_risk(system: AISystem, rules: TierRules | None = None) -> AISystem:
    """Set risk_tier, risk_reason, risk_rules, evidence_tier and mismatch flags in place."""
    rules = rules or builtin_rules()
    declared_categories = set(system.data_categories)
    evidence_categories = set(system.evidence_data_categories)
    used = declared_categories if declared_categories else evidence_categories
    tier, fired = _tier(rules, system, used)
    evidence_tier, evidence_fired = _tier(rules, system, declared_categories | evidence_categories)
    flags = [f for f in system.flags if not f.startswith(("declared ", "evidence "))]
    undeclared = sorted(evidence_categories - declared_categories) if declared_categories or system.register_entry else []
    for category in undeclared:
        flags.append(f"evidence of {category} data ({system.evidence_data_categories[category]}) "
                     f"that the register does not declare")
    system.evidence_tier = evidence_tier
    if system.declared_tier is not None:
        if evidence_tier < system.declared_tier:
            why = ", ".join(r.id for r in evidence_fired)
            flags.append(f"declared tier {system.declared_tier}, evidence suggests tier {evidence_tier} ({why})")
        system.risk_tier = system.declared_tier
        reasons = [f"declared tier {system.declared_tier} in the register"] + [r.description for r in fired]
    else:
        system.risk_tier = tier
        reasons = [r.description for r in fired]
    system.risk_rules = [r.id for r in fired]
    system.flags = flags
    system.risk_reason = "; ".join(reasons) if reasons else "no rule fired: local or sanctioned use with no aggravating factor"
    return system


def example_system(fields: Mapping[str, Any]) -> AISystem:
    """A system built from a rule example's fields (for the rule tests)."""
    data = dict(fields)
    data.setdefault("id", "sys-example")
    data.setdefault("name", "example")
    data.setdefault("scope", "example")
    data.setdefault("providers", data.pop("providers", ["example"]))
    if "status" in data:
        data["status"] = SystemStatus(data["status"])
    return AISystem(**data)
