"""Structural checks on drafts (DESIGN §6: "Citations are structural, not prompted").

Whatever a drafter says, a citation reaches a finding only if its quote is a
verbatim span of the cited chunk, and a model's answer is accepted only if it
answers the requirement asked, cites ids it was given, and uses a known status.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from gap.models import Citation, FindingStatus
from rag.models import Chunk
from rag.quotes import verify_quote

#: Quotes longer than this are not "a short quote"; they tend to be whole passages pasted back.
MAX_QUOTE_CHARS = 600
CONFIDENCES = ("high", "medium", "low")


def citation_for_span(chunk: Chunk, start: int, end: int) -> Citation:
    """A citation of ``chunk.text[start:end]``, with offsets into the whole document."""
    return Citation(
        chunk_id=chunk.id,
        document=chunk.document,
        page=chunk.page,
        section=chunk.section,
        start=chunk.start + start,
        end=chunk.start + end,
        quote=chunk.text[start:end],
    )


def locate_quote(quote: str, chunk: Chunk) -> Citation | None:
    """The citation of ``quote`` in ``chunk``, or None when it is not verbatim text of it.

    The quote is un-escaped first (passages reach a model HTML-escaped), and
    only whitespace runs may differ; the citation always carries the source's
    own characters, never the model's.
    """
    for candidate in dict.fromkeys((quote, html.unescape(quote))):
        span = verify_quote(candidate, chunk.text)
        if span is not None:
            return citation_for_span(chunk, *span)
    return None


def citable(chunk: Chunk | None) -> bool:
    """A chunk may be cited only if it exists and was not flagged as untrusted text at ingestion."""
    return chunk is not None and chunk.suspicious is None


def citation_matches_source(citation: Citation, document_text: str) -> bool:
    """True when the citation's offsets select exactly its quote in the document."""
    return 0 <= citation.start <= citation.end <= len(document_text) and (
        document_text[citation.start : citation.end] == citation.quote
    )


# --- the model's answer ------------------------------------------------------


class CitedPassage(BaseModel):
    """One citation as the model gives it: an opaque passage id and a quote from it."""

    model_config = ConfigDict(extra="forbid")

    passage_id: str = Field(description="The id of a given passage, such as P1.")
    quote: str = Field(description="A short verbatim quote from that passage.")


class DraftOutput(BaseModel):
    """The structured answer asked of the model (every field required: strict-schema friendly)."""

    model_config = ConfigDict(extra="forbid")

    requirement_id: str = Field(description="Exactly the requirement id asked about.")
    status: str = Field(description="conformant | partial | gap | insufficient-evidence | not-applicable")
    rationale: str = Field(description="Two to five plain sentences.")
    citations: list[CitedPassage] = Field(description="Passages relied on, by id, each with a verbatim quote.")
    evidence_ids: list[str] = Field(
        description="Ids of the technical evidence items relied on, such as E1; empty when none."
    )
    actions: list[str] = Field(description="Short steps that would close the gap; empty when conformant.")
    confidence: str = Field(description="high | medium | low")


@dataclass
class CheckedDraft:
    """A model answer after validation: what survived, what was dropped, and what is wrong."""

    status: FindingStatus | None = None
    citations: list[Citation] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # notes on removed, non-fatal items
    errors: list[str] = field(default_factory=list)  # fatal: the answer needs a retry
    #: Opaque ids (E1...) of the technical evidence the answer relies on, all of them given.
    evidence_ids: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


#: Statuses that claim something is in place or excluded: each needs a verified citation or a
#: discovery fact behind it, else the answer is retried and then goes to manual review.
NEEDS_GROUNDS = (FindingStatus.CONFORMANT, FindingStatus.NOT_APPLICABLE, FindingStatus.PARTIAL)


def check_output(
    output: DraftOutput,
    requirement_id: str,
    passages: Mapping[str, Chunk],
    evidence: Mapping[str, object] | None = None,
) -> CheckedDraft:
    """Validate one answer for ``requirement_id`` against the passages (opaque id -> chunk) and the
    technical evidence (opaque id -> item) it was given."""
    result = CheckedDraft()
    if output.requirement_id.strip() != requirement_id:
        result.errors.append(
            f"requirement_id must be {requirement_id!r}, the requirement asked about; got {output.requirement_id!r}"
        )
    try:
        result.status = FindingStatus(output.status.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in FindingStatus)
        result.errors.append(f"status {output.status!r} is not one of: {allowed}")
    if output.confidence.strip().lower() not in CONFIDENCES:
        result.errors.append(f"confidence {output.confidence!r} is not one of: {', '.join(CONFIDENCES)}")
    if not output.rationale.strip():
        result.errors.append("rationale is empty")

    seen: set[tuple[int, int]] = set()
    for cited in output.citations:
        pid = cited.passage_id.strip()
        chunk = passages.get(pid)
        if chunk is None:
            # An invented id is dropped, not retried: the rest of the answer may stand.
            result.dropped.append(f"citation of unknown passage id {pid!r} dropped")
            continue
        if not citable(chunk):
            # Text that addresses the tool (or claims blanket conformance) is never evidence.
            result.dropped.append(f"citation of {pid} dropped: that passage is flagged as untrusted ({chunk.suspicious})")
            continue
        if len(cited.quote) > MAX_QUOTE_CHARS:
            result.errors.append(f"the quote cited from {pid} is longer than {MAX_QUOTE_CHARS} characters")
            continue
        citation = locate_quote(cited.quote, chunk)
        if citation is None:
            result.errors.append(f"the quote cited from {pid} is not verbatim text of {pid}: {cited.quote[:120]!r}")
            continue
        if (citation.start, citation.end) not in seen:
            seen.add((citation.start, citation.end))
            result.citations.append(citation)

    given_evidence = evidence or {}
    for raw_id in getattr(output, "evidence_ids", []) or []:
        eid = raw_id.strip()
        if eid in given_evidence:
            if eid not in result.evidence_ids:
                result.evidence_ids.append(eid)
        else:
            result.dropped.append(f"reference to unknown evidence id {eid!r} dropped")

    if result.status in NEEDS_GROUNDS and not result.citations and not result.evidence_ids and not result.errors:
        result.errors.append(
            f"status {result.status.value} needs at least one verified citation of a given passage, or the id of "
            "a given technical evidence item (E1...) that justifies it; otherwise answer insufficient-evidence or gap"
        )
    return result
