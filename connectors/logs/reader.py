"""Opening log sources (files, `.gz`, stdin) and reading them in blocks of whole lines.

Blocks keep memory flat whatever the file size: the prefilter works on a block at a time.
Hostile input is bounded here, before any parsing: a line longer than `max_line_bytes` is cut
to its first bytes (and counted), a gzip stream stops at `max_decompressed_bytes` or at a
suspicious expansion ratio, and a corrupt or truncated archive ends the stream where it broke,
keeping everything read before the break.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

STDIN = "-"
BLOCK_SIZE = 8 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_SKIP_CHUNK = 1024 * 1024
_GZIP_STEP = 64 * 1024
_SPLIT_PEEK = 64 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one log source may cost (settings `[limits]` in aims.toml)."""

    #: a longer line is cut to this many bytes, counted as malformed, its prefix still scanned
    max_line_bytes: int = 1024 * 1024
    #: a gzip log stops here (the part read is kept and the cut reported)
    max_decompressed_bytes: int = 64 * 1024**3
    #: ... or when it has expanded more than this many times, once past `ratio_after_bytes`
    max_ratio: int = 200
    ratio_after_bytes: int = 64 * 1024 * 1024
    #: a whole-document log (CloudTrail's `{"Records": [...]}`) larger than this is refused
    max_document_bytes: int = 128 * 1024 * 1024


DEFAULT_LIMITS = ReadLimits()


def display_name(target: str) -> str:
    return "<stdin>" if target == STDIN else target


class _CountingRaw(io.RawIOBase):
    """Counts the compressed bytes a gzip reader consumed (a pipe cannot tell())."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.consumed += size
        return size

    def close(self) -> None:
        self._inner.close()
        super().close()


class LogStream(io.RawIOBase):
    """A log's text as bytes; a decompression failure or limit ends it cleanly.

    `cut` says why the stream ended early (None when it was read to its real end), and
    `read_bytes` how much text came out before that.
    """

    def __init__(self, inner: BinaryIO, *, compressed: _CountingRaw | None, limits: ReadLimits) -> None:
        self._inner = inner
        self._compressed = compressed
        self._limits = limits
        self.cut: str | None = None
        self.read_bytes = 0

    @property
    def compressed(self) -> bool:
        return self._compressed is not None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._compressed is None:
            return self._guarded(lambda: self._inner.read(size))
        # A gzip read that fails drops what it had inflated; small reads keep all but the last.
        parts: list[bytes] = []
        wanted = size if size is not None and size >= 0 else 1 << 62
        while wanted > 0:
            chunk = self._guarded(lambda: self._inner.read(min(_GZIP_STEP, wanted)))
            if not chunk:
                break
            parts.append(chunk)
            wanted -= len(chunk)
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        return self._guarded(lambda: self._inner.readline(-1 if size is None else size))

    def _guarded(self, call) -> bytes:  # type: ignore[no-untyped-def]
        if self.cut is not None:
            return b""
        try:
            data = call()
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.cut = f"the archive is cut or corrupt after {self.read_bytes:,} bytes of text ({exc})"
            return b""
        self.read_bytes += len(data)
        if self._compressed is not None:
            self._check_expansion()
        return data

    def _check_expansion(self) -> None:
        limits = self._limits
        if self.read_bytes > limits.max_decompressed_bytes:
            self.cut = (f"stopped after {self.read_bytes:,} bytes of decompressed text: past the "
                        f"{limits.max_decompressed_bytes:,}-byte limit (limits.log_max_decompressed_bytes)")
        elif self.read_bytes > limits.ratio_after_bytes and self._compressed is not None:
            ratio = self.read_bytes / max(1, self._compressed.consumed)
            if ratio > limits.max_ratio:
                self.cut = (f"stopped after {self.read_bytes:,} bytes: the archive expands {ratio:,.0f} times, past "
                            f"the {limits.max_ratio}x limit (limits.log_max_ratio); it looks like a decompression bomb")

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_log(target: str, stdin: BinaryIO | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> LogStream:
    """A binary stream of the log's text; gzip is detected by its magic bytes, not the name.

    Raises OSError when the source cannot be opened (a closed stdin included).
    """
    raw: BinaryIO
    if target == STDIN:
        if stdin is not None:
            raw = stdin
        else:
            if sys.stdin is None or getattr(sys.stdin, "buffer", None) is None:
                raise OSError("standard input is closed")
            raw = sys.stdin.buffer
        try:
            if raw.closed:
                raise OSError("standard input is closed")
        except ValueError:
            raise OSError("standard input is closed") from None
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    else:
        buffered = open(target, "rb")  # noqa: SIM115 - the caller closes it
    try:
        magic = buffered.peek(2)[:2]
    except ValueError:  # a stdin closed under us
        raise OSError("standard input is closed") from None
    if magic == _GZIP_MAGIC:
        counting = _CountingRaw(buffered)
        inner = gzip.GzipFile(fileobj=io.BufferedReader(counting), mode="rb")
        return LogStream(inner, compressed=counting, limits=limits)  # type: ignore[arg-type]
    return LogStream(buffered, compressed=None, limits=limits)


class _FileRange(io.RawIOBase):
    """The bytes of a file from `start` to its end, or to `stop`."""

    def __init__(self, path: str, start: int, stop: int | None) -> None:
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._file.seek(start)
        self._left = None if stop is None else max(0, stop - start)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left is not None:
            size = self._left if size < 0 else min(size, self._left)
        data = self._file.read(size) if size >= 0 else self._file.read()
        if self._left is not None:
            self._left -= len(data)
        return data or b""

    def unread(self, count: int) -> None:
        """Step back over the last `count` bytes read, so the next read starts with them again."""
        self._file.seek(-count, io.SEEK_CUR)
        if self._left is not None:
            self._left += count

    def close(self) -> None:
        self._file.close()
        super().close()


def open_range(path: str, start: int, stop: int | None = None) -> BinaryIO:
    """A plain (uncompressed) file's bytes from `start` to `stop` (or its end), for reading a
    large log in parts, one per process."""
    return _FileRange(path, start, stop)  # type: ignore[return-value]


def split_offset(path: str, max_line_bytes: int) -> int | None:
    """The start of the first line at or after the middle of a plain file: where its second half
    begins. None when no newline follows the middle within two line lengths (one giant line)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, io.SEEK_END)
        middle = size // 2
        handle.seek(middle)
        limit = 2 * max_line_bytes + 2
        window = handle.read(min(limit, _SPLIT_PEEK))  # lines are short: most files need no more
        if b"\n" not in window and len(window) < limit:
            window += handle.read(limit - len(window))
    newline = window.find(b"\n")
    if newline < 0 or middle + newline + 1 >= size:
        return None
    return middle + newline + 1


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_heap_tuned = False


