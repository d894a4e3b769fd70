"""The ISO/IEC 42001:2023 requirement catalogue, kept as data in gap/data/iso42001.yaml.

The 70 assessable items are 32 clause items (4.1 to 10.2, with 6.1, 7.5, 9.2 and
9.3 split into their sub-clauses) and the 38 Annex A controls. Ids and short
titles are facts about the standard; guidance, objectives and queries are our own
words. Pure: it only reads packaged data (or a file handed to `from_path`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from gap.criteria import EvidenceCriteria, load_criteria
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from discovery.yamlload import safe_load

DATA_PACKAGE = "gap.data"
DATA_FILE = "iso42001.yaml"

#: Every assessable item of ISO/IEC 42001:2023, in the standard's order.
CLAUSE_IDS: tuple[str, ...] = (
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3",
    "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3",
    "8.1", "8.2", "8.3", "8.4",
    "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3",
    "10.1", "10.2",
)  # fmt: skip
CONTROL_IDS: tuple[str, ...] = (
    "A.2.2", "A.2.3", "A.2.4",
    "A.3.2", "A.3.3",
    "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5",
    "A.6.1.2", "A.6.1.3",
    "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8",
    "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5",
    "A.9.2", "A.9.3", "A.9.4",
    "A.10.2", "A.10.3", "A.10.4",
)  # fmt: skip
ALL_IDS: tuple[str, ...] = CLAUSE_IDS + CONTROL_IDS

#: The discovery facts a requirement may draw on (see gap.evidence).
TECHNICAL_EVIDENCE_TAGS: frozenset[str] = frozenset(
    {
        "inventory",
        "shadow-ai",
        "third-party-ai",
        "invocation-logging",
        "guardrails",
        "model-monitoring",
        "model-cards",
        "network-isolation",
        "keyless-auth",
        "model-version-pinning",
        "data-sources",
        "compute-resources",
        "impact-assessments",
    }
)

_ID = re.compile(r"^(?:\d+(?:\.\d+){1,2}|A\.\d+\.\d+(?:\.\d+)?)$")
_REF_FORMATS: dict[str, re.Pattern[str]] = {
    "iso27001-2022": re.compile(r"^(?:\d+(?:\.\d+){1,2}|A\.[5-8]\.\d+)$"),
    "eu-ai-act": re.compile(r"^Art\. \d+$"),
    "nist-ai-rmf": re.compile(r"^(?:GOVERN|MAP|MEASURE|MANAGE) \d+\.\d+$"),
}


class CatalogueError(ValueError):
    """The catalogue file is missing, malformed or incomplete."""


class UnknownRequirementError(ValueError):
    """One or more ids name no assessable item."""

    def __init__(self, ids: Sequence[str], hints: Mapping[str, Sequence[str]] | None = None) -> None:
        self.ids = list(ids)
        parts = []
        for rid in self.ids:
            near = (hints or {}).get(rid)
            parts.append(f"{rid!r} (did you mean {', '.join(near)}?)" if near else repr(rid))
        super().__init__(f"unknown requirement id(s): {'; '.join(parts)}")


class RequirementKind(StrEnum):
    CLAUSE = "clause"
    CONTROL = "control"


class Framework(StrEnum):
    ISO27001 = "iso27001-2022"
    EU_AI_ACT = "eu-ai-act"
    NIST_AI_RMF = "nist-ai-rmf"


class Relationship(StrEnum):
    EQUIVALENT = "equivalent"
    RELATED = "related"
    PARTIAL = "partial"


class CrosswalkRef(BaseModel):
    """One reference into another framework, e.g. eu-ai-act "Art. 12" (related)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    framework: Framework
    ref: str
    relationship: Relationship

    @model_validator(mode="after")
    def _ref_format(self) -> CrosswalkRef:
        if not _REF_FORMATS[self.framework.value].match(self.ref):
            raise ValueError(f"{self.ref!r} is not a valid {self.framework.value} reference")
        return self


