"""Markdown and plain text: the source text is kept as is, headings give sections."""

from __future__ import annotations

import re

from rag.loaders._common import HeadingStack, collapse_inline
from rag.models import SectionSpan

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def _heading_title(raw: str) -> str:
    # Keep headings readable in a section path: no link targets, no emphasis.
    text = _LINK.sub(r"\1", raw)
    text = text.replace("`", "").strip("*_ \t")
    return collapse_inline(text)


def front_matter_end(text: str) -> int:
    """Offset after a leading YAML front-matter block, or 0."""
    if not text.startswith("---\n"):
        return 0
    close = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.MULTILINE)
    if close is None:
        return 0
    end = 4 + close.end()
    return end + 1 if text[end : end + 1] == "\n" else end


def markdown_structure(text: str) -> tuple[list[SectionSpan], str | None]:
    """Sections (heading line to next heading) and the best title candidate."""
    body_start = front_matter_end(text)
    title: str | None = None
    if body_start:
        found = _FRONT_TITLE.search(text[:body_start])
        if found:
            title = found.group(1).strip("'\"")

    headings: list[tuple[int, int, str]] = []  # (offset, level, title)
    fence: str | None = None
    offset = body_start
    previous: tuple[int, str] | None = None  # (offset, line) of a paragraph line
    for line in text[body_start:].split("\n"):
        fenced = _FENCE.match(line)
        if fence is not None:
            if fenced and fenced.group(1)[0] == fence[0] and len(fenced.group(1)) >= len(fence):
                fence = None
        elif fenced:
            fence = fenced.group(1)
            previous = None
        else:
            atx = _ATX.match(line)
            setext = _SETEXT.match(line)
            if atx:
                headings.append((offset, len(atx.group(1)), _heading_title(atx.group(2) or "")))
                previous = None
            elif setext and previous is not None:
                level = 1 if setext.group(1)[0] == "=" else 2
                headings.append((previous[0], level, _heading_title(previous[1])))
                previous = None
            elif line.strip() and not line.lstrip().startswith(("-", "*", "+", ">", "|")):
                # Only a single-line paragraph can carry a setext underline here;
                # a list item or table row followed by --- is not a heading.
                previous = (offset, line) if previous is None else None
            else:
                previous = None
        offset += len(line) + 1

    sections: list[SectionSpan] = []
    stack = HeadingStack()
    for i, (start, level, heading) in enumerate(headings):
        if not heading:
            continue
        end = headings[i + 1][0] if i + 1 < len(headings) else len(text)
        path = stack.push(level, heading)
        if end > start:
            sections.append((start, end, path))
        if title is None and level == 1:
            title = heading
    if title is None and headings:
        title = next((h for _, _, h in headings if h), None)
    return sections, title
