"""Azure OpenAI diagnostic logs (RequestResponse) and API Management gateway logs in front of
Azure OpenAI: which resource, deployment and model each caller used."""

from __future__ import annotations

import json
from collections.abc import Sequence

from connectors.logs.formats.base import (
    JSON_LINE_SHAPE, LogFormat, json_head, load_json_object, parse_time, split_url, to_int,
)
from connectors.logs.records import LogRecord, pick_identity


class AzureOpenAIFormat(LogFormat):
    name = "azure-openai"
    title = "Azure OpenAI diagnostics / API Management gateway logs"
    host_based = False
    keywords = ("openai", "cognitiveservices", "COGNITIVESERVICES")

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return any(o.get("category") in ("RequestResponse", "GatewayLogs", "Audit") and "operationName" in o
                   for o in json_head(head)[:5])

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE

    def parse(self, line: str) -> LogRecord | None:
        obj = load_json_object(line)
        props = obj.get("properties")
        if isinstance(props, str):
            try:
                props = json.loads(props)
            except ValueError:
                props = {}
        props = props if isinstance(props, dict) else {}
        resource = str(obj.get("resourceId") or "")
        backend = str(props.get("backendUrl") or props.get("url") or "")
        if "openai" not in (resource + backend).lower() and "cognitiveservices" not in resource.lower():
            return None
        host, path = split_url(backend) if backend else (None, None)
        identity, kind = pick_identity((props.get("objectId") or obj.get("identity"), "principal"),
                                       (obj.get("callerIpAddress"), "address"))
        model = props.get("modelName") or props.get("modelDeploymentName")
        return LogRecord(
            identity=identity, identity_kind=kind, time=parse_time(obj.get("time")), service_id="azure-openai",
            signal=f"azure-openai:{obj.get('operationName')}", model=str(model) if model else None,
            host=host, path=path, method=props.get("backendMethod") or props.get("method"),
            bytes_up=to_int(props.get("requestLength") or props.get("requestSize")),
            bytes_down=to_int(props.get("responseLength") or props.get("responseSize")),
        )
