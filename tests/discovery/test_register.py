from datetime import date

import pytest

from discovery.merge import merge_observations
from discovery.models import SystemStatus
from discovery.register import RegisterError, classify, parse_register
from discovery.risk import assess_risk

from tests.discovery.test_merge import obs

CSV = """provider,system,owner,approved_use,expires
openai,,support-lead@acme.example,customer support,2027-06-30
huggingface,,ml@acme.example,model hub,2025-01-31
anthropic,research,r@acme.example,research,
"""


def systems():
    return merge_observations([
        obs(provider="openai"), obs(provider="huggingface", repo="hub", target="/repos/hub"),
        obs(provider="anthropic", repo="svc2", target="/repos/svc2"),
        obs(provider="anthropic", repo="research", target="/repos/research"),
        obs(provider="deepseek", repo="ds", target="/repos/ds"),
    ])


def test_provider_shorthand_classifies_sanctioned_shadow_and_expired():
    result = {s.name: s for s in classify(systems(), parse_register(CSV, "r.csv"), date(2026, 11, 27))}
    assert result["svc"].status == SystemStatus.SANCTIONED
    assert result["svc"].owner == "support-lead@acme.example"
    assert result["hub"].status == SystemStatus.EXPIRED
    assert "expired on 2025-01-31" in result["hub"].status_reason
    # A system-specific entry sanctions only the named system.
    assert result["research"].status == SystemStatus.SANCTIONED
    assert result["svc2"].status == SystemStatus.SHADOW
    assert result["ds"].status == SystemStatus.SHADOW


def test_no_register_means_unknown_not_shadow():
    assert {s.status for s in classify(systems(), None, date(2026, 1, 1))} == {SystemStatus.UNKNOWN}


def test_yaml_register_and_errors():
    entries = parse_register("register:\n  - {provider: openai, expires: 2027-01-01}\n", "r.yaml")
    assert entries[0].expires == date(2027, 1, 1)
    with pytest.raises(RegisterError, match="r.csv:2: unknown provider id 'chatgpt'"):
        parse_register("provider,system,owner,approved_use,expires\nchatgpt,,,,\n", "r.csv")
    with pytest.raises(RegisterError, match="not an ISO date"):
        parse_register("provider,expires\nopenai,next year\n", "r.csv")
    with pytest.raises(RegisterError, match="unknown columns"):
        parse_register("provider,colour\nopenai,red\n", "r.csv")


def test_risk_tier_rises_with_shadow_and_exposed_key():
    register = parse_register(CSV, "r.csv")
    shadow_key = merge_observations([obs(provider="deepseek", attributes={"secret_exposed": True})])
    sanctioned = merge_observations([obs(provider="openai")])
    (risky,) = [assess_risk(s) for s in classify(shadow_key, register, date(2026, 11, 27))]
    (calm,) = [assess_risk(s) for s in classify(sanctioned, register, date(2026, 11, 27))]
    assert risky.risk_tier == 1 and "API key" in risky.risk_reason
    assert calm.risk_tier == 3
