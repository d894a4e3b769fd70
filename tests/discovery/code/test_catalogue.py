"""Every signature's own true- and false-positive examples, run through the real matcher."""

from __future__ import annotations

import pytest

from connectors.code.engine import MatchEngine
from discovery.providers import vocabulary
from discovery.code.catalogue import Example, Signature, load_catalogue

CATALOGUE = load_catalogue()
CASES = [
    pytest.param(signature, example, id=f"{signature.id}-{'tp' if example.expected else 'fp'}{n}")
    for signature in CATALOGUE.signatures
    for n, example in enumerate(signature.examples)
]


@pytest.fixture(scope="module", params=["hyperscan", "re"])
def engine(request: pytest.FixtureRequest) -> MatchEngine:
    if request.param == "hyperscan":
        pytest.importorskip("hyperscan")
    return MatchEngine(CATALOGUE, prefilter=request.param)


@pytest.mark.parametrize(("signature", "example"), CASES)
def test_signature_example(engine: MatchEngine, signature: Signature, example: Example) -> None:
    fired = {hit.signal for hit in engine.match_line(example.line, example.scope)}
    if example.expected:
        assert signature.id in fired, f"{signature.id} should match {example.line!r} ({example.scope})"
        assert any(k.lower() in example.line.lower() for k in signature.keywords), "no keyword: prefilter would miss it"
    else:
        assert signature.id not in fired, f"{signature.id} must not match {example.line!r} ({example.scope})"


def test_every_signature_has_true_and_false_examples() -> None:
    for signature in CATALOGUE.signatures:
        kinds = {e.expected for e in signature.examples}
        assert kinds == {True, False}, f"{signature.id} needs both true and false examples"


def test_every_provider_is_known_or_proposed() -> None:
    known = set(vocabulary().ids()) | {p["id"] if isinstance(p, dict) else p for p in CATALOGUE.proposed_providers}
    assert CATALOGUE.providers() <= known, CATALOGUE.providers() - known


def test_example_scopes_are_in_signature_scope() -> None:
    for signature in CATALOGUE.signatures:
        for example in signature.examples:
            assert example.scope in signature.scopes, (signature.id, example.scope)


def test_every_pattern_compiles_and_a_bad_one_names_its_signature() -> None:
    """Patterns are compiled on first use, not when the catalogue loads: here, all of them."""
    from dataclasses import replace

    from discovery.code.catalogue import CatalogueError

    for signature in load_catalogue().signatures:
        assert signature.regex.pattern == signature.pattern
    broken = replace(load_catalogue().signatures[0], id="broken.one", pattern="import (openai")
    with pytest.raises(CatalogueError, match="broken.one: bad pattern"):
        broken.regex
