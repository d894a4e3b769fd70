"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1, for contract tests.

Stdlib only (`http.server` in a thread). Each request is handed to the test's
`script` (a function of the parsed `Call`), which returns a `Reply`: a status,
a JSON or text body, headers, and a delay before answering (to stall past a
client timeout or to make concurrency measurable). The server records every
call and how many were in flight at once. `good_answer` reads the prompt the
way a model would and answers with a verbatim quote of the first passage, in
whatever shape the request asked for (json_schema, json_object or a tool call).
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def user_text(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.body.get("messages", []) if m.get("role") == "user")

    @property
    def requirement_id(self) -> str:
        found = re.findall(r"^Requirement (\S+):", self.user_text, re.MULTILINE)
        return found[0] if found else "?"

    def passage(self, pid: str = "P1") -> str | None:
        match = re.search(rf'<untrusted_passage id="{pid}"[^>]*>\n(.*?)\n</untrusted_passage>', self.user_text, re.DOTALL)
        return html.unescape(match.group(1)) if match else None

    @property
    def is_retry(self) -> bool:
        return len(self.body.get("messages", [])) > 2


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Script = Callable[[Call], Reply]


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    return sentence[:200]


def draft(call: Call, **changes: Any) -> dict[str, Any]:
    """A plausible, valid answer for the requirement this call asks about."""
    passage = call.passage("P1")
    answer: dict[str, Any] = {
        "requirement_id": call.requirement_id,
        "status": "partial" if passage else "gap",
        "rationale": "The policy addresses part of this requirement.",
        "citations": [{"passage_id": "P1", "quote": first_sentence(passage)}] if passage else [],
        "evidence_ids": [],
        "actions": ["Close the remaining gap."],
        "confidence": "medium",
    }
    answer.update(changes)
    return answer


def completion(call: Call, answer: Any, *, refusal: str | None = None, usage: tuple[int, int] = (700, 90)) -> Reply:
    """The answer in the shape the request asked for: a tool call when tools were sent, else message content."""
    content = answer if isinstance(answer, str) else json.dumps(answer)
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    tools = call.body.get("tools") or []
    if tools and refusal is None:
        name = tools[0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": name, "arguments": content}}],
        }
    elif refusal is not None:
        message["content"] = None
    body = {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": 1767225600,
        "model": call.body.get("model", "local"),
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if tools else "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }
    return Reply(200, body)


def good_answer(call: Call) -> Reply:
    return completion(call, draft(call))


def error(status: int, message: str, headers: dict[str, str] | None = None, delay: float = 0.0) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "server_error", "code": status}}, headers or {}, delay)


class OpenAICompatibleServer:
    """Start with `with OpenAICompatibleServer(script) as server:`; `server.base_url` ends in /v1."""

    def __init__(self, script: Script = good_answer) -> None:
        self.script = script
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai-contract-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"

    def __enter__(self) -> OpenAICompatibleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                call = Call(
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw or b"{}"),
                )
                with server._lock:
                    server.calls.append(call)
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    reply = server.script(call)
                    if reply.delay:
                        server._closing.wait(reply.delay)
                    payload = reply.body if isinstance(reply.body, (str, bytes)) else json.dumps(reply.body)
                    data = payload.encode() if isinstance(payload, str) else payload
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer
                finally:
                    with server._lock:
                        server.in_flight -= 1

        return Handler


def sequence(*scripts: Script) -> Script:
    """Answer call n with scripts[n], then keep using the last one."""
    counter = {"n": 0}
    lock = threading.Lock()

    def script(call: Call) -> Reply:
        with lock:
            index = min(counter["n"], len(scripts) - 1)
            counter["n"] += 1
        return scripts[index](call)

    return script


def timed(seconds: float, script: Script = good_answer) -> Script:
    """Every answer takes `seconds` (a model answering at a steady speed)."""

    def slow(call: Call) -> Reply:
        reply = script(call)
        reply.delay = max(reply.delay, seconds)
        return reply

    return slow


def now() -> float:
    return time.monotonic()
