"""The shared scan path: persist, merge, classify, diff, JSON contract and exit codes."""

import csv
import io
import json

import click
from click.testing import CliRunner

from cli.context import AppContext
from cli.main import cli as root
from cli.scanning import fail_on_option, run_scan
from connectors.base import Connector, ScanResult
from discovery.models import IssueSeverity, ScanIssue, SourceKind

from tests.discovery.test_merge import obs


class ListConnector(Connector):
    """A connector that returns what the test gives it (test double for the scan path)."""

    name = "test"
    source = SourceKind.CODE

    def __init__(self, observations, issues=()):
        self.observations, self.issues = observations, list(issues)

    def scan(self, targets, progress=None):
        return ScanResult(observations=self.observations, issues=self.issues, targets=list(targets))


def scan_command(connector):
    @click.command()
    @click.argument("targets", nargs=-1)
    @click.option("--format", "output_format", default="table")
    @fail_on_option()
    @click.pass_context
    def command(ctx, targets, output_format, fail_on):
        run_scan(ctx, connector, targets, output_format=output_format, fail_on=fail_on)

    return command


def invoke(workspace, connector, *args):
    return CliRunner().invoke(scan_command(connector), list(args), obj=AppContext(workspace_dir=str(workspace), create_workspace=True))


def test_scan_json_follows_the_contract(workspace_dir):
    result = invoke(workspace_dir, ListConnector([obs(), obs(provider="anthropic")]), "/repos/svc", "--format", "json")
    # One repository using two providers is one system, not two.
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["schema"] == "aims.scan/1"
    assert {"scan", "systems", "observations", "issues"} <= data.keys()
    assert sorted(p for s in data["systems"] for p in s["providers"]) == ["anthropic", "openai"]
    assert all("confidence" in s for s in data["systems"])
    assert len(data["systems"]) == 1
    assert data["systems"][0]["status"] == "unknown"  # no register imported yet


def test_unreadable_source_exits_3_and_is_listed(workspace_dir):
    issue = ScanIssue(connector="test", target="/repos/gone", kind="not-found", message="no such directory")
    result = invoke(workspace_dir, ListConnector([], [issue]), "/repos/gone")
    assert result.exit_code == 3
    assert "not-found" in result.output and "No AI systems found in the sources that could be read" in result.output


def test_warning_alone_keeps_exit_0(workspace_dir):
    issue = ScanIssue(connector="test", target="a.log", kind="malformed-lines", message="3 lines",
                      severity=IssueSeverity.WARNING, count=3)
    assert invoke(workspace_dir, ListConnector([obs()], [issue]), "/repos/svc").exit_code == 0


def test_new_shadow_gate_and_inventory_commands(workspace_dir, tmp_path):
    register = tmp_path / "register.csv"
    register.write_text("provider,system,owner,approved_use,expires\nopenai,,o@x,support,2099-01-01\n")
    runner = CliRunner()
    ws = ["--workspace", str(workspace_dir)]
    assert runner.invoke(root, ws + ["init"]).exit_code == 0
    assert runner.invoke(root, ws + ["register", "import", str(register)]).exit_code == 0
    assert invoke(workspace_dir, ListConnector([obs()]), "/repos/svc", "--fail-on", "new-shadow").exit_code == 0
    # A second repository scanned in the same command is its own system (its own scope).
    second = invoke(workspace_dir, ListConnector([obs(), obs(provider="deepseek", repo="other", target="/repos/other")]),
                    "/repos/svc", "/repos/other", "--fail-on", "new-shadow", "--format", "json")
    assert second.exit_code == 4
    data = json.loads(second.output)
    assert len(data["diff"]["added"]) == 1 and data["gates"]

    listed = json.loads(runner.invoke(root, ws + ["inventory", "list", "--format", "json"]).output)
    assert listed["schema"] == "aims.inventory/1"
    assert {s["providers"][0]: s["status"] for s in listed["systems"]} == {"openai": "sanctioned", "deepseek": "shadow"}

    diff = json.loads(runner.invoke(root, ws + ["inventory", "diff", "--format", "json"]).output)
    assert [s["providers"] for s in diff["added"]] == [["deepseek"]]

    shadow_id = next(s["id"] for s in listed["systems"] if s["status"] == "shadow")
    shown = runner.invoke(root, ws + ["inventory", "show", shadow_id[:10]])
    assert "not in the AI register" in shown.output

    exported = runner.invoke(root, ws + ["inventory", "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(exported.output)))
    assert {r["status"] for r in rows} == {"sanctioned", "shadow"}
    bom = json.loads(runner.invoke(root, ws + ["inventory", "export", "--format", "cyclonedx"]).output)
    assert bom["bomFormat"] == "CycloneDX" and len(bom["services"]) == 2
    xlsx = tmp_path / "inv.xlsx"
    assert runner.invoke(root, ws + ["inventory", "export", "--format", "xlsx", "-o", str(xlsx)]).exit_code == 0
    assert xlsx.read_bytes()[:2] == b"PK"


def test_help_is_fast_and_lists_every_command():
    result = CliRunner().invoke(root, ["--help"])
    assert result.exit_code == 0
    for name in ("init", "discover", "inventory", "register", "policies", "gap", "review", "soa", "report", "demo"):
        assert name in result.output


def test_collections_are_paused_during_a_scan_and_restored_after(workspace_dir):
    import gc

    seen = []

    class Watching(ListConnector):
        def scan(self, targets, progress=None):
            seen.append(gc.isenabled())
            return super().scan(targets, progress)

    assert gc.isenabled()
    result = invoke(workspace_dir, Watching([obs()]), "/repos/svc", "--format", "json")
    assert result.exit_code == 0, result.output
    assert seen == [False]
    assert gc.isenabled()


def test_a_scan_leaves_collections_off_when_the_caller_had_them_off(workspace_dir):
    import gc

    gc.disable()
    try:
        result = invoke(workspace_dir, ListConnector([obs()]), "/repos/svc")
        assert result.exit_code == 0, result.output
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_recording_is_announced_on_a_terminal_and_not_when_quiet(workspace_dir, monkeypatch):
    from cli import context as aims_context

    monkeypatch.setattr(aims_context, "stderr_is_terminal", lambda: True)
    shown = invoke(workspace_dir, ListConnector([obs(), obs(path="b.py")]), "/repos/svc", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert "recording 2 observations" in shown.stderr
    assert json.loads(shown.stdout)["scan"]["counts"]["observations"] == 2  # stdout stays clean JSON
    quiet = CliRunner().invoke(scan_command(ListConnector([obs()])), ["/repos/svc"],
                               obj=AppContext(workspace_dir=str(workspace_dir), quiet=True))
    assert quiet.exit_code == 0, quiet.output
    assert "recording" not in quiet.stderr
