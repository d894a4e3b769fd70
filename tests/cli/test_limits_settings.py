"""[limits] in aims.toml reaches the readers: each bound is a setting, not a constant."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli
from cli.workspace.config import DEFAULT_TOML, LimitsConfig, load_config


def aims(workspace: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--workspace", str(workspace), *args])


def test_defaults_are_safe_and_documented_in_the_commented_toml(tmp_path: Path) -> None:
    limits = load_config(tmp_path / "absent.toml").limits
    assert limits == LimitsConfig()
    assert limits.log_max_line_bytes == 1024 * 1024 and limits.archive_max_ratio == 100
    for name in LimitsConfig.model_fields:
        assert f"# {name} = " in DEFAULT_TOML


def test_log_line_limit_comes_from_the_config(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert aims(ws, "init").exit_code == 0
    (ws / "aims.toml").write_text("[limits]\nlog_max_line_bytes = 2048\n")
    log = tmp_path / "proxy.log"
    line = "1700000000.000    120 10.0.0.7 TCP_MISS/200 1234 CONNECT api.openai.com:443 ann HIER_DIRECT/1.2.3.4 -"
    log.write_text(line + "\n" + line.replace(" -", " " + "x" * 5000) + "\n")
    data = json.loads(aims(ws, "discover", "logs", str(log), "--format", "json").output)
    long_lines = [i for i in data["issues"] if i["kind"] == "long-lines"]
    assert long_lines and "2,048 bytes" in long_lines[0]["message"]


def test_policy_text_limit_comes_from_the_config(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    assert aims(ws, "init").exit_code == 0
    (ws / "aims.toml").write_text("[limits]\npolicy_max_text_chars = 100\n")
    small, large = tmp_path / "small.md", tmp_path / "large.md"
    small.write_text("# AI policy\n\nThe board approves models.\n")
    large.write_text("# AI policy\n\n" + "The board approves models. " * 20 + "\n")
    result = aims(ws, "policies", "add", str(small), str(large), "--format", "json")
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    assert [Path(d["path"]).name for d in data["documents"]] == ["small.md"]
    assert "too large" in data["issues"][0]["message"]
