"""Typed domain model of discovery (DESIGN §2): observations, scan issues, AI systems, scans.

Values that never change after creation are frozen. Identity-defining fields feed the stable
ids; volatile fields (line numbers, timestamps, counts) never do.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from functools import cached_property
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field


class SourceKind(StrEnum):
    CODE = "code"
    CLOUD = "cloud"
    LOGS = "logs"


class Category(StrEnum):
    LLM_API = "llm-api"
    ML_FRAMEWORK = "ml-framework"
    AGENT_FRAMEWORK = "agent-framework"
    LOCAL_MODEL = "local-model"
    MODEL_FILE = "model-file"
    AI_SAAS = "ai-saas"
    CLOUD_AI_SERVICE = "cloud-ai-service"
    VECTOR_STORE = "vector-store"
    MCP = "mcp"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]

    @property
    def counts_as_use(self) -> bool:
        """Only medium or high confidence counts as AI use; low is a lead to look at."""
        return self.rank >= 1


class SystemStatus(StrEnum):
    SANCTIONED = "sanctioned"  # a register entry covers it and its approval is current
    SHADOW = "shadow"  # no register entry covers it
    EXPIRED = "expired"  # a register entry covers it but the approval lapsed
    EXCEPTED = "excepted"  # a live suppression (reason, owner, expiry) covers it
    UNKNOWN = "unknown"  # no register imported, or a low-confidence lead


class IssueSeverity(StrEnum):
    ERROR = "error"  # the source (or part of it) could not be read: coverage is incomplete
    WARNING = "warning"  # read, but something was skipped or malformed and counted


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def short_hash(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def trusted(cls, values: dict[str, Any], *, complete: bool = False) -> Self:
        """An instance made from values this program built and typed itself, not validated.

        For hot paths only, where a scan makes tens of thousands of models from values that have
        already been checked (a signature catalogue validated at load, the scanner's own counters):
        validating them again cost twice as much (16k code observations: 0.11 s, against 0.05 s
        here), and `model_construct` is slower still. A missing field takes its default; a
        required field must be given. The values' types are the caller's promise; tests hold
        each caller to it by validating what it made.

        complete: values names every field, in declaration order (the order model_dump follows),
        and is not used elsewhere: it becomes the instance's own dict, and every field counts as
        set. A third faster again.
        """
        data = values if complete else cls._completed(values)
        made = _new(cls)
        _set(made, "__dict__", data)
        _set(made, "__pydantic_fields_set__", set(values))
        _set(made, "__pydantic_extra__", None)
        _set(made, "__pydantic_private__", None)
        return made

    @classmethod
    def _completed(cls, values: dict[str, Any]) -> dict[str, Any]:
        """Every field, in declaration order: the values given, the others' defaults."""
        defaults = _TRUSTED_DEFAULTS.get(cls)
        if defaults is None:
            defaults = _TRUSTED_DEFAULTS[cls] = _defaults_of(cls)
        plain, factories, required = defaults
        if not required <= values.keys():
            raise TypeError(f"{cls.__name__}.trusted: missing {sorted(required - values.keys())}")
        data = plain.copy()
        data.update(values)
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        return data


_new, _set = object.__new__, object.__setattr__
# Per model class: its fields' plain defaults (in declaration order), default factories, required names.
_Defaults = tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...], frozenset[str]]
_TRUSTED_DEFAULTS: dict[type, _Defaults] = {}


def _defaults_of(cls: type[BaseModel]) -> _Defaults:
    """Per field, in declaration order: its plain default, its default factory, or required."""
    plain: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    required: set[str] = set()
    for name, field in cls.model_fields.items():
        plain[name] = None
        if field.default_factory is not None:
            factories.append((name, field.default_factory))  # type: ignore[arg-type]
        elif field.is_required():
            required.add(name)
        else:
            plain[name] = field.default
    return plain, tuple(factories), frozenset(required)


