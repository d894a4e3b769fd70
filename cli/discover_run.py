"""`aims discover run`: every connector configured in aims.toml — the scheduled-scan entry point."""

from __future__ import annotations

import os

import click

from cli.context import AppContext, app
from cli.exitcodes import GATE, INCOMPLETE, OK
from cli.output import emit_json, format_option
from cli.scanning import ScanReport, execute_scan, fail_on_option, gates_tripped, render_scan_table, scan_json
from connectors.base import Connector


def configured_scans(state: AppContext) -> list[tuple[Connector, list[str]]]:
    """(connector, targets) for each source named in the config, built from the same options
    the individual `aims discover` commands use."""
    config = state.config.discovery
    scans: list[tuple[Connector, list[str]]] = []
    if config.code.paths or config.code.github_orgs or config.code.gitlab_groups:
        from connectors.code.connector import CodeConnector, CodeScanOptions

        options = CodeScanOptions(jobs=os.cpu_count() or 1, cache_dir=state.workspace.cache_path,
                                  github_orgs=tuple(config.code.github_orgs),
                                  gitlab_groups=tuple(config.code.gitlab_groups))
        scans.append((CodeConnector(options), list(config.code.paths)))
    if config.logs.files:
        from cli.discover_logs import KEY_ENV, load_catalogue_file
        from connectors.logs import LogConnector

        key = os.environ.get(KEY_ENV) or None
        if config.logs.pseudonymise and not key:
            raise click.UsageError(f"[discovery.logs] pseudonymise = true needs ${KEY_ENV} in the environment")
        scans.append((LogConnector(config.logs.format, extra_services=load_catalogue_file(config.logs.catalogue),
                                   pseudonymise_key=key if config.logs.pseudonymise else None,
                                   upload_bytes=config.logs.upload_bytes, limits=state.config.limits.logs()),
                       list(config.logs.files)))
    if config.aws.enabled:
        from cli.discover_aws import _regions, build_connector

        scans.append((build_connector(profile=config.aws.profile, regions=_regions(config.aws.regions),
                                      org_role=config.aws.org_role, days=config.aws.days,
                                      cloudtrail_s3=config.aws.cloudtrail_s3,
                                      max_workers=16), []))
    if config.azure.enabled:
        from cli.discover_azure import build_connector as build_azure

        scans.append((build_azure(subscriptions=list(config.azure.subscriptions), endpoint=config.azure.arm_endpoint,
                                  days=config.azure.days, max_workers=16, log_analytics=list(config.azure.log_analytics),
                                  log_analytics_endpoint=config.azure.log_analytics_endpoint), []))
    if config.gcp.enabled:
        from cli.discover_gcp import build_connector as build_gcp

        scans.append((build_gcp(projects=list(config.gcp.projects), max_workers=16, days=config.gcp.days,
                                asset_endpoint=config.gcp.asset_endpoint, projects_endpoint=config.gcp.projects_endpoint,
                                logging_endpoint=config.gcp.logging_endpoint), []))
    return scans


def _extra_json(report: ScanReport) -> dict:  # type: ignore[type-arg]
    """A cloud scan's coverage table and control evidence, as its own command prints them."""
    extra = getattr(report.result, "extra_json", None)
    return extra() if callable(extra) else {}


@click.command()
@format_option()
@fail_on_option()
@click.pass_context
def run(ctx: click.Context, output_format: str, fail_on: tuple[str, ...]) -> None:
    """Run every connector configured in aims.toml ([discovery.code], [discovery.logs],
    [discovery.aws], [discovery.azure], [discovery.gcp]), each as its own stored scan. For cron, CI and Kubernetes CronJobs:
    exit 3 when a source could not be read, 4 when a --fail-on gate trips."""
    state = app(ctx)
    scans = configured_scans(state)
    if not scans:
        raise click.UsageError(f"no sources configured; edit {state.config_file} ([discovery.*])")
    reports: list[ScanReport] = []
    for connector, targets in scans:
        state.info(f"scanning {connector.name} ({len(targets) or 'configured'} target(s))")
        report = execute_scan(ctx, connector, targets)
        report.gates = gates_tripped(report, fail_on)
        reports.append(report)
    if output_format == "json":
        emit_json("aims.scan-run/1", {"scans": [{"schema": "aims.scan/1", **scan_json(r, _extra_json(r))}
                                                for r in reports]})
    else:
        click.echo("\n\n".join(render_scan_table(r) for r in reports))
    if any(r.gates for r in reports):
        ctx.exit(GATE)
    ctx.exit(INCOMPLETE if any(not r.scan.coverage_complete for r in reports) else OK)
