"""The log formats, one module each, in the order `--log-format auto` tries them.

Specific formats come before permissive ones, so a Zscaler JSON line is never taken for generic JSON.
"""

from __future__ import annotations

from connectors.logs.formats.base import LogFormat
from connectors.logs.formats.squid import SquidFormat
from connectors.logs.formats.zscaler import ZscalerFormat

_ORDER: tuple[type[LogFormat], ...] = (
    ZscalerFormat,
    SquidFormat,
)

FORMATS: dict[str, type[LogFormat]] = {cls.name: cls for cls in _ORDER}


def detect(head: list[str]) -> type[LogFormat] | None:
    """The first format whose sniffer accepts the head of a file, or None."""
    for cls in _ORDER:
        if cls.sniff(head):
            return cls
    return None


def names() -> list[str]:
    return list(FORMATS)
