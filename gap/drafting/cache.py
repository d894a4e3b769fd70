"""A JSON-file cache of model answers, keyed by (prompt id@version, model, evidence hash).

One file per answer under the directory the caller gives (the workspace's
``cache/``), written to a temporary file and renamed into place, so a crash
never leaves a half-written entry and two runs never see a torn one. A
corrupt or unreadable entry is a miss, never an error: the answer is simply
asked for again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_SCHEMA = "aims.llm-cache/1"


def cache_key(prompt_ref: str, model: str, evidence_hash: str) -> str:
    return hashlib.sha256(f"{prompt_ref}\x1f{model}\x1f{evidence_hash}".encode()).hexdigest()[:32]


class DraftCache:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory) / "llm"

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, prompt_ref: str, model: str, evidence_hash: str) -> dict[str, Any] | None:
        path = self._path(cache_key(prompt_ref, model, evidence_hash))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("schema") != CACHE_SCHEMA:
            return None
        # Guard against a key collision or a hand-edited file answering for something else.
        if (entry.get("prompt"), entry.get("model"), entry.get("evidence_hash")) != (prompt_ref, model, evidence_hash):
            return None
        answer = entry.get("answer")
        return answer if isinstance(answer, dict) else None

    def put(self, prompt_ref: str, model: str, evidence_hash: str, answer: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        entry = {
            "schema": CACHE_SCHEMA,
            "prompt": prompt_ref,
            "model": model,
            "evidence_hash": evidence_hash,
            "answer": answer,
        }
        target = self._path(cache_key(prompt_ref, model, evidence_hash))
        fd, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, sort_keys=True, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
