"""A function run in a forked child process, its return value sent back through a pipe.

The log engine uses a second core this way (a file's second half, or the shape check of a
compressed file) where threads cannot help: `re`, the line handler and the parsers hold the GIL.
fork shares the parsed formats, compiled patterns and imports at no cost; spawn would re-import
everything, so without fork (or off Linux) the caller does the work itself.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any


class ForkedCall:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn: Connection) -> None:
        self._process = process
        self._conn = conn

    @staticmethod
    def available() -> bool:
        return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()

    @classmethod
    def start(cls, function: Callable[[], Any]) -> "ForkedCall":
        context = multiprocessing.get_context("fork")
        parent_end, child_end = context.Pipe(duplex=False)
        process = context.Process(target=_child_main, args=(child_end, function), daemon=True)
        process.start()
        child_end.close()
        return cls(process, parent_end)

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def cancel(self) -> None:
        """Stop the child: a failed or interrupted scan must not wait for it."""
        self._process.terminate()
        self._process.join(timeout=5)
        self._conn.close()

    def result(self) -> tuple[bool, Any]:
        """(True, the function's value), or (False, why there is none); waits for the child."""
        try:
            ok, value = self._conn.recv()
        except (EOFError, OSError):
            ok, value = False, "the child process ended without a result"
        finally:
            self._conn.close()
            self._process.join(timeout=5)
        return ok, value


def _child_main(conn: Connection, function: Callable[[], Any]) -> None:
    try:
        outcome: tuple[bool, Any] = (True, function())
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which goes on without it
        outcome = (False, f"{type(exc).__name__}: {exc}")
    try:
        conn.send(outcome)
    finally:
        conn.close()
