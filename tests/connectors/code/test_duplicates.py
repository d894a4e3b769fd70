"""A file whose bytes equal an earlier file's takes that file's outcome under its own path: the
scan's result is the same as scanning every file, serial or in workers."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

import connectors.code.duplicates as duplicates
import connectors.code.scan as code_scan
import connectors.code.tree as code_tree
from connectors.code.connector import CodeConnector, CodeScanOptions
from connectors.code.duplicates import Duplicates
from connectors.code.walk import WalkedFile
from discovery.code.files import classify, path_context, same_context

APP = (
    "import os\n"
    "from openai import OpenAI\n"
    "import anthropic\n\n"
    "# a padding comment so the file is past the size where duplicates are looked for at all\n" * 3
    + "client = OpenAI(api_key=os.environ['OPENAI_API_KEY'])\n"
    "reply = client.chat.completions.create(model='gpt-4o-mini', messages=[])\n"
    "claude = anthropic.Anthropic().messages.create(model='claude-3-5-sonnet-20241022', max_tokens=5)\n"
)


def _tree(root: Path) -> Path:
    for copy in ("vendor_a", "vendor_b", "vendor_c"):
        (root / copy / "pkg").mkdir(parents=True)
        (root / copy / "pkg" / "app.py").write_text(APP)
        (root / copy / "pkg" / "notes.ipynb").write_text("{not json" + " " * 300)  # corrupt: an issue each
    # Same name and size, other bytes: scanned on its own (a different model). The walk lists
    # vendor_c first, then vendor_b (a copy of it), then vendor_a.
    (root / "vendor_a" / "pkg" / "app.py").write_text(APP.replace("gpt-4o-mini", "gpt-4o-nano"))
    # The same bytes under tests/: read as test code, where leads are dropped.
    (root / "tests").mkdir()
    (root / "tests" / "app.py").write_text(APP)
    (root / "tests" / "test_app.py").write_text(APP)
    return root


def _described(result):  # type: ignore[no-untyped-def]
    return ([(o.id, o.location.path, o.location.line, o.count, o.evidence, o.model, o.confidence, o.attributes)
             for o in result.observations],
            [(i.kind, i.message, i.severity, i.count) for i in result.issues], result.counts)


def _scan(root: Path, jobs: int = 1):  # type: ignore[no-untyped-def]
    return CodeConnector(CodeScanOptions(jobs=jobs)).scan([str(root)])


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths scan_file reads in this process (duplicates that matched are not among them)."""
    seen: list[str] = []
    real = code_scan.scan_file

    def recording(engine, walked, max_file_size, data=None):  # type: ignore[no-untyped-def]
        seen.append(walked.rel)
        return real(engine, walked, max_file_size, data)

    monkeypatch.setattr(code_scan, "scan_file", recording)
    return seen


