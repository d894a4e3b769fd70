"""Read one service's AI inventory in one (account, region) and turn it into observations
and control evidence, following the specs in catalogue.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from discovery.controls import CloudControl, ControlKind, ControlStatus, make_control
from discovery.models import Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.aws.catalogue import ENDPOINT_CONFIG_DETAIL, INVOCATION_LOGGING
from connectors.aws.coverage import CONNECTOR_NAME, target_of
from connectors.aws.reader import ServiceReader
from connectors.aws.specs import ListSpec, Role, dig, item_arn, item_name

MAX_NAMES_IN_EVIDENCE = 3


@dataclass
class ServiceFindings:
    observations: list[Observation] = field(default_factory=list)
    controls: list[CloudControl] = field(default_factory=list)


@dataclass
class _Listed:
    """One listed item with what we learnt about it."""

    item: dict[str, Any]
    arn: str | None
    parent_arn: str | None = None
    models: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    scope: str | None = None


def short_model(value: str) -> str:
    """A foundation-model ARN names a public model: keep its id. Other ARNs are the account's."""
    if ":foundation-model/" in value:
        return value.split(":foundation-model/", 1)[1]
    return value


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def _label(spec: ListSpec) -> str:
    return spec.kind.split(".", 1)[1].replace("-", " ")


def read_service(reader: ServiceReader, specs: list[ListSpec]) -> ServiceFindings:
    """List every spec of one service (parents first), then build observations and controls."""
    listed: dict[str, list[_Listed]] = {}
    complete: dict[str, bool] = {}
    for spec in specs:
        listed[spec.kind], complete[spec.kind] = _list_spec(reader, spec, listed)
        if spec.detail:
            _read_details(reader, spec, listed[spec.kind])
    _resolve_scopes(specs, listed, reader)
    findings = ServiceFindings()
    for spec in specs:
        if spec.role == Role.CONTROL:
            findings.controls.extend(_controls(reader, spec, listed[spec.kind], complete[spec.kind]))
        elif spec.role == Role.AGGREGATE:
            findings.observations.extend(_aggregate(reader, spec, listed[spec.kind]))
        else:
            findings.observations.extend(_resources(reader, spec, listed[spec.kind]))
    if reader.service == INVOCATION_LOGGING[0]:
        findings.controls.append(invocation_logging_control(reader))
    return findings


def _list_spec(reader: ServiceReader, spec: ListSpec, listed: dict[str, list[_Listed]]) -> tuple[list[_Listed], bool]:
    parents: list[_Listed | None] = list(listed.get(spec.parent, [])) if spec.parent else [None]
    out: list[_Listed] = []
    complete = True
    for parent in parents:
        params = dict(spec.params)
        if parent is not None:
            params.update({p: parent.item.get(f) for p, f in spec.parent_params.items()})
        items, ok = reader.list_all(spec.operation, spec.result_key, params)
        complete = complete and ok
        for raw in items:
            item = {spec.scalar_field: raw} if spec.scalar_field else dict(raw)
            models = [short_model(str(m)) for f in spec.model_fields for m in dig(item, f) if m]
            arn = item_arn(spec, item, reader.account, reader.region)
            out.append(_Listed(item, arn, parent.arn if parent else None, models))
    return out, complete


def _read_details(reader: ServiceReader, spec: ListSpec, items: list[_Listed]) -> None:
    assert spec.detail is not None
    for entry in items:
        params = {p: entry.item.get(f) for p, f in spec.detail.params.items()}
        response = reader.get(spec.detail.operation, params)
        if response is None:
            continue
        for path in spec.detail.model_paths:
            entry.models.extend(short_model(str(m)) for m in dig(response, path) if m)
        for path in spec.detail.link_paths:
            entry.links.extend(str(v) for v in dig(response, path) if v)


def _resolve_scopes(specs: list[ListSpec], listed: dict[str, list[_Listed]], reader: ServiceReader) -> None:
    """Decide which system each item belongs to: its own ARN, a field, a parent or a lookup."""
    for spec in specs:
        lookup: dict[str, str] = {}
        if spec.scope_lookup:
            other, name_field, _ = spec.scope_lookup
            lookup = {str(e.item.get(name_field)): e.arn for e in listed.get(other, []) if e.arn}
        for entry in listed[spec.kind]:
            if spec.scope_field and entry.item.get(spec.scope_field):
                entry.scope = str(entry.item[spec.scope_field])
            elif spec.scope_lookup and lookup.get(str(entry.item.get(spec.scope_lookup[2]))):
                entry.scope = lookup[str(entry.item.get(spec.scope_lookup[2]))]
            elif entry.parent_arn:
                entry.scope = entry.parent_arn
            elif spec.role == Role.AGGREGATE:
                entry.scope = f"aws/{reader.account}/{reader.region}/{spec.kind}"
            else:
                entry.scope = entry.arn
    if reader.service == ENDPOINT_CONFIG_DETAIL[0]:
        _fold_into_endpoints(listed, reader)


def _fold_into_endpoints(listed: dict[str, list[_Listed]], reader: ServiceReader) -> None:
    """An endpoint, its config and the models it serves are one AI system: scope them together."""
    endpoints = listed.get("sagemaker.endpoint", [])
    configs = {str(e.item.get("EndpointConfigName")): e for e in listed.get("sagemaker.endpoint-config", [])}
    models = {str(e.item.get("ModelName")): e for e in listed.get("sagemaker.model", [])}
    described: dict[str, list[str]] = {}
    for endpoint in endpoints:
        for config_name in endpoint.links:
            if config_name not in described:
                response = reader.get(ENDPOINT_CONFIG_DETAIL[1], {"EndpointConfigName": config_name})
                described[config_name] = [str(v) for v in dig(response or {}, "ProductionVariants.ModelName") if v]
            if config_name in configs:
                configs[config_name].scope = endpoint.arn
            for model_name in described[config_name]:
                endpoint.models.append(model_name)
                if model_name in models:
                    models[model_name].scope = endpoint.arn


