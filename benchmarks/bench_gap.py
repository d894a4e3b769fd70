"""Offline gap drafting on the example organisation: speed and accuracy against labels.

    .venv/bin/python benchmarks/bench_gap.py [--mode hybrid] [--k 6]

Indexes examples/acme/policies/ with rag's offline embedder, drafts all 70
requirements with the offline drafter, and compares each drafted status with
the ground truth in examples/acme/policies/LABELS.yaml:

    covered -> conformant      partial -> partial      absent -> gap or insufficient-evidence

Reports a confusion matrix, exact-match accuracy, "coverage detected"
accuracy (covered/partial vs absent), how often a covered/partial finding
cites a labelled section, and the drafting time. The assessor's judgement lives
in the evidence criteria (gap/data/criteria.yaml), which were written for the
standard, not for these labels; benchmarks/bench_gap_public.py measures it on
public policy sets with a held-out part.

Writes benchmarks/results/gap.json. Needs rag and gap.requirements.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gap.drafting import OfflineDrafter, Thresholds  # noqa: E402
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


def build_source(mode: str) -> tuple[object, object, dict[str, Any]]:
    from gap.assess import RetrieverPassages
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
    return catalogue, RetrieverPassages(Retriever(index, mode=mode)), {"ingest_seconds": round(ingest, 2)}  # type: ignore[arg-type]


def draft_all(catalogue: Any, source: Any, thresholds: Thresholds, k: int) -> tuple[list[Finding], float]:
    """Retrieval and drafting as `aims gap run` does them (gap.assess), timed together."""
    from gap.assess import assess

    start = time.perf_counter()
    result = assess(catalogue, source, OfflineDrafter(thresholds), k=k)
    return result.findings, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "lexical"))
    parser.add_argument("--k", type=int, default=6, help="passages retrieved per requirement")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if not LABELS.exists():
        print(f"skipping: {LABELS.relative_to(ROOT)} not found")
        return 0
    try:
        catalogue, source, timings = build_source(args.mode)
    except ImportError as exc:
        print(f"skipping: {exc} (needs rag and gap.requirements)")
        return 0
    labels = load_labels()
    thresholds = Thresholds()
    findings, seconds = draft_all(catalogue, source, thresholds, args.k)
    result = score(findings, labels)
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "loadavg": os.getloadavg()},
        "retrieval": {"mode": args.mode, "k": args.k, **timings},
        "drafting": {"requirements": len(findings), "seconds_with_retrieval": round(seconds, 3),
                     "ms_per_requirement": round(1000 * seconds / max(1, len(findings)), 2)},
        "thresholds": asdict(thresholds),
        "accuracy": result,
        "drafted": {s: n for s, n in Counter(f.status.value for f in findings).most_common()},
    }

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"retrieved and drafted {len(findings)} requirements offline in {seconds:.2f} s "
          f"(ingest {timings['ingest_seconds']} s)")
    print(f"exact match {result['exact_match']}, coverage detected {result['coverage_detected']}, "
          f"cites a labelled section {result['cites_labelled_section']} (n={result['evaluated']})")
    print("confusion (label -> drafted status):")
    for label in LABEL_NAMES:
        print(f"  {label:8} {result['confusion'][label]}")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
