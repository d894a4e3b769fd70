"""`aims policies`: ingest the organisation's policy documents into the retrieval index."""

from __future__ import annotations

import hashlib
import urllib.parse
import urllib.request
from pathlib import Path

import click

from cli.context import AppContext, app
from cli.exitcodes import INCOMPLETE
from cli.output import emit_json, format_option, table, write_atomic

SUPPORTED_SUFFIXES = (".md", ".markdown", ".pdf", ".docx", ".html", ".htm", ".txt")
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024


def open_index(state: AppContext):  # type: ignore[no-untyped-def]
    """The policy index named by the config: embedded chromadb in the workspace, or a server."""
    from rag.embeddings import make_embedder
    from rag.index import PolicyIndex

    config = state.config
    embedder = make_embedder(config.embeddings.model, base_url=config.embeddings.base_url)
    return PolicyIndex(state.workspace.chroma_path, embedder, chroma_url=config.chroma.url)


def _expand(paths: tuple[str, ...]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to ingest, and (path, reason) for paths that cannot be used."""
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    for given in paths:
        if given.startswith(("http://", "https://")):
            files.append(given)
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not found:
                problems.append((given, "no supported documents in this folder"))
            files += [str(p) for p in found]
        elif path.exists():
            files.append(given)
        else:
            problems.append((given, "no such file or directory"))
    return files, problems


def _download(url: str, cache: Path) -> Path:
    """Fetch a policy published on an intranet or website into the workspace cache."""
    name = Path(urllib.parse.urlparse(url).path).name or "index.html"
    target = cache / "downloads" / hashlib.sha256(url.encode()).hexdigest()[:12] / name
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the user named this URL
        data = response.read(MAX_DOWNLOAD_BYTES + 1)
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
@format_option()
@click.pass_context
def add(ctx: click.Context, paths: tuple[str, ...], output_format: str) -> None:
    """Ingest files, folders (recursively) or URLs. Unchanged files are a no-op; a changed file
    replaces its earlier version. Unreadable files are reported and the rest go on (exit 3)."""
    from rag.loaders import DocumentError, load_document

    state = app(ctx)
    files, problems = _expand(paths)
    index = open_index(state)
    results = []
    for number, name in enumerate(files, start=1):
        state.progress("ingesting policies", number, len(files))
        try:
            local = _download(name, state.workspace.cache_path) if name.startswith(("http://", "https://")) else Path(name)
            outcome = index.unchanged(local) or index.add(load_document(local))  # hash first: no parse
            results.append({"path": name, "status": outcome.status, "document": outcome.document.id,
                            "chunks": outcome.chunks})
        except DocumentError as exc:
            problems.append((name, exc.reason))
        except (OSError, ValueError) as exc:
            problems.append((name, str(exc)))
    state.progress_done()
    if output_format == "json":
        emit_json("aims.policies/1", {"documents": results,
                                      "issues": [{"target": p, "message": m} for p, m in problems]})
    else:
        for row in results:
            click.echo(f"{row['status']:9} {row['path']} ({row['chunks']} chunks)")
        for path, reason in problems:
            click.echo(f"ERROR     {path}: {reason}", err=True)
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
