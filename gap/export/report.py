"""The gap-analysis report in Markdown or HTML: inventory summary, findings, citations, coverage."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from discovery.models import AISystem, ScanIssue
from discovery.safe_text import markdown_inline
from discovery.triggers import Trigger
from gap.models import Finding, FindingStatus

STATUS_ORDER = (FindingStatus.GAP, FindingStatus.INSUFFICIENT_EVIDENCE, FindingStatus.PARTIAL,
                FindingStatus.CONFORMANT, FindingStatus.NOT_APPLICABLE)


@dataclass
class ReportInput:
    organisation: str
    findings: list[Finding]
    systems: list[AISystem]
    issues: list[ScanIssue] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))


def _summary_lines(data: ReportInput) -> list[str]:
    statuses = Counter(f.status for f in data.findings)
    reviewed = sum(1 for f in data.findings if f.review.state.is_human_decision)
    offline = sum(1 for f in data.findings if f.drafted_by.offline)
    shadow = [s for s in data.systems if s.status.value == "shadow"]
    lines = [
        f"Generated {data.generated_at.isoformat()} by aims. This is a draft for human review.",
        f"Requirements assessed: {len(data.findings)}; reviewed by a person: {reviewed}; "
        f"still drafts: {len(data.findings) - reviewed}.",
        "Findings: " + ", ".join(f"{statuses.get(s, 0)} {s.value}" for s in STATUS_ORDER) + ".",
        f"AI systems in the inventory: {len(data.systems)}, of which shadow: {len(shadow)}.",
    ]
    if offline:
        lines.append(f"{offline} finding(s) were drafted offline, without a language model, from retrieval "
                     "scores and the catalogue's guidance; treat them as a starting point.")
    if data.issues:
        lines.append(f"{len(data.issues)} source(s) could not be fully read; nothing is concluded about them.")
    return lines


def _citation_label(finding: Finding) -> list[str]:
    return [f"{c.document}{' § ' + c.section if c.section else ''}{' p. ' + str(c.page) if c.page else ''}: "
            f"“{c.quote}”" for c in finding.citations]


def report_markdown(data: ReportInput) -> str:
    out = [f"# ISO/IEC 42001:2023 gap analysis — {data.organisation}", ""]
    out += [f"- {line}" for line in _summary_lines(data)] + [""]
    out += ["## AI system inventory", "", "| System | Status | Risk | Providers | Models |", "|---|---|---|---|---|"]
    for s in sorted(data.systems, key=lambda s: (s.risk_tier, s.name)):
        out.append(f"| {s.name} | {s.status.value} | {s.risk_tier} | {', '.join(s.providers)} | {', '.join(s.models[:4])} |")
    if data.triggers:
        out += ["", "## Reassessment triggers (clause 8.2)", "", "| Date | Rule | System | What changed |",
                "|---|---|---|---|"]
        out += [f"| {t.at.date() if t.at else ''} | {t.rule} | {markdown_inline(t.system_name)} | "
                f"{markdown_inline(t.detail)} |" for t in data.triggers]
    if data.issues:
        out += ["", "## Sources not fully read", ""]
        out += [f"- {i.connector} `{i.target}`: {i.kind}: {i.message}" for i in data.issues]
    out += ["", "## Findings", ""]
    for status in STATUS_ORDER:
        group = [f for f in data.findings if f.status == status]
        if not group:
            continue
        out += [f"### {status.value} ({len(group)})", ""]
        for f in group:
            out += [f"#### {f.requirement} {f.title}", "",
                    f"*Review: {f.review.state.value}{' by ' + f.review.reviewer if f.review.reviewer else ''}; "
                    f"drafted by {f.drafted_by.label()}*", "", f.rationale, ""]
            out += [f"> {c}" for c in _citation_label(f)]
            out += [f"- Evidence: {e.summary} (`{e.id}`)" for e in f.technical_evidence]
            out += [f"- Action: {a}" for a in f.actions]
            out.append("")
    return "\n".join(out) + "\n"


def report_html(data: ReportInput) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>ISO/IEC 42001 gap analysis — {e(data.organisation)}</title>",
        "<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left}"
        ".gap{color:#b00}.partial{color:#b60}.conformant{color:#070}.insufficient-evidence{color:#666}"
        "blockquote{margin:.3em 0 .3em 1em;color:#333;border-left:3px solid #ccc;padding-left:.6em}"
        "details{margin:.4em 0}</style></head><body>",
        f"<h1>ISO/IEC 42001:2023 gap analysis — {e(data.organisation)}</h1><ul>",
    ]
    parts += [f"<li>{e(line)}</li>" for line in _summary_lines(data)]
    parts.append("</ul><h2>AI system inventory</h2><table><tr><th>System</th><th>Status</th><th>Risk</th>"
                 "<th>Providers</th><th>Models</th><th>Why</th></tr>")
    for s in sorted(data.systems, key=lambda s: (s.risk_tier, s.name)):
        parts.append(f"<tr><td>{e(s.name)}</td><td>{e(s.status.value)}</td><td>{s.risk_tier}</td>"
                     f"<td>{e(', '.join(s.providers))}</td><td>{e(', '.join(s.models[:4]))}</td>"
                     f"<td>{e(s.risk_reason)}</td></tr>")
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
    parts.append("<h2>Findings</h2>")
    for f in sorted(data.findings, key=lambda f: STATUS_ORDER.index(f.status)):
        parts.append(f"<details><summary><b>{e(f.requirement)}</b> {e(f.title)} — "
                     f"<span class='{e(f.status.value)}'>{e(f.status.value)}</span> "
                     f"(review: {e(f.review.state.value)})</summary>")
        parts.append(f"<p>{e(f.rationale)}</p><p><small>Drafted by {e(f.drafted_by.label())}</small></p>")
        parts += [f"<blockquote>{e(c)}</blockquote>" for c in _citation_label(f)]
        if f.technical_evidence or f.actions:
            parts.append("<ul>")
            parts += [f"<li>Evidence: {e(x.summary)} (<code>{e(x.id)}</code>)</li>" for x in f.technical_evidence]
            parts += [f"<li>Action: {e(a)}</li>" for a in f.actions]
            parts.append("</ul>")
        parts.append("</details>")
    parts.append("</body></html>")
    return "\n".join(parts)
