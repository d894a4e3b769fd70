"""Merge observations into AI systems with stable ids (pure, linear in observations and identities).

An AI system is one application or business use. Observations first aggregate into sightings
(`discovery.units`: one repository, one cloud resource, one log app), then join into systems:
- the register selects sightings for its entries (repository globs, ARNs, identities, apps);
- exact links (`discovery.links`) attach a cloud or log sighting to the repository whose IaC,
  config, key or workload identity it shares, when exactly one repository's system claims it;
- every repository is its own system; frameworks are attributes of the system that uses them.

Ids come only from identity-defining fields: a register entry's id, a repository's name, or a
standalone sighting's (source, provider, scope); never line numbers, timestamps or counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from discovery.links import find_links
from discovery.risk import infer_data_categories
from discovery.models import (
    AISystem,
    Confidence,
    LinkFact,
    Observation,
    SourceKind,
    SystemLink,
    short_hash,
)
from discovery.providers import ProviderVocabulary, vocabulary
from discovery.register import Register, SystemEntry, selector_matches
from discovery.units import FLAG_ATTRIBUTES, MAX_REFS_PER_UNIT, SUMMED_ATTRIBUTES, Unit, aggregate, scope_of

MAX_REFS_PER_SYSTEM = MAX_REFS_PER_UNIT
__all__ = ["merge_observations", "carry_forward", "system_id", "scope_of", "MAX_REFS_PER_SYSTEM"]


def system_id(source: SourceKind, provider: str, scope: str) -> str:
    """The id of a standalone cloud or log sighting (unchanged since the first release)."""
    return "sys-" + short_hash(source.value, provider, scope)


def repository_system_id(repo: str) -> str:
    return "sys-" + short_hash("code-repository", repo)


def register_system_id(entry_id: str) -> str:
    return "sys-" + short_hash("register", entry_id)


def _name(source: SourceKind, provider_name: str, scope: str) -> str:
    if source == SourceKind.LOGS:
        return provider_name if scope.lower() in provider_name.lower() else f"{provider_name} ({scope})"
    if source == SourceKind.CLOUD:
        return f"{provider_name}: {_short_cloud_id(scope)}"
    return scope


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


def _register_entry_for(unit: Unit, entries: Sequence[SystemEntry]) -> SystemEntry | None:
    app = unit.attributes.get("app")
    for entry in entries:
        if selector_matches(entry.select, source=unit.source.value, provider_ids=set(unit.providers),
                            scope=unit.scope, repo=unit.repo, arns=unit.arns, identities=unit.identities,
                            app=app if isinstance(app, str) else None):
            return entry
    return None


def _selected_by(entry: SystemEntry, unit: Unit) -> str:
    sel = entry.select
    parts = [f"{label} {', '.join(values)}" for label, values in
             (("repos", sel.repos), ("arns", sel.arns), ("identities", sel.identities), ("apps", sel.apps),
              ("providers", sel.providers)) if values]
    return f"register entry {entry.id!r} selects it ({'; '.join(parts)})"


def merge_observations(
    observations: Iterable[Observation],
    providers: ProviderVocabulary | None = None,
    *,
    facts: Iterable[LinkFact] = (),
    register: Register | None = None,
) -> list[AISystem]:
    """Join observations into systems, sorted by id. Register fields (owner, purpose, declared
    tier and data categories) are copied here; status and tier are set by `classify` and
    `assess_risk`."""
    providers = providers or vocabulary()
    facts = list(facts)
    units = aggregate(observations)
    entries = register.systems if register else ()
    group_of: dict[str, str] = {}
    links: dict[str, list[SystemLink]] = {}
    entry_by_group: dict[str, SystemEntry] = {}
    for key, unit in units.items():
        entry = _register_entry_for(unit, entries) if entries else None
        if entry is not None:
            group = f"register:{entry.id}"
            group_of[key] = group
            entry_by_group[group] = entry
            links.setdefault(group, []).append(
                SystemLink(kind="register", unit=key, to=group, value=entry.id, reason=_selected_by(entry, unit)))
        elif unit.source == SourceKind.CODE:
            group_of[key] = key
    found = find_links(units, facts)
    for key, unit in units.items():
        if key in group_of:
            continue
        candidates = found.get(key, [])
        anchors = sorted({group_of.get(link.repo_unit, link.repo_unit) for link in candidates})
        if len(anchors) == 1:
            group_of[key] = anchors[0]
            links.setdefault(anchors[0], []).extend(
                SystemLink(kind=l.kind, unit=key, to=l.repo_unit, value=l.value, reason=l.reason) for l in candidates)
        else:
            group_of[key] = key
            if anchors:  # several repositories claim it: a shared resource, kept apart and explained
                links.setdefault(key, []).extend(
                    SystemLink(kind=l.kind, unit=key, to=l.repo_unit, value=l.value,
                               reason=f"shared by {len(anchors)} systems, not joined: {l.reason}") for l in candidates)

    members: dict[str, list[Unit]] = {}
    for key, group in group_of.items():
        members.setdefault(group, []).append(units[key])
    owner_facts: dict[str, str] = {}
    for fact in facts:
        if fact.kind == "owner":
            owner_facts.setdefault(f"code:{fact.repo}", fact.value)
    systems = [
        _build(group, group_units, entry_by_group.get(group), links.get(group, []), owner_facts, providers)
        for group, group_units in members.items()
    ]
    systems.sort(key=lambda s: s.id)
    return systems


def _build(group: str, group_units: list[Unit], entry: SystemEntry | None, links: list[SystemLink],
           owner_facts: dict[str, str], providers: ProviderVocabulary) -> AISystem:
    group_units.sort(key=lambda u: (u.source != SourceKind.CODE, u.key))
    first = group_units[0]
    if entry is not None:
        sid, name, scope = register_system_id(entry.id), entry.name, entry.id
    elif group.startswith("code:"):
        repo = group.removeprefix("code:")
        sid, name, scope = repository_system_id(repo), repo, repo
    else:
        provider = first.primary_provider
        sid, name, scope = system_id(first.source, provider, first.scope), _name(first.source, providers.name(provider), first.scope), first.scope
    provider_ids: dict[str, None] = {}
    frameworks: dict[str, None] = {}
    categories: dict = {}  # type: ignore[type-arg]
    sources: dict[SourceKind, None] = {}
    targets: dict[str, None] = {}
    models: set[str] = set()
    identities: set[str] = set()
    regions: set[str] = set()
    departments: set[str] = set()
    attributes: dict[str, str | int | float | bool] = {}
    refs = []
    best = Confidence.LOW
    system = AISystem(id=sid, name=name, scope=scope, providers=[])
    for unit in group_units:
        provider_ids.update(unit.providers)
        frameworks.update(unit.frameworks)
        categories.update(unit.categories)
        sources.setdefault(unit.source)
        targets.update(unit.targets)
        models |= unit.models
        identities |= unit.identities
        regions |= unit.regions
        departments |= unit.departments
        system.first_seen = _min(system.first_seen, unit.first_seen)
        system.last_seen = _max(system.last_seen, unit.last_seen)
        system.observation_count += unit.count
        if unit.confidence.rank > best.rank:
            best = unit.confidence
        for key, value in unit.attributes.items():
            if key in SUMMED_ATTRIBUTES and isinstance(value, (int, float)) and not isinstance(value, bool):
                attributes[key] = attributes.get(key, 0) + value  # type: ignore[operator]
            elif key in FLAG_ATTRIBUTES:
                attributes[key] = bool(attributes.get(key)) or bool(value)
            else:
                attributes.setdefault(key, value)
        room = MAX_REFS_PER_SYSTEM - len(refs)
        if room > 0:
            refs.extend(unit.refs[:room])
    system.providers = list(provider_ids)
    system.frameworks = list(frameworks)
    system.categories = list(categories)
    system.sources = list(sources)
    system.targets = list(targets)
    system.models = sorted(models)
    system.identities = sorted(identities)
    system.regions = sorted(regions)
    system.departments = sorted(departments)
    system.confidence = best
    system.attributes = attributes
    system.observations = refs
    system.units = sorted(u.key for u in group_units)
    system.scopes = sorted({u.scope for u in group_units})
    system.links = sorted(links, key=lambda l: (l.kind, l.unit, l.to, l.value))
    hint = attributes.get("owner_hint")
    suggested = hint if isinstance(hint, str) and hint else None
    for unit in group_units:
        suggested = suggested or owner_facts.get(unit.key)
    system.suggested_owner = suggested
    if entry is not None:
        system.register_entry = entry.id
        system.owner = entry.owner
        system.purpose = entry.purpose
        system.intended_users = entry.intended_users
        system.affected_parties = entry.affected_parties
        system.data_categories = list(entry.data_categories)
        system.declared_tier = entry.tier
        system.automated_decisions = entry.automated_decisions
        system.exposure = entry.exposure
    texts = [name, scope] + [t for u in group_units for t in u.texts]
    system.evidence_data_categories = infer_data_categories(texts)
    return system


def carry_forward(
    previous: dict[str, Observation],
    scan_observations: Iterable[Observation],
    rescanned_targets: Iterable[str],
    prior_first_seen: Mapping[str, datetime] | None = None,
) -> dict[str, Observation]:
    """The observation set after a scan: drop what the scan re-read, add what it found.

    An observation keeps its earliest first_seen across scans, so a system's age survives
    re-scans of the same target. `prior_first_seen` (observation id -> first seen) may stand in
    for the re-read targets' previous observations, so a re-scan need not load them whole.
    """
    rescanned = set(rescanned_targets)
    kept = {oid: obs for oid, obs in previous.items() if obs.target not in rescanned}
    fresh: dict[str, Observation] = {}
    for obs in scan_observations:
        oid = obs.id
        same = fresh.get(oid)
        if same is not None:  # a connector may report one use in pieces: aggregate them
            obs = same.model_copy(
                update={
                    "count": same.count + obs.count,
                    "first_seen": _min(same.first_seen, obs.first_seen),
                    "last_seen": _max(same.last_seen, obs.last_seen),
                }
            )
        prior = prior_first_seen.get(oid) if prior_first_seen else None
        if prior is None:
            earlier = previous.get(oid)
            prior = earlier.first_seen if earlier is not None else None
        if prior is not None and (obs.first_seen is None or prior < obs.first_seen):
            obs = obs.model_copy(update={"first_seen": prior})
        fresh[oid] = obs
    kept.update(fresh)
    return kept
