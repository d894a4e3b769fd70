"""Bad input never crashes or hangs a scan: each case is a ScanIssue or a counted skip."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

import connectors.code.scan as code_scan
import connectors.code.tree as code_tree
from connectors.code.connector import CodeConnector, CodeScanOptions
from discovery.models import IssueSeverity

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "code"


def _scan(*targets: Path, **options: object):  # type: ignore[no-untyped-def]
    return CodeConnector(CodeScanOptions(jobs=1, **options)).scan([str(t) for t in targets])  # type: ignore[arg-type]


def test_missing_path_is_a_not_found_error(tmp_path: Path) -> None:
    result = _scan(tmp_path / "nowhere")
    [issue] = result.issues
    assert issue.kind == "not-found" and issue.severity == IssueSeverity.ERROR


def test_binary_files_are_counted_skips(tmp_path: Path) -> None:
    (tmp_path / "blob.py").write_bytes(b"import openai\x00\x01\x02")
    result = _scan(tmp_path)
    assert result.counts["skipped.binary"] == 1 and not result.observations and not result.issues


def test_files_over_the_cap_are_skipped_counted_and_reported(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("import openai\n" + "x = 1\n" * 1000)
    (tmp_path / "small.py").write_text("import anthropic\n")
    result = _scan(tmp_path, max_file_size=1000)
    assert result.counts["skipped.too-large"] == 1
    [issue] = result.issues
    assert issue.kind == "too-large" and issue.severity == IssueSeverity.WARNING and issue.count == 1
    assert {o.provider for o in result.observations} == {"anthropic"}


def test_huge_single_line_file_is_read_in_windows(tmp_path: Path) -> None:
    line = "var a=" + "0," * 1_500_000 + 'u="https://api.openai.com/v1";' + "1," * 1_500_000 + "\n"
    (tmp_path / "bundle.js").write_text(line)
    started = time.perf_counter()
    result = _scan(tmp_path, max_file_size=10_000_000)
    assert time.perf_counter() - started < 10
    [obs] = result.observations
    assert obs.location.line == 1 and len(obs.evidence) <= 240 and "api.openai.com" in obs.evidence


def test_invalid_utf8_is_read_with_replacement_and_reported(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\nimport openai  # caf\xe9\n")
    result = _scan(tmp_path)
    assert [o.provider for o in result.observations] == ["openai"]
    assert [i.kind for i in result.issues] == ["invalid-utf8"]


@pytest.mark.skipif(os.name != "posix", reason="symlinks and FIFOs")
def test_symlink_loops_and_fifos_do_not_hang(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("import openai\n")
    os.symlink("..", tmp_path / "app" / "up")  # a directory loop
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")  # a file-link loop
    os.mkfifo(tmp_path / "pipe.py")  # opening it would block forever
    result = _scan(tmp_path)
    kinds = sorted(i.kind for i in result.issues)
    assert kinds == ["symlink-loop", "symlink-loop", "symlink-loop"]
    assert all(i.severity == IssueSeverity.WARNING for i in result.issues)
    assert result.counts["skipped.special"] == 1
    assert [o.provider for o in result.observations] == ["openai"]


def test_unreadable_file_is_an_error_and_the_scan_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "secret.py").write_text("import anthropic\n")
    (tmp_path / "ok.py").write_text("import openai\n")
    real = code_scan.read_bytes

    def denied(path: str, limit: int, size: int | None = None) -> bytes:
        if path.endswith("secret.py"):
            raise PermissionError(13, "Permission denied")
        return real(path, limit, size)

    monkeypatch.setattr(code_scan, "read_bytes", denied)
    result = _scan(tmp_path)
    [issue] = result.issues
    assert issue.kind == "unreadable" and issue.severity == IssueSeverity.ERROR and "secret.py" in issue.message
    assert [o.provider for o in result.observations] == ["openai"]


def test_corrupt_manifest_and_notebook_are_warnings(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = ")
    (tmp_path / "nb.ipynb").write_text("{not json")
    (tmp_path / "app.py").write_text("import torch\n")
    result = _scan(tmp_path)
    assert sorted(i.kind for i in result.issues) == ["corrupt", "corrupt"]
    assert all(i.severity == IssueSeverity.WARNING for i in result.issues)
    assert [o.provider for o in result.observations] == ["pytorch"]


def test_parallel_scan_matches_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    targets = [str(p) for p in sorted(CORPUS.iterdir())]
    serial = CodeConnector(CodeScanOptions(jobs=1)).scan(targets)
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_FILES", 0)
    parallel = CodeConnector(CodeScanOptions(jobs=2)).scan(targets)
    def described(result):  # type: ignore[no-untyped-def]
        return [(o.id, o.location.line, o.count, o.evidence, o.attributes) for o in result.observations]

    assert described(parallel) == described(serial)
    assert parallel.counts == serial.counts
    # Link facts are read in the workers with the files that hold them, in the walk's order.
    assert serial.facts and parallel.facts == serial.facts


@pytest.mark.parametrize("seen", [None, 0, 10, 100, 5000])
def test_a_file_that_changed_since_the_walk_is_read_to_its_end_or_limit(tmp_path: Path, seen: int | None) -> None:
    path = tmp_path / "grew.py"
    content = bytes(range(256)) * 400  # 102,400 bytes: more than one read chunk past a small guess
    path.write_bytes(content)
    assert code_scan.read_bytes(str(path), 1_000_000, seen) == content
    assert code_scan.read_bytes(str(path), 50, seen) == content[:50]
