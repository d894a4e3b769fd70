"""Merge observations into AI systems with stable ids (pure).

One system is one use: a repository's use of a provider, one cloud resource, or one SaaS app
used by many people. Its id comes only from identity-defining fields (source, provider, scope),
never from line numbers, timestamps or counts, so re-scans and diffs line up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from discovery.models import (
    AISystem,
    Confidence,
    Observation,
    ObservationRef,
    SourceKind,
    short_hash,
)
from discovery.providers import ProviderVocabulary, vocabulary

# Observation attributes lifted onto the system: additive counters are summed, flags or-ed,
# the rest keep their first value (connectors set them consistently within one system).
_SUMMED_ATTRIBUTES = ("bytes_up", "bytes_down", "uploads", "requests")
_FLAG_ATTRIBUTES = ("undeclared", "declared_unused", "secret_exposed", "upload")
MAX_REFS_PER_SYSTEM = 50


def scope_of(observation: Observation) -> str:
    """The identity-defining scope of an observation's system."""
    if observation.system_hint:
        return observation.system_hint
    loc = observation.location
    if observation.source == SourceKind.CODE:
        return loc.repo or observation.target
    if observation.source == SourceKind.CLOUD:
        return loc.arn or "/".join(p for p in (loc.account, loc.region) if p) or observation.target
    return observation.provider  # logs: one system per provider unless the connector names an app


def system_id(source: SourceKind, provider: str, scope: str) -> str:
    return "sys-" + short_hash(source.value, provider, scope)


def _name(source: SourceKind, provider_name: str, scope: str) -> str:
    if source == SourceKind.LOGS:
        return provider_name if scope.lower() in provider_name.lower() else f"{provider_name} ({scope})"
    if source == SourceKind.CLOUD:
        return f"{provider_name}: {_short_cloud_id(scope)}"
    return f"{provider_name} in {scope}"


def _short_cloud_id(scope: str) -> str:
    """An ARN's resource part; an Azure id's resource names (account/deployment); a Google
    resource name's last collection and id. Anything else as it is."""
    if scope.startswith("arn:"):
        return scope.rsplit(":", 1)[-1]
    if scope.lower().startswith("/subscriptions/") and "/providers/" in scope.lower():
        tail = scope[scope.lower().rindex("/providers/") + len("/providers/"):].split("/")[1:]
        return "/".join(tail[1::2]) or scope
    if scope.startswith("//"):
        return "/".join(scope.rstrip("/").split("/")[-2:])
    return scope


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _add_unique(items: list, value) -> None:  # type: ignore[type-arg]
    if value is not None and value != "" and value not in items:
        items.append(value)


def merge_observations(
    observations: Iterable[Observation], providers: ProviderVocabulary | None = None
) -> list[AISystem]:
    """Group observations by (source, provider, scope) into systems, sorted by id."""
    providers = providers or vocabulary()
    groups: dict[tuple[SourceKind, str, str], list[Observation]] = defaultdict(list)
    for obs in observations:
        groups[(obs.source, obs.provider, scope_of(obs))].append(obs)

    systems = []
    for (source, provider, scope), members in groups.items():
        members.sort(key=lambda o: (o.location.display(), o.signal))
        system = AISystem(
            id=system_id(source, provider, scope),
            name=_name(source, providers.name(provider), scope),
            scope=scope,
            providers=[provider],
            sources=[source],
        )
        best = Confidence.LOW
        attributes: dict[str, str | int | float | bool] = {}
        for obs in members:
            _add_unique(system.models, obs.model)
            _add_unique(system.categories, obs.category)
            _add_unique(system.identities, obs.identity)
            _add_unique(system.targets, obs.target)
            system.first_seen = _min(system.first_seen, obs.first_seen)
            system.last_seen = _max(system.last_seen, obs.last_seen)
            system.observation_count += obs.count
            if obs.confidence.rank > best.rank:
                best = obs.confidence
            for key, value in obs.attributes.items():
                if key in _SUMMED_ATTRIBUTES and isinstance(value, (int, float)):
                    attributes[key] = attributes.get(key, 0) + value  # type: ignore[operator]
                elif key in _FLAG_ATTRIBUTES:
                    attributes[key] = bool(attributes.get(key)) or bool(value)
                else:
                    attributes.setdefault(key, value)
            if len(system.observations) < MAX_REFS_PER_SYSTEM:
                system.observations.append(
                    ObservationRef(
                        id=obs.id, location=obs.location.display(), signal=obs.signal, confidence=obs.confidence
                    )
                )
        system.confidence = best
        system.attributes = attributes
        owner_hint = attributes.get("owner_hint")
        if isinstance(owner_hint, str) and owner_hint:
            system.owner = owner_hint
        system.models.sort()
        system.identities.sort()
        systems.append(system)
    systems.sort(key=lambda s: s.id)
    return systems


def carry_forward(
    previous: dict[str, Observation], scan_observations: Iterable[Observation], rescanned_targets: Iterable[str]
) -> dict[str, Observation]:
    """The observation set after a scan: drop what the scan re-read, add what it found.

    An observation keeps its earliest first_seen across scans, so a system's age survives
    re-scans of the same target.
    """
    rescanned = set(rescanned_targets)
    kept = {oid: obs for oid, obs in previous.items() if obs.target not in rescanned}
    fresh: dict[str, Observation] = {}
    for obs in scan_observations:
        same = fresh.get(obs.id)
        if same is not None:  # a connector may report one use in pieces: aggregate them
            obs = same.model_copy(
                update={
                    "count": same.count + obs.count,
                    "first_seen": _min(same.first_seen, obs.first_seen),
                    "last_seen": _max(same.last_seen, obs.last_seen),
                }
            )
        prior = previous.get(obs.id)
        if prior is not None and prior.first_seen is not None:
            obs = obs.model_copy(update={"first_seen": _min(prior.first_seen, obs.first_seen)})
        fresh[obs.id] = obs
    kept.update(fresh)
    return kept
