"""GCP tests reach nothing but 127.0.0.1, and never see a real Google or Azure credential chain."""

from __future__ import annotations

import pytest

from tests.connectors.loopback import AZURE_ENV, GOOGLE_ENV, allow_loopback_only


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    allow_loopback_only(monkeypatch, AZURE_ENV + GOOGLE_ENV)
