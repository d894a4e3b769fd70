"""Reading the AI system register (YAML or CSV, system-level or the provider shorthand) into
typed entries. Pure but for `load_register_document`, which reads the file."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from discovery.models import AISystem
from discovery.providers import ProviderVocabulary, vocabulary
from discovery.yamlload import safe_load

REGISTER_FIELDS = ("provider", "system", "owner", "approved_use", "expires")
SYSTEM_CSV_FIELDS = (
    "id", "name", "owner", "purpose", "intended_users", "affected_parties", "data_categories", "tier",
    "automated_decisions", "exposure", "approved_by", "approved_until", "repos", "arns", "identities", "apps",
    "providers",
)
_LIST_SEPARATOR = re.compile(r"[;|]")


class RegisterError(ValueError):
    pass


class RegisterEntry(BaseModel):
    """Provider-level shorthand: every use of a provider (or one named system) is approved."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    system: str | None = None
    owner: str | None = None
    approved_use: str | None = None
    expires: date | None = None

    def applies_to(self, system: AISystem) -> bool:
        if self.provider not in system.providers:
            return False
        return self.system is None or self.system in (system.id, system.name, system.scope, system.register_entry)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today


class Selector(BaseModel):
    """Which sightings belong to a register entry. Location selectors (repos, arns, identities,
    apps) are alternatives; `providers`, when given, narrows them (or selects alone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repos: tuple[str, ...] = ()
    arns: tuple[str, ...] = ()
    identities: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()  # system ids or names (suppressions)

    @property
    def empty(self) -> bool:
        return not (self.repos or self.arns or self.identities or self.apps or self.providers or self.systems)


class SystemEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    owner: str | None = None
    purpose: str | None = None
    intended_users: str | None = None
    affected_parties: str | None = None
    data_categories: tuple[str, ...] = ()
    tier: int | None = Field(default=None, ge=1, le=3)
    automated_decisions: bool = False
    exposure: str | None = None  # internal | public
    approved_by: str | None = None
    approved_until: date | None = None
    select: Selector = Field(default_factory=Selector)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-]*", value):
            raise ValueError(f"register id {value!r} must be letters, digits, '.', '_' or '-'")
        return value


class Suppression(BaseModel):
    """An accepted exception: the system stays in the inventory, marked excepted until expiry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str
    owner: str
    expires: date
    select: Selector

    def live(self, today: date) -> bool:
        return self.expires >= today


