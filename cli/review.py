"""`aims review`: reviewers accept, edit or reject drafted findings; every action is on the trail."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table, write_atomic
from cli.workspace.findings import FindingStore, ReviewError
from gap.models import Finding, FindingStatus


def _reviewer(ctx: click.Context, given: str | None) -> str:
    reviewer = given or app(ctx).config.reviewer
    if not reviewer:
        raise click.UsageError("name the reviewer with --reviewer (or AIMS_REVIEWER, or `reviewer` in aims.toml)")
    return reviewer


reviewer_option = click.option("--reviewer", envvar="AIMS_REVIEWER", help="Who decides (env AIMS_REVIEWER).")
note_option = click.option("--note", help="A note kept on the review trail.")


def _store(ctx: click.Context) -> FindingStore:
    return FindingStore(app(ctx).workspace)


def _apply(ctx: click.Context, requirement: str, action: str, reviewer: str | None, **changes) -> Finding:  # type: ignore[no-untyped-def]
    try:
        return _store(ctx).review(requirement, action, _reviewer(ctx, reviewer), **changes)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(invoke_without_command=True)
@click.option("--interactive", "-i", is_flag=True, help="Walk through the drafts still awaiting a decision.")
@reviewer_option
@format_option()
@click.pass_context
def review(ctx: click.Context, interactive: bool, reviewer: str | None, output_format: str) -> None:
    """Review drafted findings. Without a subcommand, list them with their review state.

    Decisions are never lost: a re-run of `aims gap run` keeps every accepted, edited or
    rejected finding and stores the newer draft beside it (see `aims review reopen`).
    """
    if ctx.invoked_subcommand is not None:
        return
    findings = sorted(_store(ctx).all(), key=lambda f: _sort_key(f.requirement))
    if interactive:
        _interactive(ctx, findings, reviewer)
        return
    if output_format == "json":
        emit_json("aims.findings/1", {"findings": findings})
        return
    if not findings:
        click.echo("No findings yet. Run `aims gap run` first.")
        return
    rows = [(f.requirement, f.status.value, f.review.state.value, f.review.reviewer,
             "new draft waiting" if f.pending_draft else "", f.title) for f in findings]
    click.echo(table(rows, ["REQ", "STATUS", "REVIEW", "REVIEWER", "", "TITLE"]))
    waiting = sum(1 for f in findings if not f.review.state.is_human_decision)
    click.echo(f"\n{len(findings)} finding(s), {waiting} awaiting review.")


def _sort_key(requirement: str) -> tuple:  # type: ignore[type-arg]
    annex = requirement.startswith("A.")
    parts = requirement.removeprefix("A.").split(".")
    return (annex, [int(p) if p.isdigit() else 0 for p in parts])


def _interactive(ctx: click.Context, findings: list[Finding], reviewer: str | None) -> None:
    who = _reviewer(ctx, reviewer)
    pending = [f for f in findings if not f.review.state.is_human_decision]
    for index, finding in enumerate(pending, start=1):
        click.echo(f"\n[{index}/{len(pending)}] {finding.requirement} {finding.title}")
        click.echo(f"  status: {finding.status.value}   drafted by {finding.drafted_by.label()}")
        click.echo(f"  {finding.rationale}")
        for citation in finding.citations:
            click.echo(f"  > \"{citation.quote}\" ({citation.document}{' § ' + citation.section if citation.section else ''})")
        choice = click.prompt("  [a]ccept, [e]dit, [r]eject, [s]kip, [q]uit", type=click.Choice(list("aersq")),
                              show_choices=False, default="s")
        if choice == "q":
            return
        if choice == "a":
            _apply(ctx, finding.requirement, "accept", who)
        elif choice == "r":
            _apply(ctx, finding.requirement, "reject", who, note=click.prompt("  why", default="", show_default=False) or None)
        elif choice == "e":
            status = click.prompt("  status", type=click.Choice([s.value for s in FindingStatus]), default=finding.status.value)
            rationale = click.prompt("  rationale", default=finding.rationale)
            _apply(ctx, finding.requirement, "edit", who, status=FindingStatus(status), rationale=rationale)


def _decision(action: str, done: str, help_text: str) -> click.Command:
    """`aims review accept|reject REQUIREMENT`: the same command but for the decision it records."""

    @click.argument("requirement")
    @reviewer_option
    @note_option
    @click.pass_context
    def command(ctx: click.Context, requirement: str, reviewer: str | None, note: str | None) -> None:
        finding = _apply(ctx, requirement, action, reviewer, note=note)
        click.echo(f"{finding.requirement}: {done} by {finding.review.reviewer}")

    command.__doc__ = help_text
    return review.command(action)(command)


accept = _decision("accept", "accepted", "Accept the draft for REQUIREMENT as it stands.")
reject = _decision("reject", "rejected", "Reject the draft for REQUIREMENT.")


@review.command("edit")
@click.argument("requirement")
@click.option("--status", type=click.Choice([s.value for s in FindingStatus]), help="The corrected status.")
@click.option("--rationale", help="The corrected rationale.")
@click.option("--action", "actions", multiple=True, help="A corrective action (repeatable; replaces the list).")
@reviewer_option
@note_option
@click.pass_context
def edit(ctx: click.Context, requirement: str, status: str | None, rationale: str | None, actions: tuple[str, ...],
         reviewer: str | None, note: str | None) -> None:
    """Correct the draft for REQUIREMENT; the finding is marked edited by the reviewer."""
    finding = _apply(ctx, requirement, "edit", reviewer, note=note, status=FindingStatus(status) if status else None,
                     rationale=rationale, actions=list(actions) if actions else None)
    click.echo(f"{finding.requirement}: edited by {finding.review.reviewer} (status {finding.status.value})")


@review.command("reopen")
@click.argument("requirement")
@reviewer_option
@note_option
@click.pass_context
def reopen(ctx: click.Context, requirement: str, reviewer: str | None, note: str | None) -> None:
    """Undo the decision on REQUIREMENT, adopting the newest machine draft if one is waiting."""
    finding = _apply(ctx, requirement, "reopen", reviewer, note=note)
    click.echo(f"{finding.requirement}: reopened as a draft ({finding.status.value})")


@review.command("verify")
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Check the review trail: hash chain intact, findings agree with their last event. Exit 1 if not."""
    store = _store(ctx)
    problems = store.verify()
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem}")
        ctx.exit(1)
    click.echo(f"Review trail intact: {len(store.events())} event(s), hash chain verified.")


