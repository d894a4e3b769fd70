"""What the drafters weigh beside a passage's words: untrusted passages set aside from the
evidence, and per document whether it is about AI as a whole or an unfilled template. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from gap.drafting.base import PassageSource
from gap.models import SuspiciousPassage
from rag.models import Passage


def split_untrusted(source: PassageSource, queries: list[str], k: int) -> tuple[list[Passage], list[Passage]]:
    """The k evidence passages for the queries, and the untrusted passages that match them (never evidence)."""
    retrieved = source.search_many(queries, k)
    clean = [p for p in retrieved if p.suspicious is None]
    flagged = [p for p in retrieved if p.suspicious is not None]
    finder = getattr(source, "suspicious_matches", None)
    if finder is not None:
        known = {p.id for p in flagged}
        flagged += [p for p in finder(queries, 2) if p.id not in known]
    return clean, flagged


#: How much of a document's opening decides whether the document as a whole is about AI.
AI_DOCUMENT_OPENING = 1500
#: Unfilled template fields that make a whole document a template (a form, not a record).
TEMPLATE_FIELDS = 3


class DocumentTraits:
    """Per document, read once: is it about AI as a whole, and is it an unfilled template?"""

    def __init__(self, source: PassageSource) -> None:
        self.source = source
        self._known: dict[str, tuple[bool, bool]] = {}

    def _traits(self, document_id: str) -> tuple[bool, bool]:
        from gap.drafting.text import count_placeholders, speaks_of_ai

        if document_id not in self._known:
            try:
                text = self.source.document_text(document_id)
            except (KeyError, OSError, ValueError):
                text = ""
            self._known[document_id] = (
                speaks_of_ai(text[:AI_DOCUMENT_OPENING]), count_placeholders(text) >= TEMPLATE_FIELDS
            )
        return self._known[document_id]

    def ai(self, passages: Sequence[Passage]) -> frozenset[str]:
        return frozenset(p.document_id for p in passages if self._traits(p.document_id)[0])

    def templates(self, passages: Sequence[Passage]) -> frozenset[str]:
        return frozenset(p.document_id for p in passages if self._traits(p.document_id)[1])


def suspicious_passage(passage: Passage) -> SuspiciousPassage:
    excerpt = " ".join(passage.text.split())
    return SuspiciousPassage(
        chunk_id=passage.id,
        document=passage.document,
        section=passage.section,
        reason=passage.suspicious or "untrusted",
        excerpt=excerpt[:200] + ("…" if len(excerpt) > 200 else ""),
    )
