"""The review trail's seal: the key, the head, and verification.

Every review event is chained to the one before it and sealed with HMAC-SHA256 under a key
kept outside the database (env AIMS_TRAIL_KEY, or the file `trail.key` in the workspace,
created 0600 on first use; env AIMS_TRAIL_KEY_FILE moves it elsewhere). The head — how many
events and the last hash — lives in its own table, sealed the same way, so a deleted tail,
a wiped trail and a chain recomputed without the key all show. Verification is a pure
function of the rows, the head, the findings and the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gap.models import Finding, ReviewEvent

GENESIS_HASH = "0" * 64
KEYED = "hmac-sha256"
KEY_FILE = "trail.key"
KEY_ENV = "AIMS_TRAIL_KEY"
KEY_FILE_ENV = "AIMS_TRAIL_KEY_FILE"

#: Trail keys of impact-assessment events (cli/workspace/assessments.py); not findings.
ASSESSMENT_PREFIX = "aisia:"


class TrailKeyError(RuntimeError):
    pass


@dataclass(frozen=True)
class TrailHead:
    events: int
    hash: str
    legacy_events: int = 0
    key_id: str | None = None
    mac: str | None = None

    def label(self) -> str:
        """How the head is quoted in reports and the SoA: count and hash prefix."""
        return f"{self.events} event(s), head {self.hash[:16]}"


def key_path(workspace_root: Path, environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env[KEY_FILE_ENV]) if env.get(KEY_FILE_ENV) else workspace_root / KEY_FILE


def load_key(workspace_root: Path, *, create: bool, environ: Mapping[str, str] | None = None) -> bytes | None:
    """The trail key: AIMS_TRAIL_KEY, else the key file (created when `create` and missing)."""
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        return env[KEY_ENV].encode("utf-8")
    path = key_path(workspace_root, env)
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        return _create_key_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TrailKeyError(f"cannot read the trail key {path}: {exc}") from exc
    if len(text) < 32:
        raise TrailKeyError(f"the trail key {path} is too short (expected 64 hex characters)")
    return text.encode("ascii")


def _create_key_file(path: Path) -> bytes:
    key = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text("ascii").strip().encode("ascii")
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key.encode("ascii")


def key_id(key: bytes) -> str:
    """Names the key without revealing it, so a wrong key is reported as such."""
    return hmac.new(key, b"aims-trail-key-id", hashlib.sha256).hexdigest()[:16]


def head_mac(key: bytes, events: int, head_hash: str, legacy_events: int) -> str:
    message = f"aims-trail-head\x1f{events}\x1f{head_hash}\x1f{legacy_events}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sealed_head(key: bytes, events: int, head_hash: str, legacy_events: int) -> TrailHead:
    return TrailHead(events, head_hash, legacy_events, key_id(key), head_mac(key, events, head_hash, legacy_events))


def review_view(finding: Finding) -> dict[str, Any]:
    """What an event records of a finding after the action; verification compares it."""
    return {
        "status": finding.status.value,
        "rationale": finding.rationale,
        "actions": list(finding.actions),
        "review": finding.review.model_dump(mode="json"),
        "content_hash": finding.content_hash(),
        "owner": finding.owner,
        "due": finding.due.isoformat() if finding.due else None,
    }


def _same_view(finding: Finding, recorded: dict[str, Any]) -> bool:
    current = review_view(finding)
    # Events written before content hashes were recorded compare on what they did record.
    return all(current.get(k) == v for k, v in recorded.items()) and (
        "content_hash" in recorded or current["review"] == recorded.get("review")
    )


@dataclass(frozen=True)
class EventRow:
    seq: int
    requirement: str
    hash: str
    doc: str


def verify_trail(
    rows: Iterable[EventRow], head: TrailHead | None, findings: Iterable[Finding], key: bytes | None,
) -> list[str]:
    """Every way the stored trail disagrees with itself, its head, its key or the findings.

    With a key at hand, the head must be sealed: an unsealed head with events is either a
    workspace from before the keyed trail (seal it once, after checking it, with
    `aims review verify --seal-legacy`) or a trail rewritten to pass as one.
    """
    problems: list[str] = []
    rows = list(rows)
    if head is None:  # every workspace has one from migration 3 on: its absence is a deletion
        problems.append("the trail head is missing (its table was emptied)")
    legacy_allowed = head.legacy_events if head else 0
    keyed = any('"algorithm":"hmac-sha256"' in r.doc.replace(" ", "") for r in rows) or bool(head and head.mac)
    if keyed and key is None:
        problems.append(f"no trail key: set {KEY_ENV} or restore the key file; the trail cannot be checked")
    if head is not None and head.key_id and key is not None and head.key_id != key_id(key):
        problems.append("the trail key is not the one that sealed this trail")
        key = None  # every MAC would fail; one clear message is enough
    previous = GENESIS_HASH
    last_after: dict[str, dict[str, Any]] = {}
    for expected_seq, row in enumerate(rows, start=1):
        try:
            event = ReviewEvent.model_validate_json(row.doc)
        except ValueError:
            problems.append(f"event {row.seq}: unreadable record")
            previous = row.hash
            continue
        if row.seq != expected_seq:
            problems.append(f"event {expected_seq}: missing or out of order (found event {row.seq} in its place)")
        if event.seq != row.seq or event.requirement != row.requirement or event.hash != row.hash:
            problems.append(f"event {row.seq}: record does not match its row (moved or edited)")
        if event.previous_hash != previous:
            problems.append(f"event {row.seq}: chain broken (does not follow event {row.seq - 1})")
        if event.algorithm == KEYED:
            if key is not None and not hmac.compare_digest(event.compute_hash(key), event.hash):
                problems.append(f"event {row.seq}: content does not match its seal (edited, or the chain recomputed)")
        elif row.seq > legacy_allowed:
            problems.append(f"event {row.seq}: not sealed with the trail key (the chain was recomputed?)")
        elif event.compute_hash() != event.hash:
            problems.append(f"event {row.seq}: content does not match its hash (edited after the fact)")
        previous = event.hash
        if event.after is not None:
            last_after[event.requirement] = event.after
    if head is not None:
        if head.events != len(rows):
            problems.append(f"the trail head records {head.events} event(s) but {len(rows)} are stored "
                            "(events deleted or inserted)")
        elif head.hash != previous:
            problems.append("the trail head does not match the last event (the tail was replaced)")
        if head.mac and key is not None and not hmac.compare_digest(
            head.mac, head_mac(key, head.events, head.hash, head.legacy_events)
        ):
            problems.append("the trail head's seal does not match (the head was edited)")
        if head.mac is None and head.events > head.legacy_events:
            problems.append("the trail head is not sealed")
        elif head.mac is None and head.events and key is not None:
            problems.append("the trail head is unsealed although a trail key is set: the trail was rewritten as an "
                            "unkeyed one, or it predates the keyed trail (check it, then `aims review verify "
                            "--seal-legacy`)")
    by_requirement = {f.requirement: f for f in findings}
    for requirement, expected in last_after.items():
        if requirement.startswith(ASSESSMENT_PREFIX):
            continue  # an impact assessment's event: checked against its own table (AssessmentStore.verify)
        if (expected.get("review") or {}).get("state", "draft") == "draft":
            continue  # left undecided (reopened): later machine drafts may replace it freely
        finding = by_requirement.get(requirement)
        if finding is None:
            problems.append(f"{requirement}: the finding was deleted, but the trail records decisions on it")
        elif not _same_view(finding, expected):
            problems.append(f"{requirement}: finding differs from its last review event (altered)")
    for finding in by_requirement.values():
        if finding.requirement not in last_after and finding.review.state.is_human_decision:
            problems.append(f"{finding.requirement}: marked {finding.review.state.value} with no review event")
    return problems
