"""The offline drafter: a finding from retrieval and keyword evidence, with no language model.

For one requirement it scores each retrieved passage by how many of the
requirement's catalogue keywords it (and its section heading) mentions, with a
small bonus for retrieval rank. For an AI-specific requirement only passages
that speak of AI can make it conformant: a generic ISMS passage is at most
partial evidence. Quotes are whole sentences of the chunk text, so they are
verbatim by construction, and the rationale is built from our own catalogue
guidance. Every draft says it was made without a language model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gap.drafting.base import OFFLINE_DRAFTER, DraftRequest
from gap.drafting.text import best_sentences, matched_keywords, speaks_of_ai
from gap.models import Citation, Drafter, Finding, FindingStatus
from gap.verify import citation_for_span
from rag.models import Passage


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on a labelled policy set (benchmarks/bench_gap.py --sweep); nothing organisation-specific.

    A passage's score is 0.8 x its keyword evidence (saturating at `saturation`)
    plus 0.2 x its retrieval rank (1/sqrt(rank)). With the defaults, conformant
    means the top-ranked passage fully evidences the keywords; partial means a
    passage matches several of them; anything less is a gap. The defaults lean
    towards under-claiming: a missed conformity costs a reviewer a minute, a
    false one misleads an audit.
    """

    #: Weighted keyword evidence at which a passage counts as fully on topic.
    saturation: float = 3.0
    #: A multi-word keyword ("impact assessment") is more specific than one word ("review").
    phrase_weight: float = 1.5
    #: A keyword in the section's own heading says what the whole section is about.
    heading_weight: float = 2.0
    #: Weight of retrieval rank against keyword evidence in a passage's score.
    rank_weight: float = 0.2
    #: Best passage score and keyword breadth (weighted share of keywords seen) for conformant.
    conformant_score: float = 0.95
    conformant_breadth: float = 0.5
    #: Best passage score for partial.
    partial_score: float = 0.8
    #: How many top passages may contribute to breadth and citations.
    supporting: int = 3
    #: A management-system requirement is conformant only if a passage that speaks of AI scores
    #: this much: a process documented for the ISMS alone does not show it covers AI.
    ai_bridge_score: float = 0.65


@dataclass
class Scored:
    passage: Passage
    keywords: set[str]
    ai: bool
    score: float


@dataclass
class Decision:
    """The status the evidence supports, and the passages it rests on."""

    status: FindingStatus
    chosen: list[Scored]
    best: float
    breadth: float
    #: True when the status rests on a passage that never speaks of AI.
    not_ai_specific: bool = False
    notes: list[str] = field(default_factory=list)


def _weight(keyword: str, t: Thresholds) -> float:
    return t.phrase_weight if len(keyword.replace("-", " ").split()) > 1 else 1.0


def score_passage(passage: Passage, keywords: list[str], t: Thresholds) -> Scored:
    path = passage.section or ""
    # Only the section's own heading: the document title above it would match every chunk alike.
    own_heading = path.split(" > ")[-1]
    in_text = matched_keywords(passage.text, keywords)
    in_heading = matched_keywords(own_heading, keywords)
    found = in_text | in_heading
    evidence = sum(_weight(k, t) for k in found) + (t.heading_weight - 1) * sum(_weight(k, t) for k in in_heading)
    keyword_part = min(1.0, evidence / t.saturation)
    rank_part = 1.0 / passage.rank**0.5 if passage.rank > 0 else 0.0
    score = (1 - t.rank_weight) * keyword_part + t.rank_weight * rank_part if found else 0.0
    return Scored(passage, found, speaks_of_ai(passage.text + "\n" + path), score)


