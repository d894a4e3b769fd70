"""AI usage from CloudTrail: runtime events (InvokeModel, Converse, InvokeAgent, InvokeEndpoint
...) folded into observations with the calling principal and the model or resource used.

LookupEvents returns management events only (90 days at most). Bedrock model invocations
are management events; agent, knowledge-base, flow and SageMaker endpoint invocations are
data events, which only a trail's S3 logs hold (see aws_s3trail.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from discovery.models import Category, Confidence, Location, Observation, SourceKind
from discovery.redact import redact

from connectors.aws.coverage import CONNECTOR_NAME, target_of


@dataclass(frozen=True)
class RuntimeEvents:
    """Runtime (usage) events of one event source, and how to find what they used."""

    source: str
    names: frozenset[str]
    provider: str
    service: str  # short name for scopes and signals
    logged_as: str  # "management" or "data": how CloudTrail usually logs these events
    scope_params: tuple[str, ...] = ()  # request parameters naming the resource or model used
    arn_template: str = ""  # builds an ARN from the first scope parameter found


def _names(*names: str) -> frozenset[str]:
    return frozenset(names)


RUNTIME_EVENTS: tuple[RuntimeEvents, ...] = (
    RuntimeEvents("bedrock.amazonaws.com", _names(
        "InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream",
        "InvokeModelWithBidirectionalStream"),
        "aws-bedrock", "bedrock", "management", ("modelId",)),
    RuntimeEvents("bedrock.amazonaws.com", _names("InvokeAgent", "InvokeInlineAgent"),
                  "aws-bedrock", "bedrock-agent", "data", ("agentId",),
                  "arn:aws:bedrock:{region}:{account}:agent/{value}"),
    RuntimeEvents("bedrock.amazonaws.com", _names("Retrieve", "RetrieveAndGenerate", "RetrieveAndGenerateStream"),
                  "aws-bedrock", "bedrock-knowledge-base", "data", ("knowledgeBaseId",),
                  "arn:aws:bedrock:{region}:{account}:knowledge-base/{value}"),
    RuntimeEvents("bedrock.amazonaws.com", _names("InvokeFlow"), "aws-bedrock", "bedrock-flow", "data",
                  ("flowIdentifier",), "arn:aws:bedrock:{region}:{account}:flow/{value}"),
    RuntimeEvents("bedrock-agentcore.amazonaws.com", _names("InvokeAgentRuntime", "InvokeGateway"),
                  "aws-bedrock", "bedrock-agentcore", "data", ("agentRuntimeArn",)),
    RuntimeEvents("sagemaker.amazonaws.com", _names(
        "InvokeEndpoint", "InvokeEndpointAsync", "InvokeEndpointWithResponseStream"),
        "aws-sagemaker", "sagemaker", "data", ("endpointName",),
        "arn:aws:sagemaker:{region}:{account}:endpoint/{value_lower}"),
    RuntimeEvents("comprehend.amazonaws.com", _names(
        "DetectSentiment", "DetectEntities", "DetectKeyPhrases", "DetectDominantLanguage", "DetectPiiEntities",
        "DetectSyntax", "DetectTargetedSentiment", "DetectToxicContent", "ClassifyDocument",
        "ContainsPiiEntities", "BatchDetectSentiment", "BatchDetectEntities", "BatchDetectKeyPhrases"),
        "aws-ai-services", "comprehend", "management", ("EndpointArn",)),
    RuntimeEvents("rekognition.amazonaws.com", _names(
        "DetectLabels", "DetectFaces", "DetectText", "DetectModerationLabels", "RecognizeCelebrities",
        "CompareFaces", "SearchFacesByImage", "SearchFaces", "IndexFaces", "DetectCustomLabels",
        "DetectProtectiveEquipment", "SearchUsersByImage"),
        "aws-ai-services", "rekognition", "management", ("collectionId",),
        "arn:aws:rekognition:{region}:{account}:collection/{value}"),
    RuntimeEvents("textract.amazonaws.com", _names(
        "AnalyzeDocument", "DetectDocumentText", "AnalyzeExpense", "AnalyzeID", "StartDocumentAnalysis",
        "StartDocumentTextDetection", "StartExpenseAnalysis", "StartLendingAnalysis"),
        "aws-ai-services", "textract", "management"),
    RuntimeEvents("transcribe.amazonaws.com", _names(
        "StartTranscriptionJob", "StartMedicalTranscriptionJob", "StartCallAnalyticsJob",
        "StartMedicalScribeJob"), "aws-ai-services", "transcribe", "management"),
    RuntimeEvents("translate.amazonaws.com", _names("TranslateText", "TranslateDocument", "StartTextTranslationJob"),
                  "aws-ai-services", "translate", "management"),
    RuntimeEvents("polly.amazonaws.com", _names("SynthesizeSpeech", "StartSpeechSynthesisTask"),
                  "aws-ai-services", "polly", "management"),
    RuntimeEvents("kendra.amazonaws.com", _names("Query", "Retrieve"), "aws-ai-services", "kendra", "management",
                  ("indexId",), "arn:aws:kendra:{region}:{account}:index/{value}"),
    RuntimeEvents("lex.amazonaws.com", _names("RecognizeText", "RecognizeUtterance", "StartConversation"),
                  "aws-ai-services", "lex", "data", ("botId",), "arn:aws:lex:{region}:{account}:bot/{value}"),
    RuntimeEvents("personalize.amazonaws.com", _names("GetRecommendations", "GetPersonalizedRanking"),
                  "aws-ai-services", "personalize", "data", ("campaignArn", "recommenderArn")),
    RuntimeEvents("qbusiness.amazonaws.com", _names("Chat", "ChatSync"), "aws-ai-services", "qbusiness", "data",
                  ("applicationId",), "arn:aws:qbusiness:{region}:{account}:application/{value}"),
)

_BY_SOURCE_AND_NAME: dict[tuple[str, str], RuntimeEvents] = {
    (group.source, name): group for group in RUNTIME_EVENTS for name in group.names
}


def lookup_sources() -> list[str]:
    """Event sources worth a LookupEvents query: those with runtime management events."""
    return list(dict.fromkeys(g.source for g in RUNTIME_EVENTS if g.logged_as == "management"))


def runtime_event(source: str, name: str) -> RuntimeEvents | None:
    return _BY_SOURCE_AND_NAME.get((source, name))


def principal(record: Mapping[str, Any]) -> str | None:
    """The caller, without volatile session names: an assumed role is its role ARN."""
    identity = record.get("userIdentity") or {}
    issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
    if identity.get("type") == "AssumedRole" and issuer.get("arn"):
        return str(issuer["arn"])
    for key in ("arn", "invokedBy", "principalId"):
        if identity.get(key):
            return str(identity[key])
    return None


def _scope_and_model(group: RuntimeEvents, record: Mapping[str, Any], account: str,
                     region: str) -> tuple[str, str | None]:
    params = record.get("requestParameters") or {}
    # CloudTrail spells request parameters as the API does, but JSON-protocol services start
    # them lower-case (collectionId, endpointArn): compare case-insensitively.
    lowered = {str(k).lower(): v for k, v in params.items()} if isinstance(params, dict) else {}
    value = next((str(lowered[p.lower()]) for p in group.scope_params if lowered.get(p.lower())), None)
    if group.service == "bedrock":
        model = value or _deep_model_arn(params)
        if model and model.startswith("arn:") and ":foundation-model/" not in model:
            return model, model  # a custom, provisioned or inference-profile ARN: the resource itself
        model_id = model.split(":foundation-model/", 1)[1] if model and ":foundation-model/" in model else model
        # Foundation models are AWS's, not the account's: usage is scoped per account and region.
        return f"aws/{account}/{region}/bedrock/{model_id or 'unknown-model'}", model_id
    if value and value.startswith("arn:"):
        return value, None
    if value and group.arn_template:
        return group.arn_template.format(region=region, account=account, value=value,
                                         value_lower=value.lower()), None
    for resource in record.get("resources") or []:
        if isinstance(resource, dict) and str(resource.get("ARN", "")).startswith("arn:"):
            return str(resource["ARN"]), None
    return f"aws/{account}/{region}/{group.service}", None


def _deep_model_arn(params: Any) -> str | None:
    """RetrieveAndGenerate and friends nest the model ARN in their configuration."""
    if isinstance(params, dict):
        for key, value in params.items():
            if key in ("modelArn", "modelId") and isinstance(value, str):
                return value
            found = _deep_model_arn(value)
            if found:
                return found
    return None


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@dataclass
class _Bucket:
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None


@dataclass
class UsageAggregator:
    """Counts runtime events per (category, account, region, event, scope, identity, model)."""

    origin: str  # "lookup-events" or "s3"
    buckets: dict[tuple[str, str, str, str, str, str, str | None, str | None], _Bucket] = field(default_factory=dict)
    events_seen: int = 0

    def add(self, record: Mapping[str, Any], *, fallback_account: str = "", fallback_region: str = "") -> bool:
        """Count a record if it is a runtime event; True when it was one."""
        self.events_seen += 1
        group = runtime_event(str(record.get("eventSource", "")), str(record.get("eventName", "")))
        if group is None or record.get("errorCode"):
            return False  # a failed call is not use (the AccessDenied of an attempt is another story)
        account = str(record.get("recipientAccountId") or fallback_account)
        region = str(record.get("awsRegion") or fallback_region)
        scope, model = _scope_and_model(group, record, account, region)
        category = str(record.get("eventCategory") or "Management").lower()
        key = (category, account, region, group.source + "|" + str(record["eventName"]), scope,
               group.provider, principal(record), model)
        bucket = self.buckets.setdefault(key, _Bucket())
        when = _when(record.get("eventTime"))
        bucket.count += 1
        if when:
            bucket.first = when if bucket.first is None else min(bucket.first, when)
            bucket.last = when if bucket.last is None else max(bucket.last, when)
        return True

    def merge(self, other: "UsageAggregator") -> None:
        self.events_seen += other.events_seen
        for key, bucket in other.buckets.items():
            mine = self.buckets.setdefault(key, _Bucket())
            mine.count += bucket.count
            for when in (bucket.first, bucket.last):
                if when:
                    mine.first = when if mine.first is None else min(mine.first, when)
                    mine.last = when if mine.last is None else max(mine.last, when)

    def observations(self, skip_management: Iterable[tuple[str, str]] = ()) -> list[Observation]:
        """One observation per bucket. Management events from S3 are skipped for the (account,
        region) pairs LookupEvents already read, so no event is counted twice."""
        skip = set(skip_management)
        out = []
        for (category, account, region, event, scope, provider, identity, model), bucket in sorted(
                self.buckets.items(), key=lambda kv: tuple(str(p) for p in kv[0])):
            if category == "management" and (account, region) in skip:
                continue
            source, name = event.split("|", 1)
            service = "cloudtrail-s3" if self.origin == "s3" else "cloudtrail"
            who = identity or "an unknown principal"
            out.append(Observation(
                source=SourceKind.CLOUD, connector=CONNECTOR_NAME, signal=f"aws.cloudtrail.{name}",
                provider=provider, category=Category.CLOUD_AI_SERVICE,
                target=target_of(account, region, service),
                location=Location(account=account, region=region, arn=scope if scope.startswith("arn:") else None),
                identity=identity, model=model,
                evidence=redact(f"{name} x{bucket.count} by {who} on {model or scope} "
                                f"({category} events, {self.origin})")[:300],
                confidence=Confidence.HIGH, first_seen=bucket.first, last_seen=bucket.last, count=bucket.count,
                system_hint=scope,
                attributes={"event_source": source, "event_name": name, "event_category": category,
                            "origin": self.origin},
            ))
        return out


def parse_lookup_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A LookupEvents item carries the full record as a JSON string."""
    try:
        record = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        record = {}
    record.setdefault("eventSource", event.get("EventSource"))
    record.setdefault("eventName", event.get("EventName"))
    record.setdefault("eventTime", event.get("EventTime"))
    return record


def lookup_usage(reader: Any, start: datetime, end: datetime, max_events: int) -> tuple[UsageAggregator, bool, list[str]]:
    """LookupEvents per runtime event source in one (account, region).

    Returns the usage, whether every source was read, and the sources cut off at
    max_events (LookupEvents allows 2 calls a second, so a busy account needs the S3 logs).
    """
    usage = UsageAggregator(origin="lookup-events")
    complete = True
    truncated = []
    for source in lookup_sources():
        params = {"LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": source}],
                  "StartTime": start, "EndTime": end}
        events, ok = reader.list_all("LookupEvents", "Events", params, limit=max_events)
        complete = complete and ok
        if ok and len(events) >= max_events:
            truncated.append(source)
        for event in events:
            usage.add(parse_lookup_event(event), fallback_account=reader.account, fallback_region=reader.region)
    return usage, complete, truncated
