"""The packages' import direction, as DESIGN.md draws it, pinned so a stray import fails CI.

Read from the source with `ast`, so lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = ("discovery", "rag", "gap", "connectors", "cli", "prompts")

FORBIDDEN: dict[str, set[str]] = {
    "discovery": {"connectors", "gap", "cli", "rag"},
    "rag": {"connectors", "gap", "cli", "discovery"},
    "gap": {"connectors", "cli"},
    "connectors": {"gap", "cli"},
}


def imported_packages(source: str) -> set[str]:
    """Top-level packages of ours that a module imports, anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in OURS)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path.read_text(encoding="utf-8")) & FORBIDDEN[package])
        for path in modules_of(package)
    }
    offenders = {path: bad for path, bad in offenders.items() if bad}
    assert not offenders, f"{package}/ must not import {sorted(FORBIDDEN[package])}: {offenders}"


def test_checker_sees_lazy_and_from_imports() -> None:
    source = "import os\nfrom gap.models import Finding\ndef f():\n    import cli.main\n    from . import x\n"
    assert imported_packages(source) == {"gap", "cli"}


@pytest.mark.parametrize("package", ["connectors/aws", "connectors/code", "discovery/code"])
def test_source_packages_say_what_they_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "import" in doc
