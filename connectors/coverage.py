"""Coverage for the Azure and GCP connectors: what was and was not read, per (scope, region,
service, operation), where a scope is a subscription or a project.

An access denial is never "nothing there": every row that is not ok becomes a ScanIssue, and a
denied, throttled or failed row, or an unavailable one the connector marks `required` (an API
the inventory depends on is switched off), is an error, so the scan exits 3.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from connectors.base import ScanResult
from discovery.controls import CloudControl
from discovery.models import IssueSeverity, ScanIssue
from discovery.safe_text import terminal_text

GLOBAL_REGION = "global"  # calls that are not about one region (a Resource Graph query, a project listing)


class CoverageStatus(StrEnum):
    OK = "ok"
    DENIED = "denied"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"  # the service is not offered there, or its API is switched off
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """The worse status wins when one operation is called many times (pages, children)."""
        return _RANK[self]


_RANK = {CoverageStatus.OK: 0, CoverageStatus.UNAVAILABLE: 1, CoverageStatus.THROTTLED: 2,
         CoverageStatus.FAILED: 3, CoverageStatus.DENIED: 4}

ISSUE_KIND = {CoverageStatus.DENIED: "access-denied", CoverageStatus.THROTTLED: "throttled",
              CoverageStatus.UNAVAILABLE: "unavailable", CoverageStatus.FAILED: "failed"}

_MEANING = {
    CoverageStatus.DENIED: "not read: access denied; this is a gap, not an absence of AI",
    CoverageStatus.THROTTLED: "not fully read: throttled after retries",
    CoverageStatus.UNAVAILABLE: "not available",
    CoverageStatus.FAILED: "not read: the call failed",
}


@dataclass
class CoverageRow:
    scope: str  # subscription id or project id
    region: str
    service: str
    operation: str
    status: CoverageStatus = CoverageStatus.OK
    calls: int = 0
    items: int = 0
    message: str = ""
    required: bool = False  # an unavailable row that still leaves the scope unread

    def key(self) -> tuple[str, str, str, str]:
        return (self.scope, self.region, self.service, self.operation)

    def absorb(self, status: CoverageStatus, items: int, message: str, calls: int, required: bool) -> None:
        self.calls += calls
        self.items += items
        if status.rank > self.status.rank:
            self.status, self.message, self.required = status, message, required

    @property
    def is_gap(self) -> bool:
        """Not read, and that matters: the scan's coverage is incomplete."""
        if self.status == CoverageStatus.UNAVAILABLE:
            return self.required
        return self.status != CoverageStatus.OK

    def as_dict(self, scope_name: str = "scope") -> dict[str, str | int | bool]:
        return {scope_name: self.scope, "region": self.region, "service": self.service,
                "operation": self.operation, "status": self.status.value, "calls": self.calls,
                "items": self.items, "message": self.message}


class CoverageTable:
    """Rows keyed by (scope, region, service, operation); one per operation, however many calls."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str, str], CoverageRow] = {}
        self._lock = threading.Lock()

    def record(self, scope: str, region: str, service: str, operation: str,
               status: CoverageStatus = CoverageStatus.OK, *, items: int = 0, message: str = "",
               calls: int = 1, required: bool = False) -> None:
        key = (scope, region, service, operation)
        message = terminal_text(message)  # error text comes from the remote service: never trust it
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = CoverageRow(scope, region, service, operation)
            row.absorb(status, items, message, calls, required)

    def rows(self) -> list[CoverageRow]:
        with self._lock:
            return sorted(self._rows.values(), key=CoverageRow.key)

    def complete(self, scope: str, service: str | None = None) -> bool:
        return not any(r.is_gap for r in self.rows()
                       if r.scope == scope and (service is None or r.service == service))


def coverage_issues(rows: Iterable[CoverageRow], connector: str,
                    target_of: Callable[[str, str, str], str]) -> list[ScanIssue]:
    """One issue per (scope, region, service, status), naming the operations concerned."""
    grouped: dict[tuple[str, str, str, CoverageStatus, bool], list[CoverageRow]] = defaultdict(list)
    for row in rows:
        if row.status != CoverageStatus.OK:
            grouped[(row.scope, row.region, row.service, row.status, row.is_gap)].append(row)
    issues = []
    for (scope, region, service, status, gap), members in sorted(grouped.items()):
        operations = ", ".join(dict.fromkeys(r.operation for r in members))
        first = members[0].message
        issues.append(ScanIssue(
            connector=connector, target=target_of(scope, region, service), kind=ISSUE_KIND[status],
            message=f"{service} {operations}: {_MEANING[status]}" + (f" ({first})" if first else ""),
            severity=IssueSeverity.ERROR if gap else IssueSeverity.WARNING, count=len(members)))
    return issues


def render_coverage(rows: Iterable[CoverageRow], cloud: str, scope_label: str) -> str:
    """A readable summary: per-status totals, then every gap."""
    rows = list(rows)
    if not rows:
        return f"{cloud} coverage: nothing was attempted."
    totals: dict[CoverageStatus, int] = defaultdict(int)
    for row in rows:
        totals[row.status] += 1
    scopes = len({r.scope for r in rows if r.scope != "*"})
    summary = ", ".join(f"{totals[s]} {s.value}" for s in CoverageStatus if totals[s])
    calls = sum(r.calls for r in rows)
    lines = [f"{cloud} coverage: {len(rows)} ({scope_label}, region, service, operation) rows over {scopes} "
             f"{scope_label}(s), {calls} call(s): {summary}."]
    gaps = [r for r in rows if r.status != CoverageStatus.OK]
    if gaps:
        lines.append("Not read (a gap in coverage, not an absence of AI):")
        width = max(len(f"{r.scope} {r.region}") for r in gaps)
        for r in gaps:
            lines.append(f"  {f'{r.scope} {r.region}'.ljust(width)}  {r.service}:{r.operation}  "
                         f"{r.status.value}  {r.message[:120]}")
    return "\n".join(lines)


class CallLog:
    """Counts every request that reached the wire, by method, and the most in flight at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_method: Counter[str] = Counter()
        self.refused: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    def start(self, method: str) -> None:
        with self._lock:
            self.by_method[method.upper()] += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def refuse(self, what: str) -> None:
        with self._lock:
            self.refused.append(what)


@dataclass
class CloudScanResult(ScanResult):
    """A cloud scan: the common ScanResult plus control evidence, the coverage table and the
    call counts (every request by method, and the most in flight at once)."""

    cloud: str = "Azure"
    scope_label: str = "subscription"
    controls: list[CloudControl] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    requests_by_method: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    usage_note: str = ""

    @property
    def coverage_complete(self) -> bool:
        return not any(i.severity == IssueSeverity.ERROR for i in self.issues)

    def summary(self) -> str:
        calls = ", ".join(f"{n} {m}" for m, n in sorted(self.requests_by_method.items())) or "none"
        text = render_coverage(self.coverage, self.cloud, self.scope_label)
        text += f"\n{self.cloud} requests sent: {calls}; at most {self.max_in_flight} in flight at once."
        return text + (f"\n{self.usage_note}" if self.usage_note else "")

    def extra_json(self) -> dict[str, Any]:
        return {
            "controls": [c.model_dump(mode="json") | {"requirements": c.requirements} for c in self.controls],
            "coverage": [r.as_dict(self.scope_label) for r in self.coverage],
            "requests": {"by_method": dict(sorted(self.requests_by_method.items())),
                         "max_in_flight": self.max_in_flight},
        }
