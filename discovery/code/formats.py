"""File formats that need a little code: model files by magic bytes, notebook code cells, and
MCP client configurations (pure: bytes or text in, findings out)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from discovery.models import Confidence
from discovery.redact import redact

MODEL_HEAD_BYTES = 4096  # enough for every magic below; big model files are never read whole

_TORCH_LEGACY_MAGIC = bytes.fromhex("80028a0a6cfc9c46f9206aa85019")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ONNX_PRODUCERS = (b"pytorch", b"onnx", b"tf2onnx", b"skl2onnx", b"keras2onnx", b"onnxmltools", b"optimum")


@dataclass(frozen=True, slots=True)
class ModelFile:
    format: str
    provider: str
    confidence: Confidence


def sniff_model_file(rel_path: str, head: bytes) -> ModelFile | None:
    """Identify a model file from its first bytes; the extension alone never decides."""
    suffix = PurePosixPath(rel_path).suffix.lower()
    name = PurePosixPath(rel_path).name.lower()
    if head[:4] == b"GGUF":
        return ModelFile("gguf", "llama-cpp", Confidence.HIGH)
    if head[:4] in (b"lmgg", b"tjgg", b"algg", b"fmgg"):  # legacy GGML/GGJT, little-endian magic
        return ModelFile("ggml", "llama-cpp", Confidence.HIGH)
    if len(head) >= 10:
        header_len = int.from_bytes(head[:8], "little")
        if 2 <= header_len < 100_000_000 and head[8:9] == b"{" and head[9:10] in (b'"', b"}"):
            # Weights of the repository's own: Hugging Face's only with Hugging Face evidence
            # beside them (a repository rule decides).
            return ModelFile("safetensors", "model-weights", Confidence.HIGH)
    if head[:4] == b"PK\x03\x04" and len(head) >= 30:
        name_len = int.from_bytes(head[26:28], "little")
        entry = head[30: 30 + name_len]
        if entry.endswith((b"data.pkl", b"/version", b".data/version")) or b"/data/" in entry:
            return ModelFile("pytorch-zip", "pytorch", Confidence.HIGH)
        if suffix == ".keras" and entry in (b"metadata.json", b"config.json", b"model.weights.h5"):
            return ModelFile("keras", "tensorflow", Confidence.HIGH)
        return None
    if head.startswith(_TORCH_LEGACY_MAGIC):
        return ModelFile("pytorch-legacy", "pytorch", Confidence.HIGH)
    if head[4:8] == b"TFL3":
        return ModelFile("tflite", "tensorflow", Confidence.HIGH)
    if head.startswith(_HDF5_MAGIC) and suffix in (".h5", ".keras", ".hdf5"):
        return ModelFile("keras-hdf5", "tensorflow", Confidence.MEDIUM)
    if suffix == ".onnx" and len(head) > 4 and head[0] == 0x08 and head[1] < 0x20 and head[2] in (
        0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42
    ):
        if any(p in head[:512].lower() for p in _ONNX_PRODUCERS) or head[2] == 0x3A:
            return ModelFile("onnx", "onnx", Confidence.HIGH)
    if name == "saved_model.pb" and head[:1] == b"\x08":
        return ModelFile("tf-savedmodel", "tensorflow", Confidence.MEDIUM)
    if suffix in (".pkl", ".joblib") and head[:1] == b"\x80":  # pickled estimators name their module
        if b"sklearn" in head:
            return ModelFile("pickle", "scikit-learn", Confidence.MEDIUM)
        if b"xgboost" in head:
            return ModelFile("pickle", "xgboost", Confidence.MEDIUM)
    return None


@dataclass(frozen=True, slots=True)
class NotebookCode:
    code: str  # code cells joined, one source line per line
    line_map: list[int | None]  # virtual line index -> line in the .ipynb file
    language: str


def notebook_code(text: str) -> NotebookCode:
    """Code cells only: markdown cells are prose. Raises ValueError on a corrupt notebook."""
    notebook = json.loads(text)
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no cells list)")
    metadata = notebook.get("metadata") or {}
    language = str(
        (metadata.get("kernelspec") or {}).get("language") or (metadata.get("language_info") or {}).get("name") or
        "python"
    ).lower()
    raw_lines = text.splitlines()
    cursor = 0
    code: list[str] = []
    line_map: list[int | None] = []
    for cell in notebook["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = "".join(source).splitlines() if isinstance(source, list) else str(source).splitlines()
        for line in lines:
            # nbformat writes each source line as its own JSON string: find it to keep file:line.
            needle = json.dumps(line, ensure_ascii=False)[:-1]
            found = None
            for index in range(cursor, min(len(raw_lines), cursor + 2000)):
                if needle in raw_lines[index]:
                    found = index
                    break
            if found is not None:
                cursor = found + 1
            code.append(line)
            line_map.append(found + 1 if found is not None else None)
        code.append("")  # a blank line keeps cells apart
        line_map.append(None)
    return NotebookCode("\n".join(code), line_map, language)


@dataclass(frozen=True, slots=True)
class MCPServer:
    name: str
    launch: str  # command and first arguments, or URL, redacted
    line: int | None
    transport: str


_SERVER_KEYS = ("mcpServers", "servers", "context_servers")
_JSONC_COMMENT = re.compile(r'^\s*//.*$|(?<=[,{\[])\s*//[^\n"]*$', re.M)


def mcp_servers(text: str) -> list[MCPServer]:
    """Servers configured in an MCP client config (Claude Desktop, Cursor, VS Code, Zed)."""
    try:
        data = json.loads(_JSONC_COMMENT.sub("", text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict):
        return []
    tables = [data.get(k) for k in _SERVER_KEYS]
    if isinstance(data.get("mcp"), dict):
        tables.append(data["mcp"].get("servers"))
    lines = text.splitlines()
    servers = []
    for table in tables:
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            if not isinstance(spec, dict):
                continue
            url = spec.get("url") or spec.get("serverUrl")
            if url:
                launch, transport = str(url), str(spec.get("type") or "http")
            else:
                command = spec.get("command") or ""
                args = [str(a) for a in (spec.get("args") or [])[:4]]
                launch, transport = " ".join([str(command), *args]).strip(), "stdio"
            line = next((n for n, raw in enumerate(lines, 1) if f'"{name}"' in raw), None)
            servers.append(MCPServer(str(name), redact(launch)[:200], line, transport))
    return servers
