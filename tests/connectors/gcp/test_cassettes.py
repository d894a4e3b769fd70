"""The GCP connector replaying hand-written REST exchanges (vcrpy, record_mode="none"): the shapes
of Resource Manager v3 projects.search, Cloud Asset v1 assets.list and Logging v2 entries.list
(Cloud Audit Logs), with page tokens on each and one project whose Cloud Asset API is off."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("google.cloud.asset_v1")
vcr = pytest.importorskip("vcr")

from connectors.gcp.clients import RetrySettings  # noqa: E402
from connectors.gcp.connector import GCPConnector  # noqa: E402
from discovery.controls import ControlKind, ControlStatus  # noqa: E402

CASSETTE = Path(__file__).resolve().parent / "cassettes" / "gcp_projects.yaml"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=timezone.utc)


def log_query(r1: Any, r2: Any) -> None:
    """Logging queries share one URL: match them on the project, the filter and the page token."""
    if not r1.path.endswith("entries:list"):
        return
    b1, b2 = json.loads(r1.body or b"{}"), json.loads(r2.body or b"{}")
    assert [b1.get(k) for k in ("resourceNames", "filter", "pageToken")] == \
        [b2.get(k) for k in ("resourceNames", "filter", "pageToken")]


def test_replayed_projects_assets_and_the_disabled_api() -> None:
    from google.auth.credentials import AnonymousCredentials

    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"],
                       match_on=["method", "scheme", "host", "port", "path", "query", "log_query"])
    recorder.register_matcher("log_query", log_query)
    with recorder.use_cassette(str(CASSETTE), allow_playback_repeats=False) as cassette:
        result = GCPConnector(AnonymousCredentials(), max_workers=1, clock=lambda: NOW,  # vcrpy is not thread-safe
                              retry=RetrySettings(initial=0.01, maximum=0.02, deadline=1)).scan()
        assert cassette.all_played
        assert {(r.method, r.path) for r in cassette.requests if r.method != "GET"} == {("POST", "/v2/entries:list")}
    endpoint = next(o for o in result.observations if o.signal == "gcp.vertex-endpoint")
    assert endpoint.model == "fraud-gbt" and "n1-standard-8" in endpoint.evidence
    pipeline = next(o for o in result.observations if o.signal == "gcp.vertex-pipeline")
    assert pipeline.count == 2 and pipeline.location.region == "europe-west1"  # from the second page
    controls = {c.kind: c.status for c in result.controls}
    assert controls == {ControlKind.INVOCATION_LOGGING: ControlStatus.DISABLED,
                        ControlKind.NETWORK_ISOLATION: ControlStatus.ENABLED}
    assert result.targets == ["gcp:contoso-ml"]
    [issue] = result.issues
    assert issue.target == "gcp:contoso-sandbox:global:cloudasset" and issue.kind == "unavailable"
    calls = {(o.identity, o.model, o.count) for o in result.observations if o.signal == "gcp.audit-log"}
    assert calls == {("dana@contoso.example", "gemini-2.0-flash-001", 2),
                     ("fraud-svc@contoso-ml.iam.gserviceaccount.com", None, 1)}
    predict = next(o for o in result.observations if o.signal == "gcp.audit-log" and o.model is None)
    assert predict.system_hint == endpoint.system_hint  # the calls attach to the endpoint's own system
