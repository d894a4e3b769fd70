"""The Azure AI resource kinds aims reads, as data: one Resource Graph query per kind.

Each query is ordered by id, so Resource Graph can page it with skip tokens and a re-run reads
the same order. `detail` names the per-resource ARM reads that Resource Graph lacks
(deployments, content-filter policies, diagnostic settings, registered models).
"""

from __future__ import annotations

from dataclasses import dataclass

from discovery.models import Category

PROJECTION = "project id, name, type, kind, location, resourceGroup, subscriptionId, sku, properties, tags"


@dataclass(frozen=True)
class AzureKind:
    name: str  # also the observation signal suffix: azure.<name>
    types: tuple[str, ...]  # ARM resource types, lower case as Resource Graph stores them
    label: str
    category: Category = Category.CLOUD_AI_SERVICE
    detail: tuple[str, ...] = ()  # per-resource reads: deployments, rai-policies, diagnostics, models

    @property
    def query(self) -> str:
        wanted = ", ".join(f"'{t}'" for t in self.types)
        return f"resources | where type in~ ({wanted}) | {PROJECTION} | order by id asc"


KINDS: tuple[AzureKind, ...] = (
    AzureKind("cognitive-account", ("microsoft.cognitiveservices/accounts",),
              "Azure OpenAI / AI services account", detail=("deployments", "rai-policies", "diagnostics")),
    AzureKind("ml-workspace", ("microsoft.machinelearningservices/workspaces",
                               "microsoft.cognitiveservices/accounts/projects"),
              "Azure ML workspace / AI Foundry hub or project", detail=("models", "diagnostics")),
    AzureKind("ml-endpoint", ("microsoft.machinelearningservices/workspaces/onlineendpoints",
                              "microsoft.machinelearningservices/workspaces/batchendpoints"),
              "Azure ML endpoint"),
    AzureKind("search-service", ("microsoft.search/searchservices",), "Azure AI Search service",
              category=Category.VECTOR_STORE),
    AzureKind("bot-service", ("microsoft.botservice/botservices",), "Azure Bot Service",
              category=Category.AGENT_FRAMEWORK),
)

SUBSCRIPTIONS_QUERY = ("resourcecontainers | where type =~ 'microsoft.resources/subscriptions' "
                       "| project subscriptionId, name, properties | order by subscriptionId asc")

#: Cognitive Services account kinds that host model deployments (Azure OpenAI and AI Foundry).
DEPLOYMENT_KINDS = frozenset({"openai", "aiservices"})

#: What each Cognitive Services account kind is, for evidence and names.
ACCOUNT_KIND_LABELS: dict[str, str] = {
    "openai": "Azure OpenAI",
    "aiservices": "Azure AI services (AI Foundry)",
    "formrecognizer": "Document Intelligence",
    "speechservices": "Speech",
    "computervision": "Vision",
    "face": "Face",
    "textanalytics": "Language",
    "textanalytics.language": "Language",
    "translatortext": "Translator",
    "contentsafety": "Content Safety",
    "cognitiveservices": "Azure AI services (multi-service)",
}

#: Machine Learning workspace kinds: a Foundry hub or project is a workspace of kind Hub/Project.
WORKSPACE_KIND_LABELS: dict[str, str] = {
    "hub": "AI Foundry hub",
    "project": "AI Foundry project",
    "default": "Azure ML workspace",
    "featurestore": "Azure ML feature store",
}

#: versionUpgradeOption values: only NoAutoUpgrade keeps the verified model version.
PINNED_UPGRADE_OPTIONS = frozenset({"noautoupgrade"})

API_VERSIONS: dict[str, str] = {
    "diagnostics": "2021-05-01-preview",  # Microsoft.Insights/diagnosticSettings
    "models": "2024-04-01",  # Microsoft.MachineLearningServices workspaces/models
    "activity": "2015-04-01",  # Microsoft.Insights/eventtypes/management/values
}


#: Resource types the per-resource reads apply to (a Foundry project under an AI services
#: account has neither registered models nor diagnostic settings of its own).
DETAIL_TYPES: dict[str, frozenset[str]] = {
    "models": frozenset({"microsoft.machinelearningservices/workspaces"}),
    "diagnostics": frozenset({"microsoft.machinelearningservices/workspaces", "microsoft.cognitiveservices/accounts"}),
}


def reads(kind: AzureKind, resource_type: str, detail: str) -> bool:
    """Whether to make the per-resource read `detail` for a resource of this type."""
    allowed = DETAIL_TYPES.get(detail)
    return detail in kind.detail and (allowed is None or resource_type.lower() in allowed)


def kind_named(name: str) -> AzureKind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)


def kind_of_type(arm_type: str) -> AzureKind | None:
    for kind in KINDS:
        if arm_type.lower() in kind.types:
            return kind
    return None
