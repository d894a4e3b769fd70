"""What a file in a repository is, from its path alone: scope for signatures, manifest type,
prose, data, model-file candidate, and whether it sits in tests or docs (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from enum import StrEnum


class Role(StrEnum):
    SOURCE = "source"  # matched against signatures in its scope
    PROSE = "prose"  # docs and READMEs: a mention there is not a use, so not matched
    DATA = "data"  # images, archives, fonts, tabular data: not read
    GENERATED = "generated"  # minified bundles, source maps, generated stubs
    MODEL_CANDIDATE = "model-candidate"  # header sniffed for model-file magic
    MAYBE_SCRIPT = "maybe-script"  # no extension: a shebang decides
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class FileKind:
    role: Role
    scope: str | None = None  # signature scope (python, js, yaml, ...)
    manifest: str | None = None  # manifest parser name, when the file declares dependencies
    notebook: bool = False
    mcp_config: bool = False


_EXTENSION_SCOPE = {
    ".py": "python", ".pyi": "python", ".pyw": "python", ".ipynb": "python",
    ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "js", ".ts": "js", ".tsx": "js", ".mts": "js",
    ".cts": "js", ".vue": "js", ".svelte": "js",
    ".go": "go",
    ".java": "java", ".kt": "java", ".kts": "java", ".scala": "java", ".groovy": "java",
    ".cs": "csharp",
    ".rb": "ruby", ".rake": "ruby",
    ".rs": "rust",
    ".php": "php",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ps1": "shell", ".bat": "shell", ".cmd": "shell",
    ".tf": "terraform", ".tfvars": "terraform", ".hcl": "terraform",
    ".bicep": "bicep",
    ".yaml": "yaml", ".yml": "yaml",
    ".json": "json", ".jsonc": "json",
    ".toml": "toml",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".properties": "ini",
    ".env": "env",
    ".xml": "xml",
    ".dockerfile": "dockerfile",
}
_PROSE_EXTENSIONS = frozenset(
    {".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc", ".asciidoc", ".html", ".htm", ".tex", ".org", ".rtf",
     ".textile", ".pod", ".man", ".1"}
)
_PROSE_STEMS = frozenset({"readme", "changelog", "changes", "license", "licence", "notice", "authors",
                          "contributing", "copying", "history", "news", "code_of_conduct", "security"})
_DATA_EXTENSIONS = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".svg", ".pdf", ".zip", ".gz", ".tgz", ".bz2",
     ".xz", ".7z", ".tar", ".jar", ".war", ".whl", ".egg", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3",
     ".mp4", ".wav", ".ogg", ".mov", ".avi", ".webm", ".csv", ".tsv", ".parquet", ".arrow", ".feather",
     ".npy", ".npz", ".sqlite", ".db", ".so", ".dylib", ".dll", ".exe", ".o", ".a", ".class", ".pyc",
     ".pyo", ".wasm", ".lockb", ".psd", ".xls", ".xlsx", ".doc", ".docx", ".ppt", ".pptx", ".jsonl", ".log"}
)
MODEL_EXTENSIONS = frozenset(
    {".gguf", ".ggml", ".safetensors", ".onnx", ".pt", ".pth", ".bin", ".ckpt", ".h5", ".keras", ".tflite",
     ".pb", ".pkl", ".joblib", ".mlmodel", ".llamafile", ".model"}
)
_GENERATED_SUFFIXES = (".min.js", ".min.css", ".js.map", ".css.map", ".bundle.js", "_pb2.py", "_pb2_grpc.py",
                       ".pb.go", ".d.ts.map")

_MANIFEST_NAMES = {
    "pyproject.toml": "pyproject", "pipfile": "pipfile", "pipfile.lock": "pipfile-lock", "poetry.lock": "toml-lock",
    "uv.lock": "toml-lock", "setup.py": "setup-py", "setup.cfg": "setup-cfg", "environment.yml": "conda",
    "environment.yaml": "conda", "package.json": "package-json", "package-lock.json": "npm-lock",
    "yarn.lock": "yarn-lock", "pnpm-lock.yaml": "pnpm-lock", "go.mod": "go-mod", "go.sum": "go-sum",
    "pom.xml": "pom", "build.gradle": "gradle", "build.gradle.kts": "gradle", "libs.versions.toml": "gradle",
    "cargo.toml": "cargo", "cargo.lock": "toml-lock", "gemfile": "gemfile", "gemfile.lock": "gemfile-lock",
    "packages.config": "nuget-xml", "directory.packages.props": "nuget-xml", "composer.json": "composer",
}
# Lock files list transitive dependencies: evidence of what is installed, not of direct use.
LOCK_MANIFESTS = frozenset({"pipfile-lock", "toml-lock", "npm-lock", "yarn-lock", "pnpm-lock", "go-sum", "gemfile-lock"})
_MCP_CONFIG_NAMES = frozenset({"mcp.json", ".mcp.json", "claude_desktop_config.json", "mcp_config.json"})
_SCRIPT_NAMES = {"makefile": "shell", "gnumakefile": "shell", "justfile": "shell", "procfile": "shell",
                 "dockerfile": "dockerfile", "containerfile": "dockerfile", "jenkinsfile": "java",
                 "vagrantfile": "ruby", "rakefile": "ruby"}

TEST_SEGMENTS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testing", "testdata", "test_data",
                           "fixtures", "__mocks__", "mocks", "e2e", "cypress"})
DOCS_SEGMENTS = frozenset({"docs", "doc", "documentation", "site", "website"})
# Security tooling: secret-scanner and linter rules describe vendors' keys and endpoints.
RULE_SEGMENTS = frozenset({"rules", "detectors", "signatures", "secret-rules", "secrets-rules", "gitleaks", "trufflehog",
                           "semgrep-rules", "yara"})
_RULE_FILES = frozenset({"gitleaks.toml", ".gitleaks.toml", ".secrets.baseline", ".gitleaksignore", ".trufflehog.yml",
                         "trufflehog.yml", "semgrep.yml", ".semgrep.yml", "secretlintrc.json", ".secretlintrc.json"})
_RULE_SUFFIXES = (".rules", ".rule.yml", ".rule.yaml", ".rules.yml", ".rules.yaml", ".yara", ".yar")


def classify(rel_path: str) -> FileKind:
    """Classify a repository-relative POSIX path."""
    return _classify_name(rel_path.rpartition("/")[2].lower())


_KINDS: dict[FileKind, FileKind] = {}


@lru_cache(maxsize=16384)
def _classify_name(name: str) -> FileKind:
    """Only the (lower-cased) file name decides. FileKind is frozen, so one instance per value
    is shared (files sent to scan workers then pickle each kind once per batch)."""
    kind = _kind_of_name(name)
    return _KINDS.setdefault(kind, kind)


def _kind_of_name(name: str) -> FileKind:
    stem, dot, extension = name[1:].rpartition(".")  # a leading dot (.env) is not a suffix
    suffix = "." + extension if dot else ""
    stem = (name[0] + stem) if dot else name

    manifest = _MANIFEST_NAMES.get(name)
    if manifest is None and (name.startswith(("requirements", "constraints")) and suffix in (".txt", ".in")):
        manifest = "requirements"
    if manifest is None and suffix in (".csproj", ".fsproj", ".vbproj"):
        manifest = "csproj"
    if manifest is None and suffix == ".gemspec":
        manifest = "gemfile"
    if manifest is not None:
        scope = _EXTENSION_SCOPE.get(suffix) if manifest not in LOCK_MANIFESTS else None
        if name == "pom.xml" or manifest in ("csproj", "nuget-xml", "requirements", "gemfile"):
            scope = None  # these hold names of packages only; matching them as source adds nothing
        return FileKind(Role.SOURCE, scope=scope, manifest=manifest)

    if name in _MCP_CONFIG_NAMES:
        return FileKind(Role.SOURCE, scope="json", mcp_config=True)
    if name.endswith(_GENERATED_SUFFIXES):
        return FileKind(Role.GENERATED)
    if name == ".env" or name.startswith(".env.") or suffix == ".env":
        return FileKind(Role.SOURCE, scope="env")
    if name.startswith(("dockerfile", "containerfile")) or suffix == ".dockerfile":
        return FileKind(Role.SOURCE, scope="dockerfile")
    if name in ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"):
        return FileKind(Role.SOURCE, scope="yaml")
    scope = _EXTENSION_SCOPE.get(suffix)
    if scope is not None:
        return FileKind(Role.SOURCE, scope=scope, notebook=suffix == ".ipynb")
    if suffix in MODEL_EXTENSIONS:
        return FileKind(Role.MODEL_CANDIDATE)
    if suffix in _PROSE_EXTENSIONS or stem in _PROSE_STEMS:
        return FileKind(Role.PROSE)
    if suffix in _DATA_EXTENSIONS:
        return FileKind(Role.DATA)
    if name in _SCRIPT_NAMES:
        return FileKind(Role.SOURCE, scope=_SCRIPT_NAMES[name])
    if not suffix:
        return FileKind(Role.MAYBE_SCRIPT)
    return FileKind(Role.UNKNOWN)


def scope_from_shebang(first_line: bytes) -> str | None:
    if not first_line.startswith(b"#!"):
        return None
    if b"python" in first_line:
        return "python"
    if b"node" in first_line or b"deno" in first_line or b"bun" in first_line:
        return "js"
    if b"ruby" in first_line:
        return "ruby"
    if any(shell in first_line for shell in (b"sh", b"bash", b"zsh")):
        return "shell"
    return None


@lru_cache(maxsize=8192)
def _dir_context(lowered_dir: str) -> tuple[bool, bool, bool]:
    """Whether a (lower-cased) directory path has a test, a docs and a rules segment."""
    parts = lowered_dir.split("/")
    return (any(p in TEST_SEGMENTS for p in parts), any(p in DOCS_SEGMENTS for p in parts),
            any(p in RULE_SEGMENTS for p in parts))


@lru_cache(maxsize=65536)  # asked once per file by the scan and again per hit by the repository rules
def path_context(rel_path: str) -> str | None:
    """'test', 'docs' or 'rules' when the file is test code, documentation or security-tool
    rules, where a hit says less (or, in rules, describes rather than uses)."""
    lowered = rel_path.lower()
    if "/" in lowered:
        directory, _, name = lowered.rpartition("/")
        test_dir, docs_dir, rules_dir = _dir_context(directory)
    else:
        name, test_dir, docs_dir, rules_dir = lowered, False, False, False
    named = _name_context(name)
    if rules_dir or named == "rules":
        return "rules"
    if test_dir or named == "test":
        return "test"
    if docs_dir:
        return "docs"
    return None


def same_context(rel_a: str, rel_b: str) -> bool:
    """Whether path_context is None for both paths or for neither, for two paths with the same file
    name (cheaper than asking path_context twice: directories repeat, names decide alike)."""
    directory, _, name = rel_a.rpartition("/")
    if _name_context(name.lower()) is not None:
        return True
    return _context_dir(directory) == _context_dir(rel_b.rpartition("/")[0])


@lru_cache(maxsize=8192)
def _context_dir(directory: str) -> bool:
    return any(_dir_context(directory.lower()))


@lru_cache(maxsize=16384)
def _name_context(name: str) -> str | None:
    """'rules' or 'test' when a (lower-cased) file name alone says so (names repeat across a tree)."""
    if name in _RULE_FILES or name.endswith(_RULE_SUFFIXES):
        return "rules"
    if (name.startswith("test_") and name.endswith(".py")) or name.endswith(
        ("_test.py", "_test.go", "conftest.py", "_spec.rb", "_test.rb")
    ) or any(marker in name for marker in (".test.", ".spec.", "test.java", "tests.cs", "test.kt")):
        return "test"
    return None


_MCP_CONFIG_PATHS = (".cursor/mcp.json", ".vscode/mcp.json", ".roo/mcp.json", ".gemini/mcp.json")
_MCP_CONFIG_SUFFIXES = tuple("/" + path for path in _MCP_CONFIG_PATHS)


def is_mcp_config_path(rel: str) -> bool:
    """An editor's MCP client config, found by its path rather than its name alone."""
    return rel in _MCP_CONFIG_PATHS or rel.endswith(_MCP_CONFIG_SUFFIXES)
