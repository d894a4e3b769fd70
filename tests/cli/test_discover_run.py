import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


def test_run_scans_every_configured_source_and_gates(tmp_path):
    ws = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["--workspace", str(ws), "init"]).exit_code == 0
    config = ws / "aims.toml"
    text = config.read_text()
    text = text.replace('paths = []            # local directories',
                        f'paths = ["{ACME / "repos" / "web-app"}"]            # local directories')
    text = text.replace('files = []            # proxy',
                        f'files = ["{ACME / "logs" / "squid-access.log"}", "{tmp_path / "gone.log"}"]  # proxy')
    config.write_text(text)
    result = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run", "--format", "json"])
    assert result.exit_code == 3, result.output  # the missing log file is reported, the rest is scanned
    data = json.loads(result.output)
    assert data["schema"] == "aims.scan-run/1"
    assert [s["scan"]["connectors"] for s in data["scans"]] == [["code"], ["logs"]]
    assert all(s["systems"] for s in data["scans"])
    assert any(i["target"].endswith("gone.log") for i in data["scans"][1]["issues"])
    assert runner.invoke(cli, ["--workspace", str(ws), "register", "import", str(ACME / "register.csv")]).exit_code == 0
    gated = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run", "--fail-on", "shadow"])
    assert gated.exit_code == 4


def test_run_without_sources_is_a_usage_error(workspace_dir):
    result = CliRunner().invoke(cli, ["--workspace", str(workspace_dir), "discover", "run"])
    assert result.exit_code == 2 and "no sources configured" in result.output


def test_logs_settings_come_from_the_config(tmp_path):
    """[discovery.logs] extends the catalogue and pseudonymises scheduled scans (key from the env only)."""
    ws = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["--workspace", str(ws), "init"]).exit_code == 0
    extra = tmp_path / "more.yaml"
    extra.write_text("services:\n  - {id: acme-llm, name: Acme LLM gateway, vendor: Acme, provider: openai, "
                     "kind: api, domains: [llm.acme.internal]}\n")
    log = tmp_path / "access.log"
    log.write_text("1718000000.101    215 10.20.0.11 TCP_TUNNEL/200 48211 CONNECT eu.llm.acme.internal:443 "
                   "pat.lee HIER_DIRECT/10.0.0.9 -\n")
    config = ws / "aims.toml"
    text = config.read_text()
    text = text.replace('files = []            # proxy', f'files = ["{log}"]  # proxy')
    text = text.replace('# catalogue = "ai-services.yaml"', f'catalogue = "{extra}"')
    text = text.replace("pseudonymise = false", "pseudonymise = true")
    config.write_text(text)
    refused = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run"], env={"AIMS_PSEUDONYMISE_KEY": ""})
    assert refused.exit_code == 2 and "AIMS_PSEUDONYMISE_KEY" in refused.output
    result = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run", "--format", "json"],
                           env={"AIMS_PSEUDONYMISE_KEY": "k"})
    assert result.exit_code == 0, result.output
    observations = json.loads(result.output)["scans"][0]["observations"]
    assert [o["system_hint"] for o in observations] == ["acme-llm"]
    assert observations[0]["identity"].startswith("anon-") and "pat.lee" not in result.output
    # the one-off command reads the same settings; a flag still wins
    single = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "logs", str(log), "--format", "json"],
                           env={"AIMS_PSEUDONYMISE_KEY": "k"})
    assert single.exit_code == 0, single.output
    assert json.loads(single.output)["observations"][0]["identity"].startswith("anon-")
    plain = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "logs", str(log), "--no-pseudonymise",
                                "--format", "json"])
    assert plain.exit_code == 0 and json.loads(plain.output)["observations"][0]["identity"] == "pat.lee"
