"""Cloud control evidence reaches the gap analysis: each control kind the Azure and GCP
connectors add maps to Annex A ids (discovery/controls.py), the requirement catalogue tags those
ids with it, and a negative control becomes a concern on the finding."""

from __future__ import annotations

import pytest

from discovery.controls import REQUIREMENTS_BY_KIND, ControlKind, ControlStatus, make_control
from gap.evidence import gather_evidence
from gap.requirements import load_catalogue

CLOUD_KINDS = (ControlKind.NETWORK_ISOLATION, ControlKind.KEYLESS_AUTH, ControlKind.MODEL_VERSION_PINNING)


@pytest.mark.parametrize("kind", CLOUD_KINDS)
def test_every_mapped_requirement_is_tagged_with_the_kind(kind: ControlKind) -> None:
    catalogue = {r.id: r for r in load_catalogue().all()}
    assert REQUIREMENTS_BY_KIND[kind]
    for requirement in REQUIREMENTS_BY_KIND[kind]:
        assert requirement.startswith("A.") and kind.value in catalogue[requirement].technical_evidence, requirement


def test_a_public_endpoint_with_keys_is_a_concern_for_deployment() -> None:
    account = "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a"
    controls = [make_control(ControlKind.NETWORK_ISOLATION, "s", "eastus", ControlStatus.DISABLED, "public", account,
                             cloud="azure"),
                make_control(ControlKind.KEYLESS_AUTH, "s", "eastus", ControlStatus.DISABLED, "keys on", account,
                             cloud="azure"),
                make_control(ControlKind.NETWORK_ISOLATION, "s", "eastus", ControlStatus.ENABLED, "private",
                             account + "2", cloud="azure")]
    catalogue = {r.id: r for r in load_catalogue().all()}
    evidence = gather_evidence(catalogue["A.6.2.5"].technical_evidence, [], controls)
    assert len([i for i in evidence.items if i.kind == "cloud-control"]) == 3
    assert any("network-isolation is disabled" in c for c in evidence.concerns)
    assert any("keyless-auth is disabled" in c for c in evidence.concerns)


def test_control_ids_are_stable_and_separate_the_clouds() -> None:
    a = make_control(ControlKind.NETWORK_ISOLATION, "p", "global", ControlStatus.ENABLED, "x", "r", cloud="gcp")
    b = make_control(ControlKind.NETWORK_ISOLATION, "p", "global", ControlStatus.DISABLED, "y", "r", cloud="gcp")
    c = make_control(ControlKind.NETWORK_ISOLATION, "p", "global", ControlStatus.ENABLED, "x", "r", cloud="azure")
    assert a.id == b.id != c.id
