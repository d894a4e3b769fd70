"""`aims register`: the sanctioned-AI register."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table
from discovery.register import RegisterError, load_register


@click.group()
def register() -> None:
    """The sanctioned-AI register: CSV or YAML with provider,system,owner,approved_use,expires.

    Systems matching a live entry are sanctioned; others are shadow; an expired entry counts
    as shadow. Re-importing replaces the register.
    """


@register.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_register(ctx: click.Context, file: Path) -> None:
    """Import FILE as the register (CSV with a header row, or YAML)."""
    try:
        entries = load_register(file)
    except RegisterError as exc:
        raise click.ClickException(str(exc)) from exc
    app(ctx).workspace.replace_register(entries, str(file))
    click.echo(f"Imported {len(entries)} register entr{'y' if len(entries) == 1 else 'ies'} from {file}.")


@register.command("show")
@format_option()
@click.pass_context
def show_register(ctx: click.Context, output_format: str) -> None:
    """Show the imported register."""
    entries = app(ctx).workspace.register()
    if output_format == "json":
        emit_json("aims.register/1", {"register": entries or [], "imported": entries is not None})
        return
    if entries is None:
        click.echo("No register imported: every system's status is 'unknown'. Use `aims register import FILE`.")
        return
    click.echo(table([(e.provider, e.system, e.owner, e.approved_use, e.expires) for e in entries],
                     ["PROVIDER", "SYSTEM", "OWNER", "APPROVED USE", "EXPIRES"]))
