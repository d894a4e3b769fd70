"""BlockReader and LogStream bounds: over-long lines cut and counted exactly once, whole blocks
otherwise untouched; gzip cut or bombed keeps what was read."""

from __future__ import annotations

import gzip
import io

import pytest

from connectors.logs.reader import BlockReader, ReadLimits, open_log


def _lines(data: bytes, size: int, limit: int) -> tuple[list[bytes], int]:
    reader = BlockReader(io.BytesIO(data), size, limit)
    text = b"".join(reader)
    return text.split(b"\n"), reader.long_lines


@pytest.mark.parametrize("block_size", [7, 16, 64, 4096])
def test_lines_up_to_the_limit_pass_whole_and_longer_ones_are_cut_once(block_size: int) -> None:
    limit = 10
    lines = [b"a" * 10, b"b" * 11, b"c" * 3, b"d" * 50, b"", b"e" * 9]
    got, long_lines = _lines(b"\n".join(lines) + b"\n", block_size, limit)
    assert long_lines == 2
    assert got[:-1] == [b"a" * 10, b"b" * 11, b"c" * 3, b"d" * 11, b"", b"e" * 9]  # cut to limit + 1


def test_a_final_line_without_newline_is_kept() -> None:
    got, long_lines = _lines(b"one\ntwo", 4, 10)
    assert got == [b"one", b"two"] and long_lines == 0


def test_truncated_gzip_returns_what_was_inflated_and_says_why(tmp_path) -> None:
    text = b"".join(b"line %d\n" % i for i in range(200_000))
    cut = tmp_path / "cut.gz"
    cut.write_bytes(gzip.compress(text)[: 200_000])
    with open_log(str(cut)) as stream:
        data = b"".join(iter(lambda: stream.read(1 << 20), b""))
    assert stream.cut is not None and "cut or corrupt" in stream.cut
    assert len(data) > 500_000 and text.startswith(data)


def test_decompressed_size_limit_stops_the_stream(tmp_path) -> None:
    packed = tmp_path / "big.gz"
    packed.write_bytes(gzip.compress(b"x" * 3_000_000 + b"\n"))
    with open_log(str(packed), limits=ReadLimits(max_decompressed_bytes=1_000_000)) as stream:
        data = b"".join(iter(lambda: stream.read(65536), b""))
    assert 1_000_000 <= len(data) < 1_200_000
    assert stream.cut is not None and "limit" in stream.cut
