from __future__ import annotations

import random
from pathlib import Path

import pytest

from rag.chunking import MAX_CHARS, MIN_CHARS, chunk_document, contextual_text
from rag.loaders import load_document

WORDS = "policy data model risk owner review approve assess vendor system must shall annual record the a of".split()


def _random_markdown(seed: int) -> str:
    rng = random.Random(seed)
    out = [f"# Policy {seed}\n\nIntro text for the policy {seed}.\n"]
    for s in range(rng.randint(1, 6)):
        out.append(f"\n{'#' * rng.randint(2, 4)} Section {s}\n\n")
        if rng.random() < 0.15:
            continue  # a heading with nothing under it
        for _ in range(rng.randint(1, 8)):
            kind = rng.random()
            if kind < 0.08:
                paragraph = " ".join(rng.choice(WORDS) for _ in range(400))  # one huge sentence
            elif kind < 0.12:
                paragraph = "x" * rng.randint(1300, 3000)  # a "word" longer than a chunk
            elif kind < 0.3:
                paragraph = "\n".join(f"- {' '.join(rng.choice(WORDS) for _ in range(12))}" for _ in range(rng.randint(2, 30)))
            else:
                sentences = (
                    " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30))).capitalize() + rng.choice(".!?")
                    for _ in range(rng.randint(1, 15))
                )
                paragraph = " ".join(sentences)
            out.append(paragraph + "\n\n")
    return "".join(out)


def _check(doc) -> list:
    chunks = chunk_document(doc)
    assert chunks, "a document with text has chunks"
    boundaries = {b for s, e, _ in doc.sections for b in (s, e)} | {b for s, e, _ in doc.pages for b in (s, e)}
    previous_end = 0
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text  # the invariant
        assert chunk.text == chunk.text.strip() and chunk.text
        assert len(chunk.text) <= MAX_CHARS
        assert chunk.start >= previous_end  # ordered, no overlap
        previous_end = chunk.end
        assert not any(chunk.start < b < chunk.end for b in boundaries), "crosses a section or page boundary"
        assert chunk.section == doc.section_at(chunk.start)
        assert chunk.page == doc.page_at(chunk.start)
        assert chunk.document_id == doc.id and chunk.document == doc.name
    return chunks


@pytest.mark.parametrize("seed", range(25))
def test_random_markdown_invariants(tmp_path: Path, seed: int) -> None:
    path = tmp_path / f"p{seed}.md"
    path.write_text(_random_markdown(seed))
    doc = load_document(path)
    chunks = _check(doc)
    # Every word of body text lands in some chunk (headings alone may not).
    covered = bytearray(len(doc.text))
    for chunk in chunks:
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    for line_start, line in _lines(doc.text):
        if line.strip() and not line.lstrip().startswith("#"):
            first = line_start + len(line) - len(line.lstrip())
            assert covered[first], f"body line not chunked: {line[:40]!r}"
    # Sections long enough for two chunks get no tiny tail chunk.
    for a, b in zip(chunks, chunks[1:]):
        if a.section == b.section and b is chunks[-1] and len(b.text) < MIN_CHARS // 2:
            assert len(a.text) + len(b.text) > MAX_CHARS


def _lines(text: str):
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def test_deterministic_ids(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text(_random_markdown(3))
    first = chunk_document(load_document(path))
    second = chunk_document(load_document(path))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert all(c.id.startswith("chk-") and len(c.id) == 16 for c in first)


def test_paragraphs_are_packed_to_the_target_size(tmp_path: Path) -> None:
    paragraph = "Staff must use approved AI tools only. " * 5  # ~195 chars
    path = tmp_path / "p.md"
    path.write_text("# Rules\n\n" + "\n\n".join([paragraph.strip()] * 20))
    chunks = chunk_document(load_document(path))
    sizes = [len(c.text) for c in chunks]
    assert all(MIN_CHARS <= s <= MAX_CHARS for s in sizes), sizes
    # Chunks end at paragraph boundaries.
    assert all(c.text.endswith("only.") for c in chunks)


def test_other_formats_respect_pages_and_sections(policy_pdf, policy_docx, policy_html, policy_md) -> None:
    for path in (policy_pdf, policy_docx, policy_html, policy_md):
        _check(load_document(path))
    pdf_chunks = chunk_document(load_document(policy_pdf))
    assert {c.page for c in pdf_chunks} == {1, 2}


def test_front_matter_and_bare_headings_are_not_chunks(policy_md) -> None:
    chunks = chunk_document(load_document(policy_md))
    assert not any("title: Acme" in c.text for c in chunks)
    assert all("\n" in c.text for c in chunks)  # never a heading line on its own


def test_contextual_text_prefixes_the_section(policy_md) -> None:
    chunk = next(c for c in chunk_document(load_document(policy_md)) if c.section == "AI policy > Data retention")
    assert contextual_text(chunk) == "AI policy > Data retention\n" + chunk.text


def test_bad_sizes_rejected(policy_md) -> None:
    with pytest.raises(ValueError):
        chunk_document(load_document(policy_md), min_chars=0)


def test_example_policies_load_and_chunk() -> None:
    from rag.loaders import SUFFIXES

    folder = Path(__file__).resolve().parents[2] / "examples" / "acme" / "policies"
    files = [p for p in sorted(folder.glob("*")) if p.suffix.lower() in SUFFIXES] if folder.is_dir() else []
    if not files:
        pytest.skip("no example policies in this checkout")
    for path in files:
        doc = load_document(path)
        assert doc.sections, f"{path.name}: no headings found"
        _check(doc)
