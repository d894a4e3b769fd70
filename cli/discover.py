"""`aims discover`: one subcommand per connector, each in its own module, loaded lazily."""

from __future__ import annotations

from cli.main import LazyGroup

import click

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "code": ("cli.discover_code:code", "Scan local directories, git URLs and GitHub/GitLab orgs."),
    "logs": ("cli.discover_logs:logs", "Scan proxy, DNS, SaaS and audit logs."),
    "aws": ("cli.discover_aws:aws", "Scan AWS accounts and regions, read-only."),
    "azure": ("cli.discover_azure:azure", "Scan Azure subscriptions (Azure OpenAI, Foundry, ML), read-only."),
    "gcp": ("cli.discover_gcp:gcp", "Scan Google Cloud projects (Vertex AI), read-only."),
    "run": ("cli.discover_run:run", "Run every connector configured in aims.toml (the scheduled-scan entry point)."),
}


@click.group(cls=LazyGroup, lazy=SUBCOMMANDS)
def discover() -> None:
    """Scan sources for AI use. Each scan is stored in the workspace, merged into the
    inventory, classified against the sanctioned-AI register and diffed against the last scan.

    Exit codes: 0 ok, 3 some sources could not be read (they are listed, never read as
    "no AI"), 4 a --fail-on gate tripped.
    """
