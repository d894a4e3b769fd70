"""gitignore-style patterns, for .gitignore files and CODEOWNERS (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PathPattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate_glob(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[":
            close = glob.find("]", i + 2)
            if close < 0:
                out.append(re.escape("["))
                i += 1
                continue
            body = glob[i + 1: close]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = close + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def compile_pattern(line: str) -> PathPattern | None:
    """One gitignore line; None for blanks and comments."""
    line = line.rstrip("\n\r")
    if not line.endswith("\\ "):
        line = line.rstrip()
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    elif line.startswith(("\\!", "\\#")):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate_glob(line)
    regex = ("^" if anchored else "^(?:.*/)?") + body + "$"
    try:
        return PathPattern(re.compile(regex), negate, dir_only)
    except re.error:
        return None


_FLOATING = "^(?:.*/)?"  # how compile_pattern starts a pattern that may match at any depth


def _any_of(patterns: list[PathPattern]) -> re.Pattern[str] | None:
    """One regex matching where any of the patterns matches. The patterns that may match at any
    depth share one `(?:.*/)?` prefix: tried once per path instead of once per pattern."""
    floating = [p.regex.pattern[len(_FLOATING):-1] for p in patterns if p.regex.pattern.startswith(_FLOATING)]
    parts = [f"{_FLOATING}(?:{'|'.join(f'(?:{body})' for body in floating)})$"] if floating else []
    parts += [f"(?:{p.regex.pattern})" for p in patterns if not p.regex.pattern.startswith(_FLOATING)]
    return re.compile("|".join(parts)) if parts else None


class IgnoreRules:
    """The rules of one .gitignore, relative to the directory that holds it."""

    def __init__(self, base: str, text: str) -> None:
        self.base = base.strip("/")
        self.patterns = [p for line in text.splitlines() if (p := compile_pattern(line))]
        # One combined regex per kind says whether any rule speaks about a path (most paths: no).
        # Without negations that is the answer; with them, the last matching rule is looked for.
        self._any = (_any_of([p for p in self.patterns if not p.dir_only]), _any_of(self.patterns))
        self._negations = any(p.negate for p in self.patterns)

    def decide(self, rel_path: str, is_dir: bool) -> bool | None:
        """True ignored, False re-included, None when no rule speaks about the path."""
        if self.base:
            if not rel_path.startswith(self.base + "/"):
                return None
            rel_path = rel_path[len(self.base) + 1:]
        combined = self._any[1] if is_dir else self._any[0]
        if combined is None or not combined.match(rel_path):
            return None
        if not self._negations:
            return True
        for pattern in reversed(self.patterns):  # the last matching rule wins
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.match(rel_path):
                return not pattern.negate
        return None


def is_ignored(stack: list[IgnoreRules], rel_path: str, is_dir: bool) -> bool:
    """Deeper .gitignore files override shallower ones; the last matching rule wins."""
    verdict = False
    for rules in stack:
        decision = rules.decide(rel_path, is_dir)
        if decision is not None:
            verdict = decision
    return verdict


class CodeOwners:
    """CODEOWNERS: the last matching rule names the owners of a path."""

    LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[PathPattern, tuple[str, ...]]] = []
        for raw in text.splitlines():
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "[", "^[")):  # GitLab section headers
                continue
            parts = line.split()
            pattern = compile_pattern(parts[0])
            if pattern is not None and not pattern.negate:
                self.rules.append((pattern, tuple(parts[1:])))

    def owners(self, rel_path: str) -> tuple[str, ...]:
        ancestors = []
        parts = rel_path.split("/")
        for i in range(1, len(parts)):
            ancestors.append("/".join(parts[:i]))
        for pattern, owners in reversed(self.rules):
            if not pattern.dir_only and pattern.regex.match(rel_path):
                return owners
            if any(pattern.regex.match(a) for a in ancestors):
                return owners
        return ()