class Location(_Frozen):
    """Where an observation was made. Fill the fields that fit the source kind."""

    repo: str | None = None
    path: str | None = None
    line: int | None = None
    account: str | None = None
    region: str | None = None
    arn: str | None = None
    log_file: str | None = None
    log_line: int | None = None

    def display(self) -> str:
        if self.arn:
            return self.arn
        if self.account:
            return "/".join(p for p in (self.account, self.region) if p)
        if self.log_file:
            return f"{self.log_file}:{self.log_line}" if self.log_line else self.log_file
        where = "/".join(p for p in (self.repo, self.path) if p)
        return f"{where}:{self.line}" if self.line else where

    def stable_key(self) -> str:
        """Location without volatile parts (line numbers), for identities."""
        return "|".join(p or "" for p in (self.repo, self.path, self.account, self.region, self.arn, self.log_file))


#: The identity-defining fields of an observation and of its location, in the order they are hashed.
_ID_FIELDS = ("connector", "signal", "provider", "target")
_ID_OPTIONAL_FIELDS = ("identity", "model", "system_hint")
_LOCATION_KEY_FIELDS = ("repo", "path", "account", "region", "arn", "log_file")


def observation_id_of(document: dict) -> str:
    """The id of an observation from its stored JSON form (parsed, defaults left out), without
    building the model: a re-scan needs only the ids and first-seen times of what it replaces.
    Equal to `Observation.id` (tests hold the two together)."""
    location = document.get("location") or {}
    return "obs-" + short_hash(
        *(document[name] for name in _ID_FIELDS),
        "|".join(location.get(name) or "" for name in _LOCATION_KEY_FIELDS),
        *(document.get(name) or "" for name in _ID_OPTIONAL_FIELDS),
    )


class Observation(_Frozen):
    """One sighting of AI use, with redacted evidence."""

    source: SourceKind
    connector: str
    signal: str
    provider: str
    category: Category
    target: str = Field(description="The scan target that produced it: repo root, log file, account/region.")
    location: Location
    identity: str | None = None
    model: str | None = None
    evidence: str = ""
    confidence: Confidence = Confidence.MEDIUM
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int = 1
    system_hint: str | None = Field(
        default=None,
        description="Identity-defining scope chosen by the connector (e.g. an ARN); "
        "merge falls back to the repo, account/region or provider.",
    )
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)

    def model_copy(self, *, update=None, deep: bool = False):  # type: ignore[no-untyped-def,override]
        copied = super().model_copy(update=update, deep=deep)
        if update and not _VOLATILE_FIELDS.issuperset(update):  # an identity field may have changed
            copied.__dict__.pop("id", None)
        return copied

    def fill_seen(self, first_seen: datetime, last_seen: datetime) -> None:
        """Give a fresh observation the timestamps its source could not (code, cloud inventory).

        In place, and only for what is missing: the scan that has just made this observation is its
        only holder, and a copy of each (tens of thousands per scan) cost more than the merge. Never
        call this on an observation that has been stored, merged or handed to anyone else.
        """
        values = self.__dict__
        if values["first_seen"] is None:
            values["first_seen"] = first_seen
            self.__pydantic_fields_set__.add("first_seen")
        if values["last_seen"] is None:
            values["last_seen"] = last_seen
            self.__pydantic_fields_set__.add("last_seen")

    @cached_property
    def id(self) -> str:  # cached: merge and the store ask for it several times per observation
        # The same layout as `observation_id_of`, which reads it from stored JSON.
        return "obs-" + short_hash(
            self.connector,
            self.signal,
            self.provider,
            self.target,
            self.location.stable_key(),
            self.identity or "",
            self.model or "",
            self.system_hint or "",
        )


#: Fields that never feed an observation's id: changing them keeps the cached id.
_VOLATILE_FIELDS = frozenset({"evidence", "confidence", "first_seen", "last_seen", "count", "attributes", "category"})


