"""The review loop as reviewers run it: `aims review verify` over a long trail, and a 70-row
review workbook exported and imported, each timed from process start to output (best of N).

The workspace is built in-process with the same store the CLI uses: 70 findings, then a trail
of accept / edit / reject / reopen events cycling over them (sealed with the trail key).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results" / "review.json"
AIMS = str(Path(sys.executable).with_name("aims"))
TRAIL_SIZES = (1_000, 10_000)


def best_of(runs: int, *args: str) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([AIMS, "--quiet", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return round(min(times), 3)


def build(root: Path, events: int) -> None:
    from cli.workspace.db import transaction
    from cli.workspace.findings import FindingStore
    from cli.workspace.store import Workspace
    from gap.models import Drafter, Finding, FindingStatus
    from gap.requirements import load_catalogue

    store = FindingStore(Workspace(root))
    ids = load_catalogue().ids()
    store.save_drafts([Finding(requirement=r, status=FindingStatus.PARTIAL, rationale=f"Draft for {r}. " * 8,
                               drafted_by=Drafter(model="offline", prompt="bench@1"), evidence_hash="h")
                       for r in ids], {"id": "bench", "started_at": "2026-12-01T00:00:00+00:00"})
    cycle = ("accept", "reopen", "edit", "reopen", "reject", "reopen")
    with transaction(store.conn):  # one transaction, so building 10k events is quick
        for n in range(events):
            rid = ids[n % len(ids)]
            action = cycle[(n // len(ids)) % len(cycle)]
            extra = {"rationale": f"edited {n}"} if action == "edit" else {}
            store._decide(rid, action, f"reviewer-{n % 5}", draft_hash=None, expected_position=None, note=None,
                          status=None, rationale=extra.get("rationale"), actions=None, source={"via": "bench"})
    store.workspace.close()


def fill(sheet_path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(sheet_path)
    sheet = book["Review"]
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=10, value=("accept", "reject", "edit")[row % 3])
        sheet.cell(row=row, column=12, value="Bench rationale." if row % 3 == 2 else None)
    buffer = io.BytesIO()
    book.save(buffer)
    sheet_path.write_bytes(buffer.getvalue())


def main() -> None:
    result: dict[str, object] = {}
    work = Path(tempfile.mkdtemp(prefix="aims-bench-review-"))
    try:
        for size in TRAIL_SIZES:
            ws = work / f"ws-{size}"
            subprocess.run([AIMS, "--quiet", "-w", str(ws), "init"], check=True)
            build(ws, size)
            result[f"verify_{size}_events_seconds"] = best_of(3, "-w", str(ws), "review", "verify")
        ws = work / "ws-import"
        subprocess.run([AIMS, "--quiet", "-w", str(ws), "init"], check=True)
        build(ws, 0)
        sheet = work / "review.xlsx"
        result["export_70_rows_seconds"] = best_of(3, "-w", str(ws), "review", "export", str(sheet))
        fill(sheet)
        started = time.perf_counter()
        subprocess.run([AIMS, "--quiet", "-w", str(ws), "review", "import", str(sheet), "--reviewer", "bench"],
                       check=True, stdout=subprocess.DEVNULL)
        result["import_70_decisions_seconds"] = round(time.perf_counter() - started, 3)
        result["reimport_unchanged_seconds"] = best_of(3, "-w", str(ws), "review", "import", str(sheet),
                                                       "--reviewer", "bench")
        result["note"] = "process start to output, best of 3 (import: one run); 2 shared cores"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
