"""The seeded Azure estate the tests scan: two subscriptions, two regions each, every kind of AI
resource, shaped as Resource Graph rows and ARM list responses (REST reference shapes)."""

from __future__ import annotations

from typing import Any

from cli.demo_azure import World

SUB_OK = "11111111-1111-4111-8111-111111111111"
SUB_DENIED = "22222222-2222-4222-8222-222222222222"
REGIONS = ("eastus", "swedencentral")


def rid(sub: str, group: str, provider_type: str, *names: str) -> str:
    parts = provider_type.split("/")
    path = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{parts[0]}/{parts[1]}/{names[0]}"
    for child_type, child in zip(parts[2:], names[1:]):
        path += f"/{child_type}/{child}"
    return path


def resource(sub: str, group: str, provider_type: str, names: tuple[str, ...], region: str, kind: str | None,
             properties: dict[str, Any], sku: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": rid(sub, group, provider_type, *names), "name": names[-1], "type": provider_type.lower(),
            "kind": kind, "location": region, "resourceGroup": group, "subscriptionId": sub,
            "sku": sku, "properties": properties, "tags": {}}


def deployment(account_id: str, name: str, model: str, version: str, *, upgrade: str | None = None,
               rai: str | None = None, sku: str = "Standard", capacity: int = 30) -> dict[str, Any]:
    props: dict[str, Any] = {"model": {"format": "OpenAI", "name": model, "version": version},
                             "provisioningState": "Succeeded"}
    if upgrade:
        props["versionUpgradeOption"] = upgrade
    if rai:
        props["raiPolicyName"] = rai
    return {"id": f"{account_id}/deployments/{name}", "name": name,
            "type": "Microsoft.CognitiveServices/accounts/deployments", "sku": {"name": sku, "capacity": capacity},
            "properties": props}


def seeded(sub_ok: str = SUB_OK, sub_other: str = SUB_DENIED, deployments_per_account: int = 3) -> World:
    """Every kind in both subscriptions and both regions; returns the World."""
    resources: list[dict[str, Any]] = []
    listings: dict[str, list[dict[str, Any]]] = {}
    for sub in (sub_ok, sub_other):
        for region in REGIONS:
            tag = f"{sub[:4]}-{region[:4]}"
            oai = resource(sub, "rg-ai", "Microsoft.CognitiveServices/accounts", (f"oai-{tag}",), region, "OpenAI",
                           {"publicNetworkAccess": "Disabled", "disableLocalAuth": True,
                            "networkAcls": {"defaultAction": "Deny"},
                            "privateEndpointConnections": [{"properties": {"privateLinkServiceConnectionState":
                                                                            {"status": "Approved"}}}]},
                           {"name": "S0"})
            hub = resource(sub, "rg-ai", "Microsoft.CognitiveServices/accounts", (f"foundry-{tag}",), region,
                           "AIServices", {"publicNetworkAccess": "Enabled", "disableLocalAuth": False}, {"name": "S0"})
            speech = resource(sub, "rg-ai", "Microsoft.CognitiveServices/accounts", (f"speech-{tag}",), region,
                              "SpeechServices", {"publicNetworkAccess": "Enabled"}, {"name": "S0"})
            ws = resource(sub, "rg-ml", "Microsoft.MachineLearningServices/workspaces", (f"mlw-{tag}",), region,
                          "Default", {"publicNetworkAccess": "Disabled"}, {"name": "Basic"})
            project = resource(sub, "rg-ml", "Microsoft.MachineLearningServices/workspaces", (f"proj-{tag}",), region,
                               "Project", {"publicNetworkAccess": "Enabled"}, {"name": "Basic"})
            online = resource(sub, "rg-ml", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                              (f"mlw-{tag}", f"credit-score-{tag}"), region, "Managed",
                              {"authMode": "Key", "publicNetworkAccess": "Enabled", "provisioningState": "Succeeded"})
            batch = resource(sub, "rg-ml", "Microsoft.MachineLearningServices/workspaces/batchEndpoints",
                             (f"mlw-{tag}", f"nightly-{tag}"), region, None, {"authMode": "AADToken"})
            search = resource(sub, "rg-ai", "Microsoft.Search/searchServices", (f"search-{tag}",), region, None,
                              {"publicNetworkAccess": "enabled", "disableLocalAuth": False}, {"name": "basic"})
            bot = resource(sub, "rg-ai", "Microsoft.BotService/botServices", (f"bot-{tag}",), region, "azurebot",
                           {"displayName": "helpdesk"}, {"name": "S1"})
            foundry_project = resource(sub, "rg-ai", "Microsoft.CognitiveServices/accounts/projects",
                                       (f"foundry-{tag}", f"agents-{tag}"), region, None,
                                       {"displayName": "agents", "isDefault": True})
            resources += [oai, hub, speech, ws, project, online, batch, search, bot, foundry_project]
            listings[f"{oai['id']}/deployments"] = [
                deployment(oai["id"], f"chat-{tag}-{n}", "gpt-4o", "2024-08-06",
                           upgrade="NoAutoUpgrade" if n == 0 else "OnceNewDefaultVersionAvailable",
                           rai="strict-filter" if n == 0 else ("no-filter" if n == 1 else None))
                for n in range(deployments_per_account)]
            listings[f"{oai['id']}/raiPolicies"] = [
                {"id": f"{oai['id']}/raiPolicies/strict-filter", "name": "strict-filter",
                 "properties": {"mode": "Blocking", "basePolicyName": "Microsoft.DefaultV2",
                                "contentFilters": [{"name": "Hate", "enabled": True, "blocking": True,
                                                    "severityThreshold": "Low", "source": "Prompt"},
                                                   {"name": "Violence", "enabled": True, "blocking": True,
                                                    "severityThreshold": "Low", "source": "Completion"}]}},
                {"id": f"{oai['id']}/raiPolicies/no-filter", "name": "no-filter",
                 "properties": {"mode": "Blocking", "basePolicyName": "Microsoft.DefaultV2",
                                "contentFilters": [{"name": "Hate", "enabled": False, "blocking": False,
                                                    "source": "Prompt"},
                                                   {"name": "Sexual", "enabled": True, "blocking": False,
                                                    "source": "Completion"}]}}]
            listings[f"{hub['id']}/deployments"] = [
                deployment(hub["id"], f"mistral-{tag}", "Mistral-Large-2411", "2", upgrade="NoAutoUpgrade",
                           sku="GlobalStandard")]
            listings[f"{hub['id']}/deployments"][0]["properties"]["model"]["format"] = "Mistral AI"
            listings[f"{oai['id']}/providers/Microsoft.Insights/diagnosticSettings"] = [
                {"id": f"{oai['id']}/providers/microsoft.insights/diagnosticSettings/to-law", "name": "to-law",
                 "properties": {"workspaceId": f"/subscriptions/{sub}/resourceGroups/rg-ops/providers/"
                                               "Microsoft.OperationalInsights/workspaces/law",
                                "logs": [{"categoryGroup": "allLogs", "enabled": True}],
                                "metrics": [{"category": "AllMetrics", "enabled": True}]}}]
            listings[f"{ws['id']}/models"] = [{"id": f"{ws['id']}/models/credit-risk", "name": "credit-risk",
                                               "properties": {"description": "gradient boosted credit model"}}]
    subscriptions = [{"subscriptionId": sub_ok, "name": "acme-prod", "properties": {"state": "Enabled"}},
                     {"subscriptionId": sub_other, "name": "acme-research", "properties": {"state": "Enabled"}}]
    return World(subscriptions=subscriptions, resources=resources, listings={k.lower(): v for k, v in listings.items()})
