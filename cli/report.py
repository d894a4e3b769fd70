"""`aims report`: the gap-analysis report, built for certification."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import write_atomic
from cli.workspace.findings import FindingStore


def _since(events, started_at: str | None):  # type: ignore[no-untyped-def]
    if not started_at:
        return list(events)
    return [e for e in events if e.at.isoformat() >= started_at]


@click.command()
@click.option("--format", "output_format", type=click.Choice(["html", "md"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (stdout if omitted).")
@click.option("--organisation", default="the organisation", help="Organisation name for the title.")
@click.pass_context
def report(ctx: click.Context, output_format: str, output: Path | None, organisation: str) -> None:
    """Write the gap-analysis report: readiness by clause and Annex A group (with charts), what
    changed since the previous run, the roadmap of open gaps with owners and due dates, the
    inventory, every finding with its verified citations and review, and the trail head.
    HTML is one self-contained file; Markdown escapes all untrusted text."""
    from cli.inventory import current_inventory
    from cli.soa import document_meta
    from cli.web.views import shadow_trend
    from discovery.diff import diff_inventories
    from gap.export.report import ReportInput, report_html, report_markdown
    from gap.requirements import load_catalogue

    state = app(ctx)
    workspace = state.workspace
    store = FindingStore(workspace)
    findings = store.all()
    if not findings:
        raise click.ClickException("no findings yet; run `aims gap run` first")
    last_run = store.last_run() or {}
    latest = workspace.latest_scan()
    previous = workspace.previous_scan_id(latest.id) if latest else None
    diff = diff_inventories(workspace.snapshot(previous), workspace.snapshot(latest.id), previous, latest.id) if (
        latest and previous) else None
    catalogue = load_catalogue()
    order = {rid: i for i, rid in enumerate(catalogue.ids())}
    data = ReportInput(
        organisation=organisation, findings=sorted(findings, key=lambda f: order.get(f.requirement, len(order))),
        systems=current_inventory(ctx), issues=workspace.latest_issues(), requirements=catalogue.all(),
        meta=document_meta(ctx, organisation), changed_findings=list(last_run.get("changed") or []),
        decisions_since=_since(store.events(), last_run.get("started_at")), inventory_diff=diff,
        shadow_trend=shadow_trend(workspace), triggers=workspace.triggers(),
    )
    text = report_html(data) if output_format == "html" else report_markdown(data)
    if output is None:
        click.echo(text)
    else:
        write_atomic(output, text)
        state.info(f"Wrote the report to {output}")