def decide(request: DraftRequest, t: Thresholds) -> Decision:
    """Score the passages and pick a status: pure, cheap, and what the benchmark sweeps."""
    requirement = request.requirement
    keywords = [k for k in requirement.keywords if k.strip()] or [requirement.title]
    scored = sorted((score_passage(p, keywords, t) for p in request.passages), key=lambda s: (-s.score, s.passage.rank))
    eligible = [s for s in scored if s.score > 0 and (s.ai or not requirement.ai_specific)]
    generic = [s for s in scored if s.score > 0 and requirement.ai_specific and not s.ai]
    support = eligible[: t.supporting]
    best = support[0].score if support else 0.0
    seen = set().union(*(s.keywords for s in support)) if support else set()
    breadth = sum(_weight(k, t) for k in seen) / sum(_weight(k, t) for k in keywords)

    if not request.passages:
        decision = Decision(FindingStatus.INSUFFICIENT_EVIDENCE, [], best, breadth)
    elif best >= t.conformant_score and breadth >= t.conformant_breadth:
        decision = Decision(FindingStatus.CONFORMANT, support, best, breadth)
    elif best >= t.partial_score:
        decision = Decision(FindingStatus.PARTIAL, support, best, breadth)
    elif generic and generic[0].score >= t.conformant_score:
        decision = Decision(FindingStatus.PARTIAL, generic[:1], best, breadth, not_ai_specific=True)
        decision.notes.append(
            f"The closest passage ({_where(generic[0].passage)}) addresses the topic but never speaks of AI, "
            "so it cannot cover this AI-specific requirement on its own."
        )
    else:
        decision = Decision(FindingStatus.GAP, [], best, breadth)
    if (
        decision.status is FindingStatus.CONFORMANT
        and not requirement.ai_specific
        and not any(s.ai and s.score >= t.ai_bridge_score for s in support)
    ):
        decision.status = FindingStatus.PARTIAL
        decision.not_ai_specific = True
        decision.notes.append(
            "The passages that address it never speak of AI: the process is documented, but nothing shows "
            "that it extends to AI and the AI management system."
        )
    if decision.status is FindingStatus.CONFORMANT and request.concerns:
        decision.status = FindingStatus.PARTIAL
        decision.notes.append("The documents address it, but discovery found facts that weigh against it (below).")
    return decision


def _where(citation_or_passage: Citation | Passage) -> str:
    label = citation_or_passage.document
    if citation_or_passage.section:
        label += f" § {citation_or_passage.section.split(' > ')[-1]}"
    if citation_or_passage.page:
        label += f" p. {citation_or_passage.page}"
    return label


