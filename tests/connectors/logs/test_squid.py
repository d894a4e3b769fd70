from __future__ import annotations

from datetime import datetime, timezone

from tests.connectors.logs.conftest import by_app, issue_kinds, scan


def test_native_attributes_ai_lines_per_app_and_identity() -> None:
    result = scan("squid/access.log")
    found = by_app(result.observations)
    assert set(found) == {
        ("chatgpt", "alice.wong"),
        ("anthropic-api", "bob.ng"),
        ("claude", "carol"),
        ("aws-bedrock", "10.20.0.16"),
    }
    chatgpt = found[("chatgpt", "alice.wong")]
    assert chatgpt.count == 3  # chatgpt.com twice and its file host once: one app, one person
    assert chatgpt.provider == "openai"
    assert chatgpt.first_seen == datetime.fromtimestamp(1718000000.101, tz=timezone.utc)
    assert chatgpt.last_seen == datetime.fromtimestamp(1718000016.555, tz=timezone.utc)
    assert chatgpt.attributes["bytes_down"] == 48211 + 90211 + 31002
    assert chatgpt.attributes["hosts"] == "chatgpt.com,files.oaiusercontent.com"
    assert chatgpt.location.log_line == 1
    assert found[("aws-bedrock", "10.20.0.16")].attributes["identity_kind"] == "address"


def test_decoys_are_not_attributed() -> None:
    result = scan("squid/access.log")
    hosts = ",".join(str(o.attributes.get("hosts")) for o in result.observations)
    for decoy in ("gemini.com", "bard.edu", "openapis.org", "phish", "notopenai"):
        assert decoy not in hosts


def test_blocked_only_use_is_a_low_confidence_lead() -> None:
    claude = by_app(scan("squid/access.log").observations)[("claude", "carol")]
    assert claude.confidence == "low"
    assert claude.attributes["blocked"] == 1


def test_query_strings_never_reach_evidence() -> None:
    api = by_app(scan("squid/access.log").observations)[("anthropic-api", "bob.ng")]
    assert "beta=true" not in api.evidence
    assert "/v1/messages?…" in api.evidence


def test_malformed_lines_are_counted_not_fatal() -> None:
    result = scan("squid/access.log")
    assert issue_kinds(result) == {"malformed-lines": 1}
    issue = result.issues[0]
    assert issue.severity == "warning" and "line 11" in issue.message
    assert result.counts["lines"] == 13


def test_combined_format() -> None:
    result = scan("squid/combined.log")
    found = by_app(result.observations)
    assert set(found) == {("gemini", "erin"), ("mistral-api", "10.30.0.22"), ("perplexity", "frank")}
    assert found[("mistral-api", "10.30.0.22")].first_seen == datetime(2024, 6, 10, 5, 15, 45, tzinfo=timezone.utc)
    assert issue_kinds(result) == {"malformed-lines": 1}
