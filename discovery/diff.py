"""Differences between two inventories (pure): what appeared, disappeared or changed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from discovery.models import AISystem, SystemStatus

_COMPARED_LISTS = ("providers", "models", "identities", "categories")


class SystemChange(BaseModel):
    id: str
    name: str
    changes: dict[str, dict[str, object]] = Field(default_factory=dict)


class InventoryDiff(BaseModel):
    base: str | None
    head: str | None
    added: list[AISystem] = Field(default_factory=list)
    removed: list[AISystem] = Field(default_factory=list)
    changed: list[SystemChange] = Field(default_factory=list)

    @property
    def new_shadow(self) -> list[AISystem]:
        return [s for s in self.added if s.status == SystemStatus.SHADOW]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_inventories(
    before: list[AISystem], after: list[AISystem], base: str | None = None, head: str | None = None
) -> InventoryDiff:
    old = {s.id: s for s in before}
    new = {s.id: s for s in after}
    result = InventoryDiff(base=base, head=head)
    result.added = [new[i] for i in sorted(new.keys() - old.keys())]
    result.removed = [old[i] for i in sorted(old.keys() - new.keys())]
    for sid in sorted(old.keys() & new.keys()):
        a, b = old[sid], new[sid]
        changes: dict[str, dict[str, object]] = {}
        if a.status != b.status:
            changes["status"] = {"from": a.status.value, "to": b.status.value}
        if a.risk_tier != b.risk_tier:
            changes["risk_tier"] = {"from": a.risk_tier, "to": b.risk_tier}
        for field in _COMPARED_LISTS:
            gained = sorted(set(map(str, getattr(b, field))) - set(map(str, getattr(a, field))))
            lost = sorted(set(map(str, getattr(a, field))) - set(map(str, getattr(b, field))))
            if gained or lost:
                changes[field] = {"added": gained, "removed": lost}
        if changes:
            result.changed.append(SystemChange(id=sid, name=b.name, changes=changes))
    return result
