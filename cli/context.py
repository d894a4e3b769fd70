"""Per-invocation state shared by commands: the workspace, the config and progress output."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from cli.workspace.config import Config, ConfigError, load_config
from cli.workspace.db import WorkspaceError
from cli.workspace.store import Workspace
from discovery.safe_text import terminal_text


@dataclass
class AppContext:
    workspace_dir: str
    config_path: str | None = None
    quiet: bool = False
    verbose: int = 0
    #: only `aims init` (and the demo, through it) may create a workspace that does not exist
    create_workspace: bool = False
    _workspace: Workspace | None = field(default=None, repr=False)
    _config: Config | None = field(default=None, repr=False)

    @property
    def workspace(self) -> Workspace:
        if self._workspace is None:
            workspace = Workspace(Path(self.workspace_dir), create=self.create_workspace)
            if not self.create_workspace and not workspace.exists:
                raise WorkspaceError(
                    f"no workspace at {workspace.root} (no {workspace.db_path.name}); run `aims init` first, "
                    "or name the workspace with --workspace / AIMS_WORKSPACE"
                )
            self._workspace = workspace
        return self._workspace

    @property
    def config_file(self) -> Path:
        """The config in use, found without opening the workspace."""
        return Path(self.config_path) if self.config_path else Path(self.workspace_dir) / "aims.toml"

    @property
    def config(self) -> Config:
        if self._config is None:
            # The config is found without opening the workspace: a missing workspace is reported
            # by the command that needs it, not by reading settings.
            self._config = load_config(self.config_file)
        return self._config

    def progress(self, label: str, done: int, total: int | None) -> None:
        """Progress on stderr, so stdout stays clean for --format json."""
        if self.quiet or not stderr_is_terminal():
            return
        label = terminal_text(label)  # a file name may carry escape sequences
        text = f"{label}: {done}/{total}" if total else f"{label}: {done}"
        click.echo(f"\r\033[K{text[:120]}", nl=False, err=True)

    def status(self, text: str) -> None:
        """What a long step without a count is doing (recording a large scan), on stderr."""
        if self.quiet or not stderr_is_terminal():
            return
        click.echo(f"\r\033[K{terminal_text(text)[:120]}", nl=False, err=True)

    def progress_done(self) -> None:
        if not self.quiet and stderr_is_terminal():
            click.echo("\r\033[K", nl=False, err=True)

    def say(self, message: str) -> None:
        """A confirmation on stdout ("5.2: accepted by …"); --quiet silences it, never data or errors."""
        if not self.quiet:
            click.echo(message)

    def info(self, message: str) -> None:
        if not self.quiet:
            click.echo(terminal_text(message, multiline=True), err=True)

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
