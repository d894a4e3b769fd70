"""Neutralise untrusted text for the places it is written: spreadsheets, XML documents,
terminals and Markdown.

Every value that reaches an output may come from a hostile source (a log's user name, a
file name in a repository, a policy's text, a reviewer's note). One module, used by every
writer, so a new export cannot forget a case. Pure functions, no IO.
"""

from __future__ import annotations

import re
from typing import Any

# A cell whose text starts with one of these is read as a formula (or a DDE command) by
# Excel, LibreOffice and Google Sheets; OWASP's CSV-injection guidance lists the same set.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

# XML 1.0 forbids C0 controls other than tab, newline and carriage return, the surrogates
# and U+FFFE/U+FFFF; openpyxl and python-docx raise on them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# What a terminal acts on: C0 controls (ESC, BEL, BS, CR…), DEL and the C1 range (CSI is
# U+009B on some terminals). Tab and newline are kept only where a caller allows them.
_TERMINAL_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TERMINAL_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")


def xml_text(value: str) -> str:
    """Drop the characters XML 1.0 cannot carry (DOCX and XLSX are XML underneath)."""
    return _XML_ILLEGAL.sub("", value)


def spreadsheet_cell(value: Any) -> Any:
    """A value safe to write into a CSV or XLSX cell: never a live formula, always valid XML.

    Numbers, booleans, dates and None pass unchanged; they cannot be formulas. Text that a
    spreadsheet would evaluate gets a leading apostrophe, which shows the text as typed.
    """
    if not isinstance(value, str):
        return value
    text = xml_text(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def spreadsheet_row(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [spreadsheet_cell(v) for v in values]


def is_formula(value: Any) -> bool:
    """True for a cell value a spreadsheet would evaluate (used to refuse formulas on import)."""
    return isinstance(value, str) and value.startswith("=")


def _visible(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def terminal_text(value: Any, *, multiline: bool = False) -> str:
    """Text safe to print: control characters shown as `\\xNN` instead of acted on.

    A log user name holding ESC sequences could otherwise recolour, erase or forge lines of
    the output. With `multiline`, newlines and tabs are kept; without, they are escaped too,
    so one value cannot start a new line of a table.
    """
    text = "" if value is None else str(value)
    pattern = _TERMINAL_CONTROL if multiline else _TERMINAL_CONTROL_SINGLE_LINE
    return pattern.sub(_visible, text)


_MD_INLINE = re.compile(r"([\\`*_{}\[\]<>|#!])")


def markdown_inline(value: Any) -> str:
    """Text for one Markdown table cell or heading: one line, no markup, no raw HTML."""
    text = terminal_text(value).replace("\\x0a", " ").replace("\\x0d", " ").replace("\\x09", " ")
    return _MD_INLINE.sub(r"\\\1", text)


def markdown_block(value: Any) -> str:
    """A paragraph of untrusted text: lines kept, but no line can become a heading, list,
    quote, fence or raw HTML, and no inline markup or link is live."""
    lines = terminal_text(value, multiline=True).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_MD_INLINE.sub(r"\\\1", line).lstrip() for line in lines)