@review.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_sheet(ctx: click.Context, file: Path) -> None:
    """Write a review workbook (.xlsx) for offline review."""
    from gap.export.review_sheet import review_workbook

    findings = sorted(_store(ctx).all(), key=lambda f: _sort_key(f.requirement))
    write_atomic(file, review_workbook(findings))
    click.echo(f"Wrote {len(findings)} finding(s) to {file}; fill in the Decision column and `aims review import` it.")


@review.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reviewer_option
@click.pass_context
def import_sheet(ctx: click.Context, file: Path, reviewer: str | None) -> None:
    """Apply the decisions filled in a review workbook, each as a review event."""
    from gap.export.review_sheet import ReviewSheetError, read_decisions

    try:
        decisions = read_decisions(file.read_bytes(), str(file))
    except ReviewSheetError as exc:
        raise click.ClickException(str(exc)) from exc
    store = _store(ctx)
    unknown = [f"row {d.row}: {d.requirement}" for d in decisions if store.get(d.requirement) is None]
    if unknown:  # check every row before applying any, so a bad sheet changes nothing
        raise click.ClickException(f"{file}: no finding for " + "; ".join(unknown))
    for d in decisions:
        changes = {"note": d.note}
        if d.decision == "edit":
            changes.update(status=d.status, rationale=d.rationale)
        _apply(ctx, d.requirement, d.decision, d.reviewer or reviewer, **changes)
    click.echo(f"Applied {len(decisions)} decision(s) from {file}.")
