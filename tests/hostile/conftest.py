"""The hostile-input suite (issue 13): generated inputs an attacker or a careless user would
give aims, each beside a good input that must still be processed.

Cases that can blow up memory or time run `aims` in a child process and measure it the way the
kernel does: peak resident memory from wait4() and wall time, each under a ceiling.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import cli

REPO = Path(__file__).resolve().parents[2]
MEMORY_CEILING_MB = 500
TIME_CEILING_S = 60


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_mb: float
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def within_ceilings(self) -> None:
        assert self.peak_mb < MEMORY_CEILING_MB, f"peak memory {self.peak_mb:.0f} MB"
        assert self.seconds < TIME_CEILING_S, f"took {self.seconds:.1f} s"


def run_aims(
    *args: str,
    stdin_file: Path | None = None,
    stdin_feed: Callable[[object], None] | None = None,
    preexec: Callable[[], None] | None = None,
    wrapper: list[str] | None = None,
    cwd: Path | None = None,
) -> Run:
    """`aims ARGS` in a child process (this checkout's code), with its peak RSS and wall time.

    The child is started by measure.py, a small launcher, so its peak memory is its own and
    not the test runner's (see there).

    `stdin_feed` writes the child's stdin from a thread (a real pipe); `wrapper` prefixes the
    command (e.g. a mount namespace). A child past the time ceiling is killed.
    """
    import tempfile

    peak_file = Path(tempfile.mkdtemp()) / "peak"
    command = [sys.executable, str(Path(__file__).with_name("measure.py")), str(peak_file),
               *(wrapper or []), sys.executable, "-m", "cli.main", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    out_path = Path(os.environ.get("TMPDIR", "/tmp"))
    with open(os.devnull, "rb") as devnull:
        stdin: object = subprocess.PIPE if stdin_feed else (open(stdin_file, "rb") if stdin_file else devnull)
        with tempfile.TemporaryFile(dir=out_path) as out, tempfile.TemporaryFile(dir=out_path) as err:
            started = time.monotonic()
            process = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=err, env=env, cwd=cwd or REPO,
                                       preexec_fn=preexec)
            if stdin_feed:
                threading.Thread(target=_feed, args=(stdin_feed, process.stdin), daemon=True).start()
            timer = threading.Timer(TIME_CEILING_S * 2, process.terminate)
            timer.start()
            try:
                _, status, _ = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
                if stdin_file:
                    stdin.close()  # type: ignore[attr-defined]
            process.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.monotonic() - started
            out.seek(0)
            err.seek(0)
            peak_kib = int(peak_file.read_text()) if peak_file.exists() else 0
            peak_file.unlink(missing_ok=True)
            peak_file.parent.rmdir()
            return Run(process.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                       peak_kib / 1024, seconds)


def _feed(feed: Callable[[object], None], pipe) -> None:  # type: ignore[no-untyped-def]
    try:
        feed(pipe)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def aims(workspace: Path, *args: str, input: bytes | str | None = None) -> Result:
    """`aims --workspace W ARGS` in-process (fast; for cases without a memory ceiling)."""
    return CliRunner().invoke(cli, ["--workspace", str(workspace), *args], input=input)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    result = aims(workspace, "init")
    assert result.exit_code == 0, result.output
    return workspace


def squid_line(host: str, user: str = "alice", second: int = 0) -> str:
    return (f"1700000{second:03d}.000    120 10.0.0.7 TCP_MISS/200 1234 CONNECT {host}:443 {user} "
            "HIER_DIRECT/1.2.3.4 -")


def limit_file_size(max_bytes: int) -> Callable[[], None]:
    """A preexec hook: the child can write no file past max_bytes (a full disk, for its writes)."""
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply
