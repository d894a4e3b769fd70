"""The index against a chroma server (``chroma_url``), started on loopback for the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.index import IndexMismatchError, PolicyIndex
from rag.loaders import load_document
from rag.retriever import Retriever


def _chroma_cli() -> str | None:
    beside = Path(sys.executable).parent / "chroma"
    return str(beside) if beside.exists() else shutil.which("chroma")


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cli = _chroma_cli()
    if cli is None:
        pytest.skip("the chroma command (from the chromadb package) is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tmp_path_factory.mktemp("chroma-server")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    server = subprocess.Popen(
        [cli, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.skip("the local chroma server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.slow
def test_index_on_a_chroma_server(tmp_path: Path, chroma_url: str, policy_md: Path, hash_embedder,
                                  make_hash_embedder) -> None:
    index = PolicyIndex(tmp_path / "idx", hash_embedder, chroma_url=chroma_url)
    added = index.add(load_document(policy_md))
    assert added.status == "added" and index._collection.count() == added.chunks
    top = Retriever(index).search("report an AI incident to the security team", k=1)
    assert top[0].section == "AI policy > Incident reporting"
    reopened = PolicyIndex(tmp_path / "idx", hash_embedder, chroma_url=chroma_url)
    assert reopened.add(load_document(policy_md)).status == "unchanged"
    with pytest.raises(IndexMismatchError):
        PolicyIndex(tmp_path / "idx", make_hash_embedder(name="other"), chroma_url=chroma_url)
