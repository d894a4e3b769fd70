"""Hostile policy folders and URLs: huge and deeply nested documents, decompression bombs in
DOCX and PDF, links leading out of the named folder, and URLs that try other schemes."""

from __future__ import annotations

import http.server
import io
import json
import os
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.conftest import aims, run_aims

GOOD_TEXT = "# AI policy\n\nThe AI governance board approves every model before it is used.\n"
PASSWD = "root:x:0:0:root:/root:/bin/bash\n"


def _documents(output: str) -> dict[str, str]:
    return {Path(d["path"]).name: d["status"] for d in json.loads(output)["documents"]}


def _issues(output: str) -> dict[str, str]:
    return {Path(i["target"]).name: i["message"] for i in json.loads(output)["issues"]}


def _workspace_holds(ws: Path, needle: bytes) -> bool:
    return any(needle in path.read_bytes() for path in ws.rglob("*") if path.is_file())


def test_huge_markdown_and_deeply_nested_html_do_not_stop_the_folder(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_TEXT)
    (folder / "huge.md").write_text("# Handbook\n\n" + ("The AI board meets monthly. " * 40 + "\n\n") * 18_000)
    (folder / "deep.html").write_text("<html><body>" + "<div>" * 20_000 + "<p>Models are reviewed yearly.</p>"
                                      + "</div>" * 20_000 + "</body></html>")
    assert (folder / "huge.md").stat().st_size > 20_000_000
    result = run_aims("--workspace", str(ws), "policies", "add", str(folder), "--format", "json")
    result.within_ceilings()
    assert result.code == 3, result.stderr
    assert _documents(result.stdout) == {"deep.html": "added", "good.md": "added"}
    assert "too large" in _issues(result.stdout)["huge.md"]


def _docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_bomb(inflated_bytes: int) -> bytes:
    """A valid DOCX whose document.xml inflates to `inflated_bytes` of real paragraphs."""
    base = zipfile.ZipFile(io.BytesIO(_docx(["placeholder"])))
    paragraph = b"<w:p><w:r><w:t>AI policy text repeated to fill memory.</w:t></w:r></w:p>" * 1000
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
    # Written in chunks through a deflating member: the whole XML is never in memory here.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for member in base.infolist():
            if member.filename != "word/document.xml":
                bomb.writestr(member.filename, base.read(member.filename))
        with bomb.open("word/document.xml", "w", force_zip64=True) as handle:
            handle.write(head)
            written = len(head)
            while written < inflated_bytes:
                handle.write(paragraph)
                written += len(paragraph)
            handle.write(b"</w:body></w:document>")
    return out.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    return _docx_bomb(200 * 1024 * 1024)


def test_docx_bomb_is_refused_and_the_good_docx_beside_it_indexed(ws: Path, tmp_path: Path, docx_bomb: bytes) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "bomb.docx").write_bytes(docx_bomb)
    (folder / "good.docx").write_bytes(_docx(["AI policy", "The AI board approves each model."]))
    assert len(docx_bomb) < 2 * 1024 * 1024
    result = run_aims("--workspace", str(ws), "policies", "add", str(folder), "--format", "json")
    result.within_ceilings()
    assert result.code == 3, result.stderr
    assert _documents(result.stdout) == {"good.docx": "added"}
    assert "decompression bomb" in _issues(result.stdout)["bomb.docx"]


def _pdf(content: bytes) -> bytes:
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_stream_past_the_limit_is_refused_by_our_limit(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "bomb.pdf").write_bytes(_pdf(b"BT /F1 12 Tf 72 720 Td (AI policy) Tj ET\n" + b"q Q\n" * 17_500_000))
    (folder / "good.pdf").write_bytes(_pdf(b"BT /F1 12 Tf 72 720 Td (The AI board approves every model) Tj ET\n"))
    result = run_aims("--workspace", str(ws), "policies", "add", str(folder), "--format", "json")
    result.within_ceilings()
    assert result.code == 3, result.stderr
    assert _documents(result.stdout) == {"good.pdf": "added"}
    assert "limits.archive_max_unpacked_bytes" in _issues(result.stdout)["bomb.pdf"]


def _folder_with_links(tmp_path: Path) -> tuple[Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd.txt").write_text(PASSWD)
    (outside / "sibling.md").write_text("# Sibling\n\nroot:x:0:0 from a sibling folder about AI.\n")
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_TEXT)
    os.symlink(outside / "passwd.txt", folder / "passwd.txt")
    os.symlink(outside, folder / "sibling")
    os.symlink(folder, folder / "loop")  # a link back into the folder: not read twice
    return folder, outside


def test_links_out_of_the_policy_folder_are_reported_and_not_read(ws: Path, tmp_path: Path) -> None:
    folder, _ = _folder_with_links(tmp_path)
    result = aims(ws, "policies", "add", str(folder), "--format", "json")
    assert result.exit_code == 3, result.output
    assert _documents(result.output) == {"good.md": "added"}
    issues = _issues(result.output)
    assert "outside" in issues["passwd.txt"] and "outside" in issues["sibling"]
    assert not _workspace_holds(ws, b"root:x:0:0")


def test_follow_symlinks_reads_them_when_asked(ws: Path, tmp_path: Path) -> None:
    folder, _ = _folder_with_links(tmp_path)
    result = aims(ws, "policies", "add", str(folder), "--follow-symlinks", "--format", "json")
    assert result.exit_code == 0, result.output
    assert set(_documents(result.output)) == {"good.md", "passwd.txt", "sibling.md"}


class _Policies(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/policy.md":
            body = GOOD_TEXT.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        target = {"/to-file": "file:///etc/passwd", "/to-ftp": "ftp://127.0.0.1/passwd"}.get(self.path)
        self.send_response(302 if target else 404)
        if target:
            self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def policy_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Policies)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_urls_only_http_and_no_redirect_to_another_scheme(ws: Path, policy_server: str) -> None:
    result = aims(ws, "policies", "add", "file:///etc/passwd", f"{policy_server}/to-file", f"{policy_server}/to-ftp",
                  f"{policy_server}/policy.md", "--format", "json")
    assert result.exit_code == 3, result.output
    data = json.loads(result.output)
    assert [d["path"] for d in data["documents"]] == [f"{policy_server}/policy.md"]
    messages = {i["target"]: i["message"] for i in data["issues"]}
    assert "only http:// and https://" in messages["file:///etc/passwd"]
    assert "file:///etc/passwd" in messages[f"{policy_server}/to-file"]  # refused by urllib's own check
    assert "redirected to a ftp://" in messages[f"{policy_server}/to-ftp"]
    assert not _workspace_holds(ws, b"root:x:0:0")
