"""AI system impact assessments (AISIA; ISO/IEC 42001 6.1.4, A.5.2–A.5.5), drafted offline (pure).

The offline draft fills every section it can from the register entry and the evidence, and
marks each section a person must write (foreseeable misuse, residual risk …) as such. It is
reviewed like a finding (accept / edit / reject on the same hash-chained trail) and exported
as Markdown or DOCX.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from discovery.models import AISystem
from gap.models import Review

HUMAN = "TO BE WRITTEN BY THE SYSTEM OWNER"
#: How long an accepted assessment stays current, by tier (1 = highest impact).
REVIEW_MONTHS = {1: 6, 2: 12, 3: 24}


class AssessmentSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    title: str
    text: str
    source: str  # register | evidence | human
    needs_human: bool = False


class ImpactAssessment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: str
    system_name: str
    risk_tier: int
    drafted_by: str = "offline"
    drafted_on: date
    review_by: date
    sections: list[AssessmentSection]
    evidence_hash: str
    review: Review = Field(default_factory=Review)
    pending_draft: dict[str, Any] | None = None

    def section(self, key: str) -> AssessmentSection:
        return next(s for s in self.sections if s.key == key)

    @property
    def open_sections(self) -> list[str]:
        return [s.key for s in self.sections if s.needs_human]


def _join(values: Sequence[str]) -> str:
    return ", ".join(values) if values else ""


def _controls_text(controls: Sequence[dict[str, Any]]) -> tuple[str, bool]:
    if not controls:
        return "No cloud control evidence was collected for this system (no AWS scan, or none in its accounts).", True
    lines = []
    for control in sorted(controls, key=lambda c: (str(c.get("kind")), str(c.get("account")), str(c.get("region")))):
        where = "/".join(str(control.get(k)) for k in ("account", "region") if control.get(k))
        detail = f": {control['detail']}" if control.get("detail") else ""
        lines.append(f"- {control.get('kind')} is {control.get('status')} in {where}{detail}")
    return "\n".join(lines), False


def draft_assessment(system: AISystem, controls: Sequence[dict[str, Any]], today: date,
                     trigger_rules: Sequence[str] = ()) -> ImpactAssessment:
    """An offline draft: facts from the register and evidence; the rest marked for a human."""
    accounts = system_accounts(system)
    relevant = [c for c in controls if not accounts or c.get("account") in accounts]
    controls_text, controls_missing = _controls_text(relevant)
    data = _join(system.data_categories) or _join(list(system.evidence_data_categories))
    data_source = "register" if system.data_categories else "evidence"
    evidence_note = "; ".join(f"{k}: {v}" for k, v in system.evidence_data_categories.items())
    consequences = "; ".join(system.risk_reason.split("; ")) if system.risk_rules else ""
    sections = [
        AssessmentSection(key="purpose", title="Purpose and intended use",
                          text=system.purpose or HUMAN, source="register" if system.purpose else "human",
                          needs_human=not system.purpose),
        AssessmentSection(key="affected", title="Affected individuals and groups",
                          text="; ".join(p for p in (
                              f"Intended users: {system.intended_users}" if system.intended_users else "",
                              f"Affected parties: {system.affected_parties}" if system.affected_parties else "",
                              f"Observed population: {len(system.identities)} identities" if system.identities else "",
                          ) if p) or HUMAN,
                          source="register" if system.affected_parties else "human",
                          needs_human=not system.affected_parties),
        AssessmentSection(key="data", title="Data categories",
                          text=(data + (f" (evidence: {evidence_note})" if evidence_note else "")) if data else
                          "No sensitive data category is declared or evidenced; confirm.",
                          source=data_source, needs_human=not data),
        AssessmentSection(key="decisions", title="Decisions and autonomy",
                          text=("Makes or supports automated decisions about people." if system.automated_decisions
                                else "No automated decisions about people are declared.")
                          + (f" Frameworks: {_join(system.frameworks)}." if system.frameworks else ""),
                          source="register"),
        AssessmentSection(key="misuse", title="Reasonably foreseeable misuse", text=HUMAN, source="human",
                          needs_human=True),
        AssessmentSection(key="consequences", title="Potential consequences for individuals and society",
                          text=(f"Risk tier {system.risk_tier}; rules that fired: {consequences}. " if consequences else "")
                          + HUMAN, source="human", needs_human=True),
        AssessmentSection(key="controls", title="Existing controls", text=controls_text, source="evidence",
                          needs_human=controls_missing),
        AssessmentSection(key="residual", title="Residual risk and acceptance", text=HUMAN, source="human",
                          needs_human=True),
        AssessmentSection(key="triggers", title="Reassessment triggers (clause 8.2)",
                          text="Reassess when: " + (_join(list(trigger_rules)) or "any trigger rule fires")
                          + f"; and in any case by {_review_by(system, today).isoformat()}.", source="evidence"),
    ]
    if system.flags:
        sections.append(AssessmentSection(key="flags", title="Declared-vs-evidence mismatches",
                                          text="\n".join(f"- {f}" for f in system.flags), source="evidence",
                                          needs_human=True))
    basis = json.dumps([system.id, system.risk_tier, system.data_categories, sorted(system.evidence_data_categories),
                        system.purpose, system.affected_parties, controls_text], sort_keys=True)
    return ImpactAssessment(system_id=system.id, system_name=system.name, risk_tier=system.risk_tier,
                            drafted_on=today, review_by=_review_by(system, today), sections=sections,
                            evidence_hash=hashlib.sha256(basis.encode()).hexdigest()[:16])


def system_accounts(system: AISystem) -> set[str]:
    """The cloud accounts a system's sightings are in (from ARNs and account/region scopes)."""
    accounts: set[str] = set()
    for scope in system.scopes:
        if scope.startswith("arn:"):
            parts = scope.split(":")
            if len(parts) > 4 and parts[4]:
                accounts.add(parts[4])
        elif scope[:12].isdigit():
            accounts.add(scope.split("/", 1)[0])
    return accounts


