"""`make bench`: run every benchmark, each in its own process, and print where results went.

`python -m benchmarks [NAME ...]` runs a subset: code, logs, logs_cli, aws, azure, retrieval, ingest,
gap, gap_public, llm, review, register, cli.
Results are written as JSON to benchmarks/results/.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("cli", "retrieval", "ingest", "gap", "gap_public", "llm", "review", "register", "code", "logs", "logs_cli",
              "aws", "azure")


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== bench_{name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"bench_{name}.py")])
        print(f"=== bench_{name}: exit {code} in {time.perf_counter() - started:.0f}s", flush=True)
        if code:
            failed.append(name)
    print(f"\nresults in {HERE / 'results'}; failed: {failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