class Register(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: tuple[RegisterEntry, ...] = ()
    systems: tuple[SystemEntry, ...] = ()
    exceptions: tuple[Suppression, ...] = ()

    def entry(self, entry_id: str | None) -> SystemEntry | None:
        return next((e for e in self.systems if e.id == entry_id), None) if entry_id else None


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _as_list(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(p.strip() for p in _LIST_SEPARATOR.split(str(value)) if p.strip())


def _as_date(value: object, where: str, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise RegisterError(f"{where}: {field} {value!r} is not an ISO date") from exc


def _as_bool(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "y") if value is not None else False


def _provider_entry(row: dict, where: str, providers: ProviderVocabulary) -> RegisterEntry:  # type: ignore[type-arg]
    provider = _clean(row.get("provider"))
    if provider is None:
        raise RegisterError(f"{where}: provider is empty")
    if provider not in providers:
        raise RegisterError(f"{where}: unknown provider id {provider!r} (see the provider vocabulary)")
    return RegisterEntry(provider=provider, system=_clean(row.get("system")), owner=_clean(row.get("owner")),
                         approved_use=_clean(row.get("approved_use")),
                         expires=_as_date(_clean(row.get("expires")), where, "expires"))


def _selector(data: object, where: str, providers: ProviderVocabulary) -> Selector:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RegisterError(f"{where}: select must be a mapping of repos/arns/identities/apps/providers")
    unknown = set(data) - set(Selector.model_fields)
    if unknown:
        raise RegisterError(f"{where}: unknown selector(s) {sorted(unknown)}")
    selector = Selector(**{k: _as_list(v) for k, v in data.items()})
    bad = [p for p in selector.providers if p not in providers]
    if bad:
        raise RegisterError(f"{where}: unknown provider id(s) {bad} (see the provider vocabulary)")
    return selector


def _system_entry(row: dict, where: str, providers: ProviderVocabulary) -> SystemEntry:  # type: ignore[type-arg]
    name = _clean(row.get("name"))
    if name is None:
        raise RegisterError(f"{where}: name is empty")
    entry_id = _clean(row.get("id")) or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    approval = row.get("approval") if isinstance(row.get("approval"), dict) else {}
    select = row.get("select")
    if select is None:  # CSV: selectors are columns
        select = {k: row.get(k) for k in ("repos", "arns", "identities", "apps", "providers") if _clean(row.get(k))}
    tier_raw = _clean(row.get("tier"))
    try:
        tier = int(str(tier_raw).lower().removeprefix("tier").strip()) if tier_raw else None
        return SystemEntry(
            id=entry_id, name=name, owner=_clean(row.get("owner")), purpose=_clean(row.get("purpose")),
            intended_users=_clean(row.get("intended_users")), affected_parties=_clean(row.get("affected_parties")),
            data_categories=tuple(c.lower() for c in _as_list(row.get("data_categories"))),
            tier=tier, automated_decisions=_as_bool(row.get("automated_decisions")),
            exposure=_clean(row.get("exposure")),
            approved_by=_clean(approval.get("by") or row.get("approved_by")),
            approved_until=_as_date(approval.get("until") or row.get("approved_until"), where, "approval until"),
            select=_selector(select, where, providers),
        )
    except (ValueError, TypeError) as exc:
        if isinstance(exc, RegisterError):
            raise
        raise RegisterError(f"{where}: {exc}") from exc


def _suppression(row: object, where: str, providers: ProviderVocabulary) -> Suppression:
    if not isinstance(row, dict):
        raise RegisterError(f"{where}: an exception must be a mapping")
    missing = [f for f in ("reason", "owner", "expires") if not _clean(row.get(f))]
    if missing:
        raise RegisterError(f"{where}: an exception needs a reason, an owner and an expiry; missing {missing}")
    selector = _selector(row.get("select"), where, providers)
    if selector.empty:
        raise RegisterError(f"{where}: an exception must select what it covers (systems, repos, arns, apps …)")
    return Suppression(reason=str(row["reason"]).strip(), owner=str(row["owner"]).strip(),
                       expires=_as_date(row["expires"], where, "expires"), select=selector)  # type: ignore[arg-type]


def parse_register_document(text: str, source: str, providers: ProviderVocabulary | None = None) -> Register:
    """Parse either form, in YAML or CSV."""
    providers = providers or vocabulary()
    provider_entries: list[RegisterEntry] = []
    system_entries: list[SystemEntry] = []
    exceptions: list[Suppression] = []
    if source.lower().endswith((".yaml", ".yml")):
        try:
            data = safe_load(text) or []
        except yaml.YAMLError as exc:
            raise RegisterError(f"{source}: not valid YAML: {exc}") from exc
        if isinstance(data, list):
            data = {"register": data}
        if not isinstance(data, dict):
            raise RegisterError(f"{source}: expected a mapping with systems:, exceptions: or register:")
        unknown = set(data) - {"register", "providers", "systems", "exceptions"}
        if unknown:
            raise RegisterError(f"{source}: unknown top-level key(s) {sorted(unknown)}")
        for section in ("register", "providers"):
            rows = data.get(section) or []
            if not isinstance(rows, list):
                raise RegisterError(f"{source}: {section} must be a list")
            for number, row in enumerate(rows, start=1):
                if not isinstance(row, dict):
                    raise RegisterError(f"{source}: entry {number} is not a mapping")
                provider_entries.append(_provider_entry(row, f"{source}:{section}[{number}]", providers))
        rows = data.get("systems") or []
        if not isinstance(rows, list):
            raise RegisterError(f"{source}: systems must be a list")
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise RegisterError(f"{source}: systems[{number}] is not a mapping")
            system_entries.append(_system_entry(row, f"{source}:systems[{number}]", providers))
        for number, row in enumerate(data.get("exceptions") or [], start=1):
            exceptions.append(_suppression(row, f"{source}:exceptions[{number}]", providers))
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = [{k.strip(): v for k, v in row.items() if k} for row in reader]
        if "name" in header:
            unknown = [h for h in header if h not in SYSTEM_CSV_FIELDS]
            if unknown:
                raise RegisterError(f"{source}: unknown columns {unknown}; a system register has "
                                    f"{','.join(SYSTEM_CSV_FIELDS)}")
            system_entries = [_system_entry(row, f"{source}:{n}", providers) for n, row in enumerate(rows, start=2)]
        else:
            missing = [f for f in ("provider",) if f not in header]
            unknown = [h for h in header if h not in REGISTER_FIELDS]
            if missing or unknown:
                raise RegisterError(
                    f"{source}: header must be {','.join(REGISTER_FIELDS)} (or a system register with a name column)"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; unknown columns {unknown}" if unknown else "")
                )
            provider_entries = [_provider_entry(row, f"{source}:{n}", providers) for n, row in enumerate(rows, start=2)]
    ids = [e.id for e in system_entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RegisterError(f"{source}: duplicate system id(s) {duplicates}")
    return Register(providers=tuple(provider_entries), systems=tuple(system_entries), exceptions=tuple(exceptions))


def parse_register(text: str, source: str, providers: ProviderVocabulary | None = None) -> list[RegisterEntry]:
    """The provider-level entries only (DESIGN §4 shorthand)."""
    return list(parse_register_document(text, source, providers).providers)


def load_register_document(path: Path, providers: ProviderVocabulary | None = None) -> Register:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{path}: cannot read the register: {exc}") from exc
    return parse_register_document(text, str(path), providers)


def load_register(path: Path, providers: ProviderVocabulary | None = None) -> list[RegisterEntry]:
    return list(load_register_document(path, providers).providers)


