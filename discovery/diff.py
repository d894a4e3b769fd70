"""Differences between two inventories (pure): what appeared, disappeared, changed or moved.

A sighting *moves* when it belongs to a different system id than before: a register entry now
selects it, or a new link attached it to a repository's system.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from discovery.models import AISystem, SystemStatus

MAX_LISTED = 50
_COMPARED_LISTS = ("providers", "models", "identities", "categories", "data_categories", "frameworks", "scopes")


class SystemChange(BaseModel):
    id: str
    name: str
    changes: dict[str, dict[str, object]] = Field(default_factory=dict)


class MovedUnit(BaseModel):
    unit: str
    from_id: str
    to_id: str
    to_name: str


class InventoryDiff(BaseModel):
    base: str | None
    head: str | None
    added: list[AISystem] = Field(default_factory=list)
    removed: list[AISystem] = Field(default_factory=list)
    changed: list[SystemChange] = Field(default_factory=list)
    moved: list[MovedUnit] = Field(default_factory=list)

    @property
    def new_shadow(self) -> list[AISystem]:
        return [s for s in self.added if s.status == SystemStatus.SHADOW]

    @property
    def moved_ids(self) -> dict[str, str]:
        """old system id -> new system id, for every id whose sightings moved."""
        return {m.from_id: m.to_id for m in self.moved}

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.moved)


def diff_inventories(
    before: list[AISystem], after: list[AISystem], base: str | None = None, head: str | None = None
) -> InventoryDiff:
    old = {s.id: s for s in before}
    new = {s.id: s for s in after}
    result = InventoryDiff(base=base, head=head)
    old_home = {unit: s.id for s in before for unit in s.units}
    new_home = {unit: s for s in after for unit in s.units}
    for unit in sorted(old_home.keys() & new_home.keys()):
        if old_home[unit] != new_home[unit].id:
            result.moved.append(MovedUnit(unit=unit, from_id=old_home[unit], to_id=new_home[unit].id,
                                          to_name=new_home[unit].name))
    result.added = [new[i] for i in sorted(new.keys() - old.keys())]
    result.removed = [old[i] for i in sorted(old.keys() - new.keys())]
    for sid in sorted(old.keys() & new.keys()):
        a, b = old[sid], new[sid]
        changes: dict[str, dict[str, object]] = {}
        if a.status != b.status:
            changes["status"] = {"from": str(a.status), "to": str(b.status)}
        if a.risk_tier != b.risk_tier:
            changes["risk_tier"] = {"from": a.risk_tier, "to": b.risk_tier}
        for field in _COMPARED_LISTS:
            before_values = set(map(str, getattr(a, field)))
            after_values = set(map(str, getattr(b, field)))
            if before_values != after_values:
                change: dict[str, object] = {"added": sorted(after_values - before_values)[:MAX_LISTED],
                                             "removed": sorted(before_values - after_values)[:MAX_LISTED]}
                if field == "identities":  # populations can be large: counts, and a sample
                    change.update(before=len(before_values), after=len(after_values))
                changes[field] = change
        if changes:
            result.changed.append(SystemChange(id=sid, name=b.name, changes=changes))
    return result
