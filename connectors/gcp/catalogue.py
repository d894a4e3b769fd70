"""The Google Cloud AI asset types aims reads through Cloud Asset Inventory, as data.

ListAssets takes asset-type regular expressions, so one call per project covers every Vertex AI
type, including ones added after this list was written (they land in `other`).
"""

from __future__ import annotations

from dataclasses import dataclass

from discovery.models import Category

#: Passed to ListAssets as assetTypes (regular expressions are allowed there).
ASSET_TYPE_PATTERNS: tuple[str, ...] = (
    "aiplatform.googleapis.com.*",
    "notebooks.googleapis.com.*",
    "dialogflow.googleapis.com.*",
    "documentai.googleapis.com.*",
    "discoveryengine.googleapis.com.*",
)


@dataclass(frozen=True)
class AssetKind:
    name: str  # the observation signal suffix: gcp.<name>
    label: str
    provider: str = "google-vertex-ai"
    category: Category = Category.CLOUD_AI_SERVICE
    aggregate: bool = False  # jobs: one observation per (project, region, kind), counted


KINDS: dict[str, AssetKind] = {
    "aiplatform.googleapis.com/Endpoint": AssetKind("vertex-endpoint", "Vertex AI endpoint"),
    "aiplatform.googleapis.com/Model": AssetKind("vertex-model", "Vertex AI registered model"),
    "aiplatform.googleapis.com/IndexEndpoint": AssetKind("vertex-index-endpoint", "Vector Search index endpoint",
                                                         category=Category.VECTOR_STORE),
    "aiplatform.googleapis.com/Index": AssetKind("vertex-index", "Vector Search index", category=Category.VECTOR_STORE),
    "aiplatform.googleapis.com/CustomJob": AssetKind("vertex-training", "Vertex AI custom job", aggregate=True),
    "aiplatform.googleapis.com/TrainingPipeline": AssetKind("vertex-training", "Vertex AI training pipeline",
                                                            aggregate=True),
    "aiplatform.googleapis.com/HyperparameterTuningJob": AssetKind("vertex-training", "Vertex AI tuning job",
                                                                   aggregate=True),
    "aiplatform.googleapis.com/PipelineJob": AssetKind("vertex-pipeline", "Vertex AI pipeline run", aggregate=True),
    "aiplatform.googleapis.com/BatchPredictionJob": AssetKind("vertex-batch-prediction", "Vertex AI batch prediction",
                                                              aggregate=True),
    "aiplatform.googleapis.com/TuningJob": AssetKind("vertex-tuning", "Vertex AI model tuning job", aggregate=True),
    "aiplatform.googleapis.com/NotebookRuntime": AssetKind("vertex-notebook", "Colab Enterprise runtime"),
    "notebooks.googleapis.com/Instance": AssetKind("vertex-notebook", "Vertex AI Workbench instance"),
    "dialogflow.googleapis.com/Agent": AssetKind("agent-builder-agent", "Dialogflow CX / Agent Builder agent",
                                                 category=Category.AGENT_FRAMEWORK),
    "discoveryengine.googleapis.com/Engine": AssetKind("agent-builder-app", "Vertex AI Agent Builder app",
                                                       category=Category.AGENT_FRAMEWORK),
    "documentai.googleapis.com/Processor": AssetKind("document-ai-processor", "Document AI processor"),
}
OTHER = AssetKind("vertex-other", "other Vertex AI resource", aggregate=True)
#: Asset types that are configuration of another resource, not AI use of their own.
IGNORED_PREFIXES: tuple[str, ...] = ("discoveryengine.googleapis.com/DataStore",)


def kind_of(asset_type: str) -> AssetKind | None:
    if asset_type.startswith(IGNORED_PREFIXES):
        return None
    return KINDS.get(asset_type, OTHER)
