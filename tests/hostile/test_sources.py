"""Hostile sources: a review workbook that inflates to hundreds of megabytes, credentials in a
git URL, and links in a repository that lead out of it."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from gap.export.review_sheet import HEADERS, SHEET, read_decisions
from tests.hostile.conftest import aims, run_aims


def _review_workbook(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _shared_strings_bomb(inflated_bytes: int) -> bytes:
    """A real review workbook given a sharedStrings part that inflates to `inflated_bytes`."""
    base = zipfile.ZipFile(io.BytesIO(_review_workbook([])))
    patched = {
        "[Content_Types].xml": base.read("[Content_Types].xml").replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/_rels/workbook.xml.rels": base.read("xl/_rels/workbook.xml.rels").replace(
            b"</Relationships>", b'<Relationship Id="rIdStrings" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for member in base.infolist():
            bomb.writestr(member.filename, patched.get(member.filename) or base.read(member.filename))
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            chunk = b"<si><t>decision text</t></si>" * 4096
            written = 0
            while written < inflated_bytes:
                handle.write(chunk)
                written += len(chunk)
            handle.write(b"</sst>")
    return out.getvalue()


def test_review_workbook_bomb_is_refused_before_it_inflates(ws: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "review.xlsx"
    bomb.write_bytes(_shared_strings_bomb(300 * 1024 * 1024))
    result = run_aims("--workspace", str(ws), "review", "import", str(bomb), "--reviewer", "alice")
    result.within_ceilings()
    assert result.code == 1
    assert "refused" in result.stderr and "review.xlsx" in result.stderr and "Traceback" not in result.stderr
    good = _review_workbook([["5.2", "AI policy", "gap", "", "", "", "offline", "draft", "", "accept", "", "", ""]])
    assert [d.requirement for d in read_decisions(good, "good.xlsx")] == ["5.2"]  # a real sheet still reads


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_url_credentials_are_never_stored_printed_or_kept_in_the_clone(ws: Path, tmp_path: Path) -> None:
    secret = "ghp_HostileToken0123456789abcdef"
    url = f"https://alice:{secret}@127.0.0.1:9/acme/app.git"  # nothing listens on port 9: the clone fails
    good = tmp_path / "good"
    good.mkdir()
    (good / "main.py").write_text("import anthropic\n")
    result = aims(ws, "discover", "code", url, str(good), "--format", "json", "--jobs", "1")
    assert result.exit_code == 3, result.output
    assert secret not in result.output and "alice:" not in result.output
    assert "https://***@127.0.0.1:9/acme/app.git" in result.output
    assert "anthropic" in _providers(result.output)  # the good target beside it was scanned
    for path in ws.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_url_credentials_travel_as_a_header_not_in_the_url() -> None:
    from connectors.code.sources import _git_env, redact_url, split_credentials

    clean, userinfo = split_credentials("https://alice:s3cr%40t@git.example.com/acme/app.git")
    assert clean == "https://git.example.com/acme/app.git" and userinfo == "alice:s3cr@t"
    env = _git_env(clean, {}, userinfo)
    assert env["GIT_CONFIG_VALUE_0"] == "Authorization: Basic " + base64.b64encode(b"alice:s3cr@t").decode()
    assert redact_url("ssh://bob:pw@host/x.git") == "ssh://***@host/x.git"
    assert redact_url("git@github.com:acme/app.git") == "git@github.com:acme/app.git"  # no secret in scp form


def test_links_out_of_a_repository_are_reported_and_not_read(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import openai\n# root:x:0:0\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text("import anthropic\n")
    os.symlink(outside / "secret.py", repo / "leak.py")
    result = aims(ws, "discover", "code", str(repo), "--format", "json", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert _providers(result.output) == {"anthropic"}
    assert "symlink-outside" in result.output and "root:x:0:0" not in result.output
    followed = aims(ws, "discover", "code", str(repo), "--follow-symlinks", "--format", "json", "--jobs", "1")
    assert "openai" in _providers(followed.output)


def _providers(scan_json: str) -> set[str]:
    """Every provider of every system a scan's JSON output names."""
    return {p for system in json.loads(scan_json)["systems"] for p in system["providers"]}
