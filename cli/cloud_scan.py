"""Running a cloud connector (AWS, Azure, Google Cloud) from the CLI: the scan is stored like any
other, a human gets the coverage summary on stderr, and JSON gets coverage and controls as keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from cli.context import app
from cli.scanning import ScanReport, run_scan
from connectors.base import Connector, ProgressCallback, ScanResult, no_progress


def split_list(value: str | None) -> list[str]:
    """A comma-separated option as a list (empty: none given)."""
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class Summarising(Connector):
    """Runs a cloud connector, then tells a human (stderr) what coverage it had."""

    name = "cloud"

    def __init__(self, inner: Connector, say: Any) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.source = inner.source  # type: ignore[misc]
        self.say = say
        self.result: ScanResult | None = None

    def scan(self, targets: Sequence[str], progress: ProgressCallback = no_progress) -> ScanResult:
        self.result = self.inner.scan(targets, progress)
        summary = getattr(self.result, "summary", None)
        if self.say is not None and callable(summary):
            self.say(summary())
        return self.result


def run_cloud_scan(ctx: click.Context, connector: Connector, output_format: str, fail_on: tuple[str, ...]) -> None:
    """Run, then tell a human (stderr) what coverage the scan had; JSON gets it as extra keys."""
    say = app(ctx).info if output_format == "table" else None
    wrapped = Summarising(connector, say)

    def extra(_report: ScanReport) -> dict[str, Any]:
        extra_json = getattr(wrapped.result, "extra_json", None)
        return extra_json() if callable(extra_json) else {}

    run_scan(ctx, wrapped, [], output_format=output_format, fail_on=fail_on, extra_json=extra)
