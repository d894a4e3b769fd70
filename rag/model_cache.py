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

import os
from collections.abc import Callable
from pathlib import Path

from discovery import user_cache

_MAGIC = b"aims-derived-model/1\n"


def cache_dir() -> Path | None:
    """Where derived models live, or None when no folder can be named."""
    explicit = os.environ.get("AIMS_MODEL_CACHE")
    if explicit:
        return Path(explicit)
    shared = user_cache.cache_dir()
    return shared / "models" if shared is not None else None


def load_or_derive(name: str, derive: Callable[[], bytes], directory: Path | None = None) -> tuple[bytes, str]:
    """The cached ``name`` if it is intact, else ``derive()`` (stored when the folder allows).

    Returns the bytes and where they came from: "cache", "derived and cached" or
    "derived in memory" (the cache folder could not be used).
    """
    folder = directory if directory is not None else cache_dir()
    path = folder / name if folder is not None else None
    if path is not None:
        cached = user_cache.read_intact(path, _MAGIC)
        if cached is not None:
            return cached, "cache"
    body = derive()
    if path is None:
        return body, "derived in memory"
    try:
        user_cache.write_intact(path, _MAGIC, body)
    except OSError:
        return body, "derived in memory"
    return body, "derived and cached"
