"""The GCP connector against the local fake: two projects, one with its Cloud Asset API off;
page tokens, 429 and 503 retried; Application Default Credentials from a service-account key;
and zero non-read calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.importorskip("google.cloud.asset_v1")

from cli.main import cli  # noqa: E402
from connectors.gcp.clients import RetrySettings  # noqa: E402
from connectors.gcp.connector import GCPConnector  # noqa: E402
from connectors.gcp.guard import ReadOnlyViolation, guard_interceptor  # noqa: E402
from connectors.coverage import CallLog  # noqa: E402
from discovery.controls import ControlKind, ControlStatus  # noqa: E402
from discovery.models import IssueSeverity  # noqa: E402

from gcp_fixtures.fake import FakeGoogle, Faults, seeded, seeded_audit  # noqa: E402

FAST = RetrySettings(initial=0.01, maximum=0.05, multiplier=1.5, deadline=10, timeout=10)


def _scan(fake: FakeGoogle, projects: list[str] | None = None):  # type: ignore[no-untyped-def]
    from google.auth.credentials import AnonymousCredentials

    connector = GCPConnector(AnonymousCredentials(), projects, asset_endpoint=fake.endpoint,
                             projects_endpoint=fake.endpoint, logging_endpoint=fake.endpoint, retry=FAST)
    return connector.scan()


@pytest.fixture
def scanned():  # type: ignore[no-untyped-def]
    projects = seeded()
    with FakeGoogle(projects, Faults(page_size=3, throttle_first=1, fail_first=1,
                                     disabled_projects=frozenset({"acme-labs"})), audit=seeded_audit()) as fake:
        yield projects, fake, _scan(fake)


def test_every_seeded_asset_is_found_across_pages(scanned) -> None:  # type: ignore[no-untyped-def]
    projects, fake, result = scanned
    found = {o.location.arn for o in result.observations}
    for item in projects["acme-ml"]:
        if "CustomJob" not in item["assetType"]:
            assert item["name"] in found, item["name"]
    jobs = [o for o in result.observations if o.signal == "gcp.vertex-training"]
    assert len(jobs) == 1 and jobs[0].count == 3  # jobs fold into one counted observation
    served = {o.model for o in result.observations if o.signal == "gcp.vertex-endpoint"}
    assert served == {"churn-xgb", "gemma-2b-it"}
    pages = [r for r in fake.calls() if r.path == "/v1/projects/acme-ml/assets" and r.status == 200]
    assert len(pages) == 3  # 9 assets, 3 a page


def test_endpoint_controls(scanned) -> None:  # type: ignore[no-untyped-def]
    _, _, result = scanned
    status = {(c.arn.rsplit("/", 1)[-1], c.kind): c.status for c in result.controls}
    assert status[("222", ControlKind.INVOCATION_LOGGING)] == ControlStatus.ENABLED
    assert status[("333", ControlKind.INVOCATION_LOGGING)] == ControlStatus.DISABLED
    assert status[("333", ControlKind.NETWORK_ISOLATION)] == ControlStatus.DISABLED
    assert status[("ws-1", ControlKind.NETWORK_ISOLATION)] == ControlStatus.DISABLED  # Workbench with a public IP
    assert all(c.requirements for c in result.controls)


def test_a_project_with_its_api_off_is_a_gap_and_the_other_is_complete(scanned) -> None:  # type: ignore[no-untyped-def]
    _, _, result = scanned
    assert result.targets == ["gcp:acme-ml"]
    errors = [i for i in result.issues if i.severity == IssueSeverity.ERROR]
    assert len(errors) == 1 and "acme-labs" in errors[0].target and errors[0].kind == "unavailable"
    assert "enable the API" in errors[0].message
    assert not any(o.location.account == "acme-labs" for o in result.observations)


def test_not_one_call_could_change_anything(scanned) -> None:  # type: ignore[no-untyped-def]
    _, fake, result = scanned
    writes = [r for r in fake.calls() if r.method != "GET" and r.path != "/v2/entries:list"]
    assert writes == [] and {r.method for r in fake.calls()} == {"GET", "POST"}
    assert not any(r.status == 405 for r in fake.calls())
    assert sum(result.requests_by_method.values()) == len(fake.calls())


def test_the_guard_refuses_every_rpc_that_is_not_a_read() -> None:
    from google.cloud.asset_v1.services.asset_service.transports.rest import AssetServiceRestInterceptor

    log = CallLog()
    guard = guard_interceptor(AssetServiceRestInterceptor, log)
    assert guard.pre_list_assets("request", []) == ("request", [])
    for write in ("create_feed", "delete_feed", "update_feed", "export_assets", "create_saved_query"):
        with pytest.raises(ReadOnlyViolation):
            getattr(guard, f"pre_{write}")("request", [])
    assert log.refused == ["create_feed", "delete_feed", "update_feed", "export_assets", "create_saved_query"]


def test_a_denied_project_is_reported_as_denied() -> None:
    with FakeGoogle(seeded(), Faults(denied_projects=frozenset({"acme-labs"}))) as fake:
        result = _scan(fake, ["acme-ml", "acme-labs"])
    assert "No entries can mean no use" in result.usage_note
    assert [(i.kind, i.target) for i in result.issues] == [("access-denied", "gcp:acme-labs:global:cloudasset")]


def test_throttling_past_the_retries_is_throttled() -> None:
    with FakeGoogle(seeded(), Faults(throttle_first=10_000)) as fake:
        connector = GCPConnector(__import__("google.auth.credentials", fromlist=["x"]).AnonymousCredentials(),
                                 ["acme-ml"], asset_endpoint=fake.endpoint, projects_endpoint=fake.endpoint,
                                 days=0, retry=RetrySettings(initial=0.01, maximum=0.02, deadline=0.3))
        result = connector.scan()
    assert [r.status.value for r in result.coverage] == ["throttled"] and not result.coverage_complete


def _service_account(tmp_path: Path, token_uri: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({"type": "service_account", "project_id": "acme-ml", "private_key_id": "k1",
                                "private_key": pem, "client_email": "aims@acme-ml.iam.gserviceaccount.com",
                                "client_id": "1", "token_uri": token_uri}))
    return path


def test_the_cli_uses_application_default_credentials_and_exits_3(tmp_path: Path) -> None:
    with FakeGoogle(seeded(), Faults(disabled_projects=frozenset({"acme-labs"}))) as fake:
        key = _service_account(tmp_path, fake.endpoint + "/token")
        args = ["--quiet", "--workspace", str(tmp_path / "ws"), "discover", "gcp", "--asset-endpoint", fake.endpoint,
                "--projects-endpoint", fake.endpoint, "--logging-endpoint", fake.endpoint, "--format", "json"]
        assert CliRunner().invoke(cli, ["--workspace", str(tmp_path / "ws"), "init"]).exit_code == 0
        result = CliRunner().invoke(cli, args, env={"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
        tokens = [r for r in fake.requests if r.path == "/token"]
        gated = CliRunner().invoke(cli, [*args[:-2], "--fail-on", "incomplete"],
                                   env={"GOOGLE_APPLICATION_CREDENTIALS": str(key)})
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    assert {row["project"] for row in data["coverage"]} == {"*", "acme-ml", "acme-labs"}
    assert any(s["providers"] == ["google-vertex-ai"] for s in data["systems"])
    assert tokens and all(r.authorised for r in fake.calls())
    assert gated.exit_code == 4


def test_audit_logs_name_who_called_gemini_and_the_endpoint(scanned) -> None:  # type: ignore[no-untyped-def]
    projects, fake, result = scanned
    calls = {(o.system_hint, o.identity, o.count, o.model) for o in result.observations if o.signal == "gcp.audit-log"}
    gemini = "gcp/acme-ml/publisher-model/google/gemini-1.5-flash-002"
    churn = next(a["name"] for a in projects["acme-ml"] if a["name"].endswith("/endpoints/222"))
    assert calls == {(gemini, "analyst@acme.example", 3, "gemini-1.5-flash-002"),
                     (gemini, "bot@acme-ml.iam.gserviceaccount.com", 1, "gemini-1.5-flash-002"),
                     (churn, "scoring@acme-ml.iam.gserviceaccount.com", 2, None)}
    assert all('protoPayload.serviceName="aiplatform.googleapis.com"' in f and "data_access" in f
               for f in fake.log_filters)
    assert "6 call(s) attributed" in result.usage_note


def test_denied_audit_logs_are_a_gap() -> None:
    with FakeGoogle(seeded(), Faults(logging_denied=frozenset({"acme-ml"})), audit=seeded_audit()) as fake:
        result = _scan(fake, ["acme-ml"])
    [issue] = result.issues
    assert issue.kind == "access-denied" and issue.target == "gcp:acme-ml:global:logging"
    assert any(o.signal == "gcp.vertex-endpoint" for o in result.observations)  # the inventory is still complete


def test_discover_run_includes_the_gcp_section(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    runner = CliRunner()
    with FakeGoogle(seeded(), Faults(disabled_projects=frozenset({"acme-labs"}))) as fake:
        env = {"GOOGLE_APPLICATION_CREDENTIALS": str(_service_account(tmp_path, fake.endpoint + "/token"))}
        assert runner.invoke(cli, ["--quiet", "--workspace", str(workspace), "init"]).exit_code == 0
        config = workspace / "aims.toml"
        text = config.read_text().replace("[discovery.gcp]\nenabled = false", "[discovery.gcp]\nenabled = true")
        text = text.replace('# asset_endpoint = "https://cloudasset.p.googleapis.com"',
                            f'asset_endpoint = "{fake.endpoint}"\nprojects_endpoint = "{fake.endpoint}"\n'
                            f'logging_endpoint = "{fake.endpoint}"')
        config.write_text(text)
        result = runner.invoke(cli, ["--quiet", "--workspace", str(workspace), "discover", "run", "--format", "json"],
                               env=env)
        gated = runner.invoke(cli, ["--quiet", "--workspace", str(workspace), "discover", "run", "--fail-on",
                                    "incomplete"], env=env)
    assert result.exit_code == 3, result.output
    [scan] = json.loads(result.output)["scans"]
    assert scan["scan"]["connectors"] == ["gcp"] and scan["scan"]["targets"] == ["gcp:acme-ml"]
    assert {row["project"] for row in scan["coverage"]} == {"*", "acme-ml", "acme-labs"} and scan["controls"]
    assert gated.exit_code == 4


def test_no_application_default_credentials_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))  # no gcloud login here
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")  # and no metadata server
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    result = CliRunner().invoke(cli, ["--quiet", "--workspace", str(tmp_path / "ws"), "discover", "gcp"])
    assert result.exit_code == 1
    assert "gcloud auth application-default login" in result.output


def test_a_missing_sdk_names_the_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real_import_module = importlib.import_module

    def no_asset(name: str, *args):  # type: ignore[no-untyped-def]
        if name.startswith("google.cloud.asset_v1"):
            raise ImportError(name)
        return real_import_module(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_asset)
    result = CliRunner().invoke(cli, ["--quiet", "--workspace", str(tmp_path / "ws"), "discover", "gcp"])
    assert result.exit_code == 1 and "pip install 'aims[gcp]'" in result.output
