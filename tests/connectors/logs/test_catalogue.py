"""Every example in the AI service catalogue, run as its own test case (gitleaks-style)."""

from __future__ import annotations

import pytest

from connectors.logs.prefilter import LineFinder
from discovery.domains import AIService, ServiceCatalogue, normalise_host
from discovery.providers import vocabulary

CATALOGUE = ServiceCatalogue.load()
MATCHES = [(s.id, host) for s in CATALOGUE for host in s.match]
NO_MATCHES = [(s.id, host) for s in CATALOGUE for host in s.no_match]


def test_catalogue_is_large_and_every_entry_has_examples() -> None:
    assert len(CATALOGUE) >= 150
    assert all(s.match and s.no_match for s in CATALOGUE if s.domains)


@pytest.mark.parametrize(("service_id", "host"), MATCHES)
def test_true_positive(service_id: str, host: str) -> None:
    found = CATALOGUE.match(host)
    assert found is not None and found.id == service_id


@pytest.mark.parametrize(("service_id", "host"), NO_MATCHES)
def test_false_positive_never_matches(service_id: str, host: str) -> None:
    assert CATALOGUE.match(host) is None


@pytest.mark.parametrize(
    "host",
    ["gemini.com", "bard.edu", "openapis.org", "openai.com.evil.test", "xopenai.com", "claude.ai.example.net",
     "localhost", "", "10.0.0.1", "[::1]:443", "ai", "com"],
)
def test_look_alikes_and_non_hosts(host: str) -> None:
    assert CATALOGUE.match(host) is None


def test_most_specific_domain_wins() -> None:
    assert CATALOGUE.match("api.openai.com").id == "openai-api"  # type: ignore[union-attr]
    assert CATALOGUE.match("help.openai.com").id == "openai-web"  # type: ignore[union-attr]
    assert CATALOGUE.match("operator.chatgpt.com").id == "openai-operator"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "host"),
    [("https://User@API.OpenAI.com:443/v1?x=1", "api.openai.com"), ("chatgpt.com.", "chatgpt.com"),
     ("claude.ai:443", "claude.ai"), ("gemini.google.com/app", "gemini.google.com")],
)
def test_normalise_host(raw: str, host: str) -> None:
    assert normalise_host(raw) == host


def test_users_extend_and_override_the_catalogue() -> None:
    extra = [{"id": "acme-gpt", "name": "Acme GPT", "vendor": "Acme", "provider": "openai", "kind": "chat-assistant",
              "domains": ["gpt.acme.internal"]},
             {"id": "chatgpt", "name": "ChatGPT Enterprise", "vendor": "OpenAI", "provider": "openai",
              "kind": "chat-assistant", "domains": ["chatgpt.com"]}]
    catalogue = ServiceCatalogue.load(extra)
    assert catalogue.match("eu.gpt.acme.internal").id == "acme-gpt"  # type: ignore[union-attr]
    assert catalogue.match("chatgpt.com").name == "ChatGPT Enterprise"  # type: ignore[union-attr]
    assert catalogue.match("chat.openai.com").id == "openai-web"  # type: ignore[union-attr]  # override dropped it


def test_bad_domains_are_rejected() -> None:
    with pytest.raises(ValueError):
        AIService(id="x", name="x", vendor="x", provider="x", kind="api", domains=("not a host/path",))


def test_prefilter_patterns_cover_every_example() -> None:
    finder = LineFinder(CATALOGUE.host_patterns())
    for _service_id, host in MATCHES:
        assert list(finder.lines(f"CONNECT {host} HTTP/1.1".encode())), host


def test_known_providers_are_in_the_vocabulary_or_flagged_new() -> None:
    known = set(vocabulary().ids())
    core = {"openai", "anthropic", "google-gemini", "microsoft-copilot", "github-copilot", "aws-bedrock"}
    assert core <= known
    assert {s.provider for s in CATALOGUE} & known >= core


@pytest.mark.parametrize(
    ("app_name", "service_id"),
    [("ChatGPT Enterprise", "chatgpt"), ("ChatGPT", "chatgpt"), ("Claude", "claude"), ("Cursor", "cursor"),
     ("Otter.ai", "otter-ai"), ("Microsoft 365 Copilot", "m365-copilot"), ("Perplexity", "perplexity")],
)
def test_app_names_from_identity_logs(app_name: str, service_id: str) -> None:
    found = CATALOGUE.match_name(app_name)
    assert found is not None and found.id == service_id


@pytest.mark.parametrize("app_name", ["Bard College", "Gemini Exchange", "Salesforce", "Slack", "Gmail Add-on", ""])
def test_other_app_names_do_not_match(app_name: str) -> None:
    assert CATALOGUE.match_name(app_name) is None


@pytest.mark.parametrize(
    ("label", "service_id"),
    [("openai-chatgpt", "chatgpt"), ("claude-upload", "claude"), ("claude-base", "claude"), ("google-gemini", "gemini"),
     ("google-bard", "gemini"), ("perplexity-ai", "perplexity"), ("ChatGPT", "chatgpt"), ("Hugging Face", "huggingface")],
)
def test_app_labels_from_firewalls_and_proxies(label: str, service_id: str) -> None:
    found = CATALOGUE.match_app(label)
    assert found is not None and found.id == service_id


@pytest.mark.parametrize("label", ["ssl", "web-browsing", "google-base", "pi-hole", "gemini-exchange", "Gemini",
                                   "openapis-portal", "claude-monet-upload", ""])
def test_other_app_labels_do_not_match(label: str) -> None:
    assert CATALOGUE.match_app(label) is None


def test_app_patterns_prefilter_every_alias() -> None:
    finder = LineFinder(CATALOGUE.app_patterns())
    for service in CATALOGUE:
        for label in service.apps:
            dashed = label.lower().replace(" ", "-")
            for line in (f'{{"appname":"{label}"}}', f"1,2,{dashed},x", f"1,2,{dashed}-upload,x"):
                assert len(dashed) < 4 or list(finder.lines(line.encode())), line
