"""Repository sources: GitHub/GitLab listing replayed from cassettes, and shallow git clones."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import vcr

from connectors.code.connector import CodeConnector, CodeScanOptions
from connectors.code.sources import (
    is_git_url,
    list_github_org,
    list_gitlab_group,
    repo_name_from_url,
)

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
replay = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    filter_headers=["authorization", "private-token"],
    match_on=["method", "scheme", "host", "port", "path", "query"],
)


def test_github_org_listing_paginates_and_skips_archived_and_forks() -> None:
    with replay.use_cassette("github_org.yaml") as cassette:
        listing = list_github_org("acme", {"GITHUB_TOKEN": "ghp_test"}, sleep=lambda s: None)
    assert cassette.all_played
    assert [r.name for r in listing.repos] == ["acme/chat-app", "acme/ml-pipeline"]
    assert listing.skipped == {"archived": 1, "fork": 1}
    assert listing.problem is None


def test_github_rate_limit_waits_then_retries() -> None:
    waits: list[float] = []
    with replay.use_cassette("github_rate_limited.yaml"):
        listing = list_github_org("acme", {}, sleep=waits.append)
    assert waits == [2.0]
    assert [r.name for r in listing.repos] == ["acme/chat-app"]


def test_github_rate_limit_far_away_becomes_a_throttled_issue() -> None:
    with replay.use_cassette("github_rate_limit_exhausted.yaml"):
        listing = list_github_org("acme", {}, sleep=lambda s: pytest.fail("must not sleep for hours"))
    assert listing.problem is not None and listing.problem.kind == "throttled"


def test_gitlab_group_listing_with_subgroups() -> None:
    with replay.use_cassette("gitlab_group.yaml") as cassette:
        listing = list_gitlab_group("acme/platform", {"GITLAB_TOKEN": "glpat-test"}, sleep=lambda s: None)
    assert cassette.all_played
    assert [r.name for r in listing.repos] == ["acme/platform/gateway", "acme/platform/ml/forecast"]
    assert listing.skipped == {"fork": 1}


def test_gitlab_denied_is_reported_by_the_connector(tmp_path: Path) -> None:
    with replay.use_cassette("gitlab_denied.yaml"):
        result = CodeConnector(CodeScanOptions(jobs=1, gitlab_groups=["secret"], cache_dir=tmp_path)).scan([])
    [issue] = result.issues
    assert issue.kind == "access-denied" and issue.target == "gitlab:secret"


def test_git_url_forms() -> None:
    assert is_git_url("https://github.com/acme/app.git") and is_git_url("git@github.com:acme/app.git")
    assert not is_git_url("./src") and not is_git_url("/abs/path")
    assert repo_name_from_url("git@github.com:acme/app.git") == "acme/app"
    assert repo_name_from_url("https://gitlab.com/acme/platform/ml/scoring.git") == "ml/scoring"
    assert repo_name_from_url("file:///tmp/x/remote.git") == "x/remote"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_url_is_cloned_shallow_and_scanned(tmp_path: Path) -> None:
    source = tmp_path / "origin"
    source.mkdir()
    (source / "bot.py").write_text("from anthropic import Anthropic\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(source)], check=True)
    subprocess.run([*git, "-C", str(source), "add", "."], check=True)
    subprocess.run([*git, "-C", str(source), "commit", "-qm", "init"], check=True)
    url = source.resolve().as_uri()
    connector = CodeConnector(CodeScanOptions(jobs=1, cache_dir=tmp_path / "cache"))
    first = connector.scan([url])
    assert [(o.provider, o.location.repo, o.location.path) for o in first.observations] == [
        ("anthropic", repo_name_from_url(url), "bot.py")]
    (source / "bot.py").write_text("import openai\n")
    subprocess.run([*git, "-C", str(source), "commit", "-qam", "switch"], check=True)
    second = connector.scan([url])  # refreshes the cached clone
    assert [o.provider for o in second.observations] == ["openai"]
    failed = connector.scan([(tmp_path / "no-such-repo").as_uri()])
    assert [i.kind for i in failed.issues] == ["clone-failed"]
