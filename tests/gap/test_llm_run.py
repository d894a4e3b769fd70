"""`aims gap run` with an LLM, through the CLI, against the local OpenAI-compatible server.

A run never swaps drafters: when the endpoint fails, cached answers are used,
the rest keep their previous draft, and the run exits 3 (1 with --llm-required).
Settings come from flags > environment > aims.toml. An unchanged re-run makes
no calls; an edit to one passage re-drafts only the requirements that retrieved it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from tests.gap.openai_server import Call, OpenAICompatibleServer, Reply, error, good_answer

SECRET = "sk-proj-" + "Q7x" * 12
def document(title: str, sections: dict[str, list[str]]) -> str:
    """Markdown with one section per topic; each section is long enough to be a chunk of its own."""
    parts = [f"# {title}\n"]
    for heading, sentences in sections.items():
        parts.append(f"## {heading}\n\n" + " ".join(sentences) + "\n")
    return "\n".join(parts)


POLICY = document("Acme AI policy", {
    "Governance": [
        "The AI governance board approves every AI system before it is used.",
        "The board meets every quarter and reports to the executive committee.",
        "Its members are the CTO, the data protection officer, the head of legal and two engineers.",
        "The board keeps minutes of each meeting and publishes its decisions on the intranet.",
        "Any employee may ask the board to review an AI system they are worried about.",
        "The board sets the AI objectives for the year and checks progress against them at every meeting.",
    ],
    "Impact assessment": [
        "Each AI system is assessed for its impact on individuals and society before deployment.",
        "The assessment names the people affected, the possible harms and how likely they are.",
        "It is repeated after any significant change to the system, its data or its purpose.",
        "The product owner writes the assessment and the governance board signs it off.",
        "Completed assessments are stored in the AI register next to the system they describe.",
        "Systems with a high impact on individuals need a second review by the legal team.",
    ],
    "Logging": [
        "Every AI system logs model inputs and outputs together with the model version used.",
        "Logs are kept for 90 days in the central log store and reviewed monthly.",
        "Access to the logs is limited to the platform team and the security operations centre.",
        "Alerts fire when an AI system stops logging or when its error rate doubles in an hour.",
        "Log retention may be extended when an incident investigation needs older records.",
        "The platform team checks once a week that every AI system still sends its logs.",
    ],
    "Access": [
        'The integration account uses the key api_key = "' + SECRET + '" for the model gateway.',
        "Keys for AI providers are issued per team and stored in the secrets manager.",
        "Keys are rotated every ninety days and revoked at once when someone leaves the team.",
        "Nobody may paste customer data into a public AI chat service.",
        "Approved AI tools are listed on the intranet with the data they may receive.",
        "Requests for a new AI tool go to the governance board through the service desk.",
    ],
})
SECURITY = document("Information security policy", {
    "Internal audit": [
        "Internal audits follow a yearly programme approved by the CISO.",
        "Auditors are independent of the area they audit and are trained every two years.",
        "Each audit has a written scope, criteria and a report shared with the process owner.",
        "Findings are tracked in the audit log until the owner closes them with evidence.",
        "The programme gives more attention to processes with a history of findings.",
        "The CISO reports the results of the audit programme to the management review.",
    ],
    "Corrective action": [
        "Nonconformities are recorded in the quality system within two working days.",
        "Their causes are analysed with the people involved before any fix is chosen.",
        "Corrective actions are tracked to closure and their effect is checked after three months.",
        "Similar processes are reviewed for the same weakness when a cause is found.",
        "Repeated nonconformities are escalated to the management review.",
        "The quality manager reports the state of open actions every month.",
    ],
    "Backups": [
        "Production databases are backed up nightly to a second region.",
        "Restores are tested every quarter and the test results are recorded.",
        "Backups are encrypted and kept for thirty five days.",
        "The operations team is paged when a nightly backup fails.",
        "Backup media that leave service are wiped and their destruction is logged.",
        "Recovery time objectives are agreed with each service owner every year.",
    ],
})
HR = document("People handbook", {
    "Training": [
        "Every employee completes awareness training when they join and every year after that.",
        "Training covers security, privacy and the responsible use of AI tools.",
        "Completion is tracked in the learning portal and reminders go out automatically.",
        "Managers see the training status of their team on a dashboard.",
        "People who miss the deadline lose access to sensitive systems until they finish.",
        "The training content is reviewed every year by the security and legal teams.",
    ],
    "Holidays": [
        "Holidays are booked in the HR portal at least two weeks ahead.",
        "Up to five unused days carry over to the next year.",
        "Managers approve requests within three working days.",
        "Public holidays follow the calendar of the country of the office.",
        "Parental leave is arranged with HR at least two months ahead.",
        "Sick days are reported to the manager on the first morning of absence.",
    ],
})

SQUID = (
    "1718000000.101    215 10.20.0.11 TCP_TUNNEL/200 48211 CONNECT chatgpt.com:443 alice.wong HIER_DIRECT/104.18.32.47 -\n"
    "1718000009.101    215 10.20.0.12 TCP_MISS/200 48211 POST https://api.openai.com/v1/chat/completions?key="
    + SECRET + " bob.smith HIER_DIRECT/104.18.32.47 application/json\n"
)
ONLY = "5.2,6.1.4,A.5.2,A.6.2.8,9.2.1,10.2"


def aims(workspace: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--quiet", "--workspace", str(workspace), *args], env=env)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("llm-run")
    policies = root / "policies"
    policies.mkdir()
    (policies / "ai-policy.md").write_text(POLICY)
    (policies / "information-security-policy.md").write_text(SECURITY)
    (policies / "people-handbook.md").write_text(HR)
    (root / "proxy.log").write_text(SQUID)
    workspace = root / "ws"
    assert aims(workspace, "init").exit_code == 0
    added = aims(workspace, "policies", "add", str(policies))
    assert added.exit_code == 0, added.output
    scanned = aims(workspace, "discover", "logs", str(root / "proxy.log"), "--log-format", "squid")
    assert scanned.exit_code in (0, 3), scanned.output
    return root


@pytest.fixture
def workspace(indexed: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws"
    shutil.copytree(indexed / "ws", copy)
    return copy


@pytest.fixture(autouse=True)
def no_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AIMS_LLM", "AIMS_LLM_BASE_URL", "HTTP_PROXY",
                 "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer(good_answer) as running:
        yield running


def llm_run(workspace: Path, server: OpenAICompatibleServer, *extra: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return aims(workspace, "gap", "run", "--llm", "openai:local-model", "--base-url", server.base_url, "--retries", "0",
                "--format", "json", *extra, env=env)


def findings(workspace: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    shown = json.loads(aims(workspace, "gap", "show", "--format", "json").output)
    return {f["requirement"]: f for f in shown["findings"]}


def test_an_endpoint_failure_keeps_previous_drafts_uses_the_cache_and_exits_3(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    assert aims(workspace, "gap", "run", "--only", "5.2").exit_code == 0  # an offline draft to keep
    first = llm_run(workspace, server, "--only", "A.6.2.8,9.2.1")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["run"]["sources"]["llm"] == 2

    server.script = lambda call: error(500, "model crashed")
    calls_before = len(server.calls)
    failed = llm_run(workspace, server, "--only", "5.2,A.6.2.8,9.2.1", "--force")
    assert failed.exit_code == 3, failed.output
    run = json.loads(failed.stdout)["run"]
    assert run["sources"] == {"llm": 0, "cache": 2, "offline": 0, "unchanged": 0, "failed": 1}
    assert list(run["failures"]) == ["5.2"] and server.base_url in run["endpoint_error"]
    assert len(server.calls) - calls_before == 1  # only the uncached requirement was tried
    stored = findings(workspace)
    assert stored["5.2"]["drafted_by"]["model"] == "offline"  # its previous draft stands, not overwritten
    assert {stored[r]["drafted_by"]["model"] for r in ("A.6.2.8", "9.2.1")} == {"local-model"}
    assert "5.2" in failed.stderr and "could not be drafted" in failed.stderr

    required = llm_run(workspace, server, "--only", "5.2", "--llm-required")
    assert required.exit_code == 1 and "--llm-required" in required.stderr


def test_settings_come_from_flags_then_environment_then_aims_toml(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    (workspace / "aims.toml").write_text(
        "[llm]\n"
        'provider = "openai:from-toml"\n'
        f'base_url = "{server.root}/v1?tenant=acme"\n'
        "temperature = 0.4\nmax_tokens = 321\ntimeout_seconds = 7\nconcurrency = 2\n"
        'structured_output = "function_calling"\nheaders = { "X-Team" = "governance" }\n'
    )
    result = aims(workspace, "gap", "run", "--only", "A.6.2.8", "--format", "json")
    assert result.exit_code == 0, result.output
    call = server.calls[-1]
    assert call.body["model"] == "from-toml" and call.body["temperature"] == 0.4
    assert call.body.get("max_tokens", call.body.get("max_completion_tokens")) == 321
    assert "tools" in call.body and "response_format" not in call.body
    assert call.headers["x-team"] == "governance" and call.query == {"tenant": ["acme"]}
    assert call.path == "/v1/chat/completions"

    env = {"AIMS_LLM_TEMPERATURE": "0.6", "AIMS_LLM_STRUCTURED_OUTPUT": "json_schema"}
    assert aims(workspace, "gap", "run", "--only", "A.6.2.8", "--force", env=env).exit_code == 0
    assert server.calls[-1].body["temperature"] == 0.6 and "response_format" in server.calls[-1].body
    flagged = aims(workspace, "gap", "run", "--only", "A.6.2.8", "--force", "--temperature", "0.7",
                   "--header", "X-Team: audit", env=env)
    assert flagged.exit_code == 0, flagged.output
    assert server.calls[-1].body["temperature"] == 0.7 and server.calls[-1].headers["x-team"] == "audit"


def test_an_unchanged_rerun_makes_no_calls_and_an_edit_redrafts_only_what_retrieved_it(  # type: ignore[no-untyped-def]
    workspace: Path, server, indexed: Path
) -> None:
    first = llm_run(workspace, server, "--only", ONLY, "-k", "2")
    assert first.exit_code == 0, first.output
    asked = {c.requirement_id for c in server.calls}
    assert asked == set(ONLY.split(","))

    calls = len(server.calls)
    again = llm_run(workspace, server, "--only", ONLY, "-k", "2")
    assert again.exit_code == 0 and len(server.calls) == calls
    assert json.loads(again.output)["run"]["sources"]["unchanged"] == 6

    original = indexed / "policies" / "ai-policy.md"
    try:
        original.write_text(POLICY.replace("reviewed monthly", "reviewed every week"))
        assert POLICY.count("reviewed monthly") == 1
        added = json.loads(aims(workspace, "policies", "add", str(original), "--format", "json").output)
        assert added["documents"][0]["status"] == "replaced"  # every chunk id of the document changed
        rerun = llm_run(workspace, server, "--only", ONLY, "-k", "2")
    finally:
        original.write_text(POLICY)
    assert rerun.exit_code == 0, rerun.output
    reasked = {c.requirement_id for c in server.calls[calls:]}
    retrieved_edit = {c.requirement_id for c in server.calls[calls:] if "reviewed every week" in c.user_text}
    assert reasked == retrieved_edit  # every new call is for a requirement that retrieved the edited passage
    sources = json.loads(rerun.output)["run"]["sources"]
    assert sources["llm"] == len(reasked) < 6
    assert sources["llm"] + sources["cache"] + sources["unchanged"] == 6


def test_the_model_never_sees_a_secret_an_identity_or_a_raw_log_line(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    result = llm_run(workspace, server)
    assert result.exit_code == 0, result.output
    assert len({c.requirement_id for c in server.calls}) == 70
    sent = "\n".join(json.dumps(c.body) for c in server.calls)
    assert "Access" in sent and "redacted sha256" in sent  # the passage with the key was sent, redacted
    for leaked in (SECRET, SECRET[:20], "alice.wong", "bob.smith", "10.20.0.11", "TCP_TUNNEL", "HIER_DIRECT"):
        assert leaked not in sent
    assert "untrusted_evidence" in sent and "openai" in sent  # discovery evidence did reach it, as summaries


def test_the_summary_counts_sources_and_tokens(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    result = aims(workspace, "gap", "run", "--llm", "openai:gpt-4o-mini", "--base-url", server.base_url,
                  "--only", "A.6.2.8,9.2.1")
    assert result.exit_code == 0, result.output
    assert "Drafts: 2 by the model (gpt-4o-mini), 0 from the cache, 0 by the offline assessor" in result.output
    assert "tokens: 1400 prompt, 180 completion; estimated cost USD" in result.output
    offline = aims(workspace, "gap", "run", "--only", "5.2")
    assert "1 by the offline assessor" in offline.output and "Model calls" not in offline.output


def refuse_only_5_2(call: Call) -> Reply:
    return error(400, "context length exceeded") if call.requirement_id == "5.2" else good_answer(call)


def test_a_request_the_server_rejects_fails_that_requirement_only(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    server.script = refuse_only_5_2
    result = llm_run(workspace, server, "--only", ONLY)
    assert result.exit_code == 3
    sources = json.loads(result.stdout)["run"]["sources"]
    assert sources["failed"] == 1 and sources["llm"] == 5


def test_an_unchanged_offline_rerun_drafts_nothing(workspace: Path) -> None:
    first = aims(workspace, "gap", "run", "--format", "json")
    assert json.loads(first.output)["run"]["sources"]["offline"] == 70
    again = aims(workspace, "gap", "run", "--format", "json")
    assert json.loads(again.output)["run"]["sources"] == {"llm": 0, "cache": 0, "offline": 0, "unchanged": 70, "failed": 0}
    assert len(json.loads(again.output)["findings"]) == 70  # the stored findings are still listed
    forced = aims(workspace, "gap", "run", "--force", "--format", "json")
    assert json.loads(forced.output)["run"]["sources"]["offline"] == 70


def test_an_unchanged_llm_rerun_does_not_even_load_the_client(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    import gap.drafting.llm as llm_module

    assert llm_run(workspace, server, "--only", "A.6.2.8").exit_code == 0
    built: list[object] = []
    original = llm_module.build_chat_model
    llm_module.build_chat_model = lambda settings: built.append(settings) or original(settings)  # type: ignore[assignment]
    try:
        again = llm_run(workspace, server, "--only", "A.6.2.8")
    finally:
        llm_module.build_chat_model = original  # type: ignore[assignment]
    assert again.exit_code == 0 and json.loads(again.output)["run"]["sources"]["unchanged"] == 1
    assert built == []


def test_server_error_text_cannot_drive_the_terminal(workspace: Path, server) -> None:  # type: ignore[no-untyped-def]
    server.script = lambda call: error(500, "boom \x1b]0;owned\x07\x1b[2J")
    result = CliRunner().invoke(cli, ["--workspace", str(workspace), "gap", "run", "--llm", "openai:m", "--base-url",
                                      server.base_url, "--retries", "0", "--only", "5.2"])
    assert result.exit_code == 3
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "boom" in result.stderr
