"""Offline gap drafting on the example organisation: speed and accuracy against labels.

    .venv/bin/python benchmarks/bench_gap.py [--mode hybrid] [--k 6] [--sweep]

Indexes examples/acme/policies/ with rag's offline embedder, drafts all 70
requirements with the offline drafter, and compares each drafted status with
the ground truth in examples/acme/policies/LABELS.yaml:

    covered -> conformant      partial -> partial      absent -> gap or insufficient-evidence

Reports a confusion matrix, exact-match accuracy, "coverage detected"
accuracy (covered/partial vs absent), how often a covered/partial finding
cites a labelled section, and the drafting time. ``--sweep`` also grids the
drafter's thresholds over the same retrieved passages (retrieval runs once),
to show how sensitive the defaults are; the product defaults are chosen by
hand from that table, never loaded from it.

Writes benchmarks/results/gap.json. Needs rag and gap.requirements.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gap.drafting import DraftRequest, OfflineDrafter, Thresholds  # noqa: E402
from gap.drafting.offline import decide  # noqa: E402
from gap.models import Finding, FindingStatus  # noqa: E402

POLICIES = ROOT / "examples" / "acme" / "policies"
LABELS = POLICIES / "LABELS.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "gap.json"
LABEL_NAMES = ("covered", "partial", "absent")
STATUS_NAMES = tuple(s.value for s in FindingStatus)
EXPECTED = {
    "covered": {"conformant"},
    "partial": {"partial"},
    "absent": {"gap", "insufficient-evidence"},
}


def load_labels() -> dict[str, dict[str, Any]]:
    import yaml

    raw = yaml.safe_load(LABELS.read_text(encoding="utf-8")) or {}
    labels: dict[str, dict[str, Any]] = {}
    for rid, value in (raw.get("requirements") or {}).items():
        labels[str(rid)] = {"label": str(value.get("label", "")).lower(), "evidence": value.get("evidence") or []}
    return labels


def cites_labelled_section(finding: Finding, evidence: list[dict[str, Any]]) -> bool:
    for citation in finding.citations:
        path = [p.strip().lower() for p in (citation.section or "").split(">")]
        for item in evidence:
            if str(item.get("document")) != citation.document:
                continue
            section = str(item.get("section") or "").strip().lower()
            page = item.get("page")
            if page is not None and citation.page == int(page):
                return True
            if section.startswith("page ") and citation.page == int(section.split()[1]):
                return True
            if section and section in path:
                return True
    return False


def score(findings: list[Finding], labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    matrix = {label: Counter() for label in LABEL_NAMES}
    exact = detected = cited = cite_total = 0
    misses = []
    for finding in findings:
        truth = labels.get(finding.requirement)
        if truth is None or truth["label"] not in matrix:
            continue
        label, status = truth["label"], finding.status.value
        matrix[label][status] += 1
        if status in EXPECTED[label]:
            exact += 1
        else:
            misses.append(f"{finding.requirement}: {label} -> {status}")
        covered = label in ("covered", "partial")
        if covered == (status in ("conformant", "partial")):
            detected += 1
        if covered and status in ("conformant", "partial"):
            cite_total += 1
            cited += cites_labelled_section(finding, truth["evidence"])
    total = sum(sum(c.values()) for c in matrix.values())
    return {
        "evaluated": total,
        "exact_match": round(exact / total, 3) if total else None,
        "coverage_detected": round(detected / total, 3) if total else None,
        "cites_labelled_section": round(cited / cite_total, 3) if cite_total else None,
        "confusion": {label: {s: matrix[label][s] for s in STATUS_NAMES if matrix[label][s]} for label in LABEL_NAMES},
        "label_counts": {label: sum(matrix[label].values()) for label in LABEL_NAMES},
        "misses": misses,
    }


def build_requests(mode: str, k: int) -> tuple[list[DraftRequest], dict[str, Any]]:
    from gap.assess import RetrieverPassages, _queries
    from gap.requirements import load_catalogue
    from rag.embeddings import MiniLMEmbedder
    from rag.index import PolicyIndex
    from rag.loaders import SUFFIXES, load_document
    from rag.retriever import Retriever

    catalogue = load_catalogue()
    folder = tempfile.mkdtemp(prefix="aims-bench-gap-")
    index = PolicyIndex(Path(folder) / "index", MiniLMEmbedder(threads=2))
    start = time.perf_counter()
    for path in sorted(POLICIES.rglob("*")):
        if path.suffix.lower() in SUFFIXES and path.name != LABELS.name:
            index.add(load_document(path))
    ingest = time.perf_counter() - start
    source = RetrieverPassages(Retriever(index, mode=mode))  # type: ignore[arg-type]
    start = time.perf_counter()
    requests = [
        DraftRequest(requirement=r, passages=source.search_many(_queries(r), k)) for r in catalogue.all()
    ]
    retrieval = time.perf_counter() - start
    return requests, {"ingest_seconds": round(ingest, 2), "retrieval_seconds": round(retrieval, 2)}


def draft_all(requests: list[DraftRequest], thresholds: Thresholds) -> tuple[list[Finding], float]:
    drafter = OfflineDrafter(thresholds)
    start = time.perf_counter()
    findings = [drafter.draft(r) for r in requests]
    return findings, time.perf_counter() - start


def status_accuracy(requests: list[DraftRequest], labels: dict[str, dict[str, Any]], t: Thresholds) -> tuple[float, float]:
    """Exact-match and coverage-detected accuracy from the status decision alone (no finding text)."""
    exact = detected = total = 0
    for request in requests:
        truth = labels.get(request.requirement.id)
        if truth is None or truth["label"] not in EXPECTED:
            continue
        status = decide(request, t).status.value
        total += 1
        exact += status in EXPECTED[truth["label"]]
        detected += (truth["label"] != "absent") == (status in ("conformant", "partial"))
    return round(exact / total, 3), round(detected / total, 3)


SWEEP_GRID: dict[str, list[Any]] = {
    "saturation": [2.5, 3.0, 3.5],
    "phrase_weight": [1.0, 1.5, 2.0],
    "heading_weight": [1.0, 2.0, 3.0],
    "rank_weight": [0.2, 0.3],
    "conformant_score": [0.85, 0.95],
    "conformant_breadth": [0.3, 0.4, 0.5],
    "partial_score": [0.65, 0.75, 0.85],
    "ai_bridge_score": [0.45, 0.65, 0.85],
}


def sweep(requests: list[DraftRequest], labels: dict[str, dict[str, Any]], base: Thresholds) -> list[dict[str, Any]]:
    rows = []
    for values in itertools.product(*SWEEP_GRID.values()):
        thresholds = replace(base, **dict(zip(SWEEP_GRID, values)))
        if thresholds.partial_score >= thresholds.conformant_score:
            continue
        exact, detected = status_accuracy(requests, labels, thresholds)
        rows.append({**dict(zip(SWEEP_GRID, values)), "exact_match": exact, "coverage_detected": detected})
    rows.sort(key=lambda r: (-r["exact_match"], -r["coverage_detected"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "lexical"))
    parser.add_argument("--k", type=int, default=6, help="passages retrieved per requirement")
    parser.add_argument("--sweep", action="store_true", help="grid the drafter thresholds too")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if not LABELS.exists():
        print(f"skipping: {LABELS.relative_to(ROOT)} not found")
        return 0
    try:
        requests, timings = build_requests(args.mode, args.k)
    except ImportError as exc:
        print(f"skipping: {exc} (needs rag and gap.requirements)")
        return 0
    labels = load_labels()
    thresholds = Thresholds()
    findings, seconds = draft_all(requests, thresholds)
    result = score(findings, labels)
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "retrieval": {"mode": args.mode, "k": args.k, **timings},
        "drafting": {"requirements": len(findings), "seconds": round(seconds, 3),
                     "ms_per_requirement": round(1000 * seconds / max(1, len(findings)), 2)},
        "thresholds": asdict(thresholds),
        "accuracy": result,
        "drafted": {s: n for s, n in Counter(f.status.value for f in findings).most_common()},
    }
    if args.sweep:
        rows = sweep(requests, labels, thresholds)
        report["sweep"] = {"configurations": len(rows), "top": rows[:15]}

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"drafted {len(findings)} requirements offline in {seconds:.2f} s "
          f"(ingest {timings['ingest_seconds']} s, retrieval {timings['retrieval_seconds']} s)")
    print(f"exact match {result['exact_match']}, coverage detected {result['coverage_detected']}, "
          f"cites a labelled section {result['cites_labelled_section']} (n={result['evaluated']})")
    print("confusion (label -> drafted status):")
    for label in LABEL_NAMES:
        print(f"  {label:8} {result['confusion'][label]}")
    if args.sweep:
        print("best threshold configurations:")
        for row in report["sweep"]["top"][:5]:
            print("  ", row)
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
