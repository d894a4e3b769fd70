"""One service client in one (account, region), every call recorded in the coverage table.

A failure never escapes as an exception: it becomes a coverage row (denied, throttled,
unavailable, failed), and whatever pages were read before it are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore import xform_name

from connectors.aws_coverage import CoverageStatus, CoverageTable, classify_error
from connectors.aws_paginate import iter_pages


class ServiceReader:
    def __init__(self, client: Any, account: str, region: str, service: str, coverage: CoverageTable) -> None:
        self.client = client
        self.account = account
        self.region = region
        self.service = service
        self.coverage = coverage

    def _record(self, operation: str, status: CoverageStatus, items: int, message: str, calls: int) -> None:
        self.coverage.record(self.account, self.region, self.service, operation, status,
                             items=items, message=message, calls=calls)

    def list_all(self, operation: str, result_key: str, params: Mapping[str, Any] | None = None,
                 limit: int | None = None) -> tuple[list[Any], bool]:
        """Every item of every page; (items read, whether the listing is complete)."""
        items: list[Any] = []
        calls = 0
        try:
            for page in iter_pages(self.client, operation, params):
                calls += 1
                items.extend(page.get(result_key) or [])
                if limit is not None and len(items) >= limit:
                    break
        except Exception as exc:  # every failure is a coverage row, never a crash of the scan
            status, message = classify_error(exc)
            self._record(operation, status, len(items), message, calls + 1)
            return items, False
        self._record(operation, CoverageStatus.OK, len(items), "", calls)
        return items, True

    def get(self, operation: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """One Get/Describe call; None when it failed (and the failure is recorded)."""
        try:
            response = getattr(self.client, xform_name(operation))(**dict(params or {}))
        except Exception as exc:
            status, message = classify_error(exc)
            self._record(operation, status, 0, message, 1)
            return None
        self._record(operation, CoverageStatus.OK, 1, "", 1)
        return response
