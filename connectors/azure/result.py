"""What an Azure scan returns beyond the common ScanResult: control evidence, the coverage table
and the call counts (every request by method, and the most in flight at once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.base import ScanResult
from connectors.coverage import CoverageRow, render_coverage
from discovery.controls import CloudControl
from discovery.models import IssueSeverity


@dataclass
class CloudScanResult(ScanResult):
    cloud: str = "Azure"
    scope_label: str = "subscription"
    controls: list[CloudControl] = field(default_factory=list)
    coverage: list[CoverageRow] = field(default_factory=list)
    requests_by_method: dict[str, int] = field(default_factory=dict)
    max_in_flight: int = 0
    usage_note: str = ""

    @property
    def coverage_complete(self) -> bool:
        return not any(i.severity == IssueSeverity.ERROR for i in self.issues)

    def summary(self) -> str:
        calls = ", ".join(f"{n} {m}" for m, n in sorted(self.requests_by_method.items())) or "none"
        text = render_coverage(self.coverage, self.cloud, self.scope_label)
        text += f"\n{self.cloud} requests sent: {calls}; at most {self.max_in_flight} in flight at once."
        return text + (f"\n{self.usage_note}" if self.usage_note else "")

    def extra_json(self) -> dict[str, Any]:
        return {
            "controls": [c.model_dump(mode="json") | {"requirements": c.requirements} for c in self.controls],
            "coverage": [r.as_dict(self.scope_label) for r in self.coverage],
            "requests": {"by_method": dict(sorted(self.requests_by_method.items())),
                         "max_in_flight": self.max_in_flight},
        }
