"""The code prefilter's Hyperscan database is compiled once per catalogue and kept in the user's
cache; a damaged or unusable cache is compiled again, never a failed scan."""

from __future__ import annotations

from pathlib import Path

import pytest

hyperscan = pytest.importorskip("hyperscan")

from connectors.code.prefilter import HyperscanPrefilter, RePrefilter  # noqa: E402

KEYWORDS = ["openai", "OPENAI_API_KEY", "anthropic", "bedrock-runtime", "'''"]
TEXT = b"import openai\nclient = Anthropic()  # OPENAI_API_KEY\n'''doc'''\nboto3.client('bedrock-runtime')\n"


def _uncached() -> list[tuple[int, int]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIMS_CACHE_DIR", "")  # set but empty: no cache at all
        return sorted(HyperscanPrefilter(KEYWORDS).scan(TEXT))


def test_the_database_is_cached_and_a_damaged_one_is_compiled_again(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _uncached()
    assert {keyword for keyword, _end in expected} == set(range(len(KEYWORDS)))
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    assert sorted(HyperscanPrefilter(KEYWORDS).scan(TEXT)) == expected
    (cached,) = tmp_path.glob("code-keywords-*.hsdb")

    class NoCompiling(hyperscan.Database):  # type: ignore[misc, name-defined]
        def compile(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("compiled although cached")

    monkeypatch.setattr(hyperscan, "Database", NoCompiling)
    assert sorted(HyperscanPrefilter(KEYWORDS).scan(TEXT)) == expected  # loaded, not compiled
    monkeypatch.undo()
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    cached.write_bytes(b"damaged")
    assert sorted(HyperscanPrefilter(KEYWORDS).scan(TEXT)) == expected
    assert cached.read_bytes() != b"damaged"  # compiled again and rewritten


def test_other_keywords_get_their_own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path))
    HyperscanPrefilter(KEYWORDS)
    fewer = HyperscanPrefilter(KEYWORDS[:2])
    assert len(list(tmp_path.glob("code-keywords-*.hsdb"))) == 2
    assert {keyword for keyword, _end in fewer.scan(TEXT)} == {0, 1}


def test_an_unwritable_cache_still_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    monkeypatch.setenv("AIMS_CACHE_DIR", str(blocked))
    assert sorted(HyperscanPrefilter(KEYWORDS).scan(TEXT)) == _uncached()
    # Either engine finds every keyword (RE reports a keyword inside a longer one at the longer one's end).
    assert {k for k, _end in _uncached()} == {k for k, _end in RePrefilter(KEYWORDS).scan(TEXT)}
