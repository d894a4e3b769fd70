"""One error path: each expected failure is one line naming the file and the reason (exit 1),
`-v` adds the traceback, and the workspace is never left half-written."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.hostile.conftest import aims, limit_file_size, run_aims, squid_line


def _one_line_error(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert "Traceback" not in output, output
    assert len(lines) == 1, output
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_corrupt_database_is_one_line_naming_the_file(ws: Path) -> None:
    (ws / "aims.db").write_bytes(b"this is not an SQLite database, just junk " * 100)
    result = aims(ws, "inventory", "list")
    assert result.exit_code == 1
    line = _one_line_error(result.output)
    assert str(ws / "aims.db") in line and "not a readable aims database" in line


def test_verbose_adds_the_traceback(ws: Path) -> None:
    (ws / "aims.db").write_bytes(b"junk" * 1000)
    result = run_aims("-v", "--workspace", str(ws), "inventory", "list")
    assert result.code == 1
    assert "Traceback" in result.stderr and "not a readable aims database" in result.stderr


def test_newer_schema_is_a_message_not_a_traceback(ws: Path) -> None:
    with sqlite3.connect(ws / "aims.db") as conn:
        conn.execute("PRAGMA user_version = 99")
    result = run_aims("--workspace", str(ws), "inventory", "list")
    assert result.code == 1
    line = _one_line_error(result.stderr)
    assert "schema version 99 is newer" in line and "aims.db" in line


def test_missing_workspace_is_refused_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    for command in (["inventory", "list"], ["discover", "logs", "-"], ["review"]):
        result = aims(missing, *command)
        assert result.exit_code == 1, command
        line = _one_line_error(result.output)
        assert "no workspace at" in line and "aims init" in line
    assert not missing.exists()
    assert aims(missing, "init").exit_code == 0  # init is the one command that creates it
    assert aims(missing, "inventory", "list").exit_code == 0


def test_config_error_never_echoes_a_secret(ws: Path) -> None:
    key = "sk-proj-Zq81hostileSECRETvalue000111222333"
    (ws / "aims.toml").write_text(f'[llm]\napi_key = "{key}"\ntemperature = "{key}"\n')
    result = aims(ws, "discover", "logs", "-")
    assert result.exit_code == 1
    line = _one_line_error(result.output)
    assert key not in result.output and "Zq81" not in result.output
    assert "llm.api_key" in line and "environment" in line and "llm.temperature" in line


def _read_only(directory: Path) -> list[str] | None:
    """A wrapper that runs the child with `directory` read-only, even for root (a private
    read-only bind mount); None when this machine allows neither."""
    if os.geteuid() != 0:
        return []  # chmod is enough
    if not shutil.which("unshare") or not shutil.which("mount"):
        return None
    probe = subprocess.run(["unshare", "-m", "mount", "--bind", "-o", "ro", str(directory), str(directory)],
                           capture_output=True)
    if probe.returncode != 0:
        return None
    return ["unshare", "-m", "sh", "-c", f'mount --bind -o ro "{directory}" "{directory}" && exec "$@"', "sh"]


def test_read_only_workspace_still_lists_and_refuses_writes_in_one_line(ws: Path, tmp_path: Path) -> None:
    log = tmp_path / "proxy.log"
    log.write_text(squid_line("api.openai.com") + "\n")
    assert aims(ws, "discover", "logs", str(log)).exit_code == 0
    wrapper = _read_only(ws)
    if wrapper is None:
        pytest.skip("cannot make a folder read-only here")
    if not wrapper:
        for path in [ws, *ws.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        listed = run_aims("--workspace", str(ws), "inventory", "list", "--format", "json", wrapper=wrapper)
        assert listed.code == 0, listed.output
        assert "OpenAI" in listed.stdout  # reading works on a read-only disk
        written = run_aims("--workspace", str(ws), "discover", "logs", str(log), wrapper=wrapper)
        assert written.code == 1
        line = _one_line_error(written.stderr)
        assert "aims.db" in line and "read-only" in line
    finally:
        for path in [ws, *ws.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_full_disk_is_reported_and_the_previous_state_kept(ws: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.log"
    small.write_text(squid_line("api.openai.com") + "\n")
    assert aims(ws, "discover", "logs", str(small)).exit_code == 0
    big = tmp_path / "big.log"
    big.write_text("\n".join(squid_line(f"api{i}.openai.com", user=f"user{i}") for i in range(3_000)) + "\n")
    size = (ws / "aims.db").stat().st_size
    result = run_aims("--workspace", str(ws), "discover", "logs", str(big), preexec=limit_file_size(size + 64 * 1024))
    assert result.code == 1
    line = _one_line_error(result.stderr)
    assert "aims.db" in line and ("disk is full" in line or "I/O error" in line)
    assert "cannot rollback" not in result.stderr
    with sqlite3.connect(ws / "aims.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM scans").fetchone()[0] == 1  # the earlier scan, intact
    assert aims(ws, "inventory", "list", "--format", "json").exit_code == 0
