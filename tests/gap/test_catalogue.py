"""The ISO/IEC 42001 requirement catalogue: the 70 items, their content rules, and the loader's checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gap.requirements import (
    TECHNICAL_EVIDENCE_TAGS,
    Catalogue,
    CatalogueError,
    CrosswalkRef,
    Framework,
    Requirement,
    RequirementKind,
    UnknownRequirementError,
    load_catalogue,
)

EXPECTED_CLAUSES = [
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3",
    "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3",
    "8.1", "8.2", "8.3", "8.4",
    "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3",
    "10.1", "10.2",
]  # fmt: skip
EXPECTED_CONTROLS = [
    "A.2.2", "A.2.3", "A.2.4",
    "A.3.2", "A.3.3",
    "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5",
    "A.6.1.2", "A.6.1.3",
    "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8",
    "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5",
    "A.9.2", "A.9.3", "A.9.4",
    "A.10.2", "A.10.3", "A.10.4",
]  # fmt: skip
EXPECTED_IDS = EXPECTED_CLAUSES + EXPECTED_CONTROLS


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def raw() -> dict:
    path = Path(__file__).resolve().parents[2] / "gap" / "data" / "iso42001.yaml"
    return yaml.safe_load(path.read_text("utf-8"))


# --- the set of items ---------------------------------------------------------------------------


def test_exactly_the_70_ids_in_order(catalogue: Catalogue) -> None:
    assert catalogue.ids() == EXPECTED_IDS
    assert len(catalogue) == 70
    assert len(set(catalogue.ids())) == 70


def test_clause_and_control_counts(catalogue: Catalogue) -> None:
    assert [r.id for r in catalogue.clauses()] == EXPECTED_CLAUSES
    assert [r.id for r in catalogue.controls()] == EXPECTED_CONTROLS
    assert len(catalogue.clauses()) == 32 and len(catalogue.controls()) == 38
    assert all(r.kind is RequirementKind.CLAUSE for r in catalogue.clauses())
    assert all(r.kind is RequirementKind.CONTROL for r in catalogue.controls())


def test_known_titles(catalogue: Catalogue) -> None:
    assert all(r.title.strip() for r in catalogue)
    assert catalogue.get("6.1.4").title == "AI system impact assessment"
    assert catalogue.get("A.6.2.8").title == "AI system recording of event logs"
    assert catalogue.get("9.2.2").title == "Internal audit programme"
    assert catalogue.get("A.10.3").title == "Suppliers"


def test_groups(catalogue: Catalogue) -> None:
    assert catalogue.get("4.3").group == "4 Context of the organization"
    assert catalogue.get("10.2").group == "10 Improvement"
    assert catalogue.get("A.2.2").group == "A.2 Policies related to AI"
    assert catalogue.get("A.6.1.3").group == "A.6.1 Management guidance for AI system development"
    assert catalogue.get("A.6.2.6").group == "A.6.2 AI system life cycle"
    assert len({r.group for r in catalogue.clauses()}) == 7
    assert len({r.group for r in catalogue.controls()}) == 10


# --- lookup and id validation --------------------------------------------------------------------


def test_get_and_contains(catalogue: Catalogue) -> None:
    assert catalogue.get("A.7.5").id == "A.7.5"
    assert catalogue.get(" a.7.5 ").id == "A.7.5"
    assert "6.1.2" in catalogue and "A.9.4" in catalogue
    assert "A.11.1" not in catalogue and 42 not in catalogue


@pytest.mark.parametrize("bad", ["A.11.1", "6.1", "4.5", "A.1.1", "9.2", ""])
def test_unknown_ids_rejected_by_get(catalogue: Catalogue, bad: str) -> None:
    with pytest.raises(UnknownRequirementError) as info:
        catalogue.get(bad)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_validate_ids_normalises_and_deduplicates(catalogue: Catalogue) -> None:
    assert catalogue.validate_ids([" 6.1.2", "A.7.5 ", "a.9.2", "6.1.2", "  "]) == ["6.1.2", "A.7.5", "A.9.2"]
    assert catalogue.validate_ids([]) == []


def test_validate_ids_lists_every_unknown(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownRequirementError) as info:
        catalogue.validate_ids(["4.1", "A.11.1", "6.1", "4.5"])
    assert info.value.ids == ["A.11.1", "6.1", "4.5"]
    message = str(info.value)
    for bad in ("A.11.1", "6.1", "4.5"):
        assert repr(bad) in message
    assert "6.1.1, 6.1.2, 6.1.3, 6.1.4" in message  # a parent id points at its sub-clauses


# --- content rules -------------------------------------------------------------------------------


def test_objectives_only_on_controls(catalogue: Catalogue) -> None:
    assert all(r.objective is None for r in catalogue.clauses())
    assert all(r.objective and len(r.objective) >= 40 for r in catalogue.controls())
    by_group: dict[str, set[str | None]] = {}
    for r in catalogue.controls():
        by_group.setdefault(r.group, set()).add(r.objective)
    assert all(len(objectives) == 1 for objectives in by_group.values())


def test_guidance_is_substantial_and_distinct(catalogue: Catalogue) -> None:
    texts = [r.guidance for r in catalogue]
    assert all(len(t) >= 80 for t in texts)
    assert len(set(texts)) == len(texts)
    for text in texts:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
        assert 1 <= len(sentences) <= 4, text


def test_queries_and_keywords(catalogue: Catalogue) -> None:
    for r in catalogue:
        assert 3 <= len(r.queries) <= 6, r.id
        assert all(q.strip() for q in r.queries), r.id
        assert 4 <= len(r.keywords) <= 10, r.id
        assert all(k == k.lower() and k.strip() for k in r.keywords), r.id
    assert len({r.queries for r in catalogue}) == 70


def test_technical_evidence_tags(catalogue: Catalogue) -> None:
    for r in catalogue:
        assert set(r.technical_evidence) <= TECHNICAL_EVIDENCE_TAGS, r.id
    used = {t for r in catalogue for t in r.technical_evidence}
    assert used == TECHNICAL_EVIDENCE_TAGS  # every tag bears on at least one item
    assert {"inventory", "compute-resources"} <= set(catalogue.get("A.4.5").technical_evidence)
    assert "invocation-logging" in catalogue.get("A.6.2.8").technical_evidence
    assert {"third-party-ai", "shadow-ai"} <= set(catalogue.get("A.10.3").technical_evidence)
    assert "shadow-ai" in catalogue.get("A.9.2").technical_evidence


def test_tags_match_the_evidence_module() -> None:
    from gap.evidence import TAGS

    assert TAGS == TECHNICAL_EVIDENCE_TAGS


def test_ai_specific_judgement(catalogue: Catalogue) -> None:
    assert all(r.ai_specific for r in catalogue.controls())
    for rid in ("4.3", "5.2", "6.1.2", "6.1.3", "6.1.4", "8.2", "8.4"):
        assert catalogue.get(rid).ai_specific, rid
    for rid in ("7.2", "7.5.1", "7.5.2", "7.5.3", "9.2.1", "9.2.2", "10.2"):
        assert not catalogue.get(rid).ai_specific, rid


def test_crosswalk_shapes(catalogue: Catalogue) -> None:
    for r in catalogue:
        assert len(r.crosswalk) <= 3, r.id
    assert CrosswalkRef(framework="eu-ai-act", ref="Art. 12", relationship="related") in catalogue.get(
        "A.6.2.8"
    ).crosswalk
    iso = [x for x in catalogue.get("9.2.2").crosswalk if x.framework is Framework.ISO27001]
    assert [(x.ref, x.relationship.value) for x in iso] == [("9.2.2", "equivalent")]


@pytest.mark.parametrize(
    "framework, ref",
    [("eu-ai-act", "Article 9"), ("nist-ai-rmf", "GOVERN-1.1"), ("iso27001-2022", "A.9.1"), ("gdpr", "Art. 5")],
)
def test_crosswalk_rejects_malformed_refs(framework: str, ref: str) -> None:
    with pytest.raises(ValueError):
        CrosswalkRef(framework=framework, ref=ref, relationship="related")


def test_requirements_are_frozen(catalogue: Catalogue) -> None:
    requirement = catalogue.get("5.2")
    with pytest.raises(ValueError):
        requirement.title = "changed"  # type: ignore[misc]
    assert isinstance(requirement, Requirement)


def test_each_load_is_independent() -> None:
    first, second = Catalogue.load(), load_catalogue()
    assert first is not second
    assert first.ids() == second.ids()


# --- the loader rejects broken catalogues --------------------------------------------------------


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    return path


def _rows(raw: dict) -> list[dict]:
    return [dict(row) for row in raw["requirements"]]


def test_from_path_round_trip(tmp_path: Path, raw: dict) -> None:
    assert Catalogue.from_path(_write(tmp_path, {"requirements": _rows(raw)})).ids() == EXPECTED_IDS


def test_missing_id_rejected(tmp_path: Path, raw: dict) -> None:
    rows = [r for r in _rows(raw) if r["id"] != "A.7.5"]
    with pytest.raises(CatalogueError, match=r"missing: A\.7\.5"):
        Catalogue.from_path(_write(tmp_path, {"requirements": rows}))


def test_duplicate_id_rejected(tmp_path: Path, raw: dict) -> None:
    rows = _rows(raw)
    rows.append(dict(rows[0]))
    with pytest.raises(CatalogueError, match=r"duplicate requirement id\(s\): 4\.1"):
        Catalogue.from_path(_write(tmp_path, {"requirements": rows}))


def test_extra_id_rejected(tmp_path: Path, raw: dict) -> None:
    rows = _rows(raw)
    rows.append({**rows[-1], "id": "A.10.5"})
    with pytest.raises(CatalogueError, match=r"A\.10\.5"):
        Catalogue.from_path(_write(tmp_path, {"requirements": rows}))


def test_wrong_order_rejected(tmp_path: Path, raw: dict) -> None:
    rows = _rows(raw)
    rows[0], rows[1] = rows[1], rows[0]
    with pytest.raises(CatalogueError, match="order"):
        Catalogue.from_path(_write(tmp_path, {"requirements": rows}))


@pytest.mark.parametrize(
    "rid, change, message",
    [
        ("A.3.3", {"objective": None}, "needs an objective"),
        ("7.4", {"objective": "Something to aim at."}, "must not have an objective"),
        ("A.4.2", {"technical_evidence": ["inventory", "crystal-ball"]}, "crystal-ball"),
        ("8.1", {"queries": ["one", "two"]}, "queries"),
        ("8.1", {"keywords": ["Upper", "b", "c", "d"]}, "lowercase"),
        ("A.2.2", {"kind": "clause"}, "kind"),
        ("5.1", {"group": "6 Planning"}, "group"),
        ("A.8.4", {"crosswalk": [{"framework": "eu-ai-act", "ref": "Article 73", "relationship": "related"}]}, "Art"),
        ("4.4", {"surprise": True}, "surprise"),
    ],
)
def test_broken_item_rejected(tmp_path: Path, raw: dict, rid: str, change: dict, message: str) -> None:
    rows = [({**r, **change} if r["id"] == rid else r) for r in _rows(raw)]
    with pytest.raises(CatalogueError, match=message) as info:
        Catalogue.from_path(_write(tmp_path, {"requirements": rows}))
    assert rid in str(info.value)


@pytest.mark.parametrize("text", ["requirements: {}\n", "- just a list\n", "requirements: [\n"])
def test_malformed_file_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(CatalogueError):
        Catalogue.from_path(path)


def test_unreadable_path_rejected(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        Catalogue.from_path(tmp_path / "absent.yaml")
