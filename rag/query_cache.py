"""Query vectors kept beside the index, so a re-run of the same queries embeds nothing.

A gap run asks the same few hundred catalogue queries every time; their
vectors depend only on the query text and the embedder, so they are stored in
``aims-query-vectors.npz`` in the index folder, under the embedder's name. The
file is an optimisation: unreadable, another embedder's, or not writable means
embedding again, never an error.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from rag.atomic import write_atomic

QUERY_CACHE = "aims-query-vectors.npz"
#: Beyond this many queries the oldest go: the catalogue has ~550, ad-hoc searches add a few.
MAX_QUERIES = 20_000


def load(folder: Path, embedder: str) -> dict[str, list[float]]:
    import numpy as np

    try:
        with np.load(folder / QUERY_CACHE, allow_pickle=False) as data:
            if str(data["embedder"]) != embedder:
                return {}
            queries, vectors = data["queries"].tolist(), data["vectors"]
            if vectors.ndim != 2 or len(queries) != len(vectors):
                return {}
            return dict(zip(queries, vectors.tolist(), strict=True))
    except Exception:  # noqa: BLE001 - missing, truncated, not a zip, other arrays: all mean "embed again"
        return {}


def save(folder: Path, embedder: str, vectors: dict[str, list[float]]) -> None:
    import numpy as np

    items = list(vectors.items())[-MAX_QUERIES:]
    if not items or len({len(v) for _, v in items}) != 1:
        return
    if not folder.is_dir():
        return
    with contextlib.suppress(OSError, ValueError):
        body = io.BytesIO()
        np.savez(body, embedder=np.array(embedder), queries=np.array([q for q, _ in items]),
                 vectors=np.array([v for _, v in items], dtype=np.float64))
        write_atomic(folder / QUERY_CACHE, body.getvalue())
