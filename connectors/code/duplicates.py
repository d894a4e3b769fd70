"""Files whose bytes equal an earlier file's take that file's outcome, under their own path.

Trees hold the same file more than once (a package vendored or copied twice, examples, generated
stubs). A file's outcome follows from its bytes, its name (which fixes its kind), whether leads
are wanted in its directory and whether its path makes it an MCP config; only the path differs.
The walk gives each file's name and size for free, so only a file whose (name, size) and context
an earlier file had is a possible copy: wherever it is scanned, it is read with that file and the
two compared byte for byte (TreeScanner in tree.py). There is no hash: equal bytes are the test,
so no collision can merge two different files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectors.code import scan as files
from connectors.code.scan import FileOutcome
from connectors.code.walk import WalkedFile
from discovery.code.files import Role, is_mcp_config_path, same_context

if TYPE_CHECKING:
    from connectors.code.engine import MatchEngine

#: Below this, reading two files to compare them costs about what scanning one does.
MIN_BYTES = 256


class Duplicates:
    """The first file of each (name, size) in one repository, in walk order."""

    def __init__(self) -> None:
        self._first: dict[tuple[str, int], WalkedFile] = {}

    def original_of(self, walked: WalkedFile) -> WalkedFile | None:
        """The earlier file this one may duplicate, or None: then it is scanned as usual (and may
        be the original of later ones)."""
        if walked.facts or walked.size < MIN_BYTES or walked.kind.role == Role.MODEL_CANDIDATE:
            return None  # link facts depend on the path; model files are read only in part
        key = (walked.rel.rpartition("/")[2], walked.size)
        first = self._first.get(key)
        if first is None:
            self._first[key] = walked
            return None
        if not same_context(first.rel, walked.rel) or is_mcp_config_path(first.rel) != is_mcp_config_path(walked.rel):
            return None  # the same bytes would be read differently there
        return first


class CopyOutcomes:
    """Gives each copy its original's outcome under its own path, as soon as both are in.

    Outcomes arrive as they are scanned: in walk order without workers (an original comes before
    its copies, so each copy is settled in place), in any order with them (a copy whose original is
    still out waits; it is settled when the original comes in, during the scan rather than after
    the last file). A copy's outcome only says its bytes equal the original's.
    """

    def __init__(self, engine: MatchEngine, max_file_size: int,
                 originals: dict[str, tuple[WalkedFile, WalkedFile]]) -> None:
        self.engine, self.max_file_size = engine, max_file_size
        self._originals = originals  # a possible copy's path -> it, the earlier file (filled by the walk)
        self._seen: dict[str, FileOutcome] = {}  # every outcome taken that is not a copy, by path
        self._waiting: dict[str, list[WalkedFile]] = {}  # an original's path -> its copies waiting for it

    def take(self, outcomes: list[FileOutcome]) -> list[FileOutcome]:
        """The outcomes, each copy replaced by its own outcome; copies whose original is not in
        yet are kept back (rest() settles them)."""
        if not self._originals:  # no copies so far: only remember who is in
            self._seen.update((o.rel, o) for o in outcomes)
            return outcomes
        taken: list[FileOutcome] = []
        seen, waiting, originals = self._seen, self._waiting, self._originals
        for outcome in outcomes:
            if outcome.copy:
                copy, original = originals[outcome.rel]
                found = seen.get(original.rel)
                if found is None:
                    waiting.setdefault(original.rel, []).append(copy)
                else:
                    taken.append(self._settled(found, copy))
                continue
            seen[outcome.rel] = outcome
            taken.append(outcome)
            if waiting and outcome.rel in waiting:
                taken.extend(self._settled(outcome, copy) for copy in waiting.pop(outcome.rel))
        return taken

    def rest(self) -> list[FileOutcome]:
        """The copies still waiting once every outcome is in. There should be none (an original is
        never a copy itself, and is scanned like any file); any there is is scanned on its own."""
        waiting, self._waiting = self._waiting, {}
        return [files.scan_file(self.engine, copy, self.max_file_size)
                for copies in waiting.values() for copy in copies]

    def _settled(self, found: FileOutcome, copy: WalkedFile) -> FileOutcome:
        if found.issue is not None and found.issue[0] == "unreadable":  # it changed since: read the copy
            return files.scan_file(self.engine, copy, self.max_file_size)
        if found.hits or found.issue is not None or found.counts.get("files.invalid-utf8"):
            return files.as_copy(found, copy.rel)
        return found  # nothing in it names its file: the original's own outcome adds the same counts
