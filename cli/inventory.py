"""`aims inventory`: the merged AI system inventory."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.context import app
from cli.output import emit_json, format_option, table, write_atomic
from cli.scanning import classify_again, inventory_builder, tier_rules
from cli.workspace.db import WorkspaceError
from discovery.diff import diff_inventories
from discovery.models import AISystem, SystemStatus
from discovery.safe_text import terminal_text
from discovery.safe_text import terminal_text as safe


@click.group()
def inventory() -> None:
    """The AI system inventory: every scan's observations merged into systems with stable ids,
    marked sanctioned or shadow against the register."""


def current_inventory(ctx: click.Context) -> list[AISystem]:
    """The stored inventory snapshot; re-classified (not re-merged) when it was built on another
    day, so approvals and exceptions lapse on time."""
    state = app(ctx)
    workspace = state.workspace
    stored = workspace.current_systems()
    today = date.today()
    if stored is None:
        if not workspace.current_observations():
            return []
        return _with_assessments(workspace.rebuild_inventory(
            inventory_builder(workspace.register_document(), today, tier_rules(state)), today), workspace)
    systems, built_on = stored
    if built_on != today:
        systems = classify_again(systems, workspace.register_document(), today, tier_rules(state))
        workspace.store_current(systems, today)
    return _with_assessments(systems, workspace)


def current_inventory_dicts(ctx: click.Context) -> list[dict]:  # type: ignore[type-arg]
    """The current inventory as plain dicts, parsed by pydantic-core without building models:
    `inventory list` stays well under a second at thousands of systems."""
    from pydantic_core import from_json

    workspace = app(ctx).workspace
    raw = workspace.current_systems_raw()
    if raw is None or raw[1] != date.today():
        return [s.model_dump(mode="json") for s in current_inventory(ctx)]
    systems = from_json(raw[0])
    states = _assessment_states(workspace)
    for system in systems:
        system["assessment_status"] = states.get(system["id"])
    return systems


def _assessment_states(workspace) -> dict[str, str]:  # type: ignore[no-untyped-def]
    import json

    states = {}
    for system_id, doc in workspace.assessment_docs().items():
        data = json.loads(doc)
        states[system_id] = f"{data['review']['state']}, review by {data['review_by']}"
    return states


def _with_assessments(systems: list[AISystem], workspace) -> list[AISystem]:  # type: ignore[no-untyped-def]
    states = _assessment_states(workspace)
    for system in systems:
        system.assessment_status = states.get(system.id)
    return systems


def _owner(system: dict) -> str:  # type: ignore[type-arg]
    if system.get("owner"):
        return system["owner"]
    return f"{system['suggested_owner']} (suggested)" if system.get("suggested_owner") else ""


@inventory.command("list")
@format_option()
@click.option("--status", type=click.Choice([s.value for s in SystemStatus]), help="Only this status.")
@click.option("--source", type=click.Choice(["code", "cloud", "logs"]), help="Only systems seen in this source.")
@click.option("--all", "include_low", is_flag=True, help="Include low-confidence leads (not counted as AI use).")
@click.pass_context
def list_systems(ctx: click.Context, output_format: str, status: str | None, source: str | None, include_low: bool) -> None:
    """List the current inventory (read from the stored snapshot, never re-merged)."""
    systems = [s for s in current_inventory_dicts(ctx)
               if (status is None or s["status"] == status) and (source is None or source in s["sources"])
               and (include_low or s["confidence"] != "low")]
    if output_format == "json":
        latest = app(ctx).workspace.latest_scan()
        emit_json("aims.inventory/1", {"scan": latest.id if latest else None, "systems": systems})
        return
    if not systems:
        click.echo("The inventory is empty. Run `aims discover ...` first.")
        return
    rows = [(s["id"], s["status"], s["risk_tier"], terminal_text(s["name"]), ", ".join(sorted(s["sources"])),
             [terminal_text(m) for m in s["models"][:3]], len(s["identities"]) or "", terminal_text(_owner(s)),
             "!" if s.get("flags") else "")
            for s in sorted(systems, key=lambda s: (s["risk_tier"], s["status"], s["name"]))]
    click.echo(table(rows, ["ID", "STATUS", "TIER", "SYSTEM", "SOURCES", "MODELS", "USERS", "OWNER", "FLAG"]))
    shadow = sum(1 for s in systems if s["status"] == "shadow")
    click.echo(f"\n{len(systems)} AI system(s), {shadow} shadow.")


@inventory.command("show")
@click.argument("system_id")
@format_option()
@click.pass_context
def show_system(ctx: click.Context, system_id: str, output_format: str) -> None:
    """Show one system with its evidence (SYSTEM_ID, or a unique prefix or name)."""
    rows = current_inventory_dicts(ctx)
    matches = [s for s in rows if s["id"] == system_id] or [
        s for s in rows if s["id"].startswith(system_id) or s["name"] == system_id or s.get("register_entry") == system_id
    ]
    if len(matches) != 1:
        raise click.ClickException(
            f"no system {system_id!r} in the inventory" if not matches else f"{system_id!r} is ambiguous ({len(matches)} systems)"
        )
    system = AISystem.model_validate(matches[0])
    if output_format == "json":
        emit_json("aims.inventory/1", {"systems": [system]})
        return
    click.echo(f"{safe(system.name)}  [{safe(system.id)}]")
    for label, value in (
        ("status", f"{system.status.value} ({system.status_reason})"),
        ("risk tier", f"{system.risk_tier} ({system.risk_reason})"),
        ("rules fired", ", ".join(system.risk_rules) or "-"),
        ("register entry", system.register_entry or "-"),
        ("purpose", system.purpose or "-"),
        ("data categories", ", ".join(system.data_categories) or "-"),
        ("evidence suggests", "; ".join(f"{k} ({v})" for k, v in system.evidence_data_categories.items()) or "-"),
        ("scopes", ", ".join(system.scopes)),
        ("providers", ", ".join(system.providers)),
        ("frameworks", ", ".join(system.frameworks) or "-"),
        ("models", ", ".join(system.models) or "-"),
        ("categories", ", ".join(c.value for c in system.categories)),
        ("identities", ", ".join(system.identities[:20]) + (" …" if len(system.identities) > 20 else "") or "-"),
        ("owner", _owner(system.model_dump()) or "-"),
        ("confidence", system.confidence.value),
        ("first/last seen", f"{system.first_seen} / {system.last_seen}"),
        ("targets", ", ".join(system.targets)),
    ):
        click.echo(f"  {label:16} {safe(value)}")
    for flag in system.flags:
        click.echo(f"  FLAG             {terminal_text(flag)}")
    if system.links:
        click.echo("  links:")
        for link in system.links:
            click.echo(f"    [{link.kind}] {terminal_text(link.unit)} -> {terminal_text(link.to)}: {terminal_text(link.reason)}")
    click.echo("  evidence:")
    for ref in system.observations:
        click.echo(f"    {safe(ref.location)}  [{safe(ref.signal)}, {ref.confidence.value}]")


@inventory.command("diff")
@click.option("--since", "since", metavar="SCAN", help="Compare against the inventory after this scan "
              "(default: the scan before the latest).")
@format_option()
@click.pass_context
def diff_command(ctx: click.Context, since: str | None, output_format: str) -> None:
    """What appeared, disappeared or changed between two scans' inventories."""
    workspace = app(ctx).workspace
    latest = workspace.latest_scan()
    if latest is None:
        raise click.ClickException("no scans yet; run `aims discover ...` first")
    base = since or workspace.previous_scan_id(latest.id)
    try:
        before_raw = workspace.snapshot_raw(base) if base else []
    except WorkspaceError as exc:
        raise click.ClickException(str(exc)) from exc
    after_raw = workspace.snapshot_raw(latest.id)
    # Compared without building full models (thousands of systems stay interactive); only the
    # systems that appear or disappear are validated for output.
    light = lambda rows: [AISystem.model_construct(**row) for row in rows]  # noqa: E731
    result = diff_inventories(light(before_raw), light(after_raw), base, latest.id)
    by_id = {row["id"]: row for row in (*before_raw, *after_raw)}
    result.added = [AISystem.model_validate(by_id[s.id]) for s in result.added]
    result.removed = [AISystem.model_validate(by_id[s.id]) for s in result.removed]
    if output_format == "json":
        emit_json("aims.inventory-diff/1", result.model_dump(mode="json"))
        return
    click.echo(f"Inventory diff {safe(base or '(empty)')} -> {safe(latest.id)}")
    for system in result.added:
        click.echo(f"  + {system.id}  {system.status.value:10} {terminal_text(system.name)}")
    for system in result.removed:
        click.echo(f"  - {system.id}  {system.status.value:10} {terminal_text(system.name)}")
    for change in result.changed:
        click.echo(f"  ~ {change.id}  {safe(change.name)}: {safe(change.changes)}")
    for move in result.moved:
        click.echo(f"  > {safe(move.unit)} moved {move.from_id} -> {move.to_id} ({safe(move.to_name)})")
    if result.empty:
        click.echo("  no changes")


