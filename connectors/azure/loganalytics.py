"""Usage from diagnostic logs in Log Analytics: request counts by deployment and principal.

Azure OpenAI and AI services write one RequestResponse record per call when a diagnostic
setting sends them to a Log Analytics workspace. One KQL query (azure-monitor-query) folds them
into (resource, deployment, principal) counts, so the inventory shows who calls which
deployment, not only that it exists. Callers that use API keys carry no identity claim: they
are counted as such, which is itself evidence for the key-auth control.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.azure.inventory import CONNECTOR_NAME, target_of
from connectors.azure.reader import classify_error
from connectors.coverage import GLOBAL_REGION, CoverageStatus, CoverageTable

PUBLIC_ENDPOINT = "https://api.loganalytics.io"
MAX_ROWS = 5000
KEY_CALLERS = "key-based or unidentified callers"

#: column_ifexists keeps the query valid whichever identity columns the workspace has.
REQUEST_QUERY = """AzureDiagnostics
| where ResourceProvider == "MICROSOFT.COGNITIVESERVICES" and Category == "RequestResponse"
| extend deployment = tostring(parse_json(properties_s).modelDeploymentName)
| extend principal = coalesce(tostring(column_ifexists("identity_claim_upn_s", "")),
                              tostring(column_ifexists("identity_claim_appid_g", "")),
                              tostring(column_ifexists("identity_claim_oid_g", "")))
| summarize requests = count(), first_seen = min(TimeGenerated), last_seen = max(TimeGenerated)
    by resource_id = tolower(_ResourceId), deployment, principal
| order by requests desc
| take %d""" % MAX_ROWS


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def query_client(clients: Any, endpoint: str) -> Any:
    from azure.monitor.query import LogsQueryClient

    from connectors.azure.guard import ReadOnlyPolicy

    return LogsQueryClient(clients.credential, endpoint=endpoint.rstrip("/"),
                           per_retry_policies=[ReadOnlyPolicy(clients.log)], retry_total=clients.retry.total,
                           retry_backoff_factor=clients.retry.backoff_factor,
                           retry_backoff_max=clients.retry.backoff_max, transport=clients._transport())


def read_requests(client: Any, workspace: str, days: int, coverage: CoverageTable,
                  known: dict[str, tuple[str, str]]) -> list[Observation]:
    """One observation per (resource or deployment, principal) with its request count."""
    from azure.monitor.query import LogsQueryStatus

    rows: list[dict[str, Any]] = []
    try:
        response = client.query_workspace(workspace, REQUEST_QUERY, timespan=timedelta(days=max(days, 1)))
        if response.status == LogsQueryStatus.PARTIAL:
            tables, error = response.partial_data, response.partial_error
            coverage.record(workspace, GLOBAL_REGION, "loganalytics", "query", CoverageStatus.FAILED, calls=0,
                            message=f"partial result: {getattr(error, 'message', error)}"[:200])
        else:
            tables = response.tables
        for table in tables:
            rows.extend(dict(zip(table.columns, row)) for row in table.rows)
    except Exception as exc:
        status, message = classify_error(exc)
        coverage.record(workspace, GLOBAL_REGION, "loganalytics", "query", status, message=message)
        return []
    coverage.record(workspace, GLOBAL_REGION, "loganalytics", "query", CoverageStatus.OK, items=len(rows))
    return [_observation(row, workspace, known) for row in rows if row.get("resource_id")]


def _observation(row: dict[str, Any], workspace: str, known: dict[str, tuple[str, str]]) -> Observation:
    resource = str(row.get("resource_id") or "")
    deployment = str(row.get("deployment") or "")
    principal = str(row.get("principal") or "")
    wanted = f"{resource}/deployments/{deployment}".lower() if deployment else resource.lower()
    scope, provider = known.get(wanted) or known.get(resource.lower()) or (resource, "azure-openai")
    parts = resource.strip("/").split("/")
    subscription = parts[1] if len(parts) > 1 else ""
    requests = int(row.get("requests") or 0)
    who = principal or KEY_CALLERS
    return Observation(
        source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal="azure.request-log", provider=provider,
        category=Category.LLM_API, target=target_of(subscription), location=Location(account=subscription, arn=scope),
        identity=redact(principal)[:200] or None, model=deployment or None,
        evidence=redact(f"{requests} request(s)" + (f" to deployment '{deployment}'" if deployment else "") +
                        f" by {who} (Log Analytics workspace {workspace})")[:300],
        confidence=Confidence.HIGH, first_seen=_time(row.get("first_seen")), last_seen=_time(row.get("last_seen")),
        count=max(requests, 1), system_hint=scope,
        attributes={"resource_type": "request-log", "requests": requests, "key_or_unidentified": not principal})
