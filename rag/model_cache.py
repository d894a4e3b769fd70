"""A user-level cache for models derived from verified sources.

A derived model is a pure function of its key (the source's sha256, the
onnxruntime version and the derivation version), so it is computed once and
kept in ``$AIMS_MODEL_CACHE``, else ``$AIMS_CACHE_DIR/models`` (the folder the
log prefilter's compiled patterns use; set but empty, it turns caching off),
else ``$XDG_CACHE_HOME/aims/models``, else ``~/.cache/aims/models``. Each file carries the sha256 of its own body: a
truncated or altered file is derived again, never loaded. The cache is an
optimisation only: a folder that cannot be created or written, or a file that
cannot be read, means deriving in memory, never a failed command.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from rag.atomic import write_atomic

_MAGIC = b"aims-derived-model/1\n"
_DIGEST_BYTES = 64  # sha256 in hex


def cache_dir() -> Path | None:
    """Where derived models live, or None when no folder can be named."""
    explicit = os.environ.get("AIMS_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    shared = os.environ.get("AIMS_CACHE_DIR")
    if shared is not None:
        return Path(shared) / "models" if shared else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "aims" / "models"
    try:
        return Path.home() / ".cache" / "aims" / "models"
    except RuntimeError:  # no home directory to speak of
        return None


def _read(path: Path) -> bytes | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + _DIGEST_BYTES + 1
    if not raw.startswith(_MAGIC) or len(raw) <= head:
        return None
    digest, body = raw[len(_MAGIC) : head - 1], raw[head:]
    if hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    return body


def _write(path: Path, body: bytes) -> None:
    write_atomic(path, _MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def load_or_derive(name: str, derive: Callable[[], bytes], directory: Path | None = None) -> tuple[bytes, str]:
    """The cached ``name`` if it is intact, else ``derive()`` (stored when the folder allows).

    Returns the bytes and where they came from: "cache", "derived and cached" or
    "derived in memory" (the cache folder could not be used).
    """
    folder = directory if directory is not None else cache_dir()
    path = folder / name if folder is not None else None
    if path is not None:
        cached = _read(path)
        if cached is not None:
            return cached, "cache"
    body = derive()
    if path is None:
        return body, "derived in memory"
    try:
        _write(path, body)
    except OSError:
        return body, "derived in memory"
    return body, "derived and cached"
