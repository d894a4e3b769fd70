"""A scan leaves the cycle collector as it found it, with nothing young left for it to walk."""

from __future__ import annotations

import gc
from pathlib import Path

from connectors.code.connector import CodeConnector, CodeScanOptions

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "code"


def test_the_collector_is_enabled_again_with_an_empty_young_generation() -> None:
    assert gc.isenabled()
    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(FIXTURES)])
    assert result.observations
    assert gc.isenabled()
    assert gc.get_count()[0] < 50  # the scan's objects went to the oldest generation


def test_a_caller_that_disabled_the_collector_keeps_it_disabled() -> None:
    gc.disable()
    try:
        CodeConnector(CodeScanOptions(jobs=1)).scan([str(FIXTURES)])
        assert not gc.isenabled()
    finally:
        gc.enable()
