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


def test_run_without_sources_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path / "ws"), "discover", "run"])
    assert result.exit_code == 2 and "no sources configured" in result.output
