"""Bounds on what one document may cost, checked before it is parsed.

Office files are zip archives and PDF streams are compressed: a small file can inflate to
gigabytes. The archive's own directory declares each member's size, and Python's zipfile never
inflates a member past its declared size (a mismatch fails its CRC check), so checking the
declared sizes up front bounds the parse.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

#: members smaller than this are not judged by their expansion ratio (tiny parts compress oddly)
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DocumentLimits:
    """Settings `[limits]` in aims.toml; the defaults fit any real policy document."""

    #: a policy file larger than this on disk is reported as too large
    max_file_bytes: int = 50 * 1024 * 1024
    #: ... and so is one whose extracted text is longer than this many characters (~1,000 pages)
    max_text_chars: int = 2_000_000
    #: DOCX/XLSX: the members' declared sizes together; PDF: any one decompressed stream
    max_unpacked_bytes: int = 64 * 1024 * 1024
    #: a member (over 1 MiB) that expands more than this many times is a decompression bomb
    max_ratio: int = 100


DEFAULT_DOCUMENT_LIMITS = DocumentLimits()


def zip_problem(data: bytes, limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS) -> str | None:
    """Why this zip-based file (DOCX, XLSX) must not be opened, or None when it may.

    A file that is not a zip at all returns None: the format's own reader reports that better.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > RATIO_FLOOR_BYTES:
            ratio = member.file_size / max(1, member.compress_size)
            if ratio > limits.max_ratio:
                return (f"its part {member.filename!r} inflates {ratio:,.0f} times ({member.file_size:,} bytes), past "
                        f"the {limits.max_ratio}x limit (limits.archive_max_ratio): a decompression bomb")
    if total > limits.max_unpacked_bytes:
        return (f"unpacks to {total:,} bytes, past the {limits.max_unpacked_bytes:,}-byte limit "
                "(limits.archive_max_unpacked_bytes)")
    return None
