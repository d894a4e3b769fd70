"""`aims init`."""

from __future__ import annotations

import click

from cli.context import app
from cli.output import write_atomic
from cli.workspace.config import DEFAULT_TOML


@click.command()
@click.option("--force", is_flag=True, help="Rewrite aims.toml even if it exists.")
@click.pass_context
def init(ctx: click.Context, force: bool) -> None:
    """Create the workspace (SQLite database, index and cache folders) and a commented aims.toml."""
    state = app(ctx)
    state.create_workspace = True  # the one command that may create it
    workspace = state.workspace
    workspace.conn  # creates the folder and runs the migrations
    workspace.cache_path.mkdir(parents=True, exist_ok=True)
    if workspace.config_path.exists() and not force:
        state.say(f"Workspace ready at {workspace.root} (kept the existing {workspace.config_path.name}).")
        return
    write_atomic(workspace.config_path, DEFAULT_TOML)
    state.say(f"Workspace ready at {workspace.root}; edit {workspace.config_path} to configure scans.")
