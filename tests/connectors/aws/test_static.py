"""The AWS connector's data and guard, checked against the installed botocore (no moto)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from connectors.aws import catalogue
from connectors.aws.coverage import CoverageRow, CoverageStatus, classify_error, coverage_issues, render_coverage
from connectors.aws.guard import ReadOnlyViolation, install_read_only_guard, is_read_only
from connectors.aws.policy import actions_for, policy_document, required_operations
from connectors.aws.specs import ListSpec, Role
from discovery.controls import REQUIREMENTS_BY_KIND, ControlKind, ControlStatus, make_control
from discovery.models import IssueSeverity

POLICY = Path(__file__).resolve().parents[3] / "docs" / "aws-readonly-policy.json"


@pytest.fixture(scope="module")
def session() -> boto3.session.Session:
    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name="us-east-1")


@pytest.fixture(scope="module")
def models(session):  # type: ignore[no-untyped-def]
    loader = session._session
    return {name: loader.get_service_model(name) for name in {s for s, _ in required_operations()}}


def test_every_service_is_in_the_installed_botocore(session) -> None:  # type: ignore[no-untyped-def]
    available = set(session.get_available_services())
    assert {s for s, _ in required_operations()} <= available


def test_every_operation_exists_and_is_read_only(models) -> None:  # type: ignore[no-untyped-def]
    for service, operation in required_operations():
        assert operation in models[service].operation_names, (service, operation)
        assert is_read_only(service, operation), (service, operation)


@pytest.mark.parametrize("spec", catalogue.INVENTORY, ids=lambda s: s.kind)
def test_spec_matches_the_service_model(spec: ListSpec, models) -> None:  # type: ignore[no-untyped-def]
    op = models[spec.service].operation_model(spec.operation)
    inputs = set(op.input_shape.members) if op.input_shape else set()
    assert set(spec.params) | set(spec.parent_params) <= inputs
    listed = op.output_shape.members[spec.result_key]
    assert listed.type_name == "list"
    member = listed.member
    if spec.scalar_field:
        assert member.type_name == "string"
        return
    fields = set(member.members)
    named = [spec.arn_field, spec.name_field, spec.status_field, spec.created_field, spec.updated_field,
             spec.scope_field] + [f.split(".")[0] for f in spec.model_fields]
    assert {f for f in named if f} <= fields, {f for f in named if f} - fields
    if spec.parent:
        parent = catalogue.by_kind()[spec.parent]
        assert parent.service == spec.service
        assert catalogue.INVENTORY.index(parent) < catalogue.INVENTORY.index(spec)
    if spec.role == Role.CONTROL:
        assert spec.control is not None
    if spec.detail:
        assert set(spec.detail.params) <= set(models[spec.service].operation_model(spec.detail.operation)
                                              .input_shape.members)


def test_reference_catalogues_are_never_listed() -> None:
    operations = {op for _, op in required_operations()}
    assert not operations & {"ListFoundationModels", "ListRecipes", "ListBuiltInIntents", "ListHubContents"}
    profiles = next(s for s in catalogue.INVENTORY if s.operation == "ListInferenceProfiles")
    assert profiles.params == {"typeEquals": "APPLICATION"}  # system-defined profiles are AWS's


def test_policy_grants_exactly_the_actions_called() -> None:
    shipped = json.loads(POLICY.read_text())
    assert shipped == policy_document(), "regenerate: python -m connectors.aws.policy > docs/aws-readonly-policy.json"
    granted = sorted(a for statement in shipped["Statement"] for a in statement["Action"])
    assert granted == actions_for(required_operations())
    assert len(granted) == len(set(granted))
    assert "lex:ListBots" in granted and "aoss:ListCollections" in granted  # signing names, not client names
    assert "s3:ListBucket" in granted  # ListObjectsV2's IAM action
    assert not any(a.split(":")[1].startswith(("Create", "Update", "Delete", "Put", "Invoke")) for a in granted)


def test_guard_refuses_a_write_before_anything_is_sent(session) -> None:  # type: ignore[no-untyped-def]
    client = install_read_only_guard(session.client("sagemaker"))
    with Stubber(client) as stub:  # a stub answers everything: the guard must still refuse
        stub.add_response("list_endpoints", {"Endpoints": []})
        assert client.list_endpoints() == {"Endpoints": []}
        with pytest.raises(ReadOnlyViolation):
            client.delete_endpoint(EndpointName="prod")
    sts = install_read_only_guard(session.client("sts"))
    with Stubber(sts) as stub:
        stub.add_response("assume_role", {"Credentials": {"AccessKeyId": "AKIAXXXXXXXXXXXXXXXX",
                          "SecretAccessKey": "x", "SessionToken": "x", "Expiration": "2030-01-01T00:00:00Z"}})
        sts.assume_role(RoleArn="arn:aws:iam::111122223333:role/Audit", RoleSessionName="aims")
        with pytest.raises(ReadOnlyViolation):
            sts.assume_role_with_web_identity(RoleArn="arn:aws:iam::1:role/x", RoleSessionName="aims",
                                              WebIdentityToken="t" * 10)


def test_error_classification() -> None:
    from botocore.exceptions import ClientError, EndpointConnectionError

    def err(code: str, status: int = 400) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                           "ListThings")

    assert classify_error(err("AccessDeniedException"))[0] == CoverageStatus.DENIED
    assert classify_error(err("Whatever", 403))[0] == CoverageStatus.DENIED
    assert classify_error(err("ThrottlingException"))[0] == CoverageStatus.THROTTLED
    assert classify_error(err("SubscriptionRequiredException"))[0] == CoverageStatus.UNAVAILABLE
    assert classify_error(err("InternalServerException", 500))[0] == CoverageStatus.FAILED
    assert classify_error(EndpointConnectionError(endpoint_url="https://x"))[0] == CoverageStatus.UNAVAILABLE
    assert classify_error(ValueError("boom"))[0] == CoverageStatus.FAILED


def test_coverage_issues_and_summary() -> None:
    rows = [CoverageRow("1", "us-east-1", "bedrock", "ListGuardrails", CoverageStatus.DENIED, 1, 0, "AccessDenied"),
            CoverageRow("1", "us-east-1", "bedrock", "ListCustomModels", CoverageStatus.DENIED, 1, 0, "AccessDenied"),
            CoverageRow("1", "us-east-1", "sagemaker", "ListEndpoints", CoverageStatus.OK, 2, 5),
            CoverageRow("1", "ap-east-1", "kendra", "ListIndices", CoverageStatus.UNAVAILABLE),
            CoverageRow("2", "ap-east-1", "kendra", "ListIndices", CoverageStatus.UNAVAILABLE)]
    issues = coverage_issues(rows)
    denied = [i for i in issues if i.kind == "access-denied"]
    assert len(denied) == 1 and denied[0].count == 2 and denied[0].severity == IssueSeverity.ERROR
    assert "not an absence" in denied[0].message
    unavailable = [i for i in issues if i.kind == "unavailable"]
    assert len(unavailable) == 1 and unavailable[0].severity == IssueSeverity.WARNING  # folded across accounts
    text = render_coverage(rows)
    assert "2 denied" in text and "bedrock:ListGuardrails" in text and "kendra (1 region(s))" in text


def test_control_ids_are_stable_and_mapped_to_requirements() -> None:
    a = make_control(ControlKind.GUARDRAILS, "1", "us-east-1", ControlStatus.ABSENT, "none")
    b = make_control(ControlKind.GUARDRAILS, "1", "us-east-1", ControlStatus.PRESENT, "2 guardrails")
    assert a.id == b.id  # status and detail never change the identity
    # Ids as in iso42001-ids.txt (DESIGN §2): the A.6.2 life-cycle and A.9 use controls, and
    # A.4.5 computing resources (network isolation, from the Azure and GCP connectors).
    known = {"A.4.5", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.9.2", "A.9.3", "A.9.4"}
    for kind in ControlKind:
        assert REQUIREMENTS_BY_KIND[kind] and set(REQUIREMENTS_BY_KIND[kind]) <= known
    assert "A.6.2.8" in a.model_copy(update={"kind": ControlKind.INVOCATION_LOGGING}).requirements


def test_a_service_without_an_endpoint_is_tried_once_per_region(session) -> None:  # type: ignore[no-untyped-def]
    from botocore.exceptions import EndpointConnectionError

    from connectors.aws.coverage import CoverageTable
    from connectors.aws.inventory import read_service
    from connectors.aws.reader import ServiceReader

    client = install_read_only_guard(session.client("bedrock-agent", region_name="ap-east-1"))
    attempts = []

    def no_endpoint(**kwargs):  # type: ignore[no-untyped-def]
        attempts.append(kwargs["model"].name)
        raise EndpointConnectionError(endpoint_url="https://bedrock-agent.ap-east-1.amazonaws.com")

    client.meta.events.register("before-call.bedrock-agent", no_endpoint)
    coverage = CoverageTable()
    findings = read_service(ServiceReader(client, "1", "ap-east-1", "bedrock-agent", coverage),
                            catalogue.specs_for("bedrock-agent"))
    assert attempts == ["ListAgents"] and not findings.observations  # not once per operation
    rows = coverage.rows()
    assert {r.operation for r in rows} >= {"ListAgents", "ListKnowledgeBases", "ListFlows", "ListPrompts"}
    assert {r.status for r in rows} == {CoverageStatus.UNAVAILABLE}
