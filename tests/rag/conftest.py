"""Fixtures for the rag tests: tiny documents of every type, test embedders."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from rag.lexical import tokenize


class HashEmbedder:
    """Deterministic bag-of-stems vectors: fast, offline, good enough for logic tests."""

    def __init__(self, name: str = "test-hash", dimension: int = 64) -> None:
        self.name = name
        self.dimension = dimension
        self.calls: list[list[str]] = []

    def embed(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            vector = [0.0] * self.dimension
            for token in tokenize(text) or ["empty"]:
                slot = int(hashlib.sha256(token.encode()).hexdigest()[:8], 16) % self.dimension
                vector[slot] += 1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def build_pdf(pages: list[list[tuple[float, str]] | bytes], title: str | None = None) -> bytes:
    """A valid PDF with Helvetica text (/F1, bold /F2).

    Each page is a list of (font size, line), or a raw content stream.
    """
    objects: list[bytes] = []
    page_ids = [5 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> "
        b"/F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >> >>"
    )
    info = f"<< /Title ({_pdf_string(title)}) >>" if title else "<< >>"
    objects.append(info.encode())
    for lines in pages:
        if isinstance(lines, bytes):
            stream = lines
        else:
            y = 760.0
            ops = []
            for size, line in lines:
                ops.append(f"BT /F1 {size:g} Tf 72 {y:g} Td ({_pdf_string(line)}) Tj ET")
                y -= size * 1.6
            stream = "\n".join(ops).encode("latin-1")
        content_id = len(objects) + 2
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font 3 0 R >> /Contents {content_id} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


POLICY_MD = """---
title: Acme AI Policy
---
# AI policy

This policy sets how Acme Ltd selects, builds and uses artificial intelligence.

## Acceptable use

Employees must not paste customer personal data or confidential source code into public
generative AI chatbots such as ChatGPT. Approved tools are listed in the AI register.

Managers approve any new AI tool before a team starts to use it.

## Data retention

Training data sets are kept for three years and then deleted. The data owner reviews
retention every year.

## Incident reporting

Report any AI incident, such as a harmful output or a data leak through a model, to the
security team within 24 hours using the incident form.

```
# not a heading inside a code fence
```
"""


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    return build_pdf


@pytest.fixture
def make_hash_embedder() -> type[HashEmbedder]:
    return HashEmbedder


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    def _write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return _write


@pytest.fixture
def policy_md(write: Callable[[str, bytes | str], Path]) -> Path:
    return write("ai-policy.md", POLICY_MD)


@pytest.fixture
def policy_pdf(write: Callable[[str, bytes | str], Path]) -> Path:
    pages = [
        [
            (20, "Information Security Policy"),
            (11, "This policy protects the information of Acme Ltd."),
            (16, "Access control"),
            (11, "Access to production systems requires multi-factor authentication."),
        ],
        [
            (16, "Supplier management"),
            (11, "Suppliers that process personal data sign a data processing agreement."),
        ],
    ]
    return write("security.pdf", build_pdf(pages, title="Information Security Policy"))


@pytest.fixture
def policy_docx(tmp_path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "AI Risk Procedure"
    document.add_heading("AI Risk Procedure", level=1)
    document.add_paragraph("This procedure explains how AI risks are assessed.")
    document.add_heading("Impact assessment", level=2)
    document.add_paragraph("Every AI system gets an impact assessment before deployment.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Risk level"
    table.cell(0, 1).text = "Approver"
    table.cell(1, 0).text = "High"
    table.cell(1, 1).text = "AI governance board"
    document.add_heading("Review", level=2)
    document.add_paragraph("Assessments are reviewed yearly.")
    path = tmp_path / "risk.docx"
    document.save(str(path))
    return path


POLICY_HTML = """<!doctype html><html><head><title>Vendor AI Standard</title>
<style>body { color: red }</style><script>var tracking = "do not index";</script></head>
<body><header><a href="/">Home</a> | <a href="/about">About us</a></header>
<nav><ul><li>Menu item one</li><li>Menu item two</li></ul></nav>
<div class="breadcrumbs">Intranet &rsaquo; Standards</div><aside>Related links outside main</aside>
<main><div class="page-sidebar">Sidebar widget</div><h1>Vendor AI Standard</h1>
<p>Third-party AI services must be assessed by procurement before purchase.</p>
<h2>Contract clauses</h2><p>Contracts forbid the vendor from training models on our data.</p>
<table><tr><th>Clause</th><th>Owner</th></tr><tr><td>No training</td><td>Legal</td></tr></table>
<h2>Monitoring</h2><ul><li>Vendors report incidents within 48 hours.</li><li>We review vendors yearly.</li></ul>
</main><footer>Copyright Acme Ltd. Cookie settings.</footer></body></html>"""


@pytest.fixture
def policy_html(write: Callable[[str, bytes | str], Path]) -> Path:
    return write("vendor.html", POLICY_HTML)


@pytest.fixture(scope="session")
def minilm():  # -> MiniLMEmbedder, loaded once: the real model is small but not free
    # No skip when the packages are missing: they are runtime dependencies,
    # and a skip would hide a broken install.
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def minilm_exact():  # -> MiniLMEmbedder running the source graph as published: the reference for the fast one
    from rag.embeddings import MiniLMEmbedder

    return MiniLMEmbedder(variant="exact")
