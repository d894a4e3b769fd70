"""The buffered range scan (connectors/logs/ranges.py), the fast path of a split JSON-lines file,
must find exactly what the stream reader's path finds: the same lines parsed, numbered, counted
and reported, whatever the block size, and hand over to the stream reader at an over-long line."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from connectors.logs import LogConnector
from connectors.logs import engine, ranges
from connectors.logs.attribution import Aggregator, _description_excerpt
from connectors.logs.engine import StreamStats, _Parts, head_lines
from connectors.logs.formats import FORMATS
from connectors.logs.forked import ForkedCall
from connectors.logs.prefilter import ENGINE, LineFinder
from connectors.logs.reader import ReadLimits
from connectors.logs.shapes import ShapeCheck
from discovery.redact import excerpt
from tests.connectors.logs.conftest import FIXTURES, issue_kinds

needs_hyperscan = pytest.mark.skipif(ENGINE != "hyperscan", reason="the buffered path runs on Hyperscan")


def _cloudtrail_lines() -> list[bytes]:
    """CloudTrail as JSON lines: the fixture's events, and ordinary (non-AI) API calls around them."""
    events = json.loads((FIXTURES / "cloudtrail" / "trail.json").read_text())["Records"]
    lines = [json.dumps(event).encode() for event in events]
    ordinary = dict(events[0], eventSource="s3.amazonaws.com", eventName="GetObject", requestParameters={"key": "k"})
    return lines + [json.dumps(dict(ordinary, eventID=str(n))).encode() for n in range(40)]


