"""Cloud-connector tests reach nothing but 127.0.0.1: a name lookup or connection anywhere else
fails at once (there is no network here anyway; this makes a stray call an immediate, named failure)."""

from __future__ import annotations

import socket
from collections.abc import Iterable

import pytest

LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: The Azure credential chain's variables: cleared so no test can pick up a real tenant.
AZURE_ENV = ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE",
             "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET",
             "REQUESTS_CA_BUNDLE", "AZURE_USERNAME", "AZURE_PASSWORD")
GOOGLE_ENV = ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG")


def allow_loopback_only(monkeypatch: pytest.MonkeyPatch, clear_env: Iterable[str]) -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(host) not in LOOPBACK:
            raise OSError(f"test tried to resolve {host!r}: only 127.0.0.1 is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):  # type: ignore[no-untyped-def]
        if isinstance(address, tuple) and str(address[0]) not in LOOPBACK:
            raise OSError(f"test tried to connect to {address!r}: only 127.0.0.1 is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for name in clear_env:
        monkeypatch.delenv(name, raising=False)
