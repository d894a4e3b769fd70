"""Opening log sources (files, `.gz`, stdin) and reading them in blocks of whole lines.

Blocks keep memory flat whatever the file size: the prefilter works on a block at a time.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from typing import BinaryIO

STDIN = "-"
BLOCK_SIZE = 8 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def display_name(target: str) -> str:
    return "<stdin>" if target == STDIN else target


def open_log(target: str, stdin: BinaryIO | None = None) -> BinaryIO:
    """A binary stream of the log's text; gzip is detected by its magic bytes, not the name."""
    raw: BinaryIO
    if target == STDIN:
        raw = stdin if stdin is not None else sys.stdin.buffer
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    else:
        buffered = open(target, "rb")  # noqa: SIM115 - the caller closes it
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def iter_blocks(stream: BinaryIO, size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Blocks of about `size` bytes that end on a line boundary (the last may lack a newline)."""
    while True:
        block = stream.read(size)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += stream.readline()
        yield block
