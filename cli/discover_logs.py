"""`aims discover logs`: AI use in proxy, DNS, identity and SaaS audit logs, per person and app.

Only the log connector loads here; boto3 loads inside `--athena` alone, so startup stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import yaml

from cli.context import app
from cli.output import format_option
from cli.scanning import fail_on_option, run_scan
from connectors.logs.attribution import DEFAULT_UPLOAD_BYTES
from connectors.logs.formats import names as format_names
from connectors.logs.formats.generic import FIELD_ROLES
from discovery.yamlload import safe_load

KEY_ENV = "AIMS_PSEUDONYMISE_KEY"


def load_catalogue_file(path: str | None) -> list[dict[str, Any]]:
    if not path:
        return []
    try:
        data = safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--catalogue") from exc
    services = data.get("services") if isinstance(data, dict) else data
    if not isinstance(services, list):
        raise click.BadParameter(f"{path}: expected a list of services (or a 'services:' key)", param_hint="--catalogue")
    return services


def _generic_options(func):  # type: ignore[no-untyped-def]
    for role, help_text in reversed(FIELD_ROLES.items()):
        func = click.option(f"--{role}-field", f"{role.replace('-', '_')}_field", default=None, metavar="NAME",
                            help=f"Generic mode: the column or JSON key (dotted for nested) holding {help_text}.")(func)
    return func


@click.command("logs")
@click.argument("files", nargs=-1)
@click.option("--log-format", "log_format", default=None,
              type=click.Choice(["auto", *format_names()]),
              help="The logs' format; auto (default) detects it from the first lines of each file.")
@click.option("--pseudonymise/--no-pseudonymise", default=None,
              help=f"Replace identities with keyed hashes (key from --pseudonymise-key or ${KEY_ENV}); "
              "default: [discovery.logs] pseudonymise.")
@click.option("--pseudonymise-key", envvar=KEY_ENV, default=None, metavar="KEY", show_envvar=True,
              help="The secret key for --pseudonymise; the same key gives the same pseudonyms across scans.")
@click.option("--catalogue", "catalogue_file", default=None, metavar="FILE.yaml",
              help="Extra AI services or app labels (same schema as discovery/catalogues/ai_services.yaml); "
              "an id that exists replaces the packaged entry. Default: [discovery.logs] catalogue.")
@click.option("--upload-bytes", default=None, type=click.IntRange(1),
              help=f"A request body at least this large is flagged as an upload (default "
              f"{DEFAULT_UPLOAD_BYTES}, or [discovery.logs] upload_bytes).")
@click.option("--athena", "athena_table", default=None, metavar="DATABASE.TABLE",
              help="Run the same detection as an Athena query over logs in S3 (read-only; boto3).")
@click.option("--athena-layout", default="generic",
              type=click.Choice(["generic", "route53", "zscaler", "cloudflare-http", "cloudflare-dns", "squid"]),
              show_default=True, help="Column layout of the Athena table; the --*-field options override it.")
@click.option("--athena-workgroup", default="primary", show_default=True)
@click.option("--athena-output", default=None, metavar="s3://BUCKET/PREFIX",
              help="Query result location, when the workgroup does not set one.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650),
              help="Athena: how many days back to look.")
@click.option("--profile", default=None, help="Athena: the AWS profile.")
@click.option("--region", default=None, help="Athena: the AWS region.")
@_generic_options
@format_option()
@fail_on_option()
@click.pass_context
def logs(ctx: click.Context, files: tuple[str, ...], log_format: str | None, pseudonymise: bool | None,
         pseudonymise_key: str | None, catalogue_file: str | None, upload_bytes: int | None, athena_table: str | None,
         athena_layout: str, athena_workgroup: str, athena_output: str | None, days: int, profile: str | None,
         region: str | None, output_format: str, fail_on: tuple[str, ...], **fields: str | None) -> None:
    """Find AI use in log FILES (`-` reads stdin; `.gz` is read transparently).

    Reads Squid, Zscaler NSS (JSON, CSV, b64url), Netskope (JSON, CSV), Cloudflare Gateway,
    Cisco Umbrella, PAN-OS (URL and TRAFFIC), Route 53 Resolver, Zeek, Okta, Google Workspace,
    Microsoft 365 audit (JSON or the Purview CSV export), CloudTrail, Azure OpenAI and
    OpenAI/Anthropic audit logs, or any CSV/JSON log whose fields you name (--host-field ...).
    Use is aggregated per app and identity, with counts, bytes and first/last seen. Malformed
    lines are counted and reported as a warning, AI-related or not; an unreadable or
    unrecognised file is an error (exit 3), never "no AI found". See docs/logs.md.
    """
    generic = {role: value for role, value in ((k.removesuffix("_field").replace("_", "-"), v)
                                                for k, v in fields.items()) if value}
    settings = app(ctx).config.discovery.logs  # flags win over aims.toml
    pseudonymise = settings.pseudonymise if pseudonymise is None else pseudonymise
    catalogue_file = catalogue_file or settings.catalogue
    upload_bytes = upload_bytes or settings.upload_bytes
    if pseudonymise and not pseudonymise_key:
        raise click.UsageError(f"--pseudonymise needs a key: set ${KEY_ENV} or pass --pseudonymise-key")
    key = pseudonymise_key if pseudonymise else None
    extra = load_catalogue_file(catalogue_file)
    if athena_table:
        if files:
            raise click.UsageError("give either log FILES or --athena, not both")
        connector = _athena_connector(athena_table, athena_layout, generic, athena_workgroup, athena_output, days,
                                      profile, region, key, extra)
        run_scan(ctx, connector, [f"athena://{athena_table}"], output_format=output_format, fail_on=fail_on)
        return
    if files:
        targets, chosen = list(files), log_format or "auto"
    else:  # the files and format configured in aims.toml [discovery.logs]
        configured = app(ctx).config.discovery.logs
        targets, chosen = list(configured.files), log_format or configured.format
    if not targets:
        raise click.UsageError("name at least one log FILE (or '-' for stdin), or --athena DATABASE.TABLE")
    if generic and "host" not in generic and "url" not in generic:
        raise click.UsageError("generic mode needs --host-field or --url-field")
    from connectors.logs import LogConnector

    try:
        connector = LogConnector(chosen, extra_services=extra, pseudonymise_key=key, generic_fields=generic or None,
                                 upload_bytes=upload_bytes, limits=app(ctx).config.limits.logs())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    run_scan(ctx, connector, targets, output_format=output_format, fail_on=fail_on)


def _athena_connector(table: str, layout: str, fields: dict[str, str], workgroup: str, output: str | None, days: int,
                      profile: str | None, region: str | None, key: str | None, extra: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    from connectors.logs.athena import AthenaLogConnector, AthenaSetupError, layout_columns

    try:
        columns = layout_columns(layout, fields)
        return AthenaLogConnector.from_profile(
            table, columns, profile=profile, region=region, workgroup=workgroup, output_location=output, days=days,
            pseudonymise_key=key, extra_services=extra,
        )
    except AthenaSetupError as exc:
        raise click.UsageError(str(exc)) from exc
