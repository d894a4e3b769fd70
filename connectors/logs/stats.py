"""What one scan of a log stream counts, and the errors that end it: shared by the engine and the
processes that scan parts of a file (their counts are added in order, see StreamStats.absorb)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.logs.records import MAX_EXAMPLES, MAX_SAMPLES


class UnknownFormat(Exception):
    """No format recognised the head of the file."""


class DocumentTooLarge(Exception):
    pass


class FormatMismatch(Exception):
    """The chosen format cannot read this file at all (e.g. a named column is missing)."""


@dataclass
class StreamStats:
    format_name: str = ""
    lines: int = 0
    candidates: int = 0
    events: int = 0
    ai_events: int = 0
    malformed: int = 0
    #: (line number, reason) of the first few malformed lines
    malformed_examples: list[tuple[int, str]] = field(default_factory=list)

    #: why the malformed-line count may be short (the shape-check process failed)
    shape_check_error: str | None = None
    #: lines longer than the limit: cut to their first bytes (which were still scanned)
    long_lines: int = 0
    #: a few malformed lines as read, to tell a file that mixes formats from a damaged one
    malformed_samples: list[str] = field(default_factory=list)

    def add_malformed(self, count: int, examples: list[tuple[int, str]], samples: Sequence[str] = ()) -> None:
        self.malformed += count
        self.malformed_examples = sorted([*self.malformed_examples, *examples])[:MAX_EXAMPLES]
        self.malformed_samples = [*self.malformed_samples, *samples][:MAX_SAMPLES]

    def absorb(self, later: "StreamStats") -> None:
        """Add the counts of the lines that follow these (numbered from 1 there)."""
        offset = self.lines
        self.add_malformed(later.malformed, [(offset + n, reason) for n, reason in later.malformed_examples],
                           later.malformed_samples)
        self.lines += later.lines
        self.candidates += later.candidates
        self.events += later.events
        self.ai_events += later.ai_events
        self.long_lines += later.long_lines
        self.shape_check_error = self.shape_check_error or later.shape_check_error