def test_duplicates_take_the_outcome_of_the_first_copy(tmp_path: Path, scanned: list[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    with_duplicates = _described(_scan(root))
    assert "vendor_c/pkg/app.py" in scanned and "vendor_b/pkg/app.py" not in scanned
    assert "vendor_c/pkg/notes.ipynb" in scanned and "vendor_b/pkg/notes.ipynb" not in scanned  # its issue is reused
    assert "vendor_a/pkg/app.py" in scanned  # same name and size, other bytes
    assert "tests/app.py" in scanned  # same bytes, other context
    monkeypatch.setattr(duplicates, "MIN_BYTES", 10**9)  # nothing held back: every file scanned
    assert with_duplicates == _described(_scan(root))


def test_every_copy_keeps_its_own_path_and_observation(tmp_path: Path) -> None:
    observations, issues, _counts = _described(_scan(_tree(tmp_path)))
    paths = {path for _id, path, *_rest in observations}
    assert {"vendor_a/pkg/app.py", "vendor_b/pkg/app.py", "vendor_c/pkg/app.py"} <= paths
    models = {(path, model) for _id, path, _line, _count, _evidence, model, *_rest in observations if model}
    assert ("vendor_b/pkg/app.py", "gpt-4o-mini") in models and ("vendor_a/pkg/app.py", "gpt-4o-nano") in models
    assert ("vendor_a/pkg/app.py", "gpt-4o-mini") not in models
    assert len({obs_id for obs_id, *_rest in observations}) == len(observations)
    assert sum(kind == "corrupt" for kind, *_rest in issues) == 3  # one per notebook copy, each named
    assert len({message for _kind, message, *_rest in issues}) == len(issues)


def test_the_same_from_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    serial = _described(_scan(root))
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(code_tree, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(code_tree, "BATCH_FILES", 1)  # originals in workers, out of order
    observations, issues, counts = _described(_scan(root, jobs=2))
    assert observations == serial[0] and counts == serial[2]
    assert sorted(issues) == sorted(serial[1])  # with workers, issues come in path order


@pytest.mark.parametrize(("unreadable", "readable"), [("vendor_b", "vendor_c"), ("vendor_c", "vendor_b")])
def test_an_unreadable_copy_is_reported_and_the_other_scanned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             unreadable: str, readable: str) -> None:
    root = _tree(tmp_path)
    real = code_scan.read_bytes

    def failing(path: str, limit: int, size: int | None = None) -> bytes:
        if path.endswith(f"{unreadable}/pkg/app.py"):
            raise PermissionError(13, "Permission denied")
        return real(path, limit, size)

    monkeypatch.setattr(code_scan, "read_bytes", failing)
    result = _scan(root)
    assert [i.kind for i in result.issues if f"{unreadable}/pkg/app.py" in i.message] == ["unreadable"]
    found = {(o.location.path, o.model) for o in result.observations}
    assert (f"{readable}/pkg/app.py", "gpt-4o-mini") in found
    assert not any(path == f"{unreadable}/pkg/app.py" for path, _model in found)


def _walked(rel: str, size: int = 1000, facts: bool = False) -> WalkedFile:
    return WalkedFile("/repo/" + rel, rel, size, classify(rel), facts)


def test_only_a_later_file_of_the_same_name_size_and_context_is_a_possible_copy() -> None:
    seen = Duplicates()
    first = _walked("a/app.py")
    assert seen.original_of(first) is None
    assert seen.original_of(_walked("b/app.py")) is first
    assert seen.original_of(_walked("c/app.py", size=1001)) is None  # another size
    assert seen.original_of(_walked("c/main.py")) is None  # another name
    assert seen.original_of(_walked("tests/app.py")) is None  # test code: leads are dropped there
    assert seen.original_of(_walked("d/app.py", facts=True)) is None  # link facts name their path
    assert seen.original_of(_walked("e/tiny.py", size=10)) is None
    assert seen.original_of(_walked("f/tiny.py", size=10)) is None  # below MIN_BYTES: not worth it
    assert seen.original_of(_walked("x/.cursor/mcp.json")) is None
    assert seen.original_of(_walked("y/.cursor/mcp.json")) is not None
    assert seen.original_of(_walked("y/mcp.json")) is None  # not an editor's MCP config path


PATHS = ["app.py", "src/app.py", "tests/app.py", "docs/app.py", "rules/app.py", "src/test_app.py",
         "tests/test_app.py", "Docs/Guide/app.py", "pkg/conftest.py", "semgrep/rules.yaml", "rules.yaml"]


@pytest.mark.parametrize(("a", "b"), list(product(PATHS, PATHS)))
def test_same_context_agrees_with_path_context(a: str, b: str) -> None:
    name = a.rpartition("/")[2]
    b = (b.rpartition("/")[0] + "/" + name).lstrip("/")  # same_context is asked of paths with one name
    assert same_context(a, b) == ((path_context(a) is None) == (path_context(b) is None))


def test_a_copy_of_a_file_that_could_not_be_read_then_is_scanned_itself(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    real = code_scan.read_bytes
    failed: list[str] = []

    def once(path: str, limit: int, size: int | None = None) -> bytes:
        if path.endswith("vendor_c/pkg/app.py") and not failed:  # the original's scan, not the comparison
            failed.append(path)
            raise PermissionError(13, "Permission denied")
        return real(path, limit, size)

    monkeypatch.setattr(code_scan, "read_bytes", once)
    result = _scan(root)
    assert failed
    assert [i.kind for i in result.issues if "pkg/app.py" in i.message] == ["unreadable"]
    assert ("vendor_b/pkg/app.py", "gpt-4o-mini") in {(o.location.path, o.model) for o in result.observations}
