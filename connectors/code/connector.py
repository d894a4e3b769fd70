"""Code discovery: local directories, git URLs and GitHub/GitLab orgs, into observations of
AI use with file:line evidence, one system per repository and provider (via system_hint)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors.base import Connector, ProgressCallback, ScanResult, no_progress, paused_collections
from connectors.code.engine import MatchEngine
from connectors.code.tree import TreeScanner
from connectors.code.sources import (
    SourceError,
    clone_shallow,
    is_git_url,
    list_github_org,
    list_gitlab_group,
    local_repo_name,
    redact_url,
    repo_name_from_url,
)
from connectors.code.walk import WalkedFile, walk_repository
from discovery.code.detectors import apply_repo_rules
from discovery.code.files import classify, path_context
from discovery.code.hits import RawHit
from discovery.code.ignore import CodeOwners
from discovery.linkfacts import MAX_FACT_FILE_BYTES, is_fact_file
from discovery.models import IssueSeverity, LinkFact, Location, Observation, ScanIssue, SourceKind
from discovery.code.catalogue import SignatureCatalogue, load_catalogue

MAX_ISSUES_PER_KIND = 20  # beyond this, one issue carries the count


@dataclass
class CodeScanOptions:
    respect_ignore: bool = True
    max_file_size: int = 5_000_000
    jobs: int = 0  # 0: every core
    cache_dir: Path | None = None  # where git URLs are cloned; a temp dir when unset
    github_orgs: Sequence[str] = ()
    gitlab_groups: Sequence[str] = ()
    prefilter: str = "auto"  # auto | hyperscan | re
    #: read files that symbolic links inside a repository point to outside it (off: reported, skipped)
    follow_symlinks: bool = False


class CodeConnector(Connector):
    name = "code"
    source = SourceKind.CODE

    def __init__(
        self,
        options: CodeScanOptions | None = None,
        *,
        catalogue: SignatureCatalogue | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.options = options or CodeScanOptions()
        self._catalogue = catalogue
        self._environ = environ

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def scan(self, targets: Sequence[str], progress: ProgressCallback = no_progress) -> ScanResult:
        # A scan allocates many small objects and no reference cycles worth collecting: the cyclic
        # collector would walk the growing heap again and again (in the workers too, which inherit it).
        with paused_collections():
            return self._scan(targets, progress)

    def _scan(self, targets: Sequence[str], progress: ProgressCallback) -> ScanResult:
        result = ScanResult()
        engine = MatchEngine(self._catalogue or load_catalogue(), self.options.prefilter)
        result.counts["prefilter." + engine.prefilter.name] = 1
        work: list[tuple[str, str | None]] = [(t, None) for t in targets]
        for org in self.options.github_orgs:
            work += self._listed(result, f"github:{org}", list_github_org(org, self.environ))
        for group in self.options.gitlab_groups:
            work += self._listed(result, f"gitlab:{group}", list_gitlab_group(group, self.environ))
        for number, (target, listed_name) in enumerate(work, 1):
            shown = redact_url(target)  # what is stored, printed and logged: never a credential
            progress("code: " + shown, number - 1, len(work))
            result.targets.append(shown)
            root = self._resolve(result, target, shown)
            if root is None:
                continue
            name = listed_name or (repo_name_from_url(shown) if is_git_url(target) else local_repo_name(root))
            self._scan_tree(result, engine, root, name, shown)
        progress("code", len(work), len(work))
        return result

    # -- targets ------------------------------------------------------------------------

    def _listed(self, result: ScanResult, source: str, listing) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
        for reason, n in listing.skipped.items():
            result.count(f"skipped.repo.{reason}", n)
        if listing.problem is not None:
            result.issues.append(ScanIssue(connector=self.name, target=source, kind=listing.problem.kind,
                                           message=str(listing.problem)))
        result.count("repos.listed", len(listing.repos))
        return [(repo.clone_url, repo.name) for repo in listing.repos]

    def _resolve(self, result: ScanResult, target: str, shown: str) -> Path | None:
        if is_git_url(target):
            cache = self.options.cache_dir or Path(os.environ.get("TMPDIR", "/tmp")) / "aims-clones"
            try:
                return clone_shallow(target, cache, self.environ)
            except SourceError as exc:
                result.issues.append(ScanIssue(connector=self.name, target=shown, kind=exc.kind, message=str(exc)))
                return None
        path = Path(target).expanduser()
        if not path.exists():
            result.issues.append(ScanIssue(connector=self.name, target=target, kind="not-found",
                                           message=f"{target}: no such file or directory"))
            return None
        if not os.access(path, os.R_OK):
            result.issues.append(ScanIssue(connector=self.name, target=target, kind="unreadable",
                                           message=f"{target}: permission denied"))
            return None
        return path

    # -- one tree -----------------------------------------------------------------------

    def _scan_tree(self, result: ScanResult, engine: MatchEngine, root: Path, name: str, target: str) -> None:
        if root.is_file():  # a single file: its directory is the repository
            size = root.stat().st_size
            files = [WalkedFile(str(root), root.name, size, classify(root.name))]
            scanner = self._scanner(engine)
            for walked in files:
                scanner.feed(walked)
            self._scan_repository(result, scanner, root.parent, name, target, {}, [], [])
            return
        # Files are scanned while the walk goes on (in workers, once the tree is big enough).
        scanner = self._scanner(engine)
        fact_files: list[WalkedFile] = []  # the first MAX_FACT_FILES, in walk order

        def sink(walked: WalkedFile) -> None:
            # Config under tests, docs or scanner rules (cassettes, examples, fixtures) states
            # nothing the repository deploys: its facts could only link systems falsely. (On the
            # crewAI-sized tree, 642 of 656 config files were test cassettes: 0.08 CPU-s, no fact.)
            if len(fact_files) < MAX_FACT_FILES and is_fact_file(walked.rel) and path_context(walked.rel) is None:
                fact_files.append(walked)
                if walked.size <= MAX_FACT_FILE_BYTES:  # its facts are read with it, where it is scanned
                    walked = walked._replace(facts=True)
            scanner.feed(walked)

        walk = walk_repository(root, respect_ignore=self.options.respect_ignore,
                               max_file_size=self.options.max_file_size, sink=sink,
                               follow_symlinks=self.options.follow_symlinks)
        issues = [
            ScanIssue(connector=self.name, target=target, kind=i.kind, message=f"{name}/{i.path}: {i.message}",
                      severity=IssueSeverity.ERROR if i.error else IssueSeverity.WARNING)
            for i in walk.issues
        ]
        facts = self._scan_repository(result, scanner, root, name, target, walk.counts, issues, walk.too_large)
        result.facts.extend(_link_facts(fact_files, facts, name, target))
        for nested in walk.nested_repos:
            nested_name = local_repo_name(nested)
            if nested_name == nested.name:
                nested_name = f"{name}/{nested.relative_to(root).as_posix()}"
            self._scan_tree(result, engine, nested, nested_name, target)

    def _scanner(self, engine: MatchEngine) -> TreeScanner:
        return TreeScanner(engine, self.options.max_file_size, self.options.jobs or os.cpu_count() or 1)

    def _scan_repository(
        self, result: ScanResult, scanner: TreeScanner, root: Path, name: str, target: str,
        walk_counts: dict[str, int], issues: list[ScanIssue], too_large: list[str],
    ) -> dict[str, list[tuple[str, str]]]:
        """Adds the repository's observations, counts and issues; returns its link facts by file."""
        result.count("repos.scanned")
        for key, n in walk_counts.items():
            result.count(key, n)
        outcomes = scanner.finish()
        hits: list[RawHit] = []
        ecosystems: set[str] = set()
        invalid_utf8: list[str] = []
        counts: dict[str, int] = {}  # summed here, then added in first-seen order
        files_read = bytes_read = 0
        facts: dict[str, list[tuple[str, str]]] = {}
        for outcome in outcomes:
            hits.extend(outcome.hits)
            if outcome.facts:
                facts[outcome.rel] = outcome.facts
            if outcome.manifest_ecosystems:
                ecosystems.update(outcome.manifest_ecosystems)
            if outcome.read >= 0:
                if not files_read:  # where these two keys are first seen, as any other count
                    counts.setdefault("files.read", 0)
                    counts.setdefault("bytes.read", 0)
                files_read += 1
                bytes_read += outcome.read
            if outcome.counts:
                for key, n in outcome.counts.items():
                    counts[key] = counts.get(key, 0) + n
                if outcome.counts.get("files.invalid-utf8"):
                    invalid_utf8.append(outcome.rel)
            if outcome.issue is not None:
                kind, message, is_error = outcome.issue
                if kind == "too-large":
                    too_large.append(outcome.rel)
                    continue
                issues.append(ScanIssue(connector=self.name, target=target, kind=kind,
                                        message=f"{name}/{outcome.rel}: {message}",
                                        severity=IssueSeverity.ERROR if is_error else IssueSeverity.WARNING))
        del outcomes  # freed before the observations are made: they reuse its memory
        if files_read:
            counts["files.read"] += files_read
            counts["bytes.read"] += bytes_read
        for key, n in counts.items():
            result.count(key, n)
        if too_large:
            issues.append(_summary_issue(target, "too-large", too_large,
                                         f"over {self.options.max_file_size} bytes, skipped (--max-file-size)", name))
        if invalid_utf8:
            issues.append(_summary_issue(target, "invalid-utf8", invalid_utf8,
                                         "invalid UTF-8 on matched lines, read with replacement characters", name))
        result.issues.extend(_capped(issues))
        owners = _codeowners(root)
        hits = apply_repo_rules(hits, ecosystems, owners)
        result.observations.extend(_observations(hits, name, target))
        return facts


