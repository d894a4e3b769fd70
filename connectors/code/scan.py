"""Read each file once and turn it into raw hits; runs in worker processes on big trees."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from connectors.code.duplicates import Duplicates
from connectors.code.engine import MatchEngine
from connectors.code.walk import WalkedFile
from discovery.code.detectors import apply_file_detectors
from discovery.code.files import Role, is_mcp_config_path, path_context, scope_from_shebang
from discovery.code.formats import MODEL_HEAD_BYTES, mcp_servers, notebook_code, sniff_model_file
from discovery.code.hits import RawHit, fold_repeats
from discovery.code.manifests import MANIFEST_ECOSYSTEM, ManifestError, parse_manifest
from discovery.linkfacts import MAX_FACT_FILE_BYTES, extract_link_facts
from discovery.models import Category, Confidence
from discovery.redact import excerpt

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

BINARY_SNIFF = 8192
PARALLEL_MIN_BYTES = 24_000_000  # below this, starting workers costs more than it saves
PARALLEL_MIN_FILES = 4000


@dataclass
class FileOutcome:
    rel: str
    hits: list[RawHit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    issue: tuple[str, str, bool] | None = None  # (kind, message, is_error)
    manifest_ecosystems: tuple[str, ...] = ()
    facts: list[tuple[str, str]] | None = None  # (kind, value) link facts, when the walk asked for them

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def read_bytes(path: str, limit: int, size: int | None = None) -> bytes:
    """At most limit bytes of a file (a seam tests patch to simulate unreadable files). size, the
    size the walk saw, spares an fstat; a stale one still reads the file to its end or limit."""
    # os.read sized by fstat: a buffered file object costs more per file than the read itself,
    # and BufferedReader.read(limit) allocates the whole limit up front.
    fd = os.open(path, os.O_RDONLY)
    try:
        wanted = min(limit, (os.fstat(fd).st_size if size is None else size) + 1)
        first = os.read(fd, wanted)
        if len(first) < wanted:  # a short read of a regular file is its end: no second call
            return first
        parts, total = [first], len(first)
        while total < limit:  # until end of file (the size may be stale, or zero for special files)
            chunk = os.read(fd, min(limit - total, 1 << 18))
            if not chunk:
                break
            parts.append(chunk)
            total += len(chunk)
        return first if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(fd)


def scan_file(engine: MatchEngine, walked: WalkedFile, max_file_size: int, data: bytes | None = None) -> FileOutcome:
    """One file's outcome; data, when given, is what read_limit(walked, max_file_size) bytes of it hold."""
    outcome = FileOutcome(walked.rel)
    kind = walked.kind
    if data is None:
        try:
            data = read_bytes(walked.path, read_limit(walked, max_file_size), walked.size)
        except OSError as exc:
            outcome.issue = ("unreadable", f"cannot read: {exc.strerror or exc}", True)
            return outcome
    if walked.facts:
        outcome.facts = _link_facts(walked, None if kind.role == Role.MODEL_CANDIDATE else data)
    if kind.role == Role.MODEL_CANDIDATE:
        _model_file(outcome, walked, data)
        return outcome
    if len(data) > max_file_size:  # grew since it was listed
        outcome.count("skipped.too-large")
        outcome.issue = ("too-large", f"over {max_file_size} bytes; skipped", False)
        return outcome
    if data.find(b"\x00", 0, BINARY_SNIFF) >= 0:
        outcome.count("skipped.binary")
        return outcome
    scope = kind.scope
    if kind.role == Role.MAYBE_SCRIPT:
        scope = scope_from_shebang(data[:200].split(b"\n", 1)[0])
        if scope is None:
            outcome.count("skipped.unknown-type")
            return outcome
    outcome.counts = {"files.read": 1, "bytes.read": len(data)}  # nothing counted yet on this path
    if kind.manifest:
        _manifest(outcome, engine, walked, data)
    if kind.mcp_config or is_mcp_config_path(walked.rel):
        _mcp_config(outcome, data)
    if scope:
        _match(outcome, engine, walked, data, scope)
    if len(outcome.hits) > 1:
        outcome.hits = fold_repeats(outcome.hits)
    for hit in outcome.hits:
        hit.path = walked.rel
    return outcome


