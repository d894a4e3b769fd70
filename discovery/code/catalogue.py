"""The code-signature catalogue, kept as data in discovery/signatures/*.yaml (gitleaks style).

Each signature has an id, provider, category, kind, a one-line regex, cheap keywords for the
prefilter, the file scopes it applies to, a confidence, and its own true- and false-positive
examples. Import signatures are expanded from the package table (packages.yaml) with one
template per language family (ecosystems.yaml). Pure: it only reads packaged data (whose
parse the user's cache keeps, see discovery/yamlload.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

from discovery.models import Category, Confidence
from discovery.yamlload import safe_load_packaged

DATA_PACKAGE = "discovery.signatures"
HAND_WRITTEN = ("endpoints.yaml", "credentials.yaml", "calls.yaml", "models.yaml", "infrastructure.yaml",
                "frameworks.yaml", "azure.yaml")
# A marker signature's hits are never observations of their own: repository rules read them
# (say, "this code calls an LLM over plain HTTP") and then drop them.
MARKER_PROVIDER = "-"

CODE_SCOPES = frozenset({"python", "js", "go", "java", "csharp", "ruby", "rust", "php", "shell"})
CONFIG_SCOPES = frozenset({"yaml", "json", "toml", "ini", "env", "terraform", "bicep", "dockerfile", "xml"})
SCOPE_GROUPS: dict[str, frozenset[str]] = {
    "code": CODE_SCOPES,
    "config": CONFIG_SCOPES,
    "any": CODE_SCOPES | CONFIG_SCOPES,
}
SIGNAL_KINDS = frozenset(
    {"import", "call", "endpoint", "env-var", "secret", "model-id", "iac", "container", "manifest", "lockfile",
     "model-file", "mcp-config"}
)
# Ecosystems whose tokens are matched in source lines, and the manifest ecosystems.
IMPORT_ECOSYSTEMS = ("python", "npm", "go", "java", "csharp", "ruby", "rust", "php")
MANIFEST_ECOSYSTEMS = ("pypi", "npm", "go", "maven", "nuget", "gem", "cargo", "composer")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Example:
    line: str
    scope: str
    expected: bool


@dataclass(frozen=True)
class Signature:
    id: str
    provider: str  # "{provider}" when provider_by_group picks it from the match
    category: Category
    kind: str
    confidence: Confidence
    scopes: frozenset[str]
    keywords: tuple[str, ...]
    pattern: str
    description: str
    # (the YAML examples, their default scope, the template's fill): made into Examples on first
    # use, as only the catalogue's own tests read them and building them all slowed every start.
    example_source: tuple[Mapping[str, Any] | None, str, Mapping[str, str]] = field(
        default=(None, "python", {}), repr=False, compare=False)
    detector: str | None = None
    in_comments: bool = False  # secrets stay exposed inside comments
    also: tuple[tuple[str, Category], ...] = ()
    provider_group: str | None = None
    provider_by_value: Mapping[str, str] = field(default_factory=dict)
    category_of: Mapping[str, Category] = field(default_factory=dict)  # when the category is the provider's own
    package: str | None = None
    marker: bool = False

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use: a scan uses a fraction of the signatures (on a crewAI-sized
        tree, 80 of 282 in one process), and compiling them all when the catalogue loads took
        11 ms of every scan's start. The catalogue's tests compile every one."""
        return _compile(self.pattern, self.id)

    @cached_property
    def examples(self) -> tuple[Example, ...]:
        return _examples(*self.example_source)

    @cached_property
    def settles(self) -> bool:
        """True when a second hit in the same file can only repeat the first."""
        return (self.detector is None and self.provider_group is None and self.kind != "secret"
                and "model" not in self.regex.groupindex)

    def providers_for(self, match: re.Match[str]) -> list[tuple[str, Category]]:
        """Every (provider, category) one match stands for; empty if the group maps nowhere."""
        provider: str | None = self.provider
        if self.provider_group:
            provider = self.provider_by_value.get(match.group(self.provider_group) or "")
        if not provider:
            return []
        return [(provider, self.category_of.get(provider, self.category)), *self.also]


