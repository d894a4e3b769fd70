"""SARIF 2.1.0 for `aims discover code --format sarif`: one result per observation, one rule per
signal, unreadable sources as tool notifications. Code scanning UIs can show AI use inline."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

from discovery.merge import scope_of, system_id
from discovery.models import AISystem, Confidence, IssueSeverity, Observation, Scan, ScanIssue
from discovery.code.catalogue import SignatureCatalogue

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "aimsObservation/v1"
_KIND_TEXT = {
    "manifest": "declared in a dependency manifest",
    "lockfile": "pinned in a lock file (possibly transitive)",
    "model-file": "model weights file identified by its header",
    "mcp-config": "MCP server configured for an AI client",
}


class ScanReportLike(Protocol):
    scan: Scan
    observations: list[Observation]
    systems: list[AISystem]
    issues: list[ScanIssue]


def _tool_version() -> str:
    try:
        return version("aims")
    except PackageNotFoundError:
        return "0.0.0"


def _rule(signal: str, sample: Observation, catalogue: SignatureCatalogue | None) -> dict[str, Any]:
    signature = catalogue.by_id.get(signal) if catalogue else None
    kind = str(sample.attributes.get("kind", ""))
    text = signature.description if signature else f"{sample.provider}: {_KIND_TEXT.get(kind, signal)}"
    return {
        "id": signal,
        "name": "".join(part.capitalize() for part in signal.replace("/", ".").replace("-", ".").split(".") if part),
        "shortDescription": {"text": text or signal},
        "fullDescription": {"text": f"AI use signal ({kind or 'code'}): {text}"},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["ai-inventory", kind or "code"], "category": sample.category.value},
    }


def _level(confidence: Confidence) -> str:
    return "note" if confidence == Confidence.LOW else "warning"


def _result(obs: Observation, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": obs.location.path or ".", "uriBaseId": _base_id(obs)}}
    if obs.location.line:
        location["region"] = {"startLine": obs.location.line}
    model = f" model {obs.model}" if obs.model else ""
    properties: dict[str, Any] = {
        "provider": obs.provider,
        "category": obs.category.value,
        "confidence": obs.confidence.value,
        "system": system_id(obs.source, obs.provider, scope_of(obs)),
        "repository": obs.location.repo,
        "count": obs.count,
    }
    if obs.model:
        properties["model"] = obs.model
    properties.update({k: v for k, v in obs.attributes.items() if k not in properties})
    return {
        "ruleId": obs.signal,
        "ruleIndex": rule_index,
        "level": _level(obs.confidence),
        "message": {"text": f"AI use: {obs.provider} ({obs.category.value}){model} in {obs.location.repo}: {obs.evidence}"},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT: obs.id},
        "properties": properties,
    }


def _base_id(obs: Observation) -> str:
    return "REPO_" + "".join(c if c.isalnum() else "_" for c in (obs.location.repo or "root"))


def _notification(issue: ScanIssue) -> dict[str, Any]:
    return {
        "level": "error" if issue.severity == IssueSeverity.ERROR else "warning",
        "message": {"text": f"{issue.kind}: {issue.message}" + (f" (x{issue.count})" if issue.count > 1 else "")},
        "descriptor": {"id": issue.kind},
        "properties": {"target": issue.target, "count": issue.count},
    }


def sarif_log(
    observations: Sequence[Observation],
    issues: Iterable[ScanIssue],
    *,
    scan: Scan | None = None,
    catalogue: SignatureCatalogue | None = None,
) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    results = []
    bases: dict[str, dict[str, Any]] = {}
    for obs in observations:
        if obs.signal not in rule_index:
            rule_index[obs.signal] = len(rules)
            rules.append(_rule(obs.signal, obs, catalogue))
        results.append(_result(obs, rule_index[obs.signal]))
        bases.setdefault(_base_id(obs), {"description": {"text": f"root of repository {obs.location.repo} ({obs.target})"}})
    issues = list(issues)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "aims", "semanticVersion": _tool_version(),
                            "informationUri": "https://pypi.org/project/aims/", "rules": rules}},
        "invocations": [{
            "executionSuccessful": not any(i.severity == IssueSeverity.ERROR for i in issues),
            "toolExecutionNotifications": [_notification(i) for i in issues],
        }],
        "originalUriBaseIds": bases,
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if scan is not None:
        run["automationDetails"] = {"id": f"aims/code/{scan.id}"}
        run["properties"] = {"targets": list(scan.targets), "counts": dict(scan.counts)}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: ScanReportLike, catalogue: SignatureCatalogue | None = None) -> str:
    """The `render` callable for run_scan: the whole scan as one SARIF log."""
    return json.dumps(sarif_log(report.observations, report.issues, scan=report.scan, catalogue=catalogue), indent=2)
