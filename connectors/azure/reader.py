"""Every Azure call aims makes, each recorded in the coverage table.

A failure never escapes as an exception: it becomes a coverage row (denied, throttled,
unavailable, failed) and whatever pages were read before it are kept. Pages are followed to
the end: Resource Graph by `$skipToken`, ARM listings by `nextLink`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.azure.arm import ClientFactory
from connectors.azure.guard import ReadOnlyViolation
from connectors.coverage import GLOBAL_REGION, CoverageStatus, CoverageTable

GRAPH_PAGE_SIZE = 1000  # Resource Graph's maximum page
_DENIED_CODES = frozenset({"authorizationfailed", "invalidauthenticationtoken", "subscriptionnotfound",
                           "invalidsubscriptionid", "linkedauthorizationfailed", "forbidden",
                           "authenticationfailed", "expiredauthenticationtoken", "disabledsubscription"})
_UNAVAILABLE_CODES = frozenset({"missingsubscriptionregistration", "noregisteredproviderfound",
                                "resourcetypenotsupported", "featurenotsupported"})


class TruncatedResult(RuntimeError):
    """Resource Graph returned part of a result with no way to page on: the listing is incomplete."""


def classify_error(exc: BaseException) -> tuple[CoverageStatus, str]:
    """Map an azure-core or azure-identity exception to a coverage status and a short message."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError

    if isinstance(exc, ReadOnlyViolation):
        if exc.is_provider_registration:
            return CoverageStatus.UNAVAILABLE, (f"resource provider not registered in this subscription "
                                                f"(aims refused the SDK's automatic registration: {exc.path})")
        raise exc  # any other write is a bug in aims, never a coverage gap: stop loudly
    if isinstance(exc, ClientAuthenticationError) and getattr(exc, "status_code", None) is None:
        return CoverageStatus.DENIED, f"no usable credential: {_first_line(exc)}"
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        error = getattr(exc, "error", None)
        code = str(getattr(error, "code", "") or "")
        message = f"HTTP {status} {code}: {_first_line(getattr(error, 'message', None) or exc.reason or '')}".strip()
        if status in (401, 403) or code.lower() in _DENIED_CODES:
            return CoverageStatus.DENIED, message
        if status == 429:
            return CoverageStatus.THROTTLED, message + " (after retries that honoured Retry-After)"
        if code.lower() in _UNAVAILABLE_CODES:
            return CoverageStatus.UNAVAILABLE, message
        return CoverageStatus.FAILED, message
    if isinstance(exc, ServiceRequestError):
        return CoverageStatus.FAILED, f"endpoint unreachable: {_first_line(exc)}"
    return CoverageStatus.FAILED, f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(value: Any) -> str:
    text = str(value).strip()
    return text.splitlines()[0][:200] if text else ""