def _reuse_freed_blocks(block_size: int) -> None:
    """Ask glibc to serve blocks from its heap and keep freed ones there for the next block.

    By default an allocation this large is a fresh mmap, and every page of every block is then
    faulted in and zeroed by the kernel: measured, a third of the CPU time of a 1 GB CloudTrail
    scan went to the kernel that way. Elsewhere than glibc this does nothing."""
    global _heap_tuned
    if _heap_tuned or not sys.platform.startswith("linux"):
        return
    _heap_tuned = True
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 8 * block_size)
        libc.mallopt(_M_TRIM_THRESHOLD, 32 * block_size)
    except (OSError, AttributeError):
        pass  # not glibc: its own allocator's defaults


class BlockReader:
    """Blocks of about `size` bytes that end on a line boundary (the last may lack a newline).

    Every line longer than `max_line_bytes` is cut to `max_line_bytes + 1` bytes (so a cut line
    is recognisable by its length alone) and counted in `long_lines`; the rest of it is skipped
    without being held in memory.
    """

    def __init__(self, stream: BinaryIO, size: int = BLOCK_SIZE, max_line_bytes: int | None = None) -> None:
        self._stream = stream
        self._size = size
        limit = max_line_bytes if max_line_bytes is not None else DEFAULT_LIMITS.max_line_bytes
        self.max_line_bytes = max(1, limit)
        self.long_lines = 0
        self._pending = b""  # read past a line's end while completing a block; served first
        self._long = re.compile(rb"(?m)^([^\n]{%d})[^\n]*" % (self.max_line_bytes + 1))
        if size >= 1 << 20:
            _reuse_freed_blocks(size)

    @property
    def cut_length(self) -> int:
        """The length of every cut line, and of no whole line."""
        return self.max_line_bytes + 1

    def __iter__(self) -> Iterator[bytes]:
        unread = getattr(self._stream, "unread", None)
        while True:
            straight_from_file = unread is not None and not self._pending
            block = self._read(self._size)
            if not block:
                return
            if not block.endswith(b"\n"):
                cut = block.rfind(b"\n") + 1 if straight_from_file else 0
                if cut:  # a file range: step back to the last line's start rather than read on and join
                    unread(len(block) - cut)
                    block = block[:cut]
                else:
                    block += self._complete_line()
            yield self._cut_long_lines(block)

    def _read(self, size: int) -> bytes:
        if not self._pending:
            return self._stream.read(size)
        data, self._pending = self._pending[:size], self._pending[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data

    def _complete_line(self) -> bytes:
        """The rest of the block's last line, at most one byte past the limit: the rest of an
        over-long line is read a chunk at a time and dropped, never held."""
        kept = bytearray()
        while True:
            chunk = self._read(_SKIP_CHUNK)
            if not chunk:
                return bytes(kept)
            newline = chunk.find(b"\n")
            piece = chunk if newline < 0 else chunk[:newline]
            room = self.max_line_bytes + 1 - len(kept)
            if room > 0:
                kept += piece[:room]
            if newline >= 0:
                self._pending = chunk[newline + 1:]
                return bytes(kept) + b"\n"

    def _cut_long_lines(self, block: bytes) -> bytes:
        # Fast path: every half-window of the limit holds a newline, so no line can be longer.
        step = max(1, self.max_line_bytes // 2)
        if all(block.find(b"\n", start, start + step) >= 0 for start in range(0, len(block) - step + 1, step)):
            return block

        def cut(match: re.Match[bytes]) -> bytes:
            self.long_lines += 1
            return match.group(1)

        return self._long.sub(cut, block)


def iter_blocks(stream: BinaryIO, size: int = BLOCK_SIZE, max_line_bytes: int | None = None) -> BlockReader:
    return BlockReader(stream, size, max_line_bytes)
