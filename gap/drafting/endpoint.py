"""The chat endpoint: building the langchain client from `LLMSettings`, and calling it with back-off.

The OpenAI client's own retries are switched off (``max_retries=0``) and done
here instead, so that one rate limit pauses every drafting thread (a shared
`RateGate`), a Retry-After longer than we are willing to wait fails at once,
and every failure names the endpoint. langchain and openai are imported only
when a client is built or a call is made.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from gap.drafting.base import LLMUnavailableError
from gap.drafting.settings import LLMSettings, split_base_url

#: Back-off without a Retry-After: 1 s, 2 s, 4 s ... capped, with jitter so threads spread out.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0


class RequestRejectedError(LLMUnavailableError):
    """The endpoint refused this one request (HTTP 400/413/422): the endpoint itself may be fine."""


class RateGate:
    """A pause every thread honours before its next request, set by a rate limit's Retry-After."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Lock()
        self._resume_at = 0.0
        self._clock = clock
        self._sleep = sleep
        self.waited_seconds = 0.0

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._resume_at = max(self._resume_at, self._clock() + seconds)

    def wait_turn(self) -> None:
        while True:
            with self._lock:
                delay = self._resume_at - self._clock()
            if delay <= 0:
                return
            self._sleep(delay)
            with self._lock:
                self.waited_seconds += delay


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's Retry-After (``retry-after-ms``, seconds, or an HTTP date), if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def build_chat_model(settings: LLMSettings) -> Any:
    """A ChatOpenAI (or AzureChatOpenAI) for these settings; raises LLMUnavailableError without a key."""
    key = os.environ.get(settings.key_env)
    headers = dict(settings.headers)
    for name, variable in settings.header_env.items():
        value = os.environ.get(variable)
        if not value:
            raise LLMUnavailableError(settings.endpoint, f"header {name} needs ${variable}, which is not set")
        headers[name] = value
    common: dict[str, Any] = {
        "temperature": settings.temperature,
        "timeout": settings.timeout_seconds,
        "max_retries": 0,  # retried in call_with_backoff, with a gate shared by every thread
        "default_headers": headers or None,
    }
    if settings.max_tokens is not None:
        common["max_tokens"] = settings.max_tokens

    if settings.provider == "azure":
        from langchain_openai import AzureChatOpenAI

        if not settings.base_url:
            raise LLMUnavailableError("azure", "azure:DEPLOYMENT needs the resource URL as the base URL")
        if not settings.api_version:
            raise LLMUnavailableError(settings.endpoint, "azure:DEPLOYMENT needs an API version (--api-version)")
        if not key:
            raise LLMUnavailableError(settings.endpoint, f"no API key: set {settings.key_env} in the environment")
        base, query = split_base_url(settings.base_url)
        return AzureChatOpenAI(
            azure_endpoint=base,
            azure_deployment=settings.model,
            api_version=settings.api_version,
            api_key=key,
            default_query={k: v for k, v in query.items() if k != "api-version"} or None,
            **common,
        )

    from langchain_openai import ChatOpenAI

    base, query = split_base_url(settings.base_url) if settings.base_url else (None, {})
    if settings.api_version and "api-version" not in query:
        query["api-version"] = settings.api_version
    if settings.azure_v1:
        # Azure's v1 endpoint takes the key in an api-key header; the Authorization header is ignored.
        key = key or os.environ.get("AZURE_OPENAI_API_KEY")
        if not key:
            raise LLMUnavailableError(settings.endpoint, f"no API key: set {settings.key_env} in the environment")
        headers.setdefault("api-key", key)
        common["default_headers"] = headers
    if not key:
        if settings.base_url is None:
            raise LLMUnavailableError(settings.endpoint, f"no API key: set {settings.key_env} in the environment")
        key = "not-needed"  # local OpenAI-compatible servers usually ignore it
    return ChatOpenAI(
        model=settings.model,
        base_url=base,
        api_key=key,
        default_query=query or None,
        # Chat Completions is what every OpenAI-compatible server speaks.
        use_responses_api=False,
        **common,
    )


def describe(exc: BaseException) -> str:
    import openai

    kinds = [
        (openai.APITimeoutError, "timed out"),
        (openai.APIConnectionError, "connection failed"),
        (openai.AuthenticationError, "authentication failed (check the API key)"),
        (openai.PermissionDeniedError, "permission denied"),
        (openai.NotFoundError, "not found (check the model name and base URL)"),
        (openai.RateLimitError, "rate limited or out of quota"),
        (openai.BadRequestError, "the request was rejected"),
        (openai.InternalServerError, "server error"),
    ]
    what = next((text for kind, text in kinds if isinstance(exc, kind)), type(exc).__name__)
    status = getattr(exc, "status_code", None)
    detail = getattr(exc, "message", "") or str(exc)
    return (f"{what} (HTTP {status}): {detail}" if status else f"{what}: {detail}")[:400]


def _retryable(exc: BaseException) -> bool:
    import openai

    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError)):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status >= 500 or status in (408, 409))


def _rejects_this_request(exc: BaseException) -> bool:
    status = getattr(exc, "status_code", None)
    return status in (400, 413, 422)


def call_with_backoff(
    call: Callable[[], Any],
    settings: LLMSettings,
    gate: RateGate,
    *,
    on_failed_attempt: Callable[[], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Run one model call, retrying rate limits, server errors and timeouts; raise LLMUnavailableError."""
    import openai

    attempt = 0
    while True:
        gate.wait_turn()
        try:
            return call()
        except openai.APIError as exc:
            if on_failed_attempt is not None:
                on_failed_attempt()
            wait = retry_after_seconds(exc)
            if not _retryable(exc) or attempt >= settings.max_retries:
                error_type = RequestRejectedError if _rejects_this_request(exc) else LLMUnavailableError
                tries = f" after {attempt + 1} attempts" if attempt else ""
                raise error_type(settings.endpoint, describe(exc) + tries) from exc
            if wait is not None and wait > settings.max_retry_after_seconds:
                raise LLMUnavailableError(
                    settings.endpoint,
                    f"{describe(exc)}; the server asks to wait {wait:.0f} s, more than the "
                    f"{settings.max_retry_after_seconds:.0f} s allowed",
                ) from exc
            if wait is None:
                wait = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt) * (0.5 + random.random() / 2)
            if isinstance(exc, openai.RateLimitError):
                gate.pause(wait)  # every thread holds off, not just this one
            else:
                sleep(wait)
            attempt += 1
