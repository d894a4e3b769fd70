"""Netskope CSV: log-streaming web transactions (W3C-style header) and Skope IT event exports."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from connectors.logs import LogConnector
from connectors.logs.formats.netskope import NetskopeFormat
from connectors.logs.records import MalformedLine
from tests.connectors.logs.conftest import FIXTURES, by_app, fits, issue_kinds, reader, reads, scan



def test_transaction_csv() -> None:
    result = scan("netskope/transactions.csv")
    assert result.counts["format:netskope"] == 1
    found = by_app(result.observations)
    # decoys not attributed: www.gemini.com, www.bard.edu, spec.openapis.org, chatgpt.com.evil.test
    assert set(found) == {("chatgpt", "omar@acme.example"), ("claude", "pia@acme.example"), ("gemini", "10.61.0.9")}
    assert issue_kinds(result) == {"malformed-lines": 1}  # the row cut short; the repeated header is not counted
    chatgpt = found[("chatgpt", "omar@acme.example")]
    assert chatgpt.count == 2 and chatgpt.attributes["uploads"] == 0
    assert chatgpt.first_seen == datetime(2024, 6, 11, 9, 0, tzinfo=timezone.utc)  # `date` + `time` columns
    assert chatgpt.attributes["bytes_up"] == 3100 + 1100 and chatgpt.attributes["vendor_app"] == "ChatGPT"
    assert "model=auto" not in chatgpt.evidence
    claude = found[("claude", "pia@acme.example")]
    assert claude.attributes["uploads"] == 1  # x-cs-app-activity Upload (48 kB: below the size rule)
    gemini = found[("gemini", "10.61.0.9")]
    assert gemini.attributes["identity_kind"] == "address" and gemini.confidence == "low"  # `-` user, blocked


def test_skope_it_event_export() -> None:
    result = scan("netskope/events.csv")
    assert result.counts["format:netskope"] == 1
    found = by_app(result.observations)
    # decoys not attributed: www.gemini.com, www.bard.edu, www.openapis.org, chatgpt.com.evil.test
    assert set(found) == {("chatgpt", "quinn@acme.example"), ("claude", "quinn@acme.example"), ("gemini", "LT-0977")}
    # a URL without a host, a row missing a column; the repeated header is not counted
    assert issue_kinds(result) == {"malformed-lines": 2}
    assert found[("chatgpt", "quinn@acme.example")].attributes["uploads"] == 1  # Activity "Upload"
    assert found[("chatgpt", "quinn@acme.example")].attributes["bytes_up"] == 52000
    assert found[("claude", "quinn@acme.example")].attributes["uploads"] == 0
    assert found[("gemini", "LT-0977")].attributes["identity_kind"] == "device"  # no user: the Hostname column


def test_streaming_header_in_its_own_order_and_case(tmp_path: Path) -> None:
    log = tmp_path / "webtx.csv"
    log.write_text(
        "bytes,C-IP,cs-host,CS-USERNAME,date,time,x-cs-access-method,x-cs-app,x-cs-app-activity,x-cs-url\n"
        "5200,10.63.0.2,,uma@acme.example,2024-06-11,12:00:00,Client,Claude,Upload,https://claude.ai/upload?x=1\n"
        "900,10.63.0.2,www.bard.edu,uma@acme.example,2024-06-11,12:00:01,Client,-,Browse,https://www.bard.edu/\n"
    )
    result = LogConnector().scan([str(log)])
    assert result.counts["format:netskope"] == 1
    found = by_app(result.observations)
    assert set(found) == {("claude", "uma@acme.example")}  # the host from x-cs-url when cs-host is empty
    assert found[("claude", "uma@acme.example")].attributes["uploads"] == 1
    assert result.issues == []
    fmt = NetskopeFormat()
    fmt.begin(log.read_text().splitlines())
    assert fmt.line_shape.startswith(rb'"?(?:\d+|-)"?(?:,')  # a counter comes first in this stream


@pytest.mark.parametrize(
    "header",
    [
        "time,user,url,action,reqmethod",  # Zscaler-style export
        "date,time,cs-host,cs-uri,cs-username,c-ip,cs-method",  # W3C names, but no Netskope extension
        "Date,User,Application,URL,Action",  # app and URL, but nothing only Netskope writes
        "Access Method,Application,User",  # Netskope labels, but no URL or domain to read
    ],
)
def test_sniff_wants_netskope_columns(header: str) -> None:
    assert not NetskopeFormat.sniff([header, "a,b,c"])


@pytest.mark.parametrize(
    "header",
    [
        "date,time,cs-username,cs-host,cs-uri,x-cs-app",
        '"Timestamp","User","App","URL","Access Method","Source IP"',
        "\ufefftimestamp,user,app,url,domain,srcip,ccl",  # API field names; an Excel BOM
    ],
)
def test_sniff_accepts_netskope_headers(header: str) -> None:
    assert NetskopeFormat.sniff([header])


def test_repeated_header_is_not_an_event_and_short_rows_are_malformed() -> None:
    fmt, lines = reader("netskope/events.csv", NetskopeFormat)
    assert fmt.parse(lines[0].decode()) is None
    with pytest.raises(MalformedLine, match="columns"):
        fmt.parse("2024-06-11 10:05:00,rosa@acme.example,Claude")
    with pytest.raises(MalformedLine, match="host"):
        fmt.parse("2024-06-11 10:05:00,rosa@acme.example,Claude,Browse,allow,Client,,,10.0.0.1,LT-1,Mac Device,1,2")


@pytest.mark.parametrize("fixture", ["netskope/transactions.csv", "netskope/events.csv"])
def test_csv_line_shape(fixture: str) -> None:
    fmt, lines = reader(fixture, NetskopeFormat)
    good = [line for line in lines[1:] if reads(fmt, line) and fmt.parse(line.decode()) is not None]  # not headers
    assert good and all(re.match(fmt.line_shape, line) for line in good)
    # a row cut short, the tail of a row broken over two lines, a torn write, a stray word
    for bad in (good[0][: len(good[0]) // 2], b'ion?model=auto,Client,ChatGPT,Post,Windows Device,allow',
                b"\x00\x00\x17\x03", b"garbage"):
        assert not re.match(fmt.line_shape, bad)


def test_json_line_shape() -> None:
    for fixture in ("netskope/transactions.jsonl", "netskope/events.jsonl"):
        fmt, lines = reader(fixture, NetskopeFormat)
        good = [line for line in lines if reads(fmt, line)]
        assert good and all(fits(fmt, line) for line in good)
        assert not fits(fmt, good[0][:-20])  # cut short
        assert not fits(fmt, b'"cs-username":"carl@acme.example","date":"2024-06-10"}')
        assert not fits(fmt, b"2024-06-10,16:00:00,chatgpt.com")
