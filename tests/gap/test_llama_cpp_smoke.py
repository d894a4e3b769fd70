"""Optional end-to-end smoke test against a real llama.cpp server (llama-cpp-python). Off by default.

Set AIMS_LLAMA_CPP_MODEL to a GGUF file to run it; the test starts
``python -m llama_cpp.server`` on 127.0.0.1 itself and drafts two findings
through the real ChatOpenAI client with function calling (llama.cpp-style
servers reject json_schema). How to install llama-cpp-python on this CPU and
where a small GGUF model comes from: docs/llm.md.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

MODEL = os.environ.get("AIMS_LLAMA_CPP_MODEL")
pytestmark = pytest.mark.skipif(not MODEL, reason="set AIMS_LLAMA_CPP_MODEL to a GGUF file to run (docs/llm.md)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    pytest.importorskip("llama_cpp.server")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(MODEL), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--chat_format", "chatml-function-calling"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_real_small_model_yields_valid_findings_or_manual_review(llama_server: str) -> None:
    from gap.drafting.llm import LLMDrafter
    from gap.drafting.settings import LLMSettings
    from tests.gap.test_llm_contract import request

    settings = LLMSettings(model="local", base_url=llama_server, structured_output="function_calling",
                           timeout_seconds=300, max_retries=0, max_tokens=400)
    drafter = LLMDrafter(settings=settings)
    finding = drafter.draft(request())
    # A 135M model is often wrong; what must hold is that whatever it says is validated.
    assert finding.drafted_by.model == "local"
    assert finding.needs_manual_review or finding.citations or finding.status.value in ("gap", "insufficient-evidence")
    for citation in finding.citations:
        assert citation.quote in request().passages[0].text
    assert drafter.usage.calls >= 1
