"""CloudTrail records to usage observations, and the S3 trail location (pure, no AWS)."""

from __future__ import annotations

import pytest

from connectors.aws.cloudtrail import UsageAggregator, lookup_sources, parse_lookup_event, principal, runtime_event
from connectors.aws.s3trail import TrailLocation, TrailUriError, days_between

ACCOUNT, REGION = "111122223333", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"


def record(name: str = "Converse", source: str = "bedrock.amazonaws.com", when: str = "2025-03-01T10:00:00Z",
           session: str = "i-0abc", params: dict | None = None, category: str = "Management", **extra) -> dict:  # type: ignore[type-arg]
    return {"eventSource": source, "eventName": name, "eventTime": when, "awsRegion": REGION,
            "recipientAccountId": ACCOUNT, "eventCategory": category,
            "requestParameters": {"modelId": "anthropic.claude-3-haiku-20240307-v1:0"} if params is None else params,
            "userIdentity": {"type": "AssumedRole",
                             "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/{session}",
                             "sessionContext": {"sessionIssuer": {"type": "Role", "arn": ROLE}}}, **extra}


def test_principal_is_the_role_not_the_session() -> None:
    assert principal(record(session="i-1")) == principal(record(session="i-2")) == ROLE
    assert principal({"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/bob"}}) == "arn:aws:iam::1:user/bob"
    assert principal({"userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}}) == \
        "lambda.amazonaws.com"


def test_runtime_events_only_and_failed_calls_are_not_use() -> None:
    usage = UsageAggregator("lookup-events")
    assert usage.add(record())
    assert usage.add(record(session="i-2", when="2025-03-02T10:00:00Z"))
    assert not usage.add(record(name="ListFoundationModels"))
    assert not usage.add(record(errorCode="AccessDeniedException"))
    [obs] = usage.observations()
    assert obs.count == 2 and obs.identity == ROLE and obs.model == "anthropic.claude-3-haiku-20240307-v1:0"
    assert (obs.first_seen.day, obs.last_seen.day) == (1, 2)  # type: ignore[union-attr]
    assert obs.system_hint == f"aws/{ACCOUNT}/{REGION}/bedrock/anthropic.claude-3-haiku-20240307-v1:0"
    assert obs.target == f"aws:{ACCOUNT}:{REGION}:cloudtrail"


def test_scopes_attach_usage_to_resources() -> None:
    usage = UsageAggregator("s3")
    profile = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:application-inference-profile/p1"
    usage.add(record(params={"modelId": profile}))
    usage.add(record(params={"modelId": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0"}))
    usage.add(record("InvokeEndpoint", "sagemaker.amazonaws.com", params={"endpointName": "Churn-EP"}, category="Data"))
    usage.add(record("RetrieveAndGenerate", params={"retrieveAndGenerateConfiguration": {
        "knowledgeBaseConfiguration": {"knowledgeBaseId": "KB1", "modelArn": "x"}}}, category="Data"))
    usage.add(record("SearchFacesByImage", "rekognition.amazonaws.com", params={"collectionId": "staff"}))
    hints = {o.attributes["event_name"] + ":" + str(o.system_hint) for o in usage.observations()}
    assert f"Converse:{profile}" in hints
    assert f"Converse:aws/{ACCOUNT}/{REGION}/bedrock/amazon.nova-lite-v1:0" in hints
    assert f"InvokeEndpoint:arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/churn-ep" in hints  # ARNs are lower-case
    assert f"SearchFacesByImage:arn:aws:rekognition:{REGION}:{ACCOUNT}:collection/staff" in hints
    assert any(h.startswith("RetrieveAndGenerate:") for h in hints)


def test_management_events_from_s3_are_not_counted_twice() -> None:
    trail = UsageAggregator("s3")
    trail.add(record())
    trail.add(record("InvokeAgent", params={"agentId": "A1"}, category="Data"))
    names = [o.attributes["event_name"] for o in trail.observations(skip_management=[(ACCOUNT, REGION)])]
    assert names == ["InvokeAgent"]
    assert len(trail.observations()) == 2  # where LookupEvents could not read, S3 is the only source


def test_lookup_event_wrapper_and_sources() -> None:
    import json

    event = {"EventName": "Converse", "EventSource": "bedrock.amazonaws.com", "CloudTrailEvent": json.dumps(record())}
    assert parse_lookup_event(event)["requestParameters"]["modelId"].startswith("anthropic.")
    assert parse_lookup_event({"EventName": "X", "CloudTrailEvent": "not json"})["eventName"] == "X"
    assert "bedrock.amazonaws.com" in lookup_sources() and "sagemaker.amazonaws.com" not in lookup_sources()
    assert runtime_event("bedrock.amazonaws.com", "InvokeAgent").logged_as == "data"  # type: ignore[union-attr]


def test_trail_uri() -> None:
    assert TrailLocation.parse("s3://logs/org/trail/") == TrailLocation("logs", "org/trail/")
    assert TrailLocation.parse("s3://logs") == TrailLocation("logs", "")
    for bad in ("logs/x", "s3://", "https://logs"):
        with pytest.raises(TrailUriError):
            TrailLocation.parse(bad)
    from datetime import datetime, timezone

    days = days_between(datetime(2025, 2, 27, 23, tzinfo=timezone.utc), datetime(2025, 3, 1, 1, tzinfo=timezone.utc))
    assert [d.day for d in days] == [27, 28, 1]