def _summary_issue(target: str, kind: str, paths: list[str], message: str, repo: str) -> ScanIssue:
    shown = ", ".join(sorted(paths)[:3]) + (" …" if len(paths) > 3 else "")
    return ScanIssue(connector="code", target=target, kind=kind, message=f"{repo}: {len(paths)} file(s) {message}: {shown}",
                     severity=IssueSeverity.WARNING, count=len(paths))


def _capped(issues: list[ScanIssue]) -> list[ScanIssue]:
    kept: list[ScanIssue] = []
    overflow: dict[tuple[str, str, IssueSeverity], int] = {}
    seen: dict[str, int] = {}
    for issue in issues:
        seen[issue.kind] = seen.get(issue.kind, 0) + 1
        if seen[issue.kind] <= MAX_ISSUES_PER_KIND:
            kept.append(issue)
        else:
            key = (issue.target, issue.kind, issue.severity)
            overflow[key] = overflow.get(key, 0) + issue.count
    for (target, kind, severity), n in overflow.items():
        kept.append(ScanIssue(connector="code", target=target, kind=kind, severity=severity, count=n,
                              message=f"{n} more file(s) with the same problem"))
    return kept


#: Config files read for link facts per repository; a monorepo's first ones are enough to link.
MAX_FACT_FILES = 500


