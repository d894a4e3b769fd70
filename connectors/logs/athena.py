"""`--athena DATABASE.TABLE`: the same detection as one read-only Athena query, so logs in S3 are
aggregated where they live and only (host, identity, counts) rows come back.

The SQL is built from validated identifiers and the catalogue's domains only (no user text is
interpolated), and it is a single SELECT. The returned hosts are matched again in Python with the
same suffix matcher as local files, so the two paths agree. boto3 is imported only here, lazily.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

from connectors.base import Connector, ProgressCallback, ScanResult, no_progress
from connectors.logs.attribution import Pseudonymiser
from connectors.logs.formats.base import parse_time
from connectors.logs.records import PLACEHOLDERS
from discovery.domains import AIService, ServiceCatalogue
from discovery.models import Location, Observation, ScanIssue, SourceKind

CONNECTOR = "logs"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: a column, or a field of a struct column (`srcids.instance`), as Athena's JSON SerDe exposes nested keys
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")

#: column names of common tables (as AWS's or the vendors' Athena DDL name them)
LAYOUTS: dict[str, dict[str, str]] = {
    "generic": {},
    "route53": {"host": "query_name", "device": "srcids.instance", "source": "srcaddr", "time": "query_timestamp"},
    "zscaler": {"host": "hostname", "user": "login", "device": "devicehostname", "source": "cip", "time": "datetime",
                "bytes-up": "reqsize", "bytes-down": "respsize"},
    "cloudflare-http": {"host": "httphost", "user": "email", "device": "devicename", "source": "sourceip",
                        "time": "datetime"},
    "cloudflare-dns": {"host": "queryname", "user": "email", "device": "devicename", "source": "srcip",
                       "time": "datetime"},
    "squid": {"url": "url", "user": "username", "source": "client_ip", "time": "time", "bytes-down": "bytes"},
}

#: The RegexSerDe `input.regex` of a table over Squid's native access log (docs/logs.md, "Athena"):
#: one group per column: time client_ip result bytes method url username (elapsed, hierarchy and
#: type are matched, not kept; a custom logformat may append more). Java's and RE2's syntax agree.
SQUID_REGEX = r"^(\S+)\s+\S+\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\S+\s+\S+.*$"
SQUID_COLUMNS = ("time", "client_ip", "result", "bytes", "method", "url", "username")


class AthenaSetupError(ValueError):
    pass


class AthenaQueryFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class AthenaTable:
    database: str
    table: str

    @classmethod
    def parse(cls, text: str) -> "AthenaTable":
        database, _, table = text.partition(".")
        if not (_IDENTIFIER.match(database) and _IDENTIFIER.match(table)):
            raise AthenaSetupError(f"--athena wants DATABASE.TABLE of letters, digits and _, not {text!r}")
        return cls(database, table)


def layout_columns(layout: str, overrides: Mapping[str, str]) -> dict[str, str]:
    if layout not in LAYOUTS:
        raise AthenaSetupError(f"unknown Athena layout {layout!r}; known: {', '.join(LAYOUTS)}")
    columns = {**LAYOUTS[layout], **overrides}
    for role, name in columns.items():
        if not _COLUMN.match(name):
            raise AthenaSetupError(f"column for {role} must be a plain identifier (or struct.field), not {name!r}")
    if "host" not in columns and "url" not in columns:
        raise AthenaSetupError("the Athena table needs a host or url column (--host-field/--url-field or a layout)")
    return columns


def domain_regex(catalogue: ServiceCatalogue) -> str:
    """One anchored regex over whole labels: `(^|\\.)(chatgpt\\.com|...)$`; `*` stays in one label."""
    parts = sorted({re.escape(d).replace(r"\*", "[a-z0-9-]*") for s in catalogue for d in s.domains})
    return r"(^|\.)(" + "|".join(parts) + r")$"


def build_query(table: AthenaTable, columns: Mapping[str, str], catalogue: ServiceCatalogue, since: datetime) -> str:
    """The read-only detection query: AI hosts per identity with counts, bytes and first/last seen."""
    col = lambda role: ".".join(f'"{part}"' for part in columns[role].split("."))  # noqa: E731 - validated
    if "host" in columns:
        host = f"lower(regexp_replace(CAST({col('host')} AS varchar), '\\.$', ''))"
    else:
        host = f"lower(regexp_extract(CAST({col('url')} AS varchar), '^(?:[A-Za-z]+://)?([^/:?#]+)', 1))"
    # The local parsers' order (user, then device, then address) and placeholders ('-', 'none'...)
    who = [_identity(col(r)) for r in ("user", "device", "source") if r in columns]
    identity = f"coalesce({', '.join(who)})" if who else "CAST(NULL AS varchar)"
    bytes_sum = lambda role: (  # noqa: E731
        f"sum(try_cast({col(role)} AS bigint))" if role in columns else "CAST(NULL AS bigint)"
    )
    select = [f"{host} AS host", f"{identity} AS identity", "count(*) AS hits"]
    where = [f"regexp_like({host}, '{domain_regex(catalogue)}')"]
    if "time" in columns:
        when = time_expression(col("time"))
        select += [f"min({when}) AS first_seen", f"max({when}) AS last_seen"]
        where.append(f"{when} >= from_iso8601_timestamp('{since.strftime('%Y-%m-%dT%H:%M:%SZ')}')")
    else:
        select += ["CAST(NULL AS timestamp) AS first_seen", "CAST(NULL AS timestamp) AS last_seen"]
    select += [f"{bytes_sum('bytes-up')} AS bytes_up", f"{bytes_sum('bytes-down')} AS bytes_down"]
    return (
        "SELECT " + ", ".join(select)
        + f' FROM "{table.database}"."{table.table}"'
        + " WHERE " + " AND ".join(where)
        + " GROUP BY 1, 2"
    )


def _identity(column: str) -> str:
    placeholders = ", ".join("'" + p.replace("'", "''") + "'" for p in sorted(PLACEHOLDERS))
    text = f"CAST({column} AS varchar)"
    return f"CASE WHEN lower(trim({text})) IN ('', {placeholders}) THEN NULL ELSE trim({text}) END"


#: epoch scale by magnitude, as parse_time reads local files: seconds below 1e10, then ms, µs, ns
EPOCH_SCALES = ((10**10, 1), (10**13, 10**3), (10**16, 10**6), (None, 10**9))


def time_expression(column: str) -> str:
    """The column as a timestamp, whichever way the table stores it.

    ISO 8601 text (Route 53, Cloudflare's RFC 3339 option), a Hive/Glue timestamp, epoch
    seconds, milliseconds, microseconds or nanoseconds as a number or numeric text (Cloudflare's
    unix and unixnano options, Zscaler's epochtime), or ctime text (Zscaler NSS's default). Each reading is wrapped in try(), so a value
    that fits none is NULL rather than a failed query.
    """
    text = f"CAST({column} AS varchar)"
    number = f"try_cast({text} AS double)"
    cases = " ".join(f"WHEN {number} < {limit} THEN {divisor}" for limit, divisor in EPOCH_SCALES if limit)
    epoch = f"from_unixtime({number} / CASE {cases} ELSE {EPOCH_SCALES[-1][1]} END)"
    ctime = f"date_parse({text}, '%a %b %d %H:%i:%s %Y')"  # Zscaler NSS's default `Mon Jun 10 08:00:01 2024`
    return (f"coalesce(try(from_iso8601_timestamp({text})), try(CAST({column} AS timestamp)), try({epoch}), "
            f"try({ctime}))")


class AthenaRunner:
    """Starts one query, waits for it, and pages through its rows as dicts."""

    def __init__(self, client: Any, *, workgroup: str = "primary", output_location: str | None = None,
                 poll_seconds: float = 1.0, timeout_seconds: float = 1800, sleep: Callable[[float], None] = time.sleep):
        self._client = client
        self._workgroup = workgroup
        self._output = output_location
        self._poll = poll_seconds
        self._timeout = timeout_seconds
        self._sleep = sleep

    def rows(self, sql: str, database: str) -> Iterator[dict[str, str | None]]:
        request: dict[str, Any] = {"QueryString": sql, "QueryExecutionContext": {"Database": database},
                                   "WorkGroup": self._workgroup}
        if self._output:
            request["ResultConfiguration"] = {"OutputLocation": self._output}
        query_id = self._client.start_query_execution(**request)["QueryExecutionId"]
        self._wait(query_id)
        token: str | None = None
        header: list[str] | None = None
        while True:
            page = self._client.get_query_results(
                QueryExecutionId=query_id, MaxResults=1000, **({"NextToken": token} if token else {})
            )
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row["Data"]]
                if header is None:
                    header = [str(v) for v in values]  # the first row of the first page names the columns
                    continue
                yield dict(zip(header, values, strict=False))
            token = page.get("NextToken")
            if not token:
                return

    def _wait(self, query_id: str) -> None:
        waited = 0.0
        while True:
            status = self._client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "CANCELLED"):
                raise AthenaQueryFailed(f"query {state.lower()}: {status.get('StateChangeReason', 'no reason given')}")
            if waited >= self._timeout:
                raise AthenaQueryFailed(f"query still {state.lower()} after {int(waited)} s")
            self._sleep(self._poll)
            waited += self._poll


class AthenaLogConnector(Connector):
    name: ClassVar[str] = CONNECTOR
    source: ClassVar[SourceKind] = SourceKind.LOGS

    def __init__(self, table: str, columns: Mapping[str, str], runner: AthenaRunner, *, days: int = 7,
                 catalogue: ServiceCatalogue | None = None, extra_services: Iterable[Mapping[str, Any]] = (),
                 pseudonymise_key: str | None = None, now: Callable[[], datetime] | None = None) -> None:
        self.table = AthenaTable.parse(table)
        self.columns = dict(columns)
        self.catalogue = catalogue or ServiceCatalogue.load(extra_services)
        self._runner = runner
        self._days = days
        self._pseudonymise = Pseudonymiser(pseudonymise_key) if pseudonymise_key else None
        self._now = now or (lambda: datetime.now(timezone.utc))

    @classmethod
    def from_profile(cls, table: str, columns: Mapping[str, str], *, profile: str | None, region: str | None,
                     workgroup: str, output_location: str | None, days: int, **options: Any) -> "AthenaLogConnector":
        import boto3  # lazily: only --athena needs it

        session = boto3.session.Session(profile_name=profile, region_name=region)
        runner = AthenaRunner(session.client("athena"), workgroup=workgroup, output_location=output_location)
        return cls(table, columns, runner, days=days, **options)

    def query(self) -> str:
        return build_query(self.table, self.columns, self.catalogue, self._now() - timedelta(days=self._days))

    def scan(self, targets: Sequence[str], progress: ProgressCallback = no_progress) -> ScanResult:
        target = f"athena://{self.table.database}.{self.table.table}"
        result = ScanResult(targets=[target])
        progress(target, 0, None)
        try:
            rows = list(self._runner.rows(self.query(), self.table.database))
        except AthenaQueryFailed as exc:
            result.issues.append(ScanIssue(connector=CONNECTOR, target=target, kind="failed", message=str(exc)))
            return result
        except Exception as exc:  # botocore ClientError and friends, without importing botocore here
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            kind = "access-denied" if "AccessDenied" in str(code) else "unavailable"
            result.issues.append(ScanIssue(connector=CONNECTOR, target=target, kind=kind, message=f"{code}: {exc}"))
            return result
        result.observations.extend(self._observations(rows, target))
        result.count("athena_rows", len(rows))
        return result

    def _observations(self, rows: Iterable[Mapping[str, str | None]], target: str) -> list[Observation]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            service = self.catalogue.match(row.get("host") or "")
            if service is None:
                continue  # the SQL regex is a prefilter; the suffix matcher has the last word
            identity = row.get("identity") or ""
            if identity and self._pseudonymise is not None:
                identity = self._pseudonymise(identity)
            agg = merged.setdefault((service.id, identity), {"service": service, "hits": 0, "hosts": [], "first": None,
                                                            "last": None, "up": None, "down": None})
            agg["hits"] += int(row.get("hits") or 0)
            if row.get("host") not in agg["hosts"]:
                agg["hosts"].append(row.get("host"))
            for key, column, pick in (("first", "first_seen", min), ("last", "last_seen", max)):
                when = parse_time(row.get(column))
                if when is not None:
                    agg[key] = when if agg[key] is None else pick(agg[key], when)
            for key, column in (("up", "bytes_up"), ("down", "bytes_down")):
                if row.get(column) not in (None, ""):
                    agg[key] = (agg[key] or 0) + int(float(str(row.get(column))))
        return [self._observation(identity, agg, target) for (_sid, identity), agg in sorted(merged.items())]

    def _observation(self, identity: str, agg: Mapping[str, Any], target: str) -> Observation:
        service: AIService = agg["service"]
        attributes: dict[str, str | int | float | bool] = {
            "app": service.name, "vendor": service.vendor, "category": service.kind_label, "log_format": "athena",
            "hosts": ",".join(agg["hosts"][:5]), "pseudonymised": self._pseudonymise is not None,
        }
        if agg["up"] is not None:
            attributes["bytes_up"] = agg["up"]
        if agg["down"] is not None:
            attributes["bytes_down"] = agg["down"]
        return Observation(
            source=SourceKind.LOGS, connector=CONNECTOR, signal=f"ai-service:{service.id}", provider=service.provider,
            category=service.category, target=target, location=Location(log_file=target), identity=identity or None,
            evidence=f"Athena {self.table.database}.{self.table.table}: {agg['hits']} request(s) to "
                     f"{', '.join(agg['hosts'][:3])}",
            confidence=service.default_confidence,
            first_seen=agg["first"], last_seen=agg["last"], count=agg["hits"], system_hint=service.id,
            attributes=attributes,
        )
