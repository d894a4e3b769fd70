"""Versioned prompt files: declared variables are enforced at load and at render."""

from __future__ import annotations

from pathlib import Path

import pytest

from prompts.loader import PromptError, available, load_prompt


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """---
id: greet
version: 2
description: test
variables: [name, place]
---
[system]
Be brief.
[user]
Hello {{ name }} from {{place}}.
"""


def test_shipped_prompts_load_and_record_their_version() -> None:
    prompt = load_prompt("gap_finding")
    assert prompt.ref == "gap_finding@2"
    assert "untrusted_passage" in prompt.system
    assert "{{" not in prompt.system
    retry = load_prompt("gap_finding_retry", 1)
    assert load_prompt("gap_finding_retry").ref == "gap_finding_retry@2"
    assert retry.ref == "gap_finding_retry@1"
    assert {"gap_finding", "gap_finding_retry"} <= set(available())


def test_render_fills_every_declared_variable(tmp_path: Path) -> None:
    write(tmp_path, "greet.v2.md", GOOD)
    prompt = load_prompt("greet", directory=tmp_path)
    assert prompt.ref == "greet@2"
    assert prompt.system == "Be brief."
    assert prompt.render(name="Ada", place="{{ name }}") == "Hello Ada from {{ name }}.\n"  # values never re-expand


def test_render_fails_on_missing_and_unknown_variables(tmp_path: Path) -> None:
    write(tmp_path, "greet.v2.md", GOOD)
    prompt = load_prompt("greet", directory=tmp_path)
    with pytest.raises(PromptError, match="missing variable.*place"):
        prompt.render(name="Ada")
    with pytest.raises(PromptError, match="unknown variable.*mood"):
        prompt.render(name="Ada", place="Leeds", mood="x")


def test_loading_fails_on_an_undeclared_or_unused_variable(tmp_path: Path) -> None:
    write(tmp_path, "a.v1.md", "---\nid: a\nversion: 1\nvariables: [x]\n---\n{{ x }} {{ y }}\n")
    with pytest.raises(PromptError, match="undeclared variable.*y"):
        load_prompt("a", directory=tmp_path)
    write(tmp_path, "b.v1.md", "---\nid: b\nversion: 1\nvariables: [x, z]\n---\n{{ x }}\n")
    with pytest.raises(PromptError, match="unused variable.*z"):
        load_prompt("b", directory=tmp_path)


def test_loading_fails_on_bad_headers_and_unknown_prompts(tmp_path: Path) -> None:
    write(tmp_path, "c.v1.md", "---\nid: c\nversion: 3\nvariables: []\n---\nhi\n")
    with pytest.raises(PromptError, match="file name says"):
        load_prompt("c", directory=tmp_path)
    write(tmp_path, "d.v1.md", "no header\n")
    with pytest.raises(PromptError, match="front-matter"):
        load_prompt("d", directory=tmp_path)
    write(tmp_path, "e.v1.md", "---\nid: e\nversion: 1\nvariables: [x]\n---\n[system]\n{{ x }}\n[user]\n{{ x }}\n")
    with pytest.raises(PromptError, match="static"):
        load_prompt("e", directory=tmp_path)
    with pytest.raises(PromptError, match="unknown prompt"):
        load_prompt("nope", directory=tmp_path)
    with pytest.raises(PromptError, match="no version 9"):
        load_prompt("c", 9, directory=tmp_path)


def test_newest_version_is_the_default(tmp_path: Path) -> None:
    write(tmp_path, "greet.v2.md", GOOD)
    write(tmp_path, "greet.v10.md", GOOD.replace("version: 2", "version: 10"))
    assert load_prompt("greet", directory=tmp_path).version == 10
    assert load_prompt("greet", 2, directory=tmp_path).version == 2
