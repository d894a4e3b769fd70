"""SoA exports: rejected drafts never stand as the statement, formulas never live, real metadata,
and OSCAL that validates against NIST's schema for the component-definition model."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gap.export.meta import DocumentMeta
from gap.export.soa import soa_csv, soa_docx, soa_markdown, soa_oscal, soa_xlsx
from gap.models import Drafter, Finding, FindingStatus, Review, ReviewState
from gap.requirements import load_catalogue
from gap.soa import build_soa

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "oscal_component_schema_1.0.6.json"
AT = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
META = DocumentMeta(organisation="Acme", aims_version="0.1.0", workspace="/data/aims", trail_events=7,
                    trail_head="ab" * 32, generated_at=AT)


def finding(requirement, status=FindingStatus.CONFORMANT, rationale="Policy §2 covers it.", review=None):
    return Finding(requirement=requirement, status=status, rationale=rationale,
                   drafted_by=Drafter(model="offline", prompt="p@1"), evidence_hash="h", review=review or Review())


def entries(*findings):
    return build_soa(list(findings), load_catalogue(), None)


def test_a_rejected_draft_never_stands_as_the_statement():
    rejected = Review(state=ReviewState.REJECTED, reviewer="bob", at=AT, note="cites the wrong policy")
    row = next(e for e in entries(finding("A.2.2", rationale="Fully covered by the AI policy.", review=rejected))
               if e.control == "A.2.2")
    assert "Fully covered" not in row.justification and "Awaiting a decision" in row.justification
    assert "bob" in row.justification and row.implementation_status.value == "not-implemented"
    assert row.evidence == []
    text = soa_markdown([row], META).decode()
    assert "Fully covered" not in text and "Awaiting a decision" in text


def test_csv_and_xlsx_cells_never_carry_a_live_formula():
    from openpyxl import load_workbook

    evil = finding("A.2.2", rationale='=cmd|"/c calc"!A1',
                   review=Review(state=ReviewState.ACCEPTED, reviewer="@evil", at=AT))
    rows = entries(evil)
    for row in csv.reader(io.StringIO(soa_csv(rows, META).decode())):
        assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row), row
    book = load_workbook(io.BytesIO(soa_xlsx(rows, META)))
    for sheet in book.worksheets:
        for line in sheet.iter_rows(values_only=True):
            assert all(not isinstance(v, str) or v[:1] not in "=+-@\t\r" for v in line), line


def test_xlsx_and_docx_carry_real_metadata():
    from docx import Document
    from openpyxl import load_workbook

    rows = entries(finding("A.2.2"))
    props = load_workbook(io.BytesIO(soa_xlsx(rows, META))).properties
    assert props.title == "Statement of Applicability — Acme" and props.creator == "aims 0.1.0"
    assert "7 review event(s), head " + "ab" * 32 in props.description and "/data/aims" in props.description
    assert props.created.year == 2026
    core = Document(io.BytesIO(soa_docx(rows, META))).core_properties
    assert core.title == "Statement of Applicability — Acme" and core.author == "aims 0.1.0"
    assert "ab" * 32 in core.comments and core.created.year == 2026


@pytest.fixture(scope="module")
def oscal_validator():
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("rfc3986_validator", reason="uri-reference format checks need rfc3986-validator")
    regex = pytest.importorskip("regex")
    schema = json.loads(SCHEMA.read_text())
    base = jsonschema.validators.validator_for(schema)

    def pattern(validator, expected, instance, _schema):  # type: ignore[no-untyped-def]
        # NIST's patterns use Unicode classes (\p{L}) that Python's re lacks; `regex` has them.
        if validator.is_type(instance, "string") and not regex.search(expected, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {expected!r}")

    cls = jsonschema.validators.extend(base, {"pattern": pattern})
    return cls(schema, format_checker=base.FORMAT_CHECKER)


def test_oscal_validates_against_nists_component_definition_schema(oscal_validator):
    rejected = Review(state=ReviewState.REJECTED, reviewer="bob", at=AT)
    rows = entries(finding("A.2.2"), finding("A.10.4", FindingStatus.NOT_APPLICABLE),
                   finding("A.6.2.8", FindingStatus.PARTIAL, review=rejected))
    document = json.loads(soa_oscal(rows, META))
    errors = sorted(oscal_validator.iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]]
    source = document["component-definition"]["components"][0]["control-implementations"][0]["source"]
    resources = {"#" + r["uuid"] for r in document["component-definition"]["back-matter"]["resources"]}
    assert source in resources


def test_the_validator_really_checks_uri_references(oscal_validator):
    """The old export's "source": "ISO/IEC 42001:2023 Annex A" must fail, or the test above proves nothing."""
    document = json.loads(soa_oscal(entries(finding("A.2.2")), META))
    document["component-definition"]["components"][0]["control-implementations"][0]["source"] = (
        "ISO/IEC 42001:2023 Annex A")
    assert any("uri-reference" in e.message for e in oscal_validator.iter_errors(document))
