"""The read-only guard: only GET/HEAD and the two read-only query POSTs reach the wire."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("azure.identity")

from cli.demo_azure import FakeAzure, Faults  # noqa: E402
from connectors.azure.arm import ClientFactory, RetrySettings  # noqa: E402
from connectors.azure.connector import AzureConnector  # noqa: E402
from connectors.azure.guard import ReadOnlyViolation, is_read_only  # noqa: E402

from azure_fixtures.world import SUB_OK, seeded  # noqa: E402

FAST = RetrySettings(total=2, backoff_factor=0.01, backoff_max=0.02, timeout=10)


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("GET", "https://management.azure.com/subscriptions/s/providers/Microsoft.CognitiveServices/accounts", True),
    ("HEAD", "https://management.azure.com/subscriptions/s", True),
    ("POST", "https://management.azure.com/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01", True),
    ("POST", "https://api.loganalytics.io/v1/workspaces/abc/query", True),
    ("POST", "https://management.azure.com/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/"
             "accounts/a/listKeys", False),
    ("POST", "https://management.azure.com/subscriptions/s/providers/Microsoft.CognitiveServices/register", False),
    ("PUT", "https://management.azure.com/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/"
            "accounts/a/deployments/d", False),
    ("PATCH", "https://management.azure.com/subscriptions/s/resourceGroups/g", False),
    ("DELETE", "https://management.azure.com/subscriptions/s/resourceGroups/g", False),
    ("POST", "https://management.azure.com/providers/Microsoft.ResourceGraph/resources/../../subscriptions/s/x", False),
])
def test_only_reads_pass(method: str, url: str, allowed: bool) -> None:
    assert is_read_only(method, url) is allowed


def _credential(fake: FakeAzure, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def test_a_write_through_the_real_pipeline_is_refused_before_it_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.core.rest import HttpRequest

    with FakeAzure(seeded()) as fake:
        clients = ClientFactory(_credential(fake, monkeypatch), fake.endpoint, FAST)
        arm = clients.arm()
        for method, path in (("PUT", f"/subscriptions/{SUB_OK}/resourceGroups/rg-ai"),
                             ("POST", f"/subscriptions/{SUB_OK}/resourceGroups/rg-ai/providers/"
                                      "Microsoft.CognitiveServices/accounts/oai-1111-east/listKeys"),
                             ("DELETE", f"/subscriptions/{SUB_OK}/resourceGroups/rg-ai")):
            with pytest.raises(ReadOnlyViolation):
                arm.send_request(HttpRequest(method, arm.format_url(path), params={"api-version": "2024-10-01"}))
        # the SDK clients carry the same guard
        with pytest.raises(ReadOnlyViolation):
            clients.cognitive(SUB_OK).accounts.begin_delete("rg-ai", "oai-1111-east").result()
        clients.close()
        assert fake.calls() == []
    assert len(clients.log.refused) == 4


def test_the_sdks_automatic_provider_registration_is_refused_and_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    world = seeded()
    account = next(r["id"] for r in world.resources if r["name"] == "oai-1111-east")
    with FakeAzure(world, Faults(unregistered_paths=(f"{account}/deployments",))) as fake:
        connector = AzureConnector(_credential(fake, monkeypatch), [SUB_OK], endpoint=fake.endpoint, retry=FAST, days=0)
        result = connector.scan()
        assert not any(r.method != "GET" and "resourcegraph" not in r.path.lower() for r in fake.calls())
    rows = [r for r in result.coverage if r.operation == "deployments.list" and r.region == "eastus"]
    assert rows[0].status.value == "unavailable" and "not registered" in rows[0].message
    assert any(p.endswith("/register") for p in connector.clients.log.refused)


def test_error_text_from_the_service_cannot_reach_a_terminal_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    world = seeded()
    with FakeAzure(world, Faults(denied_paths=("/deployments",))) as fake:
        original = fake.respond

        def hostile(*args, **kwargs):  # type: ignore[no-untyped-def]
            status, payload, headers = original(*args, **kwargs)
            if status == 403:
                payload["error"]["message"] = "denied \x1b]0;pwned\x07\x1b[2J here"
            return status, payload, headers

        fake.respond = hostile  # type: ignore[method-assign]
        connector = AzureConnector(_credential(fake, monkeypatch), [SUB_OK], endpoint=fake.endpoint, retry=FAST, days=0)
        result = connector.scan()
    messages = [r.message for r in result.coverage if r.status.value == "denied"] + [i.message for i in result.issues]
    assert messages and not any("\x1b" in m or "\x07" in m for m in messages)
    assert "\x1b" not in result.summary()
