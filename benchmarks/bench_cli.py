"""Start-up and end-to-end timings of the CLI: `aims --help` (goal < 0.5 s, so heavy libraries
load lazily) and `aims demo` on the example organisation."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "cli.json"
AIMS = str(Path(sys.executable).with_name("aims"))


def timed(*args: str, cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run([AIMS, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_modules_at_help() -> list[str]:
    probe = ("import sys; from click.testing import CliRunner; from cli.main import cli; "
             "CliRunner().invoke(cli, ['--help']); "
             "print(','.join(m for m in ('chromadb','langchain','boto3','onnxruntime','openai') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    return [m for m in out.split(",") if m]


def main() -> None:
    help_times = [timed("--help") for _ in range(7)]
    out = Path(tempfile.mkdtemp(prefix="aims-bench-demo-"))
    try:
        demo = timed("demo", "--output", str(out / "demo"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    result = {
        "help_seconds_median": round(statistics.median(help_times), 3),
        "help_seconds_max": round(max(help_times), 3),
        "help_goal_seconds": 0.5,
        "heavy_modules_loaded_by_help": heavy_modules_at_help(),
        "demo_seconds": round(demo, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
