"""What the LLM drafter is told to talk to, and how: one typed value built from flags, env and ``[llm]``.

Pure: no langchain, no network. The CLI merges its sources (flags > environment
> aims.toml > defaults) into one `LLMSettings`; the drafter only reads it.
Secrets are never part of it: it names the environment variables that hold
them (``api_key_env``, ``header_env``), so the value can be logged and hashed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from discovery.redact import redact

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
STRUCTURED_METHODS: tuple[str, ...] = ("json_schema", "function_calling", "json_mode")
PROVIDERS: tuple[str, ...] = ("openai", "azure")

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}
#: Hosts of Azure OpenAI resources: their v1 endpoint authenticates with an ``api-key`` header.
AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


class LLMSettings(BaseModel):
    """Everything that decides which endpoint is called and how; never a secret."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: Literal["openai", "azure"] = "openai"
    #: The model name (OpenAI-compatible servers) or the deployment name (``azure:``).
    model: str
    base_url: str | None = None
    #: Azure's ``api-version``: sent by AzureChatOpenAI, or as a query parameter on a v1 base URL.
    api_version: str | None = None
    #: The environment variable holding the API key (defaults by provider).
    api_key_env: str | None = None
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, ge=1)
    timeout_seconds: float = Field(default=60.0, gt=0)
    #: Retries of one request after a rate limit, a server error, a timeout or a dropped connection.
    max_retries: int = Field(default=2, ge=0, le=10)
    #: Longest Retry-After we wait for; a longer one (an exhausted quota) fails the request at once.
    max_retry_after_seconds: float = Field(default=120.0, ge=0)
    concurrency: int = Field(default=4, ge=1, le=64)
    structured_output: StructuredMethod = "json_schema"
    #: Extra HTTP headers sent with every request (no secrets: use ``header_env`` for those).
    headers: dict[str, str] = Field(default_factory=dict)
    #: Header name -> environment variable whose value is sent in it (e.g. ``api-key`` -> ``AZURE_OPENAI_API_KEY``).
    header_env: dict[str, str] = Field(default_factory=dict)

    @field_validator("model")
    @classmethod
    def _model_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a model (or Azure deployment) name is required")
        return value.strip()

    @field_validator("base_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base URL {value!r} must be an http(s) URL")
        return value.strip()

    @property
    def key_env(self) -> str:
        return self.api_key_env or DEFAULT_KEY_ENV[self.provider]

    @property
    def endpoint(self) -> str:
        """The endpoint as a person would name it in a message (query string kept, any secret in it redacted)."""
        return redact(self.base_url or OPENAI_BASE_URL)

    @property
    def azure_v1(self) -> bool:
        """An OpenAI-style base URL on an Azure OpenAI resource (``…/openai/v1``)."""
        if self.provider != "openai" or not self.base_url:
            return False
        host = (urlsplit(self.base_url).hostname or "").lower()
        return host.endswith(AZURE_HOST_SUFFIXES)

    def fingerprint(self) -> str:
        """What changes an answer (not timeouts, retries or concurrency): part of every cache key."""
        payload = {
            "provider": self.provider,
            "model": self.model,
            "endpoint": split_base_url(self.base_url or OPENAI_BASE_URL)[0],
            "api_version": self.api_version,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "structured_output": self.structured_output,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def split_base_url(url: str) -> tuple[str, dict[str, str]]:
    """``https://h/openai/v1?api-version=x`` -> (``https://h/openai/v1``, {"api-version": "x"}).

    The OpenAI client appends ``/chat/completions`` to its base URL as text, so a
    query string left on it ends up in the middle of the path; it must travel as
    the client's default query instead.
    """
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
    return base, query


def parse_llm_spec(spec: str) -> tuple[str, str] | None:
    """``none`` -> None; ``openai:MODEL`` / ``azure:DEPLOYMENT`` -> (provider, name). Raises ValueError otherwise."""
    text = spec.strip()
    if text.lower() in ("", "none", "offline"):
        return None
    provider, _, model = text.partition(":")
    provider = provider.strip().lower()
    if provider not in PROVIDERS or not model.strip():
        raise ValueError(f"unknown --llm {spec!r}: use none, openai:MODEL or azure:DEPLOYMENT")
    return provider, model.strip()


def parse_headers(values: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["Name: value", "Other=value"]`` -> a header dict. Raises ValueError on a malformed item."""
    headers: dict[str, str] = {}
    for item in values:
        for separator in (":", "="):
            name, found, value = item.partition(separator)
            if found and name.strip():
                headers[name.strip()] = value.strip()
                break
        else:
            raise ValueError(f"header {item!r} must look like 'Name: value'")
    return headers
