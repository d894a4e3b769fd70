"""Pure parts of code discovery: manifests, ignore rules, CODEOWNERS, model files, detectors."""

from __future__ import annotations

import json
import struct

import pytest

from connectors.code.engine import MatchEngine
from discovery.code.detectors import apply_file_detectors, apply_repo_rules
from discovery.code.files import Role, classify, path_context
from discovery.code.formats import mcp_servers, notebook_code, sniff_model_file
from discovery.code.ignore import CodeOwners, IgnoreRules, is_ignored
from discovery.code.manifests import ManifestError, parse_manifest
from discovery.code.catalogue import load_catalogue


@pytest.fixture(scope="module")
def engine() -> MatchEngine:
    return MatchEngine(load_catalogue(), prefilter="re")


@pytest.mark.parametrize(
    ("kind", "name", "text", "expected"),
    [
        ("requirements", "requirements.txt", "openai>=1\n# torch\n-r base.txt\nlangchain[all]==0.3 ; python_version>'3.9'\n",
         [("openai", 1), ("langchain", 4)]),
        ("pyproject", "pyproject.toml",
         '[project]\nname = "x"\nkeywords = ["openai"]\ndependencies = ["openai>=1"]\n'
         '[tool.poetry.dependencies]\npython = "^3.11"\ntorch = "^2"\n', [("openai", 4), ("torch", 7)]),
        ("package-json", "package.json", '{"name": "openai", "dependencies": {"@anthropic-ai/sdk": "1"}}',
         [("@anthropic-ai/sdk", 1)]),
        ("go-mod", "go.mod", "module x\n\nrequire (\n\tgithub.com/sashabaranov/go-openai v1.2.0\n)\n",
         [("github.com/sashabaranov/go-openai", 4)]),
        ("gradle", "build.gradle", "dependencies {\n  implementation 'dev.langchain4j:langchain4j:0.35.0'\n}\n",
         [("dev.langchain4j:langchain4j", 2)]),
        ("setup-py", "setup.py", "setup(name='x', keywords=['openai'], install_requires=['anthropic>=0.3'])\n",
         [("anthropic", 1)]),
        ("cargo", "Cargo.toml", '[package]\nname = "openai-tool"\n[dependencies]\nasync-openai = "0.2"\n',
         [("async-openai", 4)]),
        ("toml-lock", "uv.lock", '[[package]]\nname = "openai"\nversion = "1.0"\n', [("openai", 2)]),
        ("npm-lock", "package-lock.json", '{\n  "packages": {\n    "node_modules/openai": {\n', [("openai", 3)]),
    ],
)
def test_manifests(kind: str, name: str, text: str, expected: list[tuple[str, int]]) -> None:
    assert [(d.name, d.line) for d in parse_manifest(kind, name, text)] == expected


def test_broken_manifest_raises() -> None:
    with pytest.raises(ManifestError):
        parse_manifest("pyproject", "pyproject.toml", "[project\n")


def test_gitignore_semantics() -> None:
    root = IgnoreRules("", "*.log\n/build/\n!keep.log\ndocs/**/draft.md\n")
    nested = IgnoreRules("pkg", "secret.py\n")
    stack = [root, nested]
    assert is_ignored(stack, "a/b/x.log", False) and not is_ignored(stack, "a/keep.log", False)
    assert is_ignored(stack, "build", True) and not is_ignored(stack, "src/build", True)
    assert is_ignored(stack, "docs/a/b/draft.md", False)
    assert is_ignored(stack, "pkg/secret.py", False) and not is_ignored(stack, "secret.py", False)


def test_gitignore_negations_last_matching_rule_wins() -> None:
    assert not IgnoreRules("", "*.log\n!keep.log\n").decide("a/keep.log", False)
    assert IgnoreRules("", "!keep.log\n*.log\n").decide("a/keep.log", False) is True
    assert IgnoreRules("", "*.log\n!keep.log\n").decide("a/main.py", False) is None  # no rule speaks
    assert IgnoreRules("", "out/\n!out.txt\n").decide("out", False) is None  # directory-only rule, a file
    assert IgnoreRules("", "out/\n!out.txt\n").decide("x/out", True) is True


def test_codeowners_last_match_wins() -> None:
    owners = CodeOwners("* @org/all\n/app/ @org/app\n*.tf @org/infra\n[Section]\n")
    assert owners.owners("app/x.py") == ("@org/app",)
    assert owners.owners("infra/main.tf") == ("@org/infra",)
    assert owners.owners("README.md") == ("@org/all",)


def test_model_files_by_magic_not_extension() -> None:
    header = json.dumps({"w": {"dtype": "F32"}}).encode()
    assert sniff_model_file("m.gguf", b"GGUF\x03\x00\x00\x00").format == "gguf"  # type: ignore[union-attr]
    # safetensors weights are the repository's own until Hugging Face evidence says otherwise
    assert sniff_model_file("x.bin", struct.pack("<Q", len(header)) + header).provider == "model-weights"  # type: ignore[union-attr]
    assert sniff_model_file("fake.gguf", b"not a model at all") is None
    assert sniff_model_file("model.pt", b"PK\x03\x04" + b"\0" * 22 + struct.pack("<H", 16) + b"\0\0" + b"archive/data.pkl").provider == "pytorch"  # type: ignore[union-attr]
    assert sniff_model_file("w.h5", b"\x89HDF\r\n\x1a\n").provider == "tensorflow"  # type: ignore[union-attr]
    assert sniff_model_file("data.h5", b"\x89HDF\r\n\x1a\n" + b"x") is not None  # HDF5 with .h5: keras, medium


