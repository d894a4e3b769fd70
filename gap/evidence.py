"""Technical evidence per requirement, from the inventory and cloud controls. Pure.

The catalogue tags each requirement with the kinds of discovery fact that bear
on it (``technical_evidence: [shadow-ai, invocation-logging, ...]``). Here each
tag becomes concrete `TechnicalEvidence` items, plus *concerns*: plain
sentences for the facts that weigh against conformity (shadow AI in use,
logging disabled). Drafters cite the items and let concerns cap a status; a
policy that promises logging is not "conformant" while the logs are off.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from discovery.controls import CloudControl, ControlStatus
from discovery.models import AISystem, Category, SystemStatus
from discovery.risk import EXTERNAL_CATEGORIES, LOCAL_PROVIDERS
from gap.models import TechnicalEvidence
from gap.requirements import TECHNICAL_EVIDENCE_TAGS

#: The tags a requirement may carry: one vocabulary, owned by the catalogue.
TAGS = TECHNICAL_EVIDENCE_TAGS
CONTROL_TAGS = ("invocation-logging", "guardrails", "model-monitoring", "model-cards", "network-isolation",
                "keyless-auth", "model-version-pinning")
#: Systems listed per tag before the rest are summarised, so one prompt stays small.
MAX_ITEMS_PER_TAG = 20

_DATA_CATEGORIES = frozenset({Category.ML_FRAMEWORK, Category.MODEL_FILE, Category.VECTOR_STORE})
_COMPUTE_CATEGORIES = frozenset({Category.CLOUD_AI_SERVICE, Category.LOCAL_MODEL, Category.MODEL_FILE})
_NEGATIVE_CONTROL = frozenset({ControlStatus.DISABLED, ControlStatus.ABSENT})


@dataclass(frozen=True)
class RequirementEvidence:
    items: list[TechnicalEvidence] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)


def _system_item(system: AISystem) -> TechnicalEvidence:
    providers = ", ".join(system.providers) or "unknown provider"
    models = f"; models {', '.join(system.models[:3])}" if system.models else ""
    return TechnicalEvidence(
        kind="ai-system",
        id=system.id,
        summary=f"{system.name} ({providers}{models}): {system.status.value}, risk tier {system.risk_tier}",
    )


def _control_item(control: CloudControl) -> TechnicalEvidence:
    where = f"{control.account}/{control.region}"
    detail = f": {control.detail}" if control.detail else ""
    return TechnicalEvidence(
        kind="cloud-control",
        id=control.id,
        summary=f"{control.kind.value} {control.status.value} in {where}{detail}",
    )


def _listed(systems: list[AISystem], what: str) -> list[TechnicalEvidence]:
    items = [_system_item(s) for s in systems[:MAX_ITEMS_PER_TAG]]
    if len(systems) > MAX_ITEMS_PER_TAG:
        items.append(
            TechnicalEvidence(
                kind="scan-coverage",
                id=f"{what}:more",
                summary=f"and {len(systems) - MAX_ITEMS_PER_TAG} more {what} systems",
            )
        )
    return items


def _inventory_summary(systems: Sequence[AISystem]) -> TechnicalEvidence:
    counts = {status: sum(1 for s in systems if s.status == status) for status in SystemStatus}
    return TechnicalEvidence(
        kind="scan-coverage",
        id="inventory",
        summary=(
            f"{len(systems)} AI systems discovered: {counts[SystemStatus.SANCTIONED]} sanctioned, "
            f"{counts[SystemStatus.SHADOW]} shadow, {counts[SystemStatus.UNKNOWN]} unknown"
        ),
    )


def _is_third_party(system: AISystem) -> bool:
    return any(c in EXTERNAL_CATEGORIES for c in system.categories) and not set(system.providers) <= LOCAL_PROVIDERS


def _for_tag(
    tag: str, systems: list[AISystem], controls: list[CloudControl]
) -> tuple[list[TechnicalEvidence], list[str]]:
    if tag == "inventory":
        if not systems:
            return [], []
        unknown = sum(1 for s in systems if s.status == SystemStatus.UNKNOWN)
        concern = [f"{unknown} discovered AI systems have no sanctioned/shadow decision yet"] if unknown else []
        return [_inventory_summary(systems)], concern
    if tag == "shadow-ai":
        shadow = [s for s in systems if s.status == SystemStatus.SHADOW]
        concern = [f"{len(shadow)} AI systems in use are not in the sanctioned-AI register (shadow AI)"] if shadow else []
        return _listed(shadow, "shadow"), concern
    if tag == "third-party-ai":
        return _listed([s for s in systems if _is_third_party(s)], "third-party"), []
    if tag == "data-sources":
        return _listed([s for s in systems if _DATA_CATEGORIES.intersection(s.categories)], "data-handling"), []
    if tag == "compute-resources":
        return _listed([s for s in systems if _COMPUTE_CATEGORIES.intersection(s.categories)], "compute"), []
    if tag == "impact-assessments":
        assessed = [s for s in systems if s.assessment_status]
        items = [TechnicalEvidence(kind="impact-assessment", id=f"aisia:{s.id}",
                                   summary=f"impact assessment of {s.name} (tier {s.risk_tier}): {s.assessment_status}")
                 for s in assessed[:MAX_ITEMS_PER_TAG]]
        lacking = [s for s in systems if s.risk_tier <= 2 and not s.assessment_status and s.confidence.counts_as_use]
        concern = [f"{len(lacking)} tier 1-2 AI system(s) have no impact assessment: "
                   + ", ".join(s.name for s in lacking[:10]) + (" …" if len(lacking) > 10 else "")] if lacking else []
        return items, concern
    if tag in CONTROL_TAGS:
        relevant = [c for c in controls if c.kind.value == tag]
        negative = [c for c in relevant if c.status in _NEGATIVE_CONTROL]
        concern = [
            f"{tag} is {c.status.value} in {c.account}/{c.region}" + (f" ({c.arn})" if c.arn else "") for c in negative
        ]
        return [_control_item(c) for c in relevant], concern
    return [], []


def gather_evidence(
    tags: Iterable[str], inventory: Sequence[AISystem] = (), controls: Sequence[CloudControl] = ()
) -> RequirementEvidence:
    """The evidence items and concerns for a requirement with these tags; deterministic order."""
    systems = sorted(inventory, key=lambda s: s.id)
    ordered_controls = sorted(controls, key=lambda c: (c.kind.value, c.account, c.region, c.arn or "", c.id))
    items: list[TechnicalEvidence] = []
    concerns: list[str] = []
    seen: set[tuple[str, str]] = set()
    for tag in tags:
        if tag not in TAGS:
            raise ValueError(f"unknown technical-evidence tag {tag!r}")
        tag_items, tag_concerns = _for_tag(tag, systems, ordered_controls)
        for item in tag_items:
            if (item.kind, item.id) not in seen:
                seen.add((item.kind, item.id))
                items.append(item)
        concerns.extend(c for c in tag_concerns if c not in concerns)
    return RequirementEvidence(items=items, concerns=concerns)


def technical_evidence(
    requirement_tags: Iterable[str], inventory: Sequence[AISystem] = (), controls: Sequence[CloudControl] = ()
) -> list[TechnicalEvidence]:
    """Just the evidence items (see `gather_evidence` for the concerns too)."""
    return gather_evidence(requirement_tags, inventory, controls).items
