"""The AI service catalogue and its host matcher: pure, no IO beyond reading the packaged data.

A host matches a catalogue domain only on whole DNS labels counted from the right, so look-alikes
never match: `gemini.com` is not `gemini.google.com`, `openapis.org` is not `openai.com`, and
`chatgpt.com.evil.test` is not `chatgpt.com`. The most specific domain wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from discovery.models import Category, Confidence
from discovery.yamlload import safe_load_packaged

ServiceKind = Literal[
    "chat-assistant",
    "coding-assistant",
    "image-video",
    "api",
    "meeting-notes",
    "writing",
    "agents",
    "search",
    "voice",
    "ml-platform",
]

_DOMAIN_PATTERN = re.compile(r"^(?:[a-z0-9*](?:[a-z0-9*-]*[a-z0-9*])?\.)+[a-z0-9-]*[a-z][a-z0-9-]*$")
_KIND_LABELS: dict[str, str] = {
    "chat-assistant": "chat assistant",
    "coding-assistant": "coding assistant",
    "image-video": "image/video",
    "api": "API",
    "meeting-notes": "meeting notes",
    "writing": "writing",
    "agents": "agents",
    "search": "AI search",
    "voice": "voice/audio",
    "ml-platform": "ML platform",
}


class AIService(BaseModel):
    """One AI app or API as the catalogue describes it."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    vendor: str
    provider: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: ServiceKind
    domains: tuple[str, ...] = ()  # empty for services only audit logs name (Gemini in Workspace)
    confidence: Confidence | None = None
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    #: the labels firewalls and proxies give the app (PAN-OS App-ID `openai-chatgpt`, Zscaler or
    #: Netskope app names), matched whole, so a log that names the app but no host still counts
    apps: tuple[str, ...] = ()

    @field_validator("domains")
    @classmethod
    def _host_shaped(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(d.strip().lower().rstrip(".") for d in domains)
        for domain in cleaned:
            if not _DOMAIN_PATTERN.match(domain):
                raise ValueError(f"{domain!r} is not a host name (labels, optional '*' inside one label)")
        return cleaned

    @property
    def category(self) -> Category:
        return Category.LLM_API if self.kind == "api" else Category.AI_SAAS

    @property
    def kind_label(self) -> str:
        return _KIND_LABELS[self.kind]

    @property
    def default_confidence(self) -> Confidence:
        if self.confidence is not None:
            return self.confidence
        return Confidence.HIGH if self.kind == "api" else Confidence.MEDIUM


def normalise_host(raw: str) -> str:
    """A bare lower-case host from a URL, `host:port`, a DNS name with its trailing dot, or a host."""
    host = raw.strip().strip('"').lower()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in host:
        host = host.rsplit("@", 1)[1]
    if host.startswith("["):  # IPv6 literal: never an AI service name
        return host
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    body = r"\.".join(re.escape(label).replace(r"\*", "[a-z0-9-]*") for label in pattern.split("."))
    return re.compile(r"(?:^|\.)" + body + "$")


#: A host inside a log line starts and ends at a character no DNS label holds (start of line, a
#: space, `/`, `"`, `.`, `:`...), so `chat.com` is found in `x.chat.com/` but not in `wechat.com` or
#: `chat.common.example`. Classes spell out both cases: the patterns run case-insensitively, and
#: Hyperscan, RE2 and `re` then agree. A newline is never part of a match (the line is found from it).
_HOST_BEFORE = r"(?:^|[^a-zA-Z0-9\n-])"
_HOST_AFTER = r"(?:$|[^a-zA-Z0-9\n-])"
#: App labels are field values: after a field separator or opening quote, before a separator, a
#: closing quote, an escaped quote, a space (`app=Claude user=...`) or a PAN-OS child's `-function`.
_APP_BEFORE = r"""(?:^|[\t"',;=|])"""
_APP_AFTER = r"""(?:$|[\t"',;|\\ -])"""
_REGEX_META = frozenset(".^$*+?()[]{}|\\")
#: app labels shorter than this would select ordinary words in fields ("Pi", "Q")
MIN_APP_LABEL = 4


@dataclass(frozen=True)
class PrefilterPattern:
    """A prefilter regex in two parts: the `core` that must appear (what a fast multi-pattern
    matcher looks for) and the boundaries around it that make a hit count (checked on hit lines)."""

    core: str
    before: str = ""
    after: str = ""
    #: a character class one of which precedes the core wherever `before` holds except at a line's
    #: start (a fast matcher may look for it with the core, so that fewer look-alikes hit)
    lead: str = ""

    @property
    def regex(self) -> str:
        return self.before + self.core + self.after


def host_pattern(domain: str) -> PrefilterPattern:
    """A catalogue domain as a prefilter pattern: the whole pattern, `*` as part of one label,
    anchored at label boundaries on both sides (RE2 and Hyperscan syntax, for case-insensitive use)."""
    core = "".join(r"[a-z0-9-]*" if ch == "*" else "\\." if ch == "." else ch for ch in domain)
    return PrefilterPattern(core, _HOST_BEFORE, _HOST_AFTER, r"[^a-zA-Z0-9-]")


def app_pattern(label: str) -> PrefilterPattern:
    """An app label as a prefilter pattern: the label as a whole field value."""
    return PrefilterPattern(literal_regex(label), _APP_BEFORE, _APP_AFTER, r"""[\t\n"',;=|]""")


def literal_regex(text: str) -> str:
    """Text as a regex matching itself (only the metacharacters RE2, Hyperscan and `re` share)."""
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


class ServiceCatalogue:
    """Suffix-indexed catalogue of AI services. Instances are immutable once built."""

    def __init__(self, services: Iterable[AIService]) -> None:
        self._services: dict[str, AIService] = {}
        for service in services:
            self._services[service.id] = service  # later entries (user config) override packaged ones
        self._exact: dict[str, AIService] = {}
        self._wildcards: list[tuple[re.Pattern[str], str, AIService]] = []
        for service in self._services.values():
            for domain in service.domains:
                if "*" in domain:
                    tail = domain.rsplit("*", 1)[1].lstrip(".-")
                    self._wildcards.append((_wildcard_regex(domain), tail, service))
                else:
                    self._exact[domain] = service
        self._wildcard_tails = tuple({tail for _, tail, _ in self._wildcards})
        self._names: dict[str, AIService] = {}
        self._apps: dict[str, AIService] = {}
        for service in self._services.values():
            for label in (service.name.split(" (")[0],):  # names, not ids: "gemini" alone is also an exchange
                self._names.setdefault(_name_key(label), service)
            for label in (service.name.split(" (")[0], *service.apps):
                self._apps.setdefault(_name_key(label), service)

    @classmethod
    def load(cls, extra: Iterable[Mapping[str, Any]] = ()) -> "ServiceCatalogue":
        """The packaged catalogue plus user entries (same schema; an existing id is replaced)."""
        return cls([*_packaged_services(), *(AIService.model_validate(dict(e)) for e in extra)])

    def __len__(self) -> int:
        return len(self._services)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._services.values())

    def get(self, service_id: str) -> AIService | None:
        return self._services.get(service_id)

    def match(self, host: str) -> AIService | None:
        """The most specific service whose domain is a whole-label suffix of host, or None."""
        name = normalise_host(host)
        if not name or "." not in name:
            return None
        if self._wildcard_tails and name.endswith(self._wildcard_tails):
            for regex, _tail, service in self._wildcards:
                if regex.search(name):
                    return service
        labels = name.split(".")
        for start in range(len(labels) - 1):
            service = self._exact.get(".".join(labels[start:]))
            if service is not None:
                return service
        return None

    def match_name(self, app_name: str) -> AIService | None:
        """The service an identity or audit log names by app (Okta "ChatGPT Enterprise" → chatgpt).

        Whole leading words only, longest first, so "Bard College" never becomes Bard.
        """
        words = re.findall(r"[a-z0-9]+", app_name.lower())
        for end in range(len(words), 0, -1):
            service = self._names.get("".join(words[:end]))
            if service is not None:
                return service
        return None

    def match_app(self, label: str) -> AIService | None:
        """The service a firewall or proxy names by app label: whole label, or a PAN-OS child App-ID.

        PAN-OS splits an app into a container and children named `<container>-<function>`
        (`claude-upload`); only known function suffixes are stripped, so `pi-hole` is never Pi.
        """
        key = _name_key(label)
        if not key:
            return None
        service = self._apps.get(key)
        if service is None:
            container, _, function = label.strip().lower().rpartition("-")
            if container and function in _CHILD_FUNCTIONS:
                service = self._apps.get(_name_key(container))
        return service

    def app_labels(self) -> list[str]:
        """The labels formats that log app names are prefiltered on (as written, and dashed)."""
        labels = {label for s in self._services.values() for label in (s.name.split(" (")[0], *s.apps)}
        variants = {variant for label in labels for variant in (label, label.lower().replace(" ", "-"))}
        return sorted(v for v in variants if len(v) >= MIN_APP_LABEL)

    def host_patterns(self) -> list[PrefilterPattern]:
        """Prefilter patterns of which one matches every line naming a catalogued host."""
        domains = sorted({d for s in self._services.values() for d in s.domains})
        return [host_pattern(d) for d in domains]

    def app_patterns(self) -> list[PrefilterPattern]:
        """Prefilter patterns for the formats that log app labels (see app_labels)."""
        return [app_pattern(label) for label in self.app_labels()]


#: PAN-OS child App-ID suffixes: what the user did inside the app
_CHILD_FUNCTIONS = frozenset(
    "base upload uploading download downloading post posting edit delete login chat share sharing api".split()
)


def _name_key(label: str) -> str:
    return "".join(re.findall(r"[a-z0-9]+", label.lower()))


@lru_cache(maxsize=1)
def _packaged_services() -> tuple[AIService, ...]:
    text = resources.files("discovery.catalogues").joinpath("ai_services.yaml").read_text("utf-8")
    # Every CLI run reads it: parsed once (libyaml's safe loader) and then kept in the user's cache
    data = safe_load_packaged(text)
    return tuple(AIService.model_validate(row) for row in data["services"])
