"""AISIA prose drafted by a chat model, with the findings' structural checks (pure but for the
model call): facts reach the model under opaque ids (F1..Fn), escaped inside
`<untrusted_fact>` elements; every section must cite given ids with verbatim quotes; an invalid
answer gets one retry with the reasons, then the sections stay marked for a person.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from discovery.models import AISystem
from gap.aisia import ImpactAssessment
from prompts.loader import PromptTemplate, load_prompt

LLM_SECTIONS = ("misuse", "consequences", "residual")
MAX_SECTION_CHARS = 2000


class FactCitation(BaseModel):
    id: str
    quote: str


class SectionDraft(BaseModel):
    key: str
    text: str
    citations: list[FactCitation] = Field(default_factory=list)


class AssessmentDraftOutput(BaseModel):
    system_id: str
    sections: list[SectionDraft]


def assessment_facts(system: AISystem, assessment: ImpactAssessment) -> list[str]:
    """The facts the model may cite: register fields, evidence, tiers, links, controls."""
    facts = [f"System {system.name}; status {system.status.value} ({system.status_reason})",
             f"Risk tier {system.risk_tier}: {system.risk_reason}"]
    for label, value in (("Purpose", system.purpose), ("Intended users", system.intended_users),
                         ("Affected parties", system.affected_parties)):
        if value:
            facts.append(f"{label}: {value}")
    if system.data_categories:
        facts.append("Declared data categories: " + ", ".join(system.data_categories))
    facts += [f"Evidence suggests {k} data: {v}" for k, v in system.evidence_data_categories.items()]
    facts.append("Automated decisions about people: " + ("yes" if system.automated_decisions else "not declared"))
    facts += [f"Link ({link.kind}): {link.reason}" for link in system.links[:10]]
    facts += [f"Flag: {flag}" for flag in system.flags]
    if system.identities:
        facts.append(f"Observed population: {len(system.identities)} identities")
    for key in ("controls", "decisions"):
        facts.append(f"{assessment.section(key).title}: {assessment.section(key).text}")
    return facts


def render_facts(facts: Sequence[str]) -> tuple[str, dict[str, str]]:
    by_id = {f"F{n}": fact for n, fact in enumerate(facts, start=1)}
    text = "\n".join(f'<untrusted_fact id="{fid}">{html.escape(fact, quote=False)}</untrusted_fact>'
                     for fid, fact in by_id.items())
    return text, by_id


def check_sections(output: AssessmentDraftOutput, system_id: str, by_id: dict[str, str],
                   wanted: Sequence[str]) -> list[str]:
    errors = []
    if output.system_id != system_id:
        errors.append(f"system_id must be {system_id!r}, not {output.system_id!r}")
    got = {s.key for s in output.sections}
    if set(wanted) - got:
        errors.append(f"missing section(s): {', '.join(sorted(set(wanted) - got))}")
    for section in output.sections:
        if section.key not in wanted:
            errors.append(f"section {section.key!r} was not asked for")
            continue
        if not section.text.strip() or len(section.text) > MAX_SECTION_CHARS:
            errors.append(f"section {section.key}: text must be 1 to {MAX_SECTION_CHARS} characters")
        if not section.citations:
            errors.append(f"section {section.key}: cite at least one fact")
        for citation in section.citations:
            fact = by_id.get(citation.id)
            if fact is None:
                errors.append(f"section {section.key}: {citation.id} is not a fact id you were given")
            elif not citation.quote.strip() or html.unescape(citation.quote) not in fact:
                errors.append(f"section {section.key}: the quote for {citation.id} is not verbatim from that fact")
    return errors


class AssessmentLLMDrafter:
    """Fills the prose sections of an offline draft with a chat model (`chat_model` is any
    langchain chat model; the CLI builds ChatOpenAI the way the findings drafter does)."""

    def __init__(self, chat_model: Any, model_name: str, prompt: PromptTemplate | None = None) -> None:
        self.chat_model = chat_model
        self.model_name = model_name
        self.prompt = prompt or load_prompt("aisia_draft")
        self.calls = 0

    def draft(self, system: AISystem, assessment: ImpactAssessment) -> tuple[ImpactAssessment, list[str]]:
        """The assessment with validated sections filled in, and the problems if none were valid."""
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        facts_text, by_id = render_facts(assessment_facts(system, assessment))
        wanted = [k for k in LLM_SECTIONS if assessment.section(k).needs_human]
        if not wanted:
            return assessment, []
        user = self.prompt.render(system_id=system.id, system_name=system.name, section_keys=", ".join(wanted),
                                  fact_ids=", ".join(by_id), facts=facts_text)
        messages: list[Any] = [SystemMessage(content=self.prompt.system), HumanMessage(content=user)]
        structured = self.chat_model.with_structured_output(AssessmentDraftOutput, method="json_schema",
                                                            include_raw=True)
        problems: list[str] = []
        for attempt in range(2):
            self.calls += 1
            try:
                result = structured.invoke(messages)
                parsed = result.get("parsed") if isinstance(result, dict) else result
                error = result.get("parsing_error") if isinstance(result, dict) else None
                output = None if error or parsed is None else AssessmentDraftOutput.model_validate(
                    parsed if isinstance(parsed, dict) else parsed.model_dump())
            except ValueError as exc:
                output, error = None, exc
            problems = [f"the answer could not be parsed: {error}"] if output is None else check_sections(
                output, system.id, by_id, wanted)
            if output is not None and not problems:
                return self._apply(assessment, output, by_id), []
            if attempt == 0:
                answer = output.model_dump_json() if output is not None else "(no valid structured answer)"
                messages += [AIMessage(content=answer), HumanMessage(
                    content="Your answer was rejected:\n" + "\n".join(f"- {p}" for p in problems)
                    + f"\nAnswer again for system {system.id}, citing only {', '.join(by_id)} with verbatim quotes.")]
        return assessment, problems

    def _apply(self, assessment: ImpactAssessment, output: AssessmentDraftOutput,
               by_id: dict[str, str]) -> ImpactAssessment:
        updated = assessment.model_copy(deep=True)
        drafted = {s.key: s for s in output.sections}
        for section in updated.sections:
            if section.key in drafted:
                draft = drafted[section.key]
                sources = "; ".join(f"{c.id}: \u201c{html.unescape(c.quote)}\u201d" for c in draft.citations)
                section.text = f"{draft.text.strip()}\n\nSources: {sources}"
                section.source = f"llm:{self.model_name}"
                section.needs_human = False
        updated.drafted_by = f"{self.model_name} ({self.prompt.ref}); prose checked against cited facts"
        return updated
