"""Configuration: flags override the environment, which overrides aims.toml, which overrides defaults.

Secrets (API keys, tokens) come only from the environment and are never written to the file.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(ValueError):
    pass


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMConfig(_Section):
    # "none" (the offline drafter), "openai:MODEL" (OpenAI or any OpenAI-compatible server via
    # base_url) or "azure:DEPLOYMENT" (Azure OpenAI through AzureChatOpenAI).
    provider: str = "none"
    base_url: str | None = None
    api_version: str | None = None
    #: the environment variable that holds the key (never the key itself)
    api_key_env: str | None = None
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    max_retry_after_seconds: float = Field(default=120.0, ge=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    structured_output: Literal["json_schema", "function_calling", "json_mode"] = "json_schema"
    #: extra HTTP headers (no secrets); header_env maps a header to the env variable holding its value
    headers: dict[str, str] = Field(default_factory=dict)
    header_env: dict[str, str] = Field(default_factory=dict)
    #: fail the run (exit 1) instead of exit 3 when a requirement cannot be drafted by the model
    required: bool = False

    def settings_options(self) -> dict[str, Any]:
        """The fields `gap.drafting.drafter_for` takes, as set here."""
        return self.model_dump(exclude={"provider", "base_url", "required"})


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


class AzureConfig(_Section):
    enabled: bool = False
    subscriptions: list[str] = Field(default_factory=list)  # empty: every subscription the credential sees
    arm_endpoint: str | None = None  # sovereign clouds, Azure Stack
    days: int = Field(default=7, ge=0, le=90)
    log_analytics: list[str] = Field(default_factory=list)  # workspace ids holding the diagnostic logs
    log_analytics_endpoint: str | None = None


class GCPConfig(_Section):
    enabled: bool = False
    projects: list[str] = Field(default_factory=list)  # empty: every project the credential sees
    days: int = Field(default=7, ge=0, le=400)  # Cloud Audit Logs look-back (0 skips usage)
    asset_endpoint: str | None = None  # Private Service Connect or a proxy
    projects_endpoint: str | None = None
    logging_endpoint: str | None = None


class DiscoveryConfig(_Section):
    code: CodeConfig = Field(default_factory=CodeConfig)
    logs: LogsConfig = Field(default_factory=LogsConfig)
    aws: AWSConfig = Field(default_factory=AWSConfig)
    azure: AzureConfig = Field(default_factory=AzureConfig)
    gcp: GCPConfig = Field(default_factory=GCPConfig)


class PoliciesConfig(_Section):
    paths: list[str] = Field(default_factory=list)


class RegisterConfig(_Section):
    path: str | None = None


class LimitsConfig(_Section):
    """What one hostile or broken input may cost; checked before parsing (docs/hardening.md)."""

    #: a longer log line is cut to this, counted as malformed; its prefix is still scanned
    log_max_line_bytes: int = Field(default=1024 * 1024, ge=1024)
    #: a gzip log stops after this much text (what was read is kept, the cut reported)
    log_max_decompressed_bytes: int = Field(default=64 * 1024**3, ge=1)
    #: ... or once it has expanded more than this many times (after its first 64 MiB); real logs
    #: pack 10-50 times, a decompression bomb about 1,000
    log_max_ratio: int = Field(default=200, ge=1)
    #: a whole-document log (CloudTrail JSON) larger than this is refused
    log_max_document_bytes: int = Field(default=128 * 1024 * 1024, ge=1)
    #: a policy file larger than this on disk is reported as too large
    policy_max_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1)
    #: a policy whose text is longer than this (characters) is reported as too large
    policy_max_text_chars: int = Field(default=2_000_000, ge=1)
    #: DOCX/XLSX: the archive's declared unpacked size; PDF: any one decompressed stream
    archive_max_unpacked_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    #: an archive part (over 1 MiB) that inflates more than this many times is refused
    archive_max_ratio: int = Field(default=100, ge=1)

    def logs(self):  # type: ignore[no-untyped-def]
        from connectors.logs.reader import ReadLimits

        return ReadLimits(max_line_bytes=self.log_max_line_bytes, max_decompressed_bytes=self.log_max_decompressed_bytes,
                          max_ratio=self.log_max_ratio, max_document_bytes=self.log_max_document_bytes)

    def documents(self):  # type: ignore[no-untyped-def]
        from rag.loaders.limits import DocumentLimits

        return DocumentLimits(max_file_bytes=self.policy_max_file_bytes, max_text_chars=self.policy_max_text_chars,
                              max_unpacked_bytes=self.archive_max_unpacked_bytes, max_ratio=self.archive_max_ratio)


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
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    reviewer: str | None = None
    risk: RiskConfig = Field(default_factory=RiskConfig)
    triggers: TriggersConfig = Field(default_factory=TriggersConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)


# Environment variables that override the file (flags override these in turn).
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "AIMS_LLM": ("llm", "provider"),
    "AIMS_LLM_BASE_URL": ("llm", "base_url"),
    "AIMS_LLM_API_VERSION": ("llm", "api_version"),
    "AIMS_LLM_API_KEY_ENV": ("llm", "api_key_env"),
    "AIMS_LLM_TEMPERATURE": ("llm", "temperature"),
    "AIMS_LLM_MAX_TOKENS": ("llm", "max_tokens"),
    "AIMS_LLM_TIMEOUT": ("llm", "timeout_seconds"),
    "AIMS_LLM_RETRIES": ("llm", "max_retries"),
    "AIMS_LLM_CONCURRENCY": ("llm", "concurrency"),
    "AIMS_LLM_STRUCTURED_OUTPUT": ("llm", "structured_output"),
    "AIMS_LLM_HEADERS": ("llm", "headers"),
    "AIMS_LLM_REQUIRED": ("llm", "required"),
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
            node[keys[-1]] = _env_headers(variable, value) if keys == ("llm", "headers") else value
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: " + "; ".join(_describe(error) for error in exc.errors())) from None
    except ValueError as exc:
        raise ConfigError(f"{path}: invalid settings ({type(exc).__name__})") from None


# Settings that hold credentials are refused outright: keys come only from the environment.
_SECRET_NAME = re.compile(r"(key|token|secret|password|passwd|credential|auth)", re.IGNORECASE)


def _describe(error: Any) -> str:
    """One validation error without the value that caused it: a value put in aims.toml by
    mistake may be a key, and error messages end up in terminals, CI logs and tickets."""
    where = ".".join(str(part) for part in error.get("loc", ())) or "(top level)"
    if error.get("type") == "extra_forbidden":
        if _SECRET_NAME.search(where):
            return (f"{where}: secrets do not belong in aims.toml; remove it and set the environment "
                    "variable instead (the value is not shown)")
        return f"{where}: not a known setting"
    return f"{where}: {error.get('msg', 'invalid value')}"


def _env_headers(variable: str, value: str) -> dict[str, str]:
    """``Name: value; Other: value`` (or a JSON object) from the environment."""
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{variable}: not a JSON object: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ConfigError(f"{variable}: not a JSON object")
        return {str(k): str(v) for k, v in parsed.items()}
    headers: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, found, header_value = item.partition(":")
        if not found or not name.strip():
            raise ConfigError(f"{variable}: {item!r} must look like 'Name: value'")
        headers[name.strip()] = header_value.strip()
    return headers


DEFAULT_TOML = """\
# aims configuration. Flags override environment variables (AIMS_*), which override this file.
# Secrets never belong here: API keys and tokens come only from the environment
# (OPENAI_API_KEY, GITHUB_TOKEN, GITLAB_TOKEN, AWS credentials chain).

