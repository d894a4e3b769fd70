"""8.2 reassessment triggers (pure): a scan's changes checked against rules kept as data.

Each trigger names the rule, the system and what changed, with an id stable for that change,
so a re-run of the same comparison does not raise it twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from discovery.models import AISystem, SystemStatus, short_hash
from discovery.yamlload import safe_load

BUILTIN_TRIGGERS = Path(__file__).parent / "catalogues" / "triggers.yaml"
KINDS = ("new-system", "new-model", "population", "new-segment", "data-category", "approval-expired",
         "assessment-expired")


class TriggerRuleError(ValueError):
    pass


class TriggerRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    kind: str
    description: str
    enabled: bool = True

    def setting(self, name: str, default: Any) -> Any:
        return (self.model_extra or {}).get(name, default)


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    rule: str
    description: str
    system_id: str
    system_name: str
    detail: str
    scan_id: str | None = None
    at: datetime | None = None
    acknowledged: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)


def load_trigger_rules(extra: Path | None = None) -> tuple[TriggerRule, ...]:
    def read(path: Path) -> list[dict[str, Any]]:
        try:
            data = safe_load(path.read_text("utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise TriggerRuleError(f"{path}: cannot read the trigger rules: {exc}") from exc
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list):
            raise TriggerRuleError(f"{path}: expected rules: [...]")
        return rules

    merged = {r["id"]: r for r in read(BUILTIN_TRIGGERS)}
    if extra is not None:
        for rule in read(extra):
            if not isinstance(rule, dict) or "id" not in rule:
                raise TriggerRuleError(f"{extra}: every rule needs an id")
            merged[rule["id"]] = {**merged.get(rule["id"], {}), **rule}
    rules = []
    for raw in merged.values():
        try:
            rule = TriggerRule(**raw)
        except ValueError as exc:
            raise TriggerRuleError(f"trigger rule {raw.get('id')!r}: {exc}") from exc
        if rule.kind not in KINDS:
            raise TriggerRuleError(f"trigger rule {rule.id!r}: unknown kind {rule.kind!r} (one of {', '.join(KINDS)})")
        rules.append(rule)
    return tuple(rules)


@lru_cache(maxsize=1)
def builtin_trigger_rules() -> tuple[TriggerRule, ...]:
    return load_trigger_rules()


_VERSION = re.compile(r"^(?P<family>[a-z][a-z.\-]*?)[-.]?(?P<major>\d+)")


def model_family(model: str) -> tuple[str, str] | None:
    """(family, major version): `gpt-4o-mini` → (gpt, 4); `anthropic.claude-3-haiku…` → (anthropic.claude, 3)."""
    match = _VERSION.match(model.lower())
    return (match.group("family"), match.group("major")) if match else None


def _trigger(rule: TriggerRule, system: AISystem, detail: str, scan_id: str | None, at: datetime | None,
             **metadata: Any) -> Trigger:
    return Trigger(id="trg-" + short_hash(rule.id, system.id, detail), rule=rule.id, description=rule.description,
                   system_id=system.id, system_name=system.name, detail=detail, scan_id=scan_id, at=at,
                   metadata=metadata)


def evaluate_triggers(
    before: Sequence[AISystem],
    after: Sequence[AISystem],
    *,
    today: date,
    scan_id: str | None = None,
    at: datetime | None = None,
    assessments: Mapping[str, date | None] | None = None,
    rules: Sequence[TriggerRule] | None = None,
    moved: Mapping[str, str] | None = None,
) -> list[Trigger]:
    """Triggers for the change from `before` to `after`. `assessments` maps a system id to its
    assessment's review-by date (None: no date); `moved` maps old ids to new ones, so a system
    whose id moved is compared with its former self instead of counted as new."""
    rules = [r for r in (rules or builtin_trigger_rules()) if r.enabled]
    old = {s.id: s for s in before}
    for old_id, new_id in (moved or {}).items():
        if old_id in old and new_id not in old:
            old[new_id] = old[old_id]
    triggers: dict[str, Trigger] = {}

    def add(trigger: Trigger) -> None:
        triggers.setdefault(trigger.id, trigger)

    for system in after:
        prior = old.get(system.id)
        for rule in rules:
            if rule.kind == "new-system":
                # New, or a low-confidence lead that now counts as AI use.
                fresh = prior is None or not prior.confidence.counts_as_use
                if fresh and system.confidence.counts_as_use and system.status.value in rule.setting("statuses", ["shadow"]):
                    add(_trigger(rule, system, f"new {system.status.value} system {system.name}", scan_id, at))
            elif rule.kind == "new-model" and prior is not None:
                known = set(prior.models)
                families = {f for f in map(model_family, known) if f}
                for model in sorted(set(system.models) - known):
                    family = model_family(model)
                    major = family is not None and family[0] in {f[0] for f in families} and family not in families
                    what = "new major version" if major else "new model"
                    add(_trigger(rule, system, f"{what} {model}", scan_id, at, model=model))
            elif rule.kind == "population" and prior is not None:
                was, now = len(prior.identities), len(system.identities)
                grown = now - was
                if grown >= int(rule.setting("min_new_identities", 10)) and (
                        was == 0 or grown / was >= float(rule.setting("min_growth_ratio", 0.5))):
                    add(_trigger(rule, system, f"identities grew from {was} to {now}", scan_id, at,
                                 before=was, after=now))
            elif rule.kind == "new-segment" and prior is not None:
                for label, values, previous in (("department", system.departments, prior.departments),
                                                ("region", system.regions, prior.regions)):
                    for value in sorted(set(values) - set(previous)):
                        add(_trigger(rule, system, f"new {label} {value}", scan_id, at))
            elif rule.kind == "data-category" and prior is not None:
                now_categories = set(system.data_categories) | set(system.evidence_data_categories)
                was_categories = set(prior.data_categories) | set(prior.evidence_data_categories)
                for category in sorted(now_categories - was_categories):
                    add(_trigger(rule, system, f"new data category {category}", scan_id, at))
            elif rule.kind == "approval-expired":
                if system.status == SystemStatus.EXPIRED and (prior is None or prior.status != SystemStatus.EXPIRED):
                    add(_trigger(rule, system, f"approval lapsed: {system.status_reason}", scan_id, at))
                if (prior is not None and prior.status == SystemStatus.EXCEPTED
                        and system.status != SystemStatus.EXCEPTED and system.exception_until is None):
                    add(_trigger(rule, system, "exception lapsed", scan_id, at))
            elif rule.kind == "assessment-expired" and assessments is not None:
                needing = set(rule.setting("tiers_needing_assessment", [1, 2]))
                if system.id in assessments:
                    review_by = assessments[system.id]
                    if review_by is not None and review_by < today:
                        add(_trigger(rule, system, f"impact assessment due for review since {review_by.isoformat()}",
                                     scan_id, at))
                elif (system.risk_tier in needing and system.confidence.counts_as_use
                      and (prior is None or prior.risk_tier not in needing)):  # newly needs one: raise it once
                    add(_trigger(rule, system, f"tier {system.risk_tier} system without an impact assessment",
                                 scan_id, at))
    return sorted(triggers.values(), key=lambda t: (t.rule, t.system_name, t.detail))
