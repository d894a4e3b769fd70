"""The report built for certification: readiness with charts, changes, roadmap, review status,
trail head; untrusted text escaped in Markdown and HTML; HTML self-contained."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from discovery.diff import diff_inventories
from gap.export.meta import DocumentMeta
from gap.export.report import ReportInput, report_html, report_markdown
from gap.models import Drafter, Finding, FindingStatus, Review, ReviewEvent, ReviewState
from gap.requirements import load_catalogue
from gap.roadmap import PHASES, build_roadmap, phase_of

AT = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
CATALOGUE = load_catalogue()
META = DocumentMeta(organisation="Acme", aims_version="0.1.0", trail_events=4, trail_head="cd" * 32, generated_at=AT)


def finding(rid, status=FindingStatus.GAP, rationale="Nothing shows it.", review=None, **extra):
    return Finding(requirement=rid, title=CATALOGUE.get(rid).title, status=status, rationale=rationale,
                   drafted_by=Drafter(model="offline", prompt="p@1"), evidence_hash="h",
                   review=review or Review(), **extra)


def data(findings, **extra):
    return ReportInput(organisation="Acme <Corp>", findings=findings, systems=[], requirements=CATALOGUE.all(),
                       meta=META, **extra)


def test_the_roadmap_follows_the_phases_of_work():
    findings = [finding("9.2.1"), finding("A.6.2.8", FindingStatus.PARTIAL), finding("6.1.2"), finding("4.3"),
                finding("10.2", FindingStatus.INSUFFICIENT_EVIDENCE), finding("A.5.2"),
                finding("5.2", FindingStatus.CONFORMANT), finding("8.2")]
    phases = build_roadmap(findings, CATALOGUE).phases
    assert [p.name for p in phases] == [name for _, name, _, _ in PHASES]
    assert [[i.requirement for i in p.items] for p in phases] == [
        ["4.3"], ["6.1.2", "8.2", "A.5.2"], ["A.6.2.8"], ["9.2.1"], ["10.2"]]
    assert phase_of("A.10.3") == phase_of("7.5.1") == "operational-controls"


def test_within_a_phase_the_worst_come_first_and_rejected_drafts_await_a_decision():
    rejected = Review(state=ReviewState.REJECTED, reviewer="bob", at=AT)
    findings = [finding("4.2", FindingStatus.PARTIAL), finding("4.3", FindingStatus.CONFORMANT, review=rejected),
                finding("4.1", FindingStatus.INSUFFICIENT_EVIDENCE), finding("5.3")]
    items = build_roadmap(findings, CATALOGUE).phases[0].items
    assert [(i.requirement, i.status) for i in items] == [
        ("5.3", "gap"), ("4.1", "insufficient-evidence"), ("4.2", "partial"), ("4.3", "awaiting a decision")]


def test_markdown_escapes_untrusted_text():
    evil = finding("5.2", rationale="<script>alert(1)</script>\n# not a heading\n[click](http://evil)",
                   review=Review(state=ReviewState.ACCEPTED, reviewer="<img src=x onerror=alert(1)>", at=AT))
    text = report_markdown(data([evil]))
    assert not re.search(r"(?<!\\)<(script|img)", text)  # every < is backslash-escaped: shown, not run
    assert "\n# not a heading" not in text and "[click](http://evil)" not in text


def test_html_is_self_contained_and_escaped():
    evil = finding("5.2", rationale="<script>alert(1)</script>")
    page = report_html(data([evil]))
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "Acme &lt;Corp&gt;" in page


def test_html_has_readiness_charts_roadmap_review_status_and_trail_head():
    accepted = Review(state=ReviewState.EDITED, reviewer="carol", at=AT, note="checked with legal")
    findings = [finding("5.2", review=accepted, owner="CISO", due=date(2027, 3, 31), actions=["Approve the policy"]),
                finding("A.2.2", FindingStatus.CONFORMANT)]
    page = report_html(data(findings, changed_findings=["5.2"], decisions_since=[
        ReviewEvent(seq=1, requirement="5.2", actor="carol", at=AT, action="edit", before=None, after=None,
                    previous_hash="0" * 64)]))
    assert page.count("<svg") >= 2 and "Readiness by clause and Annex A group" in page
    assert "5 Leadership" in page and "A.2 Policies related to AI" in page
    roadmap_part = page[page.index("id='roadmap'"):page.index("AI system inventory")]
    assert "1. Context and scope (1)" in roadmap_part and "CISO" in roadmap_part and "2027-03-31" in roadmap_part
    assert "Approve the policy" in roadmap_part
    assert "by carol on 2026-12-01T09:00:00+00:00; note: checked with legal" in page
    assert "Drafts that read differently after the last run: 5.2." in page
    assert "1 review action(s) since the previous run, by carol (1)" in page
    assert "4 review event(s), head " + "cd" * 32 in page


def test_changes_name_inventory_differences():
    from discovery.models import AISystem

    before = [AISystem(id="s1", name="svc uses OpenAI", scope="repo:svc", providers=["openai"])]
    after = [AISystem(id="s2", name="Claude in browser", scope="saas:claude", providers=["anthropic"])]
    text = report_markdown(data([finding("5.2")], inventory_diff=diff_inventories(before, after, "scan-a", "scan-b")))
    assert "Inventory, new: Claude in browser" in text and "Inventory, gone: svc uses OpenAI" in text


def test_markdown_has_the_same_sections():
    text = report_markdown(data([finding("5.2", owner="CISO")]))
    for heading in ("## Readiness by clause and Annex A group", "## What changed since the previous run",
                    "## Roadmap of open gaps", "## Review trail"):
        assert heading in text
    assert "owner CISO" in text
