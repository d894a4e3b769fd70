"""The gap-analysis report in Markdown or HTML, built for certification. Pure: returns text.

Readiness by clause and Annex A group (inline SVG charts in HTML), what changed since the
previous run, the roadmap of open gaps by phase with owners and due dates, the inventory,
every finding with its review (who, when, note), and the review trail's head. HTML is
self-contained (no scripts, no external assets); all untrusted text is escaped for the format.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from discovery.diff import InventoryDiff
from discovery.models import AISystem, ScanIssue
from discovery.safe_text import markdown_block, markdown_inline
from discovery.triggers import Trigger
from gap.charts import readiness_bars, trend_line
from gap.export.meta import DocumentMeta
from gap.models import Finding, FindingStatus, ReviewEvent, SuspiciousPassage
from gap.readiness import SEGMENTS, GroupReadiness, readiness
from gap.reuse import reuse_summary
from gap.roadmap import RoadmapPhase, build_roadmap

STATUS_ORDER = (FindingStatus.GAP, FindingStatus.INSUFFICIENT_EVIDENCE, FindingStatus.PARTIAL,
                FindingStatus.CONFORMANT, FindingStatus.NOT_APPLICABLE)
KIND = "ISO/IEC 42001:2023 gap analysis"


@dataclass
class ReportInput:
    organisation: str
    findings: list[Finding]
    systems: list[AISystem]
    issues: list[ScanIssue] = field(default_factory=list)
    requirements: Sequence[Any] = ()  # the catalogue, for groups, order and titles
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    changed_findings: list[str] = field(default_factory=list)  # drafts that read differently after the last run
    decisions_since: list[ReviewEvent] = field(default_factory=list)  # review events since the previous run
    inventory_diff: InventoryDiff | None = None
    shadow_trend: list[tuple[str, int]] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    @property
    def generated_at(self):  # type: ignore[no-untyped-def]
        return self.meta.generated_at

    def groups(self) -> list[GroupReadiness]:
        return readiness(self.findings, self.requirements) if self.requirements else []

    def phases(self) -> list[RoadmapPhase]:
        catalogue = _Catalogue(self.requirements) if self.requirements else None
        return build_roadmap(self.findings, catalogue).phases


class _Catalogue:
    """The requirements the report was given, looked up by id as `build_roadmap` expects."""

    def __init__(self, requirements: Sequence[Any]) -> None:
        self._by_id = {r.id: r for r in requirements}

    def get(self, requirement_id: str) -> Any:
        return self._by_id[requirement_id]


def _summary_lines(data: ReportInput) -> list[str]:
    statuses = Counter(f.status for f in data.findings)
    reviewed = sum(1 for f in data.findings if f.review.state.is_human_decision)
    offline = sum(1 for f in data.findings if f.drafted_by.offline)
    shadow = [s for s in data.systems if s.status.value == "shadow"]
    lines = [
        f"Generated {data.generated_at.isoformat()} by aims {data.meta.aims_version}. This is a draft for human review.",
        f"Requirements assessed: {len(data.findings)}; reviewed by a person: {reviewed}; "
        f"still drafts: {len(data.findings) - reviewed}.",
        "Findings: " + ", ".join(f"{statuses.get(s, 0)} {s.value}" for s in STATUS_ORDER) + ".",
        f"AI systems in the inventory: {len(data.systems)}, of which shadow: {len(shadow)}.",
        f"Review trail: {data.meta.trail_label()} (check it with `aims review verify --expect-head HASH`).",
    ]
    if offline:
        lines.append(f"{offline} finding(s) were drafted offline, without a language model, from retrieval "
                     "scores and the catalogue's guidance; treat them as a starting point.")
    if data.issues:
        lines.append(f"{len(data.issues)} source(s) could not be fully read; nothing is concluded about them.")
    reuse = reuse_summary(data.findings)
    if reuse["with_27001_counterpart"]:
        lines.append(f"ISO/IEC 27001 reuse: existing ISMS evidence carries over for {reuse['counted']} of "
                     f"{reuse['requirements']} requirements ({reuse['share']:.0%}); for {reuse['available']} more "
                     "an ISMS procedure exists that can be extended to AI.")
    untrusted = _untrusted(data.findings)
    if untrusted:
        lines.append(f"{len(untrusted)} passage(s) address an assessment tool or claim blanket conformance; "
                     "they were set aside as untrusted and never used as evidence (listed below).")
    return lines


def _untrusted(findings: list[Finding]) -> list[tuple[SuspiciousPassage, list[str]]]:
    """Each untrusted passage once, with the requirements whose retrieval met it."""
    seen: dict[str, tuple[SuspiciousPassage, list[str]]] = {}
    for f in findings:
        for p in f.suspicious_passages:
            seen.setdefault(p.chunk_id, (p, []))[1].append(f.requirement)
    return list(seen.values())


def _untrusted_markdown(data: ReportInput) -> list[str]:
    out: list[str] = []
    untrusted = _untrusted(data.findings)
    if untrusted:
        out += ["## Untrusted text set aside", "",
                "These passages address an assessment tool or a language model, or claim conformance to a "
                "standard as a whole. They are data, not evidence: no finding counts or cites them.", ""]
        for p, ids in untrusted:
            where = markdown_inline(p.document + (f" § {p.section}" if p.section else ""))
            out.append(f"- {where}: {markdown_inline(p.reason)} (met by {', '.join(ids[:8])}"
                       f"{' …' if len(ids) > 8 else ''}): “{markdown_inline(p.excerpt)}”")
        out.append("")
    return out


def _citations(finding: Finding) -> list[str]:
    return [f"{c.document}{' § ' + c.section if c.section else ''}{' p. ' + str(c.page) if c.page else ''}: "
            f"“{c.quote}”" for c in finding.citations]


def _review_line(f: Finding) -> str:
    r = f.review
    text = f"Review: {r.state.value}"
    if r.reviewer:
        text += f" by {r.reviewer}"
    if r.at:
        text += f" on {r.at.isoformat()}"
    if r.note:
        text += f"; note: {r.note}"
    return text + f"; drafted by {f.drafted_by.label()}"


def _change_lines(data: ReportInput) -> list[str]:
    lines = []
    if data.changed_findings:
        lines.append("Drafts that read differently after the last run: " + ", ".join(data.changed_findings) + ".")
    else:
        lines.append("No draft changed in the last run.")
    if data.decisions_since:
        who = Counter(e.actor for e in data.decisions_since)
        lines.append(f"{len(data.decisions_since)} review action(s) since the previous run, by "
                     + ", ".join(f"{name} ({n})" for name, n in who.most_common()) + ".")
    diff = data.inventory_diff
    if diff is None:
        lines.append("Inventory: fewer than two scans, nothing to compare.")
    elif diff.empty:
        lines.append(f"Inventory: no change between scans {diff.base} and {diff.head}.")
    else:
        lines += [f"Inventory, new: {s.name} ({s.status.value}, tier {s.risk_tier})" for s in diff.added]
        lines += [f"Inventory, gone: {s.name} ({s.status.value})" for s in diff.removed]
        lines += [f"Inventory, changed: {c.name}: " + ", ".join(sorted(c.changes)) for c in diff.changed]
    return lines


def _plan(item: Any) -> str:
    parts = []
    if item.owner:
        parts.append(f"owner {item.owner}")
    if item.due:
        parts.append(f"due {item.due.isoformat()}")
    return ", ".join(parts) or "no owner or due date set"


# -- Markdown -----------------------------------------------------------------------------------

def _md_bar(row: GroupReadiness, width: int = 20) -> str:
    total = row.total or 1
    return "".join(ch * round(width * row.counts[s] / total) for s, ch in
                   zip(SEGMENTS, ("█", "▓", "░", "▒", "·", " "))).ljust(width)


def report_markdown(data: ReportInput) -> str:
    md, block = markdown_inline, markdown_block
    out = [f"# {md(KIND)} — {md(data.organisation)}", ""]
    out += [f"- {md(line)}" for line in _summary_lines(data)] + [""]
    groups = data.groups()
    if groups:
        out += ["## Readiness by clause and Annex A group", "",
                "| Group | " + " | ".join(SEGMENTS) + " | Decided | |", "|---|" + "---|" * (len(SEGMENTS) + 2)]
        out += [f"| {md(g.group)} | " + " | ".join(str(g.counts[s]) for s in SEGMENTS)
                + f" | {g.decided}/{g.total} | `{_md_bar(g)}` |" for g in groups]
        out.append("")
    out += ["## What changed since the previous run", ""] + [f"- {md(line)}" for line in _change_lines(data)] + [""]
    out += ["## Roadmap of open gaps", ""]
    for number, phase in enumerate(data.phases(), start=1):
        out += [f"### {number}. {md(phase.name)} ({len(phase.items)})", ""]
        if not phase.items:
            out += ["Nothing open.", ""]
            continue
        for item in phase.items:
            out.append(f"- **{md(item.requirement)} {md(item.title)}** — {md(item.status)}; {md(_plan(item))}")
            out += [f"  - Action: {md(a)}" for a in item.actions]
        out.append("")
    out += ["## AI system inventory", "", "| System | Status | Risk | Owner | Providers | Models |", "|---|---|---|---|---|---|"]
    for s in sorted(data.systems, key=lambda s: (s.risk_tier, s.name)):
        out.append(f"| {md(s.name)} | {md(s.status.value)} | {s.risk_tier} | {md(s.owner or '')} | "
                   f"{md(', '.join(s.providers))} | {md(', '.join(s.models[:4]))} |")
    if data.triggers:
        out += ["", "## Reassessment triggers (clause 8.2)", "", "| Date | Rule | System | What changed |",
                "|---|---|---|---|"]
        out += [f"| {t.at.date() if t.at else ''} | {md(t.rule)} | {markdown_inline(t.system_name)} | "
                f"{markdown_inline(t.detail)} |" for t in data.triggers]
    if data.issues:
        out += ["", "## Sources not fully read", ""]
        out += [f"- {md(i.connector)} {md(i.target)}: {md(i.kind)}: {md(i.message)}" for i in data.issues]
    out += [""] + _untrusted_markdown(data)
    out += ["## Findings", ""]
    for status in STATUS_ORDER:
        group = [f for f in data.findings if f.status == status]
        if not group:
            continue
        out += [f"### {status.value} ({len(group)})", ""]
        for f in group:
            out += [f"#### {md(f.requirement)} {md(f.title)}", "", f"*{md(_review_line(f))}*", "", block(f.rationale), ""]
            out += [f"> {md(c)}" for c in _citations(f)]
            out += [f"- Evidence: {md(e.summary)} ({md(e.id)})" for e in f.technical_evidence]
            out += [f"- Action: {md(a)}" for a in f.actions]
            if f.owner or f.due:
                out.append(f"- Plan: {md(_plan(f))}")
            out.append("")
    out += ["## Review trail", "", f"- {md(data.meta.trail_label())}", f"- {md(data.meta.summary())}", ""]
    return "\n".join(out)


# -- HTML ---------------------------------------------------------------------------------------

_STYLE = ("body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
          "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}"
          ".gap{color:#b00}.partial{color:#b60}.conformant{color:#070}.insufficient-evidence{color:#666}"
          "blockquote{margin:.3em 0 .3em 1em;color:#333;border-left:3px solid #ccc;padding-left:.6em}"
          "details{margin:.4em 0}.muted{color:#666}svg{max-width:100%;height:auto}")


def report_html(data: ReportInput) -> str:
    e = html.escape
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{e(KIND)} — {e(data.organisation)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{e(KIND)} — {e(data.organisation)}</h1><ul>"]
    parts += [f"<li>{e(line)}</li>" for line in _summary_lines(data)]
    parts.append("</ul>")
    groups = data.groups()
    if groups:
        parts.append("<h2 id='readiness'>Readiness by clause and Annex A group</h2>")
        parts.append(readiness_bars([g for g in groups if g.kind == "clause"], title="Clauses 4–10"))
        parts.append(readiness_bars([g for g in groups if g.kind != "clause"], title="Annex A controls"))
        if data.shadow_trend:
            parts.append(trend_line(data.shadow_trend, title="Shadow AI across scans"))
        parts.append("<table><tr><th>Group</th>" + "".join(f"<th>{e(s)}</th>" for s in SEGMENTS)
                     + "<th>Decided</th></tr>")
        parts += [f"<tr><td>{e(g.group)}</td>" + "".join(f"<td>{g.counts[s]}</td>" for s in SEGMENTS)
                  + f"<td>{g.decided}/{g.total}</td></tr>" for g in groups]
        parts.append("</table>")
    parts.append("<h2 id='changes'>What changed since the previous run</h2><ul>")
    parts += [f"<li>{e(line)}</li>" for line in _change_lines(data)]
    parts.append("</ul><h2 id='roadmap'>Roadmap of open gaps</h2>")
    for number, phase in enumerate(data.phases(), start=1):
        parts.append(f"<h3>{number}. {e(phase.name)} ({len(phase.items)})</h3>")
        if not phase.items:
            parts.append("<p class='muted'>Nothing open.</p>")
            continue
        parts.append("<table><tr><th>Requirement</th><th>Status</th><th>Actions</th><th>Owner</th><th>Due</th></tr>")
        parts += [f"<tr><td>{e(i.requirement)} {e(i.title)}</td><td>{e(i.status)}</td>"
                  f"<td>{'<br>'.join(e(a) for a in i.actions)}</td><td>{e(i.owner or '')}</td>"
                  f"<td>{i.due.isoformat() if i.due else ''}</td></tr>" for i in phase.items]
        parts.append("</table>")
    parts.append("<h2>AI system inventory</h2><table><tr><th>System</th><th>Status</th><th>Risk</th><th>Owner</th>"
                 "<th>Providers</th><th>Models</th><th>Why</th></tr>")
    for s in sorted(data.systems, key=lambda s: (s.risk_tier, s.name)):
        parts.append(f"<tr><td>{e(s.name)}</td><td>{e(s.status.value)}</td><td>{s.risk_tier}</td>"
                     f"<td>{e(s.owner or '')}</td><td>{e(', '.join(s.providers))}</td>"
                     f"<td>{e(', '.join(s.models[:4]))}</td><td>{e(s.risk_reason)}</td></tr>")
    parts.append("</table>")
    if data.triggers:
        parts.append("<h2>Reassessment triggers (clause 8.2)</h2><table><tr><th>Date</th><th>Rule</th>"
                     "<th>System</th><th>What changed</th></tr>")
        parts += [f"<tr><td>{t.at.date() if t.at else ''}</td><td>{e(t.rule)}</td><td>{e(t.system_name)}</td>"
                  f"<td>{e(t.detail)}</td></tr>" for t in data.triggers]
        parts.append("</table>")
    if data.issues:
        parts.append("<h2>Sources not fully read</h2><ul>")
        parts += [f"<li>{e(i.connector)} <code>{e(i.target)}</code>: {e(i.kind)}: {e(i.message)}</li>" for i in data.issues]
        parts.append("</ul>")
    untrusted = _untrusted(data.findings)
    if untrusted:
        parts.append("<h2>Untrusted text set aside</h2><p>These passages address an assessment tool or a language "
                     "model, or claim conformance to a standard as a whole. No finding counts or cites them.</p><ul>")
        parts += [f"<li>{e(p.document)}{' § ' + e(p.section) if p.section else ''}: {e(p.reason)} "
                  f"(met by {e(', '.join(ids[:8]))}): “{e(p.excerpt)}”</li>" for p, ids in untrusted]
        parts.append("</ul>")
    parts.append("<h2>Findings</h2>")
    for f in sorted(data.findings, key=lambda f: STATUS_ORDER.index(f.status)):
        parts.append(f"<details><summary><b>{e(f.requirement)}</b> {e(f.title)} — "
                     f"<span class='{e(f.status.value)}'>{e(f.status.value)}</span> "
                     f"(review: {e(f.review.state.value)})</summary>")
        parts.append(f"<p>{e(f.rationale)}</p><p><small>{e(_review_line(f))}</small></p>")
        parts += [f"<blockquote>{e(c)}</blockquote>" for c in _citations(f)]
        if f.technical_evidence or f.actions or f.owner or f.due:
            parts.append("<ul>")
            parts += [f"<li>Evidence: {e(x.summary)} (<code>{e(x.id)}</code>)</li>" for x in f.technical_evidence]
            parts += [f"<li>Action: {e(a)}</li>" for a in f.actions]
            if f.owner or f.due:
                parts.append(f"<li>Plan: {e(_plan(f))}</li>")
            parts.append("</ul>")
        parts.append("</details>")
    parts.append(f"<h2 id='trail'>Review trail</h2><p>{e(data.meta.trail_label())}</p>"
                 f"<p class='muted'>{e(data.meta.summary())}</p></body></html>")
    return "\n".join(parts)
