"""Evidence criteria as data: parsing, validation, and the phrase syntax."""

from __future__ import annotations

import pytest

from gap.criteria import CriteriaError, EvidenceElement, Scope, parse_criteria
from gap.requirements import ALL_IDS, CatalogueError, load_catalogue

GOOD = """
criteria:
  "9.2.1":
    scope: management-system
    mechanism: internal audits
    elements:
      - {id: audit, label: audits happen, evidence: ["internal audit"]}
      - {id: independence, label: auditors are independent, evidence: ["auditor + independent|impartial"]}
"""


def test_a_phrase_needs_every_term_in_the_same_sentence_and_any_alternative() -> None:
    element = EvidenceElement(id="x", label="independent auditors", evidence=("auditor + independent|impartial",))
    assert element.matches("Auditors are impartial.")
    assert element.matches("Each auditor is independent of the area audited.")
    assert not element.matches("Auditors are appointed by the CISO.")
    assert not element.matches("The review is independent.")


def test_words_match_as_prefixes_and_whole_words_only() -> None:
    element = EvidenceElement(id="x", label="programme", evidence=("audit programme",))
    assert element.matches("Audit programmes are approved yearly.")
    assert not element.matches("The auditprogramme tool.")


def test_parse_builds_typed_criteria() -> None:
    criteria = parse_criteria(GOOD)["9.2.1"]
    assert criteria.scope is Scope.MANAGEMENT_SYSTEM
    assert [e.id for e in criteria.elements] == ["audit", "independence"]


@pytest.mark.parametrize(
    "broken, message",
    [
        (GOOD.replace("management-system", "everything"), "scope"),
        (GOOD.replace('"internal audit"', '"internal audit + "'), "empty"),
        (GOOD.replace("id: independence", "id: audit"), "repeat"),
        ("criteria: [1, 2]", "mapping"),
    ],
)
def test_malformed_criteria_are_rejected_with_the_requirement_named(broken: str, message: str) -> None:
    with pytest.raises(CriteriaError, match=message):
        parse_criteria(broken)


def test_the_packaged_catalogue_has_criteria_for_every_item() -> None:
    catalogue = load_catalogue()
    assert [r.id for r in catalogue if r.criteria is not None] == list(ALL_IDS)


def test_criteria_for_an_unknown_requirement_are_an_error() -> None:
    catalogue = load_catalogue()
    with pytest.raises(CatalogueError, match="unknown"):
        catalogue.with_criteria(parse_criteria(GOOD.replace('"9.2.1"', '"9.9.9"')))


def test_generic_management_system_items_carry_a_27001_counterpart() -> None:
    # ISMS reuse is reported from the crosswalk: every management-system item must have one.
    for requirement in load_catalogue():
        if requirement.criteria.scope is Scope.MANAGEMENT_SYSTEM:
            assert requirement.iso27001_refs(), requirement.id
