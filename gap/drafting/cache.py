"""A JSON-file cache of model answers, keyed by the content of what the answer rests on.

The key is a hash of the prompt id@version, the drafter settings that change
answers (model, endpoint, temperature, max tokens, structured-output method),
the requirement's catalogue entry, the technical evidence, and the *content
hashes* of the retrieved passages, as a set. Chunk ids and offsets are not part
of it: they derive from the whole document, so an edit elsewhere in a document
would otherwise re-draft every requirement that retrieved any of its passages.
An entry stores which content hash each opaque passage id (P1...) stood for,
so a replay maps the answer's citations onto today's passages and verifies its
quotes against them again.

One file per answer under ``cache/llm/``, written to a temporary file and
renamed into place, so a crash never leaves a half-written entry and two
threads or runs never see a torn one. A corrupt entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

CACHE_SCHEMA = "aims.llm-cache/2"


def answer_key(
    *,
    prompt_ref: str,
    settings_fingerprint: str,
    requirement_fingerprint: str,
    passage_hashes: Iterable[str],
    evidence: Iterable[str],
) -> str:
    """The cache key of one answer; passages count as a set of content hashes."""
    parts = [prompt_ref, settings_fingerprint, requirement_fingerprint]
    parts += sorted(f"passage:{h}" for h in passage_hashes)
    parts += [f"evidence:{e}" for e in evidence]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


class DraftCache:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "llm"

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        """(the answer, {opaque passage id: content hash} when it was given), or None on a miss."""
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("schema") != CACHE_SCHEMA or entry.get("key") != key:
            return None
        answer, passages = entry.get("answer"), entry.get("passages")
        if not isinstance(answer, dict) or not isinstance(passages, dict):
            return None
        return answer, {str(k): str(v) for k, v in passages.items()}

    def put(self, key: str, answer: dict[str, Any], passages: Mapping[str, str], *, model: str = "") -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        entry = {"schema": CACHE_SCHEMA, "key": key, "model": model, "passages": dict(passages), "answer": answer}
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # No fsync: a torn entry after a power cut is a miss, never a wrong answer.
                json.dump(entry, handle, sort_keys=True, ensure_ascii=False)
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
