"""Generic mode: any CSV (with a header) or JSON-lines log whose fields the user names.

No format is guessed here, so a renamed column is an error that names the missing field, never
a silent zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from connectors.logs.formats.base import (
    JSON_LINE_SHAPE, LogFormat, csv_row, csv_shape, load_json_object, parse_time, split_url, to_int, valid_host,
)
from connectors.logs.records import LogRecord, MalformedLine, pick_identity

#: the roles a user can map, with what each holds (the CLI's --ROLE-field help)
FIELD_ROLES: dict[str, str] = {
    "host": "the destination host name",
    "url": "the full URL (used for the host and path when --host-field is not given)",
    "user": "the user name or e-mail",
    "source": "the device or source address, used when there is no user",
    "time": "the event time (ISO 8601, epoch s/ms/ns, or ctime)",
    "bytes-up": "bytes sent (request size)",
    "bytes-down": "bytes received (response size)",
    "method": "the HTTP method",
}


class GenericFieldError(ValueError):
    pass


def generic_format(fields: Mapping[str, str]) -> type[LogFormat]:
    """A LogFormat class bound to the user's field names."""
    unknown = set(fields) - set(FIELD_ROLES)
    if unknown:
        raise GenericFieldError(f"unknown field role(s): {', '.join(sorted(unknown))}")
    if "host" not in fields and "url" not in fields:
        raise GenericFieldError("generic mode needs a host or url field")
    mapping = dict(fields)

    class BoundGenericFormat(GenericFormat):
        field_names = mapping

    return BoundGenericFormat


class GenericFormat(LogFormat):
    name = "generic"
    title = "Generic CSV/JSON with named fields"
    field_names: Mapping[str, str] = {}
    templated_json = True  # an unknown producer: check quotes too

    def __init__(self) -> None:
        self._header: list[str] | None = None

    @classmethod
    def sniff(cls, head: Sequence[str]) -> bool:
        return False  # never auto-detected: generic mode is chosen by naming fields

    def begin(self, head: Sequence[str]) -> None:
        if head and not head[0].lstrip().startswith("{"):
            self._header = [c.strip() for c in csv_row(head[0])]
            missing = [name for name in self.field_names.values() if name not in self._header]
            if missing:
                raise MalformedLine(f"CSV header has no column {', '.join(missing)}")

    @property
    def line_shape(self) -> bytes:
        return JSON_LINE_SHAPE if self._header is None else csv_shape(len(self._header))

    def parse(self, line: str) -> LogRecord | None:
        if self._header is not None:
            row = csv_row(line)
            if row == self._header:
                return None
            if len(row) != len(self._header):
                raise MalformedLine(f"{len(row)} columns where the header has {len(self._header)}")
            record: Mapping[str, Any] = dict(zip(self._header, row, strict=True))
            get = record.get
        else:
            obj = load_json_object(line)
            get = lambda dotted: _dig(obj, dotted)  # noqa: E731
        value = lambda role: get(self.field_names[role]) if role in self.field_names else None  # noqa: E731
        url = value("url")
        host, path = split_url(str(url)) if url else ("", "")
        host = str(value("host") or host)
        if not valid_host(host):
            raise MalformedLine(f"no readable host ({host[:40]!r})")
        identity, kind = pick_identity((value("user"), "user"), (value("source"), "address"))
        return LogRecord(
            host=host, identity=identity, identity_kind=kind, time=parse_time(value("time")),
            method=str(value("method") or "") or None, path=path,
            bytes_up=to_int(value("bytes-up")), bytes_down=to_int(value("bytes-down")),
        )



def _dig(obj: Mapping[str, Any], dotted: str) -> Any:
    value: Any = obj
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
