"""Evidence criteria: what an auditor looks for per requirement, kept as data (gap/data/criteria.yaml).

Each requirement has a subject scope (AI systems, or the management system in
general), the mechanism it asks for, and a few *elements*, each with phrases
that evidence it within one sentence. Pure: parsing, validation and matching.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import cached_property
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from discovery.yamlload import safe_load

DATA_PACKAGE = "gap.data"
DATA_FILE = "criteria.yaml"


class CriteriaError(ValueError):
    """The criteria file is missing, malformed or names unknown requirements."""


class Scope(StrEnum):
    #: Only passages that concern AI systems can evidence it.
    AI = "ai"
    #: A management-system mechanism: the ISMS procedure for it is (partial) evidence.
    MANAGEMENT_SYSTEM = "management-system"


def _compile(phrase: str) -> tuple[re.Pattern[str], ...]:
    """'a|b + c' -> one pattern per term; a sentence evidences the phrase when every term matches."""
    from gap.drafting.text import keyword_regex  # lazy: gap.drafting imports this module

    terms = [t.strip() for t in phrase.split(" + ")]
    if not terms or any(not t for t in terms):
        raise ValueError(f"evidence phrase {phrase!r} has an empty term")
    patterns = []
    for term in terms:
        alternatives = [a.strip() for a in term.split("|")]
        if any(not a for a in alternatives):
            raise ValueError(f"evidence phrase {phrase!r} has an empty alternative")
        patterns.append(re.compile("|".join(keyword_regex(a) for a in alternatives), re.IGNORECASE))
    return tuple(patterns)


class EvidenceElement(BaseModel):
    """One thing an auditor looks for, and the phrases that show it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    label: str = Field(min_length=3)
    evidence: tuple[str, ...] = Field(min_length=1)

    @field_validator("evidence")
    @classmethod
    def _phrases_well_formed(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Syntax only: the patterns themselves are compiled on first use (70 requirements
        # hold over a thousand alternatives, and most runs read only some of them).
        for phrase in value:
            terms = [t.strip() for t in phrase.split(" + ")]
            if any(not t for t in terms) or any(not a.strip() for t in terms for a in t.split("|")):
                raise ValueError(f"evidence phrase {phrase!r} has an empty term or alternative")
        return value

    @cached_property
    def patterns(self) -> tuple[tuple[re.Pattern[str], ...], ...]:
        return tuple(_compile(p) for p in self.evidence)

    def matches(self, sentence: str) -> bool:
        return any(all(term.search(sentence) for term in phrase) for phrase in self.patterns)


class EvidenceCriteria(BaseModel):
    """A requirement's scope, mechanism and elements; the first element is the mechanism itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: Scope
    mechanism: str = Field(min_length=3)
    elements: tuple[EvidenceElement, ...] = Field(min_length=1, max_length=6)

    @field_validator("elements")
    @classmethod
    def _unique(cls, value: tuple[EvidenceElement, ...]) -> tuple[EvidenceElement, ...]:
        ids = [e.id for e in value]
        if len(set(ids)) != len(ids):
            raise ValueError("element ids must not repeat")
        return value


def criteria_from_keywords(keywords: Sequence[str], ai_specific: bool, title: str) -> EvidenceCriteria:
    """A fallback for a catalogue without criteria: the strongest keywords as one element each."""
    chosen = [k for k in keywords if k.strip()][:4] or [title.lower()]
    elements = tuple(
        EvidenceElement(id=f"k{n}", label=keyword, evidence=(keyword.replace("+", " ").replace("|", " "),))
        for n, keyword in enumerate(chosen, start=1)
    )
    return EvidenceCriteria(
        scope=Scope.AI if ai_specific else Scope.MANAGEMENT_SYSTEM, mechanism=title, elements=elements
    )


def parse_criteria(text: str, source: str = "<text>") -> dict[str, EvidenceCriteria]:
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise CriteriaError(f"{source}: not valid YAML: {exc}") from exc
    rows: Any = data.get("criteria") if isinstance(data, Mapping) else None
    if not isinstance(rows, Mapping):
        raise CriteriaError(f"{source}: expected a mapping with a 'criteria' mapping")
    parsed: dict[str, EvidenceCriteria] = {}
    for rid, row in rows.items():
        try:
            parsed[str(rid)] = EvidenceCriteria.model_validate(row)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in exc.errors())
            raise CriteriaError(f"{source}: criteria for {rid}: {problems}") from exc
    return parsed


def load_criteria() -> dict[str, EvidenceCriteria]:
    """The packaged criteria (gap/data/criteria.yaml), by requirement id."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text("utf-8")
    return parse_criteria(text, source=f"{DATA_PACKAGE}/{DATA_FILE}")
