"""What the review workspace's pages show, built from the same store and pure functions as the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from cli.scanning import inventory_builder
from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from discovery.models import AISystem
from gap.models import Citation, Finding, FindingStatus
from gap.readiness import NOT_ASSESSED, GroupReadiness, effective_status, readiness
from gap.requirements import Catalogue

CONTEXT_CHARS = 280


def catalogue() -> Catalogue:
    from cli.workspace.findings import _catalogue

    return _catalogue()


def inventory(workspace: Workspace) -> list[AISystem]:
    return inventory_builder(workspace.register(), date.today())(workspace.current_observations())


def shadow_trend(workspace: Workspace) -> list[tuple[str, int]]:
    points = []
    for scan in workspace.scans():
        systems = workspace.snapshot(scan.id)
        when = scan.started_at.strftime("%Y-%m-%d %H:%M")
        points.append((when, sum(1 for s in systems if s.status.value == "shadow")))
    return points[-20:]


@dataclass
class Dashboard:
    clauses: list[GroupReadiness]
    controls: list[GroupReadiness]
    decided: int
    total: int
    waiting: int
    shadow: int
    trend: list[tuple[str, int]]
    issues: list[Any]


def dashboard(workspace: Workspace, store: FindingStore) -> Dashboard:
    findings = store.all()
    groups = readiness(findings, catalogue().all())
    systems = inventory(workspace)
    return Dashboard(
        clauses=[g for g in groups if g.kind == "clause"],
        controls=[g for g in groups if g.kind != "clause"],
        decided=sum(1 for f in findings if f.review.state.is_human_decision),
        total=len(catalogue()),
        waiting=sum(1 for f in findings if f.pending_draft),
        shadow=sum(1 for s in systems if s.status.value == "shadow"),
        trend=shadow_trend(workspace),
        issues=workspace.latest_issues(),
    )


@dataclass(frozen=True)
class Filters:
    status: str = ""
    group: str = ""
    decided: str = ""  # "" | yes | no
    changed: str = ""  # "" | yes

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        return cls(*(str(args.get(name, "")).strip() for name in ("status", "group", "decided", "changed")))


@dataclass(frozen=True)
class Row:
    requirement: str
    title: str
    group: str
    status: str
    review: str
    reviewer: str
    waiting: bool
    changed: bool


def finding_rows(store: FindingStore, filters: Filters) -> list[Row]:
    by_id = {f.requirement: f for f in store.all()}
    last_run = store.last_run() or {}
    changed = set(last_run.get("changed") or ())
    rows = []
    for requirement in catalogue():
        finding = by_id.get(requirement.id)
        status = effective_status(finding)
        decided = bool(finding and finding.review.state.is_human_decision)
        row = Row(requirement.id, requirement.title, requirement.group, status,
                  finding.review.state.value if finding else NOT_ASSESSED,
                  (finding.review.reviewer or "") if finding else "", bool(finding and finding.pending_draft),
                  requirement.id in changed)
        if filters.status and row.status != filters.status:
            continue
        if filters.group and row.group != filters.group:
            continue
        if filters.decided == "yes" and not decided or filters.decided == "no" and decided:
            continue
        if filters.changed == "yes" and not row.changed:
            continue
        rows.append(row)
    return rows


def groups() -> list[str]:
    return list(dict.fromkeys(r.group for r in catalogue()))


STATUSES = [s.value for s in FindingStatus] + [NOT_ASSESSED]


def highlighted(text: str, start: int, end: int, context: int = CONTEXT_CHARS) -> Markup:
    """The quote marked in its surrounding text (all of it escaped)."""
    left = max(0, start - context)
    right = min(len(text), end + context)
    before = ("…" if left else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return Markup("{}<mark>{}</mark>{}").format(escape(before), escape(text[start:end]), escape(after))


class SourceText:
    """Policy text for citations in context, read from the workspace's index on first use."""

    def __init__(self, workspace_root: Any, config: Any) -> None:
        self.workspace_root = workspace_root
        self.config = config
        self._index: Any = None
        self.problem: str | None = None

    def _open(self) -> Any:
        if self._index is None and self.problem is None:
            try:
                from rag.embeddings import make_embedder
                from rag.index import PolicyIndex

                embedder = make_embedder(self.config.embeddings.model, base_url=self.config.embeddings.base_url)
                self._index = PolicyIndex(self.workspace_root / "chroma", embedder, chroma_url=self.config.chroma.url)
            except Exception as exc:  # the page still shows the quote; say why the context is missing
                self.problem = f"the policy index could not be opened ({exc})"
        return self._index

    def document_for(self, citation: Citation) -> tuple[str, str] | None:
        """(document id, full text) of the cited document, or None when unavailable."""
        index = self._open()
        if index is None:
            return None
        chunk = index.chunk(citation.chunk_id)
        if chunk is None:
            return None
        try:
            return chunk.document_id, index.document_text(chunk.document_id)
        except KeyError:
            return None

    def context(self, citation: Citation) -> Markup | None:
        found = self.document_for(citation)
        if found is None:
            return None
        text = found[1]
        if text[citation.start:citation.end] != citation.quote:
            return None  # the document changed since the draft; do not mark the wrong words
        return highlighted(text, citation.start, citation.end)


def history(store: FindingStore, finding: Finding) -> list[Any]:
    return list(reversed(store.events(finding.requirement)))
