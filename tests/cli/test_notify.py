"""`aims discover run --notify`: a real POST to a local webhook the test starts on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli

ACME = Path(__file__).resolve().parents[2] / "examples" / "acme"


@pytest.fixture
def webhook():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "type": self.headers["Content-Type"], "body": json.loads(body)})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def configured(tmp_path):
    ws = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(cli, ["--workspace", str(ws), "init"]).exit_code == 0
    config = ws / "aims.toml"
    text = config.read_text().replace(
        'files = []            # proxy', f'files = ["{ACME / "logs" / "squid-access.log"}", "{tmp_path / "gone.log"}"]  # proxy')
    config.write_text(text)
    return ws, runner


def test_notify_posts_new_systems_triggers_and_unread_sources(tmp_path, webhook):
    url, received = webhook
    ws, runner = configured(tmp_path)
    assert runner.invoke(cli, ["--workspace", str(ws), "register", "import", str(ACME / "register.csv")]).exit_code == 0
    baseline = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run"])
    assert baseline.exit_code == 3, baseline.output
    config = ws / "aims.toml"  # a week later, a second log arrives: new users and a new shadow app
    config.write_text(config.read_text().replace(
        f'"{tmp_path / "gone.log"}"', f'"{tmp_path / "gone.log"}", "{ACME / "logs" / "week2" / "squid-access.log"}"'))
    result = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run", "--notify", url])
    assert result.exit_code == 3, result.output
    (post,) = received
    body = post["body"]
    assert post["path"] == "/hook" and post["type"] == "application/json"
    assert body["schema"] == "aims.notify/1" and isinstance(body["new_systems"], list)
    assert {"new-shadow-system", "new-population"} <= {t["rule"] for t in body["triggers"]}
    assert any(t["system"] == "DeepSeek" for t in body["triggers"] if t["rule"] == "new-shadow-system")
    assert [u["target"] for u in body["sources_not_read"]] == [str(tmp_path / "gone.log")]


def test_notify_url_from_the_environment_and_slack_payload(tmp_path, webhook, monkeypatch):
    url, received = webhook
    ws, runner = configured(tmp_path)
    monkeypatch.setenv("AIMS_NOTIFY_URL", url)
    monkeypatch.setenv("AIMS_NOTIFY_FORMAT", "slack")
    runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run"])
    (post,) = received
    assert post["body"]["text"].startswith("*aims scan*:") and "not read" in post["body"]["text"]


def test_an_unreachable_webhook_is_a_warning_not_a_failure(tmp_path):
    ws, runner = configured(tmp_path)
    result = runner.invoke(cli, ["--quiet", "--workspace", str(ws), "discover", "run", "--notify", "http://127.0.0.1:9/x"])
    assert result.exit_code == 3 and "could not notify the webhook" in result.output
