from __future__ import annotations

import pytest

from connectors.logs import LogConnector
from tests.connectors.logs.conftest import FIXTURES, by_app, issue_kinds


def test_csv_with_named_columns() -> None:
    connector = LogConnector(generic_fields={"host": "dest", "user": "who", "time": "ts", "bytes-up": "sent",
                                             "bytes-down": "received"})
    result = connector.scan([str(FIXTURES / "generic/gateway.csv")])
    found = by_app(result.observations)
    assert set(found) == {("mistral-le-chat", "nora"), ("groq", "svc-batch")}
    assert found[("groq", "svc-batch")].attributes["bytes_up"] == 40000
    assert issue_kinds(result) == {"malformed-lines": 1}


def test_nested_json_keys() -> None:
    connector = LogConnector(generic_fields={"url": "req.url", "method": "req.method", "user": "actor.email",
                                             "time": "ts"})
    found = by_app(connector.scan([str(FIXTURES / "generic/events.jsonl")]).observations)
    assert set(found) == {("cohere", "omar@acme.example")}


def test_a_renamed_column_is_an_error_not_zero_results() -> None:
    connector = LogConnector(generic_fields={"host": "destination_host", "user": "who"})
    result = connector.scan([str(FIXTURES / "generic/gateway.csv")])
    assert issue_kinds(result) == {"unknown-format": 1}
    assert "destination_host" in result.issues[0].message


def test_bad_mappings_are_refused() -> None:
    with pytest.raises(ValueError):
        LogConnector(generic_fields={"user": "who"})
    with pytest.raises(ValueError):
        LogConnector(generic_fields={"host": "h", "colour": "c"})
