"""`aims discover logs` end to end through click (workspace in tmp, no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from tests.connectors.logs.conftest import FIXTURES


def run(workspace: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    if not (workspace / "aims.db").exists():
        assert CliRunner().invoke(cli, ["--workspace", str(workspace), "init"]).exit_code == 0
    return CliRunner().invoke(cli, ["--workspace", str(workspace), "discover", "logs", *args], input=input, env=env)


def test_json_contract_and_exit_0(workspace_dir: Path) -> None:
    result = run(workspace_dir, str(FIXTURES / "zscaler/web-siem.jsonl"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema"] == "aims.scan/1"
    assert [o["system_hint"] for o in data["observations"]] == ["perplexity"]
    assert data["systems"][0]["providers"] == ["perplexity"]
    assert data["issues"] == []


def test_missing_file_exits_3_and_the_rest_is_read(workspace_dir: Path) -> None:
    result = run(workspace_dir, str(FIXTURES / "squid/access.log"), "missing.log", "--format", "json")
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    kinds = {(i["target"], i["kind"]) for i in data["issues"]}
    assert ("missing.log", "not-found") in kinds
    assert data["observations"]


def test_stdin_and_pseudonymise_from_the_environment(workspace_dir: Path) -> None:
    data = (FIXTURES / "squid/access.log").read_bytes()
    result = run(workspace_dir, "-", "--pseudonymise", "--format", "json", input=data,
                 env={"AIMS_PSEUDONYMISE_KEY": "test-key"})
    assert result.exit_code == 0, result.output
    observations = json.loads(result.output)["observations"]
    assert observations and all(o["identity"].startswith("anon-") for o in observations)
    assert "alice" not in result.output


def test_pseudonymise_without_a_key_is_a_usage_error(workspace_dir: Path) -> None:
    result = run(workspace_dir, str(FIXTURES / "squid/access.log"), "--pseudonymise")
    assert result.exit_code == 2
    assert "AIMS_PSEUDONYMISE_KEY" in result.output


def test_generic_fields_and_extra_catalogue(workspace_dir: Path, tmp_path: Path) -> None:
    extra = tmp_path / "more.yaml"
    extra.write_text("services:\n  - {id: acme-llm, name: Acme LLM gateway, vendor: Acme, provider: openai, "
                     "kind: api, domains: [llm.acme.internal]}\n")
    log = tmp_path / "gw.csv"
    log.write_text("when,host,person\n2024-06-10T10:00:00Z,eu.llm.acme.internal,pat\n")
    result = run(workspace_dir, str(log), "--host-field", "host", "--user-field", "person", "--time-field", "when",
                 "--catalogue", str(extra), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [o["system_hint"] for o in json.loads(result.output)["observations"]] == ["acme-llm"]


def test_unknown_format_is_reported_with_exit_3(workspace_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("hello chatgpt.com\n")
    result = run(workspace_dir, str(odd))
    assert result.exit_code == 3
    assert "unknown-format" in result.output and "tried:" in result.output


def test_startup_imports_nothing_heavy() -> None:
    code = ("import sys, cli.discover_logs, connectors.logs;"
            "heavy = [m for m in ('boto3', 'botocore', 'chromadb', 'langchain', 'duckdb') if m in sys.modules];"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[3])
    assert done.stdout.strip() == ""
