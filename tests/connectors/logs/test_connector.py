"""Behaviour shared by every format: gzip, stdin, missing files, unknown formats, pseudonyms."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from connectors.logs import LogConnector
from tests.connectors.logs.conftest import FIXTURES, by_app, issue_kinds


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    packed = tmp_path / "access.log.1"  # no .gz suffix: detected by magic bytes
    packed.write_bytes(gzip.compress((FIXTURES / "squid/access.log").read_bytes()))
    result = LogConnector().scan([str(packed)])
    assert ("chatgpt", "alice.wong") in by_app(result.observations)


def test_stdin() -> None:
    data = (FIXTURES / "zscaler/web-siem.jsonl").read_bytes()
    result = LogConnector(stdin=io.BytesIO(data)).scan(["-"])
    assert [o.location.log_file for o in result.observations] == ["<stdin>"]
    assert result.targets == ["<stdin>"]


def test_missing_and_unreadable_files_are_error_issues(tmp_path: Path) -> None:
    result = LogConnector().scan([str(tmp_path / "nope.log"), str(tmp_path)])
    assert issue_kinds(result) == {"not-found": 1, "unreadable": 1}
    assert all(i.severity == "error" for i in result.issues)


def test_unknown_format_names_the_formats_tried(tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("Dear diary, today I asked chatgpt.com about lunch.\nNothing else happened.\n")
    result = LogConnector().scan([str(odd)])
    assert issue_kinds(result) == {"unknown-format": 1}
    assert "squid" in result.issues[0].message and "zscaler" in result.issues[0].message
    assert result.issues[0].severity == "error"


def test_corrupt_gzip_is_an_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "cut.log.gz"
    broken.write_bytes(gzip.compress((FIXTURES / "squid/access.log").read_bytes())[:60])
    result = LogConnector().scan([str(broken)])
    assert issue_kinds(result) == {"truncated": 1}  # what was read is kept, the cut is an error
    assert result.issues[0].severity == "error"


def test_empty_file_is_a_warning(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert issue_kinds(LogConnector().scan([str(empty)])) == {"empty": 1}


def test_pseudonymise_replaces_identities_everywhere() -> None:
    result = LogConnector(pseudonymise_key="k1").scan([str(FIXTURES / "squid/access.log")])
    identities = {o.identity for o in result.observations}
    assert all(i and i.startswith("anon-") for i in identities)
    blob = " ".join(o.evidence for o in result.observations)
    assert "alice" not in blob and "10.20.0.16" not in blob
    assert all(o.attributes["pseudonymised"] is True for o in result.observations)
    again = LogConnector(pseudonymise_key="k1").scan([str(FIXTURES / "squid/access.log")])
    assert {o.identity for o in again.observations} == identities  # stable for one key
    other = LogConnector(pseudonymise_key="k2").scan([str(FIXTURES / "squid/access.log")])
    assert {o.identity for o in other.observations}.isdisjoint(identities)


def test_explicit_format_and_unknown_format_name() -> None:
    result = LogConnector("squid").scan([str(FIXTURES / "squid/access.log")])
    assert result.counts["format:squid"] == 1
    with pytest.raises(ValueError, match="unknown log format"):
        LogConnector("nope")


def test_small_blocks_give_the_same_answer_with_right_line_numbers() -> None:
    whole = LogConnector().scan([str(FIXTURES / "squid/access.log")])
    tiny = LogConnector(block_size=64).scan([str(FIXTURES / "squid/access.log")])
    summary = lambda r: sorted((o.system_hint, o.identity, o.count, o.location.log_line) for o in r.observations)  # noqa: E731
    assert summary(whole) == summary(tiny)
    assert tiny.counts["lines"] == whole.counts["lines"] == 13


def test_observation_ids_are_stable_across_runs() -> None:
    a = LogConnector().scan([str(FIXTURES / "zscaler/web.jsonl")])
    b = LogConnector().scan([str(FIXTURES / "zscaler/web.jsonl")])
    assert sorted(o.id for o in a.observations) == sorted(o.id for o in b.observations)
