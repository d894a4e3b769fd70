"""What a repository states about what it deploys and calls (pure): link facts from IaC,
deployment config and repository metadata. The code connector reads the few files whose names
say they hold such facts; this module only parses their text.

- iac-resource: a resource's `name`/`endpoint_name`/`function_name`… in Terraform, `*Name:` in
  CloudFormation/SAM, or any AWS ARN or Azure resource id written in config;
- workload-identity: an IAM role ARN, a Kubernetes `serviceAccountName`, an IRSA or workload
  identity annotation, a GCP service-account email;
- deployment-name: a model deployment or endpoint named in config (`AZURE_OPENAI_DEPLOYMENT=…`,
  `deployment_name: …`, `endpoint_name = …`);
- owner: the catch-all CODEOWNERS rule, or the package author in package.json / pyproject.toml.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from discovery.models import LinkFact

MAX_FACT_FILE_BYTES = 256 * 1024
_CONFIG_SUFFIXES = (".tf", ".tfvars", ".hcl", ".bicep", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".properties")
_EXACT_NAMES = frozenset({"codeowners", "package.json", "pyproject.toml", "serverless.yml", "template.json",
                          "app.json", "appsettings.json", "local.settings.json"})

_ARN = re.compile(r"\barn:aws[a-z\-]*:[a-z0-9\-]+:[a-z0-9\-]*:\d{0,12}:[A-Za-z0-9_\-./:+=,@]+")
_ROLE_ARN = re.compile(r"\barn:aws[a-z\-]*:iam::\d{12}:role/[A-Za-z0-9_+=,.@\-/]+")
_AZURE_ID = re.compile(r"/subscriptions/[0-9a-fA-F\-]{36}/resourceGroups/[^\s\"']+/providers/[^\s\"']+", re.I)
_TF_NAME = re.compile(
    r"^\s*(?:name|endpoint_name|model_name|function_name|agent_name|deployment_name|domain_name|"
    r"notebook_instance_name|endpoint_config_name|knowledge_base_name|guardrail_name)\s*=\s*\"([A-Za-z0-9][A-Za-z0-9_.\-]{2,})\"",
    re.M)
_CFN_KEYS = ("EndpointName", "ModelName", "FunctionName", "AgentName", "EndpointConfigName", "DomainName",
             "KnowledgeBaseName")
_CFN_NAME = re.compile(
    r"^\s*(?:EndpointName|ModelName|FunctionName|AgentName|EndpointConfigName|DomainName|KnowledgeBaseName)"
    r"\s*:\s*[\"']?([A-Za-z0-9][A-Za-z0-9_.\-]{2,})[\"']?\s*$", re.M)
_SERVICE_ACCOUNT = re.compile(r"^\s*(?:serviceAccountName|service_account_name|serviceAccount)\s*[:=]\s*[\"']?([a-z0-9][a-z0-9.\-]{1,62})[\"']?\s*$", re.M)
_GCP_SA = re.compile(r"\b[a-z][a-z0-9\-]{4,29}@[a-z][a-z0-9\-]{4,29}\.iam\.gserviceaccount\.com\b")
_DEPLOYMENT = re.compile(
    r"""(?im)^\s*(?:export\s+)?[\"']?[A-Z0-9_]*(?:DEPLOYMENT(?:_NAME)?|ENDPOINT_NAME|deployment_name|deployment|endpoint_name)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9][A-Za-z0-9_.\-]{2,})[\"']?\s*,?\s*$""")
_TF_RESOURCE = re.compile(r'^\s*resource\s+"([a-z0-9_]+)"\s+"[A-Za-z0-9_\-]+"\s*\{', re.M)


def is_fact_file(rel: str) -> bool:
    """Whether a repository file may hold link facts (by its name only: cheap during the walk)."""
    return _is_fact_name(rel.rpartition("/")[2])


@lru_cache(maxsize=16384)  # names repeat across a tree; asked once per file the walk lists
def _is_fact_name(name: str) -> bool:
    name = name.lower()
    return name in _EXACT_NAMES or name.startswith(".env") or name.endswith(_CONFIG_SUFFIXES)


def _terraform_names(text: str) -> list[str]:
    """`name = "…"` inside resource blocks only (a variable's name is not a resource)."""
    names: list[str] = []
    starts = [m.start() for m in _TF_RESOURCE.finditer(text)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        names.extend(_TF_NAME.findall(text[start:end]))
    return names


def extract_link_facts(text: str, rel: str, repo: str, target: str) -> list[LinkFact]:
    name = rel.rsplit("/", 1)[-1].lower()
    facts: dict[tuple[str, str], LinkFact] = {}

    def add(kind: str, value: str) -> None:
        value = value.strip().rstrip(".,;")
        if value:
            facts.setdefault((kind, value), LinkFact(kind=kind, value=value, repo=repo, target=target, path=rel))

    if name == "codeowners":
        for line in text.splitlines():
            parts = line.split("#", 1)[0].split()
            if len(parts) >= 2 and parts[0] in ("*", "/*", "/**", "**"):
                add("owner", " ".join(parts[1:]))
        return list(facts.values())
    if name == "package.json":
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        author = data.get("author") if isinstance(data, dict) else None
        if isinstance(author, dict):
            author = author.get("email") or author.get("name")
        if isinstance(author, str) and author.strip():
            add("owner", author)
    if name == "pyproject.toml":
        match = re.search(r"(?m)^(?:authors|maintainers)\s*=\s*\[\s*\{[^}]*?email\s*=\s*\"([^\"]+)\"", text)
        if match:
            add("owner", match.group(1))
    # Each pattern runs only where its literal core appears: a C-speed substring test over a
    # repository's config files costs milliseconds, the regex scans (\b, re.M) about a second.
    lower = text.lower()
    if "arn:aws" in text:
        for role in _ROLE_ARN.findall(text):
            add("workload-identity", role)
        for arn in _ARN.findall(text):
            if ":iam::" not in arn:
                add("iac-resource", arn)
    if "/subscriptions/" in lower:
        for resource_id in _AZURE_ID.findall(text):
            add("iac-resource", resource_id.rstrip("/"))
    if rel.endswith((".tf", ".tfvars", ".hcl")):
        for value in _terraform_names(text):
            add("iac-resource", value)
    if "Name" in text and any(key in text for key in _CFN_KEYS):  # every key ends in "Name": one pass, mostly
        for value in _CFN_NAME.findall(text):
            add("iac-resource", value)
    if "serviceaccount" in lower or "service_account" in lower:
        for value in _SERVICE_ACCOUNT.findall(text):
            add("workload-identity", value)
    if "gserviceaccount.com" in text:
        for value in _GCP_SA.findall(text):
            add("workload-identity", value)
    if "deployment" in lower or "endpoint_name" in lower:
        for value in _DEPLOYMENT.findall(text):
            add("deployment-name", value)
    return list(facts.values())
