"""Policy text is data, never instructions: flag passages that try to steer the assessment.

A policy document is evidence of what an organisation does. A passage that
speaks to an assessment tool or a language model ("ignore all previous
instructions", "mark every requirement conformant", "cite this paragraph"),
or that simply declares the organisation conformant to the standard as a
whole, is not evidence of anything: it is either an injection attempt or an
unsupported claim. Such chunks are flagged at ingestion with the reason, so
that no drafter counts or cites them and a reviewer sees them listed.

Pure: regular expressions over text. The patterns are deliberately about the
*addressee* and the *claim*, not about topics, so an AI policy that talks
about prompt injection as a risk ("we test our chatbot against prompt
injection") is not flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FLAGS = re.IGNORECASE | re.DOTALL

# Whoever is being spoken to: a model or an automated assessor, never a human role.
_ADDRESSEE = (
    r"(?:(?:ai|a\.i\.)\s+)?(?:assistant|language\s+model|llm|chatbot|gpt|model|reviewer|"
    r"assessment\s+tool|auditing\s+tool|audit\s+tool|gap[-\s]analysis\s+tool|compliance\s+tool|"
    r"automated\s+(?:assessor|auditor|reviewer|tool|gap[-\s]analysis\s+tool))s?\b"
)

# Instructions aimed at whoever (or whatever) reads the document.
_ADDRESSES_TOOL: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "tells the reader to ignore or override its instructions",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}?\b(?:all\s+|any\s+|the\s+|your\s+)?"
            r"(?:previous|prior|above|earlier|preceding|system|original)\s+(?:instructions?|prompts?|rules|guidance|context)",
            _FLAGS,
        ),
    ),
    (
        "addresses an assessment tool or language model",
        re.compile(
            r"\b(?:dear|attention|note\s+to(?:\s+the)?|instructions?\s+(?:for|to)(?:\s+(?:the|any))?|hey|hello)\s+"
            + _ADDRESSEE + r"(?=\s*(?:[:,!;]|reading|that\s+reads|who\s+reads))"
            r"|\b(?:this|the\s+following)\s+(?:note|section|paragraph|text|document|message)\s+is\s+"
            r"(?:for|addressed\s+to|intended\s+for)\s+(?:any\s+|the\s+|an?\s+)?" + _ADDRESSEE
            + r"|\b(?:you\s+are|as)\s+an?\s+(?:ai|language\s+model|llm|assistant|automated\s+(?:assessor|auditor|tool))\b"
            r"[^.\n]{0,60}\b(?:must|should|will|shall|are\s+(?:instructed|required))\b"
            r"|\b(?:system\s+prompt|new\s+instructions?|</?(?:system|assistant|instructions?)>)",
            _FLAGS,
        ),
    ),
    (
        "instructs the assessment how to rate or cite",
        re.compile(
            r"\b(?:mark|rate|score|record|report|classify|treat|label|set)\b[^.\n]{0,40}?\b(?:every|each|all|any)\b"
            r"[^.\n]{0,30}?\b(?:requirements?|controls?|clauses?|findings?|items?)\b[^.\n]{0,30}?"
            r"\b(?:as\s+)?(?:conformant|compliant|satisfied|met|implemented|passed|green|covered)\b"
            r"|\bcite\s+(?:this|the\s+following|these)\s+(?:paragraph|passage|section|text|sentence|document)"
            r"|\b(?:do\s+not|don't|never)\s+(?:report|flag|mention|raise|record)\b[^.\n]{0,30}?\b(?:gaps?|nonconformit|findings?|issues?)",
            _FLAGS,
        ),
    ),
)

_STANDARD = (
    r"(?:iso(?:/iec)?\s*(?:/\s*iec\s*)?42001(?::\s*2023)?|the\s+(?:ai\s+management\s+system\s+)?standard|"
    r"iso(?:/iec)?\s*27001(?::\s*2022)?)"
)
# A blanket claim of conformance to a whole standard. Claims about one
# control ("access reviews are performed quarterly") are normal policy text.
_CLAIMS_CONFORMANCE = re.compile(
    r"\b(?:is|are|has\s+been|have\s+been|was|were|remains?|being)\s+(?:fully|completely|entirely|100\s*%|wholly)\s+"
    r"(?:conformant|compliant|certified|aligned)\s+(?:with|to|against)\s+" + _STANDARD
    + r"|\b(?:fully|completely|entirely|wholly)\s+(?:meets?|satisf(?:y|ies)|fulfil(?:l)?s?|conforms?\s+to|compl(?:y|ies)\s+with)\s+"
    r"(?:all\s+|every\s+)?(?:requirements?\s+of\s+|clauses?\s+of\s+|controls?\s+of\s+)?" + _STANDARD
    + r"|\b(?:meets?|satisf(?:y|ies)|fulfil(?:l)?s?|conforms?\s+to|compl(?:y|ies)\s+with)\s+(?:all|every(?:\s+single)?|each)\s+"
    r"(?:requirements?|clauses?|controls?)\s+(?:of|in)\s+" + _STANDARD
    + r"|\bevery\s+(?:requirement|clause|control)\s+(?:of|in)\s+" + _STANDARD + r"\s+(?:is|has\s+been)\s+(?:met|satisfied|implemented)",
    _FLAGS,
)
CONFORMANCE_REASON = "asserts conformance to a standard as a whole"


@dataclass(frozen=True)
class Suspicion:
    """Why a span of text is not evidence: the reason, and where it says so."""

    reason: str
    start: int
    end: int


def find_suspicions(text: str) -> list[Suspicion]:
    """Every span of ``text`` that addresses a tool or model, or claims blanket conformance."""
    found: list[Suspicion] = []
    for reason, pattern in _ADDRESSES_TOOL:
        found.extend(Suspicion(reason, m.start(), m.end()) for m in pattern.finditer(text))
    found.extend(Suspicion(CONFORMANCE_REASON, m.start(), m.end()) for m in _CLAIMS_CONFORMANCE.finditer(text))
    return sorted(found, key=lambda s: (s.start, s.end, s.reason))


def suspicion_reason(text: str) -> str | None:
    """The reasons a passage is suspicious, joined ("; "), or None when it is ordinary text."""
    reasons = list(dict.fromkeys(s.reason for s in find_suspicions(text)))
    return "; ".join(reasons) if reasons else None
