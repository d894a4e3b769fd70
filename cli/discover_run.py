"""`aims discover run`: every connector configured in aims.toml — the scheduled-scan entry point."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import click

from cli.context import AppContext, app
from cli.exitcodes import GATE, INCOMPLETE, OK
from cli.output import emit_json, format_option
from cli.scanning import ScanReport, execute_scan, fail_on_option, gates_tripped, render_scan_table, scan_json
from connectors.base import Connector
from discovery.models import IssueSeverity


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


def notification(reports: list[ScanReport], style: str) -> dict[str, Any]:
    """The webhook body: new systems, triggers and sources not read (no evidence, no secrets)."""
    new = [{"id": s.id, "name": s.name, "status": s.status.value, "risk_tier": s.risk_tier}
           for r in reports for s in r.diff.added]
    triggers = [{"rule": t.rule, "system": t.system_name, "detail": t.detail} for r in reports for t in r.triggers]
    unread = [{"connector": i.connector, "target": i.target, "kind": i.kind}
              for r in reports for i in r.issues if i.severity == IssueSeverity.ERROR]
    summary = {"schema": "aims.notify/1", "scans": [r.scan.id for r in reports], "new_systems": new,
               "triggers": triggers, "sources_not_read": unread, "gates": [g for r in reports for g in r.gates]}
    if style != "slack":
        return summary
    lines = [f"*aims scan*: {len(new)} new AI system(s), {len(triggers)} reassessment trigger(s), "
             f"{len(unread)} source(s) not read"]
    lines += [f"• new {n['status']} system {n['name']} (tier {n['risk_tier']})" for n in new[:20]]
    lines += [f"• trigger {t['rule']}: {t['system']}: {t['detail']}" for t in triggers[:20]]
    lines += [f"• not read: {u['connector']} {u['target']} ({u['kind']})" for u in unread[:20]]
    return {"text": "\n".join(lines), "aims": summary}


def post_notification(url: str, body: dict[str, Any], timeout: float = 10.0) -> None:
    if not url.startswith(("https://", "http://")):
        raise click.UsageError(f"--notify {url!r}: the webhook must be an http(s) URL")
    request = urllib.request.Request(url, data=json.dumps(body, default=str).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "aims"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked above)
        response.read()


@click.command()
@format_option()
@fail_on_option()
@click.option("--notify", "notify_url", metavar="URL", help="POST a JSON summary (new systems, triggers, sources "
              "not read) to this webhook (default [notify] url, env AIMS_NOTIFY_URL).")
@click.option("--notify-format", type=click.Choice(["json", "slack"]), help="Payload shape: json, or a "
              "Slack-compatible {\"text\": …} (default [notify] format, env AIMS_NOTIFY_FORMAT).")
@click.pass_context
def run(ctx: click.Context, output_format: str, fail_on: tuple[str, ...], notify_url: str | None,
        notify_format: str | None) -> None:
    """Run every connector configured in aims.toml ([discovery.code], [discovery.logs],
    [discovery.aws], [discovery.azure], [discovery.gcp]), each as its own stored scan. For cron, CI and
    Kubernetes CronJobs: exit 3 when a source could not be read, 4 when a --fail-on gate trips. A webhook
    that cannot be reached is reported on stderr and does not change the exit code."""
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
    url = notify_url or state.config.notify.url
    if url:
        try:
            post_notification(url, notification(reports, notify_format or state.config.notify.format))
            state.info(f"notified {url.split('?', 1)[0]}")
        except (OSError, ValueError) as exc:  # urllib errors are OSErrors; the scan itself succeeded
            click.echo(f"warning: could not notify the webhook: {exc}", err=True)
    if output_format == "json":
        emit_json("aims.scan-run/1", {"scans": [{"schema": "aims.scan/1", **scan_json(r, _extra_json(r))}
                                                for r in reports]})
    else:
        click.echo("\n\n".join(render_scan_table(r) for r in reports))
    if any(r.gates for r in reports):
        ctx.exit(GATE)
    ctx.exit(INCOMPLETE if any(not r.scan.coverage_complete for r in reports) else OK)
