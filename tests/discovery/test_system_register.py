"""The system-level register: selection, every status, exceptions, stable and moved ids."""

from datetime import date

import pytest

from discovery.diff import diff_inventories
from discovery.merge import merge_observations, register_system_id, repository_system_id
from discovery.models import SourceKind, SystemStatus
from discovery.register import RegisterError, classify, parse_register_document
from discovery.risk import assess_risk

from tests.discovery.test_merge import obs

TODAY = date(2026, 12, 3)
YAML = """
systems:
  - id: loan-scoring
    name: Loan application scoring
    owner: credit-risk@acme.example
    purpose: Scores consumer loan applications
    intended_users: credit officers
    affected_parties: loan applicants
    data_categories: [finance]
    tier: 1
    automated_decisions: true
    approval: {by: risk-committee, until: 2027-06-30}
    select: {repos: [loans*], apps: [loan-portal]}
  - id: old-chatbot
    name: Legacy chatbot
    approval: {by: cio, until: 2025-01-01}
    select: {repos: [chat]}
  - id: pending
    name: Pending idea
    select: {repos: [idea]}
exceptions:
  - reason: pilot agreed with the DPO
    owner: dpo@acme.example
    expires: 2027-01-31
    select: {repos: [pilot]}
  - reason: old pilot
    owner: dpo@acme.example
    expires: 2026-01-31
    select: {repos: [lapsed-pilot]}
"""


def inventory(observations, register):
    systems = merge_observations(observations, register=register)
    return {s.name: assess_risk(s) for s in classify(systems, register, TODAY)}


def repo(name, **kw):
    return obs(repo=name, target=f"/repos/{name}", **kw)


def test_every_status():
    register = parse_register_document(YAML, "r.yaml")
    found = inventory([repo("loans-api"), repo("loans-batch"), repo("chat"), repo("idea"), repo("pilot"),
                       repo("lapsed-pilot"), repo("unknown")], register)
    loan = found["Loan application scoring"]
    assert loan.status == SystemStatus.SANCTIONED and loan.scopes == ["loans-api", "loans-batch"]
    assert loan.id == register_system_id("loan-scoring") and loan.owner == "credit-risk@acme.example"
    assert all(l.kind == "register" for l in loan.links)
    assert found["Legacy chatbot"].status == SystemStatus.EXPIRED
    assert found["Pending idea"].status == SystemStatus.SHADOW
    assert found["pilot"].status == SystemStatus.EXCEPTED and "DPO" in found["pilot"].status_reason
    assert found["lapsed-pilot"].status == SystemStatus.SHADOW
    assert "exception lapsed on 2026-01-31" in found["lapsed-pilot"].status_reason
    assert found["unknown"].status == SystemStatus.SHADOW


def test_register_selects_log_apps_and_cloud_arns():
    register = parse_register_document(YAML, "r.yaml")
    portal = obs(source=SourceKind.LOGS, hint="loan-portal", identity="officer1", target="proxy.log")
    found = inventory([repo("loans-api"), portal], register)
    assert set(found) == {"Loan application scoring"}
    assert found["Loan application scoring"].sources == [SourceKind.CODE, SourceKind.LOGS]


def test_declared_tier_wins_and_a_mismatch_is_flagged():
    register = parse_register_document(
        "systems:\n  - {id: notes, name: Notes helper, tier: 3, data_categories: [marketing],"
        " approval: {by: x, until: 2030-01-01}, select: {repos: [notes]}}\n", "r.yaml")
    found = inventory([repo("notes", path="src/patient_summary.py")], register)
    notes = found["Notes helper"]
    assert notes.risk_tier == 3 and notes.evidence_tier == 1
    assert any("evidence of health data" in f for f in notes.flags)
    assert any(f.startswith("declared tier 3, evidence suggests tier 1") for f in notes.flags)


def test_system_csv_register():
    csv_text = ("id,name,owner,data_categories,tier,approved_by,approved_until,repos\n"
                "hr-screen,CV screening,hr@x,employment,1,board,2027-01-01,hr-*\n")
    register = parse_register_document(csv_text, "r.csv")
    (entry,) = register.systems
    assert entry.select.repos == ("hr-*",) and entry.tier == 1 and entry.data_categories == ("employment",)
    assert inventory([repo("hr-tool")], register)["CV screening"].status == SystemStatus.SANCTIONED


@pytest.mark.parametrize("text, message", [
    ("exceptions:\n  - {reason: r, owner: o, select: {repos: [x]}}\n", "needs a reason, an owner and an expiry"),
    ("exceptions:\n  - {reason: r, owner: o, expires: 2027-01-01}\n", "must select what it covers"),
    ("systems:\n  - {name: a, select: {colour: [x]}}\n", "unknown selector"),
    ("systems:\n  - {id: a, name: a}\n  - {id: a, name: b}\n", "duplicate system id"),
    ("systems:\n  - {name: a, select: {providers: [chatgpt]}}\n", "unknown provider"),
    ("systems:\n  - {name: a, approval: {until: soon}}\n", "not an ISO date"),
])
def test_register_errors_name_the_problem(text, message):
    with pytest.raises(RegisterError, match=message):
        parse_register_document(text, "r.yaml")


def test_identical_scans_give_an_empty_diff():
    observations = [repo("a"), repo("b", model="gpt-4o"), obs(source=SourceKind.LOGS, hint="chatgpt", identity="u")]
    first = merge_observations(observations)
    second = merge_observations(list(reversed(observations)))
    assert diff_inventories(first, second).empty


def test_a_new_register_entry_shows_the_ids_that_moved():
    observations = [repo("loans-api"), repo("loans-batch"), repo("web")]
    before = merge_observations(observations)
    register = parse_register_document(YAML, "r.yaml")
    after = merge_observations(observations, register=register)
    diff = diff_inventories(before, after)
    assert diff.moved_ids == {repository_system_id("loans-api"): register_system_id("loan-scoring"),
                              repository_system_id("loans-batch"): register_system_id("loan-scoring")}
    assert repository_system_id("web") in {s.id for s in after}  # untouched system keeps its id
