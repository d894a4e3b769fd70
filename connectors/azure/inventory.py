"""Turn what was read in Azure into observations (one AI system per resource or deployment) and
control evidence (content filters, diagnostic logging, network isolation, key auth, model
version pinning). Pure: no calls here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from discovery.controls import CloudControl, ControlKind, ControlStatus, make_control
from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.azure.catalogue import (ACCOUNT_KIND_LABELS, DEPLOYMENT_KINDS, PINNED_UPGRADE_OPTIONS,
                                        WORKSPACE_KIND_LABELS, AzureKind, kind_named)

CONNECTOR_NAME = "azure"
CLOUD = "azure"
_ACCOUNT_KIND = kind_named("cognitive-account")


def target_of(subscription: str, region: str = "", service: str | None = None) -> str:
    return f"azure:{subscription}" + (f":{region}" if region else "") + (f":{service}" if service else "")


@dataclass
class Findings:
    observations: list[Observation] = field(default_factory=list)
    controls: list[CloudControl] = field(default_factory=list)

    def extend(self, other: "Findings") -> None:
        self.observations.extend(other.observations)
        self.controls.extend(other.controls)


def _props(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource.get("properties")
    return props if isinstance(props, dict) else {}


def _lower(value: Any) -> str:
    return str(value or "").lower()


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def provider_of(resource: dict[str, Any], kind: AzureKind) -> str:
    if kind.name == "cognitive-account" and _lower(resource.get("kind")) == "openai":
        return "azure-openai"
    return "azure-ai-services"


def describe(resource: dict[str, Any], kind: AzureKind) -> str:
    sub_kind = _lower(resource.get("kind"))
    if kind.name == "cognitive-account":
        return ACCOUNT_KIND_LABELS.get(sub_kind, f"Azure AI services ({resource.get('kind') or 'unknown kind'})")
    if kind.name == "ml-workspace":
        if _lower(resource.get("type")) == "microsoft.cognitiveservices/accounts/projects":
            return "AI Foundry project"
        return WORKSPACE_KIND_LABELS.get(sub_kind, kind.label)
    if kind.name == "ml-endpoint":
        return "Azure ML batch endpoint" if "batchendpoints" in _lower(resource.get("type")) else \
            "Azure ML online endpoint"
    return kind.label


def _observation(resource: dict[str, Any], *, signal: str, provider: str, category: Category,
                 resource_id: str, scope: str, model: str | None, evidence: str, count: int = 1,
                 identity: str | None = None, first: datetime | None = None, last: datetime | None = None,
                 attributes: dict[str, Any] | None = None) -> Observation:
    sub = str(resource.get("subscriptionId") or "")
    region = str(resource.get("location") or "")
    return Observation(
        source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal=signal, provider=provider, category=category,
        target=target_of(sub), location=Location(account=sub, region=region or None, arn=resource_id),
        identity=identity, model=model,
        evidence=redact(evidence)[:300],  # names and tags are user text: never trust them
        confidence=Confidence.HIGH, first_seen=first, last_seen=last, count=count, system_hint=scope,
        attributes={k: v for k, v in (attributes or {}).items() if v not in (None, "")})


def resource_observation(resource: dict[str, Any], kind: AzureKind, models: list[str] | None = None) -> list[Observation]:
    """One observation per resource (per registered model, when a workspace lists some)."""
    rid = str(resource.get("id", ""))
    what = describe(resource, kind)
    sku = resource.get("sku") if isinstance(resource.get("sku"), dict) else {}
    attributes = {"resource_type": str(resource.get("type", "")), "name": str(resource.get("name", "")),
                  "kind": str(resource.get("kind") or ""), "sku": str((sku or {}).get("name") or ""),
                  "resource_group": str(resource.get("resourceGroup") or "")}
    base = f"{what} '{resource.get('name')}' in {resource.get('location') or '?'}"
    created = _time((_props(resource).get("createdAt") or (resource.get("systemData") or {}).get("createdAt")))
    shown = models or [None]
    return [_observation(resource, signal=f"azure.{kind.name}", provider=provider_of(resource, kind),
                         category=kind.category, resource_id=rid, scope=rid, model=model,
                         evidence=base + (f" registered model {model}" if model else ""), first=created,
                         attributes=attributes) for model in shown]


def deployment_observation(account: dict[str, Any], deployment: dict[str, Any]) -> Observation:
    """A model deployment: its own AI system, named by the deployment (what code calls)."""
    props = deployment.get("properties") or {}
    model = props.get("model") or {}
    sku = deployment.get("sku") or {}
    name = str(deployment.get("name", ""))
    base_model = str(model.get("name") or "")
    fmt = str(model.get("format") or "")
    provider = "azure-openai" if fmt.lower() in ("openai", "") else "azure-ai-services"
    capacity = sku.get("capacity")
    evidence = (f"deployment '{name}' of {fmt + ' ' if fmt else ''}{base_model or '?'} {model.get('version') or ''}"
                f" ({sku.get('name') or '?'}" + (f", capacity {capacity}" if capacity is not None else "") +
                f") on {describe(account, _ACCOUNT_KIND)} account '{account.get('name')}'")
    return _observation(
        account, signal="azure.openai-deployment", provider=provider, category=Category.LLM_API,
        resource_id=str(deployment.get("id") or f"{account.get('id')}/deployments/{name}"),
        scope=str(deployment.get("id") or f"{account.get('id')}/deployments/{name}"), model=name,
        evidence=evidence.replace("  ", " "),
        first=_time((deployment.get("systemData") or {}).get("createdAt")),
        attributes={"resource_type": "microsoft.cognitiveservices/accounts/deployments", "deployment": name,
                    "base_model": base_model, "model_version": str(model.get("version") or ""),
                    "model_format": fmt, "sku": str(sku.get("name") or ""),
                    "capacity": capacity if isinstance(capacity, int) else None,
                    "version_upgrade_option": str(props.get("versionUpgradeOption") or ""),
                    "rai_policy": str(props.get("raiPolicyName") or ""),
                    "account": str(account.get("name") or "")})


# -- controls ------------------------------------------------------------------------------
def _control(kind: ControlKind, resource: dict[str, Any], status: ControlStatus, detail: str,
             resource_id: str | None = None) -> CloudControl:
    return make_control(kind, str(resource.get("subscriptionId") or ""), str(resource.get("location") or ""),
                        status, redact(detail)[:300], resource_id or str(resource.get("id", "")), cloud=CLOUD)


def network_control(resource: dict[str, Any]) -> CloudControl:
    props = _props(resource)
    public = _lower(props.get("publicNetworkAccess"))
    acl = _lower((props.get("networkAcls") or {}).get("defaultAction") if isinstance(props.get("networkAcls"), dict)
                 else "")
    endpoints = [c for c in props.get("privateEndpointConnections") or [] if isinstance(c, dict)]
    approved = [c for c in endpoints
                if _lower(((c.get("properties") or {}).get("privateLinkServiceConnectionState") or {}).get("status"))
                in ("approved", "")]
    if not public and not acl and "privateEndpointConnections" not in props:
        # e.g. a Foundry project, which inherits its account's network settings: unknown, not open
        return _control(ControlKind.NETWORK_ISOLATION, resource, ControlStatus.UNKNOWN,
                        f"{resource.get('name')}: no network settings on the resource itself")
    facts = []
    if public:
        facts.append(f"publicNetworkAccess {props.get('publicNetworkAccess')}")
    if acl:
        facts.append(f"network rules default {acl}")
    facts.append(f"{len(approved)} private endpoint(s)")
    isolated = public == "disabled" or acl == "deny"
    status = ControlStatus.ENABLED if isolated else ControlStatus.DISABLED
    detail = f"{resource.get('name')}: " + ", ".join(facts)
    if not isolated and approved:
        detail += " (private endpoints exist, but the public endpoint is still open)"
    return _control(ControlKind.NETWORK_ISOLATION, resource, status, detail)


def key_auth_control(resource: dict[str, Any]) -> CloudControl | None:
    props = _props(resource)
    if "disableLocalAuth" in props:
        disabled = bool(props.get("disableLocalAuth"))
        detail = (f"{resource.get('name')}: local (key) authentication " +
                  ("disabled; callers must use Entra ID identities" if disabled else "enabled; shared keys work"))
        return _control(ControlKind.KEYLESS_AUTH, resource, ControlStatus.ENABLED if disabled
                        else ControlStatus.DISABLED, detail)
    mode = _lower(props.get("authMode"))
    if mode:  # an ML online endpoint: Key, AMLToken or AADToken
        keyless = mode != "key"
        return _control(ControlKind.KEYLESS_AUTH, resource, ControlStatus.ENABLED if keyless
                        else ControlStatus.DISABLED, f"{resource.get('name')}: authMode {props.get('authMode')}")
    return None


def diagnostics_control(resource: dict[str, Any], settings: list[dict[str, Any]] | None) -> CloudControl:
    """Diagnostic logging: a setting that sends at least one log category somewhere."""
    name = resource.get("name")
    if settings is None:
        return _control(ControlKind.INVOCATION_LOGGING, resource, ControlStatus.UNKNOWN,
                        f"{name}: diagnostic settings could not be read")
    sending = []
    for setting in settings:
        props = setting.get("properties") or {}
        logs = [entry for entry in props.get("logs") or [] if isinstance(entry, dict) and entry.get("enabled")]
        if not logs:
            continue
        categories = sorted({str(e.get("category") or e.get("categoryGroup") or "?") for e in logs})
        destinations = [label for key, label in (("workspaceId", "Log Analytics"), ("storageAccountId", "storage"),
                                                  ("eventHubAuthorizationRuleId", "Event Hubs"))
                        if props.get(key)]
        sending.append(f"'{setting.get('name')}' sends {', '.join(categories)} to {', '.join(destinations) or '?'}")
    if sending:
        return _control(ControlKind.INVOCATION_LOGGING, resource, ControlStatus.ENABLED,
                        f"{name}: diagnostic setting " + "; ".join(sending))
    return _control(ControlKind.INVOCATION_LOGGING, resource, ControlStatus.DISABLED,
                    f"{name}: no diagnostic setting sends request or audit logs anywhere")


def content_filter_control(account: dict[str, Any], deployment: dict[str, Any],
                           policies: dict[str, dict[str, Any]] | None) -> CloudControl:
    """Content filtering for one deployment, from its RAI policy (None: policies unreadable)."""
    props = deployment.get("properties") or {}
    name = deployment.get("name")
    rid = str(deployment.get("id") or "")
    policy_name = str(props.get("raiPolicyName") or "")
    if not policy_name or policy_name.startswith("Microsoft."):
        which = policy_name or "none named: the Microsoft default policy applies"
        return _control(ControlKind.GUARDRAILS, account, ControlStatus.ENABLED,
                        f"deployment '{name}': content filter {which}", rid)
    if policies is None or policy_name not in policies:
        status = ControlStatus.UNKNOWN
        why = "the account's RAI policies could not be read" if policies is None else "policy not found"
        return _control(ControlKind.GUARDRAILS, account, status,
                        f"deployment '{name}': content filter policy '{policy_name}' ({why})", rid)
    policy_props = policies[policy_name].get("properties") or {}
    filters = [f for f in policy_props.get("contentFilters") or [] if isinstance(f, dict)]
    blocking = [f for f in filters if f.get("enabled") and f.get("blocking", True)]
    off = [f"{f.get('name')}/{f.get('source')}" for f in filters if not (f.get("enabled") and f.get("blocking", True))]
    if filters and not blocking:
        return _control(ControlKind.GUARDRAILS, account, ControlStatus.DISABLED,
                        f"deployment '{name}': custom policy '{policy_name}' has every content filter off or "
                        "annotate-only", rid)
    detail = f"deployment '{name}': custom policy '{policy_name}', {len(blocking)} blocking filter(s)"
    if off:
        detail += f"; off or annotate-only: {', '.join(off[:6])}"
    return _control(ControlKind.GUARDRAILS, account, ControlStatus.ENABLED, detail, rid)


def version_control(account: dict[str, Any], deployment: dict[str, Any]) -> CloudControl:
    props = deployment.get("properties") or {}
    option = str(props.get("versionUpgradeOption") or "")
    model = props.get("model") or {}
    pinned = option.lower() in PINNED_UPGRADE_OPTIONS
    detail = (f"deployment '{deployment.get('name')}': {model.get('name') or '?'} {model.get('version') or ''}, "
              f"versionUpgradeOption {option or 'not set (auto-upgrade by default)'}")
    return _control(ControlKind.MODEL_VERSION_PINNING, account,
                    ControlStatus.ENABLED if pinned else ControlStatus.DISABLED, detail,
                    str(deployment.get("id") or ""))


def hosts_deployments(resource: dict[str, Any]) -> bool:
    return _lower(resource.get("kind")) in DEPLOYMENT_KINDS

