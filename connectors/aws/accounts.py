"""Accounts, credentials and clients: the caller's account, or every member account of an
AWS Organization through an audit role (sts:AssumeRole), with clients that are read-only
and retry adaptively."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from connectors.aws.coverage import GLOBAL_REGION, CoverageStatus, CoverageTable, classify_error
from connectors.aws.guard import install_read_only_guard
from connectors.aws.paginate import iter_pages

#: Called on every new client after the read-only guard: tests and the benchmark use it to
#: register per-operation stubs, the way prowler patches operations moto lacks.
ClientHook = Callable[[Any, str, str], None]

SESSION_NAME = "aims-readonly-discovery"
ROLE_SESSION_SECONDS = 3600


@dataclass
class AccountContext:
    """One account to scan, with its own session (boto3 sessions are not thread-safe to
    create clients from, hence the lock; the clients themselves are)."""

    account_id: str
    session: Any
    via: str = "caller"  # "caller" or the role ARN assumed
    name: str = ""
    partition: str = "aws"
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ClientFactory:
    def __init__(self, *, max_attempts: int, max_pool_connections: int, hook: ClientHook | None = None) -> None:
        from botocore.config import Config

        self.config = Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            max_pool_connections=max_pool_connections,
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="aims-discovery",
        )
        self.hook = hook

    def client(self, account: AccountContext, service: str, region: str) -> Any:
        with account._lock:
            client = account.session.client(service, region_name=region, config=self.config)
        install_read_only_guard(client)
        if self.hook is not None:
            self.hook(client, account.account_id, region)
        return client


def caller_account(session: Any, factory: ClientFactory, coverage: CoverageTable, home_region: str) -> AccountContext | None:
    probe = AccountContext("unknown", session)
    sts = factory.client(probe, "sts", home_region)
    try:
        identity = sts.get_caller_identity()
    except Exception as exc:
        status, message = classify_error(exc)
        coverage.record("unknown", GLOBAL_REGION, "sts", "GetCallerIdentity", status, message=message)
        return None
    account_id = str(identity["Account"])
    coverage.record(account_id, GLOBAL_REGION, "sts", "GetCallerIdentity", items=1)
    partition = str(identity.get("Arn", "arn:aws:")).split(":")[1] or "aws"  # aws, aws-cn, aws-us-gov
    return AccountContext(account_id, session, partition=partition)


def organization_accounts(caller: AccountContext, factory: ClientFactory, coverage: CoverageTable,
                          home_region: str) -> list[tuple[str, str]] | None:
    """Active member accounts as (id, name); None when the organization cannot be listed."""
    client = factory.client(caller, "organizations", home_region)
    accounts: list[tuple[str, str]] = []
    calls = 0
    try:
        for page in iter_pages(client, "ListAccounts"):
            calls += 1
            accounts.extend((str(a["Id"]), str(a.get("Name", ""))) for a in page.get("Accounts", [])
                            if a.get("Status", "ACTIVE") == "ACTIVE")
    except Exception as exc:
        status, message = classify_error(exc)
        coverage.record(caller.account_id, GLOBAL_REGION, "organizations", "ListAccounts", status,
                        message=message, calls=calls + 1)
        return None
    coverage.record(caller.account_id, GLOBAL_REGION, "organizations", "ListAccounts",
                    items=len(accounts), calls=calls)
    return accounts


def assume_role(caller: AccountContext, account_id: str, role_name: str, factory: ClientFactory,
                coverage: CoverageTable, home_region: str, name: str = "") -> AccountContext | None:
    """A session in a member account whose credentials refresh by re-assuming the role,
    so a long scan never runs on expired credentials."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    role_arn = f"arn:{caller.partition}:iam::{account_id}:role/{role_name}"
    sts = factory.client(caller, "sts", home_region)

    def fetch() -> dict[str, str]:
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME,
                                DurationSeconds=ROLE_SESSION_SECONDS)["Credentials"]
        expiry = creds["Expiration"]
        if isinstance(expiry, datetime):
            expiry = expiry.astimezone(timezone.utc).isoformat()
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": str(expiry)}

    try:
        metadata = fetch()
    except Exception as exc:
        status, message = classify_error(exc)
        coverage.record(account_id, GLOBAL_REGION, "sts", "AssumeRole", status, message=f"{role_arn}: {message}")
        return None
    coverage.record(account_id, GLOBAL_REGION, "sts", "AssumeRole", items=1)
    core = botocore.session.Session()
    # Share the caller's model loader: each loader parses every service model on first use,
    # and fifty accounts must not parse the SageMaker model fifty times.
    caller_core = getattr(caller.session, "_session", None)
    if caller_core is not None:
        core.register_component("data_loader", caller_core.get_component("data_loader"))
    core._credentials = RefreshableCredentials.create_from_metadata(metadata, fetch, "assume-role")
    session = boto3.session.Session(botocore_session=core, region_name=home_region)
    return AccountContext(account_id, session, via=role_arn, name=name, partition=caller.partition)


def enabled_regions(account: AccountContext, factory: ClientFactory, coverage: CoverageTable,
                    home_region: str) -> list[str]:
    """Regions enabled for the account (opt-in regions count only once opted in)."""
    client = factory.client(account, "ec2", home_region)
    try:
        response = client.describe_regions(AllRegions=False)
    except Exception as exc:
        status, message = classify_error(exc)
        coverage.record(account.account_id, GLOBAL_REGION, "ec2", "DescribeRegions", status, message=message)
        return []
    regions = sorted(r["RegionName"] for r in response.get("Regions", [])
                     if r.get("OptInStatus", "opt-in-not-required") != "not-opted-in")
    coverage.record(account.account_id, GLOBAL_REGION, "ec2", "DescribeRegions", items=len(regions))
    return regions


def service_offered(session: Any, service: str, region: str) -> bool | None:
    """From botocore's endpoint data: True, False, or None when it does not say (newer
    services resolve endpoints by rules only; then we try and classify the answer)."""
    try:
        regions = session.get_available_regions(service)
    except Exception:
        return None
    if not regions:
        return None
    return region in regions


def window_start(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(timezone.utc)) - timedelta(days=days)


__all__ = [
    "AccountContext", "ClientFactory", "ClientHook", "CoverageStatus", "assume_role", "caller_account",
    "enabled_regions", "organization_accounts", "service_offered", "window_start",
]
