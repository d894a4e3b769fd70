"""GCP connector: every AI asset in every project the credential can see, read-only, with
control evidence and honest coverage.

One ListAssets call per project (paged with page tokens) over a bounded thread pool. A project
whose Cloud Asset API is switched off is a coverage gap (it could not be read), never "no AI".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.base import Connector, ProgressCallback, no_progress
from connectors.coverage import GLOBAL_REGION, CloudScanResult, CoverageStatus, CoverageTable, coverage_issues
from discovery.models import SourceKind

from connectors.gcp.auditlogs import LOGGING_ENDPOINT, guarded_session, read_usage
from connectors.gcp.catalogue import ASSET_TYPE_PATTERNS
from connectors.gcp.clients import ASSET_ENDPOINT, PROJECTS_ENDPOINT, ClientFactory, RetrySettings
from connectors.gcp.guard import ReadOnlyViolation
from connectors.gcp.inventory import CONNECTOR_NAME, assets_to_findings, target_of

ALL_PROJECTS = "*"
PAGE_SIZE = 1000


def classify_error(exc: BaseException) -> tuple[CoverageStatus, str, bool]:
    """(status, message, required): `required` marks an API switched off in a project we must read."""
    from google.api_core import exceptions
    from google.auth import exceptions as auth_exceptions

    if isinstance(exc, ReadOnlyViolation):
        raise exc  # a bug in aims, never a coverage gap
    if isinstance(exc, (auth_exceptions.DefaultCredentialsError, auth_exceptions.RefreshError)):
        return CoverageStatus.DENIED, f"no usable credential: {str(exc).splitlines()[0][:200]}", False
    if isinstance(exc, exceptions.GoogleAPICallError):
        message = f"HTTP {exc.code} {getattr(exc, 'reason', '') or ''}: {str(exc.message).splitlines()[0][:200]}"
        if getattr(exc, "reason", None) in ("SERVICE_DISABLED", "API_DISABLED") or "has not been used" in str(exc.message) \
                or "it is disabled" in str(exc.message):
            return CoverageStatus.UNAVAILABLE, message + " (enable the API, then re-run)", True
        if isinstance(exc, (exceptions.Forbidden, exceptions.PermissionDenied, exceptions.Unauthenticated,
                            exceptions.Unauthorized)):
            return CoverageStatus.DENIED, message, False
        if isinstance(exc, (exceptions.TooManyRequests, exceptions.ResourceExhausted)):
            return CoverageStatus.THROTTLED, message + " (after retries)", False
        return CoverageStatus.FAILED, message, False
    from google.api_core.exceptions import RetryError

    if isinstance(exc, RetryError):
        cause = exc.cause
        if cause is not None and cause is not exc:
            status, message, required = classify_error(cause)
            return status, message + " (retries exhausted)", required
    return CoverageStatus.FAILED, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}", False


class GCPConnector(Connector):
    name = CONNECTOR_NAME
    source = SourceKind.CLOUD

    def __init__(self, credentials: Any, projects: Sequence[str] | None = None, *,
                 asset_endpoint: str = ASSET_ENDPOINT, projects_endpoint: str = PROJECTS_ENDPOINT,
                 logging_endpoint: str = LOGGING_ENDPOINT, days: int = 7, max_workers: int = 16,
                 retry: RetrySettings = RetrySettings(), clock: Callable[[], datetime] | None = None) -> None:
        """`projects`: None for every active project the credential can see. `days`: Cloud Audit
        Logs look-back for who called Vertex AI (0 skips usage)."""
        self.credentials = credentials
        self.projects = [p.strip() for p in projects or [] if p.strip()] or None
        self.asset_endpoint = asset_endpoint
        self.projects_endpoint = projects_endpoint
        self.logging_endpoint = logging_endpoint
        self.days = max(0, days)
        self.max_workers = max(1, max_workers)
        self.retry_settings = retry
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._session: Any = None

    def scan(self, targets: Sequence[str] = (), progress: ProgressCallback = no_progress) -> CloudScanResult:
        clients = ClientFactory(self.credentials, self.asset_endpoint, self.projects_endpoint, self.retry_settings)
        coverage = CoverageTable()
        wanted = list(dict.fromkeys([*(self.projects or []), *(t for t in targets if t)])) or None
        projects = wanted or self._list_projects(clients, coverage)
        result = CloudScanResult(cloud="GCP", scope_label="project")
        self._session = guarded_session(self.credentials, clients.log) if self.days else None
        self._start = self.clock() - timedelta(days=self.days)
        entries = 0
        with ThreadPoolExecutor(max_workers=self.max_workers, thread_name_prefix="aims-gcp") as pool:
            futures = {pool.submit(self._project_task, clients, project): project for project in projects}
            for done, future in enumerate(as_completed(futures), start=1):
                observations, controls, rows, read = future.result()
                entries += read
                result.observations.extend(observations)
                result.controls.extend(controls)
                for row in rows:
                    coverage.record(*row.key(), row.status, items=row.items, message=row.message, calls=row.calls,
                                    required=row.required)
                progress(f"gcp: {futures[future]}", done, len(futures))
        result.coverage = coverage.rows()
        result.issues = coverage_issues(result.coverage, CONNECTOR_NAME, target_of)
        result.targets = [target_of(p) for p in projects if coverage.complete(p)]
        result.requests_by_method = dict(clients.log.by_method)
        calls = [o for o in result.observations if o.signal == "gcp.audit-log"]
        if not self.days:
            result.usage_note = "GCP usage: not read (--days 0)."
        else:
            result.usage_note = (f"GCP usage over {self.days} day(s): {entries} Cloud Audit Log entr(ies) for Vertex AI "
                                 f"in {len(projects)} project(s), {sum(o.count for o in calls)} call(s) attributed.")
            if not entries:
                result.usage_note += (" No entries can mean no use, or Data Access audit logs for aiplatform.googleapis.com "
                                      "are off (they are by default): that is not evidence of no use.")
        result.count("gcp.projects", len(projects))
        result.count("gcp.resource_observations", len(result.observations) - len(calls))
        result.count("gcp.audit_log_entries", entries)
        result.count("gcp.controls", len(result.controls))
        result.count("gcp.api_calls", sum(r.calls for r in result.coverage))
        return result

    def _list_projects(self, clients: ClientFactory, coverage: CoverageTable) -> list[str]:
        projects: list[str] = []
        calls = 0
        try:
            pager = clients.projects().search_projects(request={"query": "state:ACTIVE"}, retry=clients.retry())
            for page in pager.pages:
                calls += 1
                projects.extend(p.project_id for p in page.projects if p.project_id)
        except Exception as exc:
            status, message, required = classify_error(exc)
            coverage.record(ALL_PROJECTS, GLOBAL_REGION, "cloudresourcemanager", "projects.search", status,
                            items=len(projects), message=message, calls=calls + 1, required=required)
            return sorted(set(projects))
        coverage.record(ALL_PROJECTS, GLOBAL_REGION, "cloudresourcemanager", "projects.search", CoverageStatus.OK,
                        items=len(projects), calls=calls)
        return sorted(set(projects))

    def _project_task(self, clients: ClientFactory, project: str) -> tuple[list[Any], list[Any], list[Any], int]:
        from google.cloud import asset_v1
        from google.protobuf.json_format import MessageToDict

        table = CoverageTable()
        assets: list[dict[str, Any]] = []
        calls = 0
        try:
            request = asset_v1.ListAssetsRequest(parent=f"projects/{project}", asset_types=list(ASSET_TYPE_PATTERNS),
                                                 content_type=asset_v1.ContentType.RESOURCE, page_size=PAGE_SIZE)
            for page in clients.assets().list_assets(request=request, retry=clients.retry()).pages:
                calls += 1
                assets.extend(MessageToDict(asset_v1.Asset.pb(a)) for a in page.assets)
        except Exception as exc:
            status, message, required = classify_error(exc)
            table.record(project, GLOBAL_REGION, "cloudasset", "assets.list", status, items=len(assets),
                         message=message, calls=calls + 1, required=required)
        else:
            table.record(project, GLOBAL_REGION, "cloudasset", "assets.list", CoverageStatus.OK, items=len(assets),
                         calls=calls)
        observations, controls = assets_to_findings(project, assets)
        read = 0
        if self._session is not None:
            endpoints = {}
            for item in assets:
                name = str(item.get("name", ""))
                if item.get("assetType") == "aiplatform.googleapis.com/Endpoint" and "/locations/" in name:
                    location, _, endpoint_id = name.split("/locations/", 1)[1].partition("/endpoints/")
                    endpoints[f"{location}/{endpoint_id}"] = name
            usage, read = read_usage(self._session, self.logging_endpoint, project, self._start, table, endpoints,
                                     backoff=self.retry_settings.initial)
            observations.extend(usage)
        return observations, controls, table.rows(), read
