"""Versioned prompt files (DESIGN §6: "Prompts are versioned files").

A prompt file is ``prompts/<id>.v<version>.md``. It opens with a front-matter
block that declares what it is and which variables it takes::

    ---
    id: gap_finding
    version: 1
    description: one line
    variables: [requirement_id, passages]
    ---
    [system]
    Static instructions (no variables: untrusted data never goes here).
    [user]
    Text with {{ requirement_id }} and {{ passages }}.

Loading fails when the body uses a variable the header does not declare, or
declares one the body never uses; rendering fails on a missing or an unknown
variable. Substitution is a single pass over the template, so a value that
itself contains ``{{ x }}`` is inserted literally and never re-expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

PROMPT_DIR = Path(__file__).resolve().parent
_FILE_NAME = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)\.v(?P<version>[0-9]+)\.md$")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_FRONT_MATTER = re.compile(r"\A---\n(?P<header>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


class PromptError(ValueError):
    """A prompt file is malformed, unknown, or rendered with the wrong variables."""


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    version: int
    description: str
    variables: tuple[str, ...]
    system: str
    user: str
    path: Path

    @property
    def ref(self) -> str:
        """What every draft records as the prompt that made it: ``id@version``."""
        return f"{self.id}@{self.version}"

    def render(self, **values: object) -> str:
        """The user message with every declared variable filled in."""
        declared = set(self.variables)
        missing = sorted(declared - values.keys())
        unknown = sorted(values.keys() - declared)
        if missing or unknown:
            parts = []
            if missing:
                parts.append("missing variable(s) " + ", ".join(missing))
            if unknown:
                parts.append("unknown variable(s) " + ", ".join(unknown))
            raise PromptError(f"prompt {self.ref}: " + "; ".join(parts))
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.user)


def _parse(path: Path) -> PromptTemplate:
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise PromptError(f"{path.name}: prompt files are named <id>.v<version>.md")
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    parts = _FRONT_MATTER.match(text)
    if parts is None:
        raise PromptError(f"{path.name}: no front-matter header (--- ... ---)")
    try:
        header = yaml.safe_load(parts.group("header")) or {}
    except yaml.YAMLError as exc:
        raise PromptError(f"{path.name}: unreadable header: {exc}") from exc
    if not isinstance(header, dict):
        raise PromptError(f"{path.name}: the header must be a mapping")
    prompt_id, version = header.get("id"), header.get("version")
    if prompt_id != match.group("id") or str(version) != match.group("version"):
        raise PromptError(
            f"{path.name}: header says {prompt_id}@{version}, the file name says "
            f"{match.group('id')}@{match.group('version')}"
        )
    variables = header.get("variables") or []
    if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
        raise PromptError(f"{path.name}: variables must be a list of names")
    if len(set(variables)) != len(variables):
        raise PromptError(f"{path.name}: a variable is declared twice")
    system, user = _split_sections(path.name, parts.group("body"))
    if _PLACEHOLDER.search(system):
        raise PromptError(f"{path.name}: the [system] section must be static (no variables)")
    used = set(_PLACEHOLDER.findall(user))
    undeclared = sorted(used - set(variables))
    unused = sorted(set(variables) - used)
    if undeclared:
        raise PromptError(f"{path.name}: uses undeclared variable(s) {', '.join(undeclared)}")
    if unused:
        raise PromptError(f"{path.name}: declares unused variable(s) {', '.join(unused)}")
    return PromptTemplate(
        id=prompt_id,
        version=int(version),
        description=str(header.get("description", "")),
        variables=tuple(variables),
        system=system,
        user=user,
        path=path,
    )


def _split_sections(name: str, body: str) -> tuple[str, str]:
    marks = list(_SECTION.finditer(body))
    if not marks:
        return "", body.strip() + "\n"
    if body[: marks[0].start()].strip():
        raise PromptError(f"{name}: text before the first [system]/[user] section")
    sections: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        role = mark.group(1)
        if role in sections:
            raise PromptError(f"{name}: section [{role}] appears twice")
        sections[role] = body[mark.end() : end].strip() + "\n"
    if "user" not in sections:
        raise PromptError(f"{name}: no [user] section")
    return sections.get("system", "").strip(), sections["user"]


def available(directory: Path = PROMPT_DIR) -> dict[str, list[int]]:
    """Prompt id -> its versions on disk, oldest first."""
    found: dict[str, list[int]] = {}
    for path in directory.glob("*.md"):
        match = _FILE_NAME.match(path.name)
        if match:
            found.setdefault(match.group("id"), []).append(int(match.group("version")))
    return {key: sorted(versions) for key, versions in sorted(found.items())}


def load_prompt(prompt_id: str, version: int | None = None, *, directory: Path = PROMPT_DIR) -> PromptTemplate:
    """Load ``prompt_id`` at ``version`` (the newest when None)."""
    versions = available(directory).get(prompt_id)
    if not versions:
        raise PromptError(f"unknown prompt {prompt_id!r} in {directory}")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise PromptError(f"prompt {prompt_id!r} has no version {chosen} (have {versions})")
    return _parse(directory / f"{prompt_id}.v{chosen}.md")
