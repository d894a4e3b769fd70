"""Malformed lines are counted wherever they are, not only among the lines that name an AI host.

The prefilter leaves ordinary lines unparsed; the shape and defect checks (LogFormat.line_shape,
line_defect) still look at each, in the scanning process or in a forked sidecar. Both paths must
count the same lines.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from connectors.logs import LogConnector
from connectors.logs.engine import ShapeCheck, scan_stream
from connectors.logs.sidecar import ShapeSidecar, count_misfits
from connectors.logs.formats import FORMATS
from connectors.logs.prefilter import LineFinder
from discovery.domains import ServiceCatalogue
from tests.connectors.logs.conftest import FIXTURES, by_app, issue_kinds

# fixture, format, generic field mapping (None for vendor formats)
PREFILTERED = [
    ("squid/access.log", "squid", None),
    ("squid/combined.log", "squid", None),
    ("zscaler/web.jsonl", "zscaler", None),
    ("zscaler/web-siem.jsonl", "zscaler", None),
    ("zscaler/web.csv", "zscaler", None),
    ("cloudflare/gateway-http.jsonl", "cloudflare", None),
    ("cloudflare/gateway-dns.jsonl", "cloudflare", None),
    ("route53/resolver.jsonl", "route53", None),
    ("zeek/dns.log", "zeek", None),
    ("zeek/ssl.jsonl", "zeek", None),
    ("umbrella/dns.csv", "umbrella", None),
    ("umbrella/proxy.csv", "umbrella", None),
    ("panos/url.log", "panos", None),
    ("panos/traffic.log", "panos", None),
    ("netskope/transactions.jsonl", "netskope", None),
    ("netskope/transactions.csv", "netskope", None),
    ("netskope/events.csv", "netskope", None),
    ("m365/audit.jsonl", "m365", None),
    ("m365/purview-export.csv", "m365", None),
    ("m365/purview-legacy.csv", "m365", None),
    ("azure_openai/requests.jsonl", "azure-openai", None),
    ("generic/gateway.csv", "generic", {"host": "dest", "user": "who", "time": "ts"}),
    ("generic/events.jsonl", "generic", {"url": "req.url", "user": "actor.email", "time": "ts"}),
]
IDS = [case[0] for case in PREFILTERED]
JUNK = b"\x00\x07\xff\xfe binary junk where a log line should be"
BLOCK = 512  # bytes: small fixture files then span several blocks


def _connector(generic: dict[str, str] | None, **options: object) -> LogConnector:
    return LogConnector(generic_fields=generic, **options) if generic else LogConnector(**options)  # type: ignore[arg-type]


def _ordinary_line(data: bytes, log_format: str) -> bytes:
    """A well-formed line that the prefilter would skip (it names no AI host, app or keyword)."""
    finder = LogConnector()._finder(FORMATS.get(log_format, FORMATS["squid"]))
    assert finder is not None
    lines = data.split(b"\n")
    candidates = {raw for _start, raw in finder.lines(data)}
    usable = [line for line in lines[1:] if line.strip() and line not in candidates and not line.startswith(b"#")]
    assert usable, "the fixture needs at least one ordinary line"
    return max(usable, key=len)


def _damaged_copy(tmp_path: Path, fixture: str, log_format: str) -> tuple[Path, int]:
    """The fixture with a truncated ordinary line and a junk line added; returns (path, lines added)."""
    data = (FIXTURES / fixture).read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    ordinary = _ordinary_line(data, log_format)
    truncated = ordinary[: len(ordinary) * 2 // 5]
    damaged = tmp_path / Path(fixture).name
    damaged.write_bytes(data + truncated + b"\n" + ordinary + b"\n" + JUNK + b"\n")
    return damaged, 2


@pytest.mark.parametrize(("fixture", "log_format", "generic"), PREFILTERED, ids=IDS)
def test_malformed_ordinary_lines_are_counted(tmp_path: Path, fixture: str, log_format: str,
                                              generic: dict[str, str] | None) -> None:
    clean = _connector(generic).scan([str(FIXTURES / fixture)])
    damaged, added = _damaged_copy(tmp_path, fixture, log_format)
    result = _connector(generic, block_size=BLOCK).scan([str(damaged)])
    assert result.counts.get(f"format:{log_format}") == 1
    before = issue_kinds(clean).get("malformed-lines", 0)
    assert issue_kinds(result).get("malformed-lines", 0) == before + added
    assert set(by_app(result.observations)) == set(by_app(clean.observations))  # nothing else changed
    total = clean.counts["lines"] + 3
    message = next(i.message for i in result.issues if i.kind == "malformed-lines")
    if before == 0:  # the examples name the damaged lines by number
        assert f"line {total - 2}:" in message and f"line {total}:" in message


@pytest.mark.parametrize(("fixture", "log_format", "generic"), PREFILTERED, ids=IDS)
def test_sidecar_and_inline_count_the_same(tmp_path: Path, fixture: str, log_format: str,
                                           generic: dict[str, str] | None) -> None:
    damaged, _added = _damaged_copy(tmp_path, fixture, log_format)
    # Small blocks, so that these small files span several and the sidecar is used for them.
    from_file = _connector(generic, block_size=BLOCK).scan([str(damaged)])
    from_stdin = _connector(generic, stdin=io.BytesIO(damaged.read_bytes()), block_size=BLOCK).scan(["-"])
    # parsed_lines differs by design: the sidecar parses the misfits in its own process
    assert {k: v for k, v in from_file.counts.items() if k != "parsed_lines"} == {
        k: v for k, v in from_stdin.counts.items() if k != "parsed_lines"}
    assert [i.message for i in from_file.issues] == [i.message.replace("<stdin>", str(damaged)) for i in from_stdin.issues]


@pytest.mark.parametrize(("fixture", "log_format", "generic"), PREFILTERED, ids=IDS)
def test_well_formed_lines_fit_their_shape(fixture: str, log_format: str, generic: dict[str, str] | None) -> None:
    """Every line a format reads without complaint fits its shape, so the check costs no parsing."""
    from connectors.logs.engine import head_lines
    from connectors.logs.formats.generic import generic_format

    data = (FIXTURES / fixture).read_bytes()
    fmt = (generic_format(generic) if generic else FORMATS[log_format])()
    fmt.begin(head_lines(data))
    shape = ShapeCheck.of(fmt)
    assert shape is not None
    for raw in data.split(b"\n"):
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        if not line.strip():
            continue
        try:
            record = fmt.parse(line)
        except ValueError:
            continue
        if record is not None:
            assert shape.fits(raw), f"{fixture}: a good line does not fit the shape: {line[:80]}"


def test_shape_check_merges_candidates_and_misfits_once_each() -> None:
    shape = ShapeCheck(rb"ok ")
    block = b"ok 1\nbad 2\nok 3 ai\nbad 4 ai\nok 5\nbad 6"
    assert list(shape.misfits(block)) == [5, 19, 33]
    candidates = iter([(11, b"ok 3 ai"), (19, b"bad 4 ai")])
    assert list(shape.merge(block, candidates)) == [
        (5, b"bad 2"), (11, b"ok 3 ai"), (19, b"bad 4 ai"), (33, b"bad 6")]
    assert list(ShapeCheck(rb"x").misfits(b"y\n")) == [0]  # the first line, and no line after the last newline


def test_count_misfits_numbers_lines_across_blocks() -> None:
    fmt = FORMATS["route53"]()
    good = b'{"query_name": "example.com.", "srcaddr": "10.0.0.1"}\n'
    blocks = [good * 3 + b"{broken\n", good + b"\n" + b"nope\n"]
    count, examples = count_misfits(iter(blocks), fmt, ShapeCheck.of(fmt))  # type: ignore[arg-type]
    assert count == 2
    assert [n for n, _reason in examples] == [4, 7]


def test_a_failed_sidecar_is_reported_not_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not ShapeSidecar.available():
        pytest.skip("the sidecar needs fork")
    log = tmp_path / "access.log"
    log.write_bytes((FIXTURES / "squid/access.log").read_bytes())

    def explode(*_args: object) -> tuple[int, list[tuple[int, str]]]:
        raise OSError("disk went away")

    monkeypatch.setattr("connectors.logs.sidecar.count_misfits", explode)
    result = LogConnector(block_size=BLOCK).scan([str(log)])
    incomplete = [i for i in result.issues if i.kind == "incomplete"]
    assert len(incomplete) == 1 and "disk went away" in incomplete[0].message
    assert by_app(result.observations)  # the scan itself went on


def test_every_prefiltered_format_has_a_shape() -> None:
    from connectors.logs.engine import head_lines

    missing = []
    for name, cls in FORMATS.items():
        fmt = cls()
        sample = next((p for p, n, _g in PREFILTERED if n == name), None)
        if cls.every_line or sample is None:
            continue
        fmt.begin(head_lines((FIXTURES / sample).read_bytes()))
        if not fmt.line_shape:
            missing.append(name)
        else:
            re.compile(fmt.line_shape)
    assert not missing


def test_engine_counts_inline_without_a_path() -> None:
    data = (FIXTURES / "squid/access.log").read_bytes() + b"1718009999.000 garbage\n"
    catalogue = ServiceCatalogue.load()
    stats, _aggregator = scan_stream(
        io.BytesIO(data), fixed_format=None, catalogue=catalogue,
        finder_for=lambda _cls: LineFinder(catalogue.host_patterns()),
        aggregator_for=lambda fmt: __import__("connectors.logs.attribution", fromlist=["Aggregator"]).Aggregator(
            log_file="x", log_format=fmt),
    )
    assert stats.malformed >= 1
    assert stats.malformed_examples[-1][0] == data.count(b"\n")


def test_gzip_files_are_shape_checked_too(tmp_path: Path) -> None:
    import gzip

    damaged, added = _damaged_copy(tmp_path, "squid/access.log", "squid")
    packed = tmp_path / "access.log.gz"
    packed.write_bytes(gzip.compress(damaged.read_bytes()))
    plain, zipped = LogConnector(block_size=BLOCK).scan([str(damaged)]), LogConnector(block_size=BLOCK).scan([str(packed)])
    assert issue_kinds(zipped) == issue_kinds(plain) and issue_kinds(plain)["malformed-lines"] >= added
    assert by_app(zipped.observations).keys() == by_app(plain.observations).keys()


def test_a_failed_scan_stops_the_sidecar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not ShapeSidecar.available():
        pytest.skip("the sidecar needs fork")
    started: list[ShapeSidecar] = []
    original = ShapeSidecar.start.__func__  # type: ignore[attr-defined]

    def remember(cls: type[ShapeSidecar], *args: object) -> ShapeSidecar:
        sidecar = original(cls, *args)
        started.append(sidecar)
        return sidecar

    def fail(*_args: object, **_options: object) -> None:
        raise OSError("the disk went away mid-scan")

    monkeypatch.setattr(ShapeSidecar, "start", classmethod(remember))
    monkeypatch.setattr("connectors.logs.engine._scan_blocks", fail)
    log = tmp_path / "access.log"
    log.write_bytes((FIXTURES / "squid/access.log").read_bytes())
    result = LogConnector(block_size=BLOCK).scan([str(log)])
    assert issue_kinds(result) == {"corrupt": 1}
    assert started and not started[0].alive


def test_json_defect_never_fires_on_valid_json() -> None:
    """In valid JSON every quote opens, closes or is escaped, so the defect pattern cannot match."""
    import json
    import random

    from connectors.logs.formats.base import JSON_DEFECT
    from connectors.logs.prefilter import compile_regex

    defect = compile_regex(JSON_DEFECT)
    rng = random.Random(7)
    alphabet = ['"', "\\", "'", " ", ":", ",", "{", "}", "[", "]", "a", "Z", "0", "é", "\t", "/", "="]
    for _ in range(3000):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(4)]
        value = {words[0]: words[1], "n": rng.randint(-5, 5), "list": [words[2], None, True],
                 "inner": {words[3]: [1.5, words[0]], "empty": ""}}
        for text in (json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, indent=None,
                                                                                         separators=(",", ":"))):
            assert defect.search(text.encode("utf-8")) is None, text


def test_json_defect_finds_an_unescaped_quote() -> None:
    from connectors.logs.formats.base import JSON_DEFECT

    assert re.search(JSON_DEFECT, b'{"ua":"Agent/6 (t="b41" os="WIN")","reqsize":"512"}')
    assert not re.search(JSON_DEFECT, b'{"ua":"Agent/6 (t=\\"b41\\" os=\\"WIN\\")","reqsize":"512"}')


def test_the_sidecar_runs_only_for_files_of_several_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not ShapeSidecar.available():
        pytest.skip("the sidecar needs fork")
    started: list[str] = []
    original = ShapeSidecar.start.__func__  # type: ignore[attr-defined]

    def remember(cls: type[ShapeSidecar], path: str, *args: object) -> ShapeSidecar:
        started.append(path)
        return original(cls, path, *args)

    monkeypatch.setattr(ShapeSidecar, "start", classmethod(remember))
    damaged, added = _damaged_copy(tmp_path, "squid/access.log", "squid")
    one_block = LogConnector().scan([str(damaged)])
    assert started == []  # a few KB: checked inline, no fork
    several = LogConnector(block_size=BLOCK).scan([str(damaged)])
    assert started == [str(damaged)]
    assert issue_kinds(one_block) == issue_kinds(several) and issue_kinds(several)["malformed-lines"] >= added


def test_only_templated_json_feeds_look_for_unescaped_quotes() -> None:
    """Zscaler NSS feeds are text templates (a user agent's quotes go unescaped); serialised JSON
    such as Cloudflare's cannot hold such a quote, so its lines get the cheaper structural check."""
    unescaped = b'{"ua":"Agent/6 (t="b41" os="WIN")","reqsize":"512"}'
    zscaler, cloudflare = FORMATS["zscaler"](), FORMATS["cloudflare"]()
    zscaler.begin(['{"ua":"x"}'])
    cloudflare.begin(['{"ua":"x"}'])
    assert zscaler.templated_json and not cloudflare.templated_json
    assert not ShapeCheck.of(zscaler).fits(unescaped)  # type: ignore[union-attr]
    structural = ShapeCheck.of(cloudflare)
    assert structural is not None and structural.structural and structural.fits(unescaped)
    assert not structural.fits(unescaped[:-5])  # cut short: still caught


def test_block_lines_number_lines_and_find_unbalanced_json() -> None:
    from connectors.logs.shapes import BlockLines

    block = b'{"a":1}\n  {"b":2}\r\n\n{"c":\n{"d":4} trailing\n{"e":5}'
    lines = BlockLines(block)
    starts = [0] + [i + 1 for i, byte in enumerate(block) if byte == 10]
    assert lines.count == 6
    assert [lines.number(start) for start in starts] == [1, 2, 3, 4, 5, 6]
    assert lines.unbalanced_json() == [starts[1], starts[2], starts[3], starts[4]]  # spaces, blank, cut, trailed
    shape = ShapeCheck(rb"[ \t]*\{", rb"[^}\s][ \t\r]*(?:\n|$)")
    assert shape.structural
    # The flagged lines are confirmed by the regexes: spaces around an object are allowed.
    assert list(shape.misfits(block, lines)) == [starts[2], starts[3], starts[4]]
    assert list(shape.misfits(block, lines)) == list(shape.misfits(block))  # the same as the regex path
