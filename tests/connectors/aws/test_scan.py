"""The AWS connector against a seeded moto world: two accounts, two regions, stubs where moto
lacks an API, and failures injected in one region at a time."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pytest runs with --import-mode=importlib, which puts no test directory on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("moto")
from moto import mock_aws  # noqa: E402

from aws_fixtures.fakes import FakeAWS, refuse_network  # noqa: E402
from aws_fixtures.world import (ANALYST, APP_ROLE, AUDIT_ROLE, CLAUDE, MANAGEMENT, R1, R2, TRAIL_BUCKET,  # noqa: E402
                                TRAIL_PREFIX, World, seed)
from connectors.aws.connector import AWSConnector  # noqa: E402
from connectors.aws.coverage import CoverageStatus  # noqa: E402
from connectors.aws.guard import is_read_only  # noqa: E402
from connectors.aws.policy import required_operations  # noqa: E402
from connectors.aws.result import AWSScanResult  # noqa: E402
from discovery.controls import ControlKind, ControlStatus  # noqa: E402
from discovery.models import IssueSeverity  # noqa: E402

FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": R1, "AWS_EC2_METADATA_DISABLED": "true", "MOTO_ALLOW_NONEXISTENT_REGION": "false"}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_ENV.items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            mp.delenv(name, raising=False)
        mp.setattr("botocore.endpoint.Endpoint._send", refuse_network)
        with mock_aws():
            import boto3

            yield seed(boto3)


def scan(world: World, fake: FakeAWS, **options: Any) -> AWSScanResult:
    settings: dict[str, Any] = dict(regions=[R1, R2], org_role=AUDIT_ROLE, days=7,
                                    cloudtrail_s3=f"s3://{TRAIL_BUCKET}/{TRAIL_PREFIX}", max_workers=8)
    settings.update(options)
    return AWSConnector(world.session, client_hook=fake.hook, max_attempts=2, **settings).scan()


@pytest.fixture(scope="module")
def full(world: World) -> tuple[AWSScanResult, FakeAWS]:
    fake = world.fake.copy()
    return scan(world, fake), fake


def kinds_at(result: AWSScanResult, account: str, region: str) -> set[str]:
    return {str(o.attributes.get("resource_type")) for o in result.observations
            if o.location.account == account and o.location.region == region and "resource_type" in o.attributes}


def test_finds_every_seeded_resource_in_both_accounts_and_regions(world: World, full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full
    assert {(world.member, R1), (world.member, R2), (MANAGEMENT, R1), (MANAGEMENT, R2)} == set(world.expected)
    for (account, region), kinds in world.expected.items():
        assert kinds <= kinds_at(result, account, region), (account, region, kinds - kinds_at(result, account, region))
    assert sum(len(k) for k in world.expected.values()) >= 16
    assert result.counts["aws.accounts"] == 2 and result.counts["aws.regions"] == 2


def test_happy_world_has_complete_coverage(full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full
    assert result.coverage_complete, [i for i in result.issues if i.severity == IssueSeverity.ERROR]
    assert all(r.status in (CoverageStatus.OK, CoverageStatus.UNAVAILABLE) for r in result.coverage)
    assert {"aws:" + f"{MANAGEMENT}:{R1}:bedrock", f"aws:{MANAGEMENT}:{R2}:cloudtrail-s3"} <= set(result.targets)
    assert result.usage.data_source and result.usage.data_complete


def test_classic_ml_endpoint_is_one_system_with_its_config_and_model(world: World, full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full
    endpoint = world.arns["endpoint"]
    parts = {o.attributes.get("resource_type") for o in result.observations if o.system_hint == endpoint}
    assert {"sagemaker.endpoint", "sagemaker.endpoint-config", "sagemaker.model"} <= parts
    ep = next(o for o in result.observations if o.signal == "aws.sagemaker.endpoint")
    assert ep.model == "churn" and ep.provider == "aws-sagemaker"


def test_every_page_is_read(full) -> None:  # type: ignore[no-untyped-def]
    result, fake = full
    guardrails = [c for c in result.controls if c.kind == ControlKind.GUARDRAILS and c.arn]
    assert len(guardrails) == 3  # one per page, three pages
    pages = [p for (a, r, s, op, p) in fake.calls if op == "ListGuardrails" and a == MANAGEMENT and r == R1]
    assert [p.get("nextToken") for p in pages] == [None, "page-1", "page-2"]


def test_public_model_catalogue_is_never_inventory(full) -> None:  # type: ignore[no-untyped-def]
    result, fake = full
    operations = {op for *_, op, _ in fake.calls}
    assert "ListFoundationModels" not in operations
    assert all(p.get("typeEquals") == "APPLICATION" for *_, op, p in fake.calls if op == "ListInferenceProfiles")
    assert not any(o.signal == "aws.cloudtrail.ListFoundationModels" for o in result.observations)
    # A model id appears as the model of a use, never as a resource of its own.
    assert not any(":foundation-model/" in (o.system_hint or "") for o in result.observations)


def test_controls_reach_the_result(world: World, full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full

    def summary(kind: ControlKind, account: str, region: str) -> ControlStatus:
        [control] = [c for c in result.controls if (c.kind, c.account, c.region, c.arn) == (kind, account, region, None)]
        return control.status

    assert summary(ControlKind.INVOCATION_LOGGING, MANAGEMENT, R1) == ControlStatus.ENABLED
    assert summary(ControlKind.INVOCATION_LOGGING, world.member, R2) == ControlStatus.DISABLED
    assert summary(ControlKind.GUARDRAILS, MANAGEMENT, R1) == ControlStatus.PRESENT
    assert summary(ControlKind.GUARDRAILS, world.member, R1) == ControlStatus.ABSENT
    assert summary(ControlKind.MODEL_MONITORING, MANAGEMENT, R2) == ControlStatus.PRESENT
    assert summary(ControlKind.MODEL_CARDS, MANAGEMENT, R1) == ControlStatus.PRESENT
    monitor = next(c for c in result.controls if c.kind == ControlKind.MODEL_MONITORING and c.arn)
    assert world.arns["endpoint"] in monitor.detail
    assert len({c.id for c in result.controls}) == len(result.controls)
    assert not any(o.attributes.get("resource_type") == "bedrock.guardrail" for o in result.observations)


def test_cloudtrail_usage_with_identity_model_and_scope(full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full
    converse = [o for o in result.observations if o.signal == "aws.cloudtrail.Converse"]
    assert len(converse) == 1  # the S3 copy of the management event is not counted twice
    [use] = converse
    assert use.identity == APP_ROLE  # the role, not the volatile session name
    assert use.count == 3  # the 30-day-old call is outside --days 7; the denied attempt is not use
    assert use.model == CLAUDE and use.system_hint == f"aws/{MANAGEMENT}/{R1}/bedrock/{CLAUDE}"
    invoke = next(o for o in result.observations if o.signal == "aws.cloudtrail.InvokeModel")
    assert invoke.identity == ANALYST
    provisioned = next(o for o in result.observations if o.signal == "aws.bedrock.provisioned-throughput")
    assert invoke.system_hint == provisioned.system_hint  # usage attaches to the resource
    assert result.usage.management_regions_read == 4 and result.usage.management_events == 4


def test_data_events_come_from_the_trail_in_s3(world: World, full) -> None:  # type: ignore[no-untyped-def]
    result, _ = full
    agent_use = next(o for o in result.observations if o.signal == "aws.cloudtrail.InvokeAgent")
    agent = next(o for o in result.observations if o.signal == "aws.bedrock.agent")
    assert agent_use.system_hint == agent.system_hint == world.arns["agent"]
    assert agent_use.attributes["event_category"] == "data" and agent_use.attributes["origin"] == "s3"
    endpoint_use = next(o for o in result.observations if o.signal == "aws.cloudtrail.InvokeEndpoint")
    assert endpoint_use.system_hint == world.arns["endpoint"] and endpoint_use.count == 4
    assert result.usage.data_events == 5 and result.usage.data_files == 2
    assert not any(i.kind == "partial" and "data events" in i.message for i in result.issues)


def test_every_call_is_read_only_and_declared(full) -> None:  # type: ignore[no-untyped-def]
    _, fake = full
    called = {(s, op) for _, _, s, op, _ in fake.calls}
    assert called, "the hook saw no calls"
    assert all(is_read_only(s, op) for s, op in called)
    assert called <= set(required_operations()), called - set(required_operations())


def test_access_denied_and_throttling_in_one_region_leave_the_rest_complete(world: World) -> None:
    fake = world.fake.copy()
    fake.fail("AccessDeniedException", "bedrock", account=MANAGEMENT, region=R1)
    fake.fail("ThrottlingException", "sagemaker", "ListEndpoints", account=MANAGEMENT, region=R2)
    result = scan(world, fake, cloudtrail_s3=None)

    status = {(r.account, r.region, r.service, r.operation): r.status for r in result.coverage}
    assert status[(MANAGEMENT, R1, "bedrock", "ListGuardrails")] == CoverageStatus.DENIED
    assert status[(MANAGEMENT, R1, "bedrock", "GetModelInvocationLoggingConfiguration")] == CoverageStatus.DENIED
    assert status[(MANAGEMENT, R2, "sagemaker", "ListEndpoints")] == CoverageStatus.THROTTLED
    assert status[(MANAGEMENT, R2, "bedrock", "ListGuardrails")] == CoverageStatus.OK

    # Everything else is still found, in the other regions, accounts and services.
    for (account, region), kinds in world.expected.items():
        lost = {"bedrock.provisioned-throughput"} if (account, region) == (MANAGEMENT, R1) else set()
        lost |= {"sagemaker.endpoint"} if (account, region) == (MANAGEMENT, R2) else set()
        assert kinds - lost <= kinds_at(result, account, region)

    # A denial is a gap, never an absence: unknown controls, error issues, exit 3 territory.
    [logging] = [c for c in result.controls if c.kind == ControlKind.INVOCATION_LOGGING and c.account == MANAGEMENT
                 and c.region == R1]
    assert logging.status == ControlStatus.UNKNOWN
    kinds = {(i.kind, i.target) for i in result.issues if i.severity == IssueSeverity.ERROR}
    assert ("access-denied", f"aws:{MANAGEMENT}:{R1}:bedrock") in kinds
    assert ("throttled", f"aws:{MANAGEMENT}:{R2}:sagemaker") in kinds
    assert not result.coverage_complete
    assert f"aws:{MANAGEMENT}:{R1}:bedrock" not in result.targets  # its old findings carry forward
    assert f"aws:{MANAGEMENT}:{R1}:bedrock-agent" in result.targets
    assert "denied" in result.summary() and "bedrock:ListGuardrails" in result.summary()
    assert any(i.kind == "partial" and "data events" in i.message for i in result.issues)


def test_member_account_role_denied_is_reported_and_the_caller_still_scanned(world: World) -> None:
    fake = world.fake.copy()
    fake.fail("AccessDenied", "sts", "AssumeRole")
    result = scan(world, fake, cloudtrail_s3=None, days=0)
    denied = [r for r in result.coverage if r.operation == "AssumeRole"]
    assert [(r.account, r.status) for r in denied] == [(world.member, CoverageStatus.DENIED)]
    assert world.expected[(MANAGEMENT, R2)] <= kinds_at(result, MANAGEMENT, R2)
    assert not kinds_at(result, world.member, R1)
    assert any(i.kind == "access-denied" and world.member in i.target for i in result.issues)
    assert not any(o.signal.startswith("aws.cloudtrail") for o in result.observations)  # --days 0


def test_all_enabled_regions_and_unoffered_services(world: World) -> None:
    fake = world.fake.copy()
    result = scan(world, fake, regions="all", org_role=None, days=0, cloudtrail_s3=None,
                  services=["kendra"])
    regions = {r.region for r in result.coverage if r.service == "kendra"}
    assert len(regions) > 10  # every region moto reports as enabled
    kendra = {r.region: r.status for r in result.coverage if r.service == "kendra" and r.operation == "ListIndices"}
    assert kendra[R1] == CoverageStatus.OK
    unavailable = [i for i in result.issues if i.kind == "unavailable"]
    assert unavailable and all(i.severity == IssueSeverity.WARNING for i in unavailable)
    assert result.coverage_complete, [(i.target, i.message) for i in result.issues if i.severity == IssueSeverity.ERROR]


def test_cli_json_carries_systems_controls_coverage_and_exits_3_on_a_gap(world: World, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import json

    from click.testing import CliRunner

    import cli.discover_aws as command
    from cli.main import cli as root

    fake = world.fake.copy()
    fake.fail("AccessDeniedException", "sagemaker", account=world.member, region=R1)
    built: dict[str, Any] = {}

    def build(**options: Any) -> AWSConnector:
        built.update(options)
        options.pop("profile")
        return AWSConnector(world.session, client_hook=fake.hook, max_attempts=2, **options)

    monkeypatch.setattr(command, "build_connector", build)
    args = ["--workspace", str(tmp_path / "ws"), "discover", "aws", "--regions", f"{R1},{R2}", "--org-role",
            AUDIT_ROLE, "--days", "7", "--max-workers", "6", "--format", "json"]
    assert CliRunner().invoke(root, ["--workspace", str(tmp_path / "ws"), "init"]).exit_code == 0
    outcome = CliRunner().invoke(root, args)
    assert outcome.exit_code == 3, outcome.output
    assert built["regions"] == [R1, R2] and built["org_role"] == AUDIT_ROLE and built["max_workers"] == 6
    payload = json.loads(outcome.stdout)
    assert payload["schema"] == "aims.scan/1"
    assert {s["providers"][0] for s in payload["systems"]} >= {"aws-bedrock", "aws-sagemaker", "aws-ai-services"}
    assert any(i["kind"] == "access-denied" and world.member in i["target"] for i in payload["issues"])
    assert any(row["status"] == "denied" for row in payload["coverage"])
    kinds = {c["kind"] for c in payload["controls"]}
    assert kinds == {"invocation-logging", "guardrails", "model-monitoring", "model-cards"}
    assert all(c["requirements"] for c in payload["controls"])
    assert payload["usage_sources"]["data_events"]["read"] is False

    # Table mode: the inventory on stdout, the coverage summary for the human on stderr.
    outcome = CliRunner().invoke(root, args[:-1] + ["table"])
    assert outcome.exit_code == 3
    assert "AWS coverage:" in outcome.stderr and "sagemaker:ListEndpoints  denied" in outcome.stderr
