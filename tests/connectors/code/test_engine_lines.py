"""The engine remembers what each distinct line yields; a remembered line must give every file
exactly what a fresh engine gives it (line numbers, counts, comments, leads, windows)."""

from __future__ import annotations

import pytest

from connectors.code.engine import LONG_LINE, MatchEngine
from discovery.code.catalogue import load_catalogue
from discovery.code.hits import RawHit


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue()


def _summary(hits: list[RawHit]) -> list[tuple[object, ...]]:
    return sorted((h.signal, h.provider, h.line, h.offset, h.count, h.evidence, h.model) for h in hits)


def _fresh(catalogue, data: bytes, scope: str, leads: bool = True):  # type: ignore[no-untyped-def]
    return MatchEngine(catalogue).match(data, scope, leads)


def test_a_shared_line_keeps_each_files_own_lines_and_counts(catalogue) -> None:  # type: ignore[no-untyped-def]
    engine = MatchEngine(catalogue)
    first = b"import openai\n\nclient = openai.OpenAI()\n"
    second = b'"""Docs."""\nimport os\n\n\nimport openai\nimport openai\n# import anthropic\n'
    for data in (first, second, first):
        hits, invalid = engine.match(data, "python")
        fresh_hits, fresh_invalid = _fresh(catalogue, data, "python")
        assert _summary(hits) == _summary(fresh_hits)
        assert invalid is fresh_invalid is False
    hits, _ = engine.match(second, "python")
    [openai] = [h for h in hits if h.signal == "py-import.openai"]
    assert (openai.line, openai.count) == (5, 2)  # the second file's own line, both repeats
    assert not any(h.provider == "anthropic" for h in hits)  # commented out


def test_leads_and_scopes_are_remembered_apart(catalogue) -> None:  # type: ignore[no-untyped-def]
    engine = MatchEngine(catalogue)
    data = b'MODEL = "gpt-4o-mini"\n'
    in_tests, _ = engine.match(data, "python", leads=False)
    in_code, _ = engine.match(data, "python", leads=True)
    assert not in_tests  # a lead is not looked for in tests and docs
    assert any(h.kind == "model-id" for h in in_code)
    assert _summary(in_code) == _summary(_fresh(catalogue, data, "python")[0])
    in_yaml, _ = engine.match(data, "yaml")
    assert _summary(in_yaml) == _summary(_fresh(catalogue, data, "yaml")[0])


def test_a_window_of_a_long_line_is_not_remembered_as_a_line(catalogue) -> None:  # type: ignore[no-untyped-def]
    openai, anthropic = b'"https://api.openai.com/v1"', b'"https://api.anthropic.com/v1"'
    long_line = b"a" * 3000 + b" " + openai + b" " + b"b" * 100 + b" " + anthropic + b" " + b"c" * 3000
    assert len(long_line) > LONG_LINE
    end = long_line.index(openai) + len(b'"https://api.openai.com')
    window = long_line[end - 512:end + 512]  # the bytes the engine reads around one keyword
    assert openai in window and anthropic in window
    engine = MatchEngine(catalogue)
    engine.match(b"x = 1\n" + long_line + b"\n", "python")
    hits, _ = engine.match(window + b"\n", "python")  # the same bytes, now a whole line
    expected, _ = _fresh(catalogue, window + b"\n", "python")
    assert _summary(hits) == _summary(expected)
    assert {"openai", "anthropic"} <= {h.provider for h in hits}


def test_invalid_utf8_is_reported_for_every_file_holding_the_line(catalogue) -> None:  # type: ignore[no-untyped-def]
    engine = MatchEngine(catalogue)
    data = b'import openai  # caf\xe9\n'
    for _ in range(2):
        hits, invalid = engine.match(data, "python")
        assert invalid is True
        assert [h.signal for h in hits] == ["py-import.openai"]


def test_remembered_lines_are_bounded_and_forgetting_changes_nothing(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import connectors.code.engine as engine_module

    monkeypatch.setattr(engine_module, "LINES_KEPT", 3)
    engine = MatchEngine(catalogue)
    data = b"".join(b"import openai  # %d\nx = 'api.anthropic.com/%d'\n" % (i, i) for i in range(10))
    for _ in range(2):
        hits, _ = engine.match(data, "python")
        assert _summary(hits) == _summary(_fresh(catalogue, data, "python")[0])
        assert sum(len(lines) for lines in engine._lines.values()) <= 3
    monkeypatch.setattr(engine_module, "LINES_KEPT", 10_000)
    monkeypatch.setattr(engine_module, "LINE_BYTES_KEPT", 100)
    engine.match(data, "python")
    assert sum(len(raw) for lines in engine._lines.values() for raw in lines) <= 100 + 40


@pytest.mark.parametrize("prefilter", ["hyperscan", "re"])
@pytest.mark.parametrize("quote", ['"""', "'''"])
def test_mentions_inside_either_docstring_are_prose(catalogue, prefilter: str, quote: str) -> None:  # type: ignore[no-untyped-def]
    # The prefilter tells the engine whether a file holds ''' at all; with or without, a mention
    # inside a docstring of either style is prose, and the code after it is not.
    data = (f'{quote}Example:\n\n    import anthropic\n{quote}\n'
            f'def f():\n    {quote}Or: import openai{quote}\n    return 1\n\nimport openai\n').encode()
    hits, _ = MatchEngine(catalogue, prefilter).match(data, "python")
    assert [(h.signal, h.line) for h in hits if h.kind == "import"] == [("py-import.openai", 9)]
    assert not any(h.provider == "anthropic" for h in hits)
