"""Packaged YAML is parsed once and kept in the user's cache; what comes back is always exactly
what parsing gives, and a damaged, foreign or unwritable cache only costs a parse."""

from __future__ import annotations

from pathlib import Path

import pytest

from discovery import yamlload
from discovery.user_cache import cache_dir
from discovery.yamlload import safe_load, safe_load_packaged

TEXT = """\
signatures:
  - id: a
    examples:
      true: ["import x"]     # YAML 1.1: a bare `true:` key is a boolean
      false: ["# x"]
    weight: 1.5
    ports: {443: https, 80: http}
    note: ~
"""


def _files(folder: Path) -> list[Path]:
    return sorted((folder / "parsed-yaml").glob("*.marshal"))


def test_the_parse_is_kept_and_loaded_with_its_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    parsed = safe_load(TEXT)
    assert safe_load_packaged(TEXT) == parsed
    (kept,) = _files(tmp_path)
    monkeypatch.setattr(yamlload, "safe_load", lambda text: pytest.fail("parsed although kept"))
    again = safe_load_packaged(TEXT)
    assert again == parsed and True in again["signatures"][0]["examples"] and 443 in again["signatures"][0]["ports"]
    assert _files(tmp_path) == [kept]


def test_another_text_is_another_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    safe_load_packaged(TEXT)
    assert safe_load_packaged(TEXT.replace("1.5", "2.5"))["signatures"][0]["weight"] == 2.5
    assert len(_files(tmp_path)) == 2


@pytest.mark.parametrize("damage", [b"", b"garbage", "cut"])
def test_a_damaged_entry_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: object) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    safe_load_packaged(TEXT)
    (kept,) = _files(tmp_path)
    raw = kept.read_bytes()
    kept.write_bytes(raw[: len(raw) - 5] if damage == "cut" else damage)  # type: ignore[arg-type]
    assert safe_load_packaged(TEXT) == safe_load(TEXT)
    assert kept.read_bytes() == raw  # written again whole


def test_no_usable_folder_still_parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("AIMS_CACHE_DIR", str(blocked))
    assert safe_load_packaged(TEXT) == safe_load(TEXT)
    monkeypatch.setenv("AIMS_CACHE_DIR", "")  # set but empty: no cache at all
    assert cache_dir() is None and safe_load_packaged(TEXT) == safe_load(TEXT)


def test_values_marshal_cannot_keep_are_parsed_every_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    dated = "reviewed: 2026-01-31\n"
    assert safe_load_packaged(dated) == safe_load(dated)
    assert _files(tmp_path) == []


def test_the_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path / "shared"))
    assert cache_dir() == tmp_path / "shared"
    monkeypatch.delenv("AIMS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "aims"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "aims"


def test_no_home_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container user with neither HOME nor a passwd entry: nothing is cached, nothing fails."""
    from pathlib import Path as RealPath

    for name in ("AIMS_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home() -> RealPath:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(RealPath, "home", staticmethod(no_home))
    assert cache_dir() is None
    assert safe_load_packaged(TEXT) == safe_load(TEXT)
