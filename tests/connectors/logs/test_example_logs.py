"""The example organisation's logs give exactly what examples/acme/logs/EXPECTED.md says.

EXPECTED.md is written by the generator from what it wrote, not from what aims finds, so it is
an independent answer key: the (provider, user) pairs with their request counts, and the line
numbers of every malformed line, AI-related or not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.logs import LogConnector

LOGS = Path(__file__).resolve().parents[3] / "examples" / "acme" / "logs"


def _expected(section: str) -> tuple[dict[tuple[str, str], int], list[int]]:
    text = (LOGS / "EXPECTED.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    pairs: dict[tuple[str, str], int] = {}
    for provider, user, requests in re.findall(r"^\| ([a-z0-9-]+) \| ([^|]+?) \| (\d+) \|", body, re.M):
        client = re.search(r"client ([0-9.]+)", user)
        pairs[(provider, client.group(1) if client else user)] = int(requests)
    malformed = re.search(r"^Malformed lines[^:]*: ([\d, ]+)", body, re.M)
    assert malformed, section
    return pairs, [int(n) for n in malformed.group(1).replace(" ", "").split(",") if n]


@pytest.mark.parametrize("name", ["squid-access.log", "zscaler-web.json"])
@pytest.mark.parametrize("sidecar", [True, False], ids=["sidecar", "inline"])
def test_example_logs_match_the_answer_key(name: str, sidecar: bool) -> None:
    pairs, malformed = _expected(name)
    # 4 KiB blocks make these small files span several, so the sidecar really runs for them
    result = LogConnector(shape_sidecar=sidecar, block_size=4096).scan([str(LOGS / name)])
    found: dict[tuple[str, str], int] = {}
    for obs in result.observations:
        key = (obs.provider, obs.identity or "")
        found[key] = found.get(key, 0) + obs.count
    assert found == pairs
    issue = next(i for i in result.issues if i.kind == "malformed-lines")
    assert issue.count == len(malformed)
    assert re.findall(r"line (\d+):", issue.message) == [str(n) for n in malformed[:3]]
