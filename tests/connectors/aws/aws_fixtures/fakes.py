"""Per-operation stand-ins for what moto lacks, injected failures, and a record of every call.

Installed through the connector's client hook, on `before-call` (the hook Stubber uses), so
the read-only guard (on `provide-client-params`) still runs first for every call. A request
that neither a stub nor moto answers would go to the network: `refuse_network` replaces the
HTTP send, so no test can ever leave the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse

from connectors.aws.paginate import token_pair

Responder = Callable[[str, str, dict[str, Any]], list[dict[str, Any]]]

# Operations the catalogue calls that moto 5.2 does not implement: answered empty by default.
MOTO_MISSING: dict[tuple[str, str], str] = {
    ("bedrock", "ListCustomModelDeployments"): "modelDeploymentSummaries",
    ("bedrock", "ListEvaluationJobs"): "jobSummaries",
    ("bedrock", "ListGuardrails"): "guardrails",
    ("bedrock", "ListImportedModels"): "modelSummaries",
    ("bedrock", "ListInferenceProfiles"): "inferenceProfileSummaries",
    ("bedrock", "ListMarketplaceModelEndpoints"): "marketplaceModelEndpoints",
    ("bedrock", "ListModelInvocationJobs"): "invocationJobSummaries",
    ("bedrock", "ListProvisionedModelThroughputs"): "provisionedModelSummaries",
    ("bedrock-agent", "ListFlows"): "flowSummaries",
    ("bedrock-agent", "ListPrompts"): "promptSummaries",
    ("bedrock-agent", "ListAgentAliases"): "agentAliasSummaries",
    ("bedrock-agent", "ListDataSources"): "dataSourceSummaries",
    ("cloudtrail", "LookupEvents"): "Events",
    ("kendra", "ListIndices"): "IndexConfigurationSummaryItems",
    ("kendra", "ListDataSources"): "SummaryItems",
    ("personalize", "ListDatasetGroups"): "datasetGroups",
    ("personalize", "ListSolutions"): "solutions",
    ("personalize", "ListCampaigns"): "campaigns",
    ("personalize", "ListRecommenders"): "recommenders",
    ("polly", "ListSpeechSynthesisTasks"): "SynthesisTasks",
    ("qbusiness", "ListApplications"): "applications",
    ("rekognition", "ListCollections"): "CollectionIds",
    ("rekognition", "DescribeProjects"): "ProjectDescriptions",
    ("rekognition", "ListStreamProcessors"): "StreamProcessors",
    ("sagemaker", "ListInferenceComponents"): "InferenceComponents",
    ("sagemaker", "ListMonitoringSchedules"): "MonitoringScheduleSummaries",
    ("textract", "ListAdapters"): "Adapters",
    ("transcribe", "ListCallAnalyticsJobs"): "CallAnalyticsJobSummaries",
    ("transcribe", "ListLanguageModels"): "Models",
    ("translate", "ListTerminologies"): "TerminologyPropertiesList",
    ("translate", "ListParallelData"): "ParallelDataPropertiesList",
    ("translate", "ListTextTranslationJobs"): "TextTranslationJobPropertiesList",
}


class NetworkAttempted(RuntimeError):
    pass


def refuse_network(_endpoint: Any, request: Any) -> Any:
    """Stands in for botocore's Endpoint._send, which runs only when neither a stub nor moto
    answered: then the test fails instead of reaching AWS."""
    raise NetworkAttempted(f"{request.method} {request.url}: neither a stub nor moto answered")


def _http(status: int) -> AWSResponse:
    return AWSResponse("https://stub.invalid", status, {}, None)


def error_response(code: str, status: int = 400) -> tuple[AWSResponse, dict[str, Any]]:
    return _http(status), {"Error": {"Code": code, "Message": f"injected {code}"},
                           "ResponseMetadata": {"HTTPStatusCode": status}}


class FakeAWS:
    """Stubs keyed by (account, region, service, operation); None in a key matches anything."""

    def __init__(self) -> None:
        self.responders: dict[tuple[str | None, str | None, str, str], Responder] = {}
        self.failures: dict[tuple[str | None, str | None, str, str | None], str] = {}
        self.calls: list[tuple[str, str, str, str, dict[str, Any]]] = []
        self.clients: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def copy(self) -> "FakeAWS":
        other = FakeAWS()
        other.responders = dict(self.responders)
        other.failures = dict(self.failures)
        return other

    # -- declaring ----------------------------------------------------------------------
    def respond(self, service: str, operation: str, responder: Responder, *,
                account: str | None = None, region: str | None = None) -> None:
        self.responders[(account, region, service, operation)] = responder

    def pages(self, service: str, operation: str, *pages: dict[str, Any],
              account: str | None = None, region: str | None = None) -> None:
        self.respond(service, operation, lambda _a, _r, _p: list(pages), account=account, region=region)

    def fail(self, code: str, service: str, operation: str | None = None, *,
             account: str | None = None, region: str | None = None) -> None:
        self.failures[(account, region, service, operation)] = code

    # -- the hook -------------------------------------------------------------------------
    def hook(self, client: Any, account: str, region: str) -> None:
        service = client.meta.service_model.service_name
        service_id = client.meta.service_model.service_id.hyphenize()
        with self._lock:
            self.clients.add((account, region, service))

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["fake_params"] = dict(params)

        def answer(model: Any, context: dict[str, Any], **_: Any) -> Any:
            params = context.get("fake_params", {})
            with self._lock:
                self.calls.append((account, region, service, model.name, params))
            code = self._lookup(self.failures, account, region, service, model.name, wildcard_op=True)
            if code:
                return error_response(code, 403 if "Denied" in code else 400)
            responder = self._lookup(self.responders, account, region, service, model.name)
            if responder is None:
                result_key = MOTO_MISSING.get((service, model.name))
                if result_key is None:
                    return None  # moto answers
                return _http(200), {result_key: []}
            return _http(200), self._page(client, model.name, responder(account, region, params), params)

        client.meta.events.register(f"before-parameter-build.{service_id}", remember)
        client.meta.events.register(f"before-call.{service_id}", answer)

    @staticmethod
    def _lookup(table: dict, account: str, region: str, service: str, operation: str,  # type: ignore[type-arg]
                wildcard_op: bool = False) -> Any:
        for acc in (account, None):
            for reg in (region, None):
                for op in ((operation, None) if wildcard_op else (operation,)):
                    if (acc, reg, service, op) in table:
                        return table[(acc, reg, service, op)]
        return None

    @staticmethod
    def _page(client: Any, operation: str, pages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """Serve page N for token "page-N", adding the next token while pages remain."""
        pair = token_pair(client, operation)
        index = 0
        if pair and params.get(pair[0]):
            index = int(str(params[pair[0]]).removeprefix("page-"))
        page = dict(pages[index]) if pages else {}
        if pair and index + 1 < len(pages):
            page[pair[1]] = f"page-{index + 1}"
        return page
