"""The user's cache folder, for what aims derives from its own packaged data: compiled pattern
databases and parsed catalogues. (rag/model_cache.py keeps the derived embedding models in its
"models" subfolder by the same rules: rag imports none of our other packages.)

Everything kept here is a pure function of its key and only saves time. A file that is missing,
cut short or altered is derived again (each file carries the sha256 of its body), and a folder
that cannot be created or written means deriving in memory: never a failed command.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    """$AIMS_CACHE_DIR (set but empty: no cache at all), else $XDG_CACHE_HOME/aims (an absolute
    path only, as the XDG spec says), else ~/.cache/aims; None when no home can be named."""
    shared = os.environ.get("AIMS_CACHE_DIR")
    if shared is not None:
        return Path(shared) if shared else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "aims"
    try:
        return Path.home() / ".cache" / "aims"
    except (RuntimeError, KeyError):  # no home directory to speak of (no HOME, no passwd entry)
        return None


_DIGEST_BYTES = 64  # sha256 in hex


def read_intact(path: Path, magic: bytes) -> bytes | None:
    """The body stored at path by write_intact with the same magic, or None if it is missing,
    unreadable, of another kind or not the body it was written with."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(magic) + _DIGEST_BYTES + 1
    if not raw.startswith(magic) or len(raw) <= head:
        return None
    digest, body = raw[len(magic): head - 1], raw[head:]
    if hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    return body


def write_intact(path: Path, magic: bytes, body: bytes) -> None:
    """Store body at path with magic and its sha256, atomically: a reader (or a crash) sees the
    whole old file or the whole new one. Raises OSError when the folder cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(magic + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
