"""Every 8.2 trigger rule, with a change that fires it and one that does not."""

from datetime import date

import pytest

from discovery.models import SystemStatus
from discovery.risk import example_system
from discovery.triggers import TriggerRuleError, evaluate_triggers, load_trigger_rules

TODAY = date(2026, 12, 3)


def system(**fields):
    fields.setdefault("status", "sanctioned")
    return example_system(fields)


def fired(before, after, **kw):
    return {(t.rule, t.detail) for t in evaluate_triggers(before, after, today=TODAY, **kw)}


def test_new_shadow_system():
    assert ("new-shadow-system", "new shadow system example") in fired([], [system(status="shadow")])
    assert not fired([], [system(status="sanctioned")])
    assert not fired([system(status="shadow")], [system(status="shadow")])
    lead = system(status="unknown", confidence="low")
    assert {r for r, _ in fired([lead], [system(status="shadow")])} == {"new-shadow-system"}  # a lead became use


def test_new_model_and_major_version():
    assert fired([system(models=["gpt-4"])], [system(models=["gpt-4", "gpt-5"])]) == {("new-model", "new major version gpt-5")}
    assert fired([system(models=["gpt-4"])], [system(models=["gpt-4", "claude-3"])]) == {("new-model", "new model claude-3")}
    assert not fired([system(models=["gpt-4"])], [system(models=["gpt-4"])])
    assert not fired([], [system(models=["gpt-4"])])  # a new sanctioned system is not a model change


def test_new_population():
    few, many = [f"u{i}" for i in range(10)], [f"u{i}" for i in range(25)]
    assert {r for r, _ in fired([system(identities=few)], [system(identities=many)])} == {"new-population"}
    assert not fired([system(identities=few)], [system(identities=few + ["x", "y"])])


def test_new_department_or_region():
    assert fired([system(regions=["eu-west-1"])], [system(regions=["eu-west-1", "us-east-1"])]) == {
        ("new-department-or-region", "new region us-east-1")}
    assert fired([system(departments=["Sales"])], [system(departments=["Sales", "HR"])]) == {
        ("new-department-or-region", "new department HR")}
    assert not fired([system(regions=["eu-west-1"])], [system(regions=["eu-west-1"])])


def test_new_data_category():
    assert fired([system()], [system(evidence_data_categories={"health": "'patient' in x"})]) == {
        ("new-data-category", "new data category health")}
    assert not fired([system(data_categories=["health"])], [system(data_categories=["health"])])


def test_approval_expired():
    lapsed = system(status="expired", status_reason="approval lapsed on 2026-11-30")
    assert {r for r, _ in fired([system()], [lapsed])} == {"approval-expired"}
    assert not fired([lapsed], [lapsed])


def test_assessment_due_or_missing():
    tier1 = system(risk_tier=1)
    assert {r for r, _ in fired([system(risk_tier=3)], [tier1], assessments={})} == {"assessment-expired"}
    assert not fired([tier1], [tier1], assessments={})  # already known to lack one: raised once, not every scan
    assert {r for r, _ in fired([tier1], [tier1], assessments={"sys-example": date(2026, 1, 1)})} == {"assessment-expired"}
    assert not fired([tier1], [tier1], assessments={"sys-example": date(2027, 1, 1)})
    assert not fired([system(risk_tier=3)], [system(risk_tier=3)], assessments={})


def test_moved_ids_are_compared_with_their_former_self():
    before = [example_system({"id": "sys-old", "status": "shadow"})]
    after = [example_system({"id": "sys-new", "status": "shadow"})]
    assert fired(before, after, moved={"sys-old": "sys-new"}) == set()


def test_rules_are_data_and_extendable(tmp_path):
    extra = tmp_path / "t.yaml"
    extra.write_text("rules:\n  - {id: new-model, enabled: false}\n")
    rules = load_trigger_rules(extra)
    assert not fired([system(models=["a1"])], [system(models=["a1", "b2"])], rules=rules)
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {id: x, kind: moon-phase, description: y}\n")
    with pytest.raises(TriggerRuleError, match="unknown kind"):
        load_trigger_rules(bad)


def test_trigger_ids_are_stable():
    a = evaluate_triggers([], [system(status="shadow")], today=TODAY, scan_id="s1")
    b = evaluate_triggers([], [system(status="shadow")], today=TODAY, scan_id="s2")
    assert [t.id for t in a] == [t.id for t in b]
    assert SystemStatus.SHADOW.value == "shadow"
