"""Hostile logs: corrupt and cut archives, decompression bombs, giant lines on disk and on
stdin, a closed stdin, files that mix formats, and both spellings of Zscaler's JSON envelope."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from tests.hostile.conftest import aims, run_aims, squid_line

GOOD = [squid_line("claude.ai", user="bob", second=s) for s in range(3)]


def _names(output: str) -> set[str]:
    return {s["name"] for s in json.loads(output)["systems"]}


def _issues(output: str) -> dict[str, dict]:
    return {f"{i['target'].rsplit('/', 1)[-1]}:{i['kind']}": i for i in json.loads(output)["issues"]}


def _good_log(tmp_path: Path) -> Path:
    good = tmp_path / "good.log"
    good.write_text("\n".join(GOOD) + "\n")
    return good


def test_corrupt_gzip_is_reported_and_the_good_log_beside_it_is_read(ws: Path, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.log.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(256)) * 40)
    result = aims(ws, "discover", "logs", str(corrupt), str(_good_log(tmp_path)), "--format", "json")
    assert result.exit_code == 3, result.output
    issue = _issues(result.output)["corrupt.log.gz:truncated"]
    assert issue["severity"] == "error" and "corrupt" in issue["message"]
    assert "Anthropic Claude" in _names(result.output)


def test_truncated_gzip_keeps_what_was_read_and_reports_the_cut(ws: Path, tmp_path: Path) -> None:
    lines = [squid_line("api.openai.com", user=f"early{i % 5}") for i in range(200)]
    lines += [squid_line(f"host{i}.example.com", user="x") for i in range(60_000)]
    lines += [squid_line("api.mistral.ai", user="late")]  # past the cut: cannot be seen
    packed = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6)
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(packed[: int(len(packed) * 0.6)])
    result = aims(ws, "discover", "logs", str(cut), "--format", "json")
    assert result.exit_code == 3, result.output
    issue = _issues(result.output)["cut.log.gz:truncated"]
    assert "lines before it were scanned" in issue["message"]
    data = json.loads(result.output)
    assert any("OpenAI" in name for name in _names(result.output))  # the readable 60% counted
    assert data["scan"]["counts"]["lines"] > 30_000


def test_gzip_bomb_stops_at_the_ratio_limit_within_the_ceilings(ws: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.log.gz"
    # Valid lines, then 1 GiB of junk lines packing about 700 times: one gzip member of 1 MiB,
    # repeated (a gzip file may hold many members, read one after another).
    valid = gzip.compress(("\n".join(squid_line("api.openai.com", user="gil") for _ in range(50)) + "\n").encode())
    junk = gzip.compress((b"A" * 4095 + b"\n") * 256, compresslevel=9)
    with bomb.open("wb") as handle:
        handle.write(valid)
        for _ in range(1024):
            handle.write(junk)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    result = run_aims("--workspace", str(ws), "discover", "logs", str(bomb), str(_good_log(tmp_path)),
                      "--format", "json")
    result.within_ceilings()
    assert result.code == 3, result.stderr
    issue = _issues(result.stdout)["bomb.log.gz:truncated"]
    assert "decompression bomb" in issue["message"]
    names = _names(result.stdout)
    assert "Anthropic Claude" in names and any("OpenAI" in n for n in names)


def _giant_line_file(path: Path, size: int) -> None:
    """An AI host at the start of a line of `size` bytes (a sparse hole of NULs), then good lines."""
    head = squid_line("api.openai.com", user="carol").replace(" carol ", " carol?q=").encode()
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
        handle.seek(size)
        handle.write(("\n" + "\n".join(GOOD) + "\n").encode())


def test_one_gigabyte_line_on_disk_is_cut_counted_and_its_prefix_still_scanned(ws: Path, tmp_path: Path) -> None:
    log = tmp_path / "giant.log"
    _giant_line_file(log, 1024**3)
    result = run_aims("--workspace", str(ws), "discover", "logs", str(log), "--format", "json")
    result.within_ceilings()
    assert result.code == 0, result.stderr
    issue = _issues(result.stdout)["giant.log:long-lines"]
    assert issue["count"] == 1 and "counted as malformed" in issue["message"]
    data = json.loads(result.stdout)
    assert data["scan"]["counts"]["malformed_lines"] == 1
    names = _names(result.stdout)
    assert any("OpenAI" in n for n in names) and "Anthropic Claude" in names


def test_one_gigabyte_line_on_stdin_stays_within_the_ceilings(ws: Path) -> None:
    def feed(pipe) -> None:  # type: ignore[no-untyped-def]
        pipe.write(squid_line("api.openai.com", user="dan").encode() + b"?")
        block = b"B" * (8 * 1024 * 1024)
        for _ in range(128):
            pipe.write(block)
        pipe.write(("\n" + "\n".join(GOOD) + "\n").encode())

    result = run_aims("--workspace", str(ws), "discover", "logs", "-", "--format", "json", stdin_feed=feed)
    result.within_ceilings()
    assert result.code == 0, result.stderr
    assert _issues(result.stdout)["<stdin>:long-lines"]["count"] == 1
    assert "Anthropic Claude" in _names(result.stdout)


def test_closed_stdin_is_an_unreadable_source_not_a_crash(ws: Path, tmp_path: Path) -> None:
    result = run_aims("--workspace", str(ws), "discover", "logs", "-", str(_good_log(tmp_path)), "--format", "json",
                      preexec=lambda: os.close(0))
    assert result.code == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "standard input is closed" in _issues(result.stdout)["<stdin>:unreadable"]["message"]
    assert "Anthropic Claude" in _names(result.stdout)


def test_a_file_mixing_formats_is_an_error_not_a_silent_zero(ws: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.log"
    lines = [squid_line(f"site{i}.example.com") for i in range(100)]
    lines += [json.dumps({"sourcetype": "zscalernss-web", "event": {
        "datetime": "2026-01-01 10:00:00", "user": "erin@acme.example", "url": "https://chatgpt.com/c/1",
        "action": "allowed"}}) for _ in range(100)]
    mixed.write_text("\n".join(lines) + "\n")
    result = aims(ws, "discover", "logs", str(mixed), str(_good_log(tmp_path)), "--format", "json")
    assert result.exit_code == 3, result.output
    issue = _issues(result.output)["mixed.log:mixed-formats"]
    assert issue["severity"] == "error" and "squid" in issue["message"] and "zscaler" in issue["message"]
    assert "Anthropic Claude" in _names(result.output)


def test_compact_and_spaced_zscaler_envelopes_are_both_recognised(ws: Path, tmp_path: Path) -> None:
    event = {"datetime": "2026-01-01 10:00:00", "user": "frank@acme.example", "url": "https://chatgpt.com/c/1",
             "action": "allowed"}
    compact = tmp_path / "compact.jsonl"
    compact.write_text(json.dumps({"sourcetype": "zscalernss-web", "event": event}, separators=(",", ":")) + "\n")
    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text('{ "sourcetype" : "zscalernss-web", "event" :' + json.dumps(event) + "}\n")
    for log in (compact, spaced):
        result = aims(ws, "discover", "logs", str(log), "--format", "json")
        assert result.exit_code == 0, (log.name, result.output)
        data = json.loads(result.output)
        assert data["scan"]["counts"]["format:zscaler"] == 1
        assert any("OpenAI" in name for name in _names(result.output))