[llm]
# "none" uses the offline drafter (no network; drafts are labelled as offline).
# "openai:MODEL" uses an OpenAI or OpenAI-compatible endpoint (env AIMS_LLM);
# "azure:DEPLOYMENT" uses Azure OpenAI through its deployments API (needs base_url and api_version).
provider = "none"
# base_url = "http://localhost:11434/v1"   # Ollama, vLLM, LM Studio, llama.cpp (env AIMS_LLM_BASE_URL)
# base_url = "https://RESOURCE.openai.azure.com/openai/v1?api-version=preview"   # Azure's v1 endpoint: api-key header
# api_version = "2024-10-21"    # azure:DEPLOYMENT, or added as ?api-version= to base_url (env AIMS_LLM_API_VERSION)
# api_key_env = "OPENAI_API_KEY"   # the environment variable holding the key; never the key itself
temperature = 0.0               # env AIMS_LLM_TEMPERATURE
# max_tokens = 1200             # cap on each answer (env AIMS_LLM_MAX_TOKENS)
timeout_seconds = 60            # per request (env AIMS_LLM_TIMEOUT)
max_retries = 2                 # per request, after 429 / 5xx / timeouts, with back-off (env AIMS_LLM_RETRIES)
max_retry_after_seconds = 120   # a longer Retry-After (an exhausted quota) fails at once
concurrency = 4                 # requests in flight at once (env AIMS_LLM_CONCURRENCY)
structured_output = "json_schema"   # or "function_calling" (llama.cpp and other tools-only servers), "json_mode"
# headers = { "X-Team" = "governance" }              # extra headers, no secrets (env AIMS_LLM_HEADERS="Name: value; ...")
# header_env = { "api-key" = "AZURE_OPENAI_API_KEY" }   # header values taken from environment variables
required = false                # true: a requirement the model could not draft fails the run (exit 1), not exit 3

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

