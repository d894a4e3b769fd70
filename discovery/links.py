"""Exact links between sightings (pure): why a cloud resource or a log identity belongs to a
repository's system. Each link carries the shared value and a sentence saying why.

Kinds:
- iac-resource: the repository's IaC declares a resource (name or ARN) that the cloud scan found;
- shared-model: a model deployment, endpoint or model id found in the cloud is named in the
  repository's code or config;
- key-fingerprint: the same API key (compared by the sha256 of its redacted fingerprint) is in
  the repository and in a provider's audit log;
- workload-identity: an IAM role, service account or managed identity named in the repository's
  deployment config is the identity seen in CloudTrail or a proxy log;
- parent-resource: a cloud resource that only hosts resources already linked to one repository
  (an Azure OpenAI account whose deployment the repository calls) belongs to that repository's
  system too, rather than standing as a system of its own.

Everything is indexed in dicts, so linking is linear in units, facts and identities.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from discovery.models import LinkFact, SourceKind
from discovery.units import Unit

LINK_KINDS = ("iac-resource", "shared-model", "key-fingerprint", "workload-identity", "parent-resource")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@\-/]{2,}")
#: Names too generic to link on their own, whatever repository mentions them.
_GENERIC = frozenset({"default", "prod", "production", "staging", "dev", "test", "main", "model", "endpoint",
                      "deployment", "latest", "api", "chat", "service", "app", "role", "admin"})


@dataclass(frozen=True)
class Link:
    kind: str
    unit: str  # the cloud or log sighting
    repo_unit: str  # the code sighting it belongs to
    value: str
    reason: str


def resource_names(resource_id: str) -> set[str]:
    """The names a resource may be declared by: the full id, and its last path segment
    (`arn:aws:sagemaker:…:endpoint/loan-scorer` → `loan-scorer`; Azure ids the same way)."""
    names = {resource_id}
    tail = resource_id.rstrip("/").rsplit("/", 1)[-1]
    if tail and tail != resource_id:
        names.add(tail)
    if resource_id.startswith("arn:") and "/" not in resource_id:
        names.add(resource_id.rsplit(":", 1)[-1])
    return {n for n in names if len(n) >= 3 and n.lower() not in _GENERIC}


def identity_names(identity: str) -> set[str]:
    """Comparable names of a workload identity: an IAM role ARN or assumed-role session, a
    Kubernetes service account, a GCP service-account email, or a plain name."""
    value = identity.strip()
    names = {value}
    if value.startswith("arn:"):
        resource = value.split(":", 5)[-1]
        parts = resource.split("/")
        if parts[0] == "assumed-role" and len(parts) >= 2:
            names.add(parts[1])
        elif parts[0] in ("role", "user") and len(parts) >= 2:
            names.add(parts[-1])
    elif value.startswith("system:serviceaccount:"):
        names.add(value.rsplit(":", 1)[-1])
    elif value.endswith(".iam.gserviceaccount.com"):
        names.add(value.split("@", 1)[0])
    return {n for n in names if len(n) >= 3 and n.lower() not in _GENERIC}


def code_tokens(unit: Unit) -> set[str]:
    tokens = set(unit.models)
    for text in unit.texts:
        for token in _TOKEN.findall(text):
            tokens.add(token.strip("/:."))
    return tokens


def find_links(units: dict[str, Unit], facts: Iterable[LinkFact]) -> dict[str, list[Link]]:
    """For each cloud or log unit, the links to code units, sorted for stable output."""
    code_units = {k: u for k, u in units.items() if u.source == SourceKind.CODE}
    repo_unit = {u.scope: k for k, u in code_units.items()}
    declared: dict[str, set[tuple[str, str]]] = defaultdict(set)  # resource name -> (code unit, fact)
    workloads: dict[str, set[tuple[str, str]]] = defaultdict(set)
    named: dict[str, set[str]] = defaultdict(set)  # token -> code units naming it in code or config
    for fact in facts:
        key = repo_unit.get(fact.repo) or f"code:{fact.repo}"
        if fact.kind == "iac-resource":
            for name in resource_names(fact.value):
                declared[name].add((key, f"{fact.path or 'IaC'} declares {fact.value}"))
        elif fact.kind == "workload-identity":
            for name in identity_names(fact.value):
                workloads[name].add((key, f"{fact.path or 'deployment config'} runs as {fact.value}"))
        elif fact.kind == "deployment-name" and len(fact.value) >= 3:
            named[fact.value].add(key)
    for key, unit in code_units.items():
        for token in code_tokens(unit):
            named[token].add(key)
    fingerprints: dict[str, set[str]] = defaultdict(set)
    for key, unit in code_units.items():
        for digest in unit.fingerprints:
            fingerprints[digest].add(key)

    found: dict[str, list[Link]] = {}
    for key, unit in units.items():
        if unit.source == SourceKind.CODE:
            continue
        links: dict[tuple[str, str, str], Link] = {}

        def add(kind: str, repo_key: str, value: str, reason: str) -> None:
            links.setdefault((kind, repo_key, value), Link(kind, key, repo_key, value, reason))

        resources = set(unit.arns)
        if unit.source == SourceKind.CLOUD:
            resources.add(unit.scope)
        for resource in resources:
            for name in resource_names(resource):
                for repo_key, why in declared.get(name, ()):
                    add("iac-resource", repo_key, name, f"{why}; the cloud scan found {resource}")
        if unit.source == SourceKind.CLOUD:
            deployment_tokens = set(unit.models)
            for resource in resources:
                deployment_tokens |= resource_names(resource) - {resource}
            for token in deployment_tokens:
                if token.lower() in _GENERIC:
                    continue
                for repo_key in named.get(token, ()):
                    add("shared-model", repo_key, token,
                        f"the cloud deployment or model {token!r} is named in {repo_key.removeprefix('code:')}")
        for digest in unit.fingerprints:
            for repo_key in fingerprints.get(digest, ()):
                add("key-fingerprint", repo_key, f"sha256:{digest}",
                    f"the same API key (sha256:{digest}) is in {repo_key.removeprefix('code:')} and in this audit log")
        for identity in unit.identities if workloads else ():
            for name in identity_names(identity):
                for repo_key, why in workloads.get(name, ()):
                    add("workload-identity", repo_key, identity, f"{why}; {identity} is seen in {unit.scope}")
        if links:
            found[key] = sorted(links.values(), key=lambda l: (l.kind, l.repo_unit, l.value))
    _link_parents(units, found)
    return found


def _link_parents(units: dict[str, Unit], found: dict[str, list[Link]]) -> None:
    """Give an unlinked cloud resource the repository of the linked resources it contains, when
    they all point to one repository. Linear: each linked id is split into its parent paths once."""
    children: dict[str, dict[str, str]] = defaultdict(dict)  # parent id -> repo unit -> a child id
    for key, links in found.items():
        unit = units[key]
        if unit.source != SourceKind.CLOUD or "/" not in unit.scope.strip("/"):
            continue
        parts = unit.scope.rstrip("/").split("/")
        for end in range(2, len(parts)):
            for link in links:
                children["/".join(parts[:end])].setdefault(link.repo_unit, unit.scope)
    for key, unit in units.items():
        if unit.source != SourceKind.CLOUD or key in found:
            continue
        repos = children.get(unit.scope.rstrip("/"))
        if repos is None or len(repos) != 1:
            continue  # nothing linked inside it, or its children belong to several systems
        ((repo_key, child),) = repos.items()
        found[key] = [Link("parent-resource", key, repo_key, child,
                           f"{unit.scope} hosts {child}, which is linked to {repo_key.removeprefix('code:')}")]
