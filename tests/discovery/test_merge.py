from datetime import datetime, timezone

from discovery.merge import carry_forward, merge_observations, repository_system_id, system_id
from discovery.models import Category, Confidence, Location, Observation, SourceKind


def obs(repo="svc", path="app.py", line=3, provider="openai", signal="py-import-openai", identity=None,
        confidence=Confidence.HIGH, model=None, target=None, source=SourceKind.CODE, hint=None,
        category=Category.LLM_API, **kw):
    return Observation(
        source=source, connector="code", signal=signal, provider=provider, category=category,
        target=target or f"/repos/{repo}", location=Location(repo=repo, path=path, line=line), identity=identity,
        model=model, confidence=confidence, system_hint=hint, **kw,
    )


def test_one_system_per_repository_whatever_its_providers():
    systems = merge_observations([
        obs(line=1, model="gpt-4o"), obs(path="b.py", line=9, model="gpt-4o-mini"),
        obs(provider="anthropic", signal="py-import-anthropic"), obs(repo="other", target="/repos/other"),
    ])
    by_name = {s.name: s for s in systems}
    assert set(by_name) == {"svc", "other"}
    assert by_name["svc"].providers == ["openai", "anthropic"]
    assert by_name["svc"].models == ["gpt-4o", "gpt-4o-mini"]
    assert by_name["svc"].observation_count == 3


def test_repositories_scanned_together_stay_separate_scopes():
    systems = merge_observations([obs(repo=name, target=f"/repos/{name}") for name in ("a", "b", "c", "d")])
    assert sorted(s.scope for s in systems) == ["a", "b", "c", "d"]


def test_frameworks_are_attributes_not_systems():
    systems = merge_observations([obs(), obs(provider="langchain", signal="py-import-langchain",
                                            category=Category.AGENT_FRAMEWORK)])
    (system,) = systems
    assert system.frameworks == ["langchain"] and system.providers == ["openai", "langchain"]


def test_system_id_ignores_line_numbers_and_time():
    first = merge_observations([obs(line=3)])[0]
    moved = merge_observations([obs(line=300, first_seen=datetime(2026, 1, 1, tzinfo=timezone.utc))])[0]
    assert first.id == moved.id == repository_system_id("svc")
    log = merge_observations([obs(source=SourceKind.LOGS, hint="chatgpt", identity="a")])[0]
    assert log.id == system_id(SourceKind.LOGS, "openai", "chatgpt")  # standalone log ids are unchanged


def test_confidence_is_the_strongest_observation():
    system = merge_observations([obs(confidence=Confidence.LOW), obs(path="x.py", confidence=Confidence.MEDIUM)])[0]
    assert system.confidence == Confidence.MEDIUM


def test_log_systems_merge_identities_and_sum_bytes():
    a = obs(source=SourceKind.LOGS, hint="chatgpt", identity="alice", attributes={"bytes_up": 10, "upload": False})
    b = obs(source=SourceKind.LOGS, hint="chatgpt", identity="bob", attributes={"bytes_up": 5, "upload": True})
    (system,) = merge_observations([a, b])
    assert system.identities == ["alice", "bob"]
    assert system.attributes["bytes_up"] == 15
    assert system.attributes["upload"] is True


def test_carry_forward_replaces_rescanned_targets_and_keeps_first_seen():
    early = datetime(2026, 1, 1, tzinfo=timezone.utc)
    later = datetime(2026, 2, 1, tzinfo=timezone.utc)
    kept = obs(repo="keep", target="/repos/keep", first_seen=early)
    gone = obs(repo="svc", path="old.py", first_seen=early)
    again = obs(repo="svc", path="app.py", first_seen=early)
    previous = {o.id: o for o in (kept, gone, again)}
    after = carry_forward(previous, [again.model_copy(update={"first_seen": later})], ["/repos/svc"])
    assert set(after) == {kept.id, again.id}  # old.py vanished from the rescanned repo
    assert after[again.id].first_seen == early


def test_carry_forward_takes_first_seen_from_a_map_of_the_rescanned_targets():
    early = datetime(2026, 1, 1, tzinfo=timezone.utc)
    later = datetime(2026, 2, 1, tzinfo=timezone.utc)
    again = obs(first_seen=later)
    after = carry_forward({}, [again, obs(path="new.py", first_seen=later)], ["/repos/svc"], {again.id: early})
    assert after[again.id].first_seen == early
    assert after[obs(path="new.py").id].first_seen == later  # nothing earlier known: its own time
    assert after[again.id].id == again.id
    # An earlier time in the scan itself wins over a later stored one.
    assert carry_forward({}, [obs(first_seen=early)], ["/repos/svc"], {again.id: later})[again.id].first_seen == early


def test_carry_forward_aggregates_duplicates_within_a_scan():
    a = obs(count=2)
    after = carry_forward({}, [a, a.model_copy(update={"count": 3})], ["/repos/svc"])
    assert after[a.id].count == 5
