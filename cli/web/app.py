"""The review workspace in the browser (`aims serve`): a Flask app, server-rendered, no JavaScript.

It reads and writes the workspace through the same store functions as the CLI. Every form
carries a CSRF token (Flask-WTF); every decision carries the draft hash and the trail position
the reviewer saw, so a second reviewer deciding the same finding is refused, not silently
overwriting the first. Pages forbid scripts and framing through their Content-Security-Policy.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.sansio.utils import host_is_trusted

from cli.web import views
from cli.workspace.config import Config, load_config
from cli.workspace.findings import FindingStore, ReviewError, StaleDecision
from cli.workspace.store import Workspace
from gap.charts import progress_bar, readiness_bars, trend_line
from gap.models import FindingStatus
from gap.soa import build_soa

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]
_PUBLIC = {"login", "static"}


def create_app(workspace_root: Path, *, config: Config | None = None, reviewer: str | None = None,
               secret_key: str | None = None, trusted_hosts: list[str] | None = None) -> Flask:
    """The app for one workspace. `reviewer` fixes the name (else each browser session logs in)."""
    workspace_root = Path(workspace_root)
    if not Workspace(workspace_root).exists:
        raise ReviewError(f"no aims workspace at {workspace_root}; create one with `aims init`")
    config = config or load_config(workspace_root / "aims.toml")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,  # valid for the browser session; the session cookie is the limit
    )
    CSRFProtect(app)
    sources = views.SourceText(workspace_root, config)
    fixed_reviewer = (reviewer or config.reviewer or "").strip() or None

    @app.before_request
    def _open_workspace() -> Any:
        # A page bound to loopback answers only to loopback names: defeats DNS rebinding.
        if trusted_hosts and not host_is_trusted(request.headers.get("Host", ""), trusted_hosts):
            return Response("untrusted Host header", status=400, mimetype="text/plain")
        g.workspace = Workspace(workspace_root)
        g.store = FindingStore(g.workspace)
        g.reviewer = session.get("reviewer") or fixed_reviewer
        if g.reviewer is None and request.endpoint not in _PUBLIC:
            return redirect(url_for("login", next=request.full_path))
        return None

    @app.teardown_request
    def _close_workspace(_exc: BaseException | None) -> None:
        workspace = g.pop("workspace", None)
        if workspace is not None:
            workspace.close()

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Any:
        return render_template("error.html", title="Form expired", message=f"{error.description} Reload the page "
                               "and try again."), 400

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"reviewer": g.get("reviewer"), "fixed_reviewer": fixed_reviewer}

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            name = request.form.get("name", "").strip()
            if not name:
                flash("Type your name: it is recorded on every decision you make.", "error")
                return render_template("login.html"), 400
            session.clear()
            session["reviewer"] = name[:120]
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("dashboard"))
        return render_template("login.html")

    @app.post("/logout")
    def logout() -> Any:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/")
    def dashboard() -> Any:
        data = views.dashboard(g.workspace, g.store)
        charts = {
            "clauses": readiness_bars(data.clauses, title="Readiness by clause"),
            "controls": readiness_bars(data.controls, title="Readiness by Annex A group"),
            "progress": progress_bar(data.decided, data.total, title="Review progress"),
            "trend": trend_line(data.trend, title="Shadow AI across scans"),
        }
        return render_template("dashboard.html", data=data, charts=charts, head=g.store.head())

    @app.get("/findings")
    def findings() -> Any:
        filters = views.Filters.from_args(request.args)
        rows = views.finding_rows(g.store, filters)
        return render_template("findings.html", rows=rows, filters=filters, statuses=views.STATUSES,
                               groups=views.groups())

    def _finding_page(rid: str, status_code: int = 200) -> Any:
        try:
            finding = g.store.find(rid)
        except ReviewError as exc:
            requirement = _requirement(rid)
            if requirement is None:
                abort(404, str(exc))
            return render_template("finding_missing.html", requirement=requirement, message=str(exc)), 404
        shown = finding.shown_draft()
        contexts = [sources.context(c) for c in shown.citations]
        return render_template(
            "finding.html", finding=finding, shown=shown, requirement=_requirement(finding.requirement),
            contexts=contexts, source_problem=sources.problem, history=views.history(g.store, finding),
            draft_hash=shown.content_hash(), position=g.store.trail_position(finding.requirement),
            statuses=[s.value for s in FindingStatus], changes=_changes(finding),
        ), status_code

    @app.get("/findings/<rid>")
    def finding(rid: str) -> Any:
        return _finding_page(rid)

    @app.post("/findings/<rid>/decide")
    def decide(rid: str) -> Any:
        form = request.form
        action = form.get("action", "")
        if action not in ("accept", "edit", "reject", "reopen"):
            abort(400, "unknown action")
        try:
            position = int(form.get("position", ""))
        except ValueError:
            abort(400, "the form lacks the trail position")
        changes: dict[str, Any] = {}
        if action == "edit":
            requirement = _requirement(rid)
            current = g.store.get(requirement.id) if requirement is not None else None
            status = form.get("status") or None
            owner = (form.get("owner") or "").strip()
            due = _date(form.get("due"))
            changes = {
                "status": FindingStatus(status) if status in {s.value for s in FindingStatus} else None,
                "rationale": (form.get("rationale") or "").strip() or None,
                # The form shows the current owner and due date; only a change counts as an edit.
                "owner": owner if current is not None and owner != (current.owner or "") else None,
                "due": due if current is not None and due != current.due else None,
            }
        try:
            g.store.review(rid, action, g.reviewer, draft_hash=form.get("draft_hash") or None,
                           expected_position=position, note=(form.get("note") or "").strip() or None,
                           source={"via": "web"}, **changes)
        except StaleDecision as exc:
            flash(f"Not saved: {exc}", "error")
            return _finding_page(rid, 409)
        except ReviewError as exc:
            flash(f"Not saved: {exc}", "error")
            return _finding_page(rid, 400)
        flash(f"{rid}: {action} recorded by {g.reviewer}.", "ok")
        return redirect(url_for("finding", rid=g.store.find(rid).requirement))

    @app.get("/source/<chunk_id>")
    def source(chunk_id: str) -> Any:
        from gap.models import Citation

        try:
            start, end = int(request.args.get("start", "")), int(request.args.get("end", ""))
        except ValueError:
            abort(400, "start and end are required")
        probe = Citation(chunk_id=chunk_id, document="", start=start, end=end, quote="")
        found = sources.document_for(probe)
        if found is None or not (0 <= start <= end <= len(found[1])):
            abort(404, sources.problem or "that passage is not in the policy index")
        text = found[1]
        return render_template("source.html", document=request.args.get("doc", found[0]),
                               text=views.highlighted(text, start, end, context=len(text)))

    @app.get("/inventory")
    def inventory() -> Any:
        systems = sorted(views.inventory(g.workspace), key=lambda s: (s.risk_tier, s.name))
        return render_template("inventory.html", systems=systems)

    @app.get("/soa")
    def soa() -> Any:
        entries = build_soa(g.store.all(), views.catalogue(), None)
        return render_template("soa.html", entries=entries, head=g.store.head())

    @app.get("/trail")
    def trail() -> Any:
        return render_template("trail.html", events=list(reversed(g.store.events())), head=g.store.head(),
                               problems=g.store.verify())

    def _requirement(rid: str) -> Any:
        try:
            return views.catalogue().get(rid)
        except ValueError:
            return None

    def _changes(finding: Any) -> list[Any]:
        from gap.draft_diff import draft_changes

        waiting = finding.waiting_draft()
        return draft_changes(finding, waiting) if waiting is not None else []

    return app


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, "the due date must be YYYY-MM-DD")
