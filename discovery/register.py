"""The AI system register and the status of each system (pure but for parsing).

Two forms, both accepted by `aims register import`:
- the system-level register (YAML `systems:` / `exceptions:`, or a CSV whose header has `name`):
  each entry names one AI system (owner, purpose, intended users, affected parties, data
  categories, tier, approval) and selects its evidence (repository globs, ARN patterns, log
  identities or apps, providers);
- the provider-level shorthand of DESIGN §4 (`provider,system,owner,approved_use,expires`).

Statuses: sanctioned (a register entry covers it and its approval is current), shadow (none
does), expired (the approval lapsed), excepted (a live suppression with reason, owner and
expiry; an expired suppression stops applying), unknown (no register, or a low-confidence lead).
"""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase

from discovery.models import AISystem, SystemStatus
from discovery.register_file import (  # noqa: F401  (the register's public names live here too)
    REGISTER_FIELDS,
    SYSTEM_CSV_FIELDS,
    Register,
    RegisterEntry,
    RegisterError,
    Selector,
    Suppression,
    SystemEntry,
    load_register,
    load_register_document,
    parse_register,
    parse_register_document,
)


def _glob_any(patterns: tuple[str, ...], values: set[str] | list[str]) -> bool:
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if any(fnmatchcase(v, pattern) for v in values):
                return True
        elif pattern in values:
            return True
    return False


def selector_matches(selector: Selector, *, source: str, provider_ids: set[str], scope: str, repo: str | None,
                     arns: set[str], identities: set[str], app: str | None, system_names: set[str] = frozenset()) -> bool:
    """Whether a sighting (or a system, for suppressions) falls under a selector."""
    if selector.systems and _glob_any(selector.systems, system_names):
        return True
    located = bool(selector.repos or selector.arns or selector.identities or selector.apps)
    hit = False
    if selector.repos and repo and _glob_any(selector.repos, [repo]):
        hit = True
    if not hit and selector.arns and _glob_any(selector.arns, arns | ({scope} if source == "cloud" else set())):
        hit = True
    if not hit and selector.apps and source == "logs" and _glob_any(selector.apps, {scope} | ({app} if app else set())):
        hit = True
    if not hit and selector.identities and _glob_any(selector.identities, identities):
        hit = True
    if located and not hit:
        return False
    if selector.providers:
        return bool(provider_ids & set(selector.providers))
    return located


def _provider_status(system: AISystem, entries: tuple[RegisterEntry, ...], today: date) -> tuple[SystemStatus, str, str | None, date | None]:
    """Provider shorthand: sanctioned when every service provider (frameworks only when there is
    no service) has a live entry; an entry naming this system outranks provider-wide ones."""
    needed = [p for p in system.providers if p not in system.frameworks] or list(system.providers)
    approved: list[RegisterEntry] = []
    lapsed: list[RegisterEntry] = []
    missing: list[str] = []
    for provider in needed:
        matches = sorted((e for e in entries if e.provider == provider and e.applies_to(system)),
                         key=lambda e: e.system is None)
        live = [e for e in matches if not e.expired(today)]
        if live:
            approved.append(live[0])
        elif matches:
            lapsed.append(matches[0])
        else:
            missing.append(provider)
    owner = (approved or lapsed or [None])[0]
    owner_name = owner.owner if owner else None
    if lapsed:
        entry = lapsed[0]
        return SystemStatus.EXPIRED, f"approval for {entry.provider} expired on {entry.expires.isoformat()}", owner_name, entry.expires  # type: ignore[union-attr]
    if missing:
        return SystemStatus.SHADOW, "not in the AI register" + (f" ({', '.join(missing)} not approved)" if approved else ""), owner_name, None
    uses = "; ".join(dict.fromkeys(e.approved_use for e in approved if e.approved_use))
    until = min((e.expires for e in approved if e.expires), default=None)
    return (SystemStatus.SANCTIONED, "approved" + (f" for {uses}" if uses else "") + (f" until {until.isoformat()}" if until else ""),
            owner_name, until)


def classify(systems: list[AISystem], register: Register | list[RegisterEntry] | None, today: date) -> list[AISystem]:
    """Mark each system sanctioned, shadow, expired, excepted or unknown, with the reason, in place."""
    if isinstance(register, list):
        register = Register(providers=tuple(register))
    for system in systems:
        if not system.confidence.counts_as_use:
            system.status, system.status_reason = SystemStatus.UNKNOWN, "low-confidence lead, not counted as AI use"
            continue
        if register is None:
            system.status, system.status_reason = SystemStatus.UNKNOWN, "no AI register imported"
            continue
        entry = register.entry(system.register_entry)
        if entry is not None:
            system.owner = entry.owner or system.owner
            system.approved_by = entry.approved_by
            system.approval_until = entry.approved_until
            if entry.approved_by is None and entry.approved_until is None:
                status, reason = SystemStatus.SHADOW, f"registered as {entry.id!r} but not approved"
            elif entry.approved_until is not None and entry.approved_until < today:
                status, reason = SystemStatus.EXPIRED, f"approval of {entry.id!r} lapsed on {entry.approved_until.isoformat()}"
            else:
                reason = f"register entry {entry.id!r} approved" + (f" by {entry.approved_by}" if entry.approved_by else "")
                status = SystemStatus.SANCTIONED
                reason += f" until {entry.approved_until.isoformat()}" if entry.approved_until else ""
        else:
            status, reason, owner, until = _provider_status(system, register.providers, today)
            system.owner = system.owner or owner
            system.approval_until = until
        system.status, system.status_reason = status, reason
        if status != SystemStatus.SANCTIONED:
            _apply_exception(system, register, today)
    return systems


def split_unit(unit: str) -> tuple[str, str | None, str]:
    """(source, provider, scope) of a unit key: `code:REPO`, `cloud:PROVIDER:SCOPE`, `logs:PROVIDER:SCOPE`."""
    source, _, rest = unit.partition(":")
    if source == "code":
        return source, None, rest
    provider, _, scope = rest.partition(":")
    return source, provider, scope


def system_selected(selector: Selector, system: AISystem) -> bool:
    names = {system.id, system.name, *(filter(None, [system.register_entry]))}
    for unit in system.units or [f"{system.sources[0].value if system.sources else 'code'}:{system.scope}"]:
        source, provider, scope = split_unit(unit)
        if selector_matches(selector, source=source, provider_ids=set(system.providers), scope=scope,
                            repo=scope if source == "code" else None, arns={scope} if source == "cloud" else set(),
                            identities=set(system.identities), app=None, system_names=names):
            return True
    return False


def _apply_exception(system: AISystem, register: Register, today: date) -> None:
    for suppression in register.exceptions:
        if not system_selected(suppression.select, system):
            continue
        if suppression.live(today):
            system.status = SystemStatus.EXCEPTED
            system.status_reason = (f"excepted until {suppression.expires.isoformat()} by {suppression.owner}: "
                                    f"{suppression.reason}")
            system.exception_until = suppression.expires
            return
        system.status_reason += f"; an exception lapsed on {suppression.expires.isoformat()}"
