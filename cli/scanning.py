"""Run one connector, persist the scan atomically, update the inventory and report (shared by
every `aims discover` command)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.context import app
from cli.exitcodes import GATE, INCOMPLETE, OK
from cli.output import table
from connectors.base import Connector, ScanResult, paused_collections
from discovery.diff import InventoryDiff, diff_inventories
from discovery.merge import merge_observations
from discovery.models import AISystem, IssueSeverity, LinkFact, Observation, Scan, ScanIssue, new_scan_id, utcnow
from discovery.register import Register, RegisterEntry, classify
from discovery.risk import TierRuleError, TierRules, assess_risk, load_tier_rules
from discovery.triggers import Trigger, TriggerRule, TriggerRuleError, evaluate_triggers, load_trigger_rules
from discovery.safe_text import terminal_text as safe

FAIL_ON_CHOICES = ("new-shadow", "shadow", "high-risk", "incomplete", "trigger")


@dataclass
class ScanReport:
    scan: Scan
    observations: list[Observation]
    systems: list[AISystem]
    issues: list[ScanIssue]
    diff: InventoryDiff
    result: ScanResult
    gates: list[str] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)


def fail_on_option():  # type: ignore[no-untyped-def]
    return click.option(
        "--fail-on", "fail_on", multiple=True, type=click.Choice(FAIL_ON_CHOICES),
        help="Exit 4 when: new-shadow (a shadow system not in the last scan), shadow (any), "
        "high-risk (any risk tier 1), incomplete (a source could not be read; otherwise exit 3), "
        "trigger (an 8.2 reassessment trigger fired). Repeatable.",
    )


def inventory_builder(
    register: Register | list[RegisterEntry] | None, today: date, rules: TierRules | None = None
) -> Callable[[list[Observation], list[LinkFact]], list[AISystem]]:
    if isinstance(register, list):
        register = Register(providers=tuple(register))

    def build(observations: list[Observation], facts: list[LinkFact] = ()) -> list[AISystem]:  # type: ignore[assignment]
        systems = merge_observations(observations, facts=facts, register=register)
        return [assess_risk(s, rules) for s in classify(systems, register, today)]

    return build


def classify_again(systems: list[AISystem], register: Register | None, today: date,
                   rules: TierRules | None = None) -> list[AISystem]:
    """Status and tier for a new day (approvals lapse) without re-joining observations."""
    return [assess_risk(s, rules) for s in classify(systems, register, today)]


def tier_rules(state: Any) -> TierRules | None:  # noqa: ANN401 (AppContext; avoids an import cycle)
    path = state.config.risk.rules if hasattr(state.config, "risk") else None
    if not path:
        return None
    try:
        return load_tier_rules(Path(path))
    except TierRuleError as exc:
        raise click.ClickException(str(exc)) from exc


def trigger_rules(state: Any) -> tuple[TriggerRule, ...] | None:  # noqa: ANN401
    path = state.config.triggers.rules if hasattr(state.config, "triggers") else None
    if not path:
        return None
    try:
        return load_trigger_rules(Path(path))
    except TriggerRuleError as exc:
        raise click.ClickException(str(exc)) from exc


def assessment_dates(workspace: Any) -> dict[str, date | None]:  # noqa: ANN401
    """System id -> the review-by date of its impact assessment (None when undated)."""
    import json

    dates: dict[str, date | None] = {}
    for system_id, doc in workspace.assessment_docs().items():
        review_by = json.loads(doc).get("review_by")
        dates[system_id] = date.fromisoformat(review_by) if review_by else None
    return dates


def comparable(before_all: list[AISystem], after_all: list[AISystem], covered: set[str]) -> tuple[list[AISystem], list[AISystem]]:
    """Systems this scan could have seen again (from the targets it read), and their former
    selves, also when those were seen through another target or under an id that moved."""
    after = [s for s in after_all if covered.intersection(s.targets)]
    units = {u for s in after for u in s.units}
    ids = {s.id for s in after}
    before = [s for s in before_all if covered.intersection(s.targets) or s.id in ids or units.intersection(s.units)]
    return before, after


def _stamp(observations: list[Observation], when) -> list[Observation]:  # type: ignore[no-untyped-def]
    """Sources without their own timestamps (code, cloud inventory) are seen at scan time. The
    connector has just made these observations and handed them over: they are filled in place."""
    for obs in observations:
        if obs.first_seen is None or obs.last_seen is None:
            obs.fill_seen(when, when)
    return observations


def execute_scan(ctx: click.Context, connector: Connector, targets: Sequence[str]) -> ScanReport:
    """Run and persist one scan; no output. Raises click errors for failures of the whole run."""
    with paused_collections():
        return _execute_scan(ctx, connector, targets)


def _execute_scan(ctx: click.Context, connector: Connector, targets: Sequence[str]) -> ScanReport:
    state = app(ctx)
    workspace = state.workspace
    started = utcnow()
    try:
        result = connector.scan(list(targets), progress=state.progress)
    finally:
        state.progress_done()
    finished = utcnow()
    observations = _stamp(result.observations, started)
    scan = Scan(
        id=new_scan_id(started),
        started_at=started,
        finished_at=finished,
        connectors=[connector.name],
        targets=result.targets or list(targets),
        counts={**result.counts, "observations": len(observations)},
        issues=list(result.issues),
    )
    covered = set(scan.targets)
    rules = trigger_rules(state)
    dates = assessment_dates(workspace)

    def evaluate(before_all: list[AISystem], after_all: list[AISystem]) -> list[Trigger]:
        before, after = comparable(before_all, after_all, covered)
        moved = diff_inventories(before_all, after_all).moved_ids
        return evaluate_triggers(before, after, today=finished.date(), scan_id=scan.id, at=finished,
                                 assessments=dates, rules=rules, moved=moved)

    # Tens of seconds for hundreds of thousands of observations: say so, or the terminal looks hung.
    state.status(f"recording {len(observations):,} observations and the inventory in the workspace...")
    try:
        recorded = workspace.record_scan(
            scan, observations, inventory_builder(workspace.register_document(), finished.date(), tier_rules(state)),
            getattr(result, "controls", []), facts=getattr(result, "facts", []), evaluate=evaluate,
        )
    finally:
        state.progress_done()
    before, after = comparable(recorded.previous_systems, recorded.systems, covered)
    systems = after  # the systems this scan saw: those with evidence from a target it read
    diff = diff_inventories(before, after, recorded.previous_scan_id, scan.id)
    return ScanReport(scan, observations, systems, scan.issues, diff, result, triggers=recorded.triggers)


def gates_tripped(report: ScanReport, fail_on: Sequence[str]) -> list[str]:
    tripped = []
    if "new-shadow" in fail_on and report.diff.new_shadow:
        tripped.append(f"new-shadow: {len(report.diff.new_shadow)} new shadow AI system(s)")
    shadow = [s for s in report.systems if s.status.value == "shadow"]
    if "shadow" in fail_on and shadow:
        tripped.append(f"shadow: {len(shadow)} shadow AI system(s)")
    high = [s for s in report.systems if s.risk_tier == 1]
    if "high-risk" in fail_on and high:
        tripped.append(f"high-risk: {len(high)} system(s) at risk tier 1")
    if "incomplete" in fail_on and not report.scan.coverage_complete:
        tripped.append("incomplete: some sources could not be read")
    if "trigger" in fail_on and report.triggers:
        tripped.append(f"trigger: {len(report.triggers)} 8.2 reassessment trigger(s) fired")
    return tripped


def _observation_json(observation: Observation) -> dict[str, Any]:
    return {"id": observation.id, **observation.model_dump(mode="json")}


def scan_json(report: ScanReport, extra: dict[str, Any] | None = None, *,
              include_observations: bool = True) -> dict[str, Any]:
    return {
        "scan": report.scan,
        "systems": report.systems,
        **({"observations": [_observation_json(o) for o in report.observations]} if include_observations else {}),
        "issues": report.issues,
        "diff": {
            "base": report.diff.base,
            "added": [s.id for s in report.diff.added],
            "removed": [s.id for s in report.diff.removed],
            "changed": report.diff.changed,
            "moved": report.diff.moved,
        },
        "triggers": report.triggers,
        "gates": report.gates,
        **(extra or {}),
    }


OBSERVATION_CHUNK = 5000


def emit_scan_json(report: ScanReport, extra: dict[str, Any] | None = None) -> None:
    """The aims.scan/1 document, streamed: observations are written in chunks, one compact object
    per line, so a scan of hundreds of thousands of observations never holds its whole JSON text
    (several hundred MB with indentation) in memory."""
    from pydantic_core import to_json

    def write(text: str) -> None:
        click.echo(text, nl=False)

    document = scan_json(report, extra, include_observations=False)
    observations = report.observations
    head = to_json({"schema": "aims.scan/1", **document}, indent=2, fallback=str).decode("utf-8")
    write(head[:-2] + ',\n  "observations": [')  # reopen the object before its closing brace
    for start in range(0, len(observations), OBSERVATION_CHUNK):
        chunk = observations[start:start + OBSERVATION_CHUNK]
        # Each model serialised in Rust, its id spliced in front (the id is derived, not a field).
        lines = ['{"id":"' + o.id + '",' + to_json(o, fallback=str).decode("utf-8")[1:] for o in chunk]
        write(("," if start else "") + "\n    " + ",\n    ".join(lines))
    write("\n  ]\n}\n")


def render_scan_table(report: ScanReport) -> str:
    rows = [
        (s.id, s.status.value, s.risk_tier, s.name, s.models[:3], len(s.identities) or "", s.observation_count,
         s.confidence.value)
        for s in sorted(report.systems, key=lambda s: (s.risk_tier, s.name))
    ]
    out = []
    if rows:
        out.append(table(rows, ["ID", "STATUS", "RISK", "SYSTEM", "MODELS", "USERS", "SEEN", "CONF"]))
    else:
        out.append("No AI systems found in the sources that could be read.")
    if report.issues:
        out.append("")
        out.append("Sources not fully read:" if not report.scan.coverage_complete else "Notes:")
        for issue in report.issues:
            count = f" (x{issue.count})" if issue.count > 1 else ""
            out.append(f"  [{issue.severity.value}] {safe(issue.connector)} {safe(issue.target)}: {safe(issue.kind)}: "
                       f"{safe(issue.message)}{count}")
    shadow = sum(1 for s in report.systems if s.status.value == "shadow")
    d = report.diff
    out.append("")
    out.append(
        f"Scan {report.scan.id}: {len(report.systems)} AI system(s), {shadow} shadow, "
        f"{len(report.observations)} observation(s); since last scan: +{len(d.added)} -{len(d.removed)} "
        f"~{len(d.changed)}."
    )
    if not report.scan.coverage_complete:
        errors = sum(1 for i in report.issues if i.severity == IssueSeverity.ERROR)
        out.append(f"Coverage incomplete: {errors} source(s) could not be read; absence of findings there proves nothing.")
    for trigger in report.triggers:
        out.append(f"TRIGGER {trigger.rule}: {trigger.system_name}: {trigger.detail}")
    for gate in report.gates:
        out.append(f"GATE TRIPPED {gate}")
    return "\n".join(out)


def run_scan(
    ctx: click.Context,
    connector: Connector,
    targets: Sequence[str],
    *,
    output_format: str = "table",
    fail_on: Sequence[str] = (),
    render: Callable[[ScanReport], str] | None = None,
    extra_json: Callable[[ScanReport], dict[str, Any]] | dict[str, Any] | None = None,
) -> None:
    """Run a scan end to end, print it, and exit 0, 3 (incomplete) or 4 (gate)."""
    with paused_collections():
        report = execute_scan(ctx, connector, targets)
        report.gates = gates_tripped(report, fail_on)
        if output_format == "json":
            extra = extra_json(report) if callable(extra_json) else extra_json
            emit_scan_json(report, extra)
        elif render is not None and output_format not in ("table",):
            click.echo(render(report))
        else:
            click.echo(render_scan_table(report))
    sys.stdout.flush()
    ctx.exit(exit_code(report))


def exit_code(report: ScanReport) -> int:
    if report.gates:
        return GATE
    if not report.scan.coverage_complete:
        return INCOMPLETE
    return OK
