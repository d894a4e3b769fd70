"""AWS CloudTrail files (`{"Records": [...]}`, one document per file, or one event a line):
Bedrock and SageMaker runtime and management events."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import JSON_LINE_SHAPE, LogFormat, json_head, load_json_object, parse_time
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_SERVICES = {"bedrock.amazonaws.com": "aws-bedrock", "sagemaker.amazonaws.com": "aws-sagemaker"}


class CloudTrailFormat(LogFormat):
    name = "cloudtrail"
    title = "AWS CloudTrail (Bedrock, SageMaker events)"
    host_based = False
    keywords = ("bedrock.amazonaws.com", "sagemaker.amazonaws.com")
    raw_evidence = False  # an event's first 300 characters are its version and caller, not the call

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        start = "".join(head[:3]).lstrip()
        if start.startswith("{") and '"Records"' in start[:200]:
            return True
        return any("eventSource" in o and "eventName" in o for o in json_head(head)[:5])

    def wants_document(self, start: str) -> bool:
        return '"Records"' in start.lstrip()[:200]

    def documents(self, text: str) -> Iterator[LogRecord]:
        try:
            records = json.loads(text).get("Records", [])
        except (ValueError, AttributeError):
            raise MalformedLine("not a CloudTrail JSON document") from None
        for event in records:
            record = _record(event) if isinstance(event, dict) else None
            if record is not None:
                yield record

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE

    def parse(self, line: str) -> LogRecord | None:
        return _record(load_json_object(line))


def _record(event: Mapping[str, Any]) -> LogRecord | None:
    service = _SERVICES.get(str(event.get("eventSource") or ""))
    if service is None:
        return None
    user = event.get("userIdentity") if isinstance(event.get("userIdentity"), dict) else {}
    session = (user.get("sessionContext") or {}).get("sessionIssuer") or {}
    identity, kind = pick_identity((session.get("arn"), "principal"), (user.get("arn"), "principal"),
                                   (event.get("sourceIPAddress"), "address"))
    params = event.get("requestParameters") if isinstance(event.get("requestParameters"), dict) else {}
    model = params.get("modelId") or params.get("endpointName")
    name = str(event.get("eventName") or "")
    return LogRecord(identity=identity, identity_kind=kind, time=parse_time(event.get("eventTime")),
                     service_id=service, signal=f"cloudtrail:{name}", model=str(model) if model else None,
                     blocked=bool(event.get("errorCode")))
