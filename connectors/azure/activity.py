"""Usage from the Activity Log: who ran which management operations on AI resources.

The Activity Log keeps 90 days of management (control-plane) events. It shows who created,
changed or listed keys of a deployment, not who called the model: request logs live in the
resource's diagnostic logs (see the invocation-logging control).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.azure.catalogue import API_VERSIONS
from connectors.azure.inventory import CONNECTOR_NAME, target_of
from connectors.azure.reader import AzureReader
from connectors.coverage import GLOBAL_REGION

ACTIVITY_MAX_DAYS = 90
PROVIDERS = ("Microsoft.CognitiveServices", "Microsoft.MachineLearningServices")
MAX_EVENTS = 5000  # per provider and subscription; the coverage row says when it stopped there


def _time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def scope_of(resource_id: str, known: dict[str, tuple[str, str]]) -> str:
    """The AI system an event is about: a deployment, else the account, workspace or endpoint
    (spelt as the inventory spells it: ARM ids are case-insensitive, events vary)."""
    parts = resource_id.strip("/").split("/")
    for length in (10, 8):  # .../accounts/A/deployments/D, then .../accounts/A
        candidate = "/" + "/".join(parts[:length])
        if len(parts) >= length and candidate.lower() in known:
            return known[candidate.lower()][0]
    return "/" + "/".join(parts[:8]) if len(parts) >= 8 else resource_id


def read_activity(reader: AzureReader, subscription: str, start: datetime, end: datetime,
                  known: dict[str, tuple[str, str]]) -> list[Observation]:
    """One observation per (system, caller): how many management operations, which, and when.
    `known` maps lower-cased resource ids of systems already found to (their id, their provider)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for provider in PROVIDERS:
        window = (f"eventTimestamp ge '{start.strftime('%Y-%m-%dT%H:%M:%SZ')}' and "
                  f"eventTimestamp le '{end.strftime('%Y-%m-%dT%H:%M:%SZ')}' and resourceProvider eq '{provider}'")
        events, _ = reader.arm_list(f"/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values",
                                    API_VERSIONS["activity"], subscription, GLOBAL_REGION, "activitylog",
                                    f"events:{provider}", params={"$filter": window}, limit=MAX_EVENTS)
        for event in events:
            rid = str(event.get("resourceId") or "")
            if not rid:
                continue
            caller = str(event.get("caller") or "unknown")
            groups[(scope_of(rid, known), caller)].append(event)
    observations = []
    for (scope, caller), events in sorted(groups.items()):
        operations = sorted({str((e.get("operationName") or {}).get("value") or "?") for e in events})
        times = [t for e in events if (t := _time(e.get("eventTimestamp")))]
        region = str(next((e.get("location") for e in events if e.get("location")), "") or "")
        observations.append(Observation(
            source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal="azure.activity-log",
            provider=known.get(scope.lower(), (scope, "azure-ai-services"))[1], category=Category.CLOUD_AI_SERVICE,
            target=target_of(subscription), location=Location(account=subscription, region=region or None, arn=scope),
            identity=redact(caller)[:200],
            evidence=redact(f"{len(events)} management operation(s) by {caller}: {', '.join(operations[:4])}"
                            + (", ..." if len(operations) > 4 else ""))[:300],
            confidence=Confidence.HIGH, first_seen=min(times, default=None), last_seen=max(times, default=None),
            count=len(events), system_hint=scope,
            attributes={"resource_type": "activity-log", "operations": len(operations)}))
    return observations
