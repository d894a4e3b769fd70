"""File detectors for AI named indirectly: a provider nested in YAML, an api-version that is
Azure OpenAI's only beside OpenAI code, an AWS service name passed through a variable (pure).

Each takes one file's hits and a lazy reader of its text, and returns the hits to keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from discovery.code.hits import RawHit
from discovery.models import Confidence

_YAML_KEY = re.compile(r"^([ \t]*)(?:-[ \t]+)?([\w.\-]+)[ \t]*:")
SPRING_AI_PATH = ("ai", "spring")  # nearest parent first
_SPEAKS_OPENAI = re.compile(r"(?i)openai|/deployments/|chat/completions|azure_deployment|deployment_name")
_CLIENT_FROM_NAME = re.compile(
    r"\bclient\([ \t]*(?:service_name[ \t]*=[ \t]*)?[A-Za-z_][\w.\[\]'\"]*[ \t]*[,)]"  # boto3.client(SERVICE)
    r"|\b(?:get|make|new|build|create)_?\w*client\([ \t]*[A-Za-z_]\w*"  # a helper given the name
)
_LITERAL_CLIENT = re.compile(r"\bclient\([ \t]*(?:service_name[ \t]*=[ \t]*)?[\"']")


def yaml_parents(lines: list[str], line_number: int) -> list[str]:
    """Keys enclosing a line of block YAML, nearest first (indentation decides)."""
    if not 1 <= line_number <= len(lines):
        return []
    indent = len(lines[line_number - 1]) - len(lines[line_number - 1].lstrip(" \t"))
    parents: list[str] = []
    for index in range(line_number - 2, -1, -1):
        if indent == 0:
            break
        line = lines[index]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _YAML_KEY.match(line)
        own = len(line) - len(line.lstrip(" \t"))
        if own < indent:
            if match is None:
                break  # a sequence item or flow text at a lower level: not a plain mapping path
            parents.append(match.group(2))
            indent = own
    return parents


def spring_ai_yaml(hits: list[RawHit], text_of: Callable[[], str]) -> list[RawHit]:
    """A provider key counts only under spring: > ai: (application.yml)."""
    lines = text_of().splitlines()
    kept = []
    for hit in hits:
        if hit.detector == "spring-ai-yaml":
            if hit.line is None or tuple(yaml_parents(lines, hit.line)[:2]) != SPRING_AI_PATH:
                continue
            hit.attributes["framework"] = "spring-ai"
        kept.append(hit)
    return kept


def azure_api_version(hits: list[RawHit], text_of: Callable[[], str]) -> list[RawHit]:
    """Other Azure APIs take an api-version too: it is Azure OpenAI's only in a file that speaks OpenAI."""
    speaks = any(h.provider in ("openai", "azure-openai") and h.detector != "azure-api-version" for h in hits)
    if not speaks:
        speaks = _SPEAKS_OPENAI.search(text_of()) is not None
    return [h for h in hits if h.detector != "azure-api-version" or speaks]


def aws_service_variable(hits: list[RawHit], text_of: Callable[[], str]) -> list[RawHit]:
    """A service name literal counts when the file builds a client from a name, not a literal."""
    text = text_of()
    # Both shapes end in `client(`: without it the regex (no literal prefix to skip ahead by) is not run.
    from_name = "client(" in text and any(
        not _LITERAL_CLIENT.match(text, m.start()) for m in _CLIENT_FROM_NAME.finditer(text))
    kept = []
    for hit in hits:
        if hit.detector == "aws-service-variable":
            if not from_name:
                continue
            hit.confidence = Confidence.MEDIUM
            hit.attributes["via"] = "service-name-variable"
        kept.append(hit)
    return kept


_AZURE_IN_FILE = re.compile(r"AzureKeyCredential|DefaultAzureCredential|TokenCredential|openai\.azure\.com|AZURE_OPENAI|AzureOpenAI")


def openai_key_credential(hits: list[RawHit], text_of: Callable[[], str]) -> list[RawHit]:
    """A plain KeyCredential with no Azure endpoint or credential in the file: the Azure SDK's
    OpenAI client is talking to OpenAI, so its import is OpenAI's."""
    if _AZURE_IN_FILE.search(text_of()):
        return [h for h in hits if h.detector != "openai-key-credential"]
    for hit in hits:
        if hit.provider == "azure-openai" and hit.kind == "import":
            hit.provider = "openai"
            hit.attributes["via"] = "azure-sdk-with-openai-key"
    return hits


FILE_DETECTORS: dict[str, Callable[[list[RawHit], Callable[[], str]], list[RawHit]]] = {
    "spring-ai-yaml": spring_ai_yaml,
    "azure-api-version": azure_api_version,
    "aws-service-variable": aws_service_variable,
    "openai-key-credential": openai_key_credential,
}


# A scanner's or linter's rule file, whatever its name: a rules table or list whose entries
# carry a regex or pattern (gitleaks-style TOML, semgrep-style YAML, JSON rule packs).
_RULES_TABLE = re.compile(r'[ \t]*(?:\[\[rules\]\]|["\']?rules["\']?[ \t]*:[ \t]*\[?)[ \t]*$')
# ...and the value is a regex of the kind that describes a key or host (a character class,
# \w or \d, a repeat count), not a routing glob such as /api/*.
_RULE_PATTERN_KEY = re.compile(
    r'[ \t]*(?:-[ \t]*)?["\']?(?:regex|pattern|patterns|pattern-regex)["\']?[ \t]*[:=].*?(?:\[[\^A-Za-z0-9]|\\{1,2}[wdbsS.]|\{\d)')
# A rule pack names credentials and hosts; a file whose only hits are model ids (model cards,
# tokenizer configs, eval data) is not worth decoding whole to ask.
_DESCRIBED_KINDS = frozenset({"env-var", "secret", "endpoint"})
_MAX_LOOKS = 200  # occurrences of a word checked per file; rule packs name their table early


def _some_line_matches(text: str, word: str, line_regex: re.Pattern[str]) -> bool:
    """Whether a line holding word matches line_regex, looking only at lines holding word
    (a multi-line regex over a large JSON file costs more than the whole scan of it)."""
    at = text.find(word)
    for _ in range(_MAX_LOOKS):
        if at < 0:
            return False
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end < 0 else end
        if line_regex.match(text, start, end):
            return True
        at = text.find(word, end)
    return False


def mark_rule_files(hits: list[RawHit], text_of: Callable[[], str], raw: bytes | None = None) -> None:
    """Mark a config file's vendor names as described, not used, when the file is a rule pack.
    With the file's bytes (raw), a file without the word `rules` is ruled out without decoding it
    (UTF-8 decoding, even with replacement characters, turns ASCII bytes into the same letters)."""
    if not any(h.kind in _DESCRIBED_KINDS for h in hits):
        return
    if raw is not None and b"rules" not in raw:
        return
    text = text_of()
    if not _some_line_matches(text, "rules", _RULES_TABLE):
        return
    if _some_line_matches(text, "regex", _RULE_PATTERN_KEY) or _some_line_matches(text, "pattern", _RULE_PATTERN_KEY):
        for hit in hits:
            hit.attributes["context"] = "rules"
