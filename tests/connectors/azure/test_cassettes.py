"""The Azure connector replaying hand-written REST exchanges (vcrpy, record_mode="none"): the
shapes of the published Resource Graph, Cognitive Services, diagnostic settings, ML and Activity
Log references, with a skip token, a nextLink and a 403 on one read."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("azure.identity")
vcr = pytest.importorskip("vcr")

from connectors.azure.arm import RetrySettings  # noqa: E402
from connectors.azure.connector import AzureConnector  # noqa: E402
from discovery.controls import ControlKind, ControlStatus  # noqa: E402

CASSETTE = Path(__file__).resolve().parent / "cassettes" / "azure_subscription.yaml"
SUB = "33333333-3333-4333-8333-333333333333"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)


class StaticCredential:
    """A TokenCredential that needs no network (the cassette's requests carry no real token)."""

    def get_token(self, *scopes: str, **_kwargs: Any):  # type: ignore[no-untyped-def]
        from azure.core.credentials import AccessToken

        return AccessToken("cassette-token", int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None):  # type: ignore[no-untyped-def]
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("cassette-token", int(time.time()) + 3600)


def graph_query(r1: Any, r2: Any) -> None:
    """Resource Graph queries share one URL: match them on the query and the skip token."""
    if "resourcegraph" not in r1.path.lower():
        return
    b1, b2 = json.loads(r1.body or b"{}"), json.loads(r2.body or b"{}")
    assert (b1.get("query"), (b1.get("options") or {}).get("$skipToken")) == \
        (b2.get("query"), (b2.get("options") or {}).get("$skipToken"))


@pytest.fixture
def replayed():  # type: ignore[no-untyped-def]
    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"],
                       match_on=["method", "scheme", "host", "port", "path", "query", "graph_query"])
    recorder.register_matcher("graph_query", graph_query)
    with recorder.use_cassette(str(CASSETTE), allow_playback_repeats=False) as cassette:
        # one worker: vcrpy's cassette is not thread-safe (the local-fake tests cover concurrency)
        connector = AzureConnector(StaticCredential(), [SUB], days=7, max_workers=1, clock=lambda: NOW,
                                   retry=RetrySettings(total=1, backoff_factor=0.01, backoff_max=0.02))
        result = connector.scan()
        yield result, cassette


def test_every_exchange_is_replayed_and_nothing_else_is_sent(replayed) -> None:  # type: ignore[no-untyped-def]
    _, cassette = replayed
    assert cassette.all_played
    methods = {r.method for r in cassette.requests}
    assert methods == {"GET", "POST"}
    assert all("resourcegraph" in r.path.lower() for r in cassette.requests if r.method == "POST")


def test_resources_and_deployments_across_the_skip_token_and_next_link(replayed) -> None:  # type: ignore[no-untyped-def]
    result, _ = replayed
    by_model = {o.model: o for o in result.observations if o.signal == "azure.openai-deployment"}
    assert set(by_model) == {"contoso-chat", "contoso-embed"}  # the second came from the nextLink page
    assert by_model["contoso-chat"].attributes["base_model"] == "gpt-4o"
    names = {o.attributes.get("name") for o in result.observations if o.signal.startswith("azure.") and
             o.signal not in ("azure.openai-deployment", "azure.activity-log")}
    assert names == {"contoso-docintel", "contoso-hub"}  # the Document Intelligence account was on page 2
    hub = next(o for o in result.observations if o.attributes.get("name") == "contoso-hub")
    assert hub.model == "loan-default" and "AI Foundry hub" in hub.evidence
    usage = [o for o in result.observations if o.signal == "azure.activity-log"]
    assert [(o.identity, o.model, o.system_hint.rsplit("/", 1)[-1]) for o in usage] == [
        ("ops@contoso.example", None, "contoso-chat")]


def test_controls_and_the_one_denied_read(replayed) -> None:  # type: ignore[no-untyped-def]
    result, _ = replayed
    status = {(c.arn.rsplit("/", 1)[-1], c.kind): c for c in result.controls}
    assert status[("contoso-chat", ControlKind.GUARDRAILS)].status == ControlStatus.ENABLED
    assert "Protected Material Text/Completion" in status[("contoso-chat", ControlKind.GUARDRAILS)].detail
    assert status[("contoso-chat", ControlKind.MODEL_VERSION_PINNING)].status == ControlStatus.ENABLED
    assert status[("contoso-embed", ControlKind.MODEL_VERSION_PINNING)].status == ControlStatus.DISABLED
    assert status[("contoso-oai", ControlKind.NETWORK_ISOLATION)].status == ControlStatus.ENABLED
    assert status[("contoso-oai", ControlKind.KEYLESS_AUTH)].status == ControlStatus.ENABLED
    assert status[("contoso-oai", ControlKind.INVOCATION_LOGGING)].status == ControlStatus.ENABLED
    assert status[("contoso-docintel", ControlKind.INVOCATION_LOGGING)].status == ControlStatus.DISABLED
    assert status[("contoso-hub", ControlKind.INVOCATION_LOGGING)].status == ControlStatus.UNKNOWN
    [gap] = [r for r in result.coverage if r.status.value != "ok"]
    assert (gap.region, gap.service, gap.status.value) == ("eastus", "monitor", "denied")
    assert "AuthorizationFailed" in gap.message
    assert result.targets == [] and not result.coverage_complete
