"""Athena: the query builder, and a full run against recorded responses (botocore Stubber)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from botocore.stub import ANY, Stubber

from connectors.logs.athena import (
    AthenaLogConnector,
    AthenaRunner,
    AthenaSetupError,
    AthenaTable,
    build_query,
    domain_regex,
    layout_columns,
)
from discovery.domains import ServiceCatalogue

CASSETTE = Path(__file__).resolve().parents[2] / "cassettes" / "athena_route53.json"
NOW = datetime(2024, 6, 11, tzinfo=timezone.utc)
QUERY_ID = "5d2c1f8e-0000-4000-8000-00000000aims"


def _client():  # type: ignore[no-untyped-def]
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="eu-west-1").client("athena")


def _stubbed(client, *, fail: str | None = None) -> Stubber:  # type: ignore[no-untyped-def]
    recorded = json.loads(CASSETTE.read_text())
    stub = Stubber(client)
    stub.add_response("start_query_execution", recorded["start_query_execution"],
                      {"QueryString": ANY, "QueryExecutionContext": {"Database": "netlogs"}, "WorkGroup": "primary"})
    if fail:
        stub.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "FAILED",
                                                                                  "StateChangeReason": fail}}},
                          {"QueryExecutionId": QUERY_ID})
        return stub
    for response in recorded["get_query_execution"]:
        stub.add_response("get_query_execution", response, {"QueryExecutionId": QUERY_ID})
    stub.add_response("get_query_results", recorded["get_query_results"][0],
                      {"QueryExecutionId": QUERY_ID, "MaxResults": 1000})
    stub.add_response("get_query_results", recorded["get_query_results"][1],
                      {"QueryExecutionId": QUERY_ID, "MaxResults": 1000, "NextToken": "page-2"})
    return stub


def _connector(client, **options):  # type: ignore[no-untyped-def]
    runner = AthenaRunner(client, sleep=lambda _s: None)
    return AthenaLogConnector("netlogs.resolver_queries", layout_columns("route53", {}), runner, now=lambda: NOW,
                              **options)


def test_query_is_one_read_only_select_over_the_catalogue() -> None:
    sql = build_query(AthenaTable.parse("netlogs.resolver_queries"), layout_columns("route53", {}),
                      ServiceCatalogue.load(), datetime(2024, 6, 4, tzinfo=timezone.utc))
    assert sql.startswith("SELECT ") and ";" not in sql
    assert 'FROM "netlogs"."resolver_queries"' in sql
    assert "regexp_replace(CAST(\"query_name\" AS varchar), '\\.$', '')" in sql  # Route 53's trailing dot
    assert "from_iso8601_timestamp('2024-06-04T00:00:00Z')" in sql
    assert sql.endswith("GROUP BY 1, 2")
    for word in ("INSERT", "DELETE", "DROP", "CREATE", "UNLOAD", "ALTER"):
        assert not re.search(rf"\b{word}\b", sql.upper())  # (clipdrop.co is a domain, not a verb)


def test_domain_regex_anchors_whole_labels() -> None:
    rx = re.compile(domain_regex(ServiceCatalogue.load()))
    assert rx.search("chatgpt.com") and rx.search("ab.chatgpt.com")
    assert rx.search("bedrock-runtime.us-east-1.amazonaws.com")
    assert not rx.search("notchatgpt.com") and not rx.search("gemini.com") and not rx.search("openapis.org")


@pytest.mark.parametrize("bad", ["netlogs", "net-logs.t", "db.t; DROP TABLE x", "db.t\"x"])
def test_identifiers_are_validated(bad: str) -> None:
    with pytest.raises(AthenaSetupError):
        AthenaTable.parse(bad)


def test_columns_are_validated() -> None:
    with pytest.raises(AthenaSetupError):
        layout_columns("generic", {"host": "h; drop"})
    with pytest.raises(AthenaSetupError):
        layout_columns("generic", {"user": "u"})


def test_recorded_run_attributes_and_pages() -> None:
    client = _client()
    with _stubbed(client) as stub:
        result = _connector(client).scan([])
        stub.assert_no_pending_responses()
    found = {(o.system_hint, o.identity): o for o in result.observations}
    assert set(found) == {("openai-api", "10.0.3.17"), ("aws-bedrock", "10.0.3.17"), ("chatgpt", "10.0.9.5")}
    api = found[("openai-api", "10.0.3.17")]
    assert api.count == 412 and api.provider == "openai"
    assert api.first_seen == datetime(2024, 6, 4, 7, 12, tzinfo=timezone.utc)
    assert result.targets == ["athena://netlogs.resolver_queries"]
    assert result.issues == []


def test_failed_query_is_an_error_issue() -> None:
    client = _client()
    with _stubbed(client, fail="TABLE_NOT_FOUND: line 1:8: Table does not exist") as _stub:
        result = _connector(client).scan([])
    assert [(i.kind, i.severity) for i in result.issues] == [("failed", "error")]
    assert "TABLE_NOT_FOUND" in result.issues[0].message


def test_access_denied_is_an_error_issue() -> None:
    client = _client()
    stub = Stubber(client)
    stub.add_client_error("start_query_execution", service_error_code="AccessDeniedException",
                          service_message="not authorized to perform: athena:StartQueryExecution")
    with stub:
        result = _connector(client).scan([])
    assert [i.kind for i in result.issues] == ["access-denied"]


def test_pseudonymised_identities() -> None:
    client = _client()
    with _stubbed(client):
        result = _connector(client, pseudonymise_key="k").scan([])
    assert all(o.identity and o.identity.startswith("anon-") for o in result.observations)


@pytest.mark.parametrize("stamp", ["1718000000", "1718000000123", "1718000000123456", "1718000000123456789",
                                   "1718000000.5"])
def test_epoch_time_columns_scale_as_local_files_do(stamp: str) -> None:
    """The SQL picks the epoch unit by magnitude with the same limits parse_time uses on files."""
    from connectors.logs.athena import time_expression
    from connectors.logs.formats.base import parse_time

    sql = time_expression('"datetime"')
    cases = [(int(limit), int(divisor)) for limit, divisor in re.findall(r"< (\d+) THEN (\d+)", sql)]
    fallback = int(re.search(r"ELSE (\d+) END", sql).group(1))  # type: ignore[union-attr]
    number = float(stamp)
    divisor = next((d for limit, d in cases if number < limit), fallback)
    expected = parse_time(stamp)
    assert expected is not None and abs(number / divisor - expected.timestamp()) < 1e-3
    assert "try(from_iso8601_timestamp(" in sql and "try(CAST(\"datetime\" AS timestamp))" in sql


def test_time_columns_use_every_reading_in_the_query() -> None:
    sql = build_query(AthenaTable.parse("net.cf_http"), layout_columns("cloudflare-http", {}),
                      ServiceCatalogue.load(), datetime(2024, 6, 4, tzinfo=timezone.utc))
    assert sql.count("from_unixtime(") == 3  # first seen, last seen, and the time window
