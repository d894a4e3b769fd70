"""Log discovery benchmark (issue 5): aims vs ripgrep on a 2 M-line Squid and a 1 M-line Zscaler log.

    .venv/bin/python -m benchmarks.bench_logs [--scale 1.0] [--no-4x]

Generates the files under benchmarks/.data/ (git-ignored; regenerated when missing), then for each:
- ripgrep counting the lines that name a catalogued AI domain (the floor: it reads, parses nothing);
- `LogConnector` in a fresh subprocess, so its peak RSS is its own, at 1× and 4× the size, with
  the shape-check sidecar's RSS and the CPU of both; and again with the check inline (one core);
- DuckDB's RE2 filter over the same lines, when duckdb is importable (the alternative considered);
- correctness: every generated AI line attributed to the right (app, identity), no decoy attributed.
Writes benchmarks/results/logs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
DATA = ROOT / ".data"
RESULTS = ROOT / "results" / "logs.json"
SQUID_LINES = 2_000_000
ZSCALER_LINES = 1_000_000
AI_SHARE = 0.01
DECOY_SHARE = 0.005

DECOYS = [
    "gemini.com", "exchange.gemini.com", "www.bard.edu", "www.openapis.org", "notopenai.com",
    "api.openai.com.login-verify.net", "claude-monet-gallery.org", "www.mistral-voile.fr", "deepseekers.org",
    "chatgpt.com.phish.example", "claude.ai.example.net", "mycharacter.ai.evil.test", "perplexed.ai",
]


def _ai_hosts() -> list[tuple[str, str]]:
    from discovery.domains import ServiceCatalogue

    catalogue = ServiceCatalogue.load()
    return [(host, s.id) for s in catalogue for host in s.match if ":" not in host and not host.endswith(".")]


def _pick(
    rng: random.Random, ai: list[tuple[str, str]], favourites: list[tuple[str, str]], benign: list[str]
) -> tuple[str, str | None, bool]:
    roll = rng.random()
    if roll < AI_SHARE:
        # People keep to a few AI tools; one request in ten tries something else.
        host, service = rng.choice(favourites) if rng.random() < 0.9 else rng.choice(ai)
        return host, service, False
    if roll < AI_SHARE + DECOY_SHARE:
        return rng.choice(DECOYS), None, True
    return rng.choice(benign), None, False


def generate(kind: str, lines: int, path: Path, seed: int = 42) -> dict[str, Any]:
    """Write a synthetic log and return its truth: AI events per (service, identity), decoy count."""
    rng = random.Random(seed)
    ai = _ai_hosts()
    benign = [f"www.site{i}.example{i % 89}.com" for i in range(6000)] + ["www.google.com", "teams.microsoft.com"]
    users = 997
    favourites = [rng.sample(ai, rng.randint(1, 3)) for _ in range(users)]
    truth: Counter[str] = Counter()
    decoys = malformed = 0
    t = 1_718_000_000.0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            host, service, decoy = _pick(rng, ai, favourites[i % users], benign)
            decoys += decoy
            user = f"user{i % users}"
            t += 0.043
            if service and i % 1000 == 7:  # a truncated AI line: counted as malformed, never attributed
                malformed += 1
                out.write(f"{t:.3f} {host}\n" if kind == "squid" else '{"event":{"eurl":"%s/x","login":"%s"\n' % (host, user))
                continue
            if not service and not decoy and i % 20000 == 13:  # a truncated ordinary line: counted all the same
                malformed += 1
                out.write(f"{t:.3f} {rng.randint(1, 90000):6d} 10.0.0.1 TCP_MISS/200 512 GET\n" if kind == "squid"
                          else '{"sourcetype":"zscalernss-web","event":{"time":"x","eurl":"%s/p\n' % host)
                continue
            if service:
                truth[f"{service}|{user}"] += 1
            if kind == "squid":
                if i % 2:
                    request = f"CONNECT {host}:443"
                else:
                    request = f"GET https://{host}/p/{i % 5000}/view?id={i}"
                out.write(f"{t:.3f} {rng.randint(1, 90000):6d} 10.{i % 200}.{i % 7}.{i % 250} TCP_MISS/200 "
                          f"{rng.randint(200, 90000)} {request} {user} HIER_DIRECT/203.0.113.{i % 250} text/html\n")
            else:
                stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t))
                out.write(
                    '{"sourcetype":"zscalernss-web","event":{"time":"%s","login":"%s@acme.example","proto":"HTTPS",'
                    '"eurl":"%s/p/%d","action":"Allowed","appname":"General Browsing","appclass":"General Browsing",'
                    '"reqsize":"%d","respsize":"%d","stime":"0","ctime":"1","urlclass":"Business Use",'
                    '"urlsupercat":"Information Technology","urlcat":"Web Search","malwarecat":"None",'
                    '"threatname":"None","riskscore":"0","dlpeng":"None","dlpdict":"None","location":"HQ",'
                    '"dept":"Eng","cip":"10.1.%d.%d","sip":"198.51.100.%d","reqmethod":"GET","respcode":"200",'
                    '"ua":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","ereferer":"None","ruletype":"None",'
                    '"rulelabel":"None","contenttype":"text/html","unscannabletype":"None",'
                    '"deviceowner":"%s","devicehostname":"LT-%04d"}}\n'
                    % (stamp, user, host, i % 5000, rng.randint(200, 4000), rng.randint(200, 90000),
                       i % 200, i % 250, i % 250, user, i % 997)
                )
    if kind == "zscaler":  # identities are logins there
        truth = Counter({f"{k.split('|')[0]}|{k.split('|')[1]}@acme.example": v for k, v in truth.items()})
    return {"lines": lines, "ai_lines": sum(truth.values()), "decoy_lines": decoys, "malformed_lines": malformed,
            "pairs": dict(truth)}


def _file(kind: str, lines: int, factor: int) -> tuple[Path, dict[str, Any]]:
    base = DATA / f"{kind}-{lines}.log"
    truth_file = base.with_suffix(".truth.json")
    if not base.exists() or not truth_file.exists():
        truth_file.write_text(json.dumps(generate(kind, lines, base)))
    truth = json.loads(truth_file.read_text())
    if factor == 1:
        return base, truth
    big = DATA / f"{kind}-{lines}x{factor}.log"
    if not big.exists():
        with big.open("wb") as out:
            for _ in range(factor):
                with base.open("rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
    scaled = {**truth, "lines": truth["lines"] * factor, "ai_lines": truth["ai_lines"] * factor,
              "decoy_lines": truth["decoy_lines"] * factor, "malformed_lines": truth["malformed_lines"] * factor,
              "pairs": {k: v * factor for k, v in truth["pairs"].items()}}
    return big, scaled


def _ripgrep(path: Path) -> dict[str, Any] | None:
    rg = shutil.which("rg")
    if rg is None:
        return None
    from discovery.domains import ServiceCatalogue

    patterns = DATA / "ai-patterns.txt"  # the prefilter's own patterns (RE2-compatible, ripgrep's default engine)
    patterns.write_text("\n".join(p.regex for p in ServiceCatalogue.load().host_patterns()) + "\n")
    best = None
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run([rg, "-c", "-i", "-f", str(patterns), str(path)], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return {"seconds": round(best or 0.0, 4), "matching_lines": int(done.stdout.strip() or 0)}


def _child(path: str, inline: bool = False) -> None:
    """Runs in a fresh interpreter: one scan, then its time, peak RSS and what it attributed."""
    from connectors.logs import LogConnector

    connector = LogConnector(shape_sidecar=not inline)
    started = time.perf_counter()
    result = connector.scan([path])
    elapsed = time.perf_counter() - started
    pairs: Counter[str] = Counter()
    hosts: set[str] = set()
    for obs in result.observations:
        pairs[f"{obs.system_hint}|{obs.identity}"] += obs.count
        hosts.update(str(obs.attributes.get("hosts", "")).split(","))
    print(json.dumps({
        "seconds": elapsed,
        "peak_rss_mb": _peak_rss_mb(),
        # the shape-check sidecar is a forked child: its memory and CPU are reported, not hidden
        "sidecar_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu_seconds": sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF,
                           resource.RUSAGE_CHILDREN) for field in ("ru_utime", "ru_stime")),
        "counts": result.counts,
        "issues": [i.model_dump(mode="json") for i in result.issues],
        "pairs": pairs,
        "hosts": sorted(h for h in hosts if h),
    }))


def _peak_rss_mb() -> float:
    """This process's own peak RSS. Linux carries ru_maxrss across exec, so a child of a large
    parent (this benchmark, after DuckDB ran) would report the parent's size; VmHWM is per process."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _aims(path: Path, inline: bool = False, runs: int = 3) -> dict[str, Any]:
    """Best time of `runs` fresh processes, as for ripgrep; memory is the largest seen."""
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_logs", "--child", str(path),
                               *(["--inline"] if inline else [])],
                              capture_output=True, text=True, env=env, cwd=ROOT.parent, check=True)
        results.append(json.loads(done.stdout))
    best = min(results, key=lambda r: r["seconds"])
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
    best["sidecar_peak_rss_mb"] = max(r["sidecar_peak_rss_mb"] for r in results)
    best["all_seconds"] = [round(r["seconds"], 3) for r in results]
    return best


