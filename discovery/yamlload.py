"""One YAML loader for every data and settings file: libyaml's safe loader where PyYAML was built
with it (about ten times the pure-Python parser's speed: the catalogues cost ~0.1 s a start
without it), the pure-Python safe loader otherwise. Both build only plain data, never objects.

The YAML that ships with aims (signature catalogues, vocabularies, rules) is parsed once per
text and kept in the user's cache (discovery/user_cache.py) as marshal bytes, which keep YAML's
types (booleans and numbers as keys too): parsing the code catalogue's nine files took 10 ms of
every scan's start, on one core before any file is read; loading them takes half a millisecond.
The cache folder is the user's own, like their home: its files carry the sha256 of their body,
which catches damage (a cut write, a bad disk), not someone who can already write there. A
user's own YAML (a register, rules, settings) is never cached: safe_load reads it each time.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from typing import Any

import yaml

from discovery.user_cache import cache_dir, read_intact, write_intact

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAGIC = b"aims-parsed-yaml/1\n"


def safe_load(text: str | bytes) -> Any:
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def safe_load_packaged(text: str) -> Any:
    """safe_load for YAML that aims ships (never a user's file): from the user's cache when this
    very text was parsed before by this Python."""
    folder = cache_dir()
    if folder is None:
        return safe_load(text)
    key = hashlib.sha256(f"{sys.version}\0{marshal.version}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()
    path = folder / "parsed-yaml" / f"{key[:32]}.marshal"
    body = read_intact(path, _MAGIC)
    if body is not None:
        try:
            return marshal.loads(body)
        except (EOFError, ValueError, TypeError):
            pass  # written by another build after all: parse again
    data = safe_load(text)
    try:
        body = marshal.dumps(data)
    except ValueError:  # a value marshal cannot keep (a YAML date): parsed every time
        return data
    try:
        write_intact(path, _MAGIC, body)
    except OSError:
        pass  # a read-only home: parsed every time, still correct
    return data
