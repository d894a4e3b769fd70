"""Scheduling a big tree: batches go to a worker from the front of the queue and to the walking
process from the back, each to whichever claims it first."""

from __future__ import annotations

import os
import time
from multiprocessing import get_context
from pathlib import Path

import pytest

import connectors.code.scan as code_scan
import connectors.code.tree as code_tree
from connectors.base import ScanResult
from connectors.code.connector import CodeConnector, CodeScanOptions
from connectors.code.tree import CLAIM_SLOTS, MAIN, WORKER, Claims


def test_a_batch_goes_to_whoever_claims_it_first() -> None:
    claims = Claims(get_context("fork" if os.name == "posix" else "spawn"))
    assert claims.claim(0, WORKER) and not claims.claim(0, MAIN)
    assert claims.claim(7, MAIN) and not claims.claim(7, WORKER) and not claims.claim(7, MAIN)
    # Past the numbered slots a batch stays the worker's: the main process only takes it by cancelling.
    assert claims.claim(CLAIM_SLOTS + 3, WORKER) and not claims.claim(CLAIM_SLOTS + 3, MAIN)


def _repo_scanned_serially(root: Path, files: int, line: str) -> ScanResult:
    """A repository of small Python files, each with line, and its scan in one process."""
    root.mkdir(exist_ok=True)
    for number in range(files):
        (root / f"m{number:02}.py").write_text(f"{line}  # {number}\n")
    return CodeConnector(CodeScanOptions(jobs=1)).scan([str(root)])


def _workers_from_the_first_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start worker processes however small the tree, one file a batch."""
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(code_tree, "BATCH_FILES", 1)


@pytest.mark.skipif(os.name != "posix", reason="the worker inherits the patched scan through fork")
def test_batches_handed_to_a_busy_worker_are_scanned_by_the_walking_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree, scanned_by_worker = tmp_path / "tree", tmp_path / "worker-scanned"
    serial = _repo_scanned_serially(tree, 12, "import openai")
    _workers_from_the_first_file(monkeypatch)
    walking, scan_file = os.getpid(), code_scan.scan_file

    def slow_in_the_worker(engine, walked, max_file_size, data=None):  # type: ignore[no-untyped-def]
        if os.getpid() != walking:
            with scanned_by_worker.open("a") as record:
                record.write(walked.rel + "\n")
            time.sleep(0.5)  # the pool has meanwhile handed it the next batches too
        return scan_file(engine, walked, max_file_size, data)

    monkeypatch.setattr(code_scan, "scan_file", slow_in_the_worker)
    finish = code_tree.TreeScanner.finish

    def finish_once_the_worker_is_busy(self):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + 20
        while not scanned_by_worker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return finish(self)

    monkeypatch.setattr(code_tree.TreeScanner, "finish", finish_once_the_worker_is_busy)
    parallel = CodeConnector(CodeScanOptions(jobs=2)).scan([str(tree)])

    assert [(o.id, o.count) for o in parallel.observations] == [(o.id, o.count) for o in serial.observations]
    assert len(parallel.observations) == 12 and parallel.counts == serial.counts
    # The worker scanned the batch it was running; the ones queued behind it were claimed here.
    assert len(scanned_by_worker.read_text().split()) == 1


def test_spawned_workers_give_the_same_scan_and_fail_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Where processes are spawned, not forked (macOS, Windows), a worker builds its own engine and
    opens the claims' lock by its name, even when it starts after the walking process has taken
    every batch."""
    import multiprocessing

    tree = tmp_path / "tree"
    serial = _repo_scanned_serially(tree, 6, "import anthropic; client = anthropic.Anthropic()")
    _workers_from_the_first_file(monkeypatch)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    spawned = CodeConnector(CodeScanOptions(jobs=2)).scan([str(tree)])
    workers_left = multiprocessing.active_children()  # the scan waits for its workers to exit
    for worker in workers_left:
        worker.join(30)
    assert [(o.id, o.count) for o in spawned.observations] == [(o.id, o.count) for o in serial.observations]
    assert spawned.counts == serial.counts and len(spawned.observations) >= 6
    assert not workers_left
    assert "Traceback" not in capfd.readouterr().err
