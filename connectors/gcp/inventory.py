"""Turn Cloud Asset Inventory assets into observations and control evidence. Pure: no calls."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from discovery.controls import CloudControl, ControlKind, ControlStatus, make_control
from discovery.models import Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.gcp.catalogue import AssetKind, kind_of

CONNECTOR_NAME = "gcp"
CLOUD = "gcp"
MAX_NAMES_IN_EVIDENCE = 3


def target_of(project: str, region: str = "", service: str | None = None) -> str:
    return f"gcp:{project}" + (f":{region}" if region else "") + (f":{service}" if service else "")


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _data(asset: dict[str, Any]) -> dict[str, Any]:
    data = (asset.get("resource") or {}).get("data")
    return data if isinstance(data, dict) else {}


def _region(asset: dict[str, Any]) -> str:
    return str((asset.get("resource") or {}).get("location") or "global")


def _display(asset: dict[str, Any]) -> str:
    data = _data(asset)
    return str(data.get("displayName") or str(asset.get("name", "")).rsplit("/", 1)[-1])


def _observation(project: str, asset: dict[str, Any], kind: AssetKind, *, scope: str, model: str | None,
                 evidence: str, count: int = 1, first: datetime | None = None, last: datetime | None = None,
                 attributes: dict[str, Any] | None = None) -> Observation:
    region = _region(asset)
    return Observation(
        source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal=f"gcp.{kind.name}", provider=kind.provider,
        category=kind.category, target=target_of(project), location=Location(account=project, region=region,
                                                                              arn=str(asset.get("name") or scope)),
        model=model, evidence=redact(evidence)[:300], confidence=Confidence.HIGH, first_seen=first, last_seen=last,
        count=count, system_hint=scope,
        attributes={k: v for k, v in (attributes or {}).items() if v not in (None, "")})


def assets_to_findings(project: str, assets: list[dict[str, Any]]) -> tuple[list[Observation], list[CloudControl]]:
    models = {str(a.get("name", "")).split("//", 1)[-1].split("/", 1)[-1]: _display(a) for a in assets
              if a.get("assetType") == "aiplatform.googleapis.com/Model"}
    observations: list[Observation] = []
    controls: list[CloudControl] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for asset in assets:
        kind = kind_of(str(asset.get("assetType", "")))
        if kind is None:
            continue
        if kind.aggregate:
            groups[(kind.name, _region(asset))].append(asset)
            continue
        data = _data(asset)
        name = str(asset.get("name", ""))
        served = []
        if asset.get("assetType") == "aiplatform.googleapis.com/Endpoint":
            for deployed in data.get("deployedModels") or []:
                if isinstance(deployed, dict):
                    ref = str(deployed.get("model") or "").split("@", 1)[0]
                    served.append(models.get(ref) or str(deployed.get("displayName") or "") or ref.rsplit("/", 1)[-1])
            controls.extend(endpoint_controls(project, asset))
        if asset.get("assetType") == "notebooks.googleapis.com/Instance":
            controls.append(notebook_network_control(project, asset))
        machine = ", ".join(sorted({str(((d.get("dedicatedResources") or {}).get("machineSpec") or {})
                                        .get("machineType") or "") for d in data.get("deployedModels") or []
                                       if isinstance(d, dict)} - {""}))
        evidence = f"{kind.label} '{_display(asset)}' in {_region(asset)}"
        for model in dict.fromkeys(served) or [None]:
            observations.append(_observation(
                project, asset, kind, scope=name, model=model,
                evidence=evidence + (f" serving {model}" if model else "") + (f" on {machine}" if machine else ""),
                first=_time(data.get("createTime")),
                attributes={"resource_type": str(asset.get("assetType", "")), "name": _display(asset),
                            "machine_types": machine}))
    for (kind_name, region), members in sorted(groups.items()):
        kind = kind_of(str(members[0].get("assetType", ""))) or AssetKind(kind_name, kind_name, aggregate=True)
        names = [_display(a) for a in members]
        created = [t for a in members if (t := _time(_data(a).get("createTime")))]
        updated = [t for a in members if (t := _time(_data(a).get("updateTime") or a.get("updateTime")))]
        shown = ", ".join(names[:MAX_NAMES_IN_EVIDENCE]) + (", ..." if len(names) > MAX_NAMES_IN_EVIDENCE else "")
        observations.append(_observation(
            project, members[0], kind, scope=f"gcp/{project}/{region}/{kind.name}", model=None,
            evidence=f"{len(members)} {kind.label}(s) in {region}: {shown}", count=len(members),
            first=min(created, default=None), last=max(updated + created, default=None),
            attributes={"resource_type": kind.name}))
    return observations, controls


def endpoint_controls(project: str, asset: dict[str, Any]) -> list[CloudControl]:
    """Request-response logging and network isolation of one Vertex AI endpoint."""
    data = _data(asset)
    name, region, label = str(asset.get("name", "")), _region(asset), _display(asset)
    logging = data.get("predictRequestResponseLoggingConfig") or {}
    if logging.get("enabled"):
        table = ((logging.get("bigqueryDestination") or {}).get("outputUri") or "BigQuery")
        log_control = make_control(ControlKind.INVOCATION_LOGGING, project, region, ControlStatus.ENABLED,
                                   f"endpoint '{label}': request-response logging to {table}, sampling "
                                   f"{logging.get('samplingRate', 1)}", name, cloud=CLOUD)
    else:
        log_control = make_control(ControlKind.INVOCATION_LOGGING, project, region, ControlStatus.DISABLED,
                                   f"endpoint '{label}': request-response logging off", name, cloud=CLOUD)
    psc = (data.get("privateServiceConnectConfig") or {}).get("enablePrivateServiceConnect")
    network = data.get("network")
    isolated = bool(psc or network)
    detail = (f"endpoint '{label}': " + ("Private Service Connect" if psc else f"VPC peering to {network}" if network
                                           else "public endpoint"))
    net_control = make_control(ControlKind.NETWORK_ISOLATION, project, region,
                               ControlStatus.ENABLED if isolated else ControlStatus.DISABLED, detail, name, cloud=CLOUD)
    return [log_control, net_control]


def notebook_network_control(project: str, asset: dict[str, Any]) -> CloudControl:
    """A Workbench instance with a public IP is reachable from outside the VPC."""
    data = _data(asset)
    no_public_ip = bool((data.get("gceSetup") or {}).get("disablePublicIp") or data.get("noPublicIp"))
    return make_control(ControlKind.NETWORK_ISOLATION, project, _region(asset),
                        ControlStatus.ENABLED if no_public_ip else ControlStatus.DISABLED,
                        f"Workbench instance '{_display(asset)}': " + ("no public IP" if no_public_ip else "public IP"),
                        str(asset.get("name", "")), cloud=CLOUD)
