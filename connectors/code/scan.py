"""Read each file once and turn it into raw hits; runs in worker processes on big trees (tree.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import PurePosixPath

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

BINARY_SNIFF = 8192


@dataclass
class FileOutcome:
    rel: str
    hits: list[RawHit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    issue: tuple[str, str, bool] | None = None  # (kind, message, is_error)
    manifest_ecosystems: tuple[str, ...] = ()
    facts: list[tuple[str, str]] | None = None  # (kind, value) link facts, when the walk asked for them
    copy: bool = False  # its bytes equal its original's (see duplicates.py): that outcome is its own
    # Bytes read as text (files.read and bytes.read in the repository's counts), -1 when not read
    # so: a field, not two counts, as nearly every file has them (a dict each cost the sums 9 ms).
    read: int = -1

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
    outcome.read = len(data)
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


def scan_copy(engine: MatchEngine, walked: WalkedFile, original: str, max_file_size: int) -> FileOutcome:
    """A file that may be a copy of the file at path original (see duplicates.py): marked a copy
    when their bytes are equal, scanned as usual otherwise."""
    limit = read_limit(walked, max_file_size)
    try:
        data = read_bytes(walked.path, limit, walked.size)
    except OSError:
        return scan_file(engine, walked, max_file_size)  # which reports it
    try:
        same = read_bytes(original, limit, len(data)) == data
    except OSError:
        same = False
    return FileOutcome(walked.rel, copy=True) if same else scan_file(engine, walked, max_file_size, data)


def as_copy(outcome: FileOutcome, rel: str) -> FileOutcome:
    """An original's outcome under a copy's path (hits copied: the repository rules change them)."""
    return FileOutcome(rel, [RawHit(h.signal, h.provider, h.category, h.kind, h.confidence, h.line, h.evidence, h.model,
                                    dict(h.attributes), h.detector, h.offset, rel, h.count) for h in outcome.hits],
                       dict(outcome.counts), outcome.issue, outcome.manifest_ecosystems, read=outcome.read)


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
