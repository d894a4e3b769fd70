"""Microsoft Purview audit search CSV exports: the portal's export and PowerShell's Export-Csv."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from connectors.logs.formats.m365 import M365AuditFormat
from connectors.logs.records import MalformedLine
from tests.connectors.logs.conftest import FIXTURES, by_app, fits, issue_kinds, reader, reads, scan



def test_portal_export() -> None:
    result = scan("m365/purview-export.csv")
    assert result.counts["format:m365"] == 1
    found = by_app(result.observations)
    # the FileAccessed record that names "CopilotInteraction" in its file name is not AI use
    assert set(found) == {("m365-copilot", "quinn@acme.example"), ("m365-copilot", "rosa@acme.example")}
    # AuditData cut inside its JSON, a row without the admin-unit columns; the repeated header is not counted
    assert issue_kinds(result) == {"malformed-lines": 2}
    quinn = found[("m365-copilot", "quinn@acme.example")]
    assert quinn.model == "gpt-4o" and quinn.signal == "m365:CopilotInteraction"
    assert quinn.attributes["vendor_app"] == "Word"
    assert quinn.first_seen == datetime(2024, 6, 11, 11, 0, tzinfo=timezone.utc)
    assert found[("m365-copilot", "rosa@acme.example")].attributes["vendor_app"] == "Teams"


def test_powershell_export_with_the_older_header() -> None:
    result = scan("m365/purview-legacy.csv")
    assert result.counts["format:m365"] == 1
    found = by_app(result.observations)
    # tess's AuditData has no UserId: the row's UserIds column stands in
    assert set(found) == {("m365-copilot", "sam@acme.example"), ("m365-copilot", "tess@acme.example")}
    assert issue_kinds(result) == {"malformed-lines": 1}  # AuditData that is not JSON
    assert found[("m365-copilot", "tess@acme.example")].model == "gpt-4o-mini"


@pytest.mark.parametrize(
    "head",
    [
        ["RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames"],
        ["CreationDate,UserIds,Operations,AuditData"],
        ["#TYPE System.Management.Automation.PSCustomObject", '"RunspaceId","RecordType","CreationDate","UserIds",'
         '"Operations","AuditData","ResultIndex","ResultCount","Identity"'],
    ],
)
def test_sniff_both_export_headers(head: list[str]) -> None:
    assert M365AuditFormat.sniff(head)


def test_sniff_wants_the_audit_columns() -> None:
    assert not M365AuditFormat.sniff(["CreationDate,UserIds,Operations"])  # no AuditData
    assert not M365AuditFormat.sniff(["time,user,url,AuditData"])


def test_rows_are_read_by_column() -> None:
    fmt, lines = reader("m365/purview-export.csv", M365AuditFormat)
    assert fmt.parse(lines[0].decode()) is None  # the header, repeated
    assert fmt.parse(lines[2].decode()) is None  # FileAccessed
    with pytest.raises(MalformedLine, match="not JSON"):
        fmt.parse('5b1c9e02-7d44-4f0e-9a51-2c3d4e5f6a09,2024-06-11T11:09:00Z,261,CopilotInteraction,a@b.example,{,,')
    with pytest.raises(MalformedLine, match="columns"):
        fmt.parse("5b1c9e02-7d44-4f0e-9a51-2c3d4e5f6a09,2024-06-11T11:09:00Z,261,CopilotInteraction")


@pytest.mark.parametrize(
    ("fixture", "first_column"),
    [("m365/purview-export.csv", rb"[0-9A-Fa-f]{8}-"), ("m365/purview-legacy.csv", rb"\d")],
)
def test_csv_line_shape(fixture: str, first_column: bytes) -> None:
    fmt, lines = reader(fixture, M365AuditFormat)
    shape = fmt.line_shape
    assert shape.startswith(b'"?' + first_column)
    rows = [line for line in lines if re.match(rb'"?[0-9a-f]', line) and reads(fmt, line)]
    assert len(rows) >= 3 and all(re.match(shape, row) for row in rows)
    # a row cut short, the tail of an AuditData field broken over two lines, a truncated RecordId, garbage
    for bad in (rows[0][: len(rows[0]) // 2], b'""Operation"":""CopilotInteraction""}",,',
                b"5b1c9e02-7d44,2024-06-11", b"\x00\x00garbage"):
        assert not re.match(shape, bad)


def test_json_line_shape() -> None:
    fmt, lines = reader("m365/audit.jsonl", M365AuditFormat)
    good = [line for line in lines if reads(fmt, line)]
    assert good and all(fits(fmt, line) for line in good)
    assert not fits(fmt, good[0][:-10])
    assert not fits(fmt, b'"Operation":"CopilotInteraction","UserId":"jack@acme.example"}')
