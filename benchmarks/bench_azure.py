"""Azure discovery benchmark (issue 16): 20 subscriptions x 5 resource kinds, offline, through the CLI.

    .venv/bin/python benchmarks/bench_azure.py [--subscriptions 20] [--workers 4,16,32] [--repeat 3]

Runs `aims discover azure --format json` as a subprocess (process start to output, as a user
runs it) against the local Azure stand-in (cli/demo_azure.py) on 127.0.0.1, which answers every
request after a latency drawn uniformly from 50-100 ms, as ARM and Resource Graph answer list
calls. Each subscription holds every kind the connector queries, in two regions: Azure OpenAI
and AI Foundry accounts with their deployments (so deployments, content-filter policies and
diagnostic settings are read per account), Speech accounts, ML workspaces and Foundry projects
(registered models, diagnostics), online and batch endpoints, search services and bots. That is
one Resource Graph query per kind for all subscriptions at once, the per-resource reads, and
two Activity Log reads per subscription. The report gives the calls made, the wall time, and the most requests
in flight at once (seen by the server and by the client's own counter) against --max-workers.
Writes benchmarks/results/azure.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "azure.json"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "connectors" / "azure"))


def world(subscriptions: int) -> Any:
    from azure_fixtures.world import seeded  # the same shapes the tests use
    from cli.demo_azure import World

    merged = World()
    for n in range(0, subscriptions, 2):
        pair = seeded(f"{n:08d}-0000-4000-8000-000000000000", f"{n + 1:08d}-0000-4000-8000-000000000000")
        merged.subscriptions += pair.subscriptions
        merged.resources += pair.resources
        merged.listings.update(pair.listings)
    merged.subscriptions = merged.subscriptions[:subscriptions]
    keep = {s["subscriptionId"] for s in merged.subscriptions}
    merged.resources = [r for r in merged.resources if r["subscriptionId"] in keep]
    return merged


def run_once(estate: Any, workers: int) -> dict[str, Any]:
    from cli.demo_azure import FakeAzure, Faults

    with FakeAzure(estate, Faults(latency=(0.05, 0.10))) as fake, tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **fake.env()}
        for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
            env.pop(name, None)
        command = [str(ROOT / ".venv" / "bin" / "aims"), "--quiet", "--workspace", str(Path(tmp) / "ws"), "discover",
                   "azure", "--arm-endpoint", fake.endpoint, "--max-workers", str(workers), "--format", "json"]
        subprocess.run([*command[:4], "init"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 3):
            raise SystemExit(f"aims exited {done.returncode}: {done.stderr[-2000:]}")
        data = json.loads(done.stdout)
        served = fake.calls()
        return {
            "wall_seconds": round(wall, 2), "exit_code": done.returncode,
            "requests_served": len(served),
            "requests_by_method": data["requests"]["by_method"],
            "non_read_requests": sum(1 for r in served if r.method not in ("GET", "HEAD")
                                     and "resourcegraph" not in r.path.lower()),
            "max_in_flight_client": data["requests"]["max_in_flight"],
            "max_in_flight_server": fake.max_in_flight,
            "observations": len(data["observations"]), "controls": len(data["controls"]),
            "systems": len(data["systems"]),
            "serial_estimate_seconds": round(len(served) * 0.075, 1),
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--workers", default="4,16,32")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    estate = world(args.subscriptions)
    runs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        trials = [run_once(estate, workers) for _ in range(args.repeat)]
        best = min(trials, key=lambda t: t["wall_seconds"])
        runs.append({"max_workers": workers, "best_of": args.repeat, **best,
                     "all_wall_seconds": [t["wall_seconds"] for t in trials]})
        print(f"--max-workers {workers:3}: {best['requests_served']} requests "
              f"({best['requests_by_method']}), best wall {best['wall_seconds']}s of {[t['wall_seconds'] for t in trials]}, "
              f"max in flight {best['max_in_flight_server']} (client {best['max_in_flight_client']}), "
              f"serial would be ~{best['serial_estimate_seconds']}s; {best['observations']} observations, "
              f"{best['controls']} controls, non-read requests {best['non_read_requests']}", flush=True)
    result = {"benchmark": "azure", "subscriptions": args.subscriptions, "resource_kinds": 5,
              "resources": len(estate.resources), "latency_ms": [50, 100],
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average": [round(x, 2) for x in os.getloadavg()]},
              "note": "process start to JSON output of `aims discover azure`; latency simulated by the local stand-in",
              "runs": runs}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
