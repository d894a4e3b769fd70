"""Coverage: what aims could and could not read, per (account, region, service, operation).

An AccessDenied is never "nothing there". Every row that is not ok becomes a ScanIssue, and
denied, throttled or failed rows are errors, so the scan exits 3 (coverage incomplete).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from discovery.models import IssueSeverity, ScanIssue

CONNECTOR_NAME = "aws"
GLOBAL_REGION = "global"  # for account-level calls (sts, organizations, the region list)


class CoverageStatus(StrEnum):
    OK = "ok"
    DENIED = "denied"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"  # the service is not offered (or not subscribed) in that region
    FAILED = "failed"

    @property
    def rank(self) -> int:
        """The worse status wins when one operation is called many times (pages, children)."""
        return _RANK[self]


_RANK = {
    CoverageStatus.OK: 0,
    CoverageStatus.UNAVAILABLE: 1,
    CoverageStatus.THROTTLED: 2,
    CoverageStatus.FAILED: 3,
    CoverageStatus.DENIED: 4,
}

ISSUE_KIND = {
    CoverageStatus.DENIED: "access-denied",
    CoverageStatus.THROTTLED: "throttled",
    CoverageStatus.UNAVAILABLE: "unavailable",
    CoverageStatus.FAILED: "failed",
}

_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
    "AuthorizationError", "AuthorizationErrorException", "Forbidden", "ForbiddenException",
    "InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "ExpiredTokenException",
    "SignatureDoesNotMatch", "AccessDeniedForDependencyException", "AWSOrganizationsNotInUseException",
})
_THROTTLED_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "ProvisionedThroughputExceededException", "LimitExceededException", "BandwidthLimitExceeded",
})
_UNAVAILABLE_CODES = frozenset({
    "OptInRequired", "SubscriptionRequiredException", "UnknownOperationException",
    "InvalidAction", "UnsupportedOperation", "UnsupportedOperationException",
    "ServiceNotSupportedException", "NotYetImplemented",
})


@dataclass
class CoverageRow:
    account: str
    region: str
    service: str
    operation: str
    status: CoverageStatus = CoverageStatus.OK
    calls: int = 0
    items: int = 0
    message: str = ""

    def key(self) -> tuple[str, str, str, str]:
        return (self.account, self.region, self.service, self.operation)

    def absorb(self, status: CoverageStatus, items: int, message: str, calls: int) -> None:
        self.calls += calls
        self.items += items
        if status.rank > self.status.rank:
            self.status, self.message = status, message

    def as_dict(self) -> dict[str, str | int]:
        return {"account": self.account, "region": self.region, "service": self.service,
                "operation": self.operation, "status": self.status.value, "calls": self.calls,
                "items": self.items, "message": self.message}


def classify_error(exc: BaseException) -> tuple[CoverageStatus, str]:
    """Map a botocore exception to a coverage status and a short message."""
    from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = f"{code}: {error.get('Message', '')}".strip(": ")
        http = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED_CODES or http == 403:
            return CoverageStatus.DENIED, message
        if code in _THROTTLED_CODES or http == 429:
            return CoverageStatus.THROTTLED, message + " (after adaptive retries)"
        if code in _UNAVAILABLE_CODES:
            return CoverageStatus.UNAVAILABLE, message
        return CoverageStatus.FAILED, message
    if isinstance(exc, EndpointConnectionError):
        # No endpoint answers for the service in this region (DNS fails for unlaunched regions).
        return CoverageStatus.UNAVAILABLE, str(exc)
    if isinstance(exc, NoCredentialsError):
        return CoverageStatus.DENIED, str(exc)
    return CoverageStatus.FAILED, f"{type(exc).__name__}: {exc}"


class CoverageTable:
    """Rows keyed by (account, region, service, operation); one per operation, however many calls."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str, str], CoverageRow] = {}
        self._lock = threading.Lock()  # account set-up records from several threads at once

    def record(self, account: str, region: str, service: str, operation: str,
               status: CoverageStatus = CoverageStatus.OK, *, items: int = 0, message: str = "",
               calls: int = 1) -> None:
        key = (account, region, service, operation)
        with self._lock:
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = CoverageRow(account, region, service, operation)
            row.absorb(status, items, message, calls)

    def extend(self, rows: Iterable[CoverageRow]) -> None:
        for row in rows:
            self.record(*row.key(), row.status, items=row.items, message=row.message, calls=row.calls)

    def rows(self) -> list[CoverageRow]:
        return sorted(self._rows.values(), key=CoverageRow.key)

    def service_complete(self, account: str, region: str, service: str) -> bool:
        return all(r.status == CoverageStatus.OK for r in self._rows.values()
                   if (r.account, r.region, r.service) == (account, region, service))


