"""`aims discover gcp`: Vertex AI and Google's other AI services in every project the credential
can see, through Cloud Asset Inventory, with control evidence, read-only.

The Google SDKs (the `aims[gcp]` extra) load inside the command, so `aims --help` stays fast.
"""

from __future__ import annotations

import click

from cli.cloud_scan import run_cloud_scan, split_list
from cli.output import format_option
from cli.scanning import fail_on_option
from connectors.base import Connector


def build_connector(*, projects: list[str], max_workers: int, asset_endpoint: str | None = None,
                    projects_endpoint: str | None = None, logging_endpoint: str | None = None,
                    days: int = 7) -> Connector:
    """The connector the command runs, with Application Default Credentials (tests replace this)."""
    from connectors.gcp.clients import ASSET_ENDPOINT, PROJECTS_ENDPOINT, MissingExtra, default_credentials

    try:
        credentials = default_credentials()
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # google.auth.exceptions.DefaultCredentialsError: say what to do
        raise click.ClickException(f"no Google credentials: {exc} (run `gcloud auth application-default login` "
                                   "or set GOOGLE_APPLICATION_CREDENTIALS)") from exc
    from connectors.gcp.auditlogs import LOGGING_ENDPOINT
    from connectors.gcp.connector import GCPConnector

    return GCPConnector(credentials, projects or None, asset_endpoint=asset_endpoint or ASSET_ENDPOINT,
                        projects_endpoint=projects_endpoint or PROJECTS_ENDPOINT,
                        logging_endpoint=logging_endpoint or LOGGING_ENDPOINT, days=days, max_workers=max_workers)


@click.command("gcp")
@click.option("--projects", default=None, metavar="ID,...",
              help="Project ids to scan (default: every active project the credential can see).")
@click.option("--asset-endpoint", default=None, metavar="URL",
              help="Cloud Asset API endpoint (default https://cloudasset.googleapis.com; Private Service Connect "
                   "or a proxy pass theirs).")
@click.option("--projects-endpoint", default=None, metavar="URL",
              help="Resource Manager endpoint for listing projects (default https://cloudresourcemanager.googleapis.com).")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 400),
              help="Cloud Audit Logs look-back for who called Vertex AI (0 skips usage).")
@click.option("--logging-endpoint", default=None, metavar="URL",
              help="Cloud Logging endpoint (default https://logging.googleapis.com).")
@click.option("--max-workers", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Projects read at once.")
@format_option()
@fail_on_option()
@click.pass_context
def gcp(ctx: click.Context, projects: str | None, asset_endpoint: str | None, projects_endpoint: str | None,
        days: int, logging_endpoint: str | None, max_workers: int, output_format: str, fail_on: tuple[str, ...]) -> None:
    """Scan Google Cloud projects for AI resources and their control evidence, read-only.

    Reads Cloud Asset Inventory for Vertex AI endpoints, models, jobs, Workbench and Colab
    runtimes, Agent Builder / Dialogflow CX agents and Document AI processors; records
    request-response logging and network isolation of each endpoint as control evidence; reads
    Cloud Audit Logs for who called which endpoint or Gemini model. Credentials are Application
    Default Credentials (read-only scope); nothing is stored. Needs roles/cloudasset.viewer,
    roles/browser and roles/logging.privateLogViewer (docs/cloud-azure-gcp.md) and
    `pip install 'aims[gcp]'`.

    A project whose Cloud Asset API is off, or that denies access, is listed and makes the exit
    code 3: it is never taken to mean "no AI there".
    """
    connector = build_connector(projects=split_list(projects), max_workers=max_workers,
                                asset_endpoint=asset_endpoint, projects_endpoint=projects_endpoint,
                                logging_endpoint=logging_endpoint, days=days)
    run_cloud_scan(ctx, connector, output_format, fail_on)