@dataclass(frozen=True)
class PackageUse:
    provider: str
    category: Category
    also: tuple[tuple[str, Category], ...] = ()


def normalise_package(ecosystem: str, name: str) -> str:
    """Names as registries compare them: PEP 503 for PyPI, case-insensitive for NuGet."""
    if ecosystem == "pypi":
        return re.sub(r"[-_.]+", "-", name).lower()
    if ecosystem in ("nuget", "gem", "cargo", "maven", "composer"):
        return name.lower()
    return name


class SignatureCatalogue:
    """Signatures plus the package table, indexed by prefilter keyword."""

    def __init__(
        self,
        signatures: Iterable[Signature],
        packages: Mapping[str, Mapping[str, PackageUse]],
        proposed_providers: Iterable[str] = (),
    ) -> None:
        self.signatures: tuple[Signature, ...] = tuple(signatures)
        self.packages = packages
        self.proposed_providers = tuple(proposed_providers)
        ids = [s.id for s in self.signatures]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise CatalogueError(f"duplicate signature ids: {sorted(duplicates)}")
        self.by_id = {s.id: s for s in self.signatures}
        index: dict[str, list[int]] = {}
        for number, signature in enumerate(self.signatures):
            for keyword in signature.keywords:
                index.setdefault(keyword.lower(), []).append(number)
        self.keywords: tuple[str, ...] = tuple(index)
        self.signatures_by_keyword: tuple[tuple[int, ...], ...] = tuple(tuple(index[k]) for k in self.keywords)

    def package_use(self, ecosystem: str, name: str) -> PackageUse | None:
        table = self.packages.get(ecosystem, {})
        if ecosystem == "go":  # go.mod names module roots; imports name packages inside them
            for token, use in table.items():
                if token == name or token.startswith(name + "/"):
                    return use
            return None
        return table.get(normalise_package(ecosystem, name))

    def providers(self) -> set[str]:
        found = {s.provider for s in self.signatures if s.provider != "{provider}" and not s.marker}
        for s in self.signatures:
            found.update(s.provider_by_value.values())
            found.update(p for p, _ in s.also)
        for table in self.packages.values():
            for use in table.values():
                found.add(use.provider)
                found.update(p for p, _ in use.also)
        return found


# -- loading --------------------------------------------------------------------------------


def _read(name: str) -> Any:
    return safe_load_packaged(resources.files(DATA_PACKAGE).joinpath(name).read_text("utf-8"))


def _scopes(raw: Iterable[str], where: str) -> frozenset[str]:
    scopes: set[str] = set()
    for scope in raw:
        if scope in SCOPE_GROUPS:
            scopes |= SCOPE_GROUPS[scope]
        elif scope in SCOPE_GROUPS["any"]:
            scopes.add(scope)
        else:
            raise CatalogueError(f"{where}: unknown scope {scope!r}")
    return frozenset(scopes)


def _examples(raw: Mapping[str, Any] | None, default_scope: str, fill: Mapping[str, str]) -> tuple[Example, ...]:
    examples = []
    for key, expected in (("true", True), ("false", False)):
        # YAML 1.1 reads a bare `true:` key as a boolean: accept both spellings.
        for item in (raw or {}).get(key) or (raw or {}).get(expected) or []:
            if isinstance(item, str):
                line, scope = item, default_scope
            else:
                line, scope = item["line"], item["scope"]
            examples.append(Example(line.format(**fill) if fill else line, scope, expected))
    return tuple(examples)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise CatalogueError(f"{where}: bad pattern: {exc}") from exc


# `category: "{provider}"` in a signature: each provider it maps to keeps its own category (a
# framework setting that names Ollama is local-model, one that names Bedrock cloud-ai-service).
OWN_CATEGORY = "{provider}"