def target_of(account: str, region: str, service: str | None = None) -> str:
    return f"aws:{account}:{region}" + (f":{service}" if service else "")


def coverage_issues(rows: Iterable[CoverageRow]) -> list[ScanIssue]:
    """One issue per (account, region, service, status), naming the operations concerned.

    A service not offered in a region is the same fact in every account, so those rows are
    folded across accounts (account "*") to keep the list readable.
    """
    grouped: dict[tuple[str, str, str, CoverageStatus], list[CoverageRow]] = defaultdict(list)
    for row in rows:
        if row.status != CoverageStatus.OK:
            account = "*" if row.status == CoverageStatus.UNAVAILABLE else row.account
            grouped[(account, row.region, row.service, row.status)].append(row)
    issues = []
    for (account, region, service, status), members in sorted(grouped.items()):
        operations = ", ".join(dict.fromkeys(r.operation for r in members))
        first = members[0].message
        meaning = {
            CoverageStatus.DENIED: "not read: access denied; this is a gap, not an absence of AI",
            CoverageStatus.THROTTLED: "not fully read: throttled after retries",
            CoverageStatus.UNAVAILABLE: "service not offered in this region",
            CoverageStatus.FAILED: "not read: the call failed",
        }[status]
        issues.append(ScanIssue(
            connector=CONNECTOR_NAME,
            target=target_of(account, region, service),
            kind=ISSUE_KIND[status],
            message=f"{service} {operations}: {meaning}" + (f" ({first})" if first else ""),
            severity=IssueSeverity.WARNING if status == CoverageStatus.UNAVAILABLE else IssueSeverity.ERROR,
            count=len(members),
        ))
    return issues


def render_coverage(rows: Iterable[CoverageRow]) -> str:
    """A readable summary: per-status totals, then every gap (ok and unavailable rows folded)."""
    rows = list(rows)
    if not rows:
        return "AWS coverage: nothing was attempted."
    totals: dict[CoverageStatus, int] = defaultdict(int)
    for row in rows:
        totals[row.status] += 1
    accounts = len({r.account for r in rows})
    regions = len({r.region for r in rows if r.region != GLOBAL_REGION})
    summary = ", ".join(f"{totals[s]} {s.value}" for s in CoverageStatus if totals[s])
    lines = [f"AWS coverage: {len(rows)} (account, region, service, operation) rows over {accounts} "
             f"account(s) and {regions} region(s): {summary}."]
    gaps = [r for r in rows if r.status not in (CoverageStatus.OK, CoverageStatus.UNAVAILABLE)]
    if gaps:
        lines.append("Not read (a gap in coverage, not an absence of AI):")
        width = max(len(f"{r.account} {r.region}") for r in gaps)
        for r in gaps:
            where = f"{r.account} {r.region}".ljust(width)
            lines.append(f"  {where}  {r.service}:{r.operation}  {r.status.value}  {r.message[:100]}")
    unavailable = sorted({(r.service, r.region) for r in rows if r.status == CoverageStatus.UNAVAILABLE})
    if unavailable:
        by_service: dict[str, list[str]] = defaultdict(list)
        for service, region in unavailable:
            by_service[service].append(region)
        lines.append("Not offered in: " + "; ".join(
            f"{service} ({len(regs)} region(s))" for service, regs in sorted(by_service.items())))
    return "\n".join(lines)
