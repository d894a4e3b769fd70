"""Link facts come from the config files the scan reads anyway, in the walk's order, serial or
in workers, capped per repository."""

from __future__ import annotations

from pathlib import Path

import pytest

import connectors.code.connector as code_connector
import connectors.code.tree as code_tree
from connectors.code.connector import CodeConnector, CodeScanOptions
from discovery.linkfacts import MAX_FACT_FILE_BYTES


def _repo(root: Path) -> Path:
    (root / "CODEOWNERS").write_text("* @acme/ml-team\n")
    (root / "app.py").write_text("import openai\n")
    (root / "big.yaml").write_text("deployment_name: too-big-to-read\n" + "# padding\n" * (MAX_FACT_FILE_BYTES // 10))
    (root / "infra").mkdir()
    (root / "infra" / "main.tf").write_text('resource "aws_sagemaker_endpoint" "scorer" {\n  name = "loan-scorer"\n}\n')
    (root / "deploy").mkdir()
    (root / "deploy" / "prod.env.yaml").write_bytes(b"deployment_name: gpt4o-prod\r\nother: 1\r\n")  # CRLF
    for fixture in ("tests/cassettes", "docs/examples", "rules"):  # they describe, they do not deploy
        (root / fixture).mkdir(parents=True)
        (root / fixture / "settings.yaml").write_text(f"deployment_name: from-{fixture.replace('/', '-')}\n")
    return root


def _facts(root: Path, jobs: int) -> list[tuple[str, str, str]]:
    result = CodeConnector(CodeScanOptions(jobs=jobs)).scan([str(root)])
    assert {o.provider for o in result.observations} == {"openai", "aws-sagemaker"}
    return [(f.kind, f.value, f.path) for f in result.facts]


EXPECTED = [  # walk order: a directory's files, then its subdirectories (last listed first)
    ("owner", "@acme/ml-team", "CODEOWNERS"),
    ("iac-resource", "loan-scorer", "infra/main.tf"),
    ("deployment-name", "gpt4o-prod", "deploy/prod.env.yaml"),
]


def test_link_facts_from_the_scanned_files_in_walk_order(tmp_path: Path) -> None:
    assert _facts(_repo(tmp_path), jobs=1) == EXPECTED


def test_link_facts_are_the_same_from_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(code_tree, "BATCH_FILES", 1)  # every file its own task: results arrive out of order
    assert _facts(_repo(tmp_path), jobs=2) == EXPECTED


def test_only_the_first_fact_files_of_a_repository_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(code_connector, "MAX_FACT_FILES", 2)  # CODEOWNERS and big.yaml (too big: no facts)
    assert _facts(_repo(tmp_path), jobs=1) == EXPECTED[:1]


def test_config_in_tests_docs_and_rules_neither_gives_facts_nor_uses_up_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _repo(tmp_path)
    (root / "app.py").unlink()  # its directory's files come first in the walk: tests, docs, rules before infra
    (root / "main.py").write_text("import openai\n")
    monkeypatch.setattr(code_connector, "MAX_FACT_FILES", 4)
    assert _facts(root, jobs=1) == EXPECTED