def read_limit(walked: WalkedFile, max_file_size: int) -> int:
    return MODEL_HEAD_BYTES if walked.kind.role == Role.MODEL_CANDIDATE else max_file_size + 1


def scan_duplicate(engine: MatchEngine, walked: WalkedFile, original: WalkedFile, original_outcome: FileOutcome,
                   max_file_size: int) -> FileOutcome:
    """The original's outcome under this file's path when their bytes are equal (see duplicates.py),
    else this file's own scan."""
    limit = read_limit(walked, max_file_size)
    try:
        data = read_bytes(walked.path, limit, walked.size)
    except OSError:
        return scan_file(engine, walked, max_file_size)  # which reports it
    try:
        same = original_outcome.issue is None and read_bytes(original.path, limit, original.size) == data and \
            original_outcome.counts.get("bytes.read", len(data)) == len(data)
    except OSError:
        same = False
    if not same:
        return scan_file(engine, walked, max_file_size, data)
    # Hits are copied: the repository rules change them later.
    return FileOutcome(walked.rel, [replace(hit, path=walked.rel, attributes=dict(hit.attributes))
                                    for hit in original_outcome.hits],
                       dict(original_outcome.counts), None, original_outcome.manifest_ecosystems)


def _link_facts(walked: WalkedFile, data: bytes | None) -> list[tuple[str, str]]:
    """Link facts from a config file's text, read as a text file would be (universal newlines)."""
    if data is None:
        try:
            data = read_bytes(walked.path, MAX_FACT_FILE_BYTES + 1)
        except OSError:
            return []
    text = data.decode("utf-8", errors="replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [(fact.kind, fact.value) for fact in extract_link_facts(text, walked.rel, "", "")]


def _match(outcome: FileOutcome, engine: MatchEngine, walked: WalkedFile, data: bytes, scope: str) -> None:
    line_map: list[int | None] | None = None
    if walked.kind.notebook:
        try:
            notebook = notebook_code(data.decode("utf-8", errors="replace"))
        except ValueError as exc:
            outcome.issue = ("corrupt", f"notebook not readable: {exc}", False)
            return
        if notebook.language not in ("python", "python3", "ipython"):
            outcome.count("skipped.notebook-language")
            return
        data, line_map = notebook.code.encode("utf-8"), notebook.line_map
    # In tests and docs a lead (low confidence) is dropped later, so it is not even looked for.
    hits, invalid_utf8 = engine.match(data, scope, leads=path_context(walked.rel) is None)
    if invalid_utf8:
        outcome.count("files.invalid-utf8")
    if not hits:
        return
    text: list[str] = []

    def text_of() -> str:
        if not text:
            text.append(data.decode("utf-8", errors="replace"))
        return text[0]

    hits = apply_file_detectors(hits, text_of, scope, data)
    if line_map is not None:
        for hit in hits:
            hit.line = line_map[hit.line - 1] if hit.line and hit.line <= len(line_map) else None
            hit.attributes["notebook"] = True
    outcome.hits.extend(hits)


def _manifest(outcome: FileOutcome, engine: MatchEngine, walked: WalkedFile, data: bytes) -> None:
    manifest = walked.kind.manifest or ""
    if manifest in MANIFEST_ECOSYSTEM:
        outcome.manifest_ecosystems = (MANIFEST_ECOSYSTEM[manifest],)
    text = data.decode("utf-8", errors="replace")
    try:
        declared = parse_manifest(manifest, PurePosixPath(walked.rel).name, text)
    except ManifestError as exc:
        outcome.issue = ("corrupt", f"manifest not parsed: {exc}", False)
        return
    lines = text.splitlines()
    for item in declared:
        use = engine.catalogue.package_use(item.ecosystem, item.name)
        if use is None:
            continue
        kind = "lockfile" if item.lock else "manifest"
        evidence = excerpt(lines[item.line - 1]) if item.line and item.line <= len(lines) else item.name
        for provider, category in [(use.provider, use.category), *use.also]:
            outcome.hits.append(
                RawHit(
                    signal=f"{kind}.{item.ecosystem}",
                    provider=provider,
                    category=category,
                    kind=kind,
                    confidence=Confidence.LOW if item.lock else Confidence.MEDIUM,
                    line=item.line,
                    evidence=evidence,
                    attributes={"package": item.name, "ecosystem": item.ecosystem, "manifest": manifest},
                )
            )


def _mcp_config(outcome: FileOutcome, data: bytes) -> None:
    try:
        servers = mcp_servers(data.decode("utf-8", errors="replace"))
    except ValueError as exc:
        outcome.issue = ("corrupt", f"MCP config not parsed: {exc}", False)
        return
    for server in servers:
        outcome.hits.append(
            RawHit(
                signal="mcp.client-config",
                provider="mcp",
                category=Category.MCP,
                kind="mcp-config",
                confidence=Confidence.HIGH,
                line=server.line,
                evidence=f"{server.name}: {server.launch}",
                attributes={"server": server.name, "transport": server.transport},
            )
        )


def _model_file(outcome: FileOutcome, walked: WalkedFile, head: bytes) -> None:
    found = sniff_model_file(walked.rel, head)
    if found is None:
        outcome.count("skipped.not-a-model")
        return
    outcome.count("files.model")
    outcome.hits.append(
        RawHit(
            signal=f"model-file.{found.format}",
            provider=found.provider,
            category=Category.MODEL_FILE,
            kind="model-file",
            confidence=found.confidence,
            line=None,
            evidence=f"{found.format} model file, {walked.size} bytes",
            attributes={"format": found.format, "size_bytes": walked.size},
            path=walked.rel,
        )
    )


# -- running many files ---------------------------------------------------------------------

_WORKER_ENGINE: MatchEngine | None = None
_WORKER_MAX_SIZE = 0


def _init_worker(engine: MatchEngine | None, max_file_size: int) -> None:
    global _WORKER_ENGINE, _WORKER_MAX_SIZE
    if engine is None:  # spawn start method: build our own (fork inherits the parent's)
        from discovery.code.catalogue import load_catalogue

        engine = MatchEngine(load_catalogue())
    _WORKER_ENGINE, _WORKER_MAX_SIZE = engine, max_file_size


def _scan_chunk(rows: Sequence[tuple]) -> list[tuple]:
    """Scan a batch in a worker. Files come and outcomes go back as plain tuples, cheaper to pickle
    than dataclasses."""
    assert _WORKER_ENGINE is not None
    engine, max_size = _WORKER_ENGINE, _WORKER_MAX_SIZE
    packed = []
    for row in rows:
        walked = WalkedFile(*row)
        o = scan_file(engine, walked, max_size)
        hits = [(h.signal, h.provider, h.category, h.kind, h.confidence, h.line, h.evidence, h.model, h.attributes,
                 h.detector, h.offset, h.path, h.count) for h in o.hits]
        packed.append((o.rel, hits, o.counts, o.issue, o.manifest_ecosystems, o.facts))
    return packed


def _unpack(packed: list[tuple]) -> list[FileOutcome]:
    return [FileOutcome(rel, [RawHit(*h) for h in hits], counts, issue, ecosystems, facts)
            for rel, hits, counts, issue, ecosystems, facts in packed]


BATCH_FILES = 400  # files per task sent to a worker while the walk goes on


class TreeScanner:
    """Scans files as the walk lists them. Once the tree proves big enough to pay for worker
    processes, batches go to jobs - 1 workers while this process walks; when the walk is done,
    this process scans the batches no worker has started yet, from the back of the queue (so
    half the results never need pickling). A file that may duplicate an earlier one is held back
    and settled here once that one is scanned (see duplicates.py)."""

    def __init__(self, engine: MatchEngine, max_file_size: int, jobs: int) -> None:
        self.engine, self.max_file_size, self.jobs = engine, max_file_size, jobs
        self._pending: list[WalkedFile] = []
        self._files = 0
        self._bytes = 0
        self._pool: ProcessPoolExecutor | None = None
        self._submitted: list[tuple[Future, list[WalkedFile]]] = []
        self._duplicates = Duplicates()
        # (file, the earlier file it may duplicate, how many files were pending before it)
        self._held: list[tuple[WalkedFile, WalkedFile, int]] = []

    def feed(self, walked: WalkedFile) -> None:
        original = self._duplicates.original_of(walked)
        if original is not None:
            self._held.append((walked, original, len(self._pending)))
            return
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
        self._pool = ProcessPoolExecutor(
            max_workers=max(1, self.jobs - 1), mp_context=context, initializer=_init_worker,
            initargs=(self.engine if fork else None, self.max_file_size),
        )
        # Held files wait for their originals here, whatever process scans those.
        self._held = [(walked, original, 0) for walked, original, _before in self._held]

    def _submit(self) -> None:
        assert self._pool is not None
        pending = self._pending
        self._pending = []
        for index in range(0, len(pending), BATCH_FILES):
            batch = pending[index:index + BATCH_FILES]
            rows = [(f.path, f.rel, f.size, f.kind, f.facts) for f in batch]
            self._submitted.append((self._pool.submit(_scan_chunk, rows), batch))

    def _scan_here(self, files: Sequence[WalkedFile]) -> list[FileOutcome]:
        return [scan_file(self.engine, f, self.max_file_size) for f in files]

    def _settle(self, held: tuple[WalkedFile, WalkedFile, int], outcome_of: dict[str, FileOutcome]) -> FileOutcome:
        walked, original, _before = held
        return scan_duplicate(self.engine, walked, original, outcome_of[original.rel], self.max_file_size)

    def finish(self) -> list[FileOutcome]:
        held, self._held = self._held, []
        if self._pool is None:
            files, self._pending = self._pending, []
            return self._in_walk_order(self._scan_here(files), held)
        try:
            outcomes = self._scan_here(self._pending)
            self._pending = []
            wanted = {original.rel for _walked, original, _before in held}
            outcome_of = {o.rel: o for o in outcomes if o.rel in wanted}
            submitted = self._submitted
            while submitted or held:
                # Settle what can be settled, then steal from the back of the queue until a worker
                # has reached the batch, then wait for the workers.
                for index in reversed(range(len(submitted))):
                    if submitted[index][0].done():
                        found = _unpack(submitted.pop(index)[0].result())
                        outcomes.extend(found)
                        outcome_of.update((o.rel, o) for o in found if o.rel in wanted)
                ready = [h for h in held if h[1].rel in outcome_of]
                if ready:
                    held = [h for h in held if h[1].rel not in outcome_of]
                    outcomes.extend(self._settle(h, outcome_of) for h in ready)
                    continue
                if submitted and submitted[-1][0].cancel():
                    found = self._scan_here(submitted.pop()[1])
                elif submitted:
                    found = _unpack(submitted.pop(0)[0].result())
                else:  # not reached (every original is scanned somewhere); scanned as usual then
                    found, held = self._scan_here([h[0] for h in held]), []
                outcomes.extend(found)
                outcome_of.update((o.rel, o) for o in found if o.rel in wanted)
        finally:
            self._pool.shutdown()
            self._pool = None
            self._submitted = []
        outcomes.sort(key=lambda o: o.rel)
        return outcomes

    def _in_walk_order(self, scanned: list[FileOutcome], held: list[tuple[WalkedFile, WalkedFile, int]]
                       ) -> list[FileOutcome]:
        """Scanned files with the held ones settled back in their places: without workers, callers
        see outcomes in walk order (issues are reported in that order)."""
        if not held:
            return scanned
        wanted = {original.rel for _walked, original, _before in held}
        outcome_of = {o.rel: o for o in scanned if o.rel in wanted}
        ordered: list[FileOutcome] = []
        taken = 0
        for entry in held:
            before = entry[2]
            ordered.extend(scanned[taken:before])
            taken = max(taken, before)
            ordered.append(self._settle(entry, outcome_of))
        ordered.extend(scanned[taken:])
        return ordered


def scan_files(engine: MatchEngine, files: Sequence[WalkedFile], max_file_size: int, jobs: int) -> list[FileOutcome]:
    """Scan files, in worker processes when the tree is big enough to pay for them."""
    scanner = TreeScanner(engine, max_file_size, jobs)
    for walked in files:
        scanner.feed(walked)
    return scanner.finish()