def test_classification() -> None:
    assert classify("README.md").role == Role.PROSE and classify("docs/guide.rst").role == Role.PROSE
    assert classify("requirements-dev.txt").manifest == "requirements"
    assert classify("app/.env.local").scope == "env" and classify("Dockerfile.gpu").scope == "dockerfile"
    assert classify("static/app.min.js").role == Role.GENERATED
    assert path_context("tests/unit/test_x.py") == "test" and path_context("src/x.test.ts") == "test"
    assert path_context("docs/conf.py") == "docs" and path_context("src/app.py") is None


def _file_hits(engine: MatchEngine, text: str, path: str = "app.py"):  # type: ignore[no-untyped-def]
    hits, _ = engine.match(text.encode(), "python")
    hits = apply_file_detectors(hits, lambda: text, "python")
    for hit in hits:
        hit.path = path
    return hits


def test_from_pretrained_needs_a_hugging_face_import(engine: MatchEngine) -> None:
    own = "class GPT:\n    pass\nm = GPT.from_pretrained('gpt2')\n"
    assert _file_hits(engine, own) == []
    shadowed = "from transformers import pipeline\nclass GPT:\n    pass\nm = GPT.from_pretrained('gpt2')\n"
    assert [h.signal for h in _file_hits(engine, shadowed)] == ["py-import.transformers"]
    real = "from transformers import AutoModel\nm = AutoModel.from_pretrained('bert-base-uncased')\n"
    assert [h.model for h in _file_hits(engine, real)] == [None, "bert-base-uncased"]


def test_ollama_localhost_counts_only_when_called(engine: MatchEngine) -> None:
    url_only = 'OLLAMA = "http://localhost:11434"\n'
    called = 'import httpx\nOLLAMA = "http://localhost:11434"\nhttpx.post(OLLAMA, json={})\n'
    assert [h.confidence.value for h in _file_hits(engine, url_only)] == ["low"]
    assert [h.confidence.value for h in _file_hits(engine, called)] == ["medium"]
    # in a test file even a call is only a lead, and a bare URL is dropped
    assert apply_repo_rules(_file_hits(engine, url_only, "tests/test_x.py"), set()) == []


def test_azure_endpoint_turns_the_openai_client_into_azure(engine: MatchEngine) -> None:
    text = 'from openai import OpenAI\nc = OpenAI(base_url="https://x.openai.azure.com/openai/v1")\n'
    assert {h.provider for h in _file_hits(engine, text)} == {"azure-openai"}
    plain = 'from openai import OpenAI\nc = OpenAI()\n'
    assert {h.provider for h in _file_hits(engine, plain)} == {"openai"}


def test_notebook_code_cells_only() -> None:
    nb = {"cells": [{"cell_type": "markdown", "source": ["import openai\n"]},
                    {"cell_type": "code", "source": ["import torch\n", "x = 1\n"]}],
          "metadata": {}, "nbformat": 4}
    text = json.dumps(nb, indent=1)
    code = notebook_code(text)
    assert "openai" not in code.code and code.code.startswith("import torch")
    assert '"import torch\\n"' in text.splitlines()[code.line_map[0] - 1]  # type: ignore[operator]


def test_mcp_config_servers_are_redacted() -> None:
    text = '{"mcpServers": {"db": {"command": "uvx", "args": ["mcp-db", "--token", "sk-proj-abcdefghij0123456789XYZ"]}},\n' \
           ' "servers": {"remote": {"type": "http", "url": "https://mcp.example.com/mcp"}}}'
    servers = mcp_servers(text)
    assert [(s.name, s.transport) for s in servers] == [("db", "stdio"), ("remote", "http")]
    assert "abcdefghij0123456789" not in servers[0].launch


def test_combined_gitignore_regex_agrees_with_the_rules_one_by_one() -> None:
    text = "*.py[cod]\n__pycache__/\n/dist\nbuild/\ndocs/**/*.tmp\n**/cache\n.env\n!.env.example\nnotes?.txt\n"
    rules = IgnoreRules("", text)

    def one_by_one(path: str, is_dir: bool) -> bool | None:  # the last matching rule wins
        verdict = None
        for pattern in rules.patterns:
            if (is_dir or not pattern.dir_only) and pattern.regex.match(path):
                verdict = not pattern.negate
        return verdict

    paths = ["a.pyc", "pkg/a.pyo", "pkg/a.py", "__pycache__", "x/__pycache__", "dist", "src/dist", "build", "a/build",
             "docs/a/b.tmp", "docs/b.tmp", "src/docs/x.tmp", "cache", "a/b/cache", ".env", "cfg/.env", ".env.example",
             "notes1.txt", "a/notes22.txt", "main.go"]
    for path in paths:
        for is_dir in (False, True):
            assert rules.decide(path, is_dir) == one_by_one(path, is_dir), (path, is_dir)
