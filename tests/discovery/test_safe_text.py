from __future__ import annotations

import pytest

from discovery.safe_text import (is_formula, markdown_block, markdown_inline, spreadsheet_cell, terminal_text,
                                 xml_text)


@pytest.mark.parametrize("raw", ["=cmd|'/c calc'!A1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_triggers_are_neutralised(raw: str) -> None:
    cell = spreadsheet_cell(raw)
    assert cell.startswith("'") and cell[1:] == raw


@pytest.mark.parametrize("value", ["alice", "A.6.2.4", "", 3, -2.5, True, None])
def test_plain_values_pass_unchanged(value: object) -> None:
    assert spreadsheet_cell(value) == value


def test_cells_carry_no_xml_illegal_characters() -> None:
    assert spreadsheet_cell("bob\x1b[31m\x07") == "bob[31m"
    assert xml_text("a\x00b\x0bc\td\ne") == "abc\td\ne"


def test_is_formula() -> None:
    assert is_formula("=HYPERLINK(\"x\")") and not is_formula("'=x") and not is_formula(5)


def test_terminal_escapes_are_shown_not_acted_on() -> None:
    forged = "mallory\x1b[2K\r0 shadow AI systems\x07"
    out = terminal_text(forged)
    assert "\x1b" not in out and "\r" not in out and "\x07" not in out
    assert "\\x1b" in out and "0 shadow AI systems" in out
    assert terminal_text("a\nb") == "a\\x0ab"
    assert terminal_text("a\nb\tc", multiline=True) == "a\nb\tc"
    assert terminal_text("csi\x9bm") == "csi\\x9bm"


def test_markdown_inline_cannot_break_a_table_or_inject_html() -> None:
    out = markdown_inline("repo|name\n# Heading <script>alert(1)</script>")
    assert "\n" not in out and "|" not in out.replace("\\|", "")
    assert "<script>" not in out and "\\<script\\>" in out


def test_markdown_block_cannot_forge_a_heading() -> None:
    out = markdown_block("fine\n# Forged heading\n  > quote")
    assert all(not line.startswith(("#", ">")) for line in out.splitlines())
    assert "Forged heading" in out
