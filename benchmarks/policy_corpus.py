"""A generated corpus of policy documents: what an organisation's policy folder looks like.

Documents of varying length (a one-page standard to a 20-page policy; lengths drawn from a
log-normal), in a Markdown / HTML / PDF / DOCX mix (40 / 25 / 20 / 15%), each with numbered
sections on the topics management-system policies cover (AI use, risk, data, suppliers, incidents,
training, access, change, retention...). The prose is assembled from clause templates with varied
subjects, duties, frequencies and owners, so no two sections read alike. Own text throughout.

    python -m benchmarks.policy_corpus OUT_DIR [--documents 500] [--seed 11]
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
from pathlib import Path
from typing import Any

TOPICS = {
    "Artificial Intelligence Use": ["generative AI tools", "AI systems", "machine learning models", "AI assistants"],
    "AI Risk Assessment": ["AI risk assessments", "impact assessments", "model risk reviews", "bias evaluations"],
    "Data Handling": ["personal data", "customer records", "training data sets", "confidential information"],
    "Supplier Management": ["suppliers", "third-party AI providers", "cloud vendors", "subcontractors"],
    "Incident Management": ["security incidents", "AI incidents", "service outages", "data breaches"],
    "Training and Awareness": ["staff training", "AI literacy courses", "awareness campaigns", "role-based training"],
    "Access Control": ["user accounts", "privileged access", "service credentials", "API keys"],
    "Change Management": ["system changes", "model updates", "configuration changes", "release approvals"],
    "Records Retention": ["event logs", "audit records", "model documentation", "decision records"],
    "Business Continuity": ["recovery plans", "backup arrangements", "continuity tests", "critical services"],
    "Acceptable Use": ["company devices", "collaboration tools", "internet access", "messaging platforms"],
    "Human Oversight": ["automated decisions", "model outputs", "escalation paths", "review checkpoints"],
}
DUTIES = ["must be approved by", "shall be reviewed by", "is owned by", "must be reported to", "is monitored by",
          "shall be documented by", "must be assessed by", "is signed off by"]
OWNERS = ["the Chief Information Security Officer", "the AI Governance Board", "the Data Protection Officer",
          "the Head of Procurement", "each system owner", "the Risk Committee", "line managers", "the IT Service Desk"]
FREQUENCIES = ["annually", "every six months", "quarterly", "before first use", "after every significant change",
               "within 72 hours", "at least once a year", "on joining and yearly thereafter"]
CLAUSES = [
    "All {subject} {duty} {owner} {freq}.",
    "Where {subject} affect customers, the outcome {duty} {owner} and the rationale is kept for audit.",
    "Exceptions for {subject} are rare; each one {duty} {owner} and expires {freq}.",
    "The register of {subject} lists purpose, owner, data used and risk rating, and it {duty} {owner} {freq}.",
    "Employees may use {subject} only for approved business purposes, and any new use {duty} {owner}.",
    "Evidence that controls over {subject} operate is retained for three years and {duty} {owner} {freq}.",
    "Metrics on {subject} are reported to management {freq}, with actions tracked to closure.",
    "If {subject} fail or behave unexpectedly, staff raise an incident immediately; it {duty} {owner}.",
    "Contracts covering {subject} include security, privacy and audit clauses, checked {freq}.",
    "Roles and responsibilities for {subject} are defined in the RACI annex and reviewed {freq}.",
]


def _section(rng: random.Random, number: int, topic: str) -> tuple[str, list[str]]:
    subjects = TOPICS[topic]
    paragraphs = []
    for _ in range(rng.randint(2, 5)):
        sentences = [rng.choice(CLAUSES).format(subject=rng.choice(subjects), duty=rng.choice(DUTIES),
                                                owner=rng.choice(OWNERS), freq=rng.choice(FREQUENCIES))
                     for _ in range(rng.randint(2, 5))]
        paragraphs.append(" ".join(s[0].upper() + s[1:] for s in sentences))
    return f"{number}. {topic}", paragraphs


def document(rng: random.Random, index: int) -> dict[str, Any]:
    topic = rng.choice(list(TOPICS))
    sections = max(1, min(40, int(rng.lognormvariate(1.3, 0.7))))
    topics = [topic] + rng.choices(list(TOPICS), k=sections - 1)
    title = f"{topic} Policy POL-{index:04d}"
    return {"title": title, "intro": f"This document sets out how the organisation manages {TOPICS[topic][0]}. "
                                     f"Version {rng.randint(1, 6)}.{rng.randint(0, 9)}, owner: {rng.choice(OWNERS)}.",
            "sections": [_section(rng, n, t) for n, t in enumerate(topics, start=1)]}


def write_markdown(doc: dict[str, Any], path: Path) -> None:
    parts = [f"# {doc['title']}", doc["intro"]]
    for heading, paragraphs in doc["sections"]:
        parts += [f"## {heading}", *paragraphs]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def write_html(doc: dict[str, Any], path: Path) -> None:
    body = [f"<h1>{doc['title']}</h1>", f"<p>{doc['intro']}</p>"]
    for heading, paragraphs in doc["sections"]:
        body += [f"<h2>{heading}</h2>", *(f"<p>{p}</p>" for p in paragraphs)]
    path.write_text(f"<!doctype html><html><head><title>{doc['title']}</title></head><body>"
                    + "\n".join(body) + "</body></html>\n", encoding="utf-8")


def write_docx(doc: dict[str, Any], path: Path) -> None:
    from docx import Document

    out = Document()
    out.add_heading(doc["title"], level=1)
    out.add_paragraph(doc["intro"])
    for heading, paragraphs in doc["sections"]:
        out.add_heading(heading, level=2)
        for paragraph in paragraphs:
            out.add_paragraph(paragraph)
    out.save(str(path))


def write_pdf(doc: dict[str, Any], path: Path) -> None:
    """A plain PDF: Helvetica text objects, one uncompressed content stream a page, exact xref."""
    lines: list[tuple[int, str]] = [(16, doc["title"]), (10, "")]
    lines += [(10, line) for line in textwrap.wrap(doc["intro"], 95)]
    for heading, paragraphs in doc["sections"]:
        lines += [(10, ""), (12, heading)]
        for paragraph in paragraphs:
            lines += [(10, line) for line in textwrap.wrap(paragraph, 95)] + [(10, "")]
    pages = [lines[i:i + 48] for i in range(0, len(lines), 48)]
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for page in pages:
        y, ops = 740.0, []
        for size, text in page:
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 {size} Tf 60 {y:.1f} Td ({escaped}) Tj ET")
            y -= size * 1.4
        stream = "\n".join(ops).encode("latin-1", "replace")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       b"/Contents %d 0 R >>" % (len(objects)))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids) + b"] /Count %d >>" % len(kids)
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


WRITERS = [("md", write_markdown, 0.40), ("html", write_html, 0.25), ("pdf", write_pdf, 0.20), ("docx", write_docx, 0.15)]


def generate(out: Path, documents: int = 500, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, int] = {}
    for index in range(documents):
        suffix, writer, _share = rng.choices(WRITERS, [w[2] for w in WRITERS])[0]
        writer(document(rng, index), out / f"policy-{index:04d}.{suffix}")
        kinds[suffix] = kinds.get(suffix, 0) + 1
    size = sum(p.stat().st_size for p in out.iterdir())
    return {"documents": documents, "by_type": kinds, "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.documents, args.seed)))


if __name__ == "__main__":
    main()
