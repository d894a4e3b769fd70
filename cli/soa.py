"""`aims soa export`: the Statement of Applicability in the formats auditors use."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import write_atomic
from cli.workspace.findings import FindingStore

FORMATS = ("xlsx", "docx", "csv", "md", "json", "oscal")
BINARY = ("xlsx", "docx")


def build_entries(ctx: click.Context):  # type: ignore[no-untyped-def]
    from gap.requirements import load_catalogue
    from gap.soa import build_soa

    findings = FindingStore(app(ctx).workspace).all()
    if not findings:
        raise click.ClickException("no findings yet; run `aims gap run` first")
    return build_soa(findings, load_catalogue(), None)


def document_meta(ctx: click.Context, organisation: str):  # type: ignore[no-untyped-def]
    """Title, aims version, date, workspace and trail head for an exported document."""
    from importlib.metadata import PackageNotFoundError, version

    from gap.export.meta import DocumentMeta

    try:
        aims_version = version("aims")
    except PackageNotFoundError:
        aims_version = "unknown"
    workspace = app(ctx).workspace
    head = FindingStore(workspace).head()
    return DocumentMeta(organisation=organisation, aims_version=aims_version, workspace=str(workspace.root),
                        trail_events=head.events, trail_head=head.hash if head.events else "")


@click.group()
def soa() -> None:
    """The Statement of Applicability: the 38 Annex A controls, their applicability,
    implementation status, justification, evidence and review state."""


@soa.command("export")
@click.option("--format", "output_format", type=click.Choice(FORMATS), required=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (stdout if omitted; required for xlsx and docx).")
@click.option("--organisation", default="", help="Organisation name for titles.")
@click.pass_context
def export(ctx: click.Context, output_format: str, output: Path | None, organisation: str) -> None:
    """Export the SoA as XLSX, DOCX, CSV, Markdown, JSON (aims.soa/1) or OSCAL."""
    from gap.export import soa as exporters

    entries = build_entries(ctx)
    data = exporters.EXPORTERS[output_format](entries, document_meta(ctx, organisation))
    if output is None:
        if output_format in BINARY:
            raise click.UsageError(f"--output is required for {output_format}")
        click.echo(data.decode("utf-8"), nl=False)
        return
    write_atomic(output, data)
    click.echo(f"Wrote the SoA ({len(entries)} controls) to {output}", err=True)
