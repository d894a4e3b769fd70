"""Dependency declarations from manifests and lock files (pure: text in, names out).

Structured formats (TOML, JSON, INI) are parsed rather than grepped, so a package named in a
description or a keywords list is not a declaration. Lock files are read line by line: they
list transitive dependencies, which say what is installed, not what the code uses.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from discovery.code.files import LOCK_MANIFESTS


@dataclass(frozen=True, slots=True)
class Declared:
    ecosystem: str  # pypi, npm, go, maven, nuget, gem, cargo
    name: str
    line: int | None
    lock: bool


# The ecosystem each direct manifest declares dependencies for.
MANIFEST_ECOSYSTEM = {
    "requirements": "pypi", "pyproject": "pypi", "pipfile": "pypi", "setup-py": "pypi", "setup-cfg": "pypi",
    "conda": "pypi", "package-json": "npm", "cargo": "cargo", "pom": "maven", "gradle": "maven", "go-mod": "go",
    "gemfile": "gem", "csproj": "nuget", "nuget-xml": "nuget", "composer": "composer",
}


class ManifestError(ValueError):
    """The manifest could not be parsed; the caller reports it as a ScanIssue."""


_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;@(,]|$)")
_CONDA_ALIASES = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch"}


def _pep508(requirement: str) -> str | None:
    match = _PEP508_NAME.match(requirement.split("#", 1)[0])
    return match.group(1) if match else None


def _line_of(lines: list[str], name: str, needle: str | None = None) -> int | None:
    """The line declaring name: the exact requirement string when known (so a description or
    keywords list that mentions the name is not taken for the declaration), else the name."""
    if needle:
        for quoted in (f'"{needle}"', f"'{needle}'"):
            for number, line in enumerate(lines, 1):
                if quoted in line:
                    return number
    pattern = re.compile(r"(?<![\w.@/-])" + re.escape(name.lower()) + r"(?![\w-])")
    for number, line in enumerate(lines, 1):
        if pattern.search(line.lower()):
            return number
    return None


def _located(ecosystem: str, names: Iterable[str | tuple[str, str]], text: str, lock: bool = False) -> list[Declared]:
    """Declarations with lines; each item is a name or (name, the requirement string)."""
    lines = text.splitlines()
    seen: dict[str, Declared] = {}
    for item in names:
        name, needle = item if isinstance(item, tuple) else (item, None)
        if name and name not in seen:
            seen[name] = Declared(ecosystem, name, _line_of(lines, name, needle), lock)
    return list(seen.values())


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"invalid TOML: {exc}") from exc


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"invalid JSON: {exc}") from exc


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _requirements(text: str) -> list[Declared]:
    declared = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("-e") and "#egg=" in stripped:
            name = stripped.split("#egg=", 1)[1].split("&")[0]
        elif not stripped or stripped.startswith(("#", "-")):
            continue
        else:
            name = _pep508(stripped) or ""
        if name:
            declared.append(Declared("pypi", name, number, False))
    return declared


def _pyproject(text: str) -> list[Declared]:
    data = _toml(text)
    project = data.get("project", {})
    requirements = list(_strings(project.get("dependencies", [])))
    requirements += list(_strings(project.get("optional-dependencies", {})))
    requirements += [r for r in _strings(data.get("dependency-groups", {}))]
    requirements += list(_strings(data.get("tool", {}).get("uv", {}).get("dev-dependencies", [])))
    names: list[str | tuple[str, str]] = [(n, r) for r in requirements if (n := _pep508(r))]
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [group.get("dependencies", {}) for group in poetry.get("group", {}).values()]
    names += [key for table in tables for key in table if key.lower() != "python"]
    return _located("pypi", names, text)


def _pipfile(text: str) -> list[Declared]:
    data = _toml(text)
    names = [*data.get("packages", {}), *data.get("dev-packages", {})]
    return _located("pypi", names, text)


def _setup_py(text: str) -> list[Declared]:
    names: list[str] = []
    for keyword in ("install_requires", "extras_require", "tests_require", "setup_requires"):
        for match in re.finditer(keyword + r"\s*=\s*([\[{])", text):
            closer = "]" if match.group(1) == "[" else "}"
            body = text[match.end(): text.find(closer, match.end()) if closer == "]" else _brace_end(text, match.end())]
            for literal in re.findall(r"""["']([^"'\n]+)["']""", body):
                if ":" in literal and closer == "}":  # extras keys like "dev:python_version<'3'"
                    continue
                if name := _pep508(literal):
                    names.append(name)
    return _located("pypi", names, text)


def _brace_end(text: str, start: int) -> int:
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _setup_cfg(text: str) -> list[Declared]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ManifestError(f"invalid setup.cfg: {exc}") from exc
    values: list[str] = []
    if parser.has_option("options", "install_requires"):
        values.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        values += [v for _, v in parser.items("options.extras_require")]
    names = [n for v in values for line in v.splitlines() if (n := _pep508(line.strip()))]
    return _located("pypi", names, text)


def _conda(text: str) -> list[Declared]:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ManifestError(f"invalid YAML: {exc}") from exc
    names: list[str] = []
    for item in data.get("dependencies", []) if isinstance(data, dict) else []:
        if isinstance(item, str):
            name = re.split(r"[=<>!\s]", item.split("::")[-1], maxsplit=1)[0]
            names.append(_CONDA_ALIASES.get(name.lower(), name))
        elif isinstance(item, dict):
            names += [n for r in _strings(item.get("pip", [])) if (n := _pep508(r))]
    return _located("pypi", names, text)


def _package_json(text: str) -> list[Declared]:
    data = _json(text)
    if not isinstance(data, dict):
        raise ManifestError("package.json is not an object")
    names = [
        name
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
        for name in (data.get(key) or {})
    ]
    return _located("npm", names, text)


def _composer(text: str) -> list[Declared]:
    data = _json(text)
    if not isinstance(data, dict):
        raise ManifestError("composer.json is not an object")
    names = [name for key in ("require", "require-dev") for name in (data.get(key) or {}) if "/" in name]
    return _located("composer", names, text)


def _cargo(text: str) -> list[Declared]:
    data = _toml(text)
    tables = [data.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    tables.append(data.get("workspace", {}).get("dependencies", {}))
    for target in data.get("target", {}).values():
        tables += [target.get(k, {}) for k in ("dependencies", "dev-dependencies")]
    return _located("cargo", [name for table in tables for name in table], text)


def _line_regex(ecosystem: str, pattern: str, text: str, lock: bool, flags: int = re.M) -> list[Declared]:
    regex = re.compile(pattern, flags)
    declared: dict[str, Declared] = {}
    line, counted_to = 1, 0  # matches come in order: count newlines once, not from the top each time
    for match in regex.finditer(text):
        name = match.group(1)
        if name not in declared:
            line += text.count("\n", counted_to, match.start())
            counted_to = match.start()
            declared[name] = Declared(ecosystem, name, line, lock)
    return list(declared.values())


def _pom(text: str) -> list[Declared]:
    declared = []
    for match in re.finditer(r"<dependency>(.*?)</dependency>", text, re.S):
        body = match.group(1)
        group = re.search(r"<groupId>\s*([^<\s]+)\s*</groupId>", body)
        artifact = re.search(r"<artifactId>\s*([^<\s]+)\s*</artifactId>", body)
        if group and artifact:
            line = text.count("\n", 0, match.start() + artifact.start()) + 1
            declared.append(Declared("maven", f"{group.group(1)}:{artifact.group(1)}", line, False))
    return declared


def _gradle(text: str) -> list[Declared]:
    found = _line_regex("maven", r"""["']([\w.\-]+:[\w.\-]+)(?::[^"'\s]*)?["']""", text, False)
    found += _line_regex(
        "maven", r"""group\s*[:=]\s*["']([\w.\-]+["']\s*,\s*name\s*[:=]\s*["'][\w.\-]+)["']""", text, False
    )
    return [
        Declared(d.ecosystem, re.sub(r"""["']\s*,\s*name\s*[:=]\s*["']""", ":", d.name), d.line, d.lock) for d in found
    ]


