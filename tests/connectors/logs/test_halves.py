"""A large plain log is scanned in two halves, one per process (engine._Parts). Whatever the
split, the result must be what one process reading the file in order finds: the same counts,
issues, line numbers and aggregates."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from connectors.logs import LogConnector
from connectors.logs.attribution import Aggregator
from connectors.logs.engine import SPLIT_MIN_BLOCKS, _Parts
from connectors.logs.forked import ForkedCall
from connectors.logs.reader import split_offset
from connectors.logs.records import LogRecord
from discovery.domains import ServiceCatalogue
from tests.connectors.logs.conftest import FIXTURES, issue_kinds
from tests.connectors.logs.test_malformed import IDS, JUNK, PREFILTERED, _connector, _ordinary_line

BLOCK = 512

pytestmark = pytest.mark.skipif(not ForkedCall.available(), reason="the halves need fork")


def _large_damaged_copy(tmp_path: Path, fixture: str, log_format: str) -> Path:
    """The fixture, then its lines but the first (a CSV header maybe) many times over, with a
    truncated and a junk line after the fixture, in the middle and at the end."""
    data = (FIXTURES / fixture).read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    body = data.partition(b"\n")[2]
    ordinary = _ordinary_line(data, log_format)
    damage = ordinary[: len(ordinary) * 2 // 5] + b"\n" + JUNK + b"\n"
    repeats = max(2, -(-SPLIT_MIN_BLOCKS * BLOCK // max(1, len(body))))
    large = tmp_path / Path(fixture).name
    large.write_bytes(data + damage + body * repeats + damage + body * repeats + damage)
    assert large.stat().st_size >= SPLIT_MIN_BLOCKS * BLOCK
    return large


def _summary(result):  # type: ignore[no-untyped-def]
    observations = sorted(
        (o.system_hint, o.identity, o.signal, o.count, o.location.log_line, o.first_seen, o.last_seen, o.evidence,
         sorted(o.attributes.items()))
        for o in result.observations
    )
    counts = {k: v for k, v in result.counts.items() if k != "parsed_lines"}
    return observations, counts, [(i.kind, i.message.replace("<stdin>", "LOG")) for i in result.issues]


@pytest.mark.parametrize(("fixture", "log_format", "generic"), PREFILTERED, ids=IDS)
def test_two_halves_find_what_one_stream_finds(tmp_path: Path, fixture: str, log_format: str,
                                                generic: dict[str, str] | None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    large = _large_damaged_copy(tmp_path, fixture, log_format)
    halves: list[int] = []
    original = _Parts.scan_halves

    def remember(self, path, middle, *args, **options):  # type: ignore[no-untyped-def]
        halves.append(middle)
        return original(self, path, middle, *args, **options)

    monkeypatch.setattr(_Parts, "scan_halves", remember)
    from_file = _connector(generic, block_size=BLOCK).scan([str(large)])
    from_stdin = _connector(generic, stdin=io.BytesIO(large.read_bytes()), block_size=BLOCK).scan(["-"])
    assert len(halves) == 1  # the file was split; stdin cannot be
    file_summary, stdin_summary = _summary(from_file), _summary(from_stdin)
    assert file_summary[0] == stdin_summary[0]
    assert file_summary[1] == stdin_summary[1]
    assert file_summary[2] == [(kind, message.replace(str(large), "LOG")) for kind, message in stdin_summary[2]]
    assert issue_kinds(from_file)["malformed-lines"] >= 6


def test_a_failed_second_half_is_read_by_the_parent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    large = _large_damaged_copy(tmp_path, "squid/access.log", "squid")
    expected = _summary(LogConnector(block_size=BLOCK, stdin=io.BytesIO(large.read_bytes())).scan(["-"]))

    class Failed:
        alive = False

        def result(self) -> tuple[bool, str]:
            return False, "MemoryError: the child could not start"

    monkeypatch.setattr(ForkedCall, "start", classmethod(lambda cls, function: Failed()))
    found = _summary(LogConnector(block_size=BLOCK).scan([str(large)]))
    assert found[0] == expected[0] and found[1] == expected[1]


def test_a_failed_scan_stops_the_second_half(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    large = _large_damaged_copy(tmp_path, "squid/access.log", "squid")
    started: list[ForkedCall] = []
    original = ForkedCall.start.__func__  # type: ignore[attr-defined]

    def remember(cls: type[ForkedCall], function):  # type: ignore[no-untyped-def]
        started.append(original(cls, function))
        return started[-1]

    calls: list[int] = []
    scan_range = _Parts.scan_range

    def first_half_fails(self, path, start, *args, **options):  # type: ignore[no-untyped-def]
        calls.append(start)
        if start == 0:
            raise OSError("the disk went away mid-scan")
        return scan_range(self, path, start, *args, **options)

    monkeypatch.setattr(ForkedCall, "start", classmethod(remember))
    monkeypatch.setattr(_Parts, "scan_range", first_half_fails)
    result = LogConnector(block_size=BLOCK).scan([str(large)])
    assert issue_kinds(result) == {"corrupt": 1}
    assert started and not started[0].alive


def test_small_compressed_and_piped_logs_are_not_split(tmp_path: Path) -> None:
    import gzip

    large = _large_damaged_copy(tmp_path, "squid/access.log", "squid")
    packed = tmp_path / "access.log.gz"
    packed.write_bytes(gzip.compress(large.read_bytes()))
    from connectors.logs.engine import _second_half
    from connectors.logs.reader import DEFAULT_LIMITS, open_log

    with open_log(str(large)) as stream:
        assert _second_half(stream, str(large), BLOCK, DEFAULT_LIMITS) is not None
        assert _second_half(stream, str(large), large.stat().st_size, DEFAULT_LIMITS) is None  # one block
        assert _second_half(stream, None, BLOCK, DEFAULT_LIMITS) is None  # stdin
    with open_log(str(packed)) as stream:
        assert _second_half(stream, str(packed), BLOCK, DEFAULT_LIMITS) is None


def test_the_split_falls_on_a_line_start(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_bytes(b"".join(b"line %d %s\n" % (n, b"x" * (n % 7)) for n in range(1000)))
    data = log.read_bytes()
    middle = split_offset(str(log), 1024)
    assert middle is not None and data[middle - 1:middle] == b"\n" and abs(middle - len(data) // 2) < 20
    giant = tmp_path / "giant.log"
    giant.write_bytes(b"short\n" + b"y" * 10_000)  # no newline after the middle
    assert split_offset(str(giant), 1024) is None


def test_absorbing_a_later_part_equals_reading_it_in_order() -> None:
    catalogue = ServiceCatalogue.load()
    services = [catalogue.match(host) for host in ("chatgpt.com", "claude.ai", "api.mistral.ai")]
    assert all(services) and len({s.id for s in services}) == 3  # type: ignore[union-attr]
    rng = random.Random(11)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    events = []
    for line in range(1, 400):
        record = LogRecord(host=rng.choice(["a.example", "b.example", "c.example", "d.example", "e.example",
                                            "f.example", "g.example"]),
                           identity=rng.choice(["ann", "bob", None]),
                           time=rng.choice([None, start + timedelta(minutes=rng.randint(-500, 500))]),
                           bytes_up=rng.choice([None, rng.randint(0, 2_000_000)]), blocked=rng.random() < 0.2,
                           model=rng.choice([None, "m1", "m2", "m3", "m4", "m5", "m6"]))
        events.append((rng.choice(services), record, line, f"line {line}"))
    whole = Aggregator(log_file="f", log_format="squid")
    for event in events:
        whole.add(*event)
    for cut in (0, 1, 57, 200, 398, 399):
        first, later = Aggregator(log_file="f", log_format="squid"), Aggregator(log_file="f", log_format="squid")
        for event in events[:cut]:
            first.add(*event)
        for service, record, line, text in events[cut:]:
            later.add(service, record, line - cut, text)
        first.absorb(later.part(), cut)
        assert [o.model_dump() for o in first.observations("t")] == [o.model_dump() for o in whole.observations("t")]
        assert first.events == whole.events
