"""`aims gap`: draft and show the ISO/IEC 42001 gap analysis."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import click

from cli.context import app
from cli.exitcodes import INCOMPLETE
from cli.output import emit_json, format_option, table
from cli.workspace.findings import FindingStore
from discovery.safe_text import terminal_text


@click.group()
def gap() -> None:
    """The gap analysis: one finding per requirement (clauses 4.1–10.2, Annex A A.2.2–A.10.4),
    citing verified policy passages and the technical evidence discovery found."""


def _sort_key(requirement: str) -> tuple:  # type: ignore[type-arg]
    from cli.review import _sort_key as review_order

    return review_order(requirement)


@gap.command("run")
@click.option("--llm", "llm", help="Drafter: none (offline, the default), openai:MODEL (OpenAI or any OpenAI-compatible "
              "server via --base-url) or azure:DEPLOYMENT (env AIMS_LLM).")
@click.option("--base-url", help="OpenAI-compatible endpoint; a query string such as ?api-version=... is kept "
              "(env AIMS_LLM_BASE_URL).")
@click.option("--api-version", help="Azure OpenAI API version (env AIMS_LLM_API_VERSION).")
@click.option("--temperature", type=click.FloatRange(0, 2), help="Sampling temperature (env AIMS_LLM_TEMPERATURE; default 0).")
@click.option("--max-tokens", type=click.IntRange(1), help="Cap on each answer's tokens (env AIMS_LLM_MAX_TOKENS).")
@click.option("--timeout", "timeout_seconds", type=click.FloatRange(min=0, min_open=True),
              help="Seconds per request (env AIMS_LLM_TIMEOUT; default 60).")
@click.option("--retries", "max_retries", type=click.IntRange(0, 10),
              help="Retries per request after a rate limit, server error or timeout (env AIMS_LLM_RETRIES; default 2).")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Requests in flight at once (env AIMS_LLM_CONCURRENCY; default 4).")
@click.option("--structured-output", type=click.Choice(["json_schema", "function_calling", "json_mode"]),
              help="How the answer's schema is enforced: json_schema (OpenAI, vLLM), function_calling (llama.cpp and "
              "other tools-only servers), json_mode (schema spelled out in the prompt) (env AIMS_LLM_STRUCTURED_OUTPUT).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'",
              help="Extra HTTP header, repeatable; keep secrets in the environment (env AIMS_LLM_HEADERS).")
@click.option("--llm-required/--no-llm-required", default=None,
              help="Fail (exit 1) when a requirement cannot be drafted by the model, instead of exit 3 (env AIMS_LLM_REQUIRED).")
@click.option("--force", is_flag=True, help="Re-draft every requirement, even those whose inputs are unchanged.")
@click.option("--only", help="Comma-separated requirement ids to draft (e.g. 5.2,A.6.2.8).")
@click.option("-k", "k", type=click.IntRange(1, 30), default=6, show_default=True, help="Passages retrieved per requirement.")
@format_option()
@click.pass_context
def run(ctx: click.Context, llm: str | None, base_url: str | None, headers: tuple[str, ...], llm_required: bool | None,
        force: bool, only: str | None, k: int, output_format: str, **flags: object) -> None:
    """Draft a finding for every requirement whose inputs (retrieved passages, discovery evidence,
    catalogue, prompt and drafter settings) changed since the last run. Reviewed findings are never
    overwritten: a newer draft is kept beside the decision. With no LLM configured the offline
    drafter is used and its drafts say so. The drafter is never swapped: when the LLM endpoint
    fails, cached answers are still used, the requirements it could not draft keep their previous
    draft and are listed, and the run exits 3 (1 with --llm-required)."""
    from cli.inventory import current_inventory
    from cli.policies import open_index
    from discovery.controls import CloudControl
    from gap.assess import RetrieverPassages, assess
    from gap.drafting import drafter_for
    from gap.drafting.settings import parse_headers
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
    options = config.llm.settings_options()
    options.update({key: value for key, value in flags.items() if value is not None})
    try:
        if headers:
            options["headers"] = {**options.get("headers", {}), **parse_headers(list(headers))}
        drafter = drafter_for(spec, base_url=base_url or config.llm.base_url, cache_dir=state.workspace.cache_path,
                              **options)
    except ValueError as exc:
        raise click.UsageError(f"--llm {spec!r}: {exc}") from exc
    required = config.llm.required if llm_required is None else llm_required
    state.progress("loading the policy index", 0, None)
    index = open_index(state)
    if not index.documents():
        state.info("warning: no policies are indexed (`aims policies add PATH`); findings can only cite discovery evidence")
    controls = [CloudControl.model_validate(c) for c in state.workspace.cloud_controls()]
    started = datetime.now(timezone.utc).replace(microsecond=0)
    store = FindingStore(state.workspace)
    last = store.last_run() or {}
    drafted_before = {f.requirement for f in store.all()}
    previous = {} if force else {r: h for r, h in (last.get("inputs") or {}).items() if r in drafted_before}

    def progress(done: int, total: int, finding) -> None:  # type: ignore[no-untyped-def]
        state.progress(f"drafting ({finding.requirement} done)", done, total)

    result = assess(catalogue, RetrieverPassages(Retriever(index)), drafter, inventory=current_inventory(ctx),
                    controls=controls, only=selected, progress=progress, k=k, previous_inputs=previous)
    state.progress_done()
    for finding in result.findings:
        if not finding.title:
            finding.title = catalogue.get(finding.requirement).title
    from gap.reuse import annotate_reuse, reuse_summary

    result.findings[:] = annotate_reuse(result.findings, catalogue)
    # Requirements whose inputs did not change keep their stored finding: they count in the
    # run's summary as much as the ones drafted anew.
    drafted_now = {f.requirement for f in result.findings}
    unchanged = [f for f in store.all() if f.requirement in result.sources and f.requirement not in drafted_now]
    in_scope = result.findings + unchanged
    reuse = reuse_summary(in_scope)
    suspicious = sorted({p.chunk_id for f in in_scope for p in f.suspicious_passages})
    decided_unchanged = sum(1 for f in unchanged if f.review.state.is_human_decision)
    usage = getattr(drafter, "usage", None)
    counts = result.counts()
    inputs = {**(last.get("inputs") or {}), **result.inputs}
    for requirement in result.failures:
        inputs.pop(requirement, None)  # its stored draft is older than its inputs: draft it next time
    run_doc = {"id": "gap-" + uuid.uuid4().hex[:8], "started_at": started.isoformat(), "drafter": spec,
               "drafted_by": drafter.label.label(), "requirements": len(result.sources), "sources": counts,
               "failures": result.failures, "endpoint_error": result.endpoint_error, "problems": result.problems,
               "usage": usage.as_dict(drafter.label.model) if usage is not None else None,
               "isms_reuse": reuse, "suspicious_passages": len(suspicious), "inputs": inputs}
    summary = store.save_drafts(result.findings, run_doc)
    wanted = set(result.sources)
    stored = sorted((f for f in store.all() if f.requirement in wanted), key=lambda f: _sort_key(f.requirement))
    for problem in result.problems:
        state.info(terminal_text(f"warning: {problem}"))  # server error text is untrusted
    if output_format == "json":
        emit_json("aims.findings/1", {"run": {k: v for k, v in run_doc.items() if k != "inputs"}, "findings": stored})
    else:
        _print_findings(stored)
        click.echo(f"\n{len(stored)} finding(s): {summary.new} new, {summary.updated} redrafted, "
                   f"{summary.preserved + decided_unchanged} reviewed and kept" + (f" ({len(summary.waiting)} with a changed draft waiting "
                   f"for review: {', '.join(summary.waiting)})" if summary.waiting else "") + ".")
        click.echo(terminal_text(_sources_line(counts, drafter.label.model)))
        if usage is not None and usage.calls:
            click.echo(_usage_line(usage.as_dict(drafter.label.model)))
        click.echo(f"ISMS reuse: existing ISO/IEC 27001 evidence carries over for {reuse['counted']} of "
                   f"{reuse['requirements']} requirement(s) ({reuse['share']:.0%}); for {reuse['available']} more an "
                   "ISMS procedure exists that does not yet cover AI (see REUSE in `aims gap show`).")
        if suspicious:
            click.echo(f"Untrusted text: {len(suspicious)} passage(s) address an assessment tool or claim blanket "
                       "conformance; they were never used as evidence (listed in `aims gap show ID` and the report).")
        if drafter.label.offline:
            click.echo("Drafted offline, without a language model: treat the drafts as a starting point for review.")
    if result.failures:
        message = (f"{len(result.failures)} requirement(s) could not be drafted by {drafter.label.model} and keep their "
                   f"previous draft, if any: {', '.join(result.failures)}")
        if required:
            raise click.ClickException(terminal_text(message + " (--llm-required)"))
        click.echo(terminal_text(f"incomplete: {message}"), err=True)  # even with --quiet: the exit code alone does not say which
        ctx.exit(INCOMPLETE)


def _sources_line(counts: dict[str, int], model: str) -> str:
    return (f"Drafts: {counts['llm']} by the model ({model}), {counts['cache']} from the cache, {counts['offline']} by "
            f"the offline assessor, {counts['unchanged']} unchanged (not re-drafted), {counts['failed']} failed.")


def _usage_line(usage: dict) -> str:  # type: ignore[type-arg]
    line = (f"Model calls: {usage['calls']}; tokens: {usage['prompt_tokens']} prompt, "
            f"{usage['completion_tokens']} completion")
    if usage["estimated_cost"] is not None:
        line += f"; estimated cost {usage['currency']} {usage['estimated_cost']:.4f} (prices as of {usage['prices_as_of']})"
    return line + "."


def _print_findings(findings) -> None:  # type: ignore[no-untyped-def]
    rows = [(f.requirement, f.status.value, f.review.state.value, len(f.citations),
             f.isms_reuse.state.value if f.isms_reuse else "-", f.title) for f in findings]
    click.echo(table(rows, ["REQ", "STATUS", "REVIEW", "CITES", "REUSE", "TITLE"]))


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


@gap.command("roadmap")
@format_option()
@click.pass_context
def roadmap(ctx: click.Context, output_format: str) -> None:
    """Order the open gaps into phases of work: context and scope, risk and impact assessment and
    SoA, operational controls, performance evaluation, certification readiness. Each item names
    the clause behind it and the ISO/IEC 27001 evidence that can be extended instead of started anew."""
    from discovery.safe_text import terminal_text
    from gap.requirements import load_catalogue
    from gap.roadmap import build_roadmap

    findings = FindingStore(app(ctx).workspace).all()
    plan = build_roadmap(findings, load_catalogue())
    if output_format == "json":
        emit_json("aims.roadmap/1", plan.to_json())
        return
    if not findings:
        click.echo("No findings yet. Run `aims gap run`.")
        return
    for phase in plan.phases:
        click.echo(f"\nPhase {phase.number}: {phase.name} ({len(phase.items)} open)\n  {phase.why}")
        for item in phase.items:
            reuse = f"  [extend ISO/IEC 27001 {', '.join(item.isms_reuse)}]" if item.isms_reuse else ""
            basis = "" if item.clause == item.requirement else f" (clause {item.clause})"
            click.echo(f"  {item.requirement:8} {item.status:21} {terminal_text(item.title)}{basis}{reuse}")
            for action in item.actions[:3]:
                click.echo(f"           - {terminal_text(action)}")
    click.echo(f"\n{plan.open} open item(s) in {sum(1 for p in plan.phases if p.items)} phase(s); "
               f"{plan.closed} conformant or not applicable.")


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
    if f.elements_found or f.elements_missing:
        click.echo(f"  elements found: {t('; '.join(f.elements_found)) or 'none'}\n"
                   f"  elements missing: {t('; '.join(f.elements_missing)) or 'none'}")
    if f.isms_reuse:
        click.echo(f"  ISMS reuse ({f.isms_reuse.state.value}): ISO/IEC 27001:2022 {', '.join(f.isms_reuse.iso27001)}"
                   + (f" from {t(', '.join(f.isms_reuse.documents))}" if f.isms_reuse.documents else ""))
    for p in f.suspicious_passages:
        click.echo(f"  UNTRUSTED, not evidence: {t(p.document)}{' § ' + t(p.section) if p.section else ''}: {t(p.reason)}\n"
                   f"    \"{t(p.excerpt)}\"")
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