class ScanIssue(_Frozen):
    """A source that could not be read fully. Reported beside results; never silent."""

    connector: str
    target: str
    kind: str = Field(description="not-found, unreadable, corrupt, access-denied, throttled, "
                      "unknown-format, too-large, malformed-lines, unavailable, failed ...")
    message: str
    severity: IssueSeverity = IssueSeverity.ERROR
    count: int = 1


class LinkFact(_Frozen):
    """A fact a repository states about what it deploys or calls, used only to link systems.

    kind: iac-resource (a cloud resource name or ARN declared in IaC), workload-identity (an IAM
    role, service account or managed identity in deployment config), deployment-name (a model
    deployment or endpoint named in config), owner (CODEOWNERS catch-all or package metadata).
    """

    kind: str
    value: str
    repo: str
    target: str
    path: str = ""


class SystemLink(_Frozen):
    """Why two sightings are one system: an exact link the evidence supports, or the register."""

    kind: str  # iac-resource | shared-model | key-fingerprint | workload-identity | parent-resource | register
    unit: str  # the sighting that was attached
    to: str  # the sighting or register entry it was attached to
    value: str  # the shared name, ARN, fingerprint or identity (redacted where secret)
    reason: str


class ObservationRef(_Frozen):
    id: str
    location: str
    signal: str
    confidence: Confidence


class AISystem(BaseModel):
    """One application or business use of AI: sightings from code, cloud and logs joined by
    exact links or by the register. Frameworks are attributes (`frameworks`), not systems."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    scope: str
    providers: list[str]
    models: list[str] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    sources: list[SourceKind] = Field(default_factory=list)
    identities: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    confidence: Confidence = Confidence.MEDIUM
    status: SystemStatus = SystemStatus.UNKNOWN
    status_reason: str = ""
    owner: str | None = None
    risk_tier: int = Field(default=3, ge=1, le=3)
    risk_reason: str = ""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    observation_count: int = 0
    observations: list[ObservationRef] = Field(default_factory=list)
    attributes: dict[str, str | int | float | bool] = Field(default_factory=dict)
    # The system-level register (issue 11); added fields, the contract's fields are unchanged.
    units: list[str] = Field(default_factory=list, description="Stable keys of the sightings it joins.")
    frameworks: list[str] = Field(default_factory=list)
    links: list[SystemLink] = Field(default_factory=list)
    scopes: list[str] = Field(default_factory=list, description="Repositories, accounts and log apps it spans.")
    regions: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    register_entry: str | None = None
    purpose: str | None = None
    intended_users: str | None = None
    affected_parties: str | None = None
    data_categories: list[str] = Field(default_factory=list)
    evidence_data_categories: dict[str, str] = Field(
        default_factory=dict, description="Data categories the evidence suggests, each with why.")
    suggested_owner: str | None = None
    approved_by: str | None = None
    approval_until: date | None = None
    exception_until: date | None = None
    declared_tier: int | None = Field(default=None, ge=1, le=3)
    evidence_tier: int | None = Field(default=None, ge=1, le=3)
    risk_rules: list[str] = Field(default_factory=list, description="Ids of the tier rules that fired.")
    flags: list[str] = Field(default_factory=list, description="Declared-vs-evidence mismatches and other warnings.")
    automated_decisions: bool = False
    exposure: str | None = None
    assessment_status: str | None = Field(default=None, description="Its impact assessment's review state, if any.")


class Scan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    started_at: datetime
    finished_at: datetime | None = None
    connectors: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    issues: list[ScanIssue] = Field(default_factory=list)

    @property
    def coverage_complete(self) -> bool:
        return not any(i.severity == IssueSeverity.ERROR for i in self.issues)


def new_scan_id(started_at: datetime) -> str:
    """Sortable by time; the random suffix keeps two scans started in the same second apart."""
    return "scan-" + started_at.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:4]
