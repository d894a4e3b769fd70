"""Every tier rule runs its own examples; user files extend the rules."""

import pytest

from discovery.risk import TierRuleError, builtin_rules, example_system, load_tier_rules, rule_fires

RULES = builtin_rules().rules
CASES = [(rule.id, kind, example) for rule in RULES for kind in ("fires", "silent")
         for example in rule.examples.get(kind, [])]


def test_every_rule_has_examples_both_ways():
    for rule in RULES:
        assert rule.examples.get("fires") and rule.examples.get("silent"), rule.id


@pytest.mark.parametrize("rule_id, kind, example", CASES, ids=[f"{r}-{k}-{i}" for i, (r, k, _) in enumerate(CASES)])
def test_rule_examples(rule_id, kind, example):
    rule = next(r for r in RULES if r.id == rule_id)
    system = example_system(example)
    assert rule_fires(rule, system, set(system.data_categories)) is (kind == "fires")


def test_user_rules_extend_and_override(tmp_path):
    extra = tmp_path / "tiers.yaml"
    extra.write_text("rules:\n  - {id: data.finance, description: finance is tier 1 here, when: {data_category: [finance]}, tier: 1}\n"
                     "  - {id: vendor.deepseek, description: DeepSeek, when: {category: [llm-api]}, score: 4}\n"
                     "data_categories:\n  finance: [ledger]\n")
    rules = load_tier_rules(extra)
    assert next(r for r in rules.rules if r.id == "data.finance").tier == 1
    assert any(r.id == "vendor.deepseek" for r in rules.rules)
    assert "ledger" in rules.data_categories["finance"] and "loan" in rules.data_categories["finance"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {id: x, description: y, when: {colour: [red]}, score: 1}\n")
    with pytest.raises(TierRuleError, match="unknown condition"):
        load_tier_rules(bad)


def test_a_loan_scoring_use_reaches_tier_1_from_evidence_and_register():
    from discovery.risk import assess_risk

    system = example_system({"data_categories": ["finance"], "automated_decisions": True})
    assert assess_risk(system).risk_tier == 1 and "data.finance-decision" in system.risk_rules
    calm = example_system({"categories": ["ml-framework"], "providers": ["scikit-learn"]})
    assert assess_risk(calm).risk_tier == 3 and calm.risk_rules == []
