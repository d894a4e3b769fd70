"""A plain registry of connectors, loaded lazily so `aims --help` imports nothing heavy.

Third-party connectors come in through the `aims.connectors` entry-point group. Each is
loaded behind a guard, so one broken plugin cannot take down every command.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from connectors.base import Connector

log = logging.getLogger(__name__)

BUILTIN: dict[str, str] = {
    "code": "connectors.code.connector:CodeConnector",
    "logs": "connectors.logs:LogConnector",
    "aws": "connectors.aws.connector:AWSConnector",
    "azure": "connectors.azure.connector:AzureConnector",
    "gcp": "connectors.gcp.connector:GCPConnector",
}

ENTRY_POINT_GROUP = "aims.connectors"


class ConnectorLoadError(RuntimeError):
    pass


def _load(spec: str) -> type[Connector]:
    module_name, _, attr = spec.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConnectorLoadError(f"{spec} is not a Connector subclass")
    return cls


def available() -> dict[str, str]:
    """Every connector name with where it comes from; plugins that fail to list are skipped."""
    names = dict(BUILTIN)
    try:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            names.setdefault(ep.name, ep.value)
    except Exception as exc:  # a broken distribution's metadata must not break the CLI
        log.warning("could not list connector plugins: %s", exc)
    return names


def get(name: str) -> type[Connector]:
    spec = available().get(name)
    if spec is None:
        raise ConnectorLoadError(f"unknown connector {name!r}; known: {', '.join(sorted(available()))}")
    try:
        return _load(spec)
    except ConnectorLoadError:
        raise
    except Exception as exc:
        raise ConnectorLoadError(f"connector {name!r} ({spec}) failed to load: {exc}") from exc
