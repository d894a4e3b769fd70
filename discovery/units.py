"""Sightings: observations aggregated per stable unit, before linking (pure, linear).

A unit is what one source can say on its own: one repository (code), one cloud resource or
account/region use of a provider (cloud), one SaaS app or provider in logs. Units are then
joined into systems by links and the register (`discovery.systems`). Aggregation uses sets and
dicts only, so it stays linear in observations and identities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from discovery.models import Category, Confidence, Observation, ObservationRef, SourceKind

# Observation attributes lifted onto the system: additive counters are summed, flags or-ed,
# the rest keep their first value (connectors set them consistently within one system).
SUMMED_ATTRIBUTES = ("bytes_up", "bytes_down", "uploads", "requests")
FLAG_ATTRIBUTES = ("undeclared", "declared_unused", "secret_exposed", "upload")
#: Attributes that name a population segment (for the new-department/region trigger).
SEGMENT_ATTRIBUTES = {"department": "department", "dept": "department", "region": "region", "location": "region"}
FRAMEWORK_CATEGORIES = frozenset({Category.ML_FRAMEWORK, Category.AGENT_FRAMEWORK})
MAX_REFS_PER_UNIT = 50
#: Evidence strings kept per unit for linking and data-category hints; enough for a repository.
MAX_TEXTS_PER_UNIT = 400


def scope_of(observation: Observation) -> str:
    """The identity-defining scope of an observation's unit."""
    if observation.system_hint:
        return observation.system_hint
    loc = observation.location
    if observation.source == SourceKind.CODE:
        return loc.repo or observation.target
    if observation.source == SourceKind.CLOUD:
        return loc.arn or "/".join(p for p in (loc.account, loc.region) if p) or observation.target
    return observation.provider  # logs: one unit per provider unless the connector names an app


def unit_key(observation: Observation) -> str:
    """Code: one unit per repository, whatever providers it uses. Cloud and logs: per provider
    and scope, so two services in one account/region stay apart until a link joins them."""
    scope = scope_of(observation)
    if observation.source == SourceKind.CODE:
        return f"code:{scope}"
    return f"{observation.source.value}:{observation.provider}:{scope}"


@dataclass
class Unit:
    key: str
    source: SourceKind
    scope: str
    providers: dict[str, None] = field(default_factory=dict)  # ordered sets
    frameworks: dict[str, None] = field(default_factory=dict)
    models: set[str] = field(default_factory=set)
    categories: dict[Category, None] = field(default_factory=dict)
    identities: set[str] = field(default_factory=set)
    targets: dict[str, None] = field(default_factory=dict)
    arns: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    fingerprints: set[str] = field(default_factory=set)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int = 0
    confidence: Confidence = Confidence.LOW
    attributes: dict[str, str | int | float | bool] = field(default_factory=dict)
    refs: list[ObservationRef] = field(default_factory=list)
    repo: str | None = None

    @property
    def primary_provider(self) -> str:
        service = [p for p in self.providers if p not in self.frameworks]
        return (service or list(self.providers) or ["unknown"])[0]


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def fingerprint_digest(value: str) -> str | None:
    """The sha256 part of a redacted key fingerprint (`prefix…[redacted sha256:abcd…]`)."""
    marker = "sha256:"
    at = value.find(marker)
    if at < 0:
        return None
    digest = value[at + len(marker):at + len(marker) + 12]
    return digest if len(digest) == 12 else None


_CODE, _CLOUD = SourceKind.CODE, SourceKind.CLOUD
_RANK = {Confidence.LOW: 0, Confidence.MEDIUM: 1, Confidence.HIGH: 2}
_SUMMED = frozenset(SUMMED_ATTRIBUTES)
_FLAGS = frozenset(FLAG_ATTRIBUTES)
_FINGERPRINT_ATTRIBUTES = frozenset({"key_fingerprint", "api_key_fingerprint"})
_SPECIAL = frozenset(SEGMENT_ATTRIBUTES) | _FINGERPRINT_ATTRIBUTES


def aggregate(observations: Iterable[Observation]) -> dict[str, Unit]:
    """Units keyed by `unit_key`, in first-seen order; one pass over the observations."""
    units: dict[str, Unit] = {}
    for obs in observations:
        key = unit_key(obs)
        unit = units.get(key)
        if unit is None:
            unit = units[key] = Unit(key=key, source=obs.source, scope=scope_of(obs))
            if obs.source is _CODE:
                unit.repo = unit.scope
        provider = obs.provider
        if provider not in unit.providers:
            unit.providers[provider] = None
        category = obs.category
        if category not in unit.categories:
            unit.categories[category] = None
            if category in FRAMEWORK_CATEGORIES:
                unit.frameworks.setdefault(provider)
        elif category in FRAMEWORK_CATEGORIES and provider not in unit.frameworks:
            unit.frameworks[provider] = None
        if obs.model:
            unit.models.add(obs.model)
        if obs.identity:
            unit.identities.add(obs.identity)
        if obs.target not in unit.targets:
            unit.targets[obs.target] = None
        loc = obs.location
        if loc.arn:
            unit.arns.add(loc.arn)
        resource_id = getattr(loc, "resource_id", None)  # Azure/GCP resource ids, when a connector sets them
        if resource_id:
            unit.arns.add(resource_id)
        if loc.account:
            unit.accounts.add(loc.account)
        if loc.region:
            unit.regions.add(loc.region)
        if len(unit.texts) < MAX_TEXTS_PER_UNIT:
            if loc.path:
                unit.texts.append(loc.path)
            if obs.evidence:
                unit.texts.append(obs.evidence)
        seen = obs.first_seen
        if seen is not None and (unit.first_seen is None or seen < unit.first_seen):
            unit.first_seen = seen
        seen = obs.last_seen
        if seen is not None and (unit.last_seen is None or seen > unit.last_seen):
            unit.last_seen = seen
        unit.count += obs.count
        if _RANK[obs.confidence] > _RANK[unit.confidence]:
            unit.confidence = obs.confidence
        attributes = unit.attributes
        for name, value in obs.attributes.items():
            if name in _SUMMED:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    attributes[name] = attributes.get(name, 0) + value  # type: ignore[operator]
            elif name in _FLAGS:
                if value and not attributes.get(name):
                    attributes[name] = True
                elif name not in attributes:
                    attributes[name] = bool(value)
            elif name not in attributes:
                attributes[name] = value
            if name in _SPECIAL and isinstance(value, str) and value:
                if name in _FINGERPRINT_ATTRIBUTES:
                    digest = fingerprint_digest(value)
                    if digest:
                        unit.fingerprints.add(digest)
                else:
                    (unit.departments if SEGMENT_ATTRIBUTES[name] == "department" else unit.regions).add(value)
        if "sha256:" in obs.evidence:
            digest = fingerprint_digest(obs.evidence)
            if digest:
                unit.fingerprints.add(digest)
        if len(unit.refs) < MAX_REFS_PER_UNIT:
            unit.refs.append(ObservationRef(id=obs.id, location=loc.display(), signal=obs.signal,
                                            confidence=obs.confidence))
    return units
