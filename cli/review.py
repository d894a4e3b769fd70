"""`aims review`: reviewers accept, edit or reject drafted findings; every action is on the trail.

A decision names the draft it acts on (`--draft HASH`, as `aims gap show ID` and the review
list print it); a decision against a draft that has changed since is refused with the reason.
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table, write_atomic
from cli.workspace.findings import FindingStore, ImportRefused, ReviewError
from discovery.safe_text import terminal_text
from gap.models import Finding, FindingStatus


def reviewer_name(ctx: click.Context, given: str | None) -> str:
    reviewer = (given or app(ctx).config.reviewer or "").strip()
    if not reviewer:
        raise click.UsageError("name the reviewer with --reviewer (or AIMS_REVIEWER, or `reviewer` in aims.toml)")
    return reviewer


reviewer_option = click.option("--reviewer", envvar="AIMS_REVIEWER", help="Who decides (env AIMS_REVIEWER).")
note_option = click.option("--note", help="A note kept on the review trail.")
draft_option = click.option(
    "--draft", "draft_hash", metavar="HASH",
    help="The draft hash you read (from `aims gap show ID`); refused if the draft has changed since.",
)


def _store(ctx: click.Context) -> FindingStore:
    return FindingStore(app(ctx).workspace)


def _apply(ctx: click.Context, requirement: str, action: str, reviewer: str | None, **changes) -> Finding:  # type: ignore[no-untyped-def]
    store = _store(ctx)
    try:
        if action != "reopen" and changes.get("draft_hash") is None:
            finding = store.find(requirement)
            waiting = finding.waiting_draft()
            if waiting is not None:
                # The decision would adopt a draft this reviewer has not been shown: make them name it.
                raise click.ClickException(
                    f"{finding.requirement} has a newer draft {waiting.content_hash()} waiting beside the decision; "
                    f"read it with `aims gap show {finding.requirement}` and pass --draft {waiting.content_hash()}")
        return store.review(requirement, action, reviewer_name(ctx, reviewer), **changes)
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc


def sort_key(requirement: str) -> tuple:  # type: ignore[type-arg]
    annex = requirement.startswith("A.")
    parts = requirement.removeprefix("A.").split(".")
    return (annex, [int(p) if p.isdigit() else 0 for p in parts])


_sort_key = sort_key  # the name other modules imported


@click.group(invoke_without_command=True)
@click.option("--interactive", "-i", is_flag=True, help="Walk through the drafts still awaiting a decision.")
@reviewer_option
@format_option()
@click.pass_context
def review(ctx: click.Context, interactive: bool, reviewer: str | None, output_format: str) -> None:
    """Review drafted findings. Without a subcommand, list them with their review state.

    Decisions are never lost: a re-run of `aims gap run` keeps every accepted, edited or
    rejected finding and, when its new draft says something different, keeps that draft
    beside the decision (see `aims gap show ID` and `aims review reopen`).
    """
    if ctx.invoked_subcommand is not None:
        return
    findings = sorted(_store(ctx).all(), key=lambda f: sort_key(f.requirement))
    if interactive:
        _interactive(ctx, findings, reviewer)
        return
    if output_format == "json":
        emit_json("aims.findings/1", {"findings": findings})
        return
    if not findings:
        click.echo("No findings yet. Run `aims gap run` first.")
        return
    rows = [(f.requirement, f.status.value, f.review.state.value, terminal_text(f.review.reviewer or ""),
             f.shown_draft().content_hash()[:12], "new draft waiting" if f.pending_draft else "",
             terminal_text(f.title)) for f in findings]
    click.echo(table(rows, ["REQ", "STATUS", "REVIEW", "REVIEWER", "DRAFT", "", "TITLE"]))
    waiting = sum(1 for f in findings if not f.review.state.is_human_decision)
    changed = sum(1 for f in findings if f.pending_draft)
    click.echo(f"\n{len(findings)} finding(s), {waiting} awaiting review"
               + (f", {changed} with a changed draft waiting" if changed else "") + ".")


def _interactive(ctx: click.Context, findings: list[Finding], reviewer: str | None) -> None:
    who = reviewer_name(ctx, reviewer)
    store = _store(ctx)
    pending = [f for f in findings if not f.review.state.is_human_decision or f.pending_draft]
    for index, finding in enumerate(pending, start=1):
        shown = finding.shown_draft()
        seen = {"draft_hash": shown.content_hash(), "expected_position": store.trail_position(finding.requirement)}
        click.echo(f"\n[{index}/{len(pending)}] {finding.requirement} {terminal_text(finding.title)}")
        click.echo(f"  status: {shown.status.value}   drafted by {terminal_text(shown.drafted_by.label())}"
                   f"   draft {seen['draft_hash']}")
        click.echo(f"  {terminal_text(shown.rationale, multiline=True)}")
        for citation in shown.citations:
            click.echo(f"  > \"{terminal_text(citation.quote)}\" ({terminal_text(citation.document)}"
                       f"{' § ' + terminal_text(citation.section) if citation.section else ''})")
        choice = click.prompt("  [a]ccept, [e]dit, [r]eject, [s]kip, [q]uit", type=click.Choice(list("aersq")),
                              show_choices=False, default="s")
        if choice == "q":
            return
        if choice == "a":
            _apply(ctx, finding.requirement, "accept", who, **seen)
        elif choice == "r":
            note = click.prompt("  why", default="", show_default=False) or None
            _apply(ctx, finding.requirement, "reject", who, note=note, **seen)
        elif choice == "e":
            status = click.prompt("  status", type=click.Choice([s.value for s in FindingStatus]), default=shown.status.value)
            rationale = click.prompt("  rationale", default=shown.rationale)
            _apply(ctx, finding.requirement, "edit", who, status=FindingStatus(status), rationale=rationale, **seen)


def _decision(action: str, done: str, help_text: str) -> click.Command:
    """`aims review accept|reject REQUIREMENT`: the same command but for the decision it records."""

    @click.argument("requirement")
    @reviewer_option
    @note_option
    @draft_option
    @click.pass_context
    def command(ctx: click.Context, requirement: str, reviewer: str | None, note: str | None,
                draft_hash: str | None) -> None:
        finding = _apply(ctx, requirement, action, reviewer, note=note, draft_hash=draft_hash)
        app(ctx).say(f"{finding.requirement}: {done} by {terminal_text(finding.review.reviewer)} "
                     f"(draft {finding.review.draft_hash})")

    command.__doc__ = help_text
    return review.command(action)(command)


accept = _decision("accept", "accepted", "Accept the draft for REQUIREMENT as it stands (the waiting draft, if one waits).")
reject = _decision("reject", "rejected", "Reject the draft for REQUIREMENT; the SoA then shows it as awaiting a decision.")


@review.command("edit")
@click.argument("requirement")
@click.option("--status", type=click.Choice([s.value for s in FindingStatus]), help="The corrected status.")
@click.option("--rationale", help="The corrected rationale.")
@click.option("--action", "actions", multiple=True, help="A corrective action (repeatable; replaces the list).")
@click.option("--owner", help="Who closes the gap (shown on the report's roadmap).")
@click.option("--due", type=click.DateTime(formats=["%Y-%m-%d"]), help="When it is due (YYYY-MM-DD).")
@reviewer_option
@note_option
@draft_option
@click.pass_context
def edit(ctx: click.Context, requirement: str, status: str | None, rationale: str | None, actions: tuple[str, ...],
         owner: str | None, due, reviewer: str | None, note: str | None, draft_hash: str | None) -> None:  # type: ignore[no-untyped-def]
    """Correct the draft for REQUIREMENT; the finding is marked edited by the reviewer."""
    finding = _apply(ctx, requirement, "edit", reviewer, note=note, status=FindingStatus(status) if status else None,
                     rationale=rationale, actions=list(actions) if actions else None, draft_hash=draft_hash,
                     owner=owner, due=due.date() if due else None)
    app(ctx).say(f"{finding.requirement}: edited by {terminal_text(finding.review.reviewer)} "
                 f"(status {finding.status.value})")


@review.command("reopen")
@click.argument("requirement")
@reviewer_option
@note_option
@click.pass_context
def reopen(ctx: click.Context, requirement: str, reviewer: str | None, note: str | None) -> None:
    """Undo the decision on REQUIREMENT, adopting the newest machine draft if one is waiting.
    A finding that was never decided cannot be reopened."""
    finding = _apply(ctx, requirement, "reopen", reviewer, note=note)
    app(ctx).say(f"{finding.requirement}: reopened as a draft ({finding.status.value})")


@review.command("verify")
@click.option("--expect-head", metavar="HASH", help="A trail head printed earlier (in a report or SoA); fail unless "
              "the trail still holds the event with that hash.")
@click.option("--seal-legacy", is_flag=True, help="Seal, once, the head of a trail written before aims keyed it "
              "(refused if anything else is wrong). Check the trail first: this vouches for it.")
@format_option()
@click.pass_context
def verify(ctx: click.Context, expect_head: str | None, seal_legacy: bool, output_format: str) -> None:
    """Check the review trail: chain, keyed seals, head, and findings agree with their last
    event. Exit 1 on any problem."""
    store = _store(ctx)
    if seal_legacy:
        try:
            sealed = store.seal_legacy()
        except ReviewError as exc:
            raise click.ClickException(str(exc)) from exc
        app(ctx).say(f"Sealed the pre-key trail: {sealed.events} event(s), head {sealed.hash}.")
    problems = store.verify()
    from cli.workspace.assessments import AssessmentStore

    problems += AssessmentStore(app(ctx).workspace).verify()  # impact assessments share the trail
    head = store.head()
    if expect_head:
        wanted = expect_head.strip().lower()
        hashes = [e.hash for e in store.events()]
        if len(wanted) < 8 or not any(h.startswith(wanted) for h in hashes):
            problems.append(f"the expected head {wanted} is not an event of this trail (the trail was rewritten)")
    if output_format == "json":
        emit_json("aims.trail/1", {"intact": not problems, "events": head.events, "head": head.hash,
                                   "problems": problems})
        if problems:
            ctx.exit(1)
        return
    if problems:
        for problem in problems:
            click.echo(f"FAIL {terminal_text(problem)}")
        ctx.exit(1)
    click.echo(f"Review trail intact: {head.events} event(s), head {head.hash}; chain, seals and findings verified.")


@review.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_sheet(ctx: click.Context, file: Path) -> None:
    """Write a review workbook (.xlsx) for offline review. Each row carries its draft hash and
    trail position, so a row that goes stale before it is imported is refused."""
    from gap.export.review_sheet import ExportRow, review_workbook

    store = _store(ctx)
    findings = sorted(store.all(), key=lambda f: sort_key(f.requirement))
    if not findings:
        raise click.ClickException("no findings yet; run `aims gap run` first")
    from cli.soa import document_meta

    rows = [ExportRow(f, store.trail_position(f.requirement)) for f in findings]
    write_atomic(file, review_workbook(rows, document_meta(ctx, "")))
    app(ctx).say(f"Wrote {len(findings)} finding(s) to {file}; fill in the Decision column and "
                 "`aims review import` it.")


@review.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reviewer_option
@format_option()
@click.pass_context
def import_sheet(ctx: click.Context, file: Path, reviewer: str | None, output_format: str) -> None:
    """Apply the decisions filled in a review workbook, all or nothing, credited to --reviewer.

    Rows whose draft changed or that someone decided since the export, duplicate rows,
    formulas and unknown columns are refused with their row number, and then nothing is
    applied. Importing the same file again records nothing new.
    """
    from gap.export.review_sheet import ReviewSheetError, read_decisions

    who = reviewer_name(ctx, reviewer)
    try:
        rows = read_decisions(file.read_bytes(), file.name)
    except ReviewSheetError as exc:
        raise click.ClickException(str(exc)) from exc
    refused_error: ImportRefused | None = None
    try:
        outcomes = _store(ctx).import_rows(rows, who, file.name)
    except ImportRefused as exc:
        outcomes, refused_error = exc.outcomes, exc
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    if output_format == "json":
        emit_json("aims.review-import/1", {"file": file.name, "reviewer": who, "applied": refused_error is None,
                                           "rows": [o.__dict__ for o in outcomes]})
    else:
        for o in outcomes:
            shown = o.outcome if refused_error is None or o.outcome == "refused" else f"{o.outcome} (rolled back)"
            click.echo(f"row {o.row}: {terminal_text(o.requirement)}: {shown}{': ' + terminal_text(o.detail) if o.detail else ''}")
        counts = {k: sum(1 for o in outcomes if o.outcome == k) for k in ("applied", "unchanged", "refused")}
        if refused_error is None:
            click.echo(f"{file.name}: {counts['applied']} applied, {counts['unchanged']} unchanged, credited to "
                       f"{terminal_text(who)}.")
    if refused_error is not None:
        raise click.ClickException(f"{file.name}: {refused_error}")
