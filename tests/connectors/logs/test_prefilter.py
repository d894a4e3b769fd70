"""The log prefilter: precise on enterprise traffic, complete on the catalogue, the same on every engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.logs.prefilter import ENGINES, LineFinder, literal_pattern
from discovery.domains import ServiceCatalogue

CATALOGUE = ServiceCatalogue.load()
TOP_HOSTS = [
    line.strip()
    for line in (Path(__file__).parent / "data" / "top_non_ai_hosts.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
#: how a host sits in the lines of the formats aims reads
CONTEXTS = (
    "{h}",
    "1764000000.123    42 10.0.0.1 TCP_TUNNEL/200 512 CONNECT {h}:443 alice HIER_DIRECT/1.2.3.4 -",
    "1764000000.123    42 10.0.0.1 TCP_MISS/200 512 GET https://{h}/p?q=1 alice HIER_DIRECT/1.2.3.4 text/html",
    '{{"event":{{"eurl":"{h}/x","login":"a@b.example","appname":"General Browsing"}}}}',
    '2026-01-01T00:00:00Z,allow,"{h}",alice',
    "ts\tuid\t10.0.0.1\t{h}.\tA",
    '"https:\\/\\/{h}\\/x"',
)


def _instances(domain: str) -> list[str]:
    return [domain.replace("*", filler) for filler in ("us-east-1", "europe-west4", "x")] if "*" in domain else [domain]


CATALOGUE_HOSTS = sorted({h for s in CATALOGUE for d in s.domains for h in _instances(d)})


def test_the_host_list_is_the_top_thousand_and_has_no_ai() -> None:
    assert len(TOP_HOSTS) == 1000 == len(set(TOP_HOSTS))
    assert not [h for h in TOP_HOSTS if CATALOGUE.match(h) is not None]
    # the hosts that used to pass: every AWS one, wechat/snapchat, visualstudio, translate., audio
    for needle in (".amazonaws.com", "wechat.com", "snapchat.com", "visualstudio.com", "translate.", "audio"):
        assert any(needle in h for h in TOP_HOSTS), needle


@pytest.mark.parametrize("engine", ENGINES)
def test_no_pattern_matches_any_top_non_ai_host(engine: str) -> None:
    finder = LineFinder([*CATALOGUE.host_patterns(), *CATALOGUE.app_patterns()], engine=engine)
    hosts = TOP_HOSTS if engine != "re" else TOP_HOSTS[::10]  # the fallback is slow; same regexes
    block = "\n".join(c.format(h=h) for h in hosts for c in CONTEXTS).encode()
    passed = [line.decode() for _start, line in finder.lines(block)]
    assert passed == []


@pytest.mark.parametrize("engine", ENGINES)
def test_every_catalogue_domain_still_matches(engine: str) -> None:
    finder = LineFinder(CATALOGUE.host_patterns(), engine=engine)
    for context in CONTEXTS:
        lines = [context.format(h=h) for h in CATALOGUE_HOSTS]
        lines += [context.format(h=h.upper()) for h in CATALOGUE_HOSTS]
        lines += [context.format(h="sub." + h) for h in CATALOGUE_HOSTS]
        found = {line.decode() for _start, line in finder.lines("\n".join(lines).encode())}
        assert [line for line in lines if line not in found] == []


@pytest.mark.parametrize("engine", ENGINES)
def test_every_app_label_matches_as_a_field_value(engine: str) -> None:
    finder = LineFinder(CATALOGUE.app_patterns(), engine=engine)
    labels = CATALOGUE.app_labels()
    lines = [f'{{"appname":"{label}","x":1}}' for label in labels]
    lines += [f"1,2025/01/01,{label},allow" for label in labels]
    lines += [f"1,2025/01/01,{label.lower().replace(' ', '-')}-upload,allow" for label in labels]
    lines += [f"app={label} user=alice" for label in labels]
    found = {line.decode() for _start, line in finder.lines("\n".join(lines).encode())}
    assert [line for line in lines if line not in found] == []


@pytest.mark.parametrize(
    "line",
    [
        "GET https://www.wechat.com/ alice", "CONNECT gcp.api.snapchat.com:443", "CONNECT marketplace.visualstudio.com:443",
        "CONNECT translate.googleapis.com:443", "CONNECT sqs.us-east-1.amazonaws.com:443", "GET https://hf.com.example/",
        '{"appname":"General Browsing","eurl":"cdn.example/audio/descriptive/otioso"}', "GET https://x.example/?cursor=abc",
        "CONNECT studio.youtube.com:443", "CONNECT chat.common.example:443",
    ],
)
def test_look_alikes_do_not_pass(line: str) -> None:
    finder = LineFinder([*CATALOGUE.host_patterns(), *CATALOGUE.app_patterns()])
    assert list(finder.lines(line.encode())) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_agree_on_offsets_and_lines(engine: str) -> None:
    lines = ["CONNECT chatgpt.com:443 a", "plain", "x bedrock-runtime.eu-west-1.amazonaws.com y", "",
             "GET https://api.openai.com/v1 and claude.ai twice", "wechat.com", "CopilotInteraction", "tail chat.com"]
    block = "\n".join(lines).encode()
    patterns = [*CATALOGUE.host_patterns(), literal_pattern("CopilotInteraction")]
    got = list(LineFinder(patterns, engine=engine).lines(block))
    assert [line.decode() for _start, line in got] == [lines[0], lines[2], lines[4], lines[6], lines[7]]
    assert all(block[start:start + len(line)] == line for start, line in got)


def test_an_unavailable_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="not available"):
        LineFinder([literal_pattern("x")], engine="nonesuch")


@pytest.mark.parametrize("engine", ENGINES)
def test_patterns_at_the_very_start_of_a_block_are_found(engine: str) -> None:
    finder = LineFinder([*CATALOGUE.host_patterns(), *CATALOGUE.app_patterns()], engine=engine)
    for block in (b"chatgpt.com 1.2.3.4 alice", b"openai-chatgpt,allow,alice\nx", b"claude.ai"):
        assert [start for start, _line in finder.lines(block)] == [0]


@pytest.mark.skipif("hyperscan" not in ENGINES, reason="Hyperscan is not installed here")
def test_the_compiled_hyperscan_database_is_cached_and_a_damaged_cache_is_recompiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hyperscan

    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    patterns = [*CATALOGUE.host_patterns()[:20], literal_pattern("CopilotInteraction")]
    first = LineFinder(patterns, engine="hyperscan")
    (cached,) = tmp_path.glob("prefilter-*.hsdb")
    block = b"x\nGET https://api.openai.com/v1 a\nCopilotInteraction\n"
    expected = list(first.lines(block))

    class NoCompiling(hyperscan.Database):  # type: ignore[misc, name-defined]
        def compile(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("compiled although cached")

    monkeypatch.setattr(hyperscan, "Database", NoCompiling)
    assert list(LineFinder(patterns, engine="hyperscan").lines(block)) == expected
    monkeypatch.undo()
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    cached.write_bytes(b"damaged")
    assert list(LineFinder(patterns, engine="hyperscan").lines(block)) == expected
    assert cached.read_bytes() != b"damaged"  # rewritten


@pytest.mark.parametrize(
    ("shape", "defect", "block"),
    [
        ("json", "json", b'{"a":"b"}\n{"a":"b\n{"a":"x"y"}\n\n{"ok":1}\n  {"cut":\n{"a":1}'),
        ("squid", "squid", b"1718000000.101    215 10.0.0.1 TCP_MISS/200 1 GET http://a/ u H/1 -\n"
                           b"1718000000.101    215 10.0.0.1 TCP_MISS/200 1 GET\ngarbage\n"
                           b"1718000001.000 1 2 3\n1718000000.101 215 10.0.0.1 R/200 1 GET http://b/ u H/1 t"),
    ],
)
def test_defects_found_by_hyperscan_and_re2_are_the_same_lines(shape: str, defect: str, block: bytes) -> None:
    from connectors.logs.engine import ShapeCheck
    from connectors.logs.formats.base import JSON_DEFECT, JSON_LINE_SHAPE
    from connectors.logs.formats.squid import _NATIVE_SHAPE, _NATIVE_TOO_FEW_FIELDS

    shapes = {"json": (JSON_LINE_SHAPE, JSON_DEFECT), "squid": (_NATIVE_SHAPE, _NATIVE_TOO_FEW_FIELDS)}
    check = ShapeCheck(*shapes[shape])
    found = list(check.misfits(block))
    check._defect_ends = None  # the RE2 path
    assert list(check.misfits(block)) == found
    assert len(found) >= 3
