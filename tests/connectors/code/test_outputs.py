"""SARIF validates against the official 2.1.0 schema; the CLI command speaks table/json/sarif."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.code.connector import CodeConnector, CodeScanOptions
from connectors.code.sarif import FINGERPRINT, sarif_log
from discovery.code.catalogue import load_catalogue

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "code"
SCHEMA = Path(__file__).resolve().parents[2] / "data" / "sarif-schema-2.1.0.json"


def test_sarif_validates_against_the_official_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = CodeConnector(CodeScanOptions(jobs=1)).scan(
        [str(CORPUS / "polyglot"), str(CORPUS / "keys-and-env"), str(tmp_path / "missing")]
    )
    log = sarif_log(result.observations, result.issues, catalogue=load_catalogue())
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    assert len(run["results"]) == len(result.observations)
    assert run["invocations"][0]["executionSuccessful"] is False  # the missing target
    result0 = run["results"][0]
    assert run["tool"]["driver"]["rules"][result0["ruleIndex"]]["id"] == result0["ruleId"]
    assert result0["partialFingerprints"][FINGERPRINT].startswith("obs-")
    assert "sk-proj-Zx81" not in json.dumps(log)


def test_cli_json_and_sarif(tmp_path: Path) -> None:
    from cli.main import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["-w", str(tmp_path / "ws"), "init"]).exit_code == 0
    workspace = tmp_path / "ws"
    assert runner.invoke(cli, ["-w", str(workspace), "init"]).exit_code == 0
    out = runner.invoke(cli, ["-w", str(workspace), "discover", "code", str(CORPUS / "ollama-local"), "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["schema"] == "aims.scan/1"
    assert {p for s in data["systems"] for p in s["providers"]} == {"ollama"}
    out = runner.invoke(cli, ["-w", str(workspace), "discover", "code", str(CORPUS / "ollama-local"),
                              str(tmp_path / "nope"), "--format", "sarif"])
    assert out.exit_code == 3  # a target could not be read
    sarif = json.loads(out.output)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]


def test_cli_sizes_and_usage(tmp_path: Path) -> None:
    from cli.main import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["-w", str(tmp_path / "ws"), "init"]).exit_code == 0
    out = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "discover", "code", "--max-file-size", "lots"])
    assert out.exit_code == 2
    out = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "discover", "code"])
    assert out.exit_code == 2 and "at least one" in out.output


def test_startup_imports_nothing_heavy() -> None:
    code = ("import sys, cli.discover_code, connectors.code, connectors.code.sarif; "
            "print(sorted(m for m in ('chromadb', 'langchain', 'boto3') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_observations_are_made_unvalidated_but_pass_validation() -> None:
    """The scan builds its observations with Observation.trusted (no validation on a hot path):
    every one must be exactly what validating the same values gives, types included."""
    from discovery.models import Observation

    result = CodeConnector(CodeScanOptions(jobs=1)).scan([str(p) for p in sorted(CORPUS.iterdir())])
    assert len(result.observations) > 50
    for observation in result.observations:
        values = {name: getattr(observation, name) for name in observation.model_fields_set}
        values["location"] = observation.location.model_dump()
        again = Observation.model_validate(values, strict=True)
        assert again == observation
        assert again.model_dump_json() == observation.model_dump_json()  # the fields' order too
        assert [type(v) for v in again.attributes.values()] == [type(v) for v in observation.attributes.values()]