def _link_facts(files: list[WalkedFile], found: dict[str, list[tuple[str, str]]], repo: str,
                target: str) -> list[LinkFact]:
    """Link facts (IaC names, workload identities, deployment names, owners) from the few
    config files the walk saw, in walk order; the scan read them (unreadable or oversized ones
    have none: the scan reports them)."""
    return [LinkFact(kind=kind, value=value, repo=repo, target=target, path=walked.rel)
            for walked in files for kind, value in found.get(walked.rel, ())]


def _codeowners(root: Path) -> CodeOwners | None:
    for location in CodeOwners.LOCATIONS:
        path = root / location
        if path.is_file():
            try:
                return CodeOwners(path.read_text("utf-8", errors="replace"))
            except OSError:
                return None
    return None


def _observations(hits: list[RawHit], repo: str, target: str) -> list[Observation]:
    """One observation per (file, signal, provider, model): repeated hits add to its count."""
    grouped: dict[tuple[object, ...], tuple[RawHit, int]] = {}
    for hit in hits:
        key = (hit.path, hit.signal, hit.provider, hit.model, hit.attributes.get("server"),
               hit.attributes.get("key_fingerprint"))
        first, count = grouped.get(key, (hit, 0))
        if hit is not first and hit.confidence.rank > first.confidence.rank:
            first.confidence = hit.confidence
        grouped[key] = (first, count + hit.count)
    ordered = sorted(grouped.values(), key=lambda item: (item[0].path or "", item[0].line or 0, item[0].signal,
                                                         item[0].provider))
    # Every value here is typed already (the catalogue is validated when it loads): validating
    # each observation again was a tenth of a big tree's scan, after the last file, on one core.
    # Every field is given, in declaration order (a test compares the JSON with validation's).
    location, observation = Location.trusted, Observation.trusted
    return [
        observation({
            "source": SourceKind.CODE,
            "connector": "code",
            "signal": hit.signal,
            "provider": hit.provider,
            "category": hit.category,
            "target": target,
            "location": location({"repo": repo, "path": hit.path, "line": hit.line, "account": None, "region": None,
                                  "arn": None, "log_file": None, "log_line": None}, complete=True),
            "identity": None,
            "model": hit.model,
            "evidence": hit.evidence,
            "confidence": hit.confidence,
            "first_seen": None,
            "last_seen": None,
            "count": count,
            "system_hint": repo,
            # The hit is done with: its attributes become the observation's, led by the kind (the
            # engine's hits have it there already; a copy each cost the tail 10 ms on a big tree).
            "attributes": hit.attributes if next(iter(hit.attributes), None) == "kind" else
            {"kind": hit.kind, **hit.attributes},
        }, complete=True)
        for hit, count in ordered
    ]
