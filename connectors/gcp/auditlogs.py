"""Usage from Cloud Audit Logs: who called Vertex AI, which endpoint or model, how often.

One `entries.list` query per project over the `data_access` audit log of
aiplatform.googleapis.com (predictions, Gemini and other publisher-model calls) and the
`activity` log (who created or changed AI resources). Data Access logs are off by default for
most services: no entries is reported as exactly that, never as "no use".

Called through google-auth's AuthorizedSession with a guard adapter mounted on it: only GET and
the read-only POST of `entries:list` reach the wire.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.coverage import GLOBAL_REGION, CallLog, CoverageStatus, CoverageTable
from connectors.gcp.guard import ReadOnlyViolation
from connectors.gcp.inventory import CONNECTOR_NAME, target_of

LOGGING_ENDPOINT = "https://logging.googleapis.com"
MAX_ENTRIES = 5000  # per project; the coverage row says when it stopped there
PAGE_SIZE = 1000
RETRIES = 4
_READ_ONLY_POSTS = (re.compile(r"^/v2/entries:list$"),)
_PUBLISHER_MODEL = re.compile(r"/publishers/([^/]+)/models/([^/:@]+)")
_ENDPOINT = re.compile(r"/locations/([^/]+)/endpoints/([^/:]+)")


def guarded_session(credentials: Any, log: CallLog) -> Any:
    """An AuthorizedSession whose every request passes the read-only check before it is sent."""
    import requests
    from google.auth.transport.requests import AuthorizedSession

    class ReadOnlyAdapter(requests.adapters.HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            path = urlsplit(request.url).path
            method = str(request.method).upper()
            if not (method in ("GET", "HEAD") or (method == "POST" and any(p.match(path) for p in _READ_ONLY_POSTS))):
                log.refuse(f"{method} {path}")
                raise ReadOnlyViolation(f"aims is read-only: refused {method} {path}")
            log.start(method)
            try:
                return super().send(request, *args, **kwargs)
            finally:
                log.end()

    session = AuthorizedSession(credentials)
    adapter = ReadOnlyAdapter(pool_connections=16, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def log_filter(project: str, start: datetime) -> str:
    logs = " OR ".join(f'logName="projects/{project}/logs/cloudaudit.googleapis.com%2F{name}"'
                       for name in ("data_access", "activity"))
    return (f'({logs}) AND protoPayload.serviceName="aiplatform.googleapis.com" '
            f'AND timestamp>="{start.strftime("%Y-%m-%dT%H:%M:%SZ")}"')


def _post(session: Any, url: str, body: dict[str, Any], backoff: float) -> Any:
    """POST with retries on 429 and 5xx (Retry-After honoured); returns the last response."""
    for attempt in range(RETRIES + 1):
        response = session.post(url, json=body, timeout=60)
        if response.status_code not in (429, 500, 502, 503, 504) or attempt == RETRIES:
            return response
        wait = response.headers.get("Retry-After")
        try:
            delay = float(wait) if wait is not None else backoff * (2 ** attempt)
        except ValueError:
            delay = backoff * (2 ** attempt)
        time.sleep(min(delay, 60.0))
    return response


def _status(response: Any) -> tuple[CoverageStatus, str]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    reasons = {str(d.get("reason")) for d in error.get("details") or [] if isinstance(d, dict)}
    message = f"HTTP {response.status_code} {error.get('status') or ''}: {str(error.get('message') or '')[:200]}"
    if "SERVICE_DISABLED" in reasons or "it is disabled" in str(error.get("message", "")):
        return CoverageStatus.UNAVAILABLE, message + " (the Cloud Logging API is off in this project)"
    if response.status_code in (401, 403):
        return CoverageStatus.DENIED, message
    if response.status_code == 429:
        return CoverageStatus.THROTTLED, message + " (after retries)"
    return CoverageStatus.FAILED, message


def read_usage(session: Any, endpoint: str, project: str, start: datetime, coverage: CoverageTable,
               known: dict[str, str], backoff: float = 1.0) -> tuple[list[Observation], int]:
    """(observations, entries read). `known` maps an endpoint's "location/id" to its asset name."""
    url = endpoint.rstrip("/") + "/v2/entries:list"
    body: dict[str, Any] = {"resourceNames": [f"projects/{project}"], "filter": log_filter(project, start),
                            "orderBy": "timestamp desc", "pageSize": PAGE_SIZE}
    entries: list[dict[str, Any]] = []
    calls = 0
    status, message = CoverageStatus.OK, ""
    try:
        while True:
            calls += 1
            response = _post(session, url, body, backoff)
            if response.status_code >= 400:
                status, message = _status(response)
                break
            page = response.json()
            entries.extend(e for e in page.get("entries") or [] if isinstance(e, dict))
            token = page.get("nextPageToken")
            if len(entries) >= MAX_ENTRIES:
                status, message = CoverageStatus.OK, f"stopped after {MAX_ENTRIES} entries: counts are a lower bound"
                break
            if not token:
                break
            body["pageToken"] = token
    except ReadOnlyViolation:
        raise
    except Exception as exc:  # the endpoint unreachable, a broken answer: a coverage row, never a crash
        status, message = CoverageStatus.FAILED, f"{type(exc).__name__}: {str(exc)[:200]}"
    coverage.record(project, GLOBAL_REGION, "logging", "entries.list", status, items=len(entries), message=message,
                    calls=calls)
    return _fold(project, entries, known), len(entries)


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _fold(project: str, entries: list[dict[str, Any]], known: dict[str, str]) -> list[Observation]:
    groups: dict[tuple[str, str | None, str, str], list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        payload = entry.get("protoPayload") or {}
        resource = str(payload.get("resourceName") or "")
        principal = str((payload.get("authenticationInfo") or {}).get("principalEmail") or "")
        labels = (entry.get("resource") or {}).get("labels") or {}
        region = str(labels.get("location") or GLOBAL_REGION)
        publisher = _PUBLISHER_MODEL.search(resource)
        endpoint = _ENDPOINT.search(resource)
        if publisher:  # Gemini and other publisher models: one system per (project, model)
            model = publisher.group(2)
            scope = f"gcp/{project}/publisher-model/{publisher.group(1)}/{model}"
        elif endpoint:
            model = None
            scope = known.get(f"{endpoint.group(1)}/{endpoint.group(2)}") or \
                f"//aiplatform.googleapis.com/projects/{project}/locations/{endpoint.group(1)}/endpoints/{endpoint.group(2)}"
        else:
            model = None
            scope = f"gcp/{project}/{region}/vertex-management"
        groups[(scope, model, principal, region)].append(entry)
    observations = []
    for (scope, model, principal, region), members in sorted(groups.items(), key=lambda g: (g[0][0], g[0][2])):
        methods = sorted({str((e.get("protoPayload") or {}).get("methodName") or "?").rsplit(".", 1)[-1]
                          for e in members})
        times = [t for e in members if (t := _time(e.get("timestamp")))]
        what = f"model {model}" if model else scope.rsplit("/", 2)[-1] if scope.startswith("gcp/") else \
            "endpoint " + scope.rsplit("/", 1)[-1]
        observations.append(Observation(
            source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal="gcp.audit-log", provider="google-vertex-ai",
            category=Category.LLM_API if model else Category.CLOUD_AI_SERVICE, target=target_of(project),
            location=Location(account=project, region=region, arn=scope if scope.startswith("//") else None),
            identity=redact(principal)[:200] or None, model=model,
            evidence=redact(f"{len(members)} Vertex AI call(s) to {what} by {principal or 'an unnamed caller'}: "
                            f"{', '.join(methods[:4])}" + (", ..." if len(methods) > 4 else ""))[:300],
            confidence=Confidence.HIGH, first_seen=min(times, default=None), last_seen=max(times, default=None),
            count=len(members), system_hint=scope, attributes={"resource_type": "audit-log"}))
    return observations


def window_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
