"""Builders shared by the review tests: findings, a workspace with drafts, CLI invocation."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from gap.models import Citation, Drafter, Finding, FindingStatus, TechnicalEvidence

RUN = {"id": "r1", "started_at": "2026-12-01T00:00:00+00:00"}


def draft(requirement: str = "5.2", status: FindingStatus = FindingStatus.GAP, rationale: str = "drafted",
          evidence: str = "h1", quote: str | None = None, model: str = "offline") -> Finding:
    citations = [Citation(chunk_id="c1", document="ai-policy.md", section="Scope", start=0, end=len(quote),
                          quote=quote)] if quote else []
    return Finding(requirement=requirement, title=f"title of {requirement}", status=status, rationale=rationale,
                   citations=citations,
                   technical_evidence=[TechnicalEvidence(kind="ai-system", id="sys-1", summary="OpenAI in svc")],
                   drafted_by=Drafter(model=model, prompt="offline-heuristic@1"), evidence_hash=evidence)


def workspace_with(root: Path, drafts: list[Finding]) -> FindingStore:
    store = FindingStore(Workspace(root))
    store.save_drafts(drafts, RUN)
    return store


def aims(workspace: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--quiet", "--workspace", str(workspace), *args], env=env, catch_exceptions=False)


def init(workspace: Path) -> None:
    result = aims(workspace, "init")
    assert result.exit_code == 0, result.output
