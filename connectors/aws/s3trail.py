"""Read a CloudTrail trail's log files from S3 (--cloudtrail-s3 s3://bucket/prefix).

This is the only way to see data events (InvokeAgent, Retrieve, InvokeEndpoint ...), which
LookupEvents never returns. The layout CloudTrail writes is
`<prefix>/AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`,
so we list one day prefix at a time rather than the whole bucket history.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from connectors.aws.cloudtrail import UsageAggregator
from connectors.aws.coverage import CoverageStatus
from connectors.aws.reader import ServiceReader

_ACCOUNT = re.compile(r"^\d{12}$")


class TrailUriError(ValueError):
    pass


@dataclass(frozen=True)
class TrailLocation:
    bucket: str
    prefix: str  # "" or ending with "/"

    @classmethod
    def parse(cls, uri: str) -> "TrailLocation":
        if not uri.startswith("s3://"):
            raise TrailUriError(f"expected s3://bucket/prefix, got {uri!r}")
        bucket, _, prefix = uri[5:].partition("/")
        if not bucket:
            raise TrailUriError(f"no bucket in {uri!r}")
        prefix = prefix.strip("/")
        return cls(bucket, prefix + "/" if prefix else "")


@dataclass(frozen=True)
class LogAccount:
    account: str
    base: str  # the key prefix up to and including "<account>/"


def _child_prefixes(reader: ServiceReader, bucket: str, prefix: str) -> tuple[list[str], bool]:
    items, ok = reader.list_all("ListObjectsV2", "CommonPrefixes",
                                {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"})
    return [str(p["Prefix"]) for p in items if p.get("Prefix")], ok


def log_accounts(reader: ServiceReader, where: TrailLocation) -> tuple[list[LogAccount], bool]:
    """Accounts with logs under the prefix, looking one level deeper for organization trails."""
    root = f"{where.prefix}AWSLogs/"
    found: list[LogAccount] = []
    children, complete = _child_prefixes(reader, where.bucket, root)
    for child in children:
        name = child[len(root):].strip("/")
        if _ACCOUNT.match(name):
            found.append(LogAccount(name, child))
        elif name.startswith("o-"):
            members, ok = _child_prefixes(reader, where.bucket, child)
            complete = complete and ok
            found.extend(LogAccount(m[len(child):].strip("/"), m) for m in members
                         if _ACCOUNT.match(m[len(child):].strip("/")))
    return found, complete


def days_between(start: datetime, end: datetime) -> list[date]:
    first, last = start.date(), end.date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def read_region(reader: ServiceReader, where: TrailLocation, log_account: LogAccount, region: str,
                start: datetime, end: datetime) -> tuple[UsageAggregator, int, bool]:
    """Every log file of one account and region in the window: (usage, files read, complete)."""
    usage = UsageAggregator(origin="s3")
    files = 0
    complete = True
    for day in days_between(start, end):
        prefix = f"{log_account.base}CloudTrail/{region}/{day:%Y/%m/%d}/"
        objects, ok = reader.list_all("ListObjectsV2", "Contents", {"Bucket": where.bucket, "Prefix": prefix})
        complete = complete and ok
        for obj in objects:
            response = reader.get("GetObject", {"Bucket": where.bucket, "Key": obj["Key"]})
            if response is None:
                complete = False
                continue
            try:
                raw = response["Body"].read()
                text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
                records = json.loads(text).get("Records", [])
            except (OSError, ValueError, AttributeError) as exc:
                reader.coverage.record(reader.account, reader.region, "s3", "GetObject", CoverageStatus.FAILED,
                                       message=f"{obj['Key']}: unreadable log file ({exc})", calls=0)
                complete = False
                continue
            files += 1
            for record in records:
                when = record.get("eventTime", "")
                if isinstance(when, str) and when and not (start.isoformat()[:19] <= when[:19] <= end.isoformat()[:19]):
                    continue
                usage.add(record, fallback_account=log_account.account, fallback_region=region)
    return usage, files, complete
