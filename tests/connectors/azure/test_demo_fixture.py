"""The example organisation's Azure subscription, as `aims demo` runs it: the deployment that
support-bot's code calls shows in the inventory, named in `model` with its resource id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("azure.identity")

from cli.demo import _discover_azure, _Runner  # noqa: E402

ACME = Path(__file__).resolve().parents[3] / "examples" / "acme"
DEPLOYMENT = "support-escalation-gpt4o"


def test_the_demo_step_finds_the_deployment_support_bot_calls(tmp_path: Path) -> None:
    run = _Runner(tmp_path / "ws", tmp_path / "demo.log")
    run("init")
    scan = _discover_azure(run, ACME)
    assert scan["schema"] == "aims.scan/1" and scan["issues"] == []
    [deployment] = [o for o in scan["observations"] if o["signal"] == "azure.openai-deployment"]
    assert deployment["model"] == DEPLOYMENT and deployment["provider"] == "azure-openai"
    assert deployment["location"]["arn"].endswith(f"/accounts/acme-support-oai/deployments/{DEPLOYMENT}")
    kinds = {(c["kind"], c["status"]) for c in scan["controls"] if c["arn"] == deployment["location"]["arn"]}
    assert kinds == {("guardrails", "enabled"), ("model-version-pinning", "disabled")}
    assert any(s["name"] == f"Azure OpenAI: acme-support-oai/{DEPLOYMENT}" for s in scan["systems"])
    # the same name is what the example repository's code calls
    code = (ACME / "repos" / "support-bot" / "app" / "escalate.py").read_text()
    assert f'"AZURE_OPENAI_DEPLOYMENT", "{DEPLOYMENT}"' in code
    inventory = json.loads(run("inventory", "list", "--format", "json"))
    assert any(DEPLOYMENT in s["models"] for s in inventory["systems"])