def _text_list(values: Sequence[str], what: str) -> tuple[str, ...]:
    cleaned = tuple(v.strip() for v in values)
    if any(not v for v in cleaned):
        raise ValueError(f"{what} must not contain empty strings")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError(f"{what} must not repeat")
    return cleaned


class Requirement(BaseModel):
    """One assessable item: a clause requirement or an Annex A control."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str = Field(min_length=1)
    kind: RequirementKind
    group: str = Field(min_length=1)
    objective: str | None = None
    ai_specific: bool
    guidance: str = Field(min_length=1)
    queries: tuple[str, ...] = Field(min_length=3, max_length=6)
    keywords: tuple[str, ...] = Field(min_length=4, max_length=10)
    technical_evidence: tuple[str, ...] = ()
    crosswalk: tuple[CrosswalkRef, ...] = ()
    #: What an auditor looks for, as data (gap/data/criteria.yaml); None in a bare catalogue.
    criteria: EvidenceCriteria | None = None

    def iso27001_refs(self) -> list[CrosswalkRef]:
        """The ISO/IEC 27001:2022 counterparts the crosswalk names (the ISMS evidence that may carry over)."""
        return [c for c in self.crosswalk if c.framework is Framework.ISO27001]

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r} is not a clause or Annex A id")
        return value

    @field_validator("queries")
    @classmethod
    def _queries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _text_list(value, "queries")

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = _text_list(value, "keywords")
        if any(k != k.lower() for k in cleaned):
            raise ValueError("keywords must be lowercase")
        return cleaned

    @field_validator("technical_evidence")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - TECHNICAL_EVIDENCE_TAGS)
        if unknown:
            raise ValueError(f"unknown technical_evidence tag(s): {', '.join(unknown)}")
        return _text_list(value, "technical_evidence")

    @model_validator(mode="after")
    def _kind_rules(self) -> Requirement:
        is_control = self.id.startswith("A.")
        if is_control != (self.kind is RequirementKind.CONTROL):
            raise ValueError(f"{self.id}: kind {self.kind.value} does not fit the id")
        if is_control and not (self.objective and self.objective.strip()):
            raise ValueError(f"control {self.id} needs an objective")
        if not is_control and self.objective is not None:
            raise ValueError(f"clause {self.id} must not have an objective")
        if not self.group.startswith(_group_prefixes(self.id)):
            raise ValueError(f"{self.id}: group {self.group!r} does not match the id")
        if len(set(self.crosswalk)) != len(self.crosswalk):
            raise ValueError(f"{self.id}: crosswalk repeats a reference")
        return self


def _group_prefixes(rid: str) -> tuple[str, ...]:
    """'6.1.2' -> ('6 ',); 'A.6.2.4' -> ('A.6 ', 'A.6.2 ')."""
    parts = rid.split(".")
    if parts[0] == "A":
        return tuple(".".join(parts[:n]) + " " for n in range(2, len(parts)))
    return (parts[0] + " ",)


def normalise_id(raw: str) -> str:
    """' a.7.5 ' -> 'A.7.5': whitespace removed, Annex prefix upper-cased."""
    rid = "".join(str(raw).split())
    return "A" + rid[1:] if rid[:2] == "a." else rid


class Catalogue:
    """The requirement catalogue: lookup, selection and validation of ids.

    Each instance parses its source once and keeps the result; there is no
    module-level cache, so tests can build as many catalogues as they like.
    """

    def __init__(self, requirements: Iterable[Requirement]) -> None:
        self._items: tuple[Requirement, ...] = tuple(requirements)
        self._by_id: dict[str, Requirement] = {}
        duplicates = []
        for item in self._items:
            if item.id in self._by_id:
                duplicates.append(item.id)
            self._by_id[item.id] = item
        if duplicates:
            raise CatalogueError(f"duplicate requirement id(s): {', '.join(duplicates)}")
        missing = [i for i in ALL_IDS if i not in self._by_id]
        extra = [i for i in self._by_id if i not in set(ALL_IDS)]
        if missing or extra:
            detail = [f"missing: {', '.join(missing)}"] if missing else []
            detail += [f"not in the standard: {', '.join(extra)}"] if extra else []
            raise CatalogueError(f"the catalogue must hold exactly the {len(ALL_IDS)} items ({'; '.join(detail)})")
        if tuple(r.id for r in self._items) != ALL_IDS:
            raise CatalogueError("requirements must be listed in the standard's order")

    # --- construction ---------------------------------------------------------

    @classmethod
    def load(cls) -> Catalogue:
        """The packaged catalogue (gap/data/iso42001.yaml)."""
        text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text("utf-8")
        return cls.from_text(text, source=f"{DATA_PACKAGE}/{DATA_FILE}").with_criteria(load_criteria())

    def with_criteria(self, criteria: Mapping[str, EvidenceCriteria]) -> Catalogue:
        """The same catalogue with each requirement's evidence criteria attached (every id must be known)."""
        unknown = sorted(set(criteria) - set(self._by_id))
        if unknown:
            raise CatalogueError(f"evidence criteria for unknown requirement(s): {', '.join(unknown)}")
        return Catalogue(r.model_copy(update={"criteria": criteria.get(r.id, r.criteria)}) for r in self._items)

    @classmethod
    def from_path(cls, path: str | Path) -> Catalogue:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise CatalogueError(f"cannot read catalogue {path}: {exc}") from exc
        return cls.from_text(text, source=str(path))

    @classmethod
    def from_text(cls, text: str, source: str = "<text>") -> Catalogue:
        try:
            data = safe_load(text)
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{source}: not valid YAML: {exc}") from exc
        rows = data.get("requirements") if isinstance(data, Mapping) else None
        if not isinstance(rows, list):
            raise CatalogueError(f"{source}: expected a mapping with a 'requirements' list")
        return cls(_parse_row(row, n, source) for n, row in enumerate(rows, start=1))

    # --- queries ---------------------------------------------------------------

    def all(self) -> list[Requirement]:
        return list(self._items)

    def ids(self) -> list[str]:
        return [r.id for r in self._items]

    def clauses(self) -> list[Requirement]:
        return [r for r in self._items if r.kind is RequirementKind.CLAUSE]

    def controls(self) -> list[Requirement]:
        return [r for r in self._items if r.kind is RequirementKind.CONTROL]

    def get(self, requirement_id: str) -> Requirement:
        rid = normalise_id(requirement_id)
        try:
            return self._by_id[rid]
        except KeyError:
            raise UnknownRequirementError([rid], self._hints([rid])) from None

    def validate_ids(self, ids: Iterable[str]) -> list[str]:
        """Normalised, de-duplicated ids in the given order; every unknown one is reported at once."""
        wanted = list(dict.fromkeys(n for n in (normalise_id(i) for i in ids) if n))
        unknown = [i for i in wanted if i not in self._by_id]
        if unknown:
            raise UnknownRequirementError(unknown, self._hints(unknown))
        return wanted

    def _hints(self, unknown: Sequence[str]) -> dict[str, list[str]]:
        """For a parent id such as '6.1', the assessable items beneath it."""
        return {u: [i for i in self._by_id if i.startswith(u + ".")] for u in unknown}

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and normalise_id(item) in self._by_id

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self._items)


def _parse_row(row: Any, number: int, source: str) -> Requirement:
    label = row.get("id", f"#{number}") if isinstance(row, Mapping) else f"#{number}"
    try:
        return Requirement.model_validate(row)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
        raise CatalogueError(f"{source}: requirement {label}: {problems}") from exc


def load_catalogue() -> Catalogue:
    """The packaged ISO/IEC 42001:2023 catalogue."""
    return Catalogue.load()
