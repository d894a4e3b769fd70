"""AWS connector: every AI resource in every account and region, read-only, with honest coverage.

Work fans out over a bounded thread pool as (account, region, service) tasks, plus one
CloudTrail task per (account, region) and one S3 trail task per logged (account, region).
Every failure is a coverage row and a ScanIssue; nothing is dropped silently. The boto3
session is passed in (never created at import time); boto3 itself loads lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from connectors.base import Connector, ProgressCallback, no_progress
from discovery.controls import CloudControl
from discovery.models import IssueSeverity, Observation, ScanIssue, SourceKind

from connectors.aws import catalogue
from connectors.aws.accounts import (AccountContext, ClientFactory, ClientHook, assume_role, caller_account,
                                     enabled_regions, organization_accounts, service_offered, window_start)
from connectors.aws.cloudtrail import UsageAggregator, lookup_usage
from connectors.aws.coverage import (CONNECTOR_NAME, GLOBAL_REGION, CoverageStatus, CoverageTable,
                                     coverage_issues, target_of)
from connectors.aws.inventory import read_service
from connectors.aws.reader import ServiceReader
from connectors.aws.result import AWSScanResult, UsageSources
from connectors.aws.s3trail import LogAccount, TrailLocation, log_accounts, read_region

LOOKUP_EVENTS_MAX_DAYS = 90  # CloudTrail keeps 90 days of management events for LookupEvents


@dataclass
class _TaskOutput:
    observations: list[Observation] = field(default_factory=list)
    controls: list[CloudControl] = field(default_factory=list)
    coverage: CoverageTable = field(default_factory=CoverageTable)
    targets: list[str] = field(default_factory=list)
    usage: UsageAggregator | None = None
    issues: list[ScanIssue] = field(default_factory=list)
    lookup_ok: tuple[str, str] | None = None
    files: int = 0


class AWSConnector(Connector):
    name = CONNECTOR_NAME
    source = SourceKind.CLOUD

    def __init__(
        self,
        session: Any,
        regions: Sequence[str] | str | None = None,
        org_role: str | None = None,
        days: int = 7,
        cloudtrail_s3: str | None = None,
        max_workers: int = 16,
        *,
        services: Sequence[str] | None = None,
        max_lookup_events: int = 5000,
        max_attempts: int = 8,
        client_hook: ClientHook | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`regions`: None or "all" for every enabled region, else names. `org_role`: assume it
        in every member account of the organization. `services`: a subset of the catalogue."""
        self.session = session
        self.regions = None if regions in (None, "all") else [r for r in regions if r]  # type: ignore[union-attr]
        self.org_role = org_role
        self.days = max(0, days)
        self.trail = TrailLocation.parse(cloudtrail_s3) if cloudtrail_s3 else None
        self.max_workers = max(1, max_workers)
        self.services = list(services) if services else catalogue.services()
        self.max_lookup_events = max_lookup_events
        self.factory = ClientFactory(max_attempts=max_attempts, max_pool_connections=self.max_workers,
                                     hook=client_hook)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.home_region = getattr(session, "region_name", None) or "us-east-1"

    # -- the scan ------------------------------------------------------------------------
    def scan(self, targets: Sequence[str] = (), progress: ProgressCallback = no_progress) -> AWSScanResult:
        """Scan the caller's account, or the organization's; `targets` may limit account ids."""
        coverage = CoverageTable()
        result = AWSScanResult()
        now = self.clock()
        start = window_start(min(self.days, LOOKUP_EVENTS_MAX_DAYS), now)
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="aims-aws") as pool:
            plan = self._plan_accounts(pool, coverage, set(targets))
            progress("aws: accounts and regions", len(plan), len(plan))
            futures = self._submit_work(pool, plan, coverage, start, now)
            outputs = []
            for done, future in enumerate(as_completed(futures), start=1):
                outputs.append(future.result())
                progress(f"aws: {futures[future]}", done, len(futures))
        return self._assemble(result, coverage, outputs, plan)

    def _plan_accounts(self, pool: ThreadPoolExecutor, coverage: CoverageTable,
                       only: set[str]) -> list[tuple[AccountContext, list[str]]]:
        caller = caller_account(self.session, self.factory, coverage, self.home_region)
        if caller is None:
            return []
        accounts: list[Future[AccountContext | None]] = []
        members = organization_accounts(caller, self.factory, coverage, self.home_region) if self.org_role else None
        if members is None:
            members = [(caller.account_id, "")]
        for account_id, account_name in members:
            if only and account_id not in only:
                continue
            if account_id == caller.account_id:
                caller.name = account_name
                accounts.append(pool.submit(lambda c=caller: c))
            else:
                accounts.append(pool.submit(assume_role, caller, account_id, str(self.org_role), self.factory,
                                            coverage, self.home_region, account_name))
        ready = [a for a in (f.result() for f in accounts) if a is not None]
        if self.regions is not None:
            return [(account, list(self.regions)) for account in ready]
        region_lists = [pool.submit(enabled_regions, a, self.factory, coverage, self.home_region) for a in ready]
        plan = []
        for account, regions in zip(ready, (f.result() for f in region_lists)):
            plan.append((account, regions or [self.home_region]))  # unlisted: the row says so; try home
        return plan

    def _submit_work(self, pool: ThreadPoolExecutor, plan: list[tuple[AccountContext, list[str]]],
                     coverage: CoverageTable, start: datetime, now: datetime) -> dict[Future[_TaskOutput], str]:
        futures: dict[Future[_TaskOutput], str] = {}
        for account, regions in plan:
            for region in regions:
                for service in self.services:
                    if service_offered(account.session, service, region) is False:
                        for spec in catalogue.specs_for(service):
                            for operation in spec.operations():
                                coverage.record(account.account_id, region, service, operation,
                                                CoverageStatus.UNAVAILABLE, calls=0,
                                                message="not in botocore's endpoint list for this region")
                        continue
                    label = f"{account.account_id}/{region}/{service}"
                    futures[pool.submit(self._inventory_task, account, region, service)] = label
                if self.days:
                    futures[pool.submit(self._lookup_task, account, region, start, now)] = \
                        f"{account.account_id}/{region}/cloudtrail"
        if self.trail is not None and plan and self.days:
            for log_account, region in self._trail_targets(plan, coverage):
                futures[pool.submit(self._trail_task, plan[0][0], log_account, region, start, now)] = \
                    f"{log_account.account}/{region}/cloudtrail-s3"
        return futures

    # -- tasks (each returns its own coverage table: no shared mutable state) --------------
    def _inventory_task(self, account: AccountContext, region: str, service: str) -> _TaskOutput:
        out = _TaskOutput()
        try:
            client = self.factory.client(account, service, region)
        except Exception as exc:  # e.g. a service model botocore lacks: that service only
            out.coverage.record(account.account_id, region, service, "(client)", CoverageStatus.FAILED,
                                message=f"{type(exc).__name__}: {exc}", calls=0)
            return out
        reader = ServiceReader(client, account.account_id, region, service, out.coverage)
        findings = read_service(reader, catalogue.specs_for(service))
        out.observations, out.controls = findings.observations, findings.controls
        if out.coverage.service_complete(account.account_id, region, service):
            out.targets.append(target_of(account.account_id, region, service))
        return out

    def _lookup_task(self, account: AccountContext, region: str, start: datetime, now: datetime) -> _TaskOutput:
        out = _TaskOutput()
        client = self.factory.client(account, "cloudtrail", region)
        reader = ServiceReader(client, account.account_id, region, "cloudtrail", out.coverage)
        usage, complete, truncated = lookup_usage(reader, start, now, self.max_lookup_events)
        out.usage = usage
        if complete:
            out.lookup_ok = (account.account_id, region)
            if not truncated:
                out.targets.append(target_of(account.account_id, region, "cloudtrail"))
        for source in truncated:
            out.issues.append(ScanIssue(
                connector=CONNECTOR_NAME, target=target_of(account.account_id, region, "cloudtrail"),
                kind="truncated", severity=IssueSeverity.WARNING,
                message=f"LookupEvents for {source} stopped after {self.max_lookup_events} events; counts are "
                        "a lower bound (read the trail's S3 logs with --cloudtrail-s3 for all of them)"))
        return out

    def _trail_targets(self, plan: list[tuple[AccountContext, list[str]]],
                       coverage: CoverageTable) -> list[tuple[LogAccount, str]]:
        assert self.trail is not None
        home = plan[0][0]
        client = self.factory.client(home, "s3", self.home_region)
        reader = ServiceReader(client, home.account_id, GLOBAL_REGION, "s3", coverage)
        found, _ = log_accounts(reader, self.trail)
        regions = sorted({r for _, regions in plan for r in regions})
        return [(log_account, region) for log_account in found for region in regions]

    def _trail_task(self, home: AccountContext, log_account: LogAccount, region: str, start: datetime,
                    now: datetime) -> _TaskOutput:
        out = _TaskOutput()
        client = self.factory.client(home, "s3", self.home_region)
        reader = ServiceReader(client, log_account.account, region, "s3", out.coverage)
        assert self.trail is not None
        usage, out.files, complete = read_region(reader, self.trail, log_account, region, start, now)
        out.usage = usage
        if complete:
            out.targets.append(target_of(log_account.account, region, "cloudtrail-s3"))
        return out

    # -- putting it together ---------------------------------------------------------------
    def _assemble(self, result: AWSScanResult, coverage: CoverageTable, outputs: list[_TaskOutput],
                  plan: list[tuple[AccountContext, list[str]]]) -> AWSScanResult:
        lookups, trail = UsageAggregator("lookup-events"), UsageAggregator("s3")
        lookup_ok: set[tuple[str, str]] = set()
        usage = UsageSources(days=min(self.days, LOOKUP_EVENTS_MAX_DAYS),
                             data_source=None if self.trail is None or not self.days else
                             f"s3://{self.trail.bucket}/{self.trail.prefix}")
        for out in outputs:
            coverage.extend(out.coverage.rows())
            result.observations.extend(out.observations)
            result.controls.extend(out.controls)
            result.targets.extend(out.targets)
            result.issues.extend(out.issues)
            usage.data_files += out.files
            if out.lookup_ok:
                lookup_ok.add(out.lookup_ok)
            if out.usage is not None:
                (trail if out.usage.origin == "s3" else lookups).merge(out.usage)
        result.count("aws.resource_observations", len(result.observations))
        from_lookup = lookups.observations()
        from_trail = trail.observations(skip_management=lookup_ok)
        result.observations.extend(from_lookup + from_trail)
        result.coverage = coverage.rows()
        result.issues[:0] = coverage_issues(result.coverage)
        result.issues.extend(self._usage_issues(plan))
        pairs = sum(len(regions) for _, regions in plan) if self.days else 0
        usage.management_regions_read = len(lookup_ok)
        usage.management_regions_not_read = pairs - len(lookup_ok)
        usage.management_events = sum(o.count for o in from_lookup)
        usage.data_events = sum(o.count for o in from_trail if o.attributes.get("event_category") == "data")
        usage.data_complete = self.trail is not None and not any(
            r.service == "s3" and r.status != CoverageStatus.OK for r in result.coverage)
        result.usage = usage
        result.count("aws.accounts", len(plan))
        result.count("aws.regions", len({r for _, regions in plan for r in regions}))
        result.count("aws.api_calls", sum(r.calls for r in result.coverage))
        result.count("aws.controls", len(result.controls))
        result.count("cloudtrail.management_runtime_events", usage.management_events)
        result.count("cloudtrail.data_runtime_events", usage.data_events)
        return result

    def _usage_issues(self, plan: list[tuple[AccountContext, list[str]]]) -> list[ScanIssue]:
        issues = []
        if self.days > LOOKUP_EVENTS_MAX_DAYS:
            issues.append(ScanIssue(
                connector=CONNECTOR_NAME, target="aws", kind="partial", severity=IssueSeverity.WARNING,
                message=f"LookupEvents keeps {LOOKUP_EVENTS_MAX_DAYS} days; --days {self.days} was capped"))
        if self.days and self.trail is None and plan:
            issues.append(ScanIssue(
                connector=CONNECTOR_NAME, target="aws", kind="partial", severity=IssueSeverity.WARNING,
                message="CloudTrail data events (InvokeAgent, Retrieve, InvokeFlow, InvokeEndpoint ...) were not "
                        "read: LookupEvents returns management events only; pass --cloudtrail-s3 s3://bucket/prefix"))
        return issues
