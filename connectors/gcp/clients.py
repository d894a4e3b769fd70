"""The Google Cloud clients aims uses: Cloud Asset Inventory and Resource Manager over their REST
transports, each with the read-only guard and a retry on throttling and server errors.

Credentials are Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's
application-default login, workload identity, the metadata server), read-only scope; never
stored. `asset_endpoint` and `projects_endpoint` default to Google's (Private Service Connect
or a proxy pass theirs).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from connectors.coverage import CallLog
from connectors.gcp.guard import guard_interceptor

EXTRA = "gcp"
SDK_MODULES = ("google.auth", "google.cloud.asset_v1", "google.cloud.resourcemanager_v3")
READ_ONLY_SCOPE = "https://www.googleapis.com/auth/cloud-platform.read-only"
ASSET_ENDPOINT = "https://cloudasset.googleapis.com"
PROJECTS_ENDPOINT = "https://cloudresourcemanager.googleapis.com"


class MissingExtra(ImportError):
    """An SDK of an optional extra is not installed; the message says which extra to install."""


def require_sdk() -> None:
    missing = []
    for module in SDK_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingExtra(f"aims discover gcp needs the Google Cloud SDKs ({', '.join(missing)} not installed): "
                           f"pip install 'aims[{EXTRA}]'")


def default_credentials() -> Any:
    """Application Default Credentials with the read-only scope; raises when there are none."""
    require_sdk()
    import google.auth

    credentials, _project = google.auth.default(scopes=[READ_ONLY_SCOPE])
    return credentials


@dataclass(frozen=True)
class RetrySettings:
    initial: float = 1.0
    maximum: float = 30.0
    multiplier: float = 2.0
    deadline: float = 120.0
    timeout: float = 30.0


class ClientFactory:
    def __init__(self, credentials: Any, asset_endpoint: str = ASSET_ENDPOINT,
                 projects_endpoint: str = PROJECTS_ENDPOINT, retry: RetrySettings = RetrySettings()) -> None:
        require_sdk()
        self.credentials = credentials
        self.asset_endpoint = asset_endpoint.rstrip("/")
        self.projects_endpoint = projects_endpoint.rstrip("/")
        self.settings = retry
        self.log = CallLog()
        self._assets: Any = None
        self._projects: Any = None

    def retry(self) -> Any:
        from google.api_core import exceptions, retry

        return retry.Retry(predicate=retry.if_exception_type(
            exceptions.TooManyRequests, exceptions.ResourceExhausted, exceptions.ServiceUnavailable,
            exceptions.InternalServerError, exceptions.BadGateway, exceptions.GatewayTimeout),
            initial=self.settings.initial, maximum=self.settings.maximum, multiplier=self.settings.multiplier,
            timeout=self.settings.deadline)

    def assets(self) -> Any:
        if self._assets is None:
            from google.cloud import asset_v1
            from google.cloud.asset_v1.services.asset_service.transports.rest import (
                AssetServiceRestInterceptor, AssetServiceRestTransport)

            transport = AssetServiceRestTransport(credentials=self.credentials, host=self.asset_endpoint,
                                                  interceptor=guard_interceptor(AssetServiceRestInterceptor, self.log))
            self._assets = asset_v1.AssetServiceClient(transport=transport)
        return self._assets

    def projects(self) -> Any:
        if self._projects is None:
            from google.cloud import resourcemanager_v3
            from google.cloud.resourcemanager_v3.services.projects.transports.rest import (
                ProjectsRestInterceptor, ProjectsRestTransport)

            transport = ProjectsRestTransport(credentials=self.credentials, host=self.projects_endpoint,
                                              interceptor=guard_interceptor(ProjectsRestInterceptor, self.log))
            self._projects = resourcemanager_v3.ProjectsClient(transport=transport)
        return self._projects
