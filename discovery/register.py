"""The sanctioned-AI register and the sanctioned/shadow classification (pure but for parsing).

Register format (DESIGN §4): CSV or YAML with `provider,system,owner,approved_use,expires`.
`system` is optional; when given it names one inventory system (by id, name or scope)
instead of every use of the provider.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from discovery.models import AISystem, SystemStatus
from discovery.providers import ProviderVocabulary, vocabulary

REGISTER_FIELDS = ("provider", "system", "owner", "approved_use", "expires")


class RegisterError(ValueError):
    pass


class RegisterEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    system: str | None = None
    owner: str | None = None
    approved_use: str | None = None
    expires: date | None = None

    def applies_to(self, system: AISystem) -> bool:
        if self.provider not in system.providers:
            return False
        return self.system is None or self.system in (system.id, system.name, system.scope)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def parse_register(text: str, source: str, providers: ProviderVocabulary | None = None) -> list[RegisterEntry]:
    """Parse CSV (with header) or YAML (a list of mappings, or {register: [...]})."""
    providers = providers or vocabulary()
    if source.lower().endswith((".yaml", ".yml")):
        data = yaml.safe_load(text) or []
        rows = data.get("register", []) if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise RegisterError(f"{source}: expected a list of register entries")
        first_line = 1
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [f for f in ("provider",) if f not in header]
        unknown = [h for h in header if h not in REGISTER_FIELDS]
        if missing or unknown:
            raise RegisterError(
                f"{source}: header must be {','.join(REGISTER_FIELDS)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown columns {unknown}" if unknown else "")
            )
        rows = [{k.strip(): v for k, v in row.items() if k} for row in reader]
        first_line = 2
    entries = []
    for number, row in enumerate(rows, start=first_line):
        if not isinstance(row, dict):
            raise RegisterError(f"{source}: entry {number} is not a mapping")
        provider = _clean(row.get("provider"))
        if provider is None:
            raise RegisterError(f"{source}:{number}: provider is empty")
        if provider not in providers:
            raise RegisterError(f"{source}:{number}: unknown provider id {provider!r} (see the provider vocabulary)")
        expires_raw = _clean(row.get("expires"))
        try:
            expires = date.fromisoformat(expires_raw) if expires_raw else None
        except ValueError as exc:
            raise RegisterError(f"{source}:{number}: expires {expires_raw!r} is not an ISO date") from exc
        entries.append(
            RegisterEntry(
                provider=provider,
                system=_clean(row.get("system")),
                owner=_clean(row.get("owner")),
                approved_use=_clean(row.get("approved_use")),
                expires=expires,
            )
        )
    return entries


def load_register(path: Path, providers: ProviderVocabulary | None = None) -> list[RegisterEntry]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegisterError(f"{path}: cannot read the register: {exc}") from exc
    return parse_register(text, str(path), providers)


def classify(systems: list[AISystem], register: list[RegisterEntry] | None, today: date) -> list[AISystem]:
    """Mark each system sanctioned, shadow or unknown, with the reason, in place."""
    for system in systems:
        if not system.confidence.counts_as_use:
            system.status, system.status_reason = SystemStatus.UNKNOWN, "low-confidence lead, not counted as AI use"
            continue
        if register is None:
            system.status, system.status_reason = SystemStatus.UNKNOWN, "no sanctioned-AI register imported"
            continue
        matches = [e for e in register if e.applies_to(system)]
        # An entry naming this very system outranks a provider-wide one.
        matches.sort(key=lambda e: e.system is None)
        live = [e for e in matches if not e.expired(today)]
        if live:
            entry = live[0]
            system.status = SystemStatus.SANCTIONED
            system.status_reason = "approved" + (f" for {entry.approved_use}" if entry.approved_use else "") + (
                f" until {entry.expires.isoformat()}" if entry.expires else ""
            )
            system.owner = system.owner or entry.owner
        elif matches:
            system.status = SystemStatus.SHADOW
            system.status_reason = f"approval expired on {matches[0].expires.isoformat()}"  # type: ignore[union-attr]
            system.owner = system.owner or matches[0].owner
        else:
            system.status = SystemStatus.SHADOW
            system.status_reason = "not in the sanctioned-AI register"
    return systems