def _duckdb(path: Path) -> dict[str, Any] | None:
    try:
        import duckdb  # optional: measured as the alternative, not a dependency
    except ImportError:
        return None

    from discovery.domains import ServiceCatalogue

    pattern = "(?i)(?m)" + "|".join(f"(?:{p.regex})" for p in ServiceCatalogue.load().host_patterns())
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    started = time.perf_counter()
    rows = con.execute(
        "select count(*) from read_csv(?, columns={'line': 'VARCHAR'}, delim='\x01', quote='', escape='', "
        "header=false, auto_detect=false) where regexp_matches(line, ?)", [str(path), pattern]
    ).fetchone()
    return {"seconds": round(time.perf_counter() - started, 4), "matching_lines": rows[0] if rows else 0,
            "note": "filter only: lines still need parsing and attribution"}


def _correctness(truth: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    expected, got = Counter(truth["pairs"]), Counter(run["pairs"])
    missing = expected - got
    extra = got - expected
    decoys = [h for h in run["hosts"] if h in DECOYS]
    return {
        "ai_lines": truth["ai_lines"],
        "attributed": sum(got.values()),
        "missing": sum(missing.values()),
        "wrongly_attributed": sum(extra.values()),
        "decoys_attributed": decoys,
        "malformed_expected": truth["malformed_lines"],
        "malformed_reported": run["counts"].get("malformed_lines", 0),
        "ok": not missing and not extra and not decoys
        and run["counts"].get("malformed_lines", 0) == truth["malformed_lines"],
    }


def bench(kind: str, lines: int, with_4x: bool) -> dict[str, Any]:
    path, truth = _file(kind, lines, 1)
    rg = _ripgrep(path)
    one = _aims(path)
    entry: dict[str, Any] = {
        "file": {"lines": truth["lines"], "bytes": path.stat().st_size, "ai_lines": truth["ai_lines"],
                 "decoy_lines": truth["decoy_lines"], "malformed_lines": truth["malformed_lines"],
                 "app_identity_pairs": len(truth["pairs"])},
        "ripgrep": rg or "skipped: rg not installed (apt-get install ripgrep)",
        "aims": {"seconds": round(one["seconds"], 3), "lines_per_second": round(truth["lines"] / one["seconds"]),
                 "peak_rss_mb": round(one["peak_rss_mb"], 1),
                 "sidecar_peak_rss_mb": round(one["sidecar_peak_rss_mb"], 1),
                 "cpu_seconds": round(one["cpu_seconds"], 2), "runs_seconds": one["all_seconds"],
                 "counts": one["counts"]},
        "correctness": _correctness(truth, one),
        "duckdb_filter": _duckdb(path) or "skipped: duckdb not installed",
    }
    single = _aims(path, inline=True)  # the shape check inline: what one core (a 1-CPU pod) gets
    entry["aims_one_core"] = {"seconds": round(single["seconds"], 3),
                              "lines_per_second": round(truth["lines"] / single["seconds"]),
                              "correct": _correctness(truth, single)["ok"]}
    if rg:
        entry["ratio_to_ripgrep"] = round(one["seconds"] / rg["seconds"], 1)
        entry["one_core_ratio_to_ripgrep"] = round(single["seconds"] / rg["seconds"], 1)
    if with_4x:
        big, big_truth = _file(kind, lines, 4)
        four = _aims(big, runs=1)
        entry["aims_4x"] = {"lines": big_truth["lines"], "seconds": round(four["seconds"], 3),
                            "lines_per_second": round(big_truth["lines"] / four["seconds"]),
                            "peak_rss_mb": round(four["peak_rss_mb"], 1),
                            "sidecar_peak_rss_mb": round(four["sidecar_peak_rss_mb"], 1),
                            "correct": _correctness(big_truth, four)["ok"]}
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--inline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the standard sizes (quick runs)")
    parser.add_argument("--no-4x", action="store_true", help="skip the 4x memory run")
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, inline=args.inline)
        return 0
    if shutil.which("rg") is None:
        print("ripgrep (rg) is not installed: the ripgrep baseline is skipped (apt-get install ripgrep)", file=sys.stderr)
    from connectors.logs.prefilter import ENGINE

    results = {
        "benchmark": "logs",
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "prefilter_engine": ENGINE},
        "targets": {"max_ratio_to_ripgrep": 20, "min_squid_lines_per_second": 1_000_000},
        "squid": bench("squid", int(SQUID_LINES * args.scale), not args.no_4x),
        "zscaler": bench("zscaler", int(ZSCALER_LINES * args.scale), not args.no_4x),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
