from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from connectors.base import ScanResult
from connectors.logs import LogConnector
from discovery.models import Observation

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


def scan(*names: str, **options: object) -> ScanResult:
    return LogConnector(**options).scan([str(FIXTURES / n) for n in names])  # type: ignore[arg-type]


def by_app(observations: Sequence[Observation]) -> dict[tuple[str, str | None], Observation]:
    return {(o.system_hint or "", o.identity): o for o in observations}


def issue_kinds(result: ScanResult) -> dict[str, int]:
    return {i.kind: i.count for i in result.issues}


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
