"""`aims discover code`: AI use in source code, from local directories, git URLs and whole
GitHub organisations or GitLab groups. Loads nothing heavy: no chromadb, langchain or boto3."""

from __future__ import annotations

import os
import re

import click

from cli.context import app
from cli.output import format_option
from cli.scanning import fail_on_option, run_scan

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*$")
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


class ByteSize(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if not match:
            self.fail(f"{value!r} is not a size like 5MB, 500k or 1000000", param, ctx)
        return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@click.command("code")
@click.argument("targets", nargs=-1)
@click.option("--github-org", "github_orgs", multiple=True, metavar="ORG",
              help="Scan every repository of a GitHub organisation (token from $GITHUB_TOKEN; "
              "$GITHUB_API_URL for GitHub Enterprise). Repeatable.")
@click.option("--gitlab-group", "gitlab_groups", multiple=True, metavar="GROUP",
              help="Scan every project of a GitLab group and its subgroups (token from $GITLAB_TOKEN; "
              "$GITLAB_URL for self-hosted). Repeatable.")
@click.option("--no-ignore", is_flag=True, help="Also read files that .gitignore excludes.")
@click.option("--follow-symlinks", is_flag=True,
              help="Read files that symbolic links in a repository point to outside it (default: reported, skipped).")
@click.option("--max-file-size", default="5MB", show_default=True, type=ByteSize(),
              help="Skip (and count) files larger than this; model files are identified from their header "
              "whatever their size.")
@click.option("--jobs", "-j", default=0, type=click.IntRange(0), show_default=True,
              help="Worker processes for big trees; 0 uses every core.")
@format_option("table", "json", "sarif")
@fail_on_option()
@click.pass_context
def code(ctx: click.Context, targets: tuple[str, ...], github_orgs: tuple[str, ...], gitlab_groups: tuple[str, ...],
         no_ignore: bool, follow_symlinks: bool, max_file_size: int, jobs: int, output_format: str, fail_on: tuple[str, ...]) -> None:
    """Find AI use in code: local directories or files, and git URLs (cloned shallow into the
    workspace cache).

    Reads imports and calls (Python, JS/TS, Java/Kotlin, Go, C#, Ruby, Rust, PHP, shell),
    manifests and lock files, notebooks, API endpoints, key and variable names (keys are never
    stored), model ids, model files, MCP configs, IaC (Terraform, CloudFormation, CDK, Helm) and
    container images, and which vendor a framework is configured for (Spring AI, LangChain4j,
    Semantic Kernel, LiteLLM/DSPy routes). A mention in docs, comments or a README is not a use,
    nor are a secret scanner's rules or fake keys. One system per repository and provider.
    """
    from connectors.code.connector import CodeConnector, CodeScanOptions

    state = app(ctx)
    if not targets and not github_orgs and not gitlab_groups:
        configured = state.config.discovery.code
        targets, github_orgs, gitlab_groups = tuple(configured.paths), tuple(configured.github_orgs), tuple(
            configured.gitlab_groups)
    if not targets and not github_orgs and not gitlab_groups:
        raise click.UsageError("name at least one directory or git URL, or --github-org / --gitlab-group")
    options = CodeScanOptions(
        respect_ignore=not no_ignore,
        follow_symlinks=follow_symlinks,
        max_file_size=max_file_size,
        jobs=jobs or os.cpu_count() or 1,
        cache_dir=state.workspace.cache_path,
        github_orgs=github_orgs,
        gitlab_groups=gitlab_groups,
    )
    render = None
    if output_format == "sarif":
        from connectors.code.sarif import render_sarif
        from discovery.code.catalogue import load_catalogue

        catalogue = load_catalogue()

        def render(report):  # type: ignore[no-untyped-def]
            return render_sarif(report, catalogue)

    # Listed org repositories are added by the connector itself, as their clone URLs.
    run_scan(ctx, CodeConnector(options), list(targets), output_format=output_format, fail_on=fail_on, render=render)
