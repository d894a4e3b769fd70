"""The Azure SDK clients aims uses, built once per scan with the same pipeline: the caller's
credential, ARM's retry (which honours Retry-After on 429 and 503), and the read-only guard on
every attempt. The SDKs load here, lazily, from the `aims[azure]` extra.

`endpoint` is the Resource Manager endpoint: Azure public cloud by default; sovereign clouds
(https://management.chinacloudapi.cn, https://management.usgovcloudapi.net) and Azure Stack
Hub pass theirs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from connectors.azure.guard import ReadOnlyPolicy
from connectors.coverage import CallLog

PUBLIC_CLOUD = "https://management.azure.com"
EXTRA = "azure"
SDK_MODULES = ("azure.identity", "azure.mgmt.core", "azure.mgmt.resourcegraph", "azure.mgmt.cognitiveservices",
               "azure.monitor.query")


class MissingExtra(ImportError):
    """An SDK of an optional extra is not installed; the message says which extra to install."""


def require_sdk() -> None:
    """Import the Azure SDKs, or say which extra to install."""
    import importlib

    missing = []
    for module in SDK_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingExtra(f"aims discover azure needs the Azure SDKs ({', '.join(missing)} not installed): "
                           f"pip install 'aims[{EXTRA}]'")


def default_credential() -> Any:
    """azure-identity's DefaultAzureCredential: environment, workload identity, managed identity,
    Azure CLI and the other standard sources, in its documented order. Nothing is stored."""
    require_sdk()
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


@dataclass(frozen=True)
class RetrySettings:
    total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    timeout: float = 30.0  # per request, connect and read


class ClientFactory:
    """One Resource Graph client, one Cognitive Services client per subscription, one raw ARM client."""

    def __init__(self, credential: Any, endpoint: str = PUBLIC_CLOUD, retry: RetrySettings = RetrySettings(),
                 pool_size: int = 16) -> None:
        require_sdk()
        self.credential = credential
        self.endpoint = endpoint.rstrip("/")
        self.retry = retry
        self.pool_size = pool_size
        self.log = CallLog()
        self._lock = threading.Lock()
        self._graph: Any = None
        self._arm: Any = None
        self._cognitive: dict[str, Any] = {}

    @property
    def scope(self) -> str:
        return f"{self.endpoint}/.default"

    def _transport(self) -> Any:
        import requests
        from azure.core.pipeline.transport import RequestsTransport

        session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=self.pool_size, pool_maxsize=self.pool_size)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return RequestsTransport(session=session, session_owner=True,
                                 connection_timeout=self.retry.timeout, read_timeout=self.retry.timeout)

    def _sdk_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self.endpoint,
            "credential_scopes": [self.scope],
            "per_retry_policies": [ReadOnlyPolicy(self.log)],
            "retry_total": self.retry.total,
            "retry_backoff_factor": self.retry.backoff_factor,
            "retry_backoff_max": self.retry.backoff_max,
            "transport": self._transport(),
        }

    def graph(self) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        with self._lock:
            if self._graph is None:
                self._graph = ResourceGraphClient(self.credential, **self._sdk_kwargs())
            return self._graph

    def cognitive(self, subscription: str) -> Any:
        from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

        with self._lock:
            if subscription not in self._cognitive:
                self._cognitive[subscription] = CognitiveServicesManagementClient(
                    self.credential, subscription, **self._sdk_kwargs())
            return self._cognitive[subscription]

    def arm(self) -> Any:
        """azure-mgmt-core's ARM pipeline, for reads no installed SDK covers (diagnostic settings,
        which azure-mgmt-monitor 7 dropped; registered ML models; the Activity Log)."""
        from azure.core.pipeline import policies
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

        with self._lock:
            if self._arm is None:
                pipeline = [
                    policies.RequestIdPolicy(),
                    policies.HeadersPolicy(),
                    policies.UserAgentPolicy(sdk_moniker="aims-discover-azure"),
                    policies.ContentDecodePolicy(),
                    policies.RedirectPolicy(),
                    policies.RetryPolicy(retry_total=self.retry.total, retry_backoff_factor=self.retry.backoff_factor,
                                         retry_backoff_max=self.retry.backoff_max),
                    ARMChallengeAuthenticationPolicy(self.credential, self.scope),
                    ReadOnlyPolicy(self.log),
                ]
                self._arm = ARMPipelineClient(base_url=self.endpoint, policies=pipeline, transport=self._transport())
            return self._arm

    def close(self) -> None:
        for client in [self._graph, self._arm, *self._cognitive.values()]:
            if client is not None:
                try:
                    client.close()
                except Exception:  # closing is best effort; the scan's result is already complete
                    pass