def _observation(reader: ServiceReader, spec: ListSpec, *, arn: str | None, scope: str | None,
                 model: str | None, evidence: str, first: datetime | None, last: datetime | None,
                 count: int, attributes: dict[str, Any]) -> Observation:
    return Observation(
        source=SourceKind.CLOUD,
        connector=CONNECTOR_NAME,
        signal=spec.signal,
        provider=spec.provider,
        category=spec.category,
        target=target_of(reader.account, reader.region, reader.service),
        location=Location(account=reader.account, region=reader.region, arn=arn),
        model=model,
        evidence=redact(evidence)[:300],  # names and descriptions are user text: never trust them
        confidence=Confidence(spec.confidence),
        first_seen=first,
        last_seen=last,
        count=count,
        system_hint=scope,
        attributes={k: v for k, v in attributes.items() if v not in (None, "")},
    )


def _resources(reader: ServiceReader, spec: ListSpec, items: list[_Listed]) -> list[Observation]:
    observations = []
    for entry in items:
        name = item_name(spec, entry.item, entry.arn)
        status = str(entry.item.get(spec.status_field, "")) if spec.status_field else ""
        evidence = f"{spec.kind} '{name}'" + (f" ({status})" if status else "")
        attributes = {"resource_type": spec.kind, "name": name, "status": status}
        for model in dict.fromkeys(entry.models) or [None]:
            observations.append(_observation(
                reader, spec, arn=entry.arn, scope=entry.scope or entry.arn, model=model,
                evidence=evidence + (f" model {model}" if model else ""),
                first=_time(entry.item.get(spec.created_field or "")), last=None, count=1, attributes=attributes))
    return observations


def _aggregate(reader: ServiceReader, spec: ListSpec, items: list[_Listed]) -> list[Observation]:
    """Fold similar items into one observation per (scope, model), counting them."""
    groups: dict[tuple[str, str | None], list[_Listed]] = defaultdict(list)
    for entry in items:
        for model in dict.fromkeys(entry.models) or [None]:
            groups[(entry.scope or "", model)].append(entry)
    observations = []
    for (scope, model), members in groups.items():
        created = [t for e in members if (t := _time(e.item.get(spec.created_field or "")))]
        touched = [t for e in members if (t := _time(e.item.get(spec.updated_field or "")))] + created
        names = [item_name(spec, e.item, e.arn) for e in members]
        shown = ", ".join(names[:MAX_NAMES_IN_EVIDENCE]) + (", ..." if len(names) > MAX_NAMES_IN_EVIDENCE else "")
        evidence = f"{len(members)} {_label(spec)}(s): {shown}" + (f" model {model}" if model else "")
        observations.append(_observation(
            reader, spec, arn=scope if scope.startswith("arn:") else None, scope=scope, model=model,
            evidence=evidence, first=min(created, default=None), last=max(touched, default=None),
            count=len(members), attributes={"resource_type": spec.kind}))
    return observations


def _controls(reader: ServiceReader, spec: ListSpec, items: list[_Listed], complete: bool) -> list[CloudControl]:
    assert spec.control is not None
    account, region = reader.account, reader.region
    controls = []
    for entry in items:
        name = item_name(spec, entry.item, entry.arn)
        status = str(entry.item.get(spec.status_field, "")) if spec.status_field else ""
        about = f" on {entry.scope}" if entry.scope and entry.scope != entry.arn else ""
        controls.append(make_control(spec.control, account, region, ControlStatus.PRESENT,
                                     f"{_label(spec)} '{name}'" + (f" ({status})" if status else "") + about,
                                     entry.arn))
    if items:
        summary = ControlStatus.PRESENT
        detail = f"{len(items)} {_label(spec)}(s)" + ("" if complete else "; listing incomplete")
    elif complete:
        summary, detail = ControlStatus.ABSENT, f"no {_label(spec)} in this region"
    else:
        summary, detail = ControlStatus.UNKNOWN, f"{spec.operation} could not be read"
    controls.append(make_control(spec.control, account, region, summary, detail))
    return controls


def invocation_logging_control(reader: ServiceReader) -> CloudControl:
    """Bedrock model invocation logging in this region: enabled, disabled, or unknown."""
    response = reader.get(INVOCATION_LOGGING[1])
    kind, account, region = ControlKind.INVOCATION_LOGGING, reader.account, reader.region
    if response is None:
        return make_control(kind, account, region, ControlStatus.UNKNOWN,
                            "GetModelInvocationLoggingConfiguration could not be read")
    config = response.get("loggingConfig") or {}
    destinations = [name for key, name in (("cloudWatchConfig", "CloudWatch Logs"), ("s3Config", "S3"))
                    if config.get(key)]
    delivered = [k.removesuffix("DataDeliveryEnabled") for k, v in config.items()
                 if k.endswith("DataDeliveryEnabled") and v]
    if destinations and delivered:
        return make_control(kind, account, region, ControlStatus.ENABLED,
                            f"to {', '.join(destinations)}; data: {', '.join(sorted(delivered))}")
    return make_control(kind, account, region, ControlStatus.DISABLED, "no model invocation logging configured")
