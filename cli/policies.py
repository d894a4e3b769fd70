"""`aims policies`: ingest the organisation's policy documents into the retrieval index."""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click

from cli.context import AppContext, app
from cli.exitcodes import INCOMPLETE
from cli.output import emit_json, format_option, table, write_atomic
from discovery.safe_text import terminal_text

SUPPORTED_SUFFIXES = (".md", ".markdown", ".pdf", ".docx", ".html", ".htm", ".txt")
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


def open_index(state: AppContext):  # type: ignore[no-untyped-def]
    """The policy index named by the config: embedded chromadb in the workspace, or a server."""
    from rag.embeddings import make_embedder
    from rag.index import PolicyIndex

    config = state.config
    embedder = make_embedder(config.embeddings.model, base_url=config.embeddings.base_url)
    return PolicyIndex(state.workspace.chroma_path, embedder, chroma_url=config.chroma.url)


URL_SCHEMES = ("http", "https")


def _is_url(given: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", given) is not None


def _expand(paths: tuple[str, ...], follow_symlinks: bool = False) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to ingest, and (path, reason) for paths that cannot be used.

    Only the named files and folders are read: a symbolic link inside a folder that points
    outside it is reported and skipped, unless `follow_symlinks`.
    """
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    for given in paths:
        if _is_url(given):
            scheme = given.split("://", 1)[0].lower()
            if scheme in URL_SCHEMES:
                files.append(given)
            else:
                problems.append((given, f"{scheme}:// is not fetched; only http:// and https:// URLs are"))
            continue
        path = Path(given)
        if path.is_dir():
            found = _folder_documents(path, problems, follow_symlinks)
            if not found and not any(p.startswith(str(path)) for p, _ in problems):
                problems.append((given, "no supported documents in this folder"))
            files += found
        elif path.exists():
            files.append(given)
        else:
            problems.append((given, "no such file or directory"))
    return files, problems


def _folder_documents(root: Path, problems: list[tuple[str, str]], follow_symlinks: bool) -> list[str]:
    """Supported documents under root (hidden entries skipped), without leaving it through a link."""
    real_root = os.path.realpath(root)
    found: list[str] = []
    seen_dirs: set[str] = set()
    stack = [root]
    while stack:
        directory = stack.pop()
        real_dir = os.path.realpath(directory)
        if real_dir in seen_dirs:
            continue  # a link loop, or a folder reached twice through links
        seen_dirs.add(real_dir)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            problems.append((str(directory), f"cannot list this folder ({exc.strerror or exc})"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            shown = os.path.join(directory, entry.name)
            if entry.is_symlink():
                real = os.path.realpath(shown)
                if not follow_symlinks and not _within(real, real_root):
                    problems.append((shown, f"a symbolic link to {real}, outside {root}; skipped "
                                            "(--follow-symlinks reads it)"))
                    continue
                if not follow_symlinks and os.path.isdir(real):
                    continue  # a link back into the folder: its documents are read where they live
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_dir:
                stack.append(Path(shown))
            elif is_file and Path(entry.name).suffix.lower() in SUPPORTED_SUFFIXES:
                found.append(shown)
    return sorted(found)


def _within(path: str, directory: str) -> bool:
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


class _SameSchemeRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects stay on http(s): a policy URL cannot lead aims to ftp://, file:// or anything else."""

    max_redirections = 5

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        scheme = urllib.parse.urlparse(newurl).scheme.lower()
        if scheme not in URL_SCHEMES:
            raise urllib.error.URLError(f"redirected to a {scheme or 'relative'}:// URL, which is not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # Only the handlers a policy download needs: no file://, ftp:// or data: handlers at all.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPErrorProcessor(),
                    _SameSchemeRedirects()):
        opener.add_handler(handler)
    return opener


def _download(url: str, cache: Path) -> Path:
    """Fetch a policy published on an intranet or website into the workspace cache."""
    if urllib.parse.urlparse(url).scheme.lower() not in URL_SCHEMES:
        raise ValueError("only http:// and https:// URLs are fetched")
    name = Path(urllib.parse.urlparse(url).path).name or "index.html"
    target = cache / "downloads" / hashlib.sha256(url.encode()).hexdigest()[:12] / name
    try:
        with _opener().open(url, timeout=30) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.URLError as exc:
        raise ValueError(f"cannot be fetched ({exc.reason})") from None
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise ValueError(f"larger than {MAX_DOWNLOAD_BYTES // (1024 * 1024)} MB")
    if target.suffix.lower() not in SUPPORTED_SUFFIXES:
        target = target.with_suffix(".html")
    write_atomic(target, data)
    return target


@click.group()
def policies() -> None:
    """Policy documents (PDF, Word, HTML, Markdown, text) indexed for the gap analysis."""


@policies.command("add")
@click.argument("paths", nargs=-1, required=True)
@click.option("--follow-symlinks", is_flag=True,
              help="Follow symbolic links inside the named folders even when they lead outside them.")
@format_option()
@click.pass_context
def add(ctx: click.Context, paths: tuple[str, ...], follow_symlinks: bool, output_format: str) -> None:
    """Ingest files, folders (recursively) or http(s) URLs. Unchanged files are a no-op; a changed
    file replaces its earlier version. Unreadable or too large files, and links leading out of
    a named folder, are reported and the rest go on (exit 3). Limits: [limits] in aims.toml."""
    from rag.loaders import DocumentError, load_document

    state = app(ctx)
    limits = state.config.limits.documents()
    state.workspace  # a missing workspace is refused before any work
    files, problems = _expand(paths, follow_symlinks)
    index = open_index(state)
    results = []
    # Batched: the next files are read while earlier ones are embedded and written in the background.
    with index.batched():
        for number, name in enumerate(files, start=1):
            state.progress("ingesting policies", number, len(files))
            try:
                local = _download(name, state.workspace.cache_path) if _is_url(name) else Path(name)
                outcome = index.unchanged(local) or index.add(load_document(local, limits=limits))  # hash first
                results.append({"path": name, "status": outcome.status, "document": outcome.document.id,
                                "chunks": outcome.chunks})
            except DocumentError as exc:
                problems.append((name, exc.reason))
            except (OSError, ValueError, RecursionError) as exc:
                problems.append((name, str(exc) or type(exc).__name__))
    state.progress_done()
    if output_format == "json":
        emit_json("aims.policies/1", {"documents": results,
                                      "issues": [{"target": p, "message": m} for p, m in problems]})
    else:
        for row in results:
            click.echo(f"{row['status']:9} {terminal_text(row['path'])} ({row['chunks']} chunks)")
        for path, reason in problems:
            click.echo(f"ERROR     {terminal_text(path)}: {terminal_text(reason)}", err=True)
        click.echo(f"{len(results)} document(s) indexed, {len(problems)} could not be read.")
    if problems:
        ctx.exit(INCOMPLETE)


@policies.command("list")
@format_option()
@click.pass_context
def list_documents(ctx: click.Context, output_format: str) -> None:
    """List the indexed documents."""
    documents = open_index(app(ctx)).documents()
    if output_format == "json":
        emit_json("aims.policies/1", {"documents": documents})
        return
    if not documents:
        click.echo("No policies indexed. Use `aims policies add PATH...`.")
        return
    click.echo(table([(d.id, d.name, d.chunks, d.sha256[:12]) for d in documents], ["ID", "DOCUMENT", "CHUNKS", "SHA256"]))
