"""AISIA drafting: offline structure, and model prose held to the findings' citation checks."""

from datetime import date

from discovery.risk import assess_risk, example_system
from gap.aisia import HUMAN, assessment_markdown, draft_assessment
from gap.aisia_llm import AssessmentLLMDrafter, assessment_facts, render_facts

from tests.fakes import QueuedChatModel

TODAY = date(2026, 12, 3)
CONTROLS = [{"kind": "invocation-logging", "status": "enabled", "account": "111122223333", "region": "eu-west-1"}]


def loan_system():
    return assess_risk(example_system({"id": "sys-loan", "name": "Loan scoring", "purpose": "Scores loan applications",
                                       "affected_parties": "loan applicants", "data_categories": ["finance"],
                                       "automated_decisions": True, "status": "sanctioned",
                                       "scopes": ["arn:aws:sagemaker:eu-west-1:111122223333:endpoint/x"]}))


def test_offline_draft_fills_facts_and_marks_what_a_person_writes():
    draft = draft_assessment(loan_system(), CONTROLS, TODAY, ["new-model"])
    assert draft.section("purpose").text == "Scores loan applications" and not draft.section("purpose").needs_human
    assert "invocation-logging is enabled in 111122223333/eu-west-1" in draft.section("controls").text
    assert set(draft.open_sections) == {"misuse", "consequences", "residual"}
    assert HUMAN in draft.section("misuse").text
    assert draft.risk_tier == 1 and draft.review_by == date(2027, 6, 1)  # tier 1: six months
    assert "(needs a person)" in assessment_markdown(draft)


def test_controls_of_other_accounts_are_not_claimed():
    other = [{**CONTROLS[0], "account": "999999999999"}]
    draft = draft_assessment(loan_system(), other, TODAY)
    assert draft.section("controls").needs_human


def valid_answer(by_id, **overrides):
    f_purpose = next(fid for fid, fact in by_id.items() if fact.startswith("Purpose:"))
    answer = {"system_id": "sys-loan", "sections": [
        {"key": key, "text": f"{key} drafted from the register.",
         "citations": [{"id": f_purpose, "quote": "Scores loan applications"}]}
        for key in ("misuse", "consequences", "residual")]}
    answer.update(overrides)
    return answer


def test_model_prose_with_verified_citations_fills_the_sections():
    system = loan_system()
    draft = draft_assessment(system, CONTROLS, TODAY)
    _, by_id = render_facts(assessment_facts(system, draft))
    model = QueuedChatModel(responses=[valid_answer(by_id)])
    filled, problems = AssessmentLLMDrafter(model, "gpt-test").draft(system, draft)
    assert problems == [] and filled.open_sections == []
    assert filled.section("misuse").source == "llm:gpt-test" and "Sources: F" in filled.section("misuse").text
    assert "<untrusted_fact" in model.prompts[0][1].content


def test_invented_citations_are_retried_then_left_for_a_person():
    system = loan_system()
    draft = draft_assessment(system, CONTROLS, TODAY)
    _, by_id = render_facts(assessment_facts(system, draft))
    bad = valid_answer(by_id)
    bad["sections"][0]["citations"] = [{"id": "F99", "quote": "made up"}]
    misquoted = valid_answer(by_id)
    misquoted["sections"][1]["citations"][0]["quote"] = "Scores mortgage applications"
    model = QueuedChatModel(responses=[bad, misquoted])
    kept, problems = AssessmentLLMDrafter(model, "gpt-test").draft(system, draft)
    assert model.calls == 2 and "not verbatim" in " ".join(problems)
    assert set(kept.open_sections) == {"misuse", "consequences", "residual"}


def test_a_wrong_system_id_is_rejected():
    system = loan_system()
    draft = draft_assessment(system, CONTROLS, TODAY)
    _, by_id = render_facts(assessment_facts(system, draft))
    model = QueuedChatModel(responses=[valid_answer(by_id, system_id="sys-other"), valid_answer(by_id)])
    filled, problems = AssessmentLLMDrafter(model, "gpt-test").draft(system, draft)
    assert problems == [] and model.calls == 2 and "system_id must be" in model.prompts[1][-1].content
