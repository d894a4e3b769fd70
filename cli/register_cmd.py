"""`aims register`: the AI system register (system entries, exceptions, provider shorthand)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table
from discovery.register import RegisterError, load_register_document


@click.group()
def register() -> None:
    """The AI system register, in YAML or CSV.

    \b
    System-level (YAML `systems:` and `exceptions:`, or a CSV with a `name` column): each entry
    names one AI system (owner, purpose, intended users, affected parties, data categories,
    tier, approval by/until) and selects its evidence (repos, arns, identities, apps, providers
    globs). Exceptions suppress a finding with a reason, an owner and an expiry.
    Provider-level shorthand (CSV provider,system,owner,approved_use,expires): every use of a
    provider is approved.

    Statuses: sanctioned (covered, approval current), shadow (not covered), expired (approval
    lapsed), excepted (a live exception). Re-importing replaces the register and re-joins the
    inventory.
    """


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_register(ctx: click.Context, file: Path) -> None:
    """Import FILE as the register (YAML, or CSV with a header row)."""
    from cli.scanning import inventory_builder, tier_rules

    try:
        document = load_register_document(file)
    except RegisterError as exc:
        raise click.ClickException(str(exc)) from exc
    state = app(ctx)
    workspace = state.workspace
    workspace.replace_register(document, str(file))
    parts = [f"{len(document.systems)} system entr{'y' if len(document.systems) == 1 else 'ies'}",
             f"{len(document.providers)} provider entr{'y' if len(document.providers) == 1 else 'ies'}",
             f"{len(document.exceptions)} exception(s)"]
    click.echo(f"Imported {', '.join(parts)} from {file}.")
    if workspace.current_observations():
        today = date.today()
        systems = workspace.rebuild_inventory(inventory_builder(document, today, tier_rules(state)), today)
        click.echo(f"Re-joined the inventory: {len(systems)} AI system(s).", err=True)


@register.command("show")
@format_option()
@click.pass_context
def show_register(ctx: click.Context, output_format: str) -> None:
    """Show the imported register."""
    document = app(ctx).workspace.register_document()
    if output_format == "json":
        emit_json("aims.register/1", {
            "register": list(document.providers) if document else [],
            "systems": list(document.systems) if document else [],
            "exceptions": list(document.exceptions) if document else [],
            "imported": document is not None,
        })
        return
    if document is None:
        click.echo("No register imported: every system's status is 'unknown'. Use `aims register import FILE`.")
        return
    if document.systems:
        click.echo(table([(e.id, e.name, e.owner, e.tier or "", ", ".join(e.data_categories), e.approved_by,
                           e.approved_until) for e in document.systems],
                         ["ID", "SYSTEM", "OWNER", "TIER", "DATA", "APPROVED BY", "UNTIL"]))
    if document.providers:
        click.echo(table([(e.provider, e.system, e.owner, e.approved_use, e.expires) for e in document.providers],
                         ["PROVIDER", "SYSTEM", "OWNER", "APPROVED USE", "EXPIRES"]))
    if document.exceptions:
        click.echo(table([(", ".join(e.select.systems + e.select.repos + e.select.apps + e.select.arns), e.reason,
                           e.owner, e.expires) for e in document.exceptions],
                         ["COVERS", "REASON", "OWNER", "EXPIRES"]))
