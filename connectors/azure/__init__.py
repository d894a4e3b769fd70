"""Azure discovery: Azure OpenAI and AI services, AI Foundry, Azure Machine Learning, AI Search
and Bot Service in every subscription the credential can see, with control evidence, read-only.

`connector` fans the work out; `arm` builds the SDK clients (azure-mgmt-resourcegraph,
azure-mgmt-cognitiveservices and azure-mgmt-core's ARM pipeline for what has no SDK of its own)
and `reader` makes every call through them, recording each in the coverage table
(`connectors.coverage`); every request passes `guard`, an azure-core pipeline policy that
refuses anything but a read; `catalogue` is the resource kinds as data; `inventory` turns what
was read into observations and controls; `activity` reads the Activity Log for usage.

May import `connectors.base`, `connectors.coverage` and `discovery`; never `gap` or `cli`.
The Azure SDKs (the `aims[azure]` extra) load lazily, inside the functions that need them,
and `AzureConnector` is exported lazily so importing one module does not load the rest.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AzureConnector"]


def __getattr__(name: str) -> Any:
    if name == "AzureConnector":
        from connectors.azure.connector import AzureConnector

        return AzureConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
