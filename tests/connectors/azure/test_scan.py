"""The Azure connector against the local fake: two subscriptions x two regions, one denied;
paging with skip tokens and nextLink; 429 with Retry-After; 503; and zero non-read calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("azure.identity")

from cli.demo_azure import FakeAzure, Faults
from cli.main import cli
from connectors.azure.arm import RetrySettings
from connectors.azure.connector import AzureConnector
from discovery.controls import ControlKind, ControlStatus
from discovery.models import IssueSeverity

from azure_fixtures.world import REGIONS, SUB_DENIED, SUB_OK, seeded  # noqa: E402

FAST = RetrySettings(total=4, backoff_factor=0.01, backoff_max=0.05, timeout=10)


def _credential(fake: FakeAzure, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for key, value in fake.env().items():
        monkeypatch.setenv(key, value)
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def _scan(fake: FakeAzure, monkeypatch: pytest.MonkeyPatch, **kwargs):  # type: ignore[no-untyped-def]
    connector = AzureConnector(_credential(fake, monkeypatch), endpoint=fake.endpoint, retry=FAST, **kwargs)
    return connector.scan(), connector


@pytest.fixture
def denied_world_scan(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    world = seeded()
    faults = Faults(page_size=2, throttle_first=1, fail_first=1, denied_subscriptions=frozenset({SUB_DENIED}))
    with FakeAzure(world, faults) as fake:
        result, connector = _scan(fake, monkeypatch)
        yield world, fake, result, connector


def test_every_seeded_resource_in_the_readable_subscription_is_found(denied_world_scan) -> None:  # type: ignore[no-untyped-def]
    world, fake, result, _ = denied_world_scan
    found = {o.location.arn for o in result.observations}
    for resource in world.resources:
        if resource["subscriptionId"] != SUB_OK:
            continue
        rid = resource["id"]
        deployments = world.listings.get(f"{rid}/deployments".lower(), [])
        if deployments:  # an account with deployments: one system per deployment
            assert {d["id"] for d in deployments} <= found, rid
        else:
            assert rid in found, rid
    assert not any(o.location.account == SUB_DENIED for o in result.observations)
    # one query per kind over both subscriptions fails (one is denied), so each is asked on its own;
    # paging really happened, 2 rows a page: the subscription list, then 6 accounts (3 pages),
    # 4 workspaces and 2 Foundry projects (3), 4 endpoints (2), 2 search services (1) and 2 bots (1)
    graph = fake.calls("POST")
    assert len([r for r in graph if r.status == 200]) == 1 + 3 + 3 + 2 + 1 + 1
    assert len([r for r in graph if r.status == 403]) == 5 + 5  # 5 batches, then the denied one alone


def test_deployments_carry_the_deployment_name_as_model_and_their_resource_id(denied_world_scan) -> None:  # type: ignore[no-untyped-def]
    _, _, result, _ = denied_world_scan
    deployments = [o for o in result.observations if o.signal == "azure.openai-deployment"]
    assert len(deployments) == len(REGIONS) * (3 + 1)
    chat = next(o for o in deployments if o.model == "chat-1111-east-0")
    assert chat.provider == "azure-openai" and chat.location.arn.endswith("/deployments/chat-1111-east-0")
    assert chat.attributes["base_model"] == "gpt-4o" and chat.attributes["model_version"] == "2024-08-06"
    assert chat.system_hint == chat.location.arn
    mistral = next(o for o in deployments if o.model.startswith("mistral-"))
    assert mistral.provider == "azure-ai-services"


def test_every_resource_has_its_control_evidence(denied_world_scan) -> None:  # type: ignore[no-untyped-def]
    world, _, result, _ = denied_world_scan
    by_resource: dict[str, set[ControlKind]] = {}
    status: dict[tuple[str, ControlKind], ControlStatus] = {}
    for control in result.controls:
        by_resource.setdefault(control.arn or "", set()).add(control.kind)
        status[(control.arn or "", control.kind)] = control.status
        assert control.requirements and all(r.startswith("A.") for r in control.requirements)
    for resource in world.resources:
        if resource["subscriptionId"] == SUB_OK:
            assert ControlKind.NETWORK_ISOLATION in by_resource.get(resource["id"], set()), resource["id"]
    oai = next(r["id"] for r in world.resources if r["name"] == "oai-1111-east")
    assert status[(oai, ControlKind.NETWORK_ISOLATION)] == ControlStatus.ENABLED
    assert status[(oai, ControlKind.KEYLESS_AUTH)] == ControlStatus.ENABLED
    assert status[(oai, ControlKind.INVOCATION_LOGGING)] == ControlStatus.ENABLED
    hub = next(r["id"] for r in world.resources if r["name"] == "foundry-1111-east")
    assert status[(hub, ControlKind.NETWORK_ISOLATION)] == ControlStatus.DISABLED
    assert status[(hub, ControlKind.KEYLESS_AUTH)] == ControlStatus.DISABLED
    assert status[(hub, ControlKind.INVOCATION_LOGGING)] == ControlStatus.DISABLED
    project = next(r["id"] for r in world.resources if r["name"] == "agents-1111-east")
    assert status[(project, ControlKind.NETWORK_ISOLATION)] == ControlStatus.UNKNOWN  # inherits its account's
    assert (project, ControlKind.INVOCATION_LOGGING) not in status  # no diagnostic settings of its own
    endpoint = next(r["id"] for r in world.resources if r["name"] == "credit-score-1111-east")
    assert status[(endpoint, ControlKind.KEYLESS_AUTH)] == ControlStatus.DISABLED  # authMode Key
    for n, (filtering, pinned) in enumerate([(ControlStatus.ENABLED, ControlStatus.ENABLED),
                                             (ControlStatus.DISABLED, ControlStatus.DISABLED),
                                             (ControlStatus.ENABLED, ControlStatus.DISABLED)]):
        deployment = f"{oai}/deployments/chat-1111-east-{n}"
        assert status[(deployment, ControlKind.GUARDRAILS)] == filtering, n
        assert status[(deployment, ControlKind.MODEL_VERSION_PINNING)] == pinned, n


def test_a_denied_subscription_is_a_reported_gap_and_the_other_is_complete(denied_world_scan) -> None:  # type: ignore[no-untyped-def]
    _, _, result, _ = denied_world_scan
    assert result.targets == [f"azure:{SUB_OK}"]
    errors = [i for i in result.issues if i.severity == IssueSeverity.ERROR]
    assert errors and all(SUB_DENIED in i.target for i in errors)
    assert {i.kind for i in errors} == {"access-denied"}
    assert "not an absence of AI" in errors[0].message
    assert not result.coverage_complete
    assert all(r.status.value == "ok" for r in result.coverage if r.scope == SUB_OK)


def test_not_one_call_could_change_anything(denied_world_scan) -> None:  # type: ignore[no-untyped-def]
    _, fake, result, connector = denied_world_scan
    sent = fake.calls()
    assert sent and all(r.authorised for r in sent)
    writes = [r for r in sent if r.method not in ("GET", "HEAD")
              and not r.path.lower().endswith("/providers/microsoft.resourcegraph/resources")]
    assert writes == []
    assert not any(r.status == 405 for r in sent)
    assert connector.clients.log.refused == []
    assert result.requests_by_method["GET"] + result.requests_by_method["POST"] == len(sent)


def test_throttling_that_never_ends_is_reported_as_throttled(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(seeded(), Faults(throttle_first=1000, retry_after="0")) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK], days=0)
    assert {r.status.value for r in result.coverage} == {"throttled"}
    assert result.observations == [] and not result.coverage_complete
    assert any("Retry-After" in i.message for i in result.issues)


def test_server_errors_past_the_retries_are_failures_not_absence(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(seeded(), Faults(fail_first=1000)) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK], days=0)
    assert {r.status.value for r in result.coverage} == {"failed"}
    assert {i.kind for i in result.issues} == {"failed"} and not result.coverage_complete


def test_a_denial_in_one_region_keeps_the_rest_of_the_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    world = seeded()
    denied_account = next(r["id"] for r in world.resources if r["name"] == "oai-1111-swed")
    with FakeAzure(world, Faults(denied_paths=(f"{denied_account}/deployments",))) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK], days=0)
    gaps = [r for r in result.coverage if r.status.value != "ok"]
    assert [(r.region, r.operation, r.status.value) for r in gaps] == [("swedencentral", "deployments.list", "denied")]
    assert any(o.model == "chat-1111-east-0" for o in result.observations)
    # the account whose deployments were denied still shows as a system of its own
    assert denied_account in {o.location.arn for o in result.observations}


def test_activity_log_names_who_managed_which_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    world = seeded()
    account = next(r for r in world.resources if r["name"] == "oai-1111-east")
    deployment = f"{account['id']}/deployments/chat-1111-east-0"
    world.activity[SUB_OK] = [
        {"caller": "alice@acme.example", "operationName": {"value": "Microsoft.CognitiveServices/accounts/deployments/write"},
         "resourceId": deployment.upper(), "eventTimestamp": "2026-12-01T10:00:00Z", "location": "eastus",
         "status": {"value": "Succeeded"}},
        {"caller": "alice@acme.example", "operationName": {"value": "Microsoft.CognitiveServices/accounts/listKeys/action"},
         "resourceId": account["id"], "eventTimestamp": "2026-12-02T10:00:00Z", "location": "eastus",
         "status": {"value": "Succeeded"}}]
    with FakeAzure(world, Faults(page_size=1)) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK], days=7)
    usage = [o for o in result.observations if o.signal == "azure.activity-log"]
    assert {(o.system_hint, o.identity, o.count) for o in usage} == {(deployment, "alice@acme.example", 1),
                                                                      (account["id"], "alice@acme.example", 1)}
    assert next(o for o in usage if o.system_hint == deployment).provider == "azure-openai"


def _cli(args: list[str], workspace: Path, env: dict[str, str]):  # type: ignore[no-untyped-def]
    if not (workspace / "aims.db").exists():  # every command but init refuses a missing workspace
        assert CliRunner().invoke(cli, ["--quiet", "--workspace", str(workspace), "init"]).exit_code == 0
    return CliRunner().invoke(cli, ["--quiet", "--workspace", str(workspace), *args], env=env)


def test_the_cli_exits_3_and_reports_coverage_and_controls_as_json(tmp_path: Path) -> None:
    faults = Faults(denied_subscriptions=frozenset({SUB_DENIED}))
    with FakeAzure(seeded(), faults) as fake:
        result = _cli(["discover", "azure", "--arm-endpoint", fake.endpoint, "--format", "json"], tmp_path / "ws",
                      fake.env())
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    assert data["schema"] == "aims.scan/1"
    assert {row["subscription"] for row in data["coverage"]} >= {SUB_OK, SUB_DENIED}
    assert any(c["kind"] == "guardrails" and c["requirements"] for c in data["controls"])
    assert data["requests"]["by_method"]["GET"] > 0
    models = {o["model"] for o in data["observations"] if o["signal"] == "azure.openai-deployment"}
    assert "chat-1111-east-0" in models
    assert any(s["providers"] == ["azure-openai"] for s in data["systems"])


def test_fail_on_incomplete_turns_the_denial_into_exit_4(tmp_path: Path) -> None:
    faults = Faults(denied_subscriptions=frozenset({SUB_DENIED}))
    with FakeAzure(seeded(), faults) as fake:
        result = _cli(["discover", "azure", "--arm-endpoint", fake.endpoint, "--fail-on", "incomplete"],
                      tmp_path / "ws", fake.env())
    assert result.exit_code == 4, result.output
    assert "GATE TRIPPED incomplete" in result.output


def test_discover_run_includes_the_azure_section(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    with FakeAzure(seeded(), Faults(denied_subscriptions=frozenset({SUB_DENIED}))) as fake:
        assert _cli(["init"], workspace, {}).exit_code == 0
        config = workspace / "aims.toml"
        text = config.read_text().replace('[discovery.azure]\nenabled = false', '[discovery.azure]\nenabled = true')
        text = text.replace('# arm_endpoint = "https://management.usgovcloudapi.net"', f'arm_endpoint = "{fake.endpoint}"')
        config.write_text(text)
        result = _cli(["discover", "run", "--format", "json"], workspace, fake.env())
        assert result.exit_code == 3, result.output
        scans = json.loads(result.output)["scans"]
        assert [s["scan"]["connectors"] for s in scans] == [["azure"]]
        gated = _cli(["discover", "run", "--fail-on", "incomplete"], workspace, fake.env())
    assert gated.exit_code == 4


def test_a_missing_sdk_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_azure(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.startswith("azure.identity"):
            raise ImportError("No module named 'azure.identity'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_azure)
    import importlib

    real_import_module = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *a: (_ for _ in ()).throw(ImportError(name))
                        if name.startswith("azure.identity") else real_import_module(name, *a))
    result = _cli(["discover", "azure"], tmp_path / "ws", {})
    assert result.exit_code == 1
    assert "pip install 'aims[azure]'" in result.output


def test_request_logs_in_log_analytics_count_calls_by_deployment_and_principal(tmp_path: Path) -> None:
    world = seeded()
    account = next(r for r in world.resources if r["name"] == "oai-1111-east")
    deployment = f"{account['id']}/deployments/chat-1111-east-1"
    world.requests["law-0001"] = [
        {"resource_id": account["id"].lower(), "deployment": "chat-1111-east-1", "principal": "svc-support@acme.example",
         "requests": 1200, "first_seen": "2026-11-28T00:00:00Z", "last_seen": "2026-12-02T00:00:00Z"},
        {"resource_id": account["id"].lower(), "deployment": "chat-1111-east-1", "principal": "",
         "requests": 30, "first_seen": "2026-11-29T00:00:00Z", "last_seen": "2026-11-30T00:00:00Z"}]
    with FakeAzure(world) as fake:
        result = _cli(["discover", "azure", "--arm-endpoint", fake.endpoint, "--subscriptions", SUB_OK,
                       "--log-analytics", "law-0001,law-missing", "--log-analytics-endpoint", fake.endpoint,
                       "--format", "json"], tmp_path / "ws", fake.env())
        queries = list(fake.log_queries)
    assert result.exit_code == 3, result.output  # law-missing could not be read
    data = json.loads(result.output)
    logs = [o for o in data["observations"] if o["signal"] == "azure.request-log"]
    assert {(o["system_hint"], o["identity"], o["count"], o["model"]) for o in logs} == {
        (deployment, "svc-support@acme.example", 1200, "chat-1111-east-1"), (deployment, None, 30, "chat-1111-east-1")}
    assert all("RequestResponse" in q for q in queries) and len(queries) == 2
    gaps = [r for r in data["coverage"] if r["status"] != "ok"]
    assert [(g["subscription"], g["service"]) for g in gaps] == [("law-missing", "loganalytics")]
    system = next(s for s in data["systems"] if s["scope"] == deployment)
    assert "svc-support@acme.example" in system["identities"]


def test_a_truncated_resource_graph_result_is_incomplete_not_all(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(seeded(), Faults(page_size=2, truncate_graph=True)) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK], days=0)
    row = next(r for r in result.coverage if r.operation == "resources:cognitive-account")
    assert row.status.value == "failed" and "truncated" in row.message and row.items == 2
    assert not result.coverage_complete


def test_one_query_per_kind_covers_every_readable_subscription(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(seeded(), Faults()) as fake:
        result, _ = _scan(fake, monkeypatch, days=0)
    assert len(fake.calls("POST")) == 1 + 5  # the subscription list, then one query per kind for both
    assert sorted(result.targets) == [f"azure:{SUB_OK}", f"azure:{SUB_DENIED}"]
    per_sub = {(r.scope, r.operation): r.items for r in result.coverage if r.service == "resourcegraph"}
    assert per_sub[(SUB_OK, "resources:cognitive-account")] == 6
    assert per_sub[(SUB_DENIED, "resources:cognitive-account")] == 6


def test_a_named_subscription_the_credential_cannot_see_is_denied_not_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeAzure(seeded(), Faults(hidden_subscriptions=frozenset({SUB_DENIED}))) as fake:
        result, _ = _scan(fake, monkeypatch, subscriptions=[SUB_OK, SUB_DENIED], days=0)
    [issue] = [i for i in result.issues if i.severity == IssueSeverity.ERROR]
    assert SUB_DENIED in issue.target and "not visible to this credential" in issue.message
    assert result.targets == [f"azure:{SUB_OK}"]


def test_no_credential_is_one_clear_denial_not_a_storm_of_failures() -> None:
    from azure.identity import CredentialUnavailableError

    class NoCredential:
        calls = 0

        def get_token(self, *scopes, **kwargs):  # type: ignore[no-untyped-def]
            NoCredential.calls += 1
            raise CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token")

    with FakeAzure(seeded()) as fake:
        result = AzureConnector(NoCredential(), endpoint=fake.endpoint, retry=FAST).scan()
        assert fake.calls() == []
    [issue] = result.issues
    assert issue.kind == "access-denied" and "az login" in issue.message and NoCredential.calls == 1
    assert result.observations == [] and not result.coverage_complete
