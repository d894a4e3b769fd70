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

from connectors.code.walk import WalkedFile
from discovery.code.files import Role, is_mcp_config_path, same_context

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
