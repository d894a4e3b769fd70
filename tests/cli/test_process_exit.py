"""`aims` ends its process itself once the work is done (cli.main.leave): exit codes, output and
exit handlers must be exactly those of a normal Python exit."""

import subprocess
import sys
import textwrap
from pathlib import Path


def run(tmp_path: Path, args: list[str], *, setup: str = "") -> subprocess.CompletedProcess:
    marker = tmp_path / "atexit-ran"
    script = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: open({str(marker)!r}, "w").write("ran"))
        {setup}
        from cli.main import main
        sys.argv = ["aims", *{args!r}]
        main()
    """)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)


def test_success_keeps_output_exit_code_and_exit_handlers(tmp_path):
    done = run(tmp_path, ["--version"])
    assert done.returncode == 0
    assert "aims" in done.stdout
    assert (tmp_path / "atexit-ran").read_text() == "ran"


def test_errors_keep_their_exit_codes(tmp_path):
    usage = run(tmp_path, ["discover", "logs", "--no-such-flag"])
    assert usage.returncode == 2 and "no-such-flag" in usage.stderr
    missing = run(tmp_path, ["-w", str(tmp_path / "none"), "inventory", "list"])
    assert missing.returncode == 1 and "aims init" in missing.stderr
    assert (tmp_path / "atexit-ran").exists()


def test_a_running_thread_is_waited_for(tmp_path):
    late = tmp_path / "thread-finished"
    setup = (f"import threading, time; threading.Thread(target=lambda: (time.sleep(0.5), "
             f"open({str(late)!r}, 'w').write('done'))).start()")
    done = run(tmp_path, ["--version"], setup=setup)
    assert done.returncode == 0
    assert late.read_text() == "done"
