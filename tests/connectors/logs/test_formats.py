"""Each format: auto-detected, AI lines attributed, look-alike decoys not, malformed lines counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.logs import LogConnector
from tests.connectors.logs.conftest import by_app, issue_kinds, scan

CASES = [
    # fixture, detected format, expected (app, identity) pairs, malformed lines
    ("cloudflare/gateway-http.jsonl", "cloudflare", {("claude", "ana@acme.example"), ("deepseek", "pc-ben")}, 1),
    ("cloudflare/gateway-dns.jsonl", "cloudflare", {("gemini", "ana@acme.example")}, 0),
    ("netskope/transactions.jsonl", "netskope", {("chatgpt", "carl@acme.example"), ("openai-api", "10.60.0.8")}, 1),
    ("netskope/events.jsonl", "netskope", {("perplexity", "dina@acme.example")}, 0),
    ("umbrella/dns.csv", "umbrella", {("anthropic-api", "eve-laptop"), ("character-ai", "eve-laptop")}, 1),
    ("umbrella/proxy.csv", "umbrella", {("mistral-api", "fred-pc")}, 0),
    ("route53/resolver.jsonl", "route53", {("aws-bedrock", "i-0abc123"), ("openai-api", "10.80.0.16")}, 0),
    ("zeek/dns.log", "zeek", {("huggingface", "10.90.0.5")}, 1),
    ("zeek/ssl.jsonl", "zeek", {("cursor", "10.90.0.7")}, 0),
    ("okta/system-log.jsonl", "okta", {("chatgpt", "gina@acme.example"), ("otter-ai", "hank@acme.example")}, 1),
    ("gworkspace/activities.jsonl", "gworkspace",
     {("gemini-workspace", "ivy@acme.example"), ("fireflies-ai", "ivy@acme.example")}, 1),
    ("m365/audit.jsonl", "m365", {("m365-copilot", "jack@acme.example"), ("m365-copilot", "kate@acme.example")}, 1),
    ("cloudtrail/trail.json", "cloudtrail",
     {("aws-bedrock", "arn:aws:iam::111122223333:role/summariser"),
      ("aws-sagemaker", "arn:aws:iam::111122223333:user/lab")}, 0),
    ("azure_openai/requests.jsonl", "azure-openai", {("azure-openai", "5f0c-app-reg")}, 0),
    ("vendor_audit/openai-audit.jsonl", "openai-audit", {("openai-api", "leo@acme.example")}, 1),
    ("vendor_audit/anthropic-activity.jsonl", "anthropic-audit",
     {("claude", "mona@acme.example"), ("anthropic-api", "mona@acme.example")}, 0),
    ("panos/url.log", "panos", {("perplexity", "nina"), ("deepseek", "10.120.0.6")}, 1),
    ("panos/traffic.log", "panos", {("chatgpt", "omar"), ("claude", "10.120.0.22"), ("gemini", "pia")}, 1),
]


@pytest.mark.parametrize(("fixture", "log_format", "pairs", "malformed"), CASES, ids=[c[0] for c in CASES])
def test_format(fixture: str, log_format: str, pairs: set[tuple[str, str]], malformed: int) -> None:
    result = scan(fixture)
    assert result.counts.get(f"format:{log_format}") == 1, result.counts
    assert set(by_app(result.observations)) == pairs
    assert issue_kinds(result) == ({"malformed-lines": malformed} if malformed else {})


def test_models_and_categories_from_audit_logs() -> None:
    trail = by_app(scan("cloudtrail/trail.json").observations)
    bedrock = trail[("aws-bedrock", "arn:aws:iam::111122223333:role/summariser")]
    assert bedrock.model == "anthropic.claude-3-haiku-20240307-v1:0"
    assert bedrock.category == "cloud-ai-service" and bedrock.signal == "cloudtrail:InvokeModel"
    assert by_app(scan("m365/audit.jsonl").observations)[("m365-copilot", "jack@acme.example")].model == "gpt-4o"
    assert by_app(scan("azure_openai/requests.jsonl").observations)[("azure-openai", "5f0c-app-reg")].model == "gpt-4o"


def test_uploads_flagged_from_format_fields() -> None:
    cloudflare = by_app(scan("cloudflare/gateway-http.jsonl").observations)
    assert cloudflare[("claude", "ana@acme.example")].attributes["uploads"] == 1
    netskope = by_app(scan("netskope/transactions.jsonl").observations)
    assert netskope[("openai-api", "10.60.0.8")].attributes["uploads"] == 1
    assert netskope[("chatgpt", "carl@acme.example")].attributes["uploads"] == 0


def test_cloudflare_epoch_seconds_and_nanoseconds() -> None:
    found = by_app(scan("cloudflare/gateway-http.jsonl").observations)
    deepseek = found[("deepseek", "pc-ben")]
    assert deepseek.first_seen is not None and deepseek.first_seen.isoformat() == "2024-06-10T14:02:00+00:00"
    assert deepseek.confidence == "low"  # blocked


def test_panos_traffic_is_matched_by_app_id() -> None:
    found = by_app(scan("panos/traffic.log").observations)
    claude = found[("claude", "10.120.0.22")]
    assert claude.attributes["uploads"] == 1 and claude.attributes["bytes_up"] == 2_400_000  # child App-ID claude-upload
    assert found[("chatgpt", "omar")].attributes["bytes_down"] == 88_000
    assert found[("gemini", "pia")].confidence == "low"  # denied by policy


def test_cloudtrail_lines_are_described_not_cut(tmp_path: Path) -> None:
    """A CloudTrail event's head is its envelope (version, caller): the evidence names the call."""
    import json

    event = {"eventVersion": "1.09", "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:iam::1:role/r/s",
                                                       "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/r"}},
                                                       "principalId": "AROAEXAMPLE:s" + "x" * 300},
             "eventTime": "2025-01-01T00:00:00Z", "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel",
             "requestParameters": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"}}
    log = tmp_path / "trail.jsonl"
    log.write_text(json.dumps(event) + "\n", encoding="utf-8")
    (observation,) = LogConnector().scan([str(log)]).observations
    assert "InvokeModel" in observation.evidence and "anthropic.claude-3-haiku" in observation.evidence
    assert "eventVersion" not in observation.evidence
