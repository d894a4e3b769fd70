"""Attribution: fold matched events into one aggregate per (service × identity × signal) of a file,
and turn the aggregates into Observations. Memory grows with people × apps, never with lines."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from discovery.domains import AIService, normalise_host
from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import excerpt
from connectors.logs.records import LogRecord

CONNECTOR = "logs"
#: a request body at least this large counts as an upload when the format logs request sizes
DEFAULT_UPLOAD_BYTES = 1_000_000
_UPLOAD_PATH = re.compile(r"/(?:upload|uploads|files?|attachments?|documents?|blobs?)(?:/|$|\b)", re.IGNORECASE)
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
_QUERY = re.compile(r"\?[^\s\"',]*")
_MAX_HOSTS = 5


class Pseudonymiser:
    """Keyed hashes in place of identities, stable for one key so trends survive across scans."""

    def __init__(self, key: str | bytes) -> None:
        if not key:
            raise ValueError("a pseudonymisation key must not be empty")
        self._key = key.encode("utf-8") if isinstance(key, str) else key

    def __call__(self, identity: str) -> str:
        digest = hmac.new(self._key, identity.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
        return "anon-" + digest[:16]


def is_upload(record: LogRecord, threshold: int = DEFAULT_UPLOAD_BYTES) -> bool:
    """A file going up: the format says so, a large request body, or a write to a file endpoint."""
    if record.upload:
        return True
    if record.bytes_up is not None and record.bytes_up >= threshold:
        return True
    return bool(record.method and record.method.upper() in _WRITE_METHODS and record.path and _UPLOAD_PATH.search(record.path))


_EVIDENCE_WINDOW = 320
# Every pattern discovery.redact knows needs one of these (lower-cased) to match; a line with none
# of them has nothing to redact, and skipping redaction there saves ~60 µs a line.
_SECRET_HINTS = re.compile(
    r"sk-|hf_|aiza|gsk_|r8_|pplx-|xai-|akia|asia|bearer|api[_-]?key|secret|token|passw|access[_-]?key"
)
#: everything up to the last delimiter (greedy, then back to it): where a cut splits no token
_UP_TO_LAST_TOKEN_END = re.compile(r"(?s).*[\s\",;]")


def scrub_evidence(line: str) -> str:
    """The line as evidence: query strings dropped (they can carry tokens), then redacted.

    Redaction costs ~20 µs per pattern on a long JSON line, so only the head that can reach the
    excerpt is redacted. The cut falls on a delimiter no secret pattern spans, so a key is never
    split into a part too short to be recognised.
    """
    text = _QUERY.sub("?…", line.strip())
    if len(text) > _EVIDENCE_WINDOW:
        last = _UP_TO_LAST_TOKEN_END.match(text, 0, _EVIDENCE_WINDOW)
        cut = last.end() - 1 if last else _EVIDENCE_WINDOW
        text = text[:cut] + " …"
    if _SECRET_HINTS.search(text.lower()) is None:
        text = text.replace("\t", " ")
        return text if len(text) <= 160 else text[:159] + "…"
    return excerpt(text)


def _description_excerpt(text: str) -> str:
    """excerpt(text), without running the redactor where it cannot change anything: ASCII text
    holding none of the literals every secret pattern needs (a few µs a line, against ~10)."""
    if text.isascii() and _SECRET_HINTS.search(text.lower()) is None:
        text = text.strip().replace("\t", " ")
        return text if len(text) <= 160 else text[:159] + "…"
    return excerpt(text)


@dataclass
class _Aggregate:
    service: AIService
    identity: str | None
    identity_kind: str
    signal: str
    first_line: int
    evidence: str
    count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    bytes_up: int | None = None
    bytes_down: int | None = None
    uploads: int = 0
    blocked: int = 0
    hosts: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    vendor_apps: list[str] = field(default_factory=list)


class Aggregator:
    """Aggregates of one log file."""

    def __init__(
        self,
        *,
        log_file: str,
        log_format: str,
        pseudonymise: Pseudonymiser | None = None,
        upload_bytes: int = DEFAULT_UPLOAD_BYTES,
        raw_evidence: bool = True,
    ) -> None:
        self.log_file = log_file
        self.log_format = log_format
        self._pseudonymise = pseudonymise
        self._raw_evidence = raw_evidence
        self._upload_bytes = upload_bytes
        self._aggregates: dict[tuple[str, str, str], _Aggregate] = {}
        self.events = 0
        #: observations built ahead (see build_ahead) of aggregates not changed since, by key
        self._built: dict[tuple[str, str, str], Observation] = {}
        self._built_for: str | None = None

    def add(self, service: AIService, record: LogRecord, line_no: int, line: str) -> None:
        self.events += 1
        identity = record.identity
        if identity is not None and self._pseudonymise is not None:
            identity = self._pseudonymise(identity)
        signal = record.signal or f"ai-service:{service.id}"
        key = (service.id, identity or "", signal)
        if self._built:
            self._built.pop(key, None)
        agg = self._aggregates.get(key)
        if agg is None:
            agg = self._aggregates[key] = _Aggregate(
                service=service,
                identity=identity,
                identity_kind=record.identity_kind if identity else "unknown",
                signal=signal,
                first_line=line_no,
                evidence=self._evidence(record, line),
            )
        agg.count += 1
        if record.time is not None:
            agg.first_seen = _earliest(agg.first_seen, record.time)
            if agg.last_seen is None or record.time > agg.last_seen:
                agg.last_seen = record.time
        if record.bytes_up is not None:
            agg.bytes_up = (agg.bytes_up or 0) + record.bytes_up
        if record.bytes_down is not None:
            agg.bytes_down = (agg.bytes_down or 0) + record.bytes_down
        if is_upload(record, self._upload_bytes):
            agg.uploads += 1
        if record.blocked:
            agg.blocked += 1
        _remember(agg.hosts, normalise_host(record.host) if record.host else None)
        _remember(agg.models, record.model)
        _remember(agg.vendor_apps, record.vendor_app)

    def part(self) -> tuple[dict[tuple[str, str, str], _Aggregate], int]:
        """What this aggregator holds, to be absorbed by the aggregator of the file's earlier lines."""
        return self._aggregates, self.events

    def absorb(self, part: tuple[dict[tuple[str, str, str], _Aggregate], int], line_offset: int) -> None:
        """Fold in the aggregates of the lines that follow this aggregator's, scanned elsewhere and
        numbered from 1: the result is what adding those lines here, in order, would have given."""
        aggregates, events = part
        self.events += events
        for key, theirs in aggregates.items():
            mine = self._aggregates.get(key)
            if mine is None:
                theirs.first_line += line_offset
                self._aggregates[key] = theirs
                continue
            self._built.pop(key, None)
            mine.count += theirs.count
            mine.first_seen = _earliest(mine.first_seen, theirs.first_seen)
            if theirs.last_seen is not None and (mine.last_seen is None or theirs.last_seen > mine.last_seen):
                mine.last_seen = theirs.last_seen
            if theirs.bytes_up is not None:
                mine.bytes_up = (mine.bytes_up or 0) + theirs.bytes_up
            if theirs.bytes_down is not None:
                mine.bytes_down = (mine.bytes_down or 0) + theirs.bytes_down
            mine.uploads += theirs.uploads
            mine.blocked += theirs.blocked
            for values, more in ((mine.hosts, theirs.hosts), (mine.models, theirs.models),
                                 (mine.vendor_apps, theirs.vendor_apps)):
                for value in more:
                    _remember(values, value)

    def _evidence(self, record: LogRecord, line: str) -> str:
        if self._pseudonymise is None and line and self._raw_evidence:
            return scrub_evidence(line)
        # The raw line names the person, says nothing of the call (CloudTrail), or is missing
        # (whole-document events): describe the event.
        what = " ".join(
            p for p in (record.method, (normalise_host(record.host) if record.host else None), record.path,
                        record.signal, record.model) if p
        )
        return _description_excerpt(f"{self.log_format}: {what}")

    def build_ahead(self, target: str) -> None:
        """Build the observations of the aggregates so far, for `observations(target)` to reuse
        where nothing changed them since: the first process of a split scan does it while the
        second finishes its half (most aggregates are then not touched by its part)."""
        self._built = dict(zip(self._aggregates, self._build(list(self._aggregates.values()), target)))
        self._built_for = target

    def observations(self, target: str) -> list[Observation]:
        if not self._built or self._built_for != target:
            return self._build(list(self._aggregates.values()), target)
        built = self._built
        fresh = iter(self._build([agg for key, agg in self._aggregates.items() if key not in built], target))
        return [built[key] if key in built else next(fresh) for key in self._aggregates]

    def _build(self, aggregates: list[_Aggregate], target: str) -> list[Observation]:
        # Every field is built here from typed values; only identity, model and the names come from
        # outside as they are. Where those are strings, validating each observation again would
        # change nothing and cost ~20 µs (0.09 s of CloudTrail's 4,648 aggregates): the first one is
        # validated, and the others are copies of it with their own values (pydantic's model_copy).
        built: list[Observation] = []
        template: Observation | None = None
        for agg in aggregates:
            fields = self._fields(agg, target)
            trusted = all(v is None or type(v) is str for v in (fields["identity"], fields["model"], target,
                                                                self.log_file))
            if template is None or not trusted:
                observation = Observation(**fields, location=Location(log_file=self.log_file, log_line=agg.first_line))
                template = observation if template is None and trusted else template
            else:
                fields["location"] = template.location.model_copy(update={"log_line": agg.first_line})
                observation = template.model_copy(update=fields)
            built.append(observation)
        return built

    def _fields(self, agg: _Aggregate, target: str) -> dict[str, Any]:
        """The Observation of an aggregate, as keyword arguments (all but its location)."""
        service = agg.service
        attributes: dict[str, str | int | float | bool] = {
            "app": service.name,
            "vendor": service.vendor,
            "category": service.kind_label,
            "log_format": self.log_format,
            "identity_kind": agg.identity_kind,
            "uploads": agg.uploads,
            "blocked": agg.blocked,
            "pseudonymised": self._pseudonymise is not None,
        }
        if agg.hosts:
            attributes["hosts"] = ",".join(agg.hosts)
        if agg.bytes_up is not None:
            attributes["bytes_up"] = agg.bytes_up
        if agg.bytes_down is not None:
            attributes["bytes_down"] = agg.bytes_down
        if agg.vendor_apps:
            attributes["vendor_app"] = ",".join(agg.vendor_apps)
        if len(agg.models) > 1:
            attributes["models"] = ",".join(agg.models)
        confidence = service.default_confidence
        if agg.blocked == agg.count:
            confidence = Confidence.LOW  # every attempt was blocked: demand, not use
        return {
            "source": SourceKind.LOGS,
            "connector": CONNECTOR,
            "signal": agg.signal,
            "provider": service.provider,
            "category": _category(service, agg.signal),
            "target": target,
            "identity": agg.identity,
            "model": agg.models[0] if agg.models else None,
            "evidence": agg.evidence,
            "confidence": confidence,
            "first_seen": agg.first_seen,
            "last_seen": agg.last_seen,
            "count": agg.count,
            "system_hint": service.id,
            "attributes": attributes,
        }


def _category(service: AIService, signal: str) -> Category:
    # Cloud audit trails (CloudTrail) show a managed cloud AI service in use, not a SaaS app.
    if signal.startswith("cloudtrail:"):
        return Category.CLOUD_AI_SERVICE
    return service.category


def _earliest(known: datetime | None, seen: datetime | None) -> datetime | None:
    return seen if known is None or (seen is not None and seen < known) else known


def _remember(values: list[str], value: str | None) -> None:
    if value and value not in values and len(values) < _MAX_HOSTS:
        values.append(value)
