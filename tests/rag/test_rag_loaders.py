from __future__ import annotations

import io
from pathlib import Path

import pytest

from rag.loaders import DocumentError, load_document
from rag.models import document_id_for


def _section_of(doc, needle: str) -> str | None:
    return doc.section_at(doc.text.index(needle))


def test_markdown_sections_title_and_identity(policy_md: Path) -> None:
    doc = load_document(policy_md)
    assert doc.media_type == "markdown"
    assert doc.title == "Acme AI Policy"  # front matter wins over the first h1
    assert doc.name == "ai-policy.md" and doc.path == str(policy_md)
    assert doc.id == document_id_for(doc.sha256) and doc.id.startswith("doc-") and len(doc.id) == 16
    assert doc.text == policy_md.read_text()  # markdown text is the source, offsets are file offsets
    paths = [s[2] for s in doc.sections]
    assert paths == [
        "AI policy",
        "AI policy > Acceptable use",
        "AI policy > Data retention",
        "AI policy > Incident reporting",
    ]
    assert _section_of(doc, "Employees must not paste") == "AI policy > Acceptable use"
    # A '#' line inside a code fence is not a heading.
    assert _section_of(doc, "not a heading inside") == "AI policy > Incident reporting"


def test_markdown_setext_and_crlf(write) -> None:
    doc = load_document(write("p.markdown", "Policy\r\n======\r\n\r\nText one.\r\n\r\nScope\r\n-----\r\nText two.\r\n"))
    assert "\r" not in doc.text
    assert [s[2] for s in doc.sections] == ["Policy", "Policy > Scope"]
    assert doc.title == "Policy"


def test_plain_text(write) -> None:
    doc = load_document(write("notes.txt", "Just some text.\n\nAnother paragraph."))
    assert doc.media_type == "text" and doc.sections == [] and doc.title == "notes"


def test_pdf_pages_headings_and_title(policy_pdf: Path) -> None:
    doc = load_document(policy_pdf)
    assert doc.media_type == "pdf"
    assert doc.title == "Information Security Policy"
    assert [p[2] for p in doc.pages] == [1, 2]
    assert doc.page_at(doc.text.index("multi-factor")) == 1
    assert doc.page_at(doc.text.index("data processing agreement")) == 2
    assert _section_of(doc, "multi-factor") == "Information Security Policy > Access control"
    assert _section_of(doc, "data processing agreement") == "Information Security Policy > Supplier management"


def test_pdf_heading_split_over_runs_and_scaled_by_the_text_matrix(write, make_pdf) -> None:
    content = (
        b"BT /F1 1 Tf 18 0 0 18 72 740 Tm (Annex) Tj ( A controls) Tj ET\n"
        b"BT /F1 11 Tf 72 700 Td (Body text here is normal size and long enough.) Tj ET\n"
        b"BT /F1 16 Tf 72 660 Td (2.) Tj ET\n"
        b"BT /F2 16 Tf 100 660 Td (Scope of policy) Tj ET\n"
        b"BT /F1 11 Tf 72 630 Td (More body text that follows the scope heading.) Tj ET\n"
    )
    doc = load_document(write("runs.pdf", make_pdf([content])))
    assert [s[2] for s in doc.sections] == ["Annex A controls", "Annex A controls > 2. Scope of policy"]
    assert doc.title == "Annex A controls"


def test_pdf_numbered_headings_when_fonts_are_uniform(write, make_pdf) -> None:
    pages = [[(11, "1. Purpose"), (11, "This policy exists."), (11, "2.1 Acceptable use"), (11, "Use approved tools only.")]]
    doc = load_document(write("plain.pdf", make_pdf(pages)))
    assert [s[2] for s in doc.sections] == ["1. Purpose", "2.1 Acceptable use"]


def test_docx_headings_tables_and_title(policy_docx: Path) -> None:
    doc = load_document(policy_docx)
    assert doc.media_type == "docx" and doc.title == "AI Risk Procedure"
    assert _section_of(doc, "impact assessment before") == "AI Risk Procedure > Impact assessment"
    assert "High | AI governance board" in doc.text
    assert _section_of(doc, "High | AI governance board") == "AI Risk Procedure > Impact assessment"
    assert _section_of(doc, "reviewed yearly") == "AI Risk Procedure > Review"


