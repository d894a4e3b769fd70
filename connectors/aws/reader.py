"""One service client in one (account, region), every call recorded in the coverage table.

A failure never escapes as an exception: it becomes a coverage row (denied, throttled,
unavailable, failed), and whatever pages were read before it are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore import xform_name

from connectors.aws.coverage import CoverageStatus, CoverageTable, classify_error
from connectors.aws.paginate import iter_pages


class ServiceReader:
    def __init__(self, client: Any, account: str, region: str, service: str, coverage: CoverageTable) -> None:
        self.client = client
        self.account = account
        self.region = region
        self.service = service
        self.coverage = coverage
        # Set once the service proves absent in this region (no endpoint answers): the other
        # operations are then recorded as unavailable without waiting out more DNS retries.
        self.unavailable: str | None = None

    def _skip(self, operation: str) -> bool:
        if self.unavailable is None:
            return False
        self._record(operation, CoverageStatus.UNAVAILABLE, 0, self.unavailable, 0)
        return True

    def _failed(self, operation: str, exc: BaseException, items: int, calls: int) -> None:
        from botocore.exceptions import EndpointConnectionError

        status, message = classify_error(exc)
        if isinstance(exc, EndpointConnectionError):
            self.unavailable = message
        self._record(operation, status, items, message, calls)

    def _record(self, operation: str, status: CoverageStatus, items: int, message: str, calls: int) -> None:
        self.coverage.record(self.account, self.region, self.service, operation, status,
                             items=items, message=message, calls=calls)

    def list_all(self, operation: str, result_key: str, params: Mapping[str, Any] | None = None,
                 limit: int | None = None) -> tuple[list[Any], bool]:
        """Every item of every page; (items read, whether the listing is complete)."""
        items: list[Any] = []
        calls = 0
        if self._skip(operation):
            return items, False
        try:
            for page in iter_pages(self.client, operation, params):
                calls += 1
                items.extend(page.get(result_key) or [])
                if limit is not None and len(items) >= limit:
                    break
        except Exception as exc:  # every failure is a coverage row, never a crash of the scan
            self._failed(operation, exc, len(items), calls + 1)
            return items, False
        self._record(operation, CoverageStatus.OK, len(items), "", calls)
        return items, True

    def get(self, operation: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """One Get/Describe call; None when it failed (and the failure is recorded)."""
        if self._skip(operation):
            return None
        try:
            response = getattr(self.client, xform_name(operation))(**dict(params or {}))
        except Exception as exc:
            self._failed(operation, exc, 0, 1)
            return None
        self._record(operation, CoverageStatus.OK, 1, "", 1)
        return response
