"""Azure connector: every AI resource in every subscription the credential can see, read-only,
with control evidence and honest coverage.

Work fans out over a bounded thread pool: one Resource Graph query per kind over up to 1,000
subscriptions at once (Resource Graph's limit; its quota is per query, not per subscription),
split into one query per subscription only when a batch fails, so a subscription the
credential may not read is isolated and named; then the per-resource reads Resource Graph lacks (deployments, content-filter policies,
diagnostic settings, registered models), and one Activity Log read per subscription. Every
failure is a coverage row and a ScanIssue; a subscription that is denied leaves the others
complete. The credential is passed in (DefaultAzureCredential from the CLI); never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait, FIRST_COMPLETED
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.base import Connector, ProgressCallback, no_progress
from discovery.controls import CloudControl
from discovery.models import Observation, SourceKind

from connectors.azure import inventory
from connectors.azure.activity import ACTIVITY_MAX_DAYS, read_activity
from connectors.azure.arm import PUBLIC_CLOUD, ClientFactory, RetrySettings
from connectors.azure.catalogue import API_VERSIONS, KINDS, SUBSCRIPTIONS_QUERY, AzureKind, reads
from connectors.azure.inventory import CONNECTOR_NAME, Findings, target_of
from connectors.azure.loganalytics import PUBLIC_ENDPOINT as LOG_ANALYTICS_ENDPOINT
from connectors.azure.loganalytics import query_client, read_requests
from connectors.azure.reader import AzureReader, classify_error
from connectors.coverage import GLOBAL_REGION, CloudScanResult, CoverageStatus, CoverageTable, coverage_issues

ALL_SUBSCRIPTIONS = "*"
GRAPH_BATCH = 1000  # subscriptions per Resource Graph query: the service's maximum


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), max(1, size))]


@dataclass
class _Output:
    findings: Findings = field(default_factory=Findings)
    coverage: CoverageTable = field(default_factory=CoverageTable)
    follow_up: list[tuple[Callable[..., "_Output"], tuple[Any, ...], str]] = field(default_factory=list)
    known: dict[str, tuple[str, str]] = field(default_factory=dict)


class AzureConnector(Connector):
    name = CONNECTOR_NAME
    source = SourceKind.CLOUD

    def __init__(self, credential: Any, subscriptions: Sequence[str] | None = None, *,
                 endpoint: str = PUBLIC_CLOUD, days: int = 7, max_workers: int = 16,
                 kinds: Sequence[str] | None = None, retry: RetrySettings = RetrySettings(),
                 log_analytics: Sequence[str] = (), log_analytics_endpoint: str = LOG_ANALYTICS_ENDPOINT,
                 graph_batch: int = GRAPH_BATCH, clock: Callable[[], datetime] | None = None) -> None:
        """`subscriptions`: None for every subscription the credential can see. `days`: Activity
        Log and request-log look-back (0 skips usage). `kinds`: a subset of the catalogue's kind
        names. `log_analytics`: workspace ids whose diagnostic logs hold request records."""
        self.credential = credential
        self.subscriptions = [s.strip() for s in subscriptions or [] if s.strip()] or None
        self.endpoint = endpoint
        self.days = max(0, days)
        self.max_workers = max(1, max_workers)
        self.kinds = [k for k in KINDS if not kinds or k.name in kinds]
        self.retry = retry
        self.log_analytics = [w.strip() for w in log_analytics if w.strip()]
        self.log_analytics_endpoint = log_analytics_endpoint
        self.graph_batch = max(1, min(graph_batch, GRAPH_BATCH))
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.clients: ClientFactory | None = None

    # -- the scan ------------------------------------------------------------------------
    def scan(self, targets: Sequence[str] = (), progress: ProgressCallback = no_progress) -> CloudScanResult:
        """`targets` may name subscriptions (they add to, or stand in for, `subscriptions`)."""
        clients = self.clients = ClientFactory(self.credential, self.endpoint, self.retry, pool_size=self.max_workers)
        coverage = CoverageTable()
        wanted = list(dict.fromkeys([*(self.subscriptions or []), *(t for t in targets if t)])) or None
        try:
            if not self._has_token(clients, coverage):
                return self._assemble(clients, coverage, [], [])
            visible = self._list_subscriptions(clients, coverage, record=not wanted)
            subscriptions = self._visible(wanted, visible, coverage) if wanted else sorted(visible or [])
            progress("azure: subscriptions", len(subscriptions), len(subscriptions))
            outputs = self._run(clients, subscriptions, progress)
        finally:
            clients.close()
        return self._assemble(clients, coverage, outputs, subscriptions)

    @staticmethod
    def _has_token(clients: ClientFactory, coverage: CoverageTable) -> bool:
        """One token up front: without a credential every call would fail the same way (and the
        chain would be retried for each), so say it once, with what to do."""
        try:
            clients.credential.get_token(clients.scope)
        except Exception as exc:
            status, message = classify_error(exc)
            coverage.record(ALL_SUBSCRIPTIONS, GLOBAL_REGION, "identity", "get_token", status, calls=0,
                            message=message + " (az login, a managed or workload identity, or AZURE_CLIENT_ID/"
                                              "AZURE_TENANT_ID/AZURE_CLIENT_SECRET)")
            return False
        return True

    def _list_subscriptions(self, clients: ClientFactory, coverage: CoverageTable, record: bool) -> set[str] | None:
        """Every subscription the credential can see; None when the listing failed. When the
        user named the subscriptions, a failed listing is no gap (`record` False)."""
        table = coverage if record else CoverageTable()
        rows, ok = AzureReader(clients, table).graph(SUBSCRIPTIONS_QUERY, ALL_SUBSCRIPTIONS, "subscriptions")
        if not record and ok:
            for row in table.rows():
                coverage.record(*row.key(), row.status, items=row.items, calls=row.calls)
        return {str(r.get("subscriptionId")) for r in rows if r.get("subscriptionId")} if ok else None

    @staticmethod
    def _visible(wanted: list[str], visible: set[str] | None, coverage: CoverageTable) -> list[str]:
        """Named subscriptions the credential cannot see are a denied row each, not an empty one
        (Resource Graph silently leaves out what the caller may not read)."""
        if visible is None:
            return wanted
        for sub in wanted:
            if sub not in visible:
                coverage.record(sub, GLOBAL_REGION, "resourcegraph", "subscriptions", CoverageStatus.DENIED, calls=0,
                                message="subscription not visible to this credential (no role on it, or no such "
                                        "subscription)")
        return [sub for sub in wanted if sub in visible]

    def _run(self, clients: ClientFactory, subscriptions: list[str], progress: ProgressCallback) -> list[_Output]:
        outputs: list[_Output] = []
        known: dict[str, tuple[str, str]] = {}  # filled on this thread only, as tasks finish
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="aims-azure") as pool:
            pending: dict[Future[_Output], str] = {}
            for kind in self.kinds:
                for chunk in _chunks(subscriptions, self.graph_batch):
                    what = chunk[0] if len(chunk) == 1 else f"{len(chunk)} subscriptions"
                    pending[pool.submit(self._kind_task, clients, chunk, kind)] = f"{what}/{kind.name}"
            activity = list(subscriptions) if self.days else []
            done_count, total = 0, len(pending)
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    label = pending.pop(future)
                    out = future.result()
                    outputs.append(out)
                    known.update(out.known)
                    for function, args, what in out.follow_up:
                        pending[pool.submit(function, clients, *args)] = what
                        total += 1
                    done_count += 1
                    progress(f"azure: {label}", done_count, total)
            # usage last, once every system's id is known, so events attach to the right system
            start = self.clock() - timedelta(days=min(self.days, ACTIVITY_MAX_DAYS))
            futures = [pool.submit(self._activity_task, clients, sub, start, self.clock(), dict(known))
                       for sub in activity]
            if self.days and self.log_analytics:
                client = query_client(clients, self.log_analytics_endpoint)
                futures += [pool.submit(self._requests_task, client, workspace, dict(known))
                            for workspace in self.log_analytics]
            for future in futures:
                outputs.append(future.result())
        return outputs

    # -- tasks (each returns its own coverage table) ---------------------------------------
    def _kind_task(self, clients: ClientFactory, subs: list[str], kind: AzureKind) -> _Output:
        out = _Output()
        operation = f"resources:{kind.name}"
        attempt = CoverageTable()
        scope = subs[0] if len(subs) == 1 else ALL_SUBSCRIPTIONS
        rows, ok = AzureReader(clients, attempt).graph(kind.query, scope, operation, subs)
        if not ok and len(subs) > 1:
            # one subscription the caller may not read fails the batch: ask for each on its own
            out.follow_up.extend((self._kind_task, ([sub], kind), f"{sub}/{kind.name}") for sub in subs)
            return out
        for row in attempt.rows():
            out.coverage.record(*row.key(), row.status, items=row.items, message=row.message, calls=row.calls)
        if len(subs) > 1:  # one row per subscription, so each one's completeness is known
            for sub in subs:
                items = sum(1 for r in rows if r.get("subscriptionId") == sub)
                out.coverage.record(sub, GLOBAL_REGION, "resourcegraph", operation, CoverageStatus.OK, items=items,
                                    calls=0)
        for resource in rows:
            rid = str(resource.get("id", ""))
            provider = inventory.provider_of(resource, kind)
            out.known[rid.lower()] = (rid, provider)
            if "deployments" in kind.detail and inventory.hosts_deployments(resource):
                out.follow_up.append((self._account_task, (resource, kind), str(resource.get("name"))))
            else:
                out.follow_up.append((self._resource_task, (resource, kind), str(resource.get("name"))))
        return out

    def _diagnostics(self, reader: AzureReader, resource: dict[str, Any]) -> list[dict[str, Any]] | None:
        sub, region = str(resource.get("subscriptionId") or ""), str(resource.get("location") or "")
        settings, ok = reader.arm_list(f"{resource.get('id')}/providers/Microsoft.Insights/diagnosticSettings",
                                       API_VERSIONS["diagnostics"], sub, region, "monitor", "diagnosticSettings.list")
        return settings if ok else None

    def _resource_task(self, clients: ClientFactory, resource: dict[str, Any], kind: AzureKind) -> _Output:
        """Any AI resource without deployments: one system, its network, key-auth and logging facts."""
        out = _Output()
        reader = AzureReader(clients, out.coverage)
        models: list[str] = []
        if reads(kind, str(resource.get("type", "")), "models"):
            sub, region = str(resource.get("subscriptionId") or ""), str(resource.get("location") or "")
            listed, _ = reader.arm_list(f"{resource.get('id')}/models", API_VERSIONS["models"], sub, region,
                                        "machinelearningservices", "models.list")
            models = sorted({str(m.get("name")) for m in listed if m.get("name")})
        out.findings.observations.extend(inventory.resource_observation(resource, kind, models))
        out.findings.controls.extend(self._resource_controls(reader, resource, kind))
        return out

    def _resource_controls(self, reader: AzureReader, resource: dict[str, Any], kind: AzureKind) -> list[CloudControl]:
        controls = [inventory.network_control(resource)]
        key = inventory.key_auth_control(resource)
        if key is not None:
            controls.append(key)
        if reads(kind, str(resource.get("type", "")), "diagnostics"):
            controls.append(inventory.diagnostics_control(resource, self._diagnostics(reader, resource)))
        return controls

    def _account_task(self, clients: ClientFactory, account: dict[str, Any], kind: AzureKind) -> _Output:
        """An Azure OpenAI or AI services account: one system per model deployment."""
        out = _Output()
        reader = AzureReader(clients, out.coverage)
        deployments, _ = reader.deployments(account)
        policies_list, policies_ok = reader.rai_policies(account)
        policies = {str(p.get("name")): p for p in policies_list} if policies_ok else None
        for deployment in deployments:
            observation = inventory.deployment_observation(account, deployment)
            out.findings.observations.append(observation)
            out.findings.controls.append(inventory.content_filter_control(account, deployment, policies))
            out.findings.controls.append(inventory.version_control(account, deployment))
            out.known[str(observation.system_hint).lower()] = (str(observation.system_hint), observation.provider)
        if not deployments:  # an idle account, or one whose deployments could not be listed
            out.findings.observations.extend(inventory.resource_observation(account, kind))
        out.findings.controls.extend(self._resource_controls(reader, account, kind))
        return out

    def _activity_task(self, clients: ClientFactory, sub: str, start: datetime, end: datetime,
                       known: dict[str, tuple[str, str]]) -> _Output:
        out = _Output()
        out.findings.observations.extend(read_activity(AzureReader(clients, out.coverage), sub, start, end, known))
        return out

    def _requests_task(self, client: Any, workspace: str, known: dict[str, tuple[str, str]]) -> _Output:
        out = _Output()
        out.findings.observations.extend(read_requests(client, workspace, self.days, out.coverage, known))
        return out

    # -- putting it together ---------------------------------------------------------------
    def _assemble(self, clients: ClientFactory, coverage: CoverageTable, outputs: list[_Output],
                  subscriptions: list[str]) -> CloudScanResult:
        result = CloudScanResult(cloud="Azure", scope_label="subscription")
        for out in outputs:
            for row in out.coverage.rows():
                coverage.record(*row.key(), row.status, items=row.items, message=row.message, calls=row.calls,
                                required=row.required)
            result.observations.extend(out.findings.observations)
            result.controls.extend(out.findings.controls)
        result.coverage = coverage.rows()
        result.issues = coverage_issues(result.coverage, CONNECTOR_NAME, target_of)
        result.targets = [target_of(sub) for sub in subscriptions if coverage.complete(sub)]
        result.requests_by_method = dict(clients.log.by_method)
        result.max_in_flight = clients.log.max_in_flight
        usage = [o for o in result.observations if o.signal in ("azure.activity-log", "azure.request-log")]
        management = sum(o.count for o in usage if o.signal == "azure.activity-log")
        requests = sum(o.count for o in usage if o.signal == "azure.request-log")
        if not self.days:
            result.usage_note = "Azure usage: not read (--days 0)."
        else:
            result.usage_note = (f"Azure usage over {min(self.days, ACTIVITY_MAX_DAYS)} day(s): {management} Activity "
                                 "Log management event(s); " +
                                 (f"{requests} model request(s) from {len(self.log_analytics)} Log Analytics "
                                  "workspace(s)." if self.log_analytics else
                                  "model requests not read (pass --log-analytics WORKSPACE_ID)."))
        result.count("azure.subscriptions", len(subscriptions))
        result.count("azure.resource_observations", len(result.observations) - len(usage))
        result.count("azure.controls", len(result.controls))
        result.count("azure.api_calls", sum(r.calls for r in result.coverage))
        result.count("azure.http_requests", clients.log.total)
        result.count("azure.max_in_flight", clients.log.max_in_flight)
        return result