def test_html_drops_boilerplate_and_keeps_structure(policy_html: Path) -> None:
    doc = load_document(policy_html)
    assert doc.title == "Vendor AI Standard"
    for noise in ("tracking", "Menu item", "About us", "Cookie", "color: red", "Intranet", "Related", "Sidebar"):
        assert noise not in doc.text
    assert "Clause | Owner" in doc.text and "No training | Legal" in doc.text
    assert _section_of(doc, "training models on our data") == "Vendor AI Standard > Contract clauses"
    assert _section_of(doc, "48 hours") == "Vendor AI Standard > Monitoring"


def test_html_without_main_keeps_body_text_and_prefers_h1_title(write) -> None:
    page = "<html><head><title>Site | Policy</title></head><body><h1>Data Policy</h1><p>Keep data safe.</p></body></html>"
    doc = load_document(write("page.htm", page))
    assert doc.title == "Data Policy" and doc.text == "Data Policy\n\nKeep data safe."
    untitled = load_document(write("plain.html", "<html><head><title>Only title</title></head><p>Text.</p></html>"))
    assert untitled.title == "Only title"


def test_same_bytes_same_id_anywhere(write) -> None:
    a = load_document(write("a/x.md", "# T\n\nSame."))
    b = load_document(write("b/y.md", "# T\n\nSame."))
    assert a.id == b.id and a.path != b.path


# --- every bad input is a DocumentError with a reason ----------------------


def _reason(path, **kwargs) -> str:
    with pytest.raises(DocumentError) as info:
        load_document(path, **kwargs)
    assert isinstance(info.value, ValueError)
    assert info.value.path == str(path)
    return info.value.reason


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _reason(tmp_path / "nope.md")


def test_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.md").mkdir()
    assert "not a regular file" in _reason(tmp_path / "dir.md")


def test_unsupported_type(write) -> None:
    assert "unsupported file type '.xlsx'" in _reason(write("sheet.xlsx", b"PK\x03\x04"))


def test_empty_and_blank_files(write) -> None:
    assert "empty" in _reason(write("empty.md", b""))
    assert "empty" in _reason(write("blank.txt", "  \n\n "))


def test_headings_only_markup_has_no_text(write) -> None:
    assert "no extractable text" in _reason(write("x.html", "<html><script>x()</script><p> </p></html>"))


def test_binary_posing_as_markdown(write) -> None:
    assert "binary" in _reason(write("fake.md", bytes(range(256)) * 20))
    assert "binary" in _reason(write("fake2.md", b"\x89PNG\r\n\x1a\n" + bytes([7, 8, 14, 15, 16, 200, 201]) * 500))


def test_utf16_text_with_bom_is_accepted(write) -> None:
    doc = load_document(write("notepad.txt", "Politique IA \u2013 r\xe9sum\xe9\r\n".encode("utf-16")))
    assert doc.text == "Politique IA \u2013 r\xe9sum\xe9\n"


def test_legacy_cp1252_text_is_accepted(write) -> None:
    doc = load_document(write("legacy.txt", "Caf\xe9 policy \u2013 r\xe9sum\xe9".encode("cp1252")))
    assert doc.text == "Caf\xe9 policy \u2013 r\xe9sum\xe9"


def test_too_big_with_small_cap(write) -> None:
    assert "larger than" in _reason(write("big.md", "# Big\n\n" + "word " * 400), max_bytes=1000)


def test_corrupt_pdf(write, make_pdf) -> None:
    assert "not a readable PDF" in _reason(write("bad.pdf", b"%PDF-1.4\nthis is not really a pdf"))
    truncated = make_pdf([[(11, "Hello world policy text.")]])[:60]
    assert "PDF" in _reason(write("cut.pdf", truncated))


def test_encrypted_pdf_needs_password(write, make_pdf) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([[(11, "Secret policy text.")]]))))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert "needs a password" in _reason(write("locked.pdf", out.getvalue()))


def test_pdf_encrypted_with_empty_user_password_opens(write, make_pdf) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([[(11, "Readable policy text.")]]))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert "Readable policy text." in load_document(write("restricted.pdf", out.getvalue())).text


def test_scanned_pdf_without_text(write) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    assert "no extractable text" in (reason := _reason(write("scan.pdf", out.getvalue()))) and "OCR" in reason


def test_corrupt_docx(write) -> None:
    assert "not a readable DOCX" in _reason(write("bad.docx", b"PK\x03\x04 definitely not a zip"))
    assert "not a readable DOCX" in _reason(write("text.docx", "plain text renamed to docx"))
