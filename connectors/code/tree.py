"""Scanning a tree's files as the walk lists them: in this process, or also in worker processes
once the tree is big enough to pay for them; copies of earlier files take their outcome.

One file's scan is connectors/code/scan.py, called through its module (a seam tests patch).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from connectors.code import scan as files
from connectors.code.duplicates import CopyOutcomes, Duplicates
from connectors.code.engine import MatchEngine
from connectors.code.scan import FileOutcome
from connectors.code.walk import WalkedFile
from discovery.code.files import Role
from discovery.code.hits import RawHit

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

PARALLEL_MIN_BYTES = 24_000_000  # below this, starting workers costs more than it saves
PARALLEL_MIN_FILES = 4000

_WORKER_ENGINE: MatchEngine | None = None
_WORKER_MAX_SIZE = 0
_WORKER_CLAIMS: Claims | None = None

WORKER, MAIN = 1, 2  # who claimed a batch
CLAIM_SLOTS = 1 << 16  # batches that can be claimed by number (26M files); later ones stay the worker's


class Claims:
    """Who scans each submitted batch: the worker goes from the front of the queue, this process
    from the back once its walk is done, and a batch is scanned by whichever claims it first.

    Cancelling a future is not enough: the pool hands a worker up to two batches beyond the one
    it runs, and those can no longer be cancelled. The walking process then waited for up to
    three batches (20-40 ms of a 0.85 s scan) while it could have scanned them itself.
    """

    def __init__(self, context: BaseContext) -> None:
        self._lock = context.Lock()
        self._owners = context.RawArray("b", CLAIM_SLOTS)

    def claim(self, number: int, who: int) -> bool:
        """True when batch number is now who's. Past the slots, batches stay the worker's."""
        if number >= CLAIM_SLOTS:
            return who == WORKER
        with self._lock:
            if self._owners[number]:
                return False
            self._owners[number] = who
            return True


def _init_worker(engine: MatchEngine | None, max_file_size: int, claims: Claims) -> None:
    global _WORKER_ENGINE, _WORKER_MAX_SIZE, _WORKER_CLAIMS
    if engine is None:  # spawn start method: build our own (fork inherits the parent's)
        from discovery.code.catalogue import load_catalogue

        engine = MatchEngine(load_catalogue())
    _WORKER_ENGINE, _WORKER_MAX_SIZE, _WORKER_CLAIMS = engine, max_file_size, claims


def _scan_chunk(number: int, rows: Sequence[tuple]) -> list[tuple] | None:
    """Scan a batch in a worker, unless this process claimed it first (then None). Files come and
    outcomes go back as plain tuples, cheaper to pickle than dataclasses."""
    assert _WORKER_ENGINE is not None and _WORKER_CLAIMS is not None
    if not _WORKER_CLAIMS.claim(number, WORKER):
        return None
    engine, max_size = _WORKER_ENGINE, _WORKER_MAX_SIZE
    packed = []
    for *row, original in rows:
        walked = WalkedFile(*row)
        o = files.scan_file(engine, walked, max_size) if original is None else files.scan_copy(engine, walked, original, max_size)
        hits = [(h.signal, h.provider, h.category, h.kind, h.confidence, h.line, h.evidence, h.model, h.attributes,
                 h.detector, h.offset, h.path, h.count) for h in o.hits]
        packed.append((o.rel, hits, o.counts, o.issue, o.manifest_ecosystems, o.facts, o.copy, o.read))
    return packed


def _unpack(packed: list[tuple]) -> list[FileOutcome]:
    return [FileOutcome(rel, [RawHit(*h) for h in hits], counts, issue, ecosystems, facts, copy, read)
            for rel, hits, counts, issue, ecosystems, facts, copy, read in packed]


BATCH_FILES = 400  # files per task sent to a worker while the walk goes on


class TreeScanner:
    """Scans files as the walk lists them. Once the tree proves big enough to pay for worker
    processes, batches go to jobs - 1 workers while this process walks; when the walk is done,
    this process claims and scans the batches no worker has started yet, from the back of the
    queue (so half the results never need pickling). A file that may be a copy of an earlier one
    is only compared with it, wherever it lands, and takes its outcome once both are in
    (duplicates.py)."""

    def __init__(self, engine: MatchEngine, max_file_size: int, jobs: int) -> None:
        self.engine, self.max_file_size, self.jobs = engine, max_file_size, jobs
        self._pending: list[WalkedFile] = []
        self._files = 0
        self._bytes = 0
        self._pool: ProcessPoolExecutor | None = None
        self._submitted: list[tuple[Future, list[WalkedFile], int]] = []  # (future, files, batch number)
        self._claims: Claims | None = None
        self._received: list[FileOutcome] = []  # the worker's outcomes, rebuilt as they come back
        self._front = 0  # the submitted batches before this one are received
        self._duplicates = Duplicates()
        self._originals: dict[str, tuple[WalkedFile, WalkedFile]] = {}  # a possible copy's path -> it, the earlier file
        self._copies = CopyOutcomes(engine, max_file_size, self._originals)

    def feed(self, walked: WalkedFile) -> None:
        original = self._duplicates.original_of(walked)
        if original is not None:
            self._originals[walked.rel] = (walked, original)
        self._pending.append(walked)
        if self.jobs <= 1:
            return
        if self._pool is None:
            self._files += 1
            if walked.kind.role != Role.MODEL_CANDIDATE:
                self._bytes += min(walked.size, self.max_file_size)
            if self._bytes < PARALLEL_MIN_BYTES and self._files < PARALLEL_MIN_FILES:
                return
            self._start()
        if len(self._pending) >= BATCH_FILES:
            self._submit()

    def _start(self) -> None:
        # Loaded only for a tree big enough for workers: small repositories start faster without.
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_all_start_methods, get_context

        fork = "fork" in get_all_start_methods() and os.name == "posix"
        context = get_context("fork" if fork else "spawn")
        self._claims = Claims(context)
        self._pool = ProcessPoolExecutor(
            max_workers=max(1, self.jobs - 1), mp_context=context, initializer=_init_worker,
            initargs=(self.engine if fork else None, self.max_file_size, self._claims),
        )

    def _submit(self) -> None:
        assert self._pool is not None
        pending = self._pending
        self._pending = []
        originals = self._originals
        for index in range(0, len(pending), BATCH_FILES):
            batch = pending[index:index + BATCH_FILES]
            rows = [(f.path, f.rel, f.size, f.kind, f.facts, originals[f.rel][1].path if f.rel in originals else None)
                    for f in batch]
            number = len(self._submitted)
            self._submitted.append((self._pool.submit(_scan_chunk, number, rows), batch, number))
        self._receive_done()

    def _receive_done(self) -> None:
        """Rebuild the outcomes of the batches a worker has finished, while this process still
        walks or scans: rebuilt all at the end, they took 14 ms after the last file."""
        submitted, front = self._submitted, self._front
        while front < len(submitted) and submitted[front][0].done():
            self._received.extend(self._copies.take(_unpack(submitted[front][0].result())))
            front += 1
        self._front = front

    def _scan_here(self, batch: Sequence[WalkedFile]) -> list[FileOutcome]:
        engine, max_size, originals = self.engine, self.max_file_size, self._originals
        return [files.scan_file(engine, f, max_size) if f.rel not in originals else
                files.scan_copy(engine, f, originals[f.rel][1].path, max_size) for f in batch]

    def finish(self) -> list[FileOutcome]:
        if self._pool is None:
            batch, self._pending = self._pending, []
            outcomes = self._copies.take(self._scan_here(batch)) + self._copies.rest()
            self._forget()
            return outcomes
        take = self._copies.take
        try:
            outcomes = take(self._scan_here(self._pending))
            self._pending = []
            # Take batches from the back of the queue until a worker has reached one.
            submitted, claims = self._submitted, self._claims
            assert claims is not None
            while len(submitted) > self._front and (
                    submitted[-1][0].cancel() or claims.claim(submitted[-1][2], MAIN)):
                outcomes.extend(take(self._scan_here(submitted.pop()[1])))  # a claimed one comes back empty
                self._receive_done()
            for future, _batch, _number in submitted[self._front:]:
                outcomes.extend(take(_unpack(future.result())))
            outcomes.extend(self._received)
        finally:
            # Waits for the workers to exit: only then may the claims' lock go (a spawned worker
            # that starts late still opens it by its name).
            self._pool.shutdown()
            self._pool, self._claims = None, None
            self._submitted, self._received, self._front = [], [], 0
        outcomes.extend(self._copies.rest())
        self._forget()
        outcomes.sort(key=_rel_of)
        return outcomes

    def _forget(self) -> None:
        """Drop what only the scan needed (a big tree's worth of paths and outcomes): freed now,
        its memory serves the observations made next instead of fresh pages."""
        self._duplicates = Duplicates()
        self._originals = {}
        self._copies = CopyOutcomes(self.engine, self.max_file_size, self._originals)


_rel_of = attrgetter("rel")


def scan_files(engine: MatchEngine, files: Sequence[WalkedFile], max_file_size: int, jobs: int) -> list[FileOutcome]:
    """Scan files, in worker processes when the tree is big enough to pay for them."""
    scanner = TreeScanner(engine, max_file_size, jobs)
    for walked in files:
        scanner.feed(walked)
    return scanner.finish()
