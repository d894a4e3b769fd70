"""Squid access logs: the native format (`logformat squid`, and wider custom variants of it) and
the common/combined formats (`logformat common|combined`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from connectors.logs.formats.base import LogFormat, parse_time, split_url, to_int, valid_host
from connectors.logs.formats.timestamps import clf
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

_METHODS = frozenset(
    "GET POST PUT PATCH DELETE HEAD OPTIONS CONNECT TRACE PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK".split()
)
_RESULT = re.compile(r"^[A-Z_]+/\d{3}$")
_NATIVE_HEAD = re.compile(r"^\d{9,10}\.\d{3}\s+-?\d+\s+\S+\s")
# client ident user [time] "METHOD URL VERSION" status bytes ["referer" "agent"] [squid status]
_COMMON = re.compile(
    r'^(?P<client>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]+)\] '
    r'"(?P<method>[A-Z]+) (?P<url>\S+)(?: [^"]*)?" (?P<status>\d{3}|-) (?P<bytes>\d+|-)'
    r'(?: "(?P<referer>[^"]*)" "(?P<agent>[^"]*)")?(?: (?P<squid>\S+))?'
)
# Line shapes (see LogFormat.line_shape). A native line starts with the time and the elapsed
# milliseconds, and has at least 10 fields (time elapsed client result bytes method URL user
# hierarchy type), so one RE2 pass for lines with fewer finds the lines cut short. Checking each
# field in `re` instead costs three times as much: 1.18 s against 0.26 + 0.43 s per 2 M lines.
# A garbled field inside a line of full length, or a cut inside the last field, goes unseen.
_NATIVE_SHAPE = rb"\d{9,10}\.\d{3} +-?\d+ "
_NATIVE_TOO_FEW_FIELDS = rb"(?m)^ *(?:[^ \n]+ +){0,8}[^ \n]*$"
_COMMON_SHAPE = rb'\S+ \S+ \S+ \[[^\]\n]+\] "[A-Z]+ \S+(?: [^"\n]*)?" (?:\d{3}|-) (?:\d+|-)'
_BLOCKED = ("TCP_DENIED", "NONE_NONE", "TCP_DENIED_REPLY")


class SquidFormat(LogFormat):
    name = "squid"
    title = "Squid access log (native, common, combined)"

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        lines = [line for line in head if line.strip()][:20]
        if not lines:
            return False
        hits = sum(1 for line in lines if _NATIVE_HEAD.match(line) and _has_result_code(line))
        hits += sum(1 for line in lines if _COMMON.match(line))
        return hits * 2 >= len(lines)

    def __init__(self) -> None:
        self._native = True

    def begin(self, head: Sequence[str]) -> None:
        self._native = sum(1 for line in head if _NATIVE_HEAD.match(line)) * 2 >= len(head)

    @property
    def line_shape(self) -> bytes:
        return _NATIVE_SHAPE if self._native else _COMMON_SHAPE

    @property
    def line_defect(self) -> bytes | None:
        return _NATIVE_TOO_FEW_FIELDS if self._native else None

    def parse(self, line: str) -> LogRecord | None:
        if _NATIVE_HEAD.match(line):
            return _parse_native(line)
        match = _COMMON.match(line)
        if match:
            return _parse_common(match)
        raise MalformedLine("neither Squid native nor common/combined")


def _has_result_code(line: str) -> bool:
    return any(_RESULT.match(token) for token in line.split()[3:6])


def _parse_native(line: str) -> LogRecord:
    tokens = line.split()
    # time elapsed client [port] result/status bytes ... method URL [version] user hierarchy type:
    # custom logformats add columns, so anchor on the result code and the method, not on positions.
    result_at = next((i for i in range(3, min(len(tokens), 7)) if _RESULT.match(tokens[i])), None)
    if result_at is None or result_at + 1 >= len(tokens):
        raise MalformedLine("no result/status code")
    method_at = next((i for i in range(result_at + 1, min(len(tokens), result_at + 9)) if tokens[i] in _METHODS), None)
    if method_at is None or method_at + 1 >= len(tokens):
        raise MalformedLine("no request method and URL")
    user_at = method_at + 2
    if user_at < len(tokens) and re.fullmatch(r"\d\.\d", tokens[user_at]):
        user_at += 1  # a custom format that logs the HTTP version after the URL
    if user_at + 2 >= len(tokens):  # every native format logs user, hierarchy/peer and type after the URL
        raise MalformedLine("cut short after the URL (no user, hierarchy or content type)")
    user = tokens[user_at]
    host, path = split_url(tokens[method_at + 1])
    if not valid_host(host):
        raise MalformedLine(f"unreadable URL {tokens[method_at + 1][:40]!r}")
    identity, kind = pick_identity((user, "user"), (tokens[2], "address"))
    result = tokens[result_at]
    return LogRecord(
        host=host,
        identity=identity,
        identity_kind=kind,
        time=parse_time(tokens[0]),
        method=tokens[method_at],
        path=path,
        bytes_down=to_int(tokens[result_at + 1]),
        blocked=result.startswith(_BLOCKED) or result.endswith("/403"),
    )


def _parse_common(match: re.Match[str]) -> LogRecord:
    try:
        when: datetime | None = clf(match["time"])
    except ValueError:
        raise MalformedLine(f"bad time {match['time']!r}") from None
    host, path = split_url(match["url"])
    if not valid_host(host):
        raise MalformedLine(f"unreadable URL {match['url'][:40]!r}")
    identity, kind = pick_identity((match["user"], "user"), (match["ident"], "user"), (match["client"], "address"))
    squid_status = match["squid"] or ""
    return LogRecord(
        host=host,
        identity=identity,
        identity_kind=kind,
        time=when,
        method=match["method"],
        path=path,
        bytes_down=to_int(match["bytes"]),
        blocked=squid_status.startswith(_BLOCKED) or match["status"] == "403",
    )
