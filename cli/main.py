"""`aims`: the thin command-line shell. Command groups load lazily so `aims --help` starts fast."""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import sys
import threading
import traceback

import click

# pydantic looks for plugins in every installed package's entry points when it builds its first
# model (~15 ms per command); aims uses none. Set the variable yourself to choose otherwise.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from cli.context import AppContext
from cli.errors import EXPECTED_FAILURES, describe_failure
from cli.exitcodes import ERROR
from cli.suggest import SuggestingGroup

# command name -> "module:attribute"; imported only when the command runs or its help is shown.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("cli.init_cmd:init", "Create the workspace and a commented aims.toml."),
    "discover": ("cli.discover:discover", "Scan code, logs and cloud accounts for AI use."),
    "inventory": ("cli.inventory:inventory", "List, show, diff and export the AI system inventory."),
    "register": ("cli.register_cmd:register", "Import or show the sanctioned-AI register."),
    "assess": ("cli.assess:assess", "Draft, review and export an AI system impact assessment (AISIA)."),
    "policies": ("cli.policies:policies", "Ingest and list the organisation's policy documents."),
    "gap": ("cli.gap_cmd:gap", "Draft and show the ISO/IEC 42001 gap analysis."),
    "review": ("cli.review:review", "Accept, edit or reject drafted findings; verify the trail."),
    "soa": ("cli.soa:soa", "Export the Statement of Applicability."),
    "report": ("cli.report:report", "Write the gap-analysis report (HTML or Markdown)."),
    "serve": ("cli.serve:serve", "Open the review workspace in the browser (local web app)."),
    "demo": ("cli.demo:demo", "Run the whole pipeline on the bundled example organisation, offline."),
}


class LazyGroup(SuggestingGroup):
    def __init__(self, *args, lazy: dict[str, tuple[str, str]], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self._lazy) + sorted(super().list_commands(ctx))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self._lazy:
            module_name, _, attr = self._lazy[name][0].partition(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click ends quietly when the reader of stdout has gone
        except EXPECTED_FAILURES as exc:
            verbose = getattr(ctx.obj, "verbose", 0)
            if verbose:
                traceback.print_exc(file=sys.stderr)
            raise click.ClickException(describe_failure(exc, ctx.obj)) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help from the table, so listing commands imports none of them.
        rows = [(name, help_text) for name, (_, help_text) in self._lazy.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--workspace", "-w", type=click.Path(file_okay=False), envvar="AIMS_WORKSPACE", default=".aims",
    show_default=True, help="Workspace folder (env AIMS_WORKSPACE).",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="AIMS_CONFIG",
              help="Config file (env AIMS_CONFIG); default WORKSPACE/aims.toml.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.version_option(package_name="aims", prog_name="aims")
@click.pass_context
def cli(ctx: click.Context, workspace: str, config_path: str | None, verbose: int, quiet: bool) -> None:
    """aims finds the AI your organisation really uses and drafts its ISO/IEC 42001:2023
    gap analysis and Statement of Applicability for human review.

    \b
    Typical flow:
      aims init
      aims discover code ./repos        aims discover logs proxy.log
      aims register import register.csv
      aims policies add ./policies
      aims gap run                      aims review accept 5.2 --reviewer you
      aims soa export --format xlsx

    Exit codes: 0 ok, 1 error, 2 usage, 3 completed but some sources could not be read,
    4 a policy gate tripped (--fail-on).
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = AppContext(workspace_dir=workspace, config_path=config_path, quiet=quiet, verbose=verbose)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    try:
        cli.main(prog_name="aims")
    except KeyboardInterrupt:
        click.echo("interrupted; the workspace is unchanged by the unfinished step", err=True)
        sys.exit(ERROR)
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            leave(done.code or 0)
        raise
    leave(0)


def leave(code: int) -> None:
    """End the process once the command's work is done and its output flushed.

    Python's own shutdown then tears down every module and frees every object one by one: 65 to
    90 ms after a scan, for nothing, since the process is ending. So, when no other thread is
    still running, run the exit handlers (multiprocessing, temporary files, logging) ourselves
    and end at once. With threads left, or if the output cannot be flushed (a closed pipe),
    the normal exit path handles it.
    """
    if threading.active_count() > 1:
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    main()
