"""A seeded AWS world: two accounts (an organization's management account and a member
reached through an audit role) and two regions, with AI resources in each, some in moto and
some answered by per-operation stubs where moto lacks the API."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from aws_fixtures.fakes import FakeAWS

MANAGEMENT = "123456789012"
R1, R2 = "us-east-1", "eu-west-1"
AUDIT_ROLE = "AimsAudit"
TRAIL_BUCKET = "org-trail-logs"
TRAIL_PREFIX = "trails/main"
CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
LOGGING_ROLE = f"arn:aws:iam::{MANAGEMENT}:role/logging"
APP_ROLE = f"arn:aws:iam::{MANAGEMENT}:role/chat-app"
ANALYST = f"arn:aws:iam::{MANAGEMENT}:user/analyst"
NOW = datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class World:
    member: str
    session: Any  # the caller's boto3 session (management account)
    fake: FakeAWS
    expected: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (account, region) -> kinds
    arns: dict[str, str] = field(default_factory=dict)

    def expect(self, account: str, region: str, kind: str) -> None:
        self.expected.setdefault((account, region), set()).add(kind)


def _session(boto3: Any, account_creds: dict[str, str] | None, region: str) -> Any:
    if account_creds is None:
        return boto3.session.Session(region_name=region)
    return boto3.session.Session(aws_access_key_id=account_creds["AccessKeyId"],
                                 aws_secret_access_key=account_creds["SecretAccessKey"],
                                 aws_session_token=account_creds["SessionToken"], region_name=region)


def _record(name: str, source: str, when: datetime, account: str, region: str, identity: str,
            params: dict[str, Any], category: str = "Management", **extra: Any) -> dict[str, Any]:
    if ":role/" in identity:
        user = {"type": "AssumedRole", "arn": identity.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/")
                + "/session-" + when.strftime("%H%M%S"),
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": identity}}}
    else:
        user = {"type": "IAMUser", "arn": identity}
    return {"eventVersion": "1.10", "userIdentity": user, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": source, "eventName": name, "awsRegion": region, "requestParameters": params,
            "eventID": f"{name}-{when.timestamp()}-{identity[-6:]}", "eventCategory": category,
            "recipientAccountId": account, **extra}


def _lookup_events(records: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    """LookupEvents honouring its one EventSource attribute and the time window."""
    def respond(_account: str, _region: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        source = params["LookupAttributes"][0]["AttributeValue"]
        start, end = params["StartTime"], params["EndTime"]
        events = [{"EventId": r["eventID"], "EventName": r["eventName"], "EventSource": r["eventSource"],
                   "EventTime": datetime.fromisoformat(r["eventTime"].replace("Z", "+00:00")),
                   "CloudTrailEvent": json.dumps(r)} for r in records
                  if r["eventSource"] == source
                  and start <= datetime.fromisoformat(r["eventTime"].replace("Z", "+00:00")) <= end]
        return [{"Events": events[i:i + 2]} for i in range(0, len(events), 2)] or [{"Events": []}]
    return respond


def seed(boto3: Any) -> World:  # noqa: PLR0915 - one story, told in order
    fake = FakeAWS()
    caller = boto3.session.Session(region_name=R1)
    org = caller.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="ml-team@example.com", AccountName="ml-team")["CreateAccountStatus"]["AccountId"]
    creds = caller.client("sts").assume_role(RoleArn=f"arn:aws:iam::{member}:role/{AUDIT_ROLE}",
                                             RoleSessionName="seed")["Credentials"]
    world = World(member=member, session=caller, fake=fake)
    role = f"arn:aws:iam::{MANAGEMENT}:role/sagemaker"

    # --- management account, us-east-1: Bedrock in earnest ------------------------------
    a1 = _session(boto3, None, R1)
    a1.client("bedrock").put_model_invocation_logging_configuration(loggingConfig={
        "cloudWatchConfig": {"logGroupName": "bedrock", "roleArn": LOGGING_ROLE}, "textDataDeliveryEnabled": True})
    agent = a1.client("bedrock-agent").create_agent(agentName="helpdesk", foundationModel=CLAUDE,
                                                    agentResourceRoleArn=role)["agent"]
    world.arns["agent"], world.arns["agent_id"] = agent["agentArn"], agent["agentId"]
    kb = a1.client("bedrock-agent").create_knowledge_base(
        name="policies", roleArn=role,
        knowledgeBaseConfiguration={"type": "VECTOR", "vectorKnowledgeBaseConfiguration": {
            "embeddingModelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0"}},
        storageConfiguration={"type": "OPENSEARCH_SERVERLESS", "opensearchServerlessConfiguration": {
            "collectionArn": f"arn:aws:aoss:us-east-1:{MANAGEMENT}:collection/kbvec", "vectorIndexName": "i",
            "fieldMapping": {"vectorField": "v", "textField": "t", "metadataField": "m"}}})["knowledgeBase"]
    world.arns["kb"] = kb["knowledgeBaseArn"]
    sv = a1.client("s3vectors")
    sv.create_vector_bucket(vectorBucketName="embeddings")
    sv.create_index(vectorBucketName="embeddings", indexName="docs", dataType="float32", dimension=4,
                    distanceMetric="cosine")
    a1.client("sagemaker").create_model_card(ModelCardName="churn-card", Content="{}", ModelCardStatus="Draft")
    pt_arn = f"arn:aws:bedrock:{R1}:{MANAGEMENT}:provisioned-model/pt123"
    world.arns["pt"] = pt_arn
    fake.pages("bedrock", "ListProvisionedModelThroughputs", {"provisionedModelSummaries": [{
        "provisionedModelName": "claude-pt", "provisionedModelArn": pt_arn, "modelArn": pt_arn,
        "desiredModelArn": pt_arn, "foundationModelArn": f"arn:aws:bedrock:{R1}::foundation-model/{CLAUDE}",
        "modelUnits": 1, "desiredModelUnits": 1, "status": "InService", "creationTime": NOW - timedelta(days=40),
        "lastModifiedTime": NOW - timedelta(days=40)}]}, account=MANAGEMENT, region=R1)
    guardrails = [{"id": f"g{i}", "arn": f"arn:aws:bedrock:{R1}:{MANAGEMENT}:guardrail/g{i}", "status": "READY",
                   "name": f"guard-{i}", "version": "DRAFT", "createdAt": NOW, "updatedAt": NOW} for i in range(3)]
    fake.pages("bedrock", "ListGuardrails", *({"guardrails": [g]} for g in guardrails), account=MANAGEMENT, region=R1)
    for kind in ("bedrock.agent", "bedrock.knowledge-base", "s3vectors.vector-bucket", "bedrock.provisioned-throughput"):
        world.expect(MANAGEMENT, R1, kind)

    in_window = [NOW - timedelta(days=d, hours=1) for d in (1, 2, 3)]
    records = [_record("Converse", "bedrock.amazonaws.com", t, MANAGEMENT, R1, APP_ROLE, {"modelId": CLAUDE})
               for t in in_window]
    records += [
        _record("InvokeModel", "bedrock.amazonaws.com", in_window[0], MANAGEMENT, R1, ANALYST, {"modelId": pt_arn}),
        _record("ListFoundationModels", "bedrock.amazonaws.com", in_window[0], MANAGEMENT, R1, ANALYST, {}),
        _record("Converse", "bedrock.amazonaws.com", NOW - timedelta(days=30), MANAGEMENT, R1, APP_ROLE,
                {"modelId": CLAUDE}),  # outside a 7-day window
        _record("Converse", "bedrock.amazonaws.com", in_window[1], MANAGEMENT, R1, ANALYST,
                {"modelId": CLAUDE}, errorCode="AccessDenied"),  # an attempt, not use
    ]
    fake.respond("cloudtrail", "LookupEvents", _lookup_events(records), account=MANAGEMENT, region=R1)

    # --- management account, eu-west-1: classic ML and language AI ------------------------
    a2 = _session(boto3, None, R2)
    sm = a2.client("sagemaker")
    sm.create_model(ModelName="churn", ExecutionRoleArn=role, PrimaryContainer={"Image": "xgboost:1"})
    sm.create_endpoint_config(EndpointConfigName="churn-cfg", ProductionVariants=[{
        "VariantName": "v1", "ModelName": "churn", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])
    world.arns["endpoint"] = sm.create_endpoint(EndpointName="churn-ep", EndpointConfigName="churn-cfg")["EndpointArn"]
    fake.pages("sagemaker", "ListMonitoringSchedules", {"MonitoringScheduleSummaries": [{
        "MonitoringScheduleName": "churn-drift", "MonitoringScheduleArn":
            f"arn:aws:sagemaker:{R2}:{MANAGEMENT}:monitoring-schedule/churn-drift",
        "CreationTime": NOW, "LastModifiedTime": NOW, "MonitoringScheduleStatus": "Scheduled",
        "EndpointName": "churn-ep", "MonitoringType": "DataQuality"}]}, account=MANAGEMENT, region=R2)
    a2.client("comprehend").create_entity_recognizer(
        RecognizerName="contracts-ner", LanguageCode="en", DataAccessRoleArn=role,
        InputDataConfig={"EntityTypes": [{"Type": "PARTY"}], "Documents": {"S3Uri": "s3://b/d"}})
    a2.client("transcribe").create_vocabulary(VocabularyName="products", LanguageCode="en-US", Phrases=["aims"])
    fake.pages("kendra", "ListIndices", {"IndexConfigurationSummaryItems": [{
        "Name": "intranet", "Id": "0a1b2c3d-1111-2222-3333-444455556666", "Edition": "ENTERPRISE_EDITION", "CreatedAt": NOW, "UpdatedAt": NOW,
        "Status": "ACTIVE"}]}, account=MANAGEMENT, region=R2)
    fake.pages("kendra", "ListDataSources", {"SummaryItems": [{"Name": "wiki", "Id": "ds-1", "Type": "S3"}]},
               account=MANAGEMENT, region=R2)
    fake.pages("personalize", "ListCampaigns", {"campaigns": [{
        "name": "recs", "campaignArn": f"arn:aws:personalize:{R2}:{MANAGEMENT}:campaign/recs", "status": "ACTIVE"}]},
        account=MANAGEMENT, region=R2)
    for kind in ("sagemaker.endpoint", "comprehend.entity-recognizer", "transcribe.vocabulary", "kendra.index",
                 "personalize.campaign"):
        world.expect(MANAGEMENT, R2, kind)

    # --- member account, us-east-1 ------------------------------------------------------
    b1 = _session(boto3, creds, R1)
    b1.client("sagemaker").create_notebook_instance(NotebookInstanceName="research", InstanceType="ml.t3.medium",
                                                    RoleArn=role)
    b1.client("lexv2-models").create_bot(botName="orders", roleArn=role, dataPrivacy={"childDirected": False},
                                         idleSessionTTLInSeconds=300)
    b1.client("bedrock-agentcore-control").create_agent_runtime(
        agentRuntimeName="triage", roleArn=role, networkConfiguration={"networkMode": "PUBLIC"},
        agentRuntimeArtifact={"containerConfiguration": {"containerUri": f"{member}.dkr.ecr.us-east-1.amazonaws.com/t:1"}})
    fake.pages("rekognition", "ListCollections", {"CollectionIds": ["employees"], "FaceModelVersions": ["7.0"]},
               account=member, region=R1)
    fake.pages("bedrock", "ListInferenceProfiles", {"inferenceProfileSummaries": [{
        "inferenceProfileName": "team-claude", "inferenceProfileId": "ip1", "type": "APPLICATION", "status": "ACTIVE",
        "inferenceProfileArn": f"arn:aws:bedrock:{R1}:{member}:application-inference-profile/ip1",
        "models": [{"modelArn": f"arn:aws:bedrock:{R1}::foundation-model/{CLAUDE}"}]}]}, account=member, region=R1)
    for kind in ("sagemaker.notebook-instance", "lex.bot", "bedrock-agentcore.runtime", "rekognition.face-collection",
                 "bedrock.inference-profile"):
        world.expect(member, R1, kind)

    # --- member account, eu-west-1 ------------------------------------------------------
    b2 = _session(boto3, creds, R2)
    b2.client("bedrock").create_model_customization_job(
        jobName="tune-1", customModelName="support-tuned", roleArn=role,
        baseModelIdentifier="amazon.titan-text-express-v1", trainingDataConfig={"s3Uri": "s3://b/t"},
        outputDataConfig={"s3Uri": "s3://b/o"}, hyperParameters={})
    b2.client("polly").put_lexicon(Name="brand", Content=(
        '<?xml version="1.0" encoding="UTF-8"?><lexicon version="1.0" '
        'xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en-US">'
        "<lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme></lexicon>"))
    fake.pages("qbusiness", "ListApplications", {"applications": [{
        "displayName": "ask-hr", "applicationId": "app-1", "status": "ACTIVE"}]}, account=member, region=R2)
    fake.pages("translate", "ListTerminologies", {"TerminologyPropertiesList": [{
        "Name": "legal", "Arn": f"arn:aws:translate:{R2}:{member}:terminology/legal/LATEST"}]}, account=member, region=R2)
    for kind in ("bedrock.custom-model", "polly.lexicon", "qbusiness.application", "translate.terminology"):
        world.expect(member, R2, kind)

    # --- the organization trail in S3: data events LookupEvents never returns -------------
    s3 = caller.client("s3")
    s3.create_bucket(Bucket=TRAIL_BUCKET)
    day = in_window[0]
    data_records = [
        _record("InvokeAgent", "bedrock.amazonaws.com", day, MANAGEMENT, R1, APP_ROLE,
                {"agentId": world.arns["agent_id"], "agentAliasId": "TSTALIASID"}, category="Data"),
        _record("Converse", "bedrock.amazonaws.com", day, MANAGEMENT, R1, APP_ROLE, {"modelId": CLAUDE}),
    ]
    endpoint_records = [_record("InvokeEndpoint", "sagemaker.amazonaws.com", day, MANAGEMENT, R2, APP_ROLE,
                                {"endpointName": "churn-ep"}, category="Data") for _ in range(4)]
    for region, recs in ((R1, data_records), (R2, endpoint_records)):
        key = (f"{TRAIL_PREFIX}/AWSLogs/o-abc123/{MANAGEMENT}/CloudTrail/{region}/{day:%Y/%m/%d}/"
               f"{MANAGEMENT}_CloudTrail_{region}_{day:%Y%m%dT%H%MZ}_x.json.gz")
        s3.put_object(Bucket=TRAIL_BUCKET, Key=key, Body=gzip.compress(json.dumps({"Records": recs}).encode()))
    return world
