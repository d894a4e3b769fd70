"""LLM settings: URL splitting, headers, Azure detection, what the cache key depends on, config precedence."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cli.workspace.config import ConfigError, load_config
from gap.drafting import drafter_for
from gap.drafting.llm import LLMDrafter
from gap.drafting.settings import LLMSettings, parse_headers, split_base_url
from gap.drafting.usage import Usage, price_table


def test_a_query_string_is_split_off_the_base_url() -> None:
    assert split_base_url("https://acme.openai.azure.com/openai/v1/?api-version=preview&x=1") == (
        "https://acme.openai.azure.com/openai/v1", {"api-version": "preview", "x": "1"})
    assert split_base_url("http://127.0.0.1:8080/v1") == ("http://127.0.0.1:8080/v1", {})


def test_headers_parse_from_flags() -> None:
    assert parse_headers(["X-Team: governance", "api-version=2024"]) == {"X-Team": "governance", "api-version": "2024"}
    with pytest.raises(ValueError):
        parse_headers(["no separator"])


def test_azure_hosts_are_recognised_and_bad_urls_refused() -> None:
    assert LLMSettings(model="m", base_url="https://x.openai.azure.com/openai/v1").azure_v1
    assert LLMSettings(model="m", base_url="https://x.cognitiveservices.azure.com/openai/v1").azure_v1
    assert not LLMSettings(model="m", base_url="http://localhost:11434/v1").azure_v1
    with pytest.raises(ValueError):
        LLMSettings(model="m", base_url="localhost:11434")
    with pytest.raises(ValueError):
        LLMSettings(model="m", structured_output="xml")  # type: ignore[arg-type]


def test_only_answer_changing_settings_change_the_fingerprint() -> None:
    base = LLMSettings(model="m", base_url="http://h/v1")
    same = base.model_copy(update={"timeout_seconds": 5, "max_retries": 9, "concurrency": 16})
    assert same.fingerprint() == base.fingerprint()
    for change in ({"temperature": 0.5}, {"max_tokens": 100}, {"structured_output": "json_mode"}, {"model": "n"},
                   {"base_url": "http://other/v1"}):
        assert base.model_copy(update=change).fingerprint() != base.fingerprint()


def test_drafter_for_passes_every_setting(tmp_path: Path) -> None:
    llm = drafter_for("openai:m", base_url="http://h/v1", cache_dir=tmp_path, temperature=0.2, max_tokens=50,
                      concurrency=3, structured_output="function_calling", headers={"X": "y"}, api_version=None)
    assert isinstance(llm, LLMDrafter)
    assert (llm.settings.temperature, llm.settings.max_tokens, llm.concurrency, llm.method) == (0.2, 50, 3, "function_calling")
    with pytest.raises(ValueError):
        drafter_for("openai:m", concurrency=0)


def test_config_reads_every_llm_setting_and_env_overrides_it(tmp_path: Path) -> None:
    path = tmp_path / "aims.toml"
    path.write_text('[llm]\nprovider = "openai:x"\ntemperature = 0.3\nmax_tokens = 99\nconcurrency = 2\n'
                    'structured_output = "json_mode"\nheaders = { "X-A" = "1" }\nheader_env = { "api-key" = "K" }\n'
                    "required = true\n")
    config = load_config(path, {})
    assert config.llm.settings_options()["max_tokens"] == 99 and config.llm.required
    assert config.llm.header_env == {"api-key": "K"}
    overridden = load_config(path, {"AIMS_LLM_TEMPERATURE": "0.9", "AIMS_LLM_HEADERS": '{"X-B": "2"}',
                                    "AIMS_LLM_CONCURRENCY": "6"})
    assert (overridden.llm.temperature, overridden.llm.headers, overridden.llm.concurrency) == (0.9, {"X-B": "2"}, 6)
    with pytest.raises(ConfigError):
        load_config(path, {"AIMS_LLM_HEADERS": "not a header"})
    path.write_text('[llm]\nstructured_output = "xml"\n')
    with pytest.raises(ConfigError):
        load_config(path, {})


def test_cost_is_estimated_only_for_listed_models() -> None:
    table = price_table()
    assert table.as_of and table.price_for("gpt-4o-mini-2024-07-18") == table.price_for("gpt-4o-mini")
    assert table.price_for("gpt-4o-mini") != table.price_for("gpt-4o")
    assert table.price_for("llama3") is None and table.price_for("gpt-4o-ultra") is None
    usage = Usage()

    class Message:
        usage_metadata = {"input_tokens": 1_000_000, "output_tokens": 100_000}

    usage.record(Message())
    usage.record(None)
    assert usage.as_dict("gpt-4o")["estimated_cost"] == pytest.approx(2.5 + 1.0)
    assert usage.as_dict("llama3")["estimated_cost"] is None
    assert (usage.calls, usage.unmetered_calls) == (2, 1)


def test_a_secret_in_the_base_url_never_reaches_a_message() -> None:
    secret = "sk-proj-" + "k" * 30
    settings = LLMSettings(model="m", base_url=f"https://gw.example/v1?api_key={secret}")
    assert secret not in settings.endpoint and "redacted" in settings.endpoint
    assert split_base_url(settings.base_url or "")[1] == {"api_key": secret}  # still sent to the server


class _Response:
    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers


class _Limited(Exception):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("429")
        self.response = _Response(headers)


def test_retry_after_in_seconds_milliseconds_or_an_http_date() -> None:
    from email.utils import formatdate

    from gap.drafting.endpoint import retry_after_seconds

    assert retry_after_seconds(_Limited({"retry-after": "7"})) == 7
    assert retry_after_seconds(_Limited({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    in_a_minute = retry_after_seconds(_Limited({"retry-after": formatdate(time.time() + 60, usegmt=True)}))
    assert in_a_minute is not None and 55 <= in_a_minute <= 61
    assert retry_after_seconds(_Limited({"retry-after": "soon"})) is None
    assert retry_after_seconds(Exception("no response")) is None


def test_the_rate_gate_holds_every_caller_until_the_pause_ends() -> None:
    from gap.drafting.endpoint import RateGate

    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gate = RateGate(clock=lambda: now[0], sleep=sleep)
    gate.wait_turn()
    assert slept == []
    gate.pause(3)
    gate.pause(1)  # a shorter pause never shortens a longer one
    gate.wait_turn()
    assert slept == [3] and gate.waited_seconds == 3
