"""Compiled Hyperscan databases kept in the user's cache, for the log and the code prefilters.

A compiled database is a pure function of its expressions, their flags and the Hyperscan build,
so its bytes are kept under a key made of all three. Loading them takes a millisecond, where
compiling takes 0.5-2 s for the ~700 log patterns and 13 ms for the code catalogue's ~830
keywords (on the serial start of every code scan, before any file is read).

The cache only saves time. A missing, damaged or foreign file is compiled again, and a folder
that cannot be written means compiling every time: never a failed scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from discovery.user_cache import cache_dir, read_intact, write_intact

_MAGIC = b"aims-hyperscan-database/1\n"


def compiled_database(hyperscan: Any, name: str, expressions: Sequence[bytes], flags: Sequence[int], *,
                      literal: bool = False) -> Any:
    """A block-mode database of expressions (ids are their positions), from the cache when the
    same ones were compiled before by the same Hyperscan build. name prefixes the cached file."""
    version = str(getattr(hyperscan, "__version__", "")) + str(getattr(hyperscan, "__file__", ""))
    key = hashlib.sha256(b"\0".join([
        repr((list(flags), literal)).encode(), version.encode(), *expressions])).hexdigest()[:24]
    folder = cache_dir()
    cached = folder / f"{name}-{key}.hsdb" if folder is not None else None
    if cached is not None:
        body = read_intact(cached, _MAGIC)
        if body is not None:
            try:
                return hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
            except Exception:  # noqa: BLE001 - from another build after all: compile instead
                pass
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=list(expressions), ids=list(range(len(expressions))), elements=len(expressions),
                     flags=list(flags), **({"literal": True} if literal else {}))
    if cached is not None:
        try:
            write_intact(cached, _MAGIC, bytes(hyperscan.dumpb(database)))
        except OSError:
            pass  # a read-only home: compile every time, still correct
    return database
