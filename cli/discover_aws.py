"""`aims discover aws`: every AI resource and its use in AWS accounts and regions, read-only.

boto3 loads inside the command, so `aims --help` stays fast.
"""

from __future__ import annotations

import click

from cli.cloud_scan import run_cloud_scan
from cli.output import format_option
from cli.scanning import fail_on_option
from connectors.base import Connector


def _regions(value: str) -> list[str] | str:
    value = value.strip()
    if value in ("", "all"):
        return "all"
    return [r.strip() for r in value.split(",") if r.strip()]


def build_connector(*, profile: str | None, regions: list[str] | str, org_role: str | None, days: int,
                    cloudtrail_s3: str | None, max_workers: int) -> Connector:
    """The connector the command runs (tests replace this to add stubs)."""
    import boto3
    from botocore.exceptions import ProfileNotFound

    from connectors.aws.connector import AWSConnector
    from connectors.aws.s3trail import TrailUriError

    try:
        session = boto3.session.Session(profile_name=profile) if profile else boto3.session.Session()
    except ProfileNotFound as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc
    try:
        return AWSConnector(session, regions=regions, org_role=org_role, days=days, cloudtrail_s3=cloudtrail_s3,
                            max_workers=max_workers)
    except TrailUriError as exc:
        raise click.BadParameter(str(exc), param_hint="--cloudtrail-s3") from exc


@click.command("aws")
@click.option("--profile", default=None, help="AWS profile (default: the standard credential chain).")
@click.option("--regions", default="all", show_default=True,
              help="'all' (every region enabled for each account) or a comma-separated list.")
@click.option("--org-role", default=None, metavar="NAME",
              help="Assume this role in every member account of the AWS Organization (sts:AssumeRole).")
@click.option("--days", default=7, show_default=True, type=click.IntRange(0, 365),
              help="CloudTrail look-back for AI usage (LookupEvents keeps 90 days; 0 skips usage).")
@click.option("--cloudtrail-s3", default=None, metavar="s3://BUCKET/PREFIX",
              help="A trail's S3 logs, read for data events (InvokeAgent, InvokeEndpoint ...).")
@click.option("--max-workers", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Concurrent API calls across accounts x regions x services.")
@format_option()
@fail_on_option()
@click.pass_context
def aws(ctx: click.Context, profile: str | None, regions: str, org_role: str | None, days: int,
        cloudtrail_s3: str | None, max_workers: int, output_format: str, fail_on: tuple[str, ...]) -> None:
    """Scan AWS accounts and regions for AI resources and their use, read-only.

    Needs only the permissions in docs/aws-readonly-policy.json. Anything that could not be
    read (AccessDenied, throttling) is listed and makes the exit code 3: it is never taken
    to mean "no AI there".
    """
    connector = build_connector(profile=profile, regions=_regions(regions), org_role=org_role, days=days,
                                cloudtrail_s3=cloudtrail_s3, max_workers=max_workers)
    run_cloud_scan(ctx, connector, output_format, fail_on)
