"""Code discovery's IO edge: where repositories come from and how their files are read.

`sources` resolves local folders, git URLs and GitHub/GitLab orgs; `walk` lists a tree's
files (ignore rules, vendored trees, symlinks); `engine` is the one-pass multi-pattern
matcher; `scan` runs it over a tree in worker processes; `connector` turns hits into
observations; `sarif` renders them for code-scanning tools. What a hit *means* (signatures,
file roles, manifests, noise rules) is pure logic in `discovery.code`.

May import `connectors.base` and `discovery`; never `gap` or `cli`. `CodeConnector` and
`CodeScanOptions` are exported lazily so importing one module does not load the rest.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CodeConnector", "CodeScanOptions"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from connectors.code import connector

        return getattr(connector, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
