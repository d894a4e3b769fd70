"""`aims serve` at the HTTP level (always runs): login, CSRF on every form, decisions through the
same store as the CLI, filters, the two-reviewer conflict, escaping and security headers."""

from __future__ import annotations

import re

import pytest

from cli.web.app import create_app
from cli.workspace.findings import FindingStore
from cli.workspace.store import Workspace
from gap.models import FindingStatus, ReviewState

from tests.cli.review_helpers import draft, workspace_with

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def ws(workspace_dir):
    workspace_with(workspace_dir, [draft("5.2"), draft("A.2.2", status=FindingStatus.PARTIAL),
                                   draft("6.1.2", rationale="<script>alert(1)</script> is in the policy")])
    return workspace_dir


@pytest.fixture
def web(ws):
    app = create_app(ws, secret_key="test-secret")
    return app


def login(client, name):
    page = client.get("/login")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    response = client.post("/login", data={"name": name, "csrf_token": token})
    assert response.status_code == 302
    return client


def form_of(client, path):
    html = client.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return fields, html


def test_every_page_needs_a_reviewer_name_first(web):
    client = web.test_client()
    assert client.get("/").status_code == 302 and "/login" in client.get("/").headers["Location"]
    login(client, "alice")
    for path in ("/", "/findings", "/findings/5.2", "/inventory", "/soa", "/trail"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "alice" in response.get_data(as_text=True)
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_a_post_without_the_csrf_token_is_refused(web, ws):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    del fields["csrf_token"]
    response = client.post("/findings/5.2/decide", data={**fields, "action": "accept"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert FindingStore(Workspace(ws)).events() == []
    assert web.test_client().post("/login", data={"name": "mallory"}).status_code == 400


def test_accept_edit_and_reject_land_on_the_trail_under_the_logged_in_name(web, ws):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    assert client.post("/findings/5.2/decide", data={**fields, "action": "accept"}).status_code == 302
    fields, _ = form_of(client, "/findings/a.2.2")
    edited = client.post("/findings/A.2.2/decide", data={**fields, "action": "edit", "status": "gap",
                                                          "rationale": "No approval record.", "note": "checked",
                                                          "owner": "CISO", "due": "2027-03-31"})
    assert edited.status_code == 302
    fields, _ = form_of(client, "/findings/6.1.2")
    assert client.post("/findings/6.1.2/decide", data={**fields, "action": "reject", "note": "wrong"}).status_code == 302
    store = FindingStore(Workspace(ws))
    assert [(e.requirement, e.action, e.actor, e.source["via"]) for e in store.events()] == [
        ("5.2", "accept", "alice", "web"), ("A.2.2", "edit", "alice", "web"), ("6.1.2", "reject", "alice", "web")]
    edited_finding = store.get("A.2.2")
    assert (edited_finding.status, edited_finding.review.note, edited_finding.owner, str(edited_finding.due)) == (
        FindingStatus.GAP, "checked", "CISO", "2027-03-31")
    assert store.verify() == []
    trail = client.get("/trail").get_data(as_text=True)
    assert "3 event(s)" in trail and "Verified" in trail


def test_the_second_of_two_reviewers_is_refused_not_silently_overwriting(web, ws):
    alice = login(web.test_client(), "alice")
    bob = login(web.test_client(), "bob")
    alice_form, _ = form_of(alice, "/findings/5.2")
    bob_form, _ = form_of(bob, "/findings/5.2")
    assert alice.post("/findings/5.2/decide", data={**alice_form, "action": "accept"}).status_code == 302
    refused = bob.post("/findings/5.2/decide", data={**bob_form, "action": "reject", "note": "no"})
    assert refused.status_code == 409 and "decided by alice" in refused.get_data(as_text=True)
    finding = FindingStore(Workspace(ws)).get("5.2")
    assert finding.review.state is ReviewState.ACCEPTED and finding.review.reviewer == "alice"


def test_a_decision_on_a_draft_that_changed_meanwhile_is_refused(web, ws):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    FindingStore(Workspace(ws)).save_drafts([draft("5.2", rationale="rewritten by a re-run")],
                                            {"id": "r2", "started_at": "t2"})
    response = client.post("/findings/5.2/decide", data={**fields, "action": "accept"})
    assert response.status_code == 409 and "not the current draft" in response.get_data(as_text=True)


def test_filters_narrow_the_findings_list(web, ws):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    client.post("/findings/5.2/decide", data={**fields, "action": "accept"})
    partial = client.get("/findings?status=partial").get_data(as_text=True)
    assert 'data-requirement="A.2.2"' in partial and 'data-requirement="5.2"' not in partial
    decided = client.get("/findings?decided=yes").get_data(as_text=True)
    assert re.findall(r'data-requirement="([^"]+)"', decided) == ["5.2"]
    group = client.get("/findings?group=A.2 Policies related to AI").get_data(as_text=True)
    assert set(re.findall(r'data-requirement="([^"]+)"', group)) == {"A.2.2", "A.2.3", "A.2.4"}
    changed = client.get("/findings?changed=yes").get_data(as_text=True)
    assert set(re.findall(r'data-requirement="([^"]+)"', changed)) == {"5.2", "A.2.2", "6.1.2"}


def test_untrusted_text_is_escaped(web):
    client = login(web.test_client(), "<b>eve</b>")
    page = client.get("/findings/6.1.2").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>eve</b>" not in page


def test_unknown_requirement_is_a_404_that_says_so(web):
    client = login(web.test_client(), "alice")
    response = client.get("/findings/A.99.9")
    assert response.status_code == 404 and "unknown requirement" in response.get_data(as_text=True)


def test_a_missing_workspace_is_refused(tmp_path):
    from cli.workspace.findings import ReviewError

    with pytest.raises(ReviewError, match="no aims workspace"):
        create_app(tmp_path / "nowhere")
    assert not (tmp_path / "nowhere").exists()


def test_a_foreign_host_header_is_refused_when_bound_to_loopback(ws):
    from cli.web.app import LOOPBACK_HOSTS

    app = create_app(ws, secret_key="s", trusted_hosts=LOOPBACK_HOSTS)
    assert app.test_client().get("/login", headers={"Host": "evil.example:8765"}).status_code == 400
    assert app.test_client().get("/login", headers={"Host": "127.0.0.1:8765"}).status_code == 200


def test_serve_refuses_a_missing_workspace(tmp_path):
    from tests.cli.review_helpers import aims

    result = aims(tmp_path / "typo", "serve", "--port", "0")
    assert result.exit_code == 1 and "no workspace at" in result.output


def test_saving_an_edit_that_changes_nothing_is_refused(web, ws):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    response = client.post("/findings/5.2/decide", data={**fields, "action": "edit", "owner": "", "due": ""})
    assert response.status_code == 400 and "edit needs at least one" in response.get_data(as_text=True)
    assert FindingStore(Workspace(ws)).events() == []


def test_deciding_a_requirement_without_a_finding_says_so(web):
    client = login(web.test_client(), "alice")
    fields, _ = form_of(client, "/findings/5.2")
    for action in ("accept", "edit"):
        response = client.post("/findings/5.3/decide", data={**fields, "action": action, "owner": "x"})
        assert response.status_code == 404 and "no finding for 5.3 yet" in response.get_data(as_text=True)


def test_the_dashboard_shows_shadow_ai_its_trend_and_unreadable_sources(ws):
    from datetime import datetime, timezone

    from cli.scanning import inventory_builder
    from discovery.models import Scan, ScanIssue
    from tests.discovery.test_merge import obs

    workspace = Workspace(ws)
    build = inventory_builder(None, datetime(2026, 12, 1).date())  # no register: every system is unknown
    for number, providers in enumerate((["openai"], ["openai", "deepseek"]), start=1):
        at = datetime(2026, 11, number, tzinfo=timezone.utc)
        issues = [ScanIssue(connector="logs", target="<script>proxy.log</script>", kind="corrupt",
                            message="not gzip")] if number == 2 else []
        scan = Scan(id=f"s{number}", started_at=at, finished_at=at, connectors=["code"], targets=["/repos/svc"],
                    issues=issues)
        workspace.record_scan(scan, [obs(provider=p, signal=f"py-import-{p}") for p in providers], build)
    workspace.close()
    client = login(create_app(ws, secret_key="s").test_client(), "alice")
    page = client.get("/").get_data(as_text=True)
    assert "Shadow AI across scans" in page and "2026-11-01" in page and "2026-11-02" in page
    assert "sources not fully read" in page and "&lt;script&gt;proxy.log&lt;/script&gt;" in page
    assert page.count("<svg") == 4 and "Readiness by Annex A group" in page
    inventory = client.get("/inventory").get_data(as_text=True)
    assert ">svc<" in inventory and ("DeepSeek" in inventory or "deepseek" in inventory)
