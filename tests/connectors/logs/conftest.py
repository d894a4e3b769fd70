from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from connectors.base import ScanResult
from connectors.logs import LogConnector
from connectors.logs.engine import head_lines
from connectors.logs.formats import LogFormat, detect
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


def reader(fixture: str, cls: type[LogFormat]) -> tuple[LogFormat, list[bytes]]:
    """The format as the engine sets it up for a fixture (detected as `cls`), and the fixture's lines."""
    data = (FIXTURES / fixture).read_bytes()
    head = head_lines(data)
    assert detect(head) is cls
    fmt = cls()
    fmt.begin(head)
    return fmt, [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]


def reads(fmt: LogFormat, line: bytes) -> bool:
    """True when the format reads the line as a record (AI or not), False when it is malformed."""
    try:
        fmt.parse(line.decode())
    except ValueError:
        return False
    return True


def fits(fmt: object, line: bytes) -> bool:
    """The engine's own check: the line's shape and no defect (a JSON object cut short, a stray quote)."""
    from connectors.logs.engine import ShapeCheck

    shape = ShapeCheck.of(fmt)  # type: ignore[arg-type]
    assert shape is not None
    return shape.fits(line)
