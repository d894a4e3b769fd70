"""`aims serve`: the review workspace in the browser, on this machine only by default."""

from __future__ import annotations

import ipaddress

import click

from cli.context import app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback exposes the workspace to the network.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0 picks a free one).")
@click.option("--reviewer", envvar="AIMS_REVIEWER",
              help="Record every decision under this name (env AIMS_REVIEWER); otherwise each browser logs in.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, reviewer: str | None) -> None:
    """Review findings in the browser: dashboard, findings with filters, each finding with its
    citations in context and its history, accept / edit / reject, the inventory, the SoA and the
    trail. Server-rendered pages, no JavaScript; every form is CSRF-protected.

    Decisions go through the same store as `aims review`, so they land on the same trail.
    """
    from werkzeug.serving import make_server

    from cli.web.app import LOOPBACK_HOSTS, create_app

    state = app(ctx)
    workspace = state.workspace  # refuses a folder without a workspace
    loopback = _is_loopback(host)
    if not loopback:
        state.info(f"warning: listening on {host}: anyone who can reach it can review as any name. Put it behind "
                   "an authenticating proxy, or use the default 127.0.0.1.")
    web = create_app(workspace.root, config=state.config, reviewer=reviewer or state.config.reviewer,
                     trusted_hosts=LOOPBACK_HOSTS if loopback else None)
    if state.quiet:  # no access log either
        import logging

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server(host, port, web, threaded=True)
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"aims review workspace on http://{shown_host}:{server.server_port}/  (Ctrl-C stops it)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