def _quotes(chosen: list[Scored], keywords: list[str], want_ai: bool) -> list[Citation]:
    citations: list[Citation] = []
    for scored in chosen:
        # A heading repeated in the chunk text is not a statement of what the organisation does.
        headings = {part.strip() for part in (scored.passage.section or "").split(" > ")}
        spans = best_sentences(
            scored.passage.text, sorted(scored.keywords) or keywords, want_ai=want_ai, exclude=headings
        )
        citations.extend(citation_for_span(scored.passage, start, end) for start, end in spans)
    return citations[:3]


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class OfflineDrafter:
    """No LLM: retrieval scores + catalogue keywords + catalogue guidance."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()

    @property
    def label(self) -> Drafter:
        return OFFLINE_DRAFTER

    def draft(self, request: DraftRequest) -> Finding:
        requirement = request.requirement
        keywords = [k for k in requirement.keywords if k.strip()] or [requirement.title]
        decision = decide(request, self.thresholds)
        status = decision.status
        citations = _quotes(self._citable(decision), keywords, requirement.ai_specific)
        seen = set().union(*(s.keywords for s in decision.chosen)) if decision.chosen else set()
        missing = [k for k in keywords if k not in seen]
        return Finding(
            requirement=requirement.id,
            title=requirement.title,
            status=status,
            rationale=self._rationale(request, status, citations, seen, missing, decision.notes),
            citations=citations,
            technical_evidence=list(request.technical_evidence),
            actions=self._actions(request, status, missing, decision.not_ai_specific),
            confidence=self._confidence(status, decision.best, decision.breadth),
            drafted_by=self.label,
            evidence_hash=request.evidence_hash(self.label),
        )

    def _citable(self, decision: Decision) -> list[Scored]:
        """The chosen passages worth quoting: none far weaker than the best (an incidental keyword
        is not evidence); strong passages that speak of AI first, as they show the AI management
        system is covered."""
        if not decision.chosen:
            return []
        floor = 0.5 * max(c.score for c in decision.chosen)
        strong = self.thresholds.partial_score
        kept = [c for c in decision.chosen if c.score >= floor]
        return sorted(kept, key=lambda c: (not (c.ai and c.score >= strong), -c.score, c.passage.rank))

    def _confidence(self, status: FindingStatus, best: float, breadth: float) -> str:
        t = self.thresholds
        if status is FindingStatus.INSUFFICIENT_EVIDENCE:
            return "low"
        if status is FindingStatus.GAP:
            return "medium" if best < t.partial_score / 2 else "low"
        if status is FindingStatus.CONFORMANT:
            return "medium" if breadth >= (1 + t.conformant_breadth) / 2 else "low"
        return "low" if abs(best - t.partial_score) < 0.1 else "medium"

    def _rationale(
        self,
        request: DraftRequest,
        status: FindingStatus,
        citations: list[Citation],
        seen: set[str],
        missing: list[str],
        notes: list[str],
    ) -> str:
        requirement = request.requirement
        parts = ["Drafted offline without a language model, from retrieval and keyword evidence; a reviewer must confirm it."]
        if request.fallback_reason:
            parts.append(f"A language model was requested, but {request.fallback_reason}; this draft was made offline instead.")
        parts.append(f"What would satisfy {requirement.id}: {requirement.guidance.strip()}")
        places = list(dict.fromkeys(_where(c) for c in citations))
        if status is FindingStatus.INSUFFICIENT_EVIDENCE:
            parts.append("No policy passages were available to assess, so the documents could not be checked.")
        elif status is FindingStatus.GAP:
            parts.append("None of the retrieved passages addresses it.")
        elif places:
            parts.append(f"The cited passages ({_join(places)}) mention {_join(sorted(seen))}.")
        if missing and status in (FindingStatus.PARTIAL, FindingStatus.CONFORMANT):
            parts.append(f"Not found in them: {_join(missing)}.")
        if requirement.ai_specific and status is not FindingStatus.INSUFFICIENT_EVIDENCE:
            parts.append("This requirement is specific to AI; only passages that speak of AI can cover it.")
        parts.extend(notes)
        if request.technical_evidence:
            shown = [e.summary for e in request.technical_evidence[:5]]
            more = len(request.technical_evidence) - len(shown)
            parts.append("Technical evidence: " + "; ".join(shown) + (f"; and {more} more." if more else "."))
        if request.concerns:
            parts.append("Discovery concerns: " + "; ".join(request.concerns) + ".")
        return " ".join(parts)

    def _actions(self, request: DraftRequest, status: FindingStatus, missing: list[str], only_generic: bool) -> list[str]:
        requirement = request.requirement
        actions: list[str] = []
        if status is FindingStatus.INSUFFICIENT_EVIDENCE:
            actions.append("Add the policies and procedures that govern this area (aims policies add) and re-run the gap analysis.")
        elif status is FindingStatus.GAP:
            actions.append(
                f"Establish and document how the organisation meets {requirement.id} ({requirement.title}). "
                f"What an auditor looks for: {requirement.guidance.strip()}"
            )
        elif status is FindingStatus.PARTIAL:
            if only_generic:
                actions.append(f"Extend the existing provision so that it applies explicitly to AI systems ({requirement.id}).")
            if missing:
                actions.append(f"Extend the documentation for {requirement.id} to cover: {_join(missing)}.")
        actions.extend(f"Resolve: {concern}." for concern in request.concerns)
        return actions
