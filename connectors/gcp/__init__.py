"""Google Cloud discovery: Vertex AI endpoints, models, jobs and notebooks, Agent Builder /
Dialogflow CX agents and Document AI processors in every project the credential can see,
through Cloud Asset Inventory, with control evidence, read-only.

`connector` fans the work out; `clients` builds the SDK clients (google-cloud-asset and
google-cloud-resource-manager over their REST transports) with `guard`, an interceptor that
refuses every RPC that is not a read, before it is sent; `catalogue` is the asset types as
data; `inventory` turns assets into observations and controls; coverage goes through
`connectors.coverage`.

May import `connectors.base`, `connectors.coverage` and `discovery`; never `gap` or `cli`.
The Google SDKs (the `aims[gcp]` extra) load lazily, and `GCPConnector` is exported lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GCPConnector"]


def __getattr__(name: str) -> Any:
    if name == "GCPConnector":
        from connectors.gcp.connector import GCPConnector

        return GCPConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
