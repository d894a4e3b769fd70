"""What a format parser returns for one log event: the few fields attribution needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class MalformedLine(ValueError):
    """A line that claims to be of the format but cannot be read; counted, never fatal."""


#: malformed lines reported by number and reason, per file
MAX_EXAMPLES = 3
#: kept raw malformed lines (each cut to SAMPLE_BYTES) for telling a mixed-format file apart
MAX_SAMPLES = 20
SAMPLE_BYTES = 4096


@dataclass(slots=True)
class LogRecord:
    """One event. Host-based formats fill `host`; audit formats name the service directly."""

    host: str | None = None
    identity: str | None = None
    #: what the identity is: user, device, address (a source IP) or principal (a workload)
    identity_kind: str = "user"
    time: datetime | None = None
    method: str | None = None
    #: URL path without its query string (query strings can carry tokens)
    path: str | None = None
    bytes_up: int | None = None
    bytes_down: int | None = None
    blocked: bool = False
    #: the format itself says a file went up (Netskope activity Upload, Cloudflare UploadedFileNames)
    upload: bool = False
    #: audit formats: the catalogue service id, signal and model they name without a host
    service_id: str | None = None
    signal: str | None = None
    model: str | None = None
    #: the vendor's own label for the app (Zscaler appname, Netskope x-cs-app), kept as evidence
    vendor_app: str | None = None


def pick_identity(*candidates: tuple[str | None, str]) -> tuple[str | None, str]:
    """The first usable identity among (value, kind) pairs; placeholders such as '-' are skipped."""
    for value, kind in candidates:
        if value is None:
            continue
        text = str(value).strip()
        if text and text.lower() not in PLACEHOLDERS:
            return text, kind
    return None, "unknown"


#: identity values that name nobody (the Athena query treats them the same way)
PLACEHOLDERS = frozenset({"-", "none", "null", "unknown", "n/a", "na", "(null)", "0.0.0.0", "\"\""})
