"""`aims report`: the gap-analysis report."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import write_atomic
from cli.workspace.findings import FindingStore


@click.command()
@click.option("--format", "output_format", type=click.Choice(["html", "md"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (stdout if omitted).")
@click.option("--organisation", default="the organisation", help="Organisation name for the title.")
@click.pass_context
def report(ctx: click.Context, output_format: str, output: Path | None, organisation: str) -> None:
    """Write the gap-analysis report: inventory, findings with verified citations, open issues."""
    from cli.inventory import current_inventory
    from gap.export.report import ReportInput, report_html, report_markdown

    workspace = app(ctx).workspace
    findings = FindingStore(workspace).all()
    if not findings:
        raise click.ClickException("no findings yet; run `aims gap run` first")
    data = ReportInput(organisation=organisation, findings=sorted(findings, key=lambda f: f.requirement),
                       systems=current_inventory(ctx), issues=workspace.latest_issues(),
                       triggers=workspace.triggers())
    text = report_html(data) if output_format == "html" else report_markdown(data)
    if output is None:
        click.echo(text)
    else:
        write_atomic(output, text)
        click.echo(f"Wrote the report to {output}", err=True)
