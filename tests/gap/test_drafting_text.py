"""Offline text helpers: AI vocabulary as whole words, quotable sentences that are exact substrings."""

from __future__ import annotations

import pytest

from gap.drafting.text import best_sentences, matched_keywords, sentence_spans, speaks_of_ai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Staff may use AI assistants.", True),
        ("Machine learning models are retrained monthly.", True),
        ("Our LLMs and GenAI pilots", True),
        ("A generative assistant drafts replies.", True),
        ("The model is validated before release.", True),
        ("We aim to maintain the detail of our ISMS.", False),
        ("Our business model and threat model are reviewed.", False),
        ("the ai of the ml team", False),  # lower-case short forms are not taken as AI
        ("Suppliers are assessed before contract.", False),
    ],
)
def test_speaks_of_ai(text: str, expected: bool) -> None:
    assert speaks_of_ai(text) is expected


def test_keywords_match_whole_words_and_simple_inflections() -> None:
    text = "Internal audit programmes are planned; logs are retained."
    assert matched_keywords(text, ["audit programme", "plan", "log", "retention", "udit"]) == {
        "audit programme", "plan", "log",
    }


def test_sentence_spans_are_exact_substrings_without_markup() -> None:
    text = (
        "## Logging\n\n"
        "- **Inputs.** Every AI system logs prompts and outputs for 90 days.\n"
        "  Logs are reviewed weekly by the owner.\n\n"
        "| Owner | CTO |\n|---|---|\n\n"
        "1. Incidents are reported within 24 hours to the security team."
    )
    spans = sentence_spans(text)
    quotes = [text[s:e] for s, e in spans]
    assert "Every AI system logs prompts and outputs for 90 days." in quotes
    assert "Logs are reviewed weekly by the owner." in quotes
    assert "Incidents are reported within 24 hours to the security team." in quotes
    assert not any(q.startswith(("-", "#", "|", "*", "1.")) for q in quotes)
    assert all(text[s:e] == q for (s, e), q in zip(spans, quotes))


def test_best_sentence_prefers_keywords_and_skips_headings() -> None:
    text = "Provenance and lineage records\n\nWe keep the provenance and lineage of every data set for each model."
    spans = best_sentences(text, ["provenance", "lineage"], want_ai=True, exclude=["Provenance and lineage records"])
    assert [text[s:e] for s, e in spans] == ["We keep the provenance and lineage of every data set for each model."]
