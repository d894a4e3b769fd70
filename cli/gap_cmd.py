"""`aims gap`: draft and show the ISO/IEC 42001 gap analysis."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import click

from cli.context import app
from cli.output import emit_json, format_option, table
from cli.workspace.findings import FindingStore


@click.group()
def gap() -> None:
    """The gap analysis: one finding per requirement (clauses 4.1–10.2, Annex A A.2.2–A.10.4),
    citing verified policy passages and the technical evidence discovery found."""


def _sort_key(requirement: str) -> tuple:  # type: ignore[type-arg]
    from cli.review import _sort_key as review_order

    return review_order(requirement)


@gap.command("run")
@click.option("--llm", "llm", help="Drafter: none (offline, the default) or openai:MODEL; any OpenAI-compatible "
              "server via --base-url (env AIMS_LLM).")
@click.option("--base-url", help="OpenAI-compatible endpoint (env AIMS_LLM_BASE_URL).")
@click.option("--only", help="Comma-separated requirement ids to draft (e.g. 5.2,A.6.2.8).")
@click.option("-k", "k", type=click.IntRange(1, 30), default=6, show_default=True, help="Passages retrieved per requirement.")
@format_option()
@click.pass_context
def run(ctx: click.Context, llm: str | None, base_url: str | None, only: str | None, k: int, output_format: str) -> None:
    """Draft a finding for every requirement. Reviewed findings are never overwritten: a newer
    draft is kept beside the decision. With no LLM configured the offline drafter is used and
    its drafts say so."""
    from cli.inventory import current_inventory
    from cli.policies import open_index
    from discovery.controls import CloudControl
    from gap.assess import RetrieverPassages, assess
    from gap.drafting import drafter_for
    from gap.requirements import UnknownRequirementError, load_catalogue
    from rag.retriever import Retriever

    state = app(ctx)
    config = state.config
    spec = llm or config.llm.provider or "none"
    catalogue = load_catalogue()
    selected = None
    if only:
        try:
            selected = catalogue.validate_ids([part for part in only.split(",") if part.strip()])
        except UnknownRequirementError as exc:
            raise click.UsageError(str(exc)) from exc
    try:
        drafter = drafter_for(spec, base_url=base_url or config.llm.base_url, cache_dir=state.workspace.cache_path)
    except ValueError as exc:
        raise click.UsageError(f"--llm {spec!r}: {exc}") from exc
    state.progress("loading the policy index", 0, None)
    index = open_index(state)
    if not index.documents():
        state.info("warning: no policies are indexed (`aims policies add PATH`); findings can only cite discovery evidence")
    controls = [CloudControl.model_validate(c) for c in state.workspace.cloud_controls()]
    started = datetime.now(timezone.utc).replace(microsecond=0)

    def progress(done: int, total: int, finding) -> None:  # type: ignore[no-untyped-def]
        state.progress(f"drafting ({finding.requirement} done)", done, total)

    result = assess(catalogue, RetrieverPassages(Retriever(index)), drafter, inventory=current_inventory(ctx),
                    controls=controls, only=selected, progress=progress, k=k)
    state.progress_done()
    for finding in result.findings:
        if not finding.title:
            finding.title = catalogue.get(finding.requirement).title
    run_doc = {"id": "gap-" + uuid.uuid4().hex[:8], "started_at": started.isoformat(), "drafter": spec,
               "requirements": len(result.findings), "problems": result.problems,
               "fallback_reason": result.fallback_reason}
    store = FindingStore(state.workspace)
    summary = store.save_drafts(result.findings, run_doc)
    wanted = {f.requirement for f in result.findings}
    stored = sorted((f for f in store.all() if f.requirement in wanted), key=lambda f: _sort_key(f.requirement))
    for problem in result.problems:
        state.info(f"warning: {problem}")
    if output_format == "json":
        emit_json("aims.findings/1", {"run": run_doc, "findings": stored})
        return
    _print_findings(stored)
    click.echo(f"\n{len(stored)} finding(s): {summary.new} new, {summary.updated} redrafted, "
               f"{summary.preserved} reviewed and kept" + (f" ({len(summary.waiting)} with a changed draft waiting "
               f"for review: {', '.join(summary.waiting)})" if summary.waiting else "") + ".")
    if drafter.label.offline or result.fallback_reason:
        click.echo("Drafted offline, without a language model: treat the drafts as a starting point for review.")


def _print_findings(findings) -> None:  # type: ignore[no-untyped-def]
    rows = [(f.requirement, f.status.value, f.review.state.value, len(f.citations), f.title) for f in findings]
    click.echo(table(rows, ["REQ", "STATUS", "REVIEW", "CITES", "TITLE"]))


@gap.command("show")
@click.argument("requirement", required=False)
@format_option()
@click.pass_context
def show(ctx: click.Context, requirement: str | None, output_format: str) -> None:
    """Show every finding, or one REQUIREMENT in full with its citations."""
    store = FindingStore(app(ctx).workspace)
    findings = sorted(store.all(), key=lambda f: _sort_key(f.requirement))
    if requirement:
        from gap.requirements import UnknownRequirementError, normalise_id

        wanted = normalise_id(requirement)
        findings = [f for f in findings if f.requirement == wanted]
        if not findings:
            try:
                from gap.requirements import load_catalogue

                load_catalogue().get(wanted)
            except UnknownRequirementError as exc:
                raise click.UsageError(str(exc)) from exc
            raise click.ClickException(f"no finding for {wanted}; run `aims gap run`")
    if output_format == "json":
        emit_json("aims.findings/1", {"findings": findings})
        return
    if not findings:
        click.echo("No findings yet. Run `aims gap run`.")
        return
    if not requirement:
        _print_findings(findings)
        return
    _print_one(FindingStore(app(ctx).workspace), findings[0])


def _print_one(store: FindingStore, f) -> None:  # type: ignore[no-untyped-def]
    from discovery.safe_text import terminal_text as t
    from gap.draft_diff import draft_changes

    shown = f.shown_draft()
    click.echo(f"{f.requirement} {t(f.title)}\n  status: {f.status.value}   review: {f.review.state.value}"
               f"{' by ' + t(f.review.reviewer) if f.review.reviewer else ''}"
               f"{' on ' + f.review.at.isoformat() if f.review.at else ''}\n  drafted by: {t(f.drafted_by.label())}"
               f"{'   NEEDS MANUAL REVIEW' if f.needs_manual_review else ''}\n"
               f"  draft: {shown.content_hash()}   trail position: {store.trail_position(f.requirement)}"
               f"\n\n{t(f.rationale, multiline=True)}\n")
    if f.review.note:
        click.echo(f"  reviewer's note: {t(f.review.note, multiline=True)}")
    for c in f.citations:
        click.echo(f"  > \"{t(c.quote)}\"\n    — {t(c.document)}{' § ' + t(c.section) if c.section else ''}"
                   f"{' p. ' + str(c.page) if c.page else ''} [{c.start}:{c.end}]")
    for e in f.technical_evidence:
        click.echo(f"  evidence: {t(e.summary)} ({t(e.id)})")
    for a in f.actions:
        click.echo(f"  action: {t(a)}")
    waiting = f.waiting_draft()
    if waiting is not None:
        click.echo(f"\n  A newer draft {waiting.content_hash()} ({waiting.status.value}) waits beside the decision. "
                   "What it changes:")
        for change in draft_changes(f, waiting):
            before = f"{t(change.before)} -> " if change.before and change.after else t(change.before)
            click.echo(f"    {change.field}: {before}{t(change.after)}")
        click.echo(f"  The newer draft in full:\n  status: {waiting.status.value}\n  "
                   f"{t(waiting.rationale, multiline=True)}")
        for c in waiting.citations:
            click.echo(f"  > \"{t(c.quote)}\" — {t(c.document)}{' § ' + t(c.section) if c.section else ''}")
        for a in waiting.actions:
            click.echo(f"  action: {t(a)}")
        click.echo(f"  Accept it with `aims review accept {f.requirement} --draft {waiting.content_hash()}`, "
                   f"or `aims review reopen {f.requirement}` to take it up as a draft.")
