"""Read-only, enforced in code: an azure-core pipeline policy that refuses every request that is
not a read, before it is sent, on every retry.

Reads are GET and HEAD. The POSTs allowed are a Resource Graph query and a Log Analytics
query, which read the resource index or the logs and change nothing. Everything else is refused: a PUT, PATCH or DELETE, and
also the POST actions that look harmless but are not reads of metadata (`listKeys` returns
secrets; ARM's automatic resource-provider registration writes to the subscription).

The policy sits after the retry policy, so it sees every attempt, including requests that
other policies make on their own (ARM's provider registration goes through it too).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.policies import HTTPPolicy

from connectors.coverage import CallLog

READ_METHODS = frozenset({"GET", "HEAD"})
#: POST paths that only read. Resource Graph queries are POST by design (the query is the body).
READ_ONLY_POSTS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^/providers/microsoft\.resourcegraph/resources/?$", re.IGNORECASE),
    # a Log Analytics KQL query (azure-monitor-query): reads logs, changes nothing
    re.compile(r"^(/v1)?/workspaces/[^/]+/query/?$", re.IGNORECASE),
)


class ReadOnlyViolation(RuntimeError):
    """Something tried to make a request that could change the subscription."""

    def __init__(self, message: str, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path

    @property
    def is_provider_registration(self) -> bool:
        """ARM's SDK pipeline answers a 409 MissingSubscriptionRegistration by registering the
        resource provider (a write). Refused, that means: the provider is not registered, so the
        subscription has no resources of that kind to read."""
        return self.method.upper() == "POST" and bool(_REGISTER.match(self.path))


_REGISTER = re.compile(r"^/subscriptions/[^/]+/providers/[^/]+/register/?$", re.IGNORECASE)


def is_read_only(method: str, url: str) -> bool:
    method = method.upper()
    if method in READ_METHODS:
        return True
    path = urlsplit(url).path
    return method == "POST" and any(p.match(path) for p in READ_ONLY_POSTS)


class ReadOnlyPolicy(HTTPPolicy):  # type: ignore[misc]
    def __init__(self, log: CallLog) -> None:
        super().__init__()
        self.log = log

    def send(self, request: Any) -> Any:
        http = request.http_request
        if not is_read_only(http.method, http.url):
            what = f"{http.method} {urlsplit(http.url).path}"
            self.log.refuse(what)
            raise ReadOnlyViolation(f"aims is read-only: refused {what}", http.method, urlsplit(http.url).path)
        self.log.start(http.method)
        try:
            return self.next.send(request)
        finally:
            self.log.end()
