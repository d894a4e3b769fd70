"""One YAML loader for every data and settings file: libyaml's safe loader where PyYAML was built
with it (about ten times the pure-Python parser's speed: the catalogues cost ~0.1 s a start
without it), the pure-Python safe loader otherwise. Both build only plain data, never objects."""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