def _signature(row: Mapping[str, Any], source: str, own_categories: Mapping[str, Category]) -> Signature:
    where = f"{source}:{row.get('id')}"
    kind = row["kind"]
    if kind not in SIGNAL_KINDS:
        raise CatalogueError(f"{where}: unknown kind {kind!r}")
    scopes = _scopes(row["scope"], where)
    by_group = row.get("provider_by_group") or {}
    group, mapping = next(iter(by_group.items())) if by_group else (None, {})
    marker = bool(row.get("marker", False))
    if marker != (row["provider"] == MARKER_PROVIDER):
        raise CatalogueError(f"{where}: a marker signature, and only one, has provider {MARKER_PROVIDER!r}")
    own = row["category"] == OWN_CATEGORY
    category_of = {p: own_categories.get(p, Category.LLM_API) for p in mapping.values()} if own else {}
    return Signature(
        id=row["id"],
        provider=row["provider"],
        category=Category.LLM_API if own else Category(row["category"]),
        category_of=category_of,
        kind=kind,
        confidence=Confidence(row["confidence"]),
        scopes=scopes,
        keywords=tuple(row["keywords"]),
        pattern=row["pattern"],  # compiled (and so checked) on first use
        description=row.get("description", ""),
        example_source=(row.get("examples"), _default_example_scope(row["scope"]), {}),
        detector=row.get("detector"),
        in_comments=bool(row.get("in_comments", False)),
        provider_group=group,
        provider_by_value=dict(mapping),
        marker=marker,
    )


def _default_example_scope(scopes: list[str]) -> str:
    first = scopes[0]
    return "python" if first in SCOPE_GROUPS else first


def _expand_templates(packages: list[Mapping[str, Any]], templates: list[Mapping[str, Any]]) -> list[Signature]:
    expanded: list[Signature] = []
    for template in templates:
        ecosystem = template["ecosystem"]
        scopes = _scopes(template["scope"], template["id"])
        for entry in packages:
            also = tuple((p, Category(c)) for p, c in (entry.get("also") or {}).items())
            for token in entry.get(ecosystem, []) or []:
                parent, _, leaf = token.rpartition(".")
                if template.get("dotted_only") and not parent:
                    continue
                fill = {"token": token, "parent": parent, "leaf": leaf}
                escaped = {k: re.escape(v) for k, v in fill.items()}
                pattern = template["pattern"].format(**escaped)
                expanded.append(
                    Signature(
                        id=f"{template['id']}.{token}",
                        provider=entry["provider"],
                        category=Category(entry["category"]),
                        kind=template["kind"],
                        confidence=Confidence(template["confidence"]),
                        scopes=scopes,
                        keywords=tuple(k.format(**fill) for k in template.get("keywords", ["{token}"])),
                        pattern=pattern,
                        description=template["description"].format(**fill),
                        example_source=(template.get("examples"), _default_example_scope(template["scope"]), fill),
                        also=also,
                        package=token,
                    )
                )
    return expanded


def _package_table(packages: list[Mapping[str, Any]]) -> dict[str, dict[str, PackageUse]]:
    table: dict[str, dict[str, PackageUse]] = {eco: {} for eco in (*MANIFEST_ECOSYSTEMS, *IMPORT_ECOSYSTEMS)}
    for entry in packages:
        use = PackageUse(
            provider=entry["provider"],
            category=Category(entry["category"]),
            also=tuple((p, Category(c)) for p, c in (entry.get("also") or {}).items()),
        )
        for ecosystem in table:
            for token in entry.get(ecosystem, []) or []:
                table[ecosystem][normalise_package(ecosystem, token)] = use
    return table


def load_catalogue() -> SignatureCatalogue:
    """The packaged catalogue. Build your own SignatureCatalogue where a test needs another."""
    packages = _read("packages.yaml")["packages"]
    templates = _read("ecosystems.yaml")["templates"]
    signatures = _expand_templates(packages, templates)
    own_categories: dict[str, Category] = {}
    for entry in packages:  # a provider's first entry names its own category
        own_categories.setdefault(entry["provider"], Category(entry["category"]))
    for name in HAND_WRITTEN:
        data = _read(name)
        for row in data.get("signatures", []):
            signatures.append(_signature(row, name, own_categories))
    return SignatureCatalogue(signatures, _package_table(packages))
