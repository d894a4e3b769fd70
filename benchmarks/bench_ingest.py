"""Ingest and retrieval at scale, through the CLI: 500 generated policy documents (benchmarks/policy_corpus.py).

    .venv/bin/python benchmarks/bench_ingest.py [--documents 500] [--runs 3]

In a fresh workspace, as a user runs it (process start to output):
1. `aims policies add CORPUS --format json`: every document parsed, chunked and embedded with
   the offline MiniLM; chunks per second (target >= 100 on 2 cores), best of N, each run in a
   fresh workspace. The fast MiniLM graph is derived on first use and cached per machine: the
   runs use a warm cache of their own (AIMS_MODEL_CACHE), and that one-time derivation is timed
   separately (one small document added with a cold cache, then with a warm one);
2. the same command again, nothing changed: best of N (target <= 5 s; files are hashed, not parsed);
3. `aims gap run --format json` with the offline drafter: 70 requirements retrieved and drafted
   over the corpus (target <= 30 s);
4. `aims gap run` again, nothing changed: best of N (target <= 3 s; requirements whose inputs
   are unchanged are not drafted again).
Also, in process: the BM25 index build and one `gap run`'s worth of lexical queries.
The machine may be shared: wall and CPU seconds are both reported, with the load average.
Writes benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.policy_corpus import generate  # noqa: E402

DATA = ROOT / "benchmarks" / ".data"
RESULTS = ROOT / "benchmarks" / "results" / "ingest.json"
AIMS = str(Path(sys.executable).with_name("aims"))
TARGETS = {"add_min_chunks_per_second": 100, "unchanged_add_max_seconds": 5, "gap_run_max_seconds": 30,
           "unchanged_gap_run_max_seconds": 3}


MODEL_CACHE = tempfile.mkdtemp(prefix="aims-bench-models-")
ENV = {**os.environ, "AIMS_LLM": "", "AIMS_MODEL_CACHE": MODEL_CACHE}


def run(argv: list[str], cwd: str) -> dict[str, Any]:
    started = time.perf_counter()
    process = subprocess.Popen([AIMS, *argv], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=ENV)
    out = process.stdout.read() if process.stdout else b""
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 3):
        raise RuntimeError(f"aims {' '.join(argv)} exited {code}")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": code, "output": json.loads(out or b"{}")}


def best_of(argv: list[str], cwd: str, runs: int) -> dict[str, Any]:
    results = [run(argv, cwd) for _ in range(runs)]
    best = min(results, key=lambda r: r["seconds"])
    best["runs_seconds"] = [r["seconds"] for r in results]
    return best


def lexical(workspace: str) -> dict[str, Any]:
    """BM25 over the workspace's index, in process: build once, then one gap run's queries."""
    from rag.lexical import LexicalScorer

    texts = []
    for record in (Path(workspace) / ".aims").rglob("aims-documents/doc-*.json"):
        raw = json.loads(record.read_text(encoding="utf-8"))
        body = raw["document"]["text"]
        texts += [body[c["start"]:c["end"]] for c in raw["chunks"]]
    started = time.perf_counter()
    scorer = LexicalScorer(texts)
    built = time.perf_counter() - started
    queries = [f"{a} {b} review approval evidence" for a in ("AI risk", "supplier", "incident", "training", "data",
                                                            "oversight", "retention")
               for b in ("assessment", "policy", "register", "owner", "monitoring", "records", "controls",
                         "contract", "annual", "impact")] * 4  # ~4 phrasings for each of 70 requirements
    started = time.perf_counter()
    for query in queries:
        scorer.top(query, 30)
    return {"chunks": len(texts), "build_seconds": round(built, 3), "queries": len(queries),
            "query_seconds_total": round(time.perf_counter() - started, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    corpus = DATA / f"policies-{args.documents}"
    if not corpus.exists():
        print(f"generating {corpus} ...", file=sys.stderr, flush=True)
        generate(corpus, args.documents)
    results: dict[str, Any] = {
        "benchmark": "ingest",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
        "targets": TARGETS,
        "corpus": {"documents": args.documents, "bytes": sum(p.stat().st_size for p in corpus.iterdir()),
                   "by_type": {s: len(list(corpus.glob(f"*.{s}"))) for s in ("md", "html", "pdf", "docx")}},
        "note": "wall seconds from process start to output; the machine may be shared (see the load average): "
                "CPU seconds are the steadier number, and the lead re-runs this on a quiet machine",
    }
    scratch: list[str] = []

    def fresh_workspace() -> str:
        folder = tempfile.mkdtemp(prefix="aims-bench-ingest-")
        scratch.append(folder)
        subprocess.run([AIMS, "--quiet", "init"], cwd=folder, check=True, stdout=subprocess.DEVNULL, env=ENV)
        return folder

    try:
        one = str(min(corpus.glob("*.md")))
        print("first use: deriving the fast model ...", file=sys.stderr, flush=True)
        cold = run(["policies", "add", one, "--format", "json"], fresh_workspace())
        warm = run(["policies", "add", one, "--format", "json"], fresh_workspace())
        results["first_use"] = {
            "note": "one small document added with an empty model cache (the fast MiniLM graph is derived "
                    "from the verified source and cached), then with the cache warm: a once-per-machine cost",
            "cold_seconds": cold["seconds"], "cold_cpu_seconds": cold["cpu_seconds"],
            "warm_seconds": warm["seconds"], "warm_cpu_seconds": warm["cpu_seconds"],
            "derivation_seconds": round(cold["seconds"] - warm["seconds"], 2)}
        print(json.dumps(results["first_use"]), file=sys.stderr, flush=True)
        adds = []
        for number in range(args.runs):
            print(f"policies add ({number + 1}/{args.runs}) ...", file=sys.stderr, flush=True)
            workspace = fresh_workspace()
            add = run(["policies", "add", str(corpus), "--format", "json"], workspace)
            documents = add.pop("output").get("documents", [])
            chunks = sum(d["chunks"] for d in documents)
            add.update({"documents": len(documents), "chunks": chunks,
                        "chunks_per_second": round(chunks / add["seconds"], 1),
                        "chunks_per_cpu_second": round(chunks / add["cpu_seconds"], 1),
                        "load_average_after": [round(x, 2) for x in os.getloadavg()]})
            adds.append(add)
            print(json.dumps(add), file=sys.stderr, flush=True)
        best = min(adds, key=lambda a: a["seconds"])
        results["policies_add"] = {**best, "best_of": len(adds), "runs_seconds": [a["seconds"] for a in adds],
                                   "runs_cpu_seconds": [a["cpu_seconds"] for a in adds]}
        again = best_of(["policies", "add", str(corpus), "--format", "json"], workspace, args.runs)
        statuses = {d["status"] for d in again.pop("output").get("documents", [])}
        results["policies_add_unchanged"] = {**again, "statuses": sorted(statuses)}
        print("gap run ...", file=sys.stderr, flush=True)
        gap = run(["gap", "run", "--format", "json"], workspace)
        gap.pop("output")
        results["gap_run"] = gap
        rerun = best_of(["gap", "run", "--format", "json"], workspace, args.runs)
        rerun.pop("output")
        results["gap_run_unchanged"] = rerun
        results["bm25_in_process"] = lexical(workspace)
    finally:
        for folder in [*scratch, MODEL_CACHE]:
            shutil.rmtree(folder, ignore_errors=True)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["verdict"] = {
        "add_chunks_per_second": results["policies_add"]["chunks_per_second"],
        "add_chunks_per_cpu_second": results["policies_add"]["chunks_per_cpu_second"],
        "add_meets_target": results["policies_add"]["chunks_per_second"] >= TARGETS["add_min_chunks_per_second"],
        "unchanged_add_seconds": results["policies_add_unchanged"]["seconds"],
        "gap_run_seconds": results["gap_run"]["seconds"],
        "unchanged_gap_run_seconds": results["gap_run_unchanged"]["seconds"],
        "all_targets_met": (
            results["policies_add"]["chunks_per_second"] >= TARGETS["add_min_chunks_per_second"]
            and results["policies_add_unchanged"]["seconds"] <= TARGETS["unchanged_add_max_seconds"]
            and results["gap_run"]["seconds"] <= TARGETS["gap_run_max_seconds"]
            and results["gap_run_unchanged"]["seconds"] <= TARGETS["unchanged_gap_run_max_seconds"]),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["verdict"], indent=2))
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
