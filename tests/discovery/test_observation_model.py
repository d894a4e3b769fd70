from datetime import datetime, timezone

import pytest
from pydantic import TypeAdapter, ValidationError
from pydantic_core import from_json

from discovery.models import Category, Confidence, Location, Observation, SourceKind, observation_id_of

from tests.discovery.test_merge import obs

EARLY = datetime(2026, 1, 1, tzinfo=timezone.utc)
LATER = datetime(2026, 2, 1, tzinfo=timezone.utc)


def test_fill_seen_fills_only_what_is_missing():
    unseen = obs()
    unseen.fill_seen(EARLY, LATER)
    assert (unseen.first_seen, unseen.last_seen) == (EARLY, LATER)
    assert {"first_seen", "last_seen"} <= unseen.model_fields_set
    half = obs(first_seen=EARLY)
    half.fill_seen(LATER, LATER)
    assert (half.first_seen, half.last_seen) == (EARLY, LATER)


def test_a_filled_observation_serialises_and_reloads_with_its_times():
    unseen = obs()
    unseen.fill_seen(EARLY, LATER)
    again = Observation.model_validate_json(unseen.model_dump_json(exclude_defaults=True))
    assert again == unseen and again.id == unseen.id


def test_model_copy_keeps_the_id_for_volatile_fields_and_recomputes_it_for_identity_fields():
    original = obs()
    assert original.model_copy(update={"first_seen": EARLY, "count": 4}).id == original.id
    moved = original.model_copy(update={"provider": "anthropic"})
    assert moved.id != original.id
    assert moved.id == obs(provider="anthropic").id


def test_the_id_read_from_stored_json_equals_the_models_id():
    varied = [
        obs(),
        obs(identity="alice@example.com", model="gpt-4o", hint="chatgpt", first_seen=EARLY),
        Observation(source=SourceKind.LOGS, connector="logs", signal="proxy", provider="openai",
                    category=Category.AI_SAAS, target="proxy.log", location=Location(log_file="proxy.log", log_line=9)),
        Observation(source=SourceKind.CLOUD, connector="aws", signal="bedrock-model", provider="aws-bedrock",
                    category=Category.CLOUD_AI_SERVICE, target="123/eu-west-1",
                    location=Location(account="123", region="eu-west-1", arn="arn:aws:bedrock:x")),
    ]
    # As the store writes them: defaults left out.
    stored = from_json(TypeAdapter(list[Observation]).dump_json(varied, exclude_defaults=True))
    assert [observation_id_of(document) for document in stored] == [o.id for o in varied]
    assert len({o.id for o in varied}) == len(varied)


def _as_given() -> dict[str, object]:
    return {"source": SourceKind.CODE, "connector": "code", "signal": "py-import.openai", "provider": "openai",
            "category": Category.LLM_API, "target": "/repo",
            "location": Location.trusted({"repo": "r", "path": "app.py", "line": 3}),
            "confidence": Confidence.HIGH, "count": 2, "attributes": {"kind": "import"}}


def test_a_trusted_observation_is_the_validated_one() -> None:
    given = _as_given()
    trusted = Observation.trusted(given)
    validated = Observation.model_validate(given)
    assert trusted == validated
    assert trusted.model_dump_json() == validated.model_dump_json()  # field order and defaults too
    assert trusted.model_fields_set == validated.model_fields_set == set(given)
    assert trusted.id == validated.id
    with pytest.raises(ValidationError):  # still frozen
        trusted.signal = "other"  # type: ignore[misc]


def test_a_trusted_model_takes_defaults_and_needs_its_required_fields() -> None:
    bare = {k: v for k, v in _as_given().items() if k != "attributes"}
    first, second = Observation.trusted(bare), Observation.trusted(bare)
    assert first.attributes == {} and first.attributes is not second.attributes  # a fresh default each
    assert first.evidence == "" and first.identity is None and first.first_seen is None
    with pytest.raises(TypeError, match="provider"):
        Observation.trusted({k: v for k, v in bare.items() if k != "provider"})


def test_a_complete_trusted_observation_is_the_validated_one() -> None:
    given = _as_given()
    complete = {name: given.get(name, field.default) for name, field in Observation.model_fields.items()}
    trusted = Observation.trusted(complete, complete=True)
    validated = Observation.model_validate(given)
    assert trusted == validated and trusted.id == validated.id
    assert trusted.model_dump_json() == validated.model_dump_json()
    assert trusted.__dict__ is complete  # used as it is: the caller hands it over
