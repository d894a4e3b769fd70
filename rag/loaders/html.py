"""HTML: visible text in reading order, boilerplate dropped, h1-h6 as sections."""

from __future__ import annotations

import re

from rag.loaders._common import StructuredText, collapse_inline

# Page furniture that is never policy text; dropping it keeps menus and
# cookie banners out of retrieval results.
_DROP = ("script", "style", "noscript", "template", "nav", "svg", "iframe", "form")
_BLOCKS = frozenset(
    "p div section article main aside blockquote pre li ul ol dl dt dd table thead tbody tfoot tr "
    "figure figcaption address details summary fieldset hr br body html caption".split()
)
_FURNITURE_CLASS = re.compile(r"(^|[-_ ])(breadcrumbs?|cookie[-_]?(banner|notice|consent)?|skip[-_]link|sidebar)($|[-_ ])", re.I)
_CELLS = frozenset(("td", "th"))
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


def html_structure(markup: str) -> tuple[str, list[tuple[int, int, str]], str | None]:
    """Extracted text, its sections and the page title."""
    from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, Tag

    soup = BeautifulSoup(markup, "html.parser")
    head_title = soup.title.get_text(" ", strip=True) if soup.title else None
    for name in (*_DROP, "head"):
        for tag in soup.find_all(name):
            tag.decompose()
    # A page's header/footer is furniture, but an <article>'s own <header>
    # often holds the document's h1, so keep those.
    for tag in soup.find_all(["header", "footer"]):
        if not tag.decomposed and tag.find_parent(["article", "main"]) is None:
            tag.decompose()
    for tag in soup.find_all(attrs={"role": ["navigation", "banner", "contentinfo"]}):
        tag.decompose()
    for tag in soup.find_all(class_=_FURNITURE_CLASS):
        if not tag.decomposed:
            tag.decompose()

    out = StructuredText()
    line: list[str] = []

    def flush() -> None:
        text = collapse_inline("".join(line))
        line.clear()
        if text:
            out.block(text)

    def walk(root: Tag) -> None:
        # An explicit stack, not recursion: a page nested thousands of levels deep is read
        # like any other instead of overflowing Python's stack.
        stack: list[tuple[str, object]] = [("children", root)]
        while stack:
            action, node = stack.pop()
            if action == "flush":
                flush()
            elif action == "text":
                line.append(str(node))
            elif action == "heading":
                flush()
                out.heading(_HEADINGS[node.name.lower()], node.get_text(" ", strip=True))  # type: ignore[attr-defined]
            elif action == "cell":
                # A table row reads as one line: "cell | cell | cell".
                if line and collapse_inline("".join(line)):
                    line.append(" | ")
                stack.append(("children", node))
            else:
                stack.extend(reversed(_actions(node)))  # type: ignore[arg-type]

    def _actions(node: Tag) -> list[tuple[str, object]]:
        actions: list[tuple[str, object]] = []
        for child in node.children:
            if isinstance(child, (Comment, Doctype)):
                continue
            if isinstance(child, NavigableString):
                actions.append(("text", child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower()
            if name in _HEADINGS:
                actions.append(("heading", child))
            elif name in _CELLS:
                actions.append(("cell", child))
            elif name in _BLOCKS:
                actions += [("flush", None), ("children", child), ("flush", None)]
            else:
                actions.append(("children", child))
        return actions

    # When the page marks its main content, everything outside it (site
    # header, menus, breadcrumbs, sidebars) is furniture.
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    walk(main if isinstance(main, Tag) else soup)
    flush()
    text, sections = out.finish()
    # The h1 is the document's own title; <title> often carries the site name too.
    return text, sections, out.first_heading or head_title
