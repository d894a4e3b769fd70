"""What an AWS scan returns beyond the common ScanResult: control evidence, the coverage
table, and which CloudTrail event categories could be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import ScanResult
from discovery.controls import CloudControl
from discovery.models import IssueSeverity

from connectors.aws.coverage import CoverageRow, CoverageStatus, render_coverage


@dataclass
class UsageSources:
    """Which CloudTrail events were available, so nobody reads silence as no use."""

    days: int = 0
    management_regions_read: int = 0
    management_regions_not_read: int = 0
    management_events: int = 0
    data_source: str | None = None  # the s3:// URI read, or None
    data_files: int = 0
    data_events: int = 0
    data_complete: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "management_events": {
                "source": "cloudtrail:LookupEvents", "days": self.days,
                "regions_read": self.management_regions_read,
                "regions_not_read": self.management_regions_not_read,
                "runtime_events": self.management_events,
            },
            "data_events": {
                "source": self.data_source, "read": self.data_source is not None,
                "complete": self.data_complete, "files": self.data_files, "runtime_events": self.data_events,
                "note": None if self.data_source else
                "not read: data events (InvokeAgent, Retrieve, InvokeFlow, InvokeEndpoint ...) are only in a "
                "trail's S3 logs; pass --cloudtrail-s3 s3://bucket/prefix",
            },
        }

    def describe(self) -> str:
        management = (f"management events from LookupEvents over {self.days} day(s) in "
                      f"{self.management_regions_read} (account, region) pair(s)")
        if self.management_regions_not_read:
            management += f", {self.management_regions_not_read} not read"
        if self.data_source:
            data = f"data events from {self.data_source} ({self.data_files} file(s), {self.data_events} runtime event(s))"
        else:
            data = "data events not read (no --cloudtrail-s3)"
        return f"AWS usage: {management}; {data}."


@dataclass
class AWSScanResult(ScanResult):
    controls: list[CloudControl] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    usage: UsageSources = field(default_factory=UsageSources)

    @property
    def coverage_complete(self) -> bool:
        return not any(i.severity == IssueSeverity.ERROR for i in self.issues)

    def gaps(self) -> list[CoverageRow]:
        return [r for r in self.coverage if r.status not in (CoverageStatus.OK, CoverageStatus.UNAVAILABLE)]

    def summary(self) -> str:
        """Coverage and usage sources, for the readable report."""
        return render_coverage(self.coverage) + "\n" + self.usage.describe()

    def extra_json(self) -> dict[str, Any]:
        return {
            "controls": [c.model_dump(mode="json") | {"requirements": c.requirements} for c in self.controls],
            "coverage": [r.as_dict() for r in self.coverage],
            "usage_sources": self.usage.as_dict(),
        }
