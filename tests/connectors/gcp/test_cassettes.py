"""The GCP connector replaying hand-written REST exchanges (vcrpy, record_mode="none"): the shapes
of Resource Manager v3 projects.search and Cloud Asset v1 assets.list, with page tokens on both
and one project whose Cloud Asset API is switched off."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("google.cloud.asset_v1")
vcr = pytest.importorskip("vcr")

from connectors.gcp.clients import RetrySettings  # noqa: E402
from connectors.gcp.connector import GCPConnector  # noqa: E402
from discovery.controls import ControlKind, ControlStatus  # noqa: E402

CASSETTE = Path(__file__).resolve().parent / "cassettes" / "gcp_projects.yaml"


def test_replayed_projects_assets_and_the_disabled_api() -> None:
    from google.auth.credentials import AnonymousCredentials

    recorder = vcr.VCR(record_mode="none", filter_headers=["authorization"])
    with recorder.use_cassette(str(CASSETTE), allow_playback_repeats=False) as cassette:
        result = GCPConnector(AnonymousCredentials(), max_workers=1,  # vcrpy is not thread-safe
                              retry=RetrySettings(initial=0.01, maximum=0.02, deadline=1)).scan()
        assert cassette.all_played
        assert {r.method for r in cassette.requests} == {"GET"}
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