class AzureReader:
    """The calls of one task, recorded against one coverage table (no shared mutable state)."""

    def __init__(self, clients: ClientFactory, coverage: CoverageTable) -> None:
        self.clients = clients
        self.coverage = coverage

    def _record(self, scope: str, region: str, service: str, operation: str, status: CoverageStatus,
                *, items: int = 0, message: str = "", calls: int = 1) -> None:
        self.coverage.record(scope, region, service, operation, status, items=items, message=message, calls=calls)

    # -- Resource Graph -----------------------------------------------------------------
    def graph(self, query: str, scope: str, operation: str,
              subscriptions: list[str] | None = None) -> tuple[list[dict[str, Any]], bool]:
        """Every row of a Resource Graph query, page by page with skip tokens."""
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        client = self.clients.graph()
        rows: list[dict[str, Any]] = []
        calls = 0
        token: str | None = None
        seen: set[str] = set()
        try:
            while True:
                options = QueryRequestOptions(result_format="objectArray", top=GRAPH_PAGE_SIZE, skip_token=token)
                calls += 1
                response = client.resources(QueryRequest(subscriptions=subscriptions, query=query, options=options))
                data = response.data or []
                rows.extend(r for r in data if isinstance(r, dict))
                token = response.skip_token
                if not token and str(response.result_truncated).lower() == "true":
                    raise TruncatedResult(f"Resource Graph truncated the result at {len(rows)} of "
                                          f"{response.total_records} rows and gave no skip token")
                if not token or token in seen:
                    break
                seen.add(token)
        except Exception as exc:
            status, message = classify_error(exc)
            self._record(scope, GLOBAL_REGION, "resourcegraph", operation, status, items=len(rows),
                         message=message, calls=calls)
            return rows, False
        self._record(scope, GLOBAL_REGION, "resourcegraph", operation, CoverageStatus.OK, items=len(rows), calls=calls)
        return rows, True

    # -- Cognitive Services (azure-mgmt-cognitiveservices) --------------------------------
    def _sdk_list(self, pager: Any, scope: str, region: str, service: str,
                  operation: str) -> tuple[list[dict[str, Any]], bool]:
        items: list[dict[str, Any]] = []
        calls = 0
        try:
            for page in pager.by_page():
                calls += 1
                items.extend(item.serialize(keep_readonly=True) for item in page)
        except Exception as exc:
            status, message = classify_error(exc)
            self._record(scope, region, service, operation, status, items=len(items), message=message,
                         calls=max(calls, 1))
            return items, False
        self._record(scope, region, service, operation, CoverageStatus.OK, items=len(items), calls=max(calls, 1))
        return items, True

    def deployments(self, account: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        sub, group, name, region = _parts(account)
        client = self.clients.cognitive(sub)
        return self._sdk_list(client.deployments.list(group, name), sub, region, "cognitiveservices",
                              "deployments.list")

    def rai_policies(self, account: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        sub, group, name, region = _parts(account)
        client = self.clients.cognitive(sub)
        return self._sdk_list(client.rai_policies.list(group, name), sub, region, "cognitiveservices",
                              "raiPolicies.list")

    # -- plain ARM reads (azure-mgmt-core) -------------------------------------------------
    def arm_list(self, path: str, api_version: str, scope: str, region: str, service: str, operation: str,
                 params: dict[str, str] | None = None, limit: int | None = None) -> tuple[list[dict[str, Any]], bool]:
        """A GET listing and every `nextLink` after it."""
        items: list[dict[str, Any]] = []
        calls = 0
        try:
            for page in self._arm_pages(path, {"api-version": api_version, **(params or {})}):
                calls += 1
                items.extend(v for v in page.get("value") or [] if isinstance(v, dict))
                if limit is not None and len(items) >= limit:
                    break
        except Exception as exc:
            status, message = classify_error(exc)
            self._record(scope, region, service, operation, status, items=len(items), message=message,
                         calls=calls + 1)
            return items, False
        self._record(scope, region, service, operation, CoverageStatus.OK, items=len(items), calls=calls)
        return items, True

    def _arm_pages(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        client = self.clients.arm()
        url = client.format_url(path)
        request = HttpRequest("GET", url, params=params)
        seen: set[str] = set()
        while True:
            response = client.send_request(request)
            if response.status_code >= 400:
                raise HttpResponseError(response=response, error_format=ARMErrorFormat)
            page = response.json()
            yield page
            next_link = page.get("nextLink")
            if not next_link or next_link in seen:
                return
            seen.add(next_link)
            request = HttpRequest("GET", next_link)


def _parts(resource: dict[str, Any]) -> tuple[str, str, str, str]:
    """(subscription, resource group, name, region) of a Resource Graph row."""
    rid = str(resource.get("id", ""))
    segments = rid.strip("/").split("/")
    sub = str(resource.get("subscriptionId") or (segments[1] if len(segments) > 1 else ""))
    group = str(resource.get("resourceGroup") or (segments[3] if len(segments) > 3 else ""))
    return sub, group, str(resource.get("name", "")), str(resource.get("location") or GLOBAL_REGION)
