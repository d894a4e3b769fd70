"""Shared fixtures. Every test runs offline: no network, no API keys, an isolated workspace."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SECRET_ENV = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "GITLAB_TOKEN", "AIMS_LLM",
               "AIMS_LLM_BASE_URL", "AIMS_EMBEDDINGS", "AIMS_CHROMA_URL", "AIMS_REVIEWER", "AIMS_WORKSPACE",
               "AIMS_CONFIG", "AIMS_TRAIL_KEY", "AIMS_TRAIL_KEY_FILE")


@pytest.fixture(autouse=True)
def _offline_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture
def workspace_dir(tmp_path: Path) -> Path:
    """An initialised workspace folder, as `aims init` leaves it (commands refuse a missing one)."""
    from cli.workspace.store import Workspace

    path = tmp_path / "ws"
    Workspace(path).close_after_create()
    return path


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    # Derived models (rag/model_cache.py) go to a folder of this session, never the real home's cache;
    # one folder for the whole session, so the fast MiniLM is derived once, not once per test.
    # The other derived data (compiled pattern databases, parsed catalogues) likewise.
    global _MODEL_CACHE, _USER_CACHE
    _MODEL_CACHE = tempfile.mkdtemp(prefix="aims-test-models-")
    os.environ["AIMS_MODEL_CACHE"] = _MODEL_CACHE
    _USER_CACHE = tempfile.mkdtemp(prefix="aims-test-cache-")
    os.environ["AIMS_CACHE_DIR"] = _USER_CACHE


_MODEL_CACHE = _USER_CACHE = ""


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in (_MODEL_CACHE, _USER_CACHE):
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
