"""How to read one kind of AWS AI resource, as data (the catalogue is in catalogue.py).

A spec names the list operation, where the items are in its response, which item fields hold
the ARN, name, model, status and times, and what the item means for the inventory:

- RESOURCE: one AI system per resource (its ARN is the system's scope);
- AGGREGATE: many similar items (jobs, data sources) folded into one observation per scope,
  so ten thousand training jobs do not become ten thousand systems;
- CONTROL: governance evidence (guardrails, monitors, model cards), never an AI system.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from discovery.controls import ControlKind
from discovery.models import Category


class Role(StrEnum):
    RESOURCE = "resource"
    AGGREGATE = "aggregate"
    CONTROL = "control"


@dataclass(frozen=True)
class DetailCall:
    """A Get/Describe call per item for facts the list omits (e.g. an agent's model)."""

    operation: str
    params: Mapping[str, str]  # request parameter -> item field
    model_paths: tuple[str, ...] = ()  # dotted paths in the response holding model ids
    link_paths: tuple[str, ...] = ()  # dotted paths holding names other specs are scoped by


@dataclass(frozen=True)
class ListSpec:
    service: str  # boto3 service name
    operation: str  # API operation, as in the service model
    result_key: str  # the list in the response
    kind: str  # resource type label, also the observation signal suffix
    provider: str  # provider id (DESIGN §5)
    role: Role = Role.RESOURCE
    category: Category = Category.CLOUD_AI_SERVICE
    arn_field: str | None = None
    arn_template: str | None = None  # format() with region, account and the item's fields
    name_field: str | None = None
    model_fields: tuple[str, ...] = ()
    status_field: str | None = None
    created_field: str | None = None
    updated_field: str | None = None
    scalar_field: str | None = None  # the item is a bare string: the field name to give it
    params: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None  # kind of the spec whose items this one is listed under
    parent_params: Mapping[str, str] = field(default_factory=dict)  # request param -> parent field
    scope_field: str | None = None  # item field holding the ARN of the system the item belongs to
    scope_lookup: tuple[str, str, str] | None = None  # (kind, its name field, this item's field)
    control: ControlKind | None = None
    detail: DetailCall | None = None
    confidence: str = "high"

    @property
    def signal(self) -> str:
        return f"aws.{self.kind}"

    def operations(self) -> list[str]:
        ops = [self.operation]
        if self.detail:
            ops.append(self.detail.operation)
        return ops


def dig(value: Any, path: str) -> Any:
    """Follow a dotted path through dicts and lists (lists are flattened)."""
    current = [value]
    for part in path.split("."):
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict) and part in item:
                found = item[part]
                nxt.extend(found if isinstance(found, list) else [found])
        current = nxt
    return current


def item_arn(spec: ListSpec, item: Mapping[str, Any], account: str, region: str) -> str | None:
    if spec.arn_field and item.get(spec.arn_field):
        return str(item[spec.arn_field])
    if spec.arn_template:
        try:
            return spec.arn_template.format(region=region, account=account, **item)
        except (KeyError, IndexError):
            return None
    return None


def item_name(spec: ListSpec, item: Mapping[str, Any], arn: str | None) -> str:
    if spec.name_field and item.get(spec.name_field):
        return str(item[spec.name_field])
    if arn:
        return arn.rsplit("/", 1)[-1]
    return "?"
