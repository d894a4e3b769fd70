"""The CLI's one error path: every expected failure becomes one line naming the file and the
reason (exit 1); `-v` adds the traceback. Anything else is a bug and keeps its traceback."""

from __future__ import annotations

import errno
import sqlite3
from typing import Any

from cli.workspace.config import ConfigError
from cli.workspace.db import WorkspaceError, describe_sqlite_error
from discovery.safe_text import terminal_text

EXPECTED_FAILURES: tuple[type[BaseException], ...] = (WorkspaceError, ConfigError, sqlite3.Error, OSError, MemoryError)

_OS_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EDQUOT: "the disk quota is exceeded",
}


def describe_failure(exc: BaseException, state: Any = None) -> str:
    """One line for an expected failure; never a traceback, never a control character."""
    if isinstance(exc, sqlite3.Error):
        root = getattr(state, "workspace_dir", None) or "the workspace"
        text = describe_sqlite_error(exc, f"{root}/aims.db")
    elif isinstance(exc, OSError):
        reason = _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
        where = exc.filename if exc.filename is not None else "aims"
        text = f"{where}: {reason}"
    elif isinstance(exc, MemoryError):
        text = "out of memory; lower the input size limits in aims.toml or split the input"
    else:
        text = str(exc)
    return terminal_text(text)
