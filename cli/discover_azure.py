"""`aims discover azure`: Azure OpenAI, AI Foundry, Azure ML, AI Search and Bot Service in every
subscription the credential can see, with control evidence, read-only.

The Azure SDKs (the `aims[azure]` extra) load inside the command, so `aims --help` stays fast.
"""

from __future__ import annotations

import click

from cli.cloud_scan import run_cloud_scan, split_list
from cli.output import format_option
from cli.scanning import fail_on_option
from connectors.base import Connector

PUBLIC_CLOUD = "https://management.azure.com"


def build_connector(*, subscriptions: list[str], endpoint: str | None, days: int, max_workers: int,
                    log_analytics: list[str] | None = None, log_analytics_endpoint: str | None = None) -> Connector:
    """The connector the command runs, with DefaultAzureCredential (tests replace this)."""
    from connectors.azure.arm import MissingExtra, default_credential

    try:
        credential = default_credential()
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from exc
    from connectors.azure.connector import AzureConnector
    from connectors.azure.loganalytics import PUBLIC_ENDPOINT

    return AzureConnector(credential, subscriptions or None, endpoint=endpoint or PUBLIC_CLOUD, days=days,
                          max_workers=max_workers, log_analytics=log_analytics or (),
                          log_analytics_endpoint=log_analytics_endpoint or PUBLIC_ENDPOINT)


@click.command("azure")
@click.option("--subscriptions", default=None, metavar="ID,...",
              help="Subscription ids to scan (default: every subscription the credential can see).")
@click.option("--arm-endpoint", default=None, metavar="URL",
              help=f"Resource Manager endpoint (default {PUBLIC_CLOUD}; sovereign clouds and Azure Stack "
                   "pass theirs).")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 90),
              help="Look-back for usage: the Activity Log (who managed AI resources) and, with --log-analytics, "
                   "request logs (0 skips usage).")
@click.option("--log-analytics", default=None, metavar="WORKSPACE_ID,...",
              help="Log Analytics workspace ids that receive the AI resources' diagnostic logs: one KQL query "
                   "each counts model requests by deployment and principal (needs Log Analytics Reader).")
@click.option("--log-analytics-endpoint", default=None, metavar="URL",
              help="Log Analytics query endpoint (default https://api.loganalytics.io; sovereign clouds pass theirs).")
@click.option("--max-workers", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Concurrent requests across subscriptions x resource kinds x resources.")
@format_option()
@fail_on_option()
@click.pass_context
def azure(ctx: click.Context, subscriptions: str | None, arm_endpoint: str | None, days: int,
          log_analytics: str | None, log_analytics_endpoint: str | None, max_workers: int,
          output_format: str, fail_on: tuple[str, ...]) -> None:
    """Scan Azure subscriptions for AI resources and their control evidence, read-only.

    Finds Azure OpenAI and AI services accounts and their model deployments, AI Foundry hubs
    and projects, Azure ML workspaces, endpoints and registered models, AI Search and Bot
    Service; records content filters, diagnostic logging, network isolation, key-based auth
    and model-version pinning as control evidence. Credentials come from the standard chain
    (DefaultAzureCredential: environment, workload or managed identity, Azure CLI); nothing is
    stored. Needs only the Reader role, plus Log Analytics Reader for --log-analytics
    (docs/cloud-azure-gcp.md), and `pip install 'aims[azure]'`.

    Anything that could not be read (403, throttling) is listed and makes the exit code 3: it
    is never taken to mean "no AI there".
    """
    connector = build_connector(subscriptions=split_list(subscriptions), endpoint=arm_endpoint, days=days,
                                max_workers=max_workers, log_analytics=split_list(log_analytics),
                                log_analytics_endpoint=log_analytics_endpoint)
    run_cloud_scan(ctx, connector, output_format, fail_on)
