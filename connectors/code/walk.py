"""Walk a repository tree: respect .gitignore, skip vendored trees with a counted reason, never
follow a directory symlink (so a loop cannot hang the run), and report what was not read."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from discovery.code.files import FileKind, Role, classify
from discovery.code.ignore import IgnoreRules, is_ignored

# Directories that hold someone else's code or build output: skipped, each with its reason.
VENDORED_DIRS: dict[str, str] = {
    "node_modules": "vendored", "bower_components": "vendored", "jspm_packages": "vendored",
    "vendor": "vendored", "third_party": "vendored", "third-party": "vendored", "site-packages": "vendored",
    "dist-packages": "vendored", "Pods": "vendored", ".venv": "virtualenv", "venv": "virtualenv",
    "virtualenv": "virtualenv", ".tox": "virtualenv", ".nox": "virtualenv", "__pycache__": "cache",
    ".mypy_cache": "cache", ".pytest_cache": "cache", ".ruff_cache": "cache", ".cache": "cache",
    ".gradle": "cache", ".terraform": "cache", ".eggs": "generated", "dist": "generated", "build": "generated",
    "target": "generated", ".next": "generated", ".nuxt": "generated", ".svelte-kit": "generated",
    "coverage": "generated", "htmlcov": "generated", ".git": "vcs", ".hg": "vcs", ".svn": "vcs",
}
SKIPPED_ROLES = {Role.PROSE: "prose", Role.DATA: "data", Role.GENERATED: "generated", Role.UNKNOWN: "unknown-type"}


class WalkedFile(NamedTuple):
    """A file the walk listed. A named tuple, immutable like a frozen dataclass but made in a
    quarter of its time: a big tree makes one per file, in the walking process."""

    path: str  # absolute
    rel: str  # repository-relative, POSIX
    size: int
    kind: FileKind
    facts: bool = False  # link facts are wanted from its text (read once, in the scan)


@dataclass
class WalkIssue:
    kind: str
    path: str
    message: str
    error: bool


@dataclass
class Walk:
    files: list[WalkedFile] = field(default_factory=list)  # without a sink; with one, the sink has them
    counts: dict[str, int] = field(default_factory=dict)
    issues: list[WalkIssue] = field(default_factory=list)
    nested_repos: list[Path] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)
    sink: Callable[[WalkedFile], None] | None = None  # told of each file as soon as it is listed

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _read_small(path: str, limit: int = 1_000_000) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(limit).decode("utf-8", errors="replace")
    except OSError:
        return ""


def _is_within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


def walk_repository(
    root: Path, *, respect_ignore: bool = True, max_file_size: int = 5_000_000,
    sink: Callable[[WalkedFile], None] | None = None, follow_symlinks: bool = False,
) -> Walk:
    """Every file worth reading under root; nested git repositories are returned, not entered.

    A symbolic link to a file outside root is reported and not read, unless `follow_symlinks`:
    only what the user named is read."""
    walk = Walk(sink=sink)
    real_root = os.path.realpath(root)
    base_rules: list[IgnoreRules] = []
    if respect_ignore:
        exclude = root / ".git" / "info" / "exclude"
        if exclude.is_file():
            base_rules.append(IgnoreRules("", _read_small(str(exclude))))
    stack: list[tuple[str, str, list[IgnoreRules]]] = [(str(root), "", base_rules)]
    while stack:
        directory, rel_dir, rules = stack.pop()
        try:
            with os.scandir(directory) as iterator:
                entries = sorted(iterator, key=_entry_name)
        except OSError as exc:
            walk.issues.append(WalkIssue("unreadable", rel_dir or ".", f"cannot list directory: {exc.strerror}", True))
            continue
        names = {e.name for e in entries}
        if rel_dir and "pyvenv.cfg" in names:
            walk.count("skipped.dir.virtualenv")
            continue
        if rel_dir and ".git" in names:
            walk.nested_repos.append(Path(directory))
            continue
        if respect_ignore and ".gitignore" in names:
            rules = [*rules, IgnoreRules(rel_dir, _read_small(os.path.join(directory, ".gitignore")))]
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_symlink():
                    _symlink(walk, entry, rel, real_root, rules, respect_ignore, max_file_size, follow_symlinks)
                elif entry.is_dir(follow_symlinks=False):
                    reason = VENDORED_DIRS.get(entry.name) or ("generated" if entry.name.endswith(".egg-info") else None)
                    if reason:
                        if reason != "vcs":
                            walk.count(f"skipped.dir.{reason}")
                    elif respect_ignore and rules and is_ignored(rules, rel, True):
                        walk.count("skipped.ignored")
                    else:
                        stack.append((entry.path, rel, rules))
                elif entry.is_file(follow_symlinks=False):
                    if respect_ignore and rules and is_ignored(rules, rel, False):
                        walk.count("skipped.ignored")
                        continue
                    _add_file(walk, entry.path, rel, entry.stat(follow_symlinks=False).st_size, max_file_size)
                else:  # FIFO, socket, device: opening one could block forever
                    walk.count("skipped.special")
            except OSError as exc:
                walk.issues.append(WalkIssue("unreadable", rel, f"cannot stat: {exc.strerror}", True))
    return walk


_entry_name = attrgetter("name")


def _add_file(walk: Walk, path: str, rel: str, size: int, max_file_size: int) -> None:
    kind = classify(rel)
    skipped = SKIPPED_ROLES.get(kind.role)
    if skipped:
        walk.count(f"skipped.{skipped}")
        return
    if size > max_file_size and kind.role != Role.MODEL_CANDIDATE:
        walk.count("skipped.too-large")
        walk.too_large.append(rel)
        return
    walked = WalkedFile(path, rel, size, kind)
    if walk.sink is not None:
        walk.sink(walked)
    else:
        walk.files.append(walked)


def _symlink(
    walk: Walk, entry: os.DirEntry[str], rel: str, real_root: str, rules: list[IgnoreRules], respect_ignore: bool,
    max_file_size: int, follow_symlinks: bool = False,
) -> None:
    try:
        target = os.stat(entry.path)  # follows the link
    except OSError as exc:
        if exc.errno == 40:  # ELOOP: the link resolves to itself through other links
            walk.issues.append(WalkIssue("symlink-loop", rel, "symbolic link loop; not followed", False))
        else:
            walk.count("skipped.broken-symlink")
        return
    real = os.path.realpath(entry.path)
    if os.path.isdir(real):
        if _is_within(os.path.dirname(os.path.abspath(entry.path)), real):
            walk.issues.append(WalkIssue("symlink-loop", rel, f"links to its own ancestor {real}; not followed", False))
        else:
            walk.count("skipped.symlink-dir")  # like ripgrep: directory links are not followed
        return
    if _is_within(real, real_root):
        walk.count("skipped.symlink-duplicate")  # the file itself is read where it lives
        return
    if respect_ignore and rules and is_ignored(rules, rel, False):
        walk.count("skipped.ignored")
        return
    if not follow_symlinks:
        walk.count("skipped.symlink-outside")
        walk.issues.append(WalkIssue("symlink-outside", rel, f"a symbolic link to {real}, outside the repository; "
                                     "not read (--follow-symlinks reads it)", False))
        return
    if os.path.isfile(real):
        _add_file(walk, real, rel, target.st_size, max_file_size)
    else:
        walk.count("skipped.special")
