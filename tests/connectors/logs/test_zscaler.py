from __future__ import annotations

from datetime import datetime, timezone

from tests.connectors.logs.conftest import by_app, issue_kinds, scan


def test_native_json_feed() -> None:
    result = scan("zscaler/web.jsonl")
    found = by_app(result.observations)
    assert set(found) == {
        ("chatgpt", "grace@acme.example"),
        ("claude", "heidi@acme.example"),
        ("github-copilot", "BUILD-07"),
    }
    chatgpt = found[("chatgpt", "grace@acme.example")]
    assert chatgpt.count == 2
    assert chatgpt.attributes["bytes_up"] == 5120 + 2400000
    assert chatgpt.attributes["bytes_down"] == 48211 + 812
    assert chatgpt.attributes["uploads"] == 1  # the 2.4 MB POST to /backend-api/files
    assert chatgpt.attributes["vendor_app"] == "ChatGPT"
    assert chatgpt.first_seen == datetime(2024, 6, 10, 8, 0, 1, tzinfo=timezone.utc)
    claude = found[("claude", "heidi@acme.example")]
    assert claude.confidence == "low" and claude.attributes["uploads"] == 1
    assert "abc123secretvalue" not in claude.evidence
    assert found[("github-copilot", "BUILD-07")].attributes["identity_kind"] == "device"
    assert issue_kinds(result) == {"malformed-lines": 1}  # the truncated Copilot line


def test_siem_style_field_names() -> None:
    found = by_app(scan("zscaler/web-siem.jsonl").observations)
    assert set(found) == {("perplexity", "judy@acme.example")}
    assert found[("perplexity", "judy@acme.example")].attributes["bytes_down"] == 30211


def test_base64_urls_are_decoded_and_not_missed_by_the_prefilter() -> None:
    result = scan("zscaler/web-b64.jsonl")
    found = by_app(result.observations)
    assert set(found) == {("claude", "kim@acme.example")}
    assert found[("claude", "kim@acme.example")].count == 2
    assert "s3cr3t" not in found[("claude", "kim@acme.example")].evidence
    assert issue_kinds(result) == {"malformed-lines": 1}


def test_headerless_csv_in_the_recommended_order() -> None:
    result = scan("zscaler/web.csv")
    found = by_app(result.observations)
    assert set(found) == {("midjourney", "leo@acme.example"), ("otter-ai", "leo@acme.example")}
    assert found[("otter-ai", "leo@acme.example")].attributes["uploads"] == 1
    assert issue_kinds(result) == {"malformed-lines": 1}


def test_csv_with_a_header(tmp_path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "export.csv"
    log.write_text(
        '"datetime","user","url","requestmethod","requestsize","responsesize","action"\n'
        '"2024-06-10 12:00:00","mia@acme.example","https://chat.deepseek.com/a","POST","100","200","Allowed"\n'
        '"2024-06-10 12:00:01","mia@acme.example","https://deepseek.com.evil.test/","GET","100","200","Allowed"\n'
    )
    from connectors.logs import LogConnector

    result = LogConnector().scan([str(log)])
    assert [(o.system_hint, o.identity) for o in result.observations] == [("deepseek", "mia@acme.example")]
    assert result.issues == []


def test_the_proxys_app_label_covers_hosts_the_catalogue_lacks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from connectors.logs import LogConnector
    from tests.connectors.logs.conftest import by_app

    def event(host: str, app: str, user: str) -> str:
        return ('{"sourcetype":"zscalernss-web","event":{"datetime":"2024-06-10 09:00:00","login":"%s",'
                '"eurl":"%s/c/1","reqmethod":"GET","respsize":"900","appname":"%s"}}' % (user, host, app))

    log = tmp_path / "web.jsonl"
    log.write_text("\n".join([
        event("chat.brand-new-openai-domain.example", "ChatGPT", "ana@acme.example"),  # new domain, known app
        event("www.site.example", "General Browsing", "ben@acme.example"),
        event("exchange.gemini.com", "Gemini", "cy@acme.example"),  # the crypto exchange: no such app alias
        event("chatgpt.com.phish.example", "General Browsing", "dee@acme.example"),  # look-alike, not labelled
    ]) + "\n")
    found = by_app(LogConnector().scan([str(log)]).observations)
    assert set(found) == {("chatgpt", "ana@acme.example")}
    assert found[("chatgpt", "ana@acme.example")].attributes["vendor_app"] == "ChatGPT"
