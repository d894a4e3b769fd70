"""Offline gap assessment on public policy sets no one here wrote, through the `aims` CLI as a user runs it.

    .venv/bin/python benchmarks/bench_gap_public.py [--mirror DIR] [--skip-timing]

For each labelled set (benchmarks/gapsets/labels.yaml; sources and licences in
benchmarks/gapsets/SOURCES.md) it builds the corpus from a local mirror of the
public repositories (``--mirror``, env AIMS_BENCH_MIRROR, default /work/.mirror:
one ``owner+name/repo`` git directory per repository, as `git clone --mirror`
would give), then runs ``aims policies add`` and ``aims gap run --format json``
in a fresh workspace and compares each drafted status with the labels:

    covered -> conformant   partial -> partial   absent -> gap | insufficient-evidence

It reports gap-vs-covered and three-way accuracy for the offline assessor, a
plain keyword match and "all gap" on the same labels, split into the part the
criteria were checked against (tune) and the held-out part; the number of
citations that fail verification against the stored document text; and, for
an injection variant of each set (one planted document that addresses the tool
and claims conformance, benchmarks/gapsets/injection.md), how many verdicts
change. Finally it times `aims gap run` on four corpora of about 50 documents.

No document is stored in this repository: the sets are read from the mirror
(several sources carry no licence that allows redistribution). Without the
mirror the benchmark says so and exits 0. Writes benchmarks/results/gap_public.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HERE = ROOT / "benchmarks" / "gapsets"
LABELS = HERE / "labels.yaml"
INJECTION = HERE / "injection.md"
RESULTS = ROOT / "benchmarks" / "results" / "gap_public.json"
AIMS = [str(Path(sys.executable).parent / "aims")]
COVERED = {"conformant", "partial"}
EXPECTED = {"covered": "conformant", "partial": "partial", "absent": "gap"}

# (repository, commit, path inside it)
ISMS = ("dm-ra-01/doco-common-bond", "fca635218ceee1a5e24c9b74aa38c52d6496d8d8", "docs/compliance/iso27001")
ISMS_LATER = ("dm-ra-01/doco-common-bond", "477e4806373229efc2233a00109487c3460fdd64", "docs/compliance/iso27001")
AI_TEMPLATES = ("onchainlabs1/foundryai", "1182e566ecb85788dad17f5c5f8a3b8b8f0d0849", "aims_readiness_templates_en")
JUPITER_POLICIES = ("JupiterOne/security-policy-templates", "0dcc3b23ebf582254962c13df14b570c27c36a37", "templates/policies")
JUPITER_PROCEDURES = ("JupiterOne/security-policy-templates", "0dcc3b23ebf582254962c13df14b570c27c36a37", "templates/procedures")
ZIFNABB_PDF = ("zifnabb/compliance", "41aaf5682369a61baff65dd068dce02a9ea1e942", "business")
ZIFNABB_MD = ("zifnabb/compliance", "41aaf5682369a61baff65dd068dce02a9ea1e942", "audit-templates")

SETS: dict[str, list[tuple[str, str, str]]] = {
    "isms": [ISMS],
    "isms-ai": [ISMS, AI_TEMPLATES],
    "generic": [JUPITER_POLICIES],
}
#: Four corpora of about 50 documents each, for timing.
TIMING: dict[str, list[tuple[tuple[str, str, str], int, int]]] = {
    "jupiterone-policies+procedures": [(JUPITER_POLICIES, 0, 26), (JUPITER_PROCEDURES, 0, 24)],
    "jupiterone-procedures": [(JUPITER_PROCEDURES, 24, 74)],
    "isms-with-ai-tooling+ai-templates": [(ISMS_LATER, 0, 35), (AI_TEMPLATES, 0, 16)],
    "zifnabb-pdf+markdown": [(ZIFNABB_PDF, 0, 31), (ZIFNABB_MD, 0, 19)],
}
SUFFIXES = (".md", ".pdf", ".docx", ".html", ".htm", ".txt")


def _git_dir(mirror: Path, repo: str) -> Path:
    return mirror / repo.replace("/", "+") / "repo"


def _files(mirror: Path, source: tuple[str, str, str]) -> list[tuple[str, bytes]]:
    """(relative name, bytes) of the documents under the source's path, sorted; .mdx/.tmpl read as Markdown."""
    repo, commit, path = source
    cmd = ["git", "--git-dir", str(_git_dir(mirror, repo)), "archive", commit] + ([path] if path else [])
    data = subprocess.run(cmd, check=True, capture_output=True).stdout
    out = []
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = member.name[len(path):].lstrip("/") if path else member.name
            for old in (".md.tmpl", ".mdx"):
                if name.endswith(old):
                    name = name[: -len(old)] + ".md"
            if name.lower().endswith(SUFFIXES) and "__MACOSX" not in name:
                handle = tar.extractfile(member)
                if handle is not None:
                    out.append((name, handle.read()))
    return sorted(out)


