"""The fast time readers answer exactly as strptime does, for good values and bad."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from connectors.logs.formats import timestamps
from connectors.logs.formats.base import parse_time


def _strptime(text: str, layout: str) -> datetime | str:
    try:
        return datetime.strptime(text, layout)
    except ValueError:
        return "error"


def _fast(reader, text: str) -> datetime | str:  # type: ignore[no-untyped-def]
    try:
        return reader(text)
    except ValueError:
        return "error"


def _random_times(count: int) -> list[datetime]:
    rng = random.Random(5)
    start = datetime(1999, 1, 1)
    return [start + timedelta(seconds=rng.randrange(0, 40 * 365 * 86400)) for _ in range(count)]


def test_ctime_matches_strptime_on_many_values() -> None:
    for moment in _random_times(3000):
        text = moment.strftime(timestamps.CTIME)
        assert _fast(timestamps.ctime, text) == _strptime(text, timestamps.CTIME) == moment


def test_clf_matches_strptime_on_many_values() -> None:
    rng = random.Random(6)
    for moment in _random_times(3000):
        zone = timezone(timedelta(minutes=rng.choice([-480, -420, 0, 60, 330, 345, 600, -210])))
        text = moment.replace(tzinfo=zone).strftime(timestamps.CLF)
        assert _fast(timestamps.clf, text) == _strptime(text, timestamps.CLF)


@pytest.mark.parametrize(
    "text",
    ["Mon Jun 20 15:29:11 2022", "Mon Jun  5 15:29:11 2022", "mon JUN 20 15:29:11 2022", "Mon Jun 31 15:29:11 2022",
     "Mon Jun 20 25:29:11 2022", "Mon Jun 20 15:29 2022", "Mon Jun 20 15:29:11 22", "Xyz Jun 20 15:29:11 2022",
     "Mon Jun 20 15:29:11 2022 ", "Mon Jun 2O 15:29:11 2022", "Mon Jun 20 15:29:٣1 2022", "", "Mon Feb 29 00:00:00 2023",
     "Mon Feb 29 00:00:00 2024", "Mon Jun 20 15:29:60 2022", "Mon Jun 20 5:29:11 2022"],
)
def test_ctime_edge_cases_agree(text: str) -> None:
    assert _fast(timestamps.ctime, text) == _strptime(text, timestamps.CTIME)


@pytest.mark.parametrize(
    "text",
    ["10/Oct/2000:13:55:36 -0700", "10/oct/2000:13:55:36 +0000", "31/Feb/2000:13:55:36 -0700", "10/Oct/2000:13:55:36",
     "10/Oct/2000:24:55:36 -0700", "1/Oct/2000:13:55:36 -0700", "10/Oct/2000:13:55:36 -07:00", "10/Oct/2000 13:55:36 -0700",
     "10/Oct/2000:13:55:36 +2400", "10/Xyz/2000:13:55:36 -0700", "10/Oct/2000:13:55:36 -0760"],
)
def test_clf_edge_cases_agree(text: str) -> None:
    assert _fast(timestamps.clf, text) == _strptime(text, timestamps.CLF)


def test_parse_time_reads_squid_epochs_and_ctime() -> None:
    assert parse_time("1764000000.123") == datetime.fromtimestamp(1764000000.123, tz=timezone.utc)
    assert parse_time("Mon Jun 20 15:29:11 2022") == datetime(2022, 6, 20, 15, 29, 11, tzinfo=timezone.utc)
    assert parse_time("Mon Jun 31 15:29:11 2022") is None
