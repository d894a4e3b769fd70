"""Per-invocation state shared by commands: the workspace, the config and progress output."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from cli.workspace.config import Config, ConfigError, load_config
from cli.workspace.db import WorkspaceError
from cli.workspace.store import Workspace


@dataclass
class AppContext:
    workspace_dir: str
    config_path: str | None = None
    quiet: bool = False
    # Only `aims init` (and the demo, in its own folder) may create a workspace; every other
    # command refuses a folder without one, so a mistyped --workspace is an error, not an empty run.
    create_workspace: bool = False
    _workspace: Workspace | None = field(default=None, repr=False)
    _config: Config | None = field(default=None, repr=False)

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            workspace = Workspace(Path(self.workspace_dir))
            if not self.create_workspace and not workspace.exists:
                raise click.ClickException(
                    f"no aims workspace at {workspace.root} (no {workspace.db_path.name}); create one with "
                    f"`aims --workspace {workspace.root} init`, or point --workspace / AIMS_WORKSPACE at an existing one"
                )
            self._workspace = workspace
        return self._workspace

    @property
    def config(self) -> Config:
        if self._config is None:
            path = Path(self.config_path) if self.config_path else self.workspace.config_path
            try:
                self._config = load_config(path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        return self._config

    def progress(self, label: str, done: int, total: int | None) -> None:
        """Progress on stderr, so stdout stays clean for --format json."""
        if self.quiet or not stderr_is_terminal():
            return
        text = f"{label}: {done}/{total}" if total else f"{label}: {done}"
        click.echo(f"\r\033[K{text[:120]}", nl=False, err=True)

    def progress_done(self) -> None:
        if not self.quiet and stderr_is_terminal():
            click.echo("\r\033[K", nl=False, err=True)

    def say(self, message: str) -> None:
        """A confirmation on stdout ("5.2: accepted by …"); --quiet silences it, never data or errors."""
        if not self.quiet:
            click.echo(message)

    def info(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


def stderr_is_terminal() -> bool:
    """Progress redraws one line, which only makes sense on a terminal (not in a log or a pipe)."""
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def app(ctx: click.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # commands invoked directly in tests
        obj = AppContext(workspace_dir=".aims")
        ctx.obj = obj
    return obj


def workspace_errors() -> tuple[type[Exception], ...]:
    return (WorkspaceError, ConfigError)
