"""The inventory's CycloneDX export validates against the official 1.6 schema and carries the
system-level structure: services with their models and data categories."""

import json
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource

from discovery.export import inventory_cyclonedx
from discovery.merge import merge_observations
from discovery.models import Category, Location, Observation, SourceKind
from discovery.register import parse_register_document

from tests.discovery.test_merge import obs

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "cyclonedx-1.6"


def validator() -> Draft7Validator:
    resources = []
    for name, uri in (("bom-1.6.SNAPSHOT.schema.json", "http://cyclonedx.org/schema/bom-1.6.schema.json"),
                      ("spdx.SNAPSHOT.schema.json", "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json"),
                      ("jsf-0.82.SNAPSHOT.schema.json", "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json")):
        resources.append((uri, Resource.from_contents(json.loads((SCHEMAS / name).read_text()))))
    registry = Registry().with_resources(resources)
    return Draft7Validator(resources[0][1].contents, registry=registry)


def systems():
    register = parse_register_document(
        "systems:\n  - {id: loans, name: Loan scoring, purpose: scores loans, data_categories: [finance],"
        " approval: {by: x, until: 2099-01-01}, select: {repos: [loans]}}\n", "r.yaml")
    model_file = Observation(source=SourceKind.CODE, connector="code", signal="model-file", provider="pytorch",
                             category=Category.MODEL_FILE, target="/repos/weights",
                             location=Location(repo="weights", path="m.pt"), system_hint="weights")
    return merge_observations([obs(repo="loans", target="/repos/loans", model="gpt-4o"),
                               obs(repo="loans", target="/repos/loans", path="b.py", model="gpt-4o"),
                               obs(repo="web", target="/repos/web", path="src/patient.py", model="claude-3"),
                               model_file], register=register)


def test_export_validates_against_cyclonedx_1_6():
    bom = json.loads(inventory_cyclonedx(systems()))
    errors = sorted(validator().iter_errors(bom), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_services_carry_models_and_data_categories():
    bom = json.loads(inventory_cyclonedx(systems()))
    services = {s["name"]: s for s in bom["services"]}
    loan = services["Loan scoring"]
    assert loan["data"] == [{"flow": "bi-directional", "classification": "finance"}]
    assert loan["description"] == "scores loans"
    assert services["web"]["data"] == [{"flow": "bi-directional", "classification": "health"}]  # from evidence
    depends = {d["ref"]: d["dependsOn"] for d in bom["dependencies"]}
    assert depends[loan["bom-ref"]] == ["model:gpt-4o"]
    assert {c["bom-ref"] for c in bom["components"]} >= {"model:gpt-4o", "model:claude-3"}
    assert any(c["type"] == "machine-learning-model" and c["name"] == "weights" for c in bom["components"])


def test_an_invalid_bom_is_caught():
    bom = json.loads(inventory_cyclonedx(systems()))
    bom["services"][0]["data"] = [{"flow": "sideways", "classification": "x"}]
    assert list(validator().iter_errors(bom))
