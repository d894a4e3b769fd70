#!/usr/bin/env python3
"""Write supplier-management.pdf, Acme's Supplier Management Standard (stdlib only).

    python examples/acme/policies/make_pdf.py

The PDF is deliberately plain: standard Helvetica fonts (no embedding), one uncompressed content
stream of simple text objects a page, and an exact cross-reference table, so that any PDF text
extractor (pypdf included) gets the words back in reading order. Each page's text is fixed here;
the script fails rather than letting text run off a page.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

OUT = Path(__file__).resolve().parent / "supplier-management.pdf"
PAGE_W, PAGE_H = 612, 792  # US Letter, points
LEFT, TOP, BOTTOM = 72, 730, 72
BODY_SIZE, LEADING, WRAP = 10, 13.5, 92
TITLE = "Supplier Management Standard"
FOOTER = "Acme Analytics Ltd | Supplier Management Standard STD-SUP-004 v3.1 | Internal | Page {n} of {total}"

# Blocks: ("h1" | "h2" | "p" | "li" | "meta", text). "li" is a bullet item.
PAGES: list[list[tuple[str, str]]] = [
    [
        ("h1", "Acme Analytics Ltd: Supplier Management Standard"),
        ("meta", "Document STD-SUP-004, version 3.1. Owner: Head of Procurement. Approved by the Chief "
                 "Operating Officer on 2026-01-12. Classification: Internal."),
        ("h2", "1. Purpose"),
        ("p", "Acme depends on other companies for hosting, software, data and, increasingly, artificial "
              "intelligence services. This standard sets out how we choose those suppliers, what we check "
              "before we share information with them, what our contracts must say, and how we keep "
              "watching them once they are in place."),
        ("h2", "2. Scope"),
        ("p", "This standard applies to every third party that provides goods, services, software, data or "
              "staff to Acme, including SaaS applications, cloud platforms, AI model and API providers, "
              "data vendors and contractors. It applies whatever the value of the contract, and to free "
              "services that will receive Acme or customer information."),
        ("h2", "3. Supplier tiers"),
        ("p", "Procurement assigns each supplier a tier when it is first proposed:"),
        ("li", "Tier 1 (critical): the supplier receives Confidential or Restricted data, or the Acme "
               "platform cannot run without it."),
        ("li", "Tier 2 (important): the supplier receives Internal data or supports an important business "
               "process."),
        ("li", "Tier 3 (low): the supplier receives no Acme information beyond contact details."),
        ("p", "The tier sets the depth of due diligence, the contract terms required and how often the "
              "supplier is reassessed."),
        ("h2", "4. Due diligence before onboarding"),
        ("p", "No supplier receives Acme information, and no contract is signed, until due diligence is "
              "complete. For Tier 1 and Tier 2 suppliers it includes:"),
        ("li", "our security questionnaire, with evidence such as an ISO/IEC 27001 certificate or a SOC 2 "
               "Type II report less than twelve months old;"),
        ("li", "a privacy review by the Data Protection Officer where personal data will be processed;"),
        ("li", "a financial stability check and sanctions screening;"),
        ("li", "a review of the supplier's standard terms by Legal;"),
        ("li", "for Tier 1, a call with the supplier's security team to go through open points."),
        ("p", "Findings are recorded in the supplier record in the procurement system together with the "
              "decision and who made it."),
    ],
    [
        ("h2", "5. Additional due diligence for AI vendors"),
        ("p", "A supplier whose service uses AI models on information we send it, or that gives us access to "
              "AI models, is an AI vendor, whatever its tier. Before approval we also establish and record:"),
        ("li", "whether our inputs and outputs are used to train or improve the vendor's models; for "
               "Confidential data this must be excluded by contract, not only by a setting;"),
        ("li", "how long prompts, files and outputs are retained, and how they are deleted;"),
        ("li", "where the data is processed and stored, and which sub-processors are involved;"),
        ("li", "how the vendor versions its models, and how much notice it gives before a model is changed "
               "or withdrawn;"),
        ("li", "what documentation the vendor provides on the model's intended use and known limitations;"),
        ("li", "how the vendor tests its service against misuse such as prompt injection;"),
        ("li", "that the tool has been entered in the AI register under the AI Policy."),
        ("h2", "6. Data processing terms"),
        ("p", "Where a supplier processes personal data for Acme, the contract includes a data processing "
              "agreement. It must require the supplier to:"),
        ("li", "process the data only on Acme's documented instructions and for the agreed purpose;"),
        ("li", "keep the data confidential and protect it with appropriate security measures;"),
        ("li", "use sub-processors only with Acme's prior approval and on equivalent terms;"),
        ("li", "help Acme respond to requests from individuals exercising their data protection rights;"),
        ("li", "notify Acme of a personal data breach without undue delay and within 48 hours;"),
        ("li", "return or delete the data at the end of the contract and confirm this in writing;"),
        ("li", "allow Acme, or an auditor acting for Acme, to verify compliance;"),
        ("li", "transfer data outside the UK and EEA only with a recognised safeguard in place."),
        ("h2", "7. Allocation of responsibilities"),
        ("p", "For every Tier 1 supplier and every AI vendor, the contract includes a responsibility matrix "
              "that states, for each area, whether Acme, the supplier or both are responsible: data "
              "protection, security of the service, configuration, monitoring of model quality, incident "
              "response, and support for Acme's users. Where the matrix leaves a gap, the Acme system owner "
              "closes it before go-live. Acme's system owner remains accountable for how Acme uses the "
              "service, even where the supplier runs it."),
    ],
    [
        ("h2", "8. Ongoing monitoring"),
        ("p", "Suppliers are reassessed on a schedule set by their tier: Tier 1 and AI vendors every year, "
              "Tier 2 every two years and Tier 3 when the contract is renewed. Reassessment repeats the "
              "relevant due diligence and reviews the supplier's latest certificates or audit reports."),
        ("p", "Contract owners hold service reviews with Tier 1 suppliers at least twice a year, covering "
              "service levels, incidents, changes to sub-processors and planned changes to the service."),
        ("p", "A change to an AI vendor's terms of use, data retention or model line-up triggers an early "
              "reassessment. The contract owner informs the AI risk owner so that the AI risk assessment "
              "can be updated."),
        ("h2", "9. Offboarding"),
        ("p", "When a contract ends, the contract owner makes sure that Acme's data is returned or deleted "
              "and that a written confirmation is kept, that the supplier's access to Acme systems and "
              "accounts is removed, and that the supplier record and, for AI vendors, the AI register entry "
              "are updated."),
        ("h2", "10. Exceptions"),
        ("p", "An exception to this standard needs the written approval of the Chief Information Security "
              "Officer and the Head of Procurement, is limited to six months, and is recorded in the "
              "exceptions register with the compensating measures."),
        ("h2", "11. Review"),
        ("p", "The Head of Procurement reviews this standard every year with Legal and the CISO, and after "
              "a significant supplier failure."),
        ("h2", "Version history"),
        ("li", "3.0 (2025-06-02): added the responsibility matrix for Tier 1 suppliers."),
        ("li", "3.1 (2026-01-12): added section 5 on AI vendors and extended the responsibility matrix to "
               "AI vendors."),
    ],
]


def _escape(text: str) -> str:
    text.encode("latin-1")  # only WinAnsi-representable text; fail loudly otherwise
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _lines(blocks: list[tuple[str, str]]) -> list[tuple[str, float, float, str]]:
    """(font, size, x, text) for each line, with None lines for vertical gaps."""
    out: list[tuple[str, float, float, str]] = []
    for kind, text in blocks:
        if kind == "h1":
            out += [("F2", 15, LEFT, line) for line in textwrap.wrap(text, 60)] + [("gap", 6, 0, "")]
        elif kind == "h2":
            out += [("gap", 6, 0, ""), ("F2", 11.5, LEFT, text), ("gap", 2, 0, "")]
        elif kind == "meta":
            out += [("F1", 9, LEFT, line) for line in textwrap.wrap(text, 100)] + [("gap", 4, 0, "")]
        elif kind == "p":
            out += [("F1", BODY_SIZE, LEFT, line) for line in textwrap.wrap(text, WRAP)] + [("gap", 4, 0, "")]
        elif kind == "li":
            wrapped = textwrap.wrap(text, WRAP - 4)
            out.append(("F1", BODY_SIZE, LEFT + 8, "- " + wrapped[0]))
            out += [("F1", BODY_SIZE, LEFT + 17, line) for line in wrapped[1:]]
        else:
            raise ValueError(kind)
    return out


def _content(blocks: list[tuple[str, str]], number: int, total: int) -> bytes:
    ops = []
    y = TOP
    for font, size, x, text in _lines(blocks):
        if font == "gap":
            y -= size
            continue
        y -= LEADING if size <= 11.5 else size * 1.25
        if y < BOTTOM:
            raise SystemExit(f"page {number} overflows; move text to the next page")
        ops.append(f"BT /{font} {size:g} Tf 1 0 0 1 {x:g} {y:.2f} Tm ({_escape(text)}) Tj ET")
    footer = FOOTER.format(n=number, total=total)
    ops.append(f"BT /F1 8 Tf 1 0 0 1 {LEFT} 40 Tm ({_escape(footer)}) Tj ET")
    return ("\n".join(ops) + "\n").encode("latin-1")


def build() -> bytes:
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages = add(b"")
    font1 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    font2 = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    info = add(f"<< /Title ({TITLE}) /Author (Acme Analytics Ltd) /Subject (Third-party and supplier "
               f"due diligence) /Producer (examples/acme/policies/make_pdf.py) >>".encode("latin-1"))
    kids = []
    for n, blocks in enumerate(PAGES, start=1):
        stream = _content(blocks, n, len(PAGES))
        contents = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        kids.append(add(
            f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 {font1} 0 R /F2 {font2} 0 R >> >> /Contents {contents} 0 R >>".encode()
        ))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {pages} 0 R >>".encode()
    objects[pages - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                          f"/Count {len(kids)} >>").encode()

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, info, xref)
    return bytes(out)


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(PAGES)} pages)")
