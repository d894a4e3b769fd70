"""Split a Document into Chunks on paragraph and sentence boundaries.

A chunk never crosses a section or page boundary, so every chunk has one
citation anchor (page and/or section), and its text is exactly
``document.text[start:end]``. Deterministic: same text, same chunks, same ids.
"""

from __future__ import annotations

import itertools
import re

from rag.models import Chunk, Document, chunk_id_for
from rag.untrusted import suspicion_reason

MIN_CHARS = 600
MAX_CHARS = 1200

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! ? (optionally closed by a quote or bracket) followed by
# whitespace; a single newline inside a paragraph (a list item, a wrapped PDF
# line) is a weaker boundary we use too.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"')\]]*\s+|\n")
_SPACE = re.compile(r"\s")


def _regions(document: Document) -> list[tuple[int, int]]:
    """The text cut at every section and page boundary."""
    cuts = {0, len(document.text)}
    for start, end, _ in document.pages:
        cuts.update((start, end))
    for start, end, _ in document.sections:
        cuts.update((start, end))
    points = sorted(c for c in cuts if 0 <= c <= len(document.text))
    return [(a, b) for a, b in itertools.pairwise(points) if b > a]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """Trimmed, non-empty pieces of text[start:end] between matches of pattern."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in pattern.finditer(text, start, end):
        pieces.append(_trim(text, cursor, match.start()))
        cursor = match.end()
    pieces.append(_trim(text, cursor, end))
    return [(a, b) for a, b in pieces if b > a]


def _hard_split(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut an over-long sentence into near-equal pieces at whitespace.

    Pieces aim at 80% of the limit, leaving room for a heading line or a short
    neighbouring sentence in the same chunk.
    """
    length = end - start
    if length <= limit:
        return [(start, end)]
    count = -(-length // int(limit * 0.8))
    target = -(-length // count)
    pieces: list[tuple[int, int]] = []
    while end - start > target:
        cut = start + target
        space = max((m.start() for m in _SPACE.finditer(text, start + target // 2, cut)), default=-1)
        if space > start:
            cut = space
        pieces.append(_trim(text, start, cut))
        start, _ = _trim(text, cut, end)
    if end > start:
        pieces.append((start, end))
    return [(a, b) for a, b in pieces if b > a]


def _units(text: str, start: int, end: int, limit: int) -> list[tuple[int, int, bool]]:
    """Sentences (or lines) of the region, each flagged when it opens a paragraph."""
    units: list[tuple[int, int, bool]] = []
    for p_start, p_end in _split(text, start, end, _PARAGRAPH_BREAK):
        first = True
        for s_start, s_end in _split(text, p_start, p_end, _SENTENCE_END):
            for piece in _hard_split(text, s_start, s_end, limit):
                units.append((piece[0], piece[1], first))
                first = False
    return units


# Costs of the segmentation, relative to one chunk = 1.0: a chunk well below
# the minimum is worse than an extra chunk, and a cut inside a paragraph is
# allowed but a paragraph break is preferred.
_SHORTFALL_WEIGHT = 3.0
_MID_PARAGRAPH_CUT = 0.4


def _segment(units: list[tuple[int, int, bool]], minimum: int, limit: int) -> list[tuple[int, int]]:
    """(start, end) chunks of consecutive units, each at most ``limit`` long.

    Dynamic programming rather than greedy packing: greedy leaves a short
    chunk wherever a long paragraph follows, while this minimises the number
    of chunks, their shortfall below ``minimum`` and cuts inside paragraphs.
    Every unit already fits within ``limit``.
    """
    n = len(units)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * n  # (cost, split)
    for j in range(1, n + 1):
        for i in range(j - 1, -1, -1):
            span = units[j - 1][1] - units[i][0]
            if span > limit and i < j - 1:
                break
            shortfall = max(0, minimum - span) / minimum
            cost = best[i][0] + 1.0 + _SHORTFALL_WEIGHT * shortfall * shortfall
            if not units[i][2]:
                cost += _MID_PARAGRAPH_CUT
            if cost < best[j][0]:
                best[j] = (cost, i)
    spans: list[tuple[int, int]] = []
    j = n
    while j > 0:
        i = best[j][1]
        spans.append((units[i][0], units[j - 1][1]))
        j = i
    return spans[::-1]


def _heading_only(document: Document, region_start: int, start: int, end: int) -> bool:
    """A region holding nothing but its section's heading line."""
    starts_section = any(s == region_start for s, _, _ in document.sections)
    return starts_section and "\n" not in document.text[start:end]


def chunk_document(document: Document, *, min_chars: int = MIN_CHARS, max_chars: int = MAX_CHARS) -> list[Chunk]:
    """The document's chunks in text order."""
    if not 0 < min_chars <= max_chars:
        raise ValueError("need 0 < min_chars <= max_chars")
    text = document.text
    skip = 0
    if document.media_type == "markdown":
        from rag.loaders.markdown import front_matter_end

        # YAML front matter is metadata (title, owner), not policy text.
        skip = front_matter_end(text)
    chunks: list[Chunk] = []
    for region_start, region_end in _regions(document):
        start, end = _trim(text, max(region_start, skip), region_end)
        if end <= start or _heading_only(document, region_start, start, end):
            continue
        for c_start, c_end in _segment(_units(text, start, end, max_chars), min_chars, max_chars):
            chunks.append(
                Chunk(
                    id=chunk_id_for(document.sha256, c_start),
                    document_id=document.id,
                    document=document.name,
                    page=document.page_at(c_start),
                    section=document.section_at(c_start),
                    start=c_start,
                    end=c_end,
                    text=text[c_start:c_end],
                    # Flagged at ingestion: text that addresses a tool is data, never evidence.
                    suspicious=suspicion_reason(text[c_start:c_end]),
                )
            )
    return chunks


def contextual_text(chunk: Chunk) -> str:
    """What gets embedded and scored: the chunk under its heading path.

    A chunk deep in "Acceptable use > Generative AI" may never repeat those
    words; the path gives both retrievers that context. The chunk's own text
    (what is cited and quoted) is unchanged.
    """
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text