def _damaged_json_lines(lines: list[bytes], repeats: int, *, final_newline: bool) -> bytes:
    """The lines many times over, shuffled, with what the shape check must catch (cut objects,
    junk, trailing text), what it must let pass (spaces around an object, CRLF), blank lines and
    two over-long lines; the last line without a newline when asked."""
    rng = random.Random(5)
    body = [line for _ in range(repeats) for line in lines]
    rng.shuffle(body)
    damage = [b"", b"   " + lines[0] + b"  ", lines[1] + b"\r", lines[2][: len(lines[2]) // 2],
              b"\x00\x07 junk", lines[0] + b" trailing", b"{" + b"x" * 3000 + b"}", b" " * 2500 + lines[0]]
    for item in damage:
        body.insert(rng.randrange(len(body)), item)
    text = b"\n".join(body)
    return text + b"\n" if final_newline else text


def _summary(result):  # type: ignore[no-untyped-def]
    observations = [(o.system_hint, o.identity, o.signal, o.count, o.location.log_line, o.first_seen, o.last_seen,
                     o.evidence, sorted(o.attributes.items())) for o in result.observations]
    counts = {k: v for k, v in result.counts.items() if k != "parsed_lines"}
    return observations, counts, [(i.kind, i.message.replace("<stdin>", "LOG")) for i in result.issues]


@needs_hyperscan
@pytest.mark.skipif(not ForkedCall.available(), reason="the halves need fork")
@pytest.mark.parametrize("block", [64, 700, 4096, 1 << 20])
@pytest.mark.parametrize("final_newline", [True, False])
def test_buffered_halves_find_what_one_stream_finds(tmp_path: Path, block: int, final_newline: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "trail.jsonl"
    log.write_bytes(_damaged_json_lines(_cloudtrail_lines(), 30, final_newline=final_newline))
    limits = ReadLimits(max_line_bytes=2048)  # the two long lines are cut by the stream reader
    taken: list[int | None] = []
    original = ranges.scan_file_range

    def remember(*args, **options):  # type: ignore[no-untyped-def]
        taken.append(original(*args, **options))
        return taken[-1]

    monkeypatch.setattr(engine, "scan_file_range", remember)
    small_blocks = min(block, log.stat().st_size // 5)
    from_file = LogConnector(block_size=small_blocks, limits=limits).scan([str(log)])
    from_stdin = LogConnector(block_size=small_blocks, limits=limits, stdin=io.BytesIO(log.read_bytes())).scan(["-"])
    assert len(taken) == 1  # the first half took the buffered path (the second, in the child, too)
    assert _summary(from_file)[0] == _summary(from_stdin)[0]
    assert _summary(from_file)[1] == _summary(from_stdin)[1]
    assert _summary(from_file)[2] == [(k, m.replace(str(log), "LOG")) for k, m in _summary(from_stdin)[2]]
    kinds = issue_kinds(from_file)
    assert kinds["malformed-lines"] == 3  # cut, junk and trailed (the long lines are reported apart)
    assert kinds["long-lines"] == 2
    fixture_ai = sum(b"bedrock.amazonaws.com" in line or b"sagemaker.amazonaws.com" in line for line in _cloudtrail_lines())
    assert fixture_ai and from_file.counts["ai_events"] >= 30 * fixture_ai


def _range_scan(path: Path, start: int, stop: int | None, block: int, buffered: bool, limits: ReadLimits,  # type: ignore[no-untyped-def]
                log_format: str = "cloudtrail"):
    fmt = FORMATS[log_format]()
    fmt.begin(head_lines(path.read_bytes()[:100_000]))
    connector = LogConnector()
    finder = connector._finder(FORMATS[log_format])
    shape = ShapeCheck.of(fmt)
    assert engine.fast_range_applies(finder, shape)
    parts = _Parts(fmt, connector.catalogue, finder, shape, block, limits)
    stats, aggregator = StreamStats(format_name=log_format), Aggregator(log_file="t", log_format=log_format)
    lines_seen: list[int] = []
    if not buffered:
        applies = engine.fast_range_applies
        engine.fast_range_applies = lambda *_args: False  # type: ignore[assignment]
    try:
        parts.scan_range(str(path), start, stats, aggregator, stop=stop, on_progress=lines_seen.append)
    finally:
        if not buffered:
            engine.fast_range_applies = applies  # type: ignore[assignment]
    observations = [o.model_dump() for o in aggregator.observations("t")]
    return (stats.lines, stats.events, stats.ai_events, stats.malformed, stats.malformed_examples, stats.long_lines,
            observations, lines_seen[-1] if lines_seen else None)


@needs_hyperscan
@pytest.mark.parametrize("block", [50, 333, 2048, 65536])
def test_a_buffered_range_equals_the_stream_readers_range(tmp_path: Path, block: int) -> None:
    log = tmp_path / "trail.jsonl"
    data = _damaged_json_lines(_cloudtrail_lines(), 12, final_newline=False)
    log.write_bytes(data)
    limits = ReadLimits(max_line_bytes=2048)
    middle = data.index(b"\n", len(data) // 2) + 1
    for start, stop in ((0, None), (0, middle), (middle, None)):
        buffered = _range_scan(log, start, stop, block, True, limits)
        assert buffered == _range_scan(log, start, stop, block, False, limits)
        assert buffered[-1] == buffered[0]  # progress reached the last line


@needs_hyperscan
@pytest.mark.parametrize(("fixture", "log_format"), [
    ("squid/access.log", "squid"), ("squid/combined.log", "squid"), ("zscaler/web.jsonl", "zscaler"),
    ("zscaler/web.csv", "zscaler"), ("umbrella/proxy.csv", "umbrella"), ("zeek/dns.log", "zeek"),
    ("panos/url.log", "panos"),
])
@pytest.mark.parametrize("block", [97, 1024, 65536])
def test_buffered_ranges_of_other_shapes_equal_the_stream_readers(tmp_path: Path, fixture: str, log_format: str,
                                                                  block: int) -> None:
    """Formats whose shape is a regex (Squid, CSV, TSV, templated JSON) check a buffer range with
    the same regexes, bounded by pos/endpos, and Hyperscan for the defect: the same misfits."""
    data = (FIXTURES / fixture).read_bytes()
    header, _, body = data.partition(b"\n")
    lines = [line for line in body.split(b"\n") if line.strip()]
    rng = random.Random(block)
    damaged = list(lines * 6) + [lines[0][: len(lines[0]) // 3], b"\x00\x07 junk", b"", b"  ", lines[-1] + b' "x"y"']
    rng.shuffle(damaged)
    text = header + b"\n" + b"\n".join(damaged) + b"\n" + lines[0]  # the last line without a newline
    log = tmp_path / Path(fixture).name
    log.write_bytes(text)
    limits = ReadLimits()
    middle = text.index(b"\n", len(text) // 2) + 1
    for start, stop in ((0, None), (0, middle), (middle, None)):
        buffered = _range_scan(log, start, stop, block, True, limits, log_format)
        assert buffered == _range_scan(log, start, stop, block, False, limits, log_format)
    whole = _range_scan(log, 0, None, block, True, limits, log_format)
    assert whole[3] >= 2  # the cut line and the junk are malformed, wherever they fell


@needs_hyperscan
def test_lines_are_found_in_a_buffer_range_as_in_a_block() -> None:
    finder = LogConnector()._finder(FORMATS["squid"])
    assert isinstance(finder, LineFinder) and finder.scans_buffers
    rng = random.Random(3)
    hosts = [b"chatgpt.com", b"api.openai.com", b"wechat.com", b"claude.ai", b"example.org", b"x.chat.com"]
    for _ in range(50):
        lines = [b"1.0 %d 10.0.0.1 TCP_MISS/200 5 CONNECT %s:443 - HIER/x -" % (n, rng.choice(hosts))
                 for n in range(rng.randrange(1, 30))]
        block = b"\n".join(lines)
        # the buffer: a newline, the block, then stale text naming AI hosts that must not count
        buffer = bytearray(b"\n" + block + b"chatgpt.com claude.ai\n" * 3)
        found = [(start - 1, bytes(raw)) for start, raw in finder.lines_in(buffer, 1, len(block) + 1)]
        assert found == list(finder.lines(block))


@pytest.mark.parametrize("text", [
    "cloudtrail: cloudtrail:InvokeModel anthropic.claude-3-5-sonnet",
    "  okta: app.example\tSSO ",
    "squid: POST api.openai.com /v1/chat sk-" + "a" * 30,
    "gworkspace: token api_key=abcdefghijkl",
    "m365: Bearer " + "x" * 40,
    "openai-audit: AKIAABCDEFGHIJKLMNOP",
    "cloudtrail: ſecret=abcdefghijk",  # non-ASCII: the redactor folds case beyond ASCII
    "zscaler: " + "long description " * 20,
])
def test_event_descriptions_are_excerpted_as_the_redactor_would(text: str) -> None:
    assert _description_excerpt(text) == excerpt(text)


def test_observations_are_constructed_as_validation_would_build_them() -> None:
    """Aggregates become Observations without re-validating values already of their types; the
    result must be the validated model, field for field, down to which fields count as set."""
    from datetime import datetime, timezone

    from connectors.logs.attribution import Pseudonymiser
    from connectors.logs.records import LogRecord
    from discovery.domains import ServiceCatalogue
    from discovery.models import Location, Observation

    catalogue = ServiceCatalogue.load()
    chatgpt, claude = catalogue.match("chatgpt.com"), catalogue.match("claude.ai")
    assert chatgpt is not None and claude is not None
    when = datetime(2025, 3, 1, 12, tzinfo=timezone.utc)
    records = [
        (chatgpt, LogRecord(host="chatgpt.com", identity="ann", time=when, bytes_up=2_000_000, method="POST")),
        (chatgpt, LogRecord(host="chatgpt.com", identity="ann", blocked=True, vendor_app="ChatGPT")),
        (claude, LogRecord(host="claude.ai", identity=None, model="claude-3", bytes_down=10)),
        (claude, LogRecord(service_id="claude", identity="svc", signal="x:Invoke", model="m2", blocked=True)),
    ]
    for pseudonymise in (None, Pseudonymiser("k")):
        for raw_evidence in (True, False):
            aggregator = Aggregator(log_file="f.log", log_format="squid", pseudonymise=pseudonymise,
                                    raw_evidence=raw_evidence)
            for line, (service, record) in enumerate(records, start=1):
                aggregator.add(service, record, line, f"line {line} chatgpt.com")
            built = aggregator.observations("f.log")
            validated = [Observation(**{k: getattr(o, k) for k in Observation.model_fields if k != "location"},
                                     location=Location(log_file=o.location.log_file, log_line=o.location.log_line))
                         for o in built]
            assert built == validated
            assert [o.model_fields_set for o in built] == [o.model_fields_set for o in validated]
            assert [o.model_dump_json(exclude_unset=True) for o in built] == [
                o.model_dump_json(exclude_unset=True) for o in validated]
    # A value of another type than the field's is validated as before (and refused).
    odd = Aggregator(log_file="f.log", log_format="squid")
    odd.add(chatgpt, LogRecord(host="chatgpt.com", identity=42), 1, "line")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        odd.observations("f.log")


@pytest.mark.skipif(not ForkedCall.available(), reason="the halves need fork")
@pytest.mark.parametrize(("fixture", "make_lines"), [
    ("cloudtrail", None),
    ("zscaler/web.csv", "csv"),
    ("squid/access.log", "text"),
])
def test_a_file_split_on_its_first_bytes_finds_what_one_stream_finds(tmp_path: Path, fixture: str,
                                                                     make_lines: str | None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain file to split is sniffed from its first bytes, not a first block read through the
    stream: same format, same header, same results as reading it in order."""
    if make_lines is None:
        data = b"\n".join(_cloudtrail_lines() * 200) + b"\n"
    else:
        text = (FIXTURES / fixture).read_bytes()
        header, _, body = text.partition(b"\n") if make_lines == "csv" else (b"", b"", text)
        data = (header + b"\n" if header else b"") + body * (-(-4 * engine.HEAD_BYTES // len(body)) + 1)
    log = tmp_path / "large.log"
    log.write_bytes(data)
    block = engine.HEAD_BYTES
    assert log.stat().st_size >= engine.SPLIT_MIN_BLOCKS * block
    early: list[object] = []
    original = engine._split_early

    def remember(*args, **options):  # type: ignore[no-untyped-def]
        early.append(original(*args, **options))
        return early[-1]

    monkeypatch.setattr(engine, "_split_early", remember)
    from_file = LogConnector(block_size=block).scan([str(log)])
    from_stdin = LogConnector(block_size=block, stdin=io.BytesIO(data)).scan(["-"])
    assert early and early[0] is not None
    _middle, head, _start = early[0]  # type: ignore[misc]
    assert head == head_lines(data[:block + data[block:].index(b"\n") + 1])  # what the first block gives
    assert _summary(from_file)[0] == _summary(from_stdin)[0] and from_file.observations
    assert _summary(from_file)[1] == _summary(from_stdin)[1]


def test_the_first_bytes_are_not_trusted_where_the_first_block_could_differ(tmp_path: Path) -> None:
    from connectors.logs.reader import open_log

    lines = _cloudtrail_lines() * 200
    log = tmp_path / "a.jsonl"

    def early(data: bytes, block: int = engine.HEAD_BYTES, limits: ReadLimits = ReadLimits()):  # type: ignore[no-untyped-def]
        log.write_bytes(data)
        with open_log(str(log)) as stream:
            return engine._split_early(stream, str(log), block, limits)

    plain = b"\n".join(lines) + b"\n"
    assert early(plain) is not None
    assert early(plain, block=engine.HEAD_BYTES // 2) is None  # a first block smaller than the head's bytes
    longest = max(map(len, lines))
    assert early(plain, limits=ReadLimits(max_line_bytes=longest - 1)) is None  # the reader would cut lines
    assert early(plain, limits=ReadLimits(max_line_bytes=longest)) is not None
    assert early(b"{" + b"x" * 300_000 + b"}\n" + plain) is None  # a line too long to sniff: skipped by the block
    assert early(b"\n".join(lines[:20]) + b"\n" + b"\n" * 50 + plain) is not None  # blank lines do not count
    assert early(plain, block=len(plain)) is None  # one block: no split
    with open_log(str(log)) as stream:
        assert engine._split_early(stream, None, engine.HEAD_BYTES, ReadLimits()) is None  # stdin


def test_observations_built_ahead_are_rebuilt_where_later_lines_change_them() -> None:
    from datetime import datetime, timedelta, timezone

    from connectors.logs.records import LogRecord
    from discovery.domains import ServiceCatalogue

    catalogue = ServiceCatalogue.load()
    services = [catalogue.match(host) for host in ("chatgpt.com", "claude.ai", "api.mistral.ai")]
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    events = [(rng.choice(services), LogRecord(host="h.example", identity=rng.choice(["ann", "bob", "cy", None]),
                                               time=start + timedelta(minutes=rng.randint(0, 900)),
                                               blocked=rng.random() < 0.3), line, f"line {line}")
              for line in range(1, 120)]
    whole = Aggregator(log_file="f", log_format="squid")
    for event in events:
        whole.add(*event)  # type: ignore[arg-type]
    expected = [o.model_dump() for o in whole.observations("f")]
    for cut in (0, 1, 40, 118, 119):
        first, later = Aggregator(log_file="f", log_format="squid"), Aggregator(log_file="f", log_format="squid")
        for event in events[:cut]:
            first.add(*event)  # type: ignore[arg-type]
        first.build_ahead("f")
        for service, record, line, text in events[cut:]:
            later.add(service, record, line - cut, text)  # type: ignore[arg-type]
        first.absorb(later.part(), cut)
        assert [o.model_dump() for o in first.observations("f")] == expected
        assert [o.model_dump() for o in first.observations("other")] == [
            o.model_dump() for o in whole.observations("other")]  # built for another target: not reused
    # Lines added after building ahead change their aggregates too.
    ahead = Aggregator(log_file="f", log_format="squid")
    for event in events[:60]:
        ahead.add(*event)  # type: ignore[arg-type]
    ahead.build_ahead("f")
    for event in events[60:]:
        ahead.add(*event)  # type: ignore[arg-type]
    assert [o.model_dump() for o in ahead.observations("f")] == expected


@pytest.mark.skipif(not ForkedCall.available(), reason="the halves need fork")
def test_collections_are_paused_during_a_split_scan_and_restored_after(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    log = tmp_path / "trail.jsonl"
    log.write_bytes(b"\n".join(_cloudtrail_lines() * 40) + b"\n")
    seen: list[bool] = []
    scan_range = _Parts.scan_range

    def remember(self, *args, **options):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return scan_range(self, *args, **options)

    monkeypatch.setattr(_Parts, "scan_range", remember)
    assert gc.isenabled()
    LogConnector(block_size=4096).scan([str(log)])
    assert seen and not seen[0]
    assert gc.isenabled()
