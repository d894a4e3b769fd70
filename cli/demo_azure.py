"""DEMO ONLY: a local stand-in for the Azure endpoints `aims discover azure` calls, serving a
fixture file on 127.0.0.1, so `aims demo` can show Azure discovery offline.

The product never uses this in normal operation: `aims discover azure` talks to Azure Resource
Manager (or the endpoint the user names). `aims demo` starts this server, points the command at
it with `--arm-endpoint`, and gives the standard credential chain a local managed-identity
endpoint (App Service's IDENTITY_ENDPOINT/IDENTITY_HEADER), so the very same code path runs.
The tests and the Azure benchmark use it too, with its fault injection (pages, 429 with
Retry-After, 403 on chosen subscriptions or paths, 5xx, latency).

It speaks HTTPS with a throw-away self-signed certificate for 127.0.0.1, which the client
trusts through REQUESTS_CA_BUNDLE (bearer tokens are never sent over plain HTTP).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import re
import ssl
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

_TYPES = re.compile(r"'([a-z0-9./]+)'", re.IGNORECASE)
_SUB = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
MSI_PATH = "/msi/token"
MSI_HEADER = "aims-demo"


@dataclass
class Faults:
    page_size: int = 1000  # rows per Resource Graph page and per ARM listing page
    throttle_first: int = 0  # the first N requests of each path answer 429 with Retry-After
    retry_after: str = "0"
    fail_first: int = 0  # the first N requests of each path answer 503
    denied_subscriptions: frozenset[str] = frozenset()  # listed, but every read inside answers 403
    hidden_subscriptions: frozenset[str] = frozenset()  # not listed at all (no role on them)
    denied_paths: tuple[str, ...] = ()  # substrings of a path that answer 403
    truncate_graph: bool = False  # Resource Graph answers resultTruncated with no skip token
    unregistered_paths: tuple[str, ...] = ()  # substrings of a path that answer 409 MissingSubscriptionRegistration
    latency: tuple[float, float] = (0.0, 0.0)  # seconds, uniform per request
    seed: int = 7


@dataclass
class Request:
    method: str
    path: str
    status: int
    authorised: bool
    query: str = ""


@dataclass
class World:
    """The fixture: subscriptions, Resource Graph rows and the per-resource ARM listings."""

    subscriptions: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    listings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # lower-cased path -> items
    activity: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subscription -> events
    requests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # Log Analytics workspace -> rows

    @classmethod
    def load(cls, path: Path) -> "World":
        data = json.loads(path.read_text("utf-8"))
        return cls(subscriptions=data.get("subscriptions", []), resources=data.get("resources", []),
                   listings={k.lower(): v for k, v in data.get("listings", {}).items()},
                   activity=data.get("activity", {}), requests=data.get("requests", {}))


def _certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aims local fake")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class FakeAzure:
    """Start with `with FakeAzure(world) as fake:`; `fake.endpoint`, `fake.env()`, `fake.requests`."""

    def __init__(self, world: World, faults: Faults | None = None) -> None:
        self.world = world
        self.faults = faults or Faults()
        self.requests: list[Request] = []
        self.log_queries: list[str] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._random = random.Random(self.faults.seed)
        self._dir = tempfile.TemporaryDirectory(prefix="aims-fake-azure-")
        self.cert_path, key_path = _certificate(Path(self._dir.name))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """What the client process needs: trust the certificate; a managed-identity endpoint."""
        return {"REQUESTS_CA_BUNDLE": str(self.cert_path), "IDENTITY_ENDPOINT": self.endpoint + MSI_PATH,
                "IDENTITY_HEADER": MSI_HEADER}

    def __enter__(self) -> "FakeAzure":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._dir.cleanup()

    def calls(self, method: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.path != MSI_PATH and (method is None or r.method == method)]

    # -- request handling ------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return None

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake._lock:
                    fake._in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake._in_flight)
                    delay = fake._random.uniform(*fake.faults.latency)
                try:
                    if delay:
                        time.sleep(delay)
                    status, payload, headers = fake.respond(self.command, self.path, body, dict(self.headers))
                finally:
                    with fake._lock:
                        fake._in_flight -= 1
                data = json.dumps(payload).encode()
                with fake._lock:
                    fake.requests.append(Request(self.command, urlsplit(self.path).path, status,
                                                 bool(self.headers.get("Authorization")), urlsplit(self.path).query))
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        return Handler

    def respond(self, method: str, raw_path: str, body: bytes,
                headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        url = urlsplit(raw_path)
        path, query = url.path, parse_qs(url.query)
        if path == MSI_PATH:
            expires = int(time.time()) + 3600
            return 200, {"access_token": "demo-token-not-a-secret", "expires_on": str(expires),
                         "resource": (query.get("resource") or [""])[0], "token_type": "Bearer"}, {}
        log_query = re.match(r"^/v1/workspaces/([^/]+)/query$", path)
        if method not in ("GET", "HEAD") and not (method == "POST" and (log_query or path.lower().endswith(
                "/providers/microsoft.resourcegraph/resources"))):
            return 405, _error("MethodNotAllowed", f"the local fake serves reads only, not {method}"), {}
        with self._lock:
            self._seen[path] += 1
            seen = self._seen[path]
        if seen <= self.faults.throttle_first:
            return 429, _error("TooManyRequests", "throttled by the local fake"), {"Retry-After": self.faults.retry_after}
        if seen <= self.faults.throttle_first + self.faults.fail_first:
            return 503, _error("ServiceUnavailable", "the local fake failed on purpose"), {}
        if any(p.lower() in path.lower() for p in self.faults.denied_paths):
            return 403, _error("AuthorizationFailed", f"The client does not have authorization over scope '{path}'"), {}
        if any(p.lower() in path.lower() for p in self.faults.unregistered_paths):
            return 409, _error("MissingSubscriptionRegistration", "The subscription is not registered to use namespace "
                                                                  "'Microsoft.CognitiveServices'"), {}
        if path.lower().endswith("/providers/microsoft.resourcegraph/resources"):
            return self._graph(json.loads(body or b"{}"))
        if log_query:
            return self._logs(log_query.group(1), json.loads(body or b"{}"))
        match = _SUB.match(path)
        if match and match.group(1) in self.faults.denied_subscriptions:
            return 403, _error("AuthorizationFailed", f"The client does not have authorization over scope "
                                                       f"'/subscriptions/{match.group(1)}'"), {}
        if path.lower().endswith("/providers/microsoft.insights/eventtypes/management/values"):
            sub = match.group(1) if match else ""
            wanted = re.search(r"resourceProvider eq '([^']+)'", (query.get("$filter") or [""])[0])
            events = [e for e in self.world.activity.get(sub, [])
                      if not wanted or str(e.get("resourceId", "")).lower().find(
                          f"/providers/{wanted.group(1).lower()}/") >= 0]
            return self._page(events, raw_path, query)
        items = self.world.listings.get(path.lower().rstrip("/"))
        if items is None and path.lower().endswith(("/deployments", "/raipolicies", "/diagnosticsettings", "/models")):
            items = []
        if items is None:
            return 404, _error("ResourceNotFound", f"nothing at {path}"), {}
        return self._page(items, raw_path, query)

    def _page(self, items: list[dict[str, Any]], raw_path: str, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        start = int((query.get("skip") or ["0"])[0])
        size = self.faults.page_size
        page: dict[str, Any] = {"value": items[start:start + size]}
        if start + size < len(items):
            url = urlsplit(raw_path)
            rest = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "skip")
            page["nextLink"] = f"{self.endpoint}{url.path}?{rest}&skip={start + size}"
        return 200, page, {}

    def _logs(self, workspace: str, request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        """The KQL is not run: the fixture holds the rows it would return (a Log Analytics table)."""
        self.log_queries.append(str(request.get("query", "")))
        if workspace not in self.world.requests:
            return 404, _error("WorkspaceNotFound", f"no workspace {workspace}"), {}
        rows = self.world.requests[workspace]
        names = ["resource_id", "deployment", "principal", "requests", "first_seen", "last_seen"]
        types = ["string", "string", "string", "long", "datetime", "datetime"]
        table = {"name": "PrimaryResult", "columns": [{"name": n, "type": t} for n, t in zip(names, types)],
                 "rows": [[row.get(n) for n in names] for row in rows]}
        return 200, {"tables": [table]}, {}

    def _graph(self, request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        subs = request.get("subscriptions") or []
        denied = [s for s in subs if s in self.faults.denied_subscriptions]
        if denied:
            return 403, _error("AuthorizationFailed", f"The client does not have authorization to perform "
                                                      f"'Microsoft.ResourceGraph/resources/read' over "
                                                      f"'/subscriptions/{denied[0]}'"), {}
        text = str(request.get("query", ""))
        if text.lower().startswith("resourcecontainers"):
            rows = [s for s in self.world.subscriptions if s.get("subscriptionId") not in self.faults.hidden_subscriptions]
        else:
            types = {t.lower() for t in _TYPES.findall(text)}
            readable = {str(s.get("subscriptionId")) for s in self.world.subscriptions} - self.faults.hidden_subscriptions
            rows = [r for r in self.world.resources if str(r.get("type", "")).lower() in types
                    and (r.get("subscriptionId") in subs if subs else r.get("subscriptionId") in readable)
                    and r.get("subscriptionId") not in self.faults.hidden_subscriptions]
            rows.sort(key=lambda r: str(r.get("id", "")))
        options = request.get("options") or {}
        token = options.get("$skipToken")
        start = int(base64.b64decode(token).decode()) if token else 0
        size = min(int(options.get("$top") or 1000), self.faults.page_size)
        page = rows[start:start + size]
        response: dict[str, Any] = {"totalRecords": len(rows), "count": len(page), "data": page, "facets": [],
                                    "resultTruncated": "false"}
        if start + size < len(rows):
            if self.faults.truncate_graph:
                response["resultTruncated"] = "true"
            else:
                response["$skipToken"] = base64.b64encode(str(start + size).encode()).decode()
        return 200, response, {}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