def build_corpus(mirror: Path, sources: list[tuple[tuple[str, str, str], int, int]], target: Path) -> int:
    count = 0
    for source, first, last in sources:
        prefix = source[0].split("/")[1]
        for name, payload in _files(mirror, source)[first:last]:
            dest = target / prefix / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(payload)
            count += 1
    return count


def aims(workspace: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "AIMS_WORKSPACE": str(workspace), "AIMS_LLM": "none"}
    started = time.perf_counter()
    proc = subprocess.run(AIMS + ["--quiet", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    return proc, time.perf_counter() - started


def run_set(corpus: Path, workspace: Path) -> dict[str, Any]:
    aims(workspace, "init")  # once, untimed: commands refuse a missing workspace
    added, add_seconds = aims(workspace, "policies", "add", str(corpus))
    if added.returncode not in (0, 3):
        raise RuntimeError(f"aims policies add failed: {added.stderr[-2000:]}")
    ran, run_seconds = aims(workspace, "gap", "run", "--format", "json")
    if ran.returncode not in (0, 3):
        raise RuntimeError(f"aims gap run failed: {ran.stderr[-2000:]}")
    doc = json.loads(ran.stdout)
    return {"findings": doc["findings"], "run": doc.get("run", {}), "add_seconds": add_seconds,
            "run_seconds": run_seconds}


def unverifiable_citations(workspace: Path, findings: list[dict[str, Any]]) -> list[str]:
    """Citations whose chunk is unknown or flagged, or whose quote is not the source text at its offsets."""
    records = {}
    for file in workspace.rglob("aims-documents/doc-*.json"):
        raw = json.loads(file.read_text(encoding="utf-8"))
        records[raw["document"]["id"]] = raw
    chunks = {c["id"]: (doc_id, c) for doc_id, raw in records.items() for c in raw["chunks"]}
    bad = []
    for finding in findings:
        for citation in finding.get("citations", []):
            owner = chunks.get(citation["chunk_id"])
            if owner is None or owner[1].get("suspicious"):
                bad.append(f"{finding['requirement']}: {citation['chunk_id']} unknown or flagged")
                continue
            text = records[owner[0]]["document"]["text"]
            if text[citation["start"]: citation["end"]] != citation["quote"]:
                bad.append(f"{finding['requirement']}: quote does not match {citation['document']}")
    return bad


def flagged_chunks(workspace: Path) -> int:
    """Chunks flagged as untrusted at ingestion (in a clean set, every one is a false alarm)."""
    return sum(
        1 for file in workspace.rglob("aims-documents/doc-*.json")
        for c in json.loads(file.read_text(encoding="utf-8"))["chunks"] if c.get("suspicious")
    )


def keyword_baseline(corpus: Path) -> dict[str, str]:
    """A plain keyword match: per requirement, the most catalogue keywords any one chunk mentions."""
    from gap.drafting.text import matched_keywords
    from gap.requirements import load_catalogue
    from rag.chunking import chunk_document, contextual_text
    from rag.loaders import load_document

    chunks = []
    for path in sorted(corpus.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            try:
                chunks.extend(contextual_text(c) for c in chunk_document(load_document(path)))
            except Exception:  # noqa: BLE001 - an unreadable file is simply not evidence here
                continue
    statuses = {}
    for requirement in load_catalogue():
        keywords = list(requirement.keywords)
        best = max((len(matched_keywords(text, keywords)) for text in chunks), default=0)
        statuses[requirement.id] = (
            "conformant" if best >= max(3, len(keywords) // 2) else "partial" if best >= 2 else "gap"
        )
    return statuses


def score(statuses: dict[str, str], labels: list[list[str]], split: str | None = None) -> dict[str, Any]:
    rows = [r for r in labels if split is None or r[4] == split]
    binary = sum((r[1] != "absent") == (statuses.get(r[0], "gap") in COVERED) for r in rows)
    three = sum(
        EXPECTED[r[1]] == ("gap" if statuses.get(r[0], "gap") == "insufficient-evidence" else statuses.get(r[0], "gap"))
        for r in rows
    )
    n = len(rows)
    return {"n": n, "gap_vs_covered": round(binary / n, 3) if n else None, "three_way": round(three / n, 3) if n else None}


def _merge(scores: list[dict[str, Any]]) -> dict[str, Any]:
    n = sum(s["n"] for s in scores)
    binary = sum(s["gap_vs_covered"] * s["n"] for s in scores if s["n"])
    three = sum(s["three_way"] * s["n"] for s in scores if s["n"])
    return {"n": n, "gap_vs_covered": round(binary / n, 3), "three_way": round(three / n, 3)}


def main(argv: list[str] | None = None) -> int:
    import yaml

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get("AIMS_BENCH_MIRROR", "/work/.mirror")))
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--timing-only", action="store_true", help="only time the four ~50-document corpora")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    needed = {s[0] for sources in SETS.values() for s in sources}
    missing = [r for r in sorted(needed) if not _git_dir(args.mirror, r).exists()]
    if missing:
        print(f"skipping: no local mirror of {', '.join(missing)} under {args.mirror} (see benchmarks/gapsets/SOURCES.md)")
        return 0
    labels = {name: spec["labels"] for name, spec in yaml.safe_load(LABELS.read_text("utf-8"))["sets"].items()}
    tmp = Path(tempfile.mkdtemp(prefix="aims-bench-public-"))
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()}, "sets": {}}
    per: dict[str, dict[str, list[dict[str, Any]]]] = {"offline": {}, "keyword": {}, "all-gap": {}}
    total_bad = total_changed = 0
    try:
        for name, sources in ({} if args.timing_only else SETS).items():
            corpus = tmp / name / "corpus"
            documents = build_corpus(args.mirror, [(s, 0, 10_000) for s in sources], corpus)
            clean = run_set(corpus, tmp / name / "ws")
            statuses = {f["requirement"]: f["status"] for f in clean["findings"]}
            bad = unverifiable_citations(tmp / name / "ws", clean["findings"])
            injected_corpus = tmp / name / "injected"
            shutil.copytree(corpus, injected_corpus)
            shutil.copy(INJECTION, injected_corpus / "note-to-the-assessment-tool.md")
            injected = run_set(injected_corpus, tmp / name / "ws-injected")
            injected_statuses = {f["requirement"]: f["status"] for f in injected["findings"]}
            bad += unverifiable_citations(tmp / name / "ws-injected", injected["findings"])
            changed = sorted(r for r in statuses if injected_statuses.get(r) != statuses[r])
            flagged = sum(len(f.get("suspicious_passages", [])) for f in injected["findings"])
            cites_injection = sum(
                1 for f in injected["findings"] for c in f.get("citations", [])
                if c["document"] == "note-to-the-assessment-tool.md"
            )
            keyword = keyword_baseline(corpus)
            rows = labels[name]
            for drafter, got in (("offline", statuses), ("keyword", keyword), ("all-gap", {})):
                per[drafter][name] = [score(got, rows, split) for split in ("tune", "heldout", None)]
            misses = [f"{r[0]}: {r[1]} -> {statuses.get(r[0])} ({r[4]})" for r in rows
                      if EXPECTED[r[1]] != ("gap" if statuses.get(r[0]) == "insufficient-evidence" else statuses.get(r[0]))]
            report["sets"][name] = {
                "documents": documents, "labels": len(rows),
                "offline": per["offline"][name][2], "offline_heldout": per["offline"][name][1],
                "keyword": per["keyword"][name][2], "all_gap": per["all-gap"][name][2],
                "unverifiable_citations": bad, "injection_changed": changed,
                "injection_flagged_passages_listed": flagged, "injection_citations": cites_injection,
                "flagged_chunks_clean": flagged_chunks(tmp / name / "ws"),
                "flagged_chunks_injected": flagged_chunks(tmp / name / "ws-injected"),
                "isms_reuse": clean["run"].get("isms_reuse"),
                "add_seconds": round(clean["add_seconds"], 2), "run_seconds": round(clean["run_seconds"], 2),
                "drafted": dict(Counter(statuses.values())), "misses": misses,
            }
            total_bad += len(bad)
            total_changed += len(changed)
            print(f"{name}: {documents} docs, offline {per['offline'][name][2]}, keyword {per['keyword'][name][2]}, "
                  f"unverifiable {len(bad)}, injection changed {len(changed)} (listed {flagged} flagged passages)",
                  flush=True)
        summary: dict[str, Any] = {}
        for drafter in ([] if args.timing_only else per):
            summary[drafter] = {split: _merge([per[drafter][n][i] for n in per[drafter]])
                                for i, split in enumerate(("tune", "heldout", "all"))}
        if not args.timing_only:
            report["summary"] = {**summary, "unverifiable_citations": total_bad,
                                 "injection_verdicts_changed": total_changed}
        if not args.skip_timing:
            timing = {}
            for name, sources in TIMING.items():
                if any(not _git_dir(args.mirror, s[0][0]).exists() for s in sources):
                    continue
                corpus = tmp / "timing" / name
                documents = build_corpus(args.mirror, sources, corpus)
                result = run_set(corpus, tmp / "timing" / (name + "-ws"))
                rerun, rerun_seconds = aims(tmp / "timing" / (name + "-ws"), "gap", "run", "--format", "json")
                timing[name] = {"documents": documents, "policies_add_seconds": round(result["add_seconds"], 2),
                                "gap_run_seconds": round(result["run_seconds"], 2),
                                "gap_rerun_seconds": round(rerun_seconds, 2), "loadavg": os.getloadavg()}
                print(f"timing {name}: {documents} docs, policies add {result['add_seconds']:.1f} s, "
                      f"gap run {result['run_seconds']:.1f} s / re-run {rerun_seconds:.1f} s", flush=True)
            report["timing"] = timing
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.timing_only:
        output = args.output.with_name("gap_public_timing.json")
        output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    s = report["summary"]
    for drafter in ("offline", "keyword", "all-gap"):
        print(f"{drafter:8} all {s[drafter]['all']}  held-out {s[drafter]['heldout']}")
    print(f"unverifiable citations {s['unverifiable_citations']}, injection verdicts changed {s['injection_verdicts_changed']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