def _review_by(system: AISystem, today: date) -> date:
    return today + timedelta(days=30 * REVIEW_MONTHS.get(system.risk_tier, 12))


def assessment_markdown(assessment: ImpactAssessment) -> str:
    from discovery.safe_text import markdown_block, markdown_inline

    review = assessment.review
    lines = [f"# AI system impact assessment: {markdown_inline(assessment.system_name)}", "",
             f"- System id: `{assessment.system_id}`", f"- Risk tier: {assessment.risk_tier}",
             f"- Drafted: {assessment.drafted_on.isoformat()} by {assessment.drafted_by} (offline drafts fill facts "
             "only; sections marked for the owner must be written by a person)",
             f"- Review by: {assessment.review_by.isoformat()}",
             f"- Review state: {review.state.value}" + (f" by {markdown_inline(review.reviewer)}" if review.reviewer else ""),
             ""]
    for section in assessment.sections:
        marker = " (needs a person)" if section.needs_human else ""
        lines += [f"## {section.title}{marker}", "", markdown_block(section.text), "", f"*Source: {section.source}*", ""]
    return "\n".join(lines)


def assessment_docx(assessment: ImpactAssessment) -> bytes:
    import io

    from docx import Document

    document = Document()
    document.add_heading(f"AI system impact assessment: {assessment.system_name}", level=1)
    for label, value in (("System id", assessment.system_id), ("Risk tier", str(assessment.risk_tier)),
                         ("Drafted", f"{assessment.drafted_on.isoformat()} by {assessment.drafted_by}"),
                         ("Review by", assessment.review_by.isoformat()),
                         ("Review state", assessment.review.state.value)):
        document.add_paragraph(f"{label}: {value}")
    for section in assessment.sections:
        document.add_heading(section.title + (" (needs a person)" if section.needs_human else ""), level=2)
        for paragraph in section.text.split("\n"):
            document.add_paragraph(paragraph)
        document.add_paragraph(f"Source: {section.source}").italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
