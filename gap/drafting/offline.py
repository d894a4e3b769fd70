"""The offline assessor: a finding from the catalogue's evidence criteria, with no language model.

For one requirement it reads each retrieved passage sentence by sentence and
asks, per element an auditor looks for (gap/data/criteria.yaml), whether some
sentence evidences it. Then:

- conformant: every element is evidenced; partial: the mechanism itself (the
  first element) or at least two elements; gap: otherwise;
- scope ``ai``: only a sentence that concerns AI (itself or through its section
  heading) counts, however close the wording: a privacy impact assessment is
  not an AI system impact assessment;
- scope ``management-system``: the ISMS procedure for the same mechanism counts
  and the finding says it is reused ISMS evidence, naming the ISO/IEC 27001
  clause from the crosswalk; it is conformant only once some evidence extends
  the mechanism to AI;
- passages flagged as untrusted (rag.untrusted) are never read as evidence.

Quotes are whole sentences of the chunk text, so they are verbatim by
construction. Each finding lists the elements found and missing; the missing
ones become its actions. Every draft says it was made without a language model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gap.criteria import EvidenceCriteria, EvidenceElement, Scope, criteria_from_keywords
from gap.drafting.base import OFFLINE_DRAFTER, DraftRequest
from gap.drafting.text import evidence_units, has_placeholder, quotable, speaks_of_ai
from gap.models import Citation, Drafter, Finding, FindingStatus, IsmsReuse, ReuseState
from gap.verify import citation_for_span
from rag.models import Passage


@dataclass(frozen=True)
class Thresholds:
    """Knobs of the assessor (kept few on purpose: the criteria data carries the judgement)."""

    #: Citations kept per finding (one per element found, best first).
    max_citations: int = 5


@dataclass(frozen=True)
class Hit:
    """A sentence of a passage that evidences an element."""

    element: EvidenceElement
    passage: Passage
    start: int
    end: int
    #: The sentence, its section or its document concerns AI systems.
    ai: bool
    #: The sentence is an unfilled template field: it shows the form exists, not that the work is done.
    template: bool = False


@dataclass
class Decision:
    """The status the evidence supports, and what it rests on."""

    status: FindingStatus
    criteria: EvidenceCriteria
    #: Element id -> the hit that counts for it (the best one).
    found: dict[str, Hit]
    missing: list[EvidenceElement]
    #: Hits in passages that do not concern AI, for an AI-scoped requirement: not evidence.
    set_aside: dict[str, Hit] = field(default_factory=dict)
    reuse: IsmsReuse | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def counted_from_isms(self) -> bool:
        return any(not h.ai for h in self.found.values())

    @property
    def any_ai(self) -> bool:
        return any(h.ai for h in self.found.values())


def criteria_of(request: DraftRequest) -> EvidenceCriteria:
    requirement = request.requirement
    criteria = getattr(requirement, "criteria", None)
    if isinstance(criteria, EvidenceCriteria):
        return criteria
    return criteria_from_keywords(list(requirement.keywords), requirement.ai_specific, requirement.title)


def _hits(
    passages: list[Passage], criteria: EvidenceCriteria, ai_documents: frozenset[str], templates: frozenset[str]
) -> list[Hit]:
    hits: list[Hit] = []
    for passage in sorted(passages, key=lambda p: p.rank):
        section_ai = passage.document_id in ai_documents or speaks_of_ai(passage.section or "")
        for start, end in evidence_units(passage.text):
            sentence = passage.text[start:end]
            matched = [e for e in criteria.elements if e.matches(sentence)]
            if matched:
                ai = section_ai or speaks_of_ai(sentence)
                template = passage.document_id in templates or has_placeholder(sentence)
                hits.extend(Hit(e, passage, start, end, ai, template) for e in matched)
    return hits


def _iso_refs(request: DraftRequest) -> tuple[list[str], str]:
    refs = getattr(request.requirement, "iso27001_refs", None)
    found = refs() if callable(refs) else []
    if not found:
        return [], ""
    order = {"equivalent": 0, "related": 1, "partial": 2}
    best = min((str(r.relationship.value) for r in found), key=lambda v: order.get(v, 3))
    return [r.ref for r in found], best


def decide(request: DraftRequest, t: Thresholds | None = None) -> Decision:
    """Pure and cheap: which elements the passages evidence, and the status that follows."""
    t = t or Thresholds()
    criteria = criteria_of(request)
    passages = request.evidence_passages
    counted: dict[str, Hit] = {}
    set_aside: dict[str, Hit] = {}
    for hit in _hits(passages, criteria, request.ai_documents, request.template_documents):
        eid = hit.element.id
        if criteria.scope is Scope.AI and not hit.ai:
            set_aside.setdefault(eid, hit)
            continue
        # An AI-concerning hit beats a generic one (it shows the mechanism extends to AI), and a
        # filled-in statement beats a template field.
        if eid not in counted or (hit.ai, not hit.template) > (counted[eid].ai, not counted[eid].template):
            counted[eid] = hit
    elements = list(criteria.elements)
    missing = [e for e in elements if e.id not in counted]
    core = elements[0].id

    if not request.passages and not request.suspicious:
        status = FindingStatus.INSUFFICIENT_EVIDENCE
    elif not missing:
        status = FindingStatus.CONFORMANT
    elif core in counted:
        status = FindingStatus.PARTIAL
    else:
        # Without the mechanism itself, matches of its details are incidental wording.
        status = FindingStatus.GAP
    decision = Decision(status, criteria, counted, missing, set_aside)

    if status is FindingStatus.CONFORMANT and criteria.scope is Scope.MANAGEMENT_SYSTEM and decision.counted_from_isms:
        decision.status = FindingStatus.PARTIAL
        decision.notes.append(
            "Every element is evidenced, but some only by information-security (ISMS) documents: nothing yet "
            "shows that those parts of the mechanism extend to AI systems and the AI management system."
        )
    if decision.status is FindingStatus.CONFORMANT and any(h.template for h in counted.values()):
        decision.status = FindingStatus.PARTIAL
        templated = [h.element.label for h in counted.values() if h.template]
        decision.notes.append(
            f"Some elements are shown only by unfilled template fields ({_join(templated)}): the form exists, "
            "but nothing shows it has been completed."
        )
    if decision.status is FindingStatus.CONFORMANT and request.concerns:
        decision.status = FindingStatus.PARTIAL
        decision.notes.append("The documents address it, but discovery found facts that weigh against it (below).")

    refs, relationship = _iso_refs(request)
    if refs:
        if criteria.scope is Scope.MANAGEMENT_SYSTEM and decision.counted_from_isms:
            state = ReuseState.COUNTED
            docs = [h.passage.document for h in counted.values() if not h.ai]
        elif criteria.scope is Scope.AI and core in set_aside:
            state = ReuseState.AVAILABLE
            docs = [h.passage.document for h in set_aside.values()]
        else:
            state, docs = ReuseState.NOT_FOUND, []
        decision.reuse = IsmsReuse(
            iso27001=refs, relationship=relationship, state=state, documents=list(dict.fromkeys(docs))
        )
    return decision


def _where(item: Citation | Passage) -> str:
    label = item.document
    if item.section:
        label += f" § {item.section.split(' > ')[-1]}"
    if item.page:
        label += f" p. {item.page}"
    return label


def _join(items: list[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else "; ".join(items[:-1]) + " and " + items[-1]


class OfflineDrafter:
    """No LLM: the catalogue's evidence criteria, read sentence by sentence."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    @property
    def label(self) -> Drafter:
        return OFFLINE_DRAFTER

    def draft(self, request: DraftRequest) -> Finding:
        requirement = request.requirement
        decision = decide(request, self.thresholds)
        citations = self._citations(decision)
        return Finding(
            requirement=requirement.id,
            title=requirement.title,
            status=decision.status,
            rationale=self._rationale(request, decision),
            citations=citations,
            technical_evidence=list(request.technical_evidence),
            actions=self._actions(request, decision),
            confidence=self._confidence(decision),
            drafted_by=self.label,
            evidence_hash=request.evidence_hash(self.label),
            elements_found=[e.label for e in decision.criteria.elements if e.id in decision.found],
            elements_missing=[e.label for e in decision.missing],
            isms_reuse=decision.reuse,
        )

    def _citations(self, decision: Decision) -> list[Citation]:
        if decision.status in (FindingStatus.GAP, FindingStatus.INSUFFICIENT_EVIDENCE):
            return []
        citations: list[Citation] = []
        seen: set[tuple[str, int]] = set()
        # AI-concerning hits first: they show the AI management system is covered.
        ordered = sorted(decision.found.values(), key=lambda h: (not h.ai, h.template, h.passage.rank, h.start))
        for hit in ordered:
            if (hit.passage.id, hit.start) in seen:
                continue
            seen.add((hit.passage.id, hit.start))
            citations.append(citation_for_span(hit.passage, *quotable(hit.passage.text, hit.start, hit.end)))
            if len(citations) == self.thresholds.max_citations:
                break
        return citations

    @staticmethod
    def _confidence(decision: Decision) -> str:
        if decision.status is FindingStatus.INSUFFICIENT_EVIDENCE:
            return "low"
        if decision.status is FindingStatus.GAP:
            return "low" if decision.found or decision.set_aside else "medium"
        share = len(decision.found) / len(decision.criteria.elements)
        return "medium" if share >= 0.5 else "low"

    def _rationale(self, request: DraftRequest, decision: Decision) -> str:
        requirement = request.requirement
        criteria = decision.criteria
        parts = [
            "Drafted offline without a language model, by checking the catalogue's evidence criteria "
            "against the policy passages; a reviewer must confirm it."
        ]
        if request.fallback_reason:
            parts.append(f"A language model was requested, but {request.fallback_reason}; this draft was made offline instead.")
        looked_for = _join([e.label for e in criteria.elements])
        parts.append(f"For {requirement.id} an auditor looks for {criteria.mechanism}: {looked_for}.")
        if decision.status is FindingStatus.INSUFFICIENT_EVIDENCE:
            parts.append("No policy passages were available to assess, so the documents could not be checked.")
        found = [f"{h.element.label} ({_where(h.passage)})" for h in decision.found.values()]
        if found:
            parts.append(f"Found: {_join(found)}.")
        if decision.missing and decision.status is not FindingStatus.INSUFFICIENT_EVIDENCE:
            parts.append(f"Not found: {_join([e.label for e in decision.missing])}.")
        if criteria.scope is Scope.AI and decision.set_aside:
            where = _join(list(dict.fromkeys(_where(h.passage) for h in decision.set_aside.values())))
            parts.append(
                f"Passages that address the mechanism without concerning AI systems ({where}) were not counted: "
                "this requirement is about AI systems."
            )
        reuse = decision.reuse
        if reuse is not None and reuse.state is ReuseState.COUNTED:
            parts.append(
                f"Reused ISMS evidence: the organisation's information-security procedure for {criteria.mechanism} "
                f"(ISO/IEC 27001:2022 {', '.join(reuse.iso27001)}, {reuse.relationship}) carries over"
                + (" and is extended to AI." if decision.any_ai else "; it does not yet mention AI.")
            )
        elif reuse is not None and reuse.state is ReuseState.AVAILABLE:
            parts.append(
                f"An ISMS procedure for the ISO/IEC 27001:2022 counterpart ({', '.join(reuse.iso27001)}) exists and "
                "can be extended, but it does not concern AI systems, so it is not evidence here."
            )
        parts.extend(decision.notes)
        if request.suspicious:
            parts.append(
                f"{len(request.suspicious)} retrieved passage(s) were set aside as untrusted text "
                "(they address an assessment tool or claim blanket conformance) and were not read as evidence."
            )
        if request.technical_evidence:
            shown = [e.summary for e in request.technical_evidence[:5]]
            more = len(request.technical_evidence) - len(shown)
            parts.append("Technical evidence: " + "; ".join(shown) + (f"; and {more} more." if more else "."))
        if request.concerns:
            parts.append("Discovery concerns: " + "; ".join(request.concerns) + ".")
        return " ".join(parts)

    def _actions(self, request: DraftRequest, decision: Decision) -> list[str]:
        requirement = request.requirement
        criteria = decision.criteria
        actions: list[str] = []
        if decision.status is FindingStatus.INSUFFICIENT_EVIDENCE:
            actions.append("Add the policies and procedures that govern this area (aims policies add) and re-run the gap analysis.")
        elif decision.status is FindingStatus.GAP:
            actions.append(f"Establish and document {criteria.mechanism} ({requirement.id} {requirement.title}).")
        reuse = decision.reuse
        if reuse is not None and reuse.state is ReuseState.AVAILABLE:
            actions.append(
                f"Extend the existing ISMS procedure (ISO/IEC 27001:2022 {', '.join(reuse.iso27001)}) so that it "
                f"covers AI systems, rather than writing {criteria.mechanism} from scratch."
            )
        if decision.status is not FindingStatus.INSUFFICIENT_EVIDENCE:
            for element in decision.missing:
                actions.append(f"Document {element.label} ({requirement.id}).")
        if (
            criteria.scope is Scope.MANAGEMENT_SYSTEM
            and decision.found
            and not decision.any_ai
        ):
            actions.append(
                f"Extend the ISMS {criteria.mechanism} to the AI management system and its AI systems ({requirement.id})."
            )
        actions.extend(f"Resolve: {concern}." for concern in request.concerns)
        return actions
