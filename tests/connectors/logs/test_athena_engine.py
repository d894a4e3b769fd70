"""The Athena pushdown SQL run on a real engine: transpiled from Athena's (Trino) dialect by sqlglot,
executed by DuckDB over the same sample logs the local scanner reads; both paths must detect the
same AI use (app, identity, requests, first and last seen, bytes) for every layout Athena supports.

Each table is built as Athena's DDL for the source would expose it (docs/logs.md, "Athena"): JSON
logs by their keys, Squid through the RegexSerDe expression documented there, CSV by its header.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from connectors.logs.athena import LAYOUTS, SQUID_COLUMNS, SQUID_REGEX, AthenaLogConnector, layout_columns
from connectors.logs.connector import LogConnector
from discovery.models import Observation

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "logs"
NOW = datetime(2030, 1, 1, tzinfo=timezone.utc)
DAYS = 3650  # every sample falls inside the window


def _json_table(path: Path, nested: str | None = None) -> str:
    source = f"read_json('{path}', format='newline_delimited', ignore_errors=true)"
    return f"SELECT unnest({nested}) FROM {source}" if nested else f"SELECT * FROM {source}"


def _squid_table(path: Path) -> str:
    lines = f"read_csv('{path}', columns={{'line': 'VARCHAR'}}, delim='\\x01', quote='', escape='', header=false, ignore_errors=true)"
    names = SQUID_COLUMNS
    pattern = SQUID_REGEX.replace("'", "''")
    fields = ", ".join(f"regexp_extract(line, '{pattern}', {i}) AS {name}" for i, name in enumerate(names, start=1))
    return f"SELECT {fields} FROM {lines} WHERE regexp_matches(line, '{pattern}')"


def _csv_table(path: Path) -> str:
    return f"SELECT * FROM read_csv('{path}', header=true, all_varchar=true, ignore_errors=true)"


#: (id, layout, column overrides as a user passes them, the sample file, how Athena's table reads it)
CASES: list[tuple[str, str, dict[str, str], Path, str]] = [
    ("route53", "route53", {}, FIXTURES / "route53/resolver.jsonl", _json_table(FIXTURES / "route53/resolver.jsonl")),
    ("zscaler-nss", "zscaler", {"source": "clientip"}, ROOT / "examples/acme/logs/zscaler-web.json",
     _json_table(ROOT / "examples/acme/logs/zscaler-web.json", "event")),
    # the SIEM feed names its columns differently and logs no device: the user maps them, as --*-field does
    ("zscaler-siem", "zscaler", {"user": "user", "device": "clientip", "source": "clientip",
                                 "bytes-up": "requestsize", "bytes-down": "responsesize"}, FIXTURES / "zscaler/web-siem.jsonl",
     _json_table(FIXTURES / "zscaler/web-siem.jsonl")),
    ("cloudflare-http", "cloudflare-http", {}, FIXTURES / "cloudflare/gateway-http.jsonl",
     _json_table(FIXTURES / "cloudflare/gateway-http.jsonl")),
    ("cloudflare-dns", "cloudflare-dns", {}, FIXTURES / "cloudflare/gateway-dns.jsonl",
     _json_table(FIXTURES / "cloudflare/gateway-dns.jsonl")),
    ("squid-fixture", "squid", {}, FIXTURES / "squid/access.log", _squid_table(FIXTURES / "squid/access.log")),
    ("squid-example", "squid", {}, ROOT / "examples/acme/logs/squid-access.log",
     _squid_table(ROOT / "examples/acme/logs/squid-access.log")),
    ("generic-csv", "generic", {"host": "dest", "user": "who", "time": "ts", "bytes-up": "sent", "bytes-down": "received"},
     FIXTURES / "generic/gateway.csv", _csv_table(FIXTURES / "generic/gateway.csv")),
]


class DuckDBRunner:
    """An AthenaRunner stand-in that transpiles the query and runs it on DuckDB; rows come back as
    Athena returns them (every value a string, or None)."""

    def __init__(self, database: str, table: str, select: str) -> None:
        self.connection = duckdb.connect()
        self.connection.execute("SET TimeZone = 'UTC'")
        self.connection.execute(f'CREATE SCHEMA "{database}"')
        self.connection.execute(f'CREATE TABLE "{database}"."{table}" AS {select}')
        self.queries: list[str] = []

    def rows(self, sql: str, database: str) -> list[dict[str, str | None]]:
        self.queries.append(sql)
        (duck_sql,) = sqlglot.transpile(sql, read="athena", write="duckdb")
        cursor = self.connection.execute(duck_sql)
        names = [d[0] for d in cursor.description]
        return [{n: None if v is None else _athena_text(v) for n, v in zip(names, row, strict=True)}
                for row in cursor.fetchall()]


def _athena_text(value: Any) -> str:
    if isinstance(value, datetime):  # Athena prints timestamps as `2024-06-10 18:00:00.000`
        value = value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
        return value.isoformat(sep=" ", timespec="milliseconds")
    return str(value)


def _detections(observations: list[Observation]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(app, identity) → requests, first and last seen (to the second), bytes up and down."""
    merged: dict[tuple[str, str], list[Any]] = {}
    for o in observations:
        key = (o.signal, o.identity or "")
        seen = merged.setdefault(key, [0, None, None, None, None])
        seen[0] += o.count
        for index, when, pick in ((1, o.first_seen, min), (2, o.last_seen, max)):
            if when is not None:
                when = when.replace(microsecond=0)
                seen[index] = when if seen[index] is None else pick(seen[index], when)
        for index, name in ((3, "bytes_up"), (4, "bytes_down")):
            value = o.attributes.get(name)
            if value is not None:
                seen[index] = (seen[index] or 0) + int(value)
    return {key: tuple(value) for key, value in merged.items()}


def test_every_athena_layout_has_a_case() -> None:
    assert {layout for _id, layout, *_rest in CASES} == set(LAYOUTS)


@pytest.mark.parametrize(("layout", "overrides", "sample", "select"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_athena_sql_on_duckdb_agrees_with_the_local_scanner(
    layout: str, overrides: dict[str, str], sample: Path, select: str
) -> None:
    runner = DuckDBRunner("netlogs", "access", select)
    athena = AthenaLogConnector("netlogs.access", layout_columns(layout, overrides), runner,  # type: ignore[arg-type]
                                days=DAYS, now=lambda: NOW).scan([])
    generic = {k: v for k, v in overrides.items() if k in ("host", "user", "time", "bytes-up", "bytes-down")}
    local = LogConnector(generic_fields=generic if layout == "generic" else None).scan([str(sample)])
    assert not athena.issues and not [i for i in local.issues if i.severity.value == "error"]
    remote, here = _detections(athena.observations), _detections(local.observations)
    assert here, "the sample has AI use"
    assert remote == here
    assert runner.queries and runner.queries[0].startswith("SELECT ")
