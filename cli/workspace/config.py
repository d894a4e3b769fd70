"""Configuration: flags override the environment, which overrides aims.toml, which overrides defaults.

Secrets (API keys, tokens) come only from the environment and are never written to the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ConfigError(ValueError):
    pass


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMConfig(_Section):
    # "none" (the offline drafter) or "openai:MODEL"; any OpenAI-compatible server via base_url.
    provider: str = "none"
    base_url: str | None = None
    temperature: float = 0.0
    timeout_seconds: float = 60.0


class EmbeddingConfig(_Section):
    model: str = "minilm"  # or "openai:text-embedding-3-small"
    base_url: str | None = None


class ChromaConfig(_Section):
    url: str | None = None  # a Chroma server; embedded in the workspace when unset


class CodeConfig(_Section):
    paths: list[str] = Field(default_factory=list)
    github_orgs: list[str] = Field(default_factory=list)
    gitlab_groups: list[str] = Field(default_factory=list)


class LogsConfig(_Section):
    files: list[str] = Field(default_factory=list)
    format: str = "auto"
    #: a YAML file of extra AI services (the packaged catalogue's schema)
    catalogue: str | None = None
    #: keyed hashes instead of identities; the key comes only from AIMS_PSEUDONYMISE_KEY
    pseudonymise: bool = False
    upload_bytes: int = Field(default=1_000_000, ge=1)


class AWSConfig(_Section):
    enabled: bool = False
    profile: str | None = None
    regions: str = "all"
    org_role: str | None = None
    days: int = 7
    cloudtrail_s3: str | None = None  # s3://bucket/prefix of a trail, for data events


class DiscoveryConfig(_Section):
    code: CodeConfig = Field(default_factory=CodeConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    aws: AWSConfig = Field(default_factory=AWSConfig)


class PoliciesConfig(_Section):
    paths: list[str] = Field(default_factory=list)


class RegisterConfig(_Section):
    path: str | None = None


class RiskConfig(_Section):
    rules: str | None = None  # extra tier rules (YAML, the schema of discovery/catalogues/tiers.yaml)


class TriggersConfig(_Section):
    rules: str | None = None  # extra 8.2 trigger rules (YAML, the schema of discovery/catalogues/triggers.yaml)


class NotifyConfig(_Section):
    url: str | None = None  # webhook for `aims discover run --notify` (env AIMS_NOTIFY_URL)
    format: str = "json"  # json | slack


class Config(_Section):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    llm: LLMConfig = Field(default_factory=LLMConfig)
    embeddings: EmbeddingConfig = Field(default_factory=EmbeddingConfig)
    chroma: ChromaConfig = Field(default_factory=ChromaConfig)
    discovery: DiscoveryConfig = Field(default_factory=DiscoveryConfig)
    policies: PoliciesConfig = Field(default_factory=PoliciesConfig)
    # "register" in aims.toml; renamed here because BaseModel already has a `register` attribute.
    sanctioned_register: RegisterConfig = Field(default_factory=RegisterConfig, alias="register")
    reviewer: str | None = None
    risk: RiskConfig = Field(default_factory=RiskConfig)
    triggers: TriggersConfig = Field(default_factory=TriggersConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)


# Environment variables that override the file (flags override these in turn).
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "AIMS_LLM": ("llm", "provider"),
    "AIMS_LLM_BASE_URL": ("llm", "base_url"),
    "AIMS_EMBEDDINGS": ("embeddings", "model"),
    "AIMS_CHROMA_URL": ("chroma", "url"),
    "AIMS_REVIEWER": ("reviewer",),
    "AIMS_NOTIFY_URL": ("notify", "url"),
    "AIMS_NOTIFY_FORMAT": ("notify", "format"),
}


def load_config(path: Path, environ: dict[str, str] | None = None) -> Config:
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for variable, keys in ENV_OVERRIDES.items():
        value = environ.get(variable)
        if value:
            node = data
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = value
    try:
        return Config.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


DEFAULT_TOML = """\
# aims configuration. Flags override environment variables (AIMS_*), which override this file.
# Secrets never belong here: API keys and tokens come only from the environment
# (OPENAI_API_KEY, GITHUB_TOKEN, GITLAB_TOKEN, AWS credentials chain).

[llm]
# "none" uses the offline drafter (no network; drafts are labelled as offline).
# "openai:MODEL" uses an OpenAI or OpenAI-compatible endpoint (env AIMS_LLM).
provider = "none"
# base_url = "http://localhost:11434/v1"   # Ollama, vLLM, LM Studio, Azure OpenAI (env AIMS_LLM_BASE_URL)
temperature = 0.0
timeout_seconds = 60

[embeddings]
# "minilm" is the offline default: an int8 ONNX all-MiniLM-L6-v2 installed from PyPI, no download.
# "openai:text-embedding-3-small" uses the OpenAI embeddings API (env AIMS_EMBEDDINGS).
model = "minilm"

[chroma]
# Leave unset for the embedded index in the workspace; set to use a Chroma server (env AIMS_CHROMA_URL).
# url = "http://chroma.internal:8000"

[discovery.code]
paths = []            # local directories or git URLs for `aims discover run`
github_orgs = []      # needs GITHUB_TOKEN in the environment
gitlab_groups = []    # needs GITLAB_TOKEN in the environment

[discovery.logs]
files = []            # proxy, DNS, SaaS and audit log files (.gz is fine)
format = "auto"
# catalogue = "ai-services.yaml"   # extra AI services or app labels (schema of the packaged catalogue)
pseudonymise = false  # keyed hashes instead of identities; the key only from env AIMS_PSEUDONYMISE_KEY
upload_bytes = 1000000  # a request body at least this large is flagged as an upload

[discovery.aws]
enabled = false       # read-only scan of the AWS account(s) from the standard credential chain
# profile = "audit"
regions = "all"
# org_role = "AimsReadOnly"   # assume this role in every AWS Organizations member account
days = 7              # CloudTrail look-back for model invocations
# cloudtrail_s3 = "s3://trail-bucket/AWSLogs/"   # read a trail's S3 logs for data events

[policies]
paths = []            # policy documents (PDF, Word, HTML, Markdown)

[register]
# path = "register.yaml"  # the AI system register (systems:, exceptions:) or the provider CSV shorthand

[risk]
# rules = "tiers.yaml"    # extra or replacement risk-tier rules (schema: discovery/catalogues/tiers.yaml)

[triggers]
# rules = "triggers.yaml" # extra 8.2 reassessment trigger rules (schema: discovery/catalogues/triggers.yaml)

[notify]
# url = "https://hooks.example/aims"   # `aims discover run --notify` posts a summary here (env AIMS_NOTIFY_URL)
format = "json"           # json, or slack for a Slack-compatible payload
"""