_LINE_PARSERS: dict[str, tuple[str, str, int]] = {
    # manifest kind: (ecosystem, pattern whose group 1 is the name, re flags)
    "go-mod": ("go", r"^\s*(?:require\s+)?([\w.\-]+\.[\w.\-]+/[^\s]+)\s+v\d", re.M),
    "go-sum": ("go", r"^([\w.\-]+\.[\w.\-]+/[^\s]+?)(?:/go\.mod)?\s+v\d", re.M),
    "gemfile": ("gem", r"""^\s*(?:gem|spec\.add_(?:runtime_|development_)?dependency|s\.add_(?:runtime_|development_)?dependency)\s*\(?\s*["']([\w.\-]+)["']""", re.M),
    "gemfile-lock": ("gem", r"^    ([\w.\-]+) \(", re.M),
    "csproj": ("nuget", r"""<(?:PackageReference|PackageVersion)\s+Include\s*=\s*["']([^"']+)["']""", re.M | re.I),
    "nuget-xml": ("nuget", r"""<(?:package\s+id|PackageVersion\s+Include|PackageReference\s+Include)\s*=\s*["']([^"']+)["']""", re.M | re.I),
    "npm-lock": ("npm", r"""^\s*"(?:[^"]*/)?node_modules/(@[^"/]+/[^"/]+|[^"/@][^"/]*)"\s*:\s*\{""", re.M),
    "yarn-lock": ("npm", r"""^"?(@?[^@\s",]+)@""", re.M),
    "pnpm-lock": ("npm", r"""^\s+['"]?/?(@?[\w.\-]+(?:/[\w.\-]+)?)[@/]\d""", re.M),
    "pipfile-lock": ("pypi", r"""^ {8}"([A-Za-z0-9][\w.\-]*)": \{""", re.M),
}
_STRUCTURED = {
    "requirements": _requirements, "pyproject": _pyproject, "pipfile": _pipfile, "setup-py": _setup_py,
    "setup-cfg": _setup_cfg, "conda": _conda, "package-json": _package_json, "cargo": _cargo, "pom": _pom,
    "gradle": _gradle, "composer": _composer,
}


def parse_manifest(kind: str, file_name: str, text: str) -> list[Declared]:
    """Every dependency the manifest declares, with its line when it can be found."""
    if kind == "toml-lock":  # poetry.lock, uv.lock, Cargo.lock: [[package]] name = "..."
        ecosystem = "cargo" if file_name.lower() == "cargo.lock" else "pypi"
        return _line_regex(ecosystem, r'^name\s*=\s*"([^"]+)"', text, True)
    if kind in _LINE_PARSERS:
        ecosystem, pattern, flags = _LINE_PARSERS[kind]
        return _line_regex(ecosystem, pattern, text, kind in LOCK_MANIFESTS, flags)
    parser = _STRUCTURED.get(kind)
    if parser is None:
        raise ManifestError(f"no parser for manifest kind {kind!r}")
    return parser(text)
