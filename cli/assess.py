"""`aims assess`: AI system impact assessments (ISO/IEC 42001 6.1.4, A.5.2–A.5.5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table, write_atomic
from cli.workspace.findings import ReviewError


def _with_llm(state, draft, system, llm: str | None, base_url: str | None):  # type: ignore[no-untyped-def]
    """The offline draft, with its prose sections drafted by a model when one is configured."""
    from gap.drafting.base import LLMUnavailableError
    from gap.drafting.llm import LLMDrafter, parse_llm_spec

    spec = llm or state.config.llm.provider or "none"
    try:
        parsed = parse_llm_spec(spec)
    except ValueError as exc:
        raise click.UsageError(f"--llm {spec!r}: {exc}") from exc
    if parsed is None:
        return draft
    from gap.aisia_llm import AssessmentLLMDrafter

    try:
        chat = LLMDrafter(parsed[1], base_url=base_url or state.config.llm.base_url)._build_chat_model()
        drafted, problems = AssessmentLLMDrafter(chat, parsed[1]).draft(system, draft)
    except LLMUnavailableError as exc:
        raise click.ClickException(f"the model is not reachable: {exc}") from exc
    if problems:
        state.info("the model's sections failed the citation checks after one retry; they stay marked for a "
                   "person: " + "; ".join(problems[:5]))
    return drafted


def _system(ctx: click.Context, key: str):  # type: ignore[no-untyped-def]
    from cli.inventory import current_inventory

    systems = current_inventory(ctx)
    matches = [s for s in systems if key in (s.id, s.name, s.register_entry)] or [
        s for s in systems if s.id.startswith(key)]
    if len(matches) != 1:
        raise click.ClickException(f"no system {key!r} in the inventory" if not matches
                                   else f"{key!r} is ambiguous ({len(matches)} systems)")
    return matches[0]


@click.command()
@click.argument("system", required=False)
@click.option("--list", "list_all", is_flag=True, help="List the stored assessments and the tier 1-2 systems lacking one.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the assessment to FILE: .md for Markdown, .docx for Word.")
@click.option("--accept", "action", flag_value="accept", help="Accept the assessment (every section written).")
@click.option("--reject", "action", flag_value="reject", help="Reject the assessment.")
@click.option("--set", "sets", multiple=True, metavar="SECTION=TEXT",
              help="Write a section (misuse, consequences, residual …); recorded as an edit on the review trail.")
@click.option("--llm", "llm", help="Draft the prose sections with a model: none (offline, the default) or "
              "openai:MODEL (config [llm] provider, env AIMS_LLM); its text must cite the facts it was given.")
@click.option("--base-url", help="OpenAI-compatible endpoint (env AIMS_LLM_BASE_URL).")
@click.option("--reviewer", envvar="AIMS_REVIEWER", help="Who reviews (env AIMS_REVIEWER).")
@click.option("--note", help="A note for the review trail.")
@format_option()
@click.pass_context
def assess(ctx: click.Context, system: str | None, list_all: bool, output: Path | None, action: str | None,
           sets: tuple[str, ...], llm: str | None, base_url: str | None, reviewer: str | None, note: str | None,
           output_format: str) -> None:
    """Draft, review and export the impact assessment (AISIA) of one AI SYSTEM (id, name or
    register id).

    \b
    The offline draft fills purpose, affected parties, data categories, decisions, existing
    cloud controls and reassessment triggers from the register and the evidence, and marks
    foreseeable misuse, consequences and residual risk for the owner to write. A re-draft never
    overwrites a reviewed assessment. Review on the same trail as findings:
      aims assess loan-scoring --set misuse="…" --set residual="…" --reviewer ana
      aims assess loan-scoring --accept --reviewer ana
      aims assess loan-scoring --output aisia.docx
    """
    from cli.workspace.assessments import AssessmentStore
    from gap.aisia import assessment_docx, assessment_markdown, draft_assessment

    state = app(ctx)
    store = AssessmentStore(state.workspace)
    if list_all or system is None:
        from cli.inventory import current_inventory

        assessments = {a.system_id: a for a in store.all()}
        lacking = [s for s in current_inventory(ctx) if s.risk_tier <= 2 and s.id not in assessments
                   and s.confidence.counts_as_use]
        if output_format == "json":
            emit_json("aims.assessments/1", {"assessments": list(assessments.values()),
                                             "lacking": [{"id": s.id, "name": s.name, "risk_tier": s.risk_tier}
                                                         for s in lacking]})
            return
        if assessments:
            click.echo(table([(a.system_id, a.system_name, a.risk_tier, a.review.state.value, a.review_by,
                               ", ".join(a.open_sections)) for a in assessments.values()],
                             ["SYSTEM", "NAME", "TIER", "STATE", "REVIEW BY", "NEEDS A PERSON"]))
        for s in lacking:
            click.echo(f"missing: tier {s.risk_tier} system {s.name} [{s.id}] has no impact assessment")
        return
    target = _system(ctx, system)
    try:
        if sets or action:
            if not reviewer:
                raise click.UsageError("--reviewer (or AIMS_REVIEWER) is required to review an assessment")
            if sets:
                pairs = dict(item.split("=", 1) for item in sets if "=" in item)
                if len(pairs) != len(sets):
                    raise click.UsageError("--set takes SECTION=TEXT")
                store.review(target.id, "edit", reviewer, note=note, sections=pairs)
            if action:
                store.review(target.id, action, reviewer, note=note)
            assessment = store.get(target.id)
        elif output is not None and store.get(target.id) is not None:
            assessment = store.get(target.id)
        else:
            from discovery.triggers import builtin_trigger_rules

            controls = state.workspace.cloud_controls()
            draft = draft_assessment(target, controls, date.today(), [r.id for r in builtin_trigger_rules() if r.enabled])
            draft = _with_llm(state, draft, target, llm, base_url)
            assessment, kept = store.save_draft(draft)
            if kept:
                state.info("a reviewed assessment exists: the new draft waits beside it (pending_draft)")
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    assert assessment is not None
    if output is not None:
        data = assessment_docx(assessment) if output.suffix.lower() == ".docx" else assessment_markdown(assessment)
        write_atomic(output, data)
        click.echo(f"Wrote the impact assessment of {assessment.system_name} to {output}", err=True)
    elif output_format == "json":
        emit_json("aims.assessment/1", {"assessment": assessment})
    else:
        click.echo(assessment_markdown(assessment))
