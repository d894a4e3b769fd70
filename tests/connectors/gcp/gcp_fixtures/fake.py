"""A local stand-in for the two Google endpoints the GCP connector calls (Cloud Asset ListAssets
and Resource Manager projects:search) plus an OAuth token endpoint for a service-account key,
on 127.0.0.1, with page tokens, 429s, 5xx, a denied project and a project whose API is off."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Faults:
    page_size: int = 1000
    throttle_first: int = 0
    fail_first: int = 0
    disabled_projects: frozenset[str] = frozenset()
    denied_projects: frozenset[str] = frozenset()
    logging_denied: frozenset[str] = frozenset()


@dataclass
class Seen:
    method: str
    path: str
    status: int
    authorised: bool


@dataclass
class FakeGoogle:
    projects: dict[str, list[dict[str, Any]]]  # project id -> assets
    faults: Faults = field(default_factory=Faults)
    audit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # project id -> log entries
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.log_filters: list[str] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload = fake.respond(self.command, self.path, body)
                with fake._lock:
                    fake.requests.append(Seen(self.command, urlsplit(self.path).path, status,
                                              bool(self.headers.get("Authorization"))))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeGoogle":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self) -> list[Seen]:
        return [r for r in self.requests if r.path != "/token"]

    def respond(self, method: str, raw: str, body: bytes = b"") -> tuple[int, Any]:
        url = urlsplit(raw)
        path, query = url.path, parse_qs(url.query)
        if path == "/token" and method == "POST":
            return 200, {"access_token": "test-token-not-a-secret", "expires_in": 3600, "token_type": "Bearer"}
        logging_list = method == "POST" and path == "/v2/entries:list"
        if method != "GET" and not logging_list:
            return 405, _error(405, "METHOD_NOT_ALLOWED", "reads only")
        with self._lock:
            self._seen[path] += 1
            seen = self._seen[path]
        if seen <= self.faults.throttle_first:
            return 429, _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'List assets requests'")
        if seen <= self.faults.throttle_first + self.faults.fail_first:
            return 503, _error(503, "UNAVAILABLE", "The service is currently unavailable.")
        if logging_list:
            request = json.loads(body or b"{}")
            project = request["resourceNames"][0].split("/", 1)[1]
            self.log_filters.append(request.get("filter", ""))
            if project in self.faults.logging_denied:
                return 403, _error(403, "PERMISSION_DENIED", "Permission 'logging.privateLogEntries.list' denied")
            return 200, self._page(self.audit.get(project, []), "entries", {"pageToken": [request.get("pageToken", "")]})
        if path == "/v3/projects:search":
            projects = [{"name": f"projects/{100 + n}", "projectId": p, "state": "ACTIVE", "displayName": p}
                        for n, p in enumerate(sorted(self.projects))]
            return 200, self._page(projects, "projects", query)
        if path.startswith("/v1/projects/") and path.endswith("/assets"):
            project = path.split("/")[3]
            if project in self.faults.disabled_projects:
                return 403, {"error": {"code": 403, "status": "PERMISSION_DENIED",
                                       "message": f"Cloud Asset API has not been used in project {project} before or "
                                                  "it is disabled. Enable it by visiting the console then retry.",
                                       "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                    "reason": "SERVICE_DISABLED", "domain": "googleapis.com",
                                                    "metadata": {"service": "cloudasset.googleapis.com",
                                                                 "consumer": f"projects/{project}"}}]}}
            if project in self.faults.denied_projects:
                return 403, _error(403, "PERMISSION_DENIED",
                                   f"The caller does not have permission cloudasset.assets.listResource on {project}")
            return 200, self._page(self.projects.get(project, []), "assets", query,
                                   extra={"readTime": "2026-12-03T08:00:00Z"})
        return 404, _error(404, "NOT_FOUND", f"nothing at {path}")

    def _page(self, items: list[Any], key: str, query: dict[str, list[str]],
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
        start = int((query.get("pageToken") or ["0"])[0] or 0)
        size = self.faults.page_size
        page = {key: items[start:start + size], **(extra or {})}
        if start + size < len(items):
            page["nextPageToken"] = str(start + size)
        return page


def _error(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "status": status, "message": message}}


def asset(project_number: str, region: str, asset_type: str, resource_id: str, data: dict[str, Any]) -> dict[str, Any]:
    service, kind = asset_type.split("/")
    collection = {"Endpoint": "endpoints", "Model": "models", "CustomJob": "customJobs", "Instance": "instances",
                  "Agent": "agents", "Processor": "processors", "PipelineJob": "pipelineJobs"}[kind]
    name = f"projects/{project_number}/locations/{region}/{collection}/{resource_id}"
    return {"name": f"//{service}/{name}", "assetType": asset_type,
            "resource": {"version": "v1", "discoveryName": kind, "parent": f"//cloudresourcemanager.googleapis.com/"
                         f"projects/{project_number}", "data": {"name": name, **data}, "location": region},
            "ancestors": [f"projects/{project_number}"], "updateTime": "2026-11-30T12:00:00Z"}


def seeded() -> dict[str, list[dict[str, Any]]]:
    """Two projects: acme-ml (every kind, two regions) and acme-labs (whose Cloud Asset API is off)."""
    n = "123456789"
    model = asset(n, "europe-west4", "aiplatform.googleapis.com/Model", "111",
                  {"displayName": "churn-xgb", "versionId": "3", "createTime": "2026-10-01T00:00:00Z"})
    endpoint = asset(n, "europe-west4", "aiplatform.googleapis.com/Endpoint", "222", {
        "displayName": "churn-endpoint", "createTime": "2026-10-02T00:00:00Z",
        "deployedModels": [{"id": "9", "model": f"projects/{n}/locations/europe-west4/models/111",
                            "modelVersionId": "3",
                            "dedicatedResources": {"machineSpec": {"machineType": "n1-standard-4"}, "minReplicaCount": 1}}],
        "predictRequestResponseLoggingConfig": {"enabled": True, "samplingRate": 0.5,
                                                "bigqueryDestination": {"outputUri": "bq://acme-ml.logs.churn"}}})
    public_endpoint = asset(n, "us-central1", "aiplatform.googleapis.com/Endpoint", "333", {
        "displayName": "summariser", "deployedModels": [{"id": "8", "model": f"projects/{n}/locations/us-central1/models/444",
                                                         "displayName": "gemma-2b-it"}],
        "privateServiceConnectConfig": {"enablePrivateServiceConnect": False}})
    jobs = [asset(n, "us-central1", "aiplatform.googleapis.com/CustomJob", f"50{i}", {"displayName": f"train-{i}",
                                                                                       "createTime": "2026-11-0{0}T00:00:00Z".format(i + 1)})
            for i in range(3)]
    notebook = asset(n, "europe-west4", "notebooks.googleapis.com/Instance", "ws-1", {"createTime": "2026-09-01T00:00:00Z"})
    agent = asset(n, "global", "dialogflow.googleapis.com/Agent", "agent-1", {"displayName": "helpdesk-agent"})
    processor = asset(n, "eu", "documentai.googleapis.com/Processor", "proc-1", {"displayName": "invoice-parser",
                                                                                  "type": "INVOICE_PROCESSOR"})
    return {"acme-ml": [model, endpoint, public_endpoint, *jobs, notebook, agent, processor],
            "acme-labs": [asset("987654321", "us-central1", "aiplatform.googleapis.com/Endpoint", "777",
                                {"displayName": "hidden"})]}


def audit_entry(project: str, resource: str, method: str, principal: str, when: str, location: str) -> dict[str, Any]:
    """A Cloud Audit Logs LogEntry (data_access) as the Logging API returns it."""
    return {"logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2Fdata_access",
            "resource": {"type": "audited_resource", "labels": {"service": "aiplatform.googleapis.com",
                                                                "method": method, "project_id": project,
                                                                "location": location}},
            "timestamp": when, "severity": "INFO", "insertId": f"{when}-{principal}",
            "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                             "serviceName": "aiplatform.googleapis.com", "methodName": method,
                             "resourceName": resource, "authenticationInfo": {"principalEmail": principal},
                             "requestMetadata": {"callerIp": "10.0.0.1"}}}


def seeded_audit() -> dict[str, list[dict[str, Any]]]:
    """acme-ml: Gemini calls by two principals and predictions on the churn endpoint."""
    gemini = "projects/acme-ml/locations/europe-west4/publishers/google/models/gemini-1.5-flash-002"
    churn = "projects/123456789/locations/europe-west4/endpoints/222"
    entries = [audit_entry("acme-ml", gemini, "google.cloud.aiplatform.v1.PredictionService.GenerateContent",
                           "analyst@acme.example", f"2026-12-0{d}T10:00:00Z", "europe-west4") for d in (1, 2, 2)]
    entries.append(audit_entry("acme-ml", gemini, "google.cloud.aiplatform.v1.PredictionService.GenerateContent",
                               "bot@acme-ml.iam.gserviceaccount.com", "2026-12-02T11:00:00Z", "europe-west4"))
    entries += [audit_entry("acme-ml", churn, "google.cloud.aiplatform.v1.PredictionService.Predict",
                            "scoring@acme-ml.iam.gserviceaccount.com", "2026-12-02T12:00:00Z", "europe-west4")] * 2
    return {"acme-ml": entries}
