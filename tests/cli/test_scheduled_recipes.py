"""Each scheduled-scan recipe in docs/scheduled-scans.md: its aims command line runs as written
(paths mapped into a temporary folder) and exits as documented; the YAML recipes parse."""

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli.main import cli
from cli.workspace.config import DEFAULT_TOML

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "scheduled-scans.md"
REPO = ROOT / "examples" / "acme" / "repos" / "support-bot"


def recipes() -> dict[str, str]:
    text = DOC.read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r"<!-- recipe: ([\w-]+) -->\n```\w*\n(.*?)```", text, re.S)}


def aims_command(recipe: str) -> list[str]:
    """The aims invocation inside a recipe, without shell redirections or the `sh -c` wrapper."""
    line = next(l for l in recipe.splitlines() if "aims --workspace" in l)
    line = line[line.index("aims --workspace"):]
    line = re.split(r"\s[>|&]|\s2>>|\"\]", line)[0]
    return shlex.split(line)[1:]


def run(args: list[str], tmp_path: Path, env: dict[str, str] | None = None,  # type: ignore[no-untyped-def]
        repos: list[Path] | None = None):
    mapped = [str(tmp_path / a.lstrip("/")) if a.startswith(("/var/", "/data/", "/etc/")) or a == ".aims" else a
              for a in args]
    workspace = Path(mapped[mapped.index("--workspace") + 1])
    runner = CliRunner()
    assert runner.invoke(cli, ["--workspace", str(workspace), "init"]).exit_code == 0
    register = ROOT / "examples" / "acme" / "register.csv"  # web-app is not in it: shadow
    assert runner.invoke(cli, ["--workspace", str(workspace), "register", "import", str(register)]).exit_code == 0
    config = Path(mapped[mapped.index("--config") + 1]) if "--config" in mapped else workspace / "aims.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    paths = ", ".join(f'"{p}"' for p in (repos or [REPO]))
    text = DEFAULT_TOML.replace(
        'paths = []            # local directories', f'paths = [{paths}]            # local directories')
    config.write_text(text)
    return runner.invoke(cli, ["--quiet", *mapped], env=env or {})


def test_every_recipe_is_present():
    assert set(recipes()) == {"cron", "github-actions", "kubernetes"}


def test_cron_recipe(tmp_path):
    recipe = recipes()["cron"].strip()
    fields = recipe.split()
    assert len(fields[:5]) == 5 and all(re.fullmatch(r"[\d*/,\-]+", f) for f in fields[:5])
    first = run(aims_command(recipe), tmp_path)
    assert first.exit_code == 0, first.output  # the first scan is the baseline: nothing to reassess
    data = json.loads(first.output)
    assert data["schema"] == "aims.scan-run/1" and data["scans"][0]["systems"]
    second = run(aims_command(recipe), tmp_path, repos=[REPO, REPO.parent / "web-app"])
    assert second.exit_code == 4, second.output  # a new shadow system: the trigger gate trips
    assert any(t["rule"] == "new-shadow-system" for t in json.loads(second.output)["scans"][0]["triggers"])


def test_github_actions_recipe(tmp_path):
    workflow = yaml.safe_load(recipes()["github-actions"])
    assert workflow[True]["schedule"][0]["cron"] == "15 2 * * 1-5"  # YAML reads the `on:` key as True
    step = next(s for s in workflow["jobs"]["scan"]["steps"] if s.get("name") == "scan")
    assert step["env"]["AIMS_NOTIFY_FORMAT"] == "slack"
    assert run(aims_command(step["run"]), tmp_path).exit_code == 0  # baseline
    result = run(aims_command(step["run"]), tmp_path, repos=[REPO, REPO.parent / "web-app"])
    assert result.exit_code == 4 and json.loads(result.output)["scans"][0]["gates"]


def test_kubernetes_recipe(tmp_path):
    documents = list(yaml.safe_load_all(recipes()["kubernetes"]))
    kinds = {d["kind"]: d for d in documents}
    assert set(kinds) == {"PersistentVolumeClaim", "ServiceAccount", "CronJob"}
    pod = kinds["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == kinds["PersistentVolumeClaim"]["metadata"]["name"]
    assert pod["serviceAccountName"] == kinds["ServiceAccount"]["metadata"]["name"]
    assert "role/AimsReadOnly" in kinds["ServiceAccount"]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    command = pod["containers"][0]["command"][-1]
    result = run(aims_command(command), tmp_path)
    assert result.exit_code == 0, result.output  # the baseline scan
    assert (tmp_path / "data" / "aims" / "aims.db").exists()  # the workspace lives on the volume


def test_read_only_policy_for_the_role_allows_no_writes():
    policy = json.loads((ROOT / "docs" / "aws-readonly-policy.json").read_text())
    actions = [a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
    writes = [a for a in actions if re.search(r":(Create|Delete|Put|Update|Invoke|Start|Stop|Tag)", a)]
    assert actions and not writes


@pytest.mark.parametrize("name", ["cron", "github-actions", "kubernetes"])
def test_recipes_name_no_secret(name):
    assert not re.search(r"(sk-[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16})", recipes()[name])