@inventory.command("export")
@click.option("--format", "output_format", type=click.Choice(["json", "csv", "cyclonedx", "xlsx"]), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write (stdout if omitted; required for xlsx).")
@click.pass_context
def export_inventory(ctx: click.Context, output_format: str, output: Path | None) -> None:
    """Export the inventory as JSON, CSV, CycloneDX 1.6 or Excel."""
    from discovery import export as exporters

    systems = current_inventory(ctx)
    if output_format == "json":
        import json
        data = json.dumps({"schema": "aims.inventory/1", "systems": [s.model_dump(mode="json") for s in systems]},
                          indent=2).encode()
    elif output_format == "csv":
        data = exporters.inventory_csv(systems)
    elif output_format == "cyclonedx":
        data = exporters.inventory_cyclonedx(systems)
    else:
        if output is None:
            raise click.UsageError("--output is required for xlsx")
        data = exporters.inventory_xlsx(systems)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        write_atomic(output, data)
        click.echo(f"Wrote {len(systems)} system(s) to {safe(output)}", err=True)


@inventory.command("triggers")
@format_option()
@click.option("--scan", "scan_id", metavar="SCAN", help="Only the triggers raised by this scan.")
@click.pass_context
def list_triggers(ctx: click.Context, output_format: str, scan_id: str | None) -> None:
    """The 8.2 reassessment triggers raised by scans: new shadow systems, new models or major
    versions, new populations, departments or regions, new data categories, lapsed approvals
    and impact assessments due. Rules are data (discovery/catalogues/triggers.yaml)."""
    triggers = app(ctx).workspace.triggers(scan_id)
    if output_format == "json":
        emit_json("aims.triggers/1", {"triggers": triggers})
        return
    if not triggers:
        click.echo("No reassessment triggers have fired.")
        return
    rows = [(t.at.date() if t.at else "", t.rule, t.system_name, t.detail, t.scan_id) for t in triggers]
    click.echo(table(rows, ["DATE", "RULE", "SYSTEM", "WHAT CHANGED", "SCAN"]))
    click.echo(f"\n{len(triggers)} trigger(s): reassess these systems (ISO/IEC 42001 clause 8.2).")