[discovery.azure]
enabled = false       # read-only scan with DefaultAzureCredential; needs pip install 'aims[azure]'
subscriptions = []    # empty: every subscription the credential can see
# arm_endpoint = "https://management.usgovcloudapi.net"   # sovereign clouds, Azure Stack
days = 7              # Activity Log and request-log look-back (0 skips usage)
log_analytics = []    # Log Analytics workspace ids with the AI resources' diagnostic logs (request counts)

[discovery.gcp]
enabled = false       # read-only scan with Application Default Credentials; pip install 'aims[gcp]'
projects = []         # empty: every project the credential can see
days = 7              # Cloud Audit Logs look-back for who called Vertex AI (0 skips usage)
# asset_endpoint = "https://cloudasset.p.googleapis.com"   # Private Service Connect or a proxy

[policies]
paths = []            # policy documents (PDF, Word, HTML, Markdown)

[register]
# path = "register.yaml"  # the AI system register (systems:, exceptions:) or the provider CSV shorthand

[limits]
# What one hostile or broken input may cost, checked before parsing (docs/hardening.md).
# log_max_line_bytes = 1048576            # longer log lines are cut, counted malformed, their prefix scanned
# log_max_decompressed_bytes = 68719476736  # a .gz log stops here; the part read is kept, the cut reported
# log_max_ratio = 200                     # ... or when it expands more than this (a decompression bomb)
# log_max_document_bytes = 134217728      # a whole-document log (CloudTrail JSON) larger than this is refused
# policy_max_file_bytes = 52428800        # policy files larger than this are reported as too large
# policy_max_text_chars = 2000000         # ... and so are those with more text than this
# archive_max_unpacked_bytes = 67108864   # DOCX/XLSX unpacked size; any one PDF stream
# archive_max_ratio = 100                 # an archive part inflating more than this is refused

[risk]
# rules = "tiers.yaml"    # extra or replacement risk-tier rules (schema: discovery/catalogues/tiers.yaml)

[triggers]
# rules = "triggers.yaml" # extra 8.2 reassessment trigger rules (schema: discovery/catalogues/triggers.yaml)

[notify]
# url = "https://hooks.example/aims"   # `aims discover run --notify` posts a summary here (env AIMS_NOTIFY_URL)
format = "json"           # json, or slack for a Slack-compatible payload
"""
