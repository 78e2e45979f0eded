"""Hostile input to the readers (issue 13): one bad line costs one row, never the file or the run.

Each test builds a small file around one kind of damage that real logs and exports show (a
crash that leaves NUL bytes, a UTF-16 export from Excel or MetaTrader 5, a stray quote, a
megabyte line, JSON nested until the parser gives up, ...) and states what the readers owe:
the good rows kept exactly, the bad line rejected once at its 1-based line number, nothing
raised. Every test runs on both paths (``fast=True``, the vectorised columns, and ``fast=False``,
the row by row reference) through the ``fast`` fixture; `test_fuzz_readers` checks the same
rules on large random corpora.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.errors import ConfigError, InputError
from tradeperf.ingest import read_source
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.options import Limits, ReadOptions
from tradeperf.records import TRADE_SCHEMA

DEFAULT = ReadOptions()
#: Enough JSONL lines (250 bytes each) to put line ``PAST_HEAD - 10`` past the first 64 KiB.
PAST_HEAD = 400
#: The same for CSV records (about 100 bytes each).
CSV_PAST_HEAD = 900
HEAD = 64 * 1024
#: Bytes that are neither UTF-8 text nor JSON, and hold no line break of any convention.
BINARY = bytes([0x00, 0x9F, 0xFF, 0x00, 0x81, 0xC3, 0x28, 0x00, 0xFE, 0x10, 0x7F, 0x00]) * 40


@pytest.fixture(params=[True, False], ids=["fast", "rows"])
def fast(request: pytest.FixtureRequest) -> bool:
    """Both reader paths; they owe the same result."""
    return bool(request.param)


def trade(i: int, **changes: object) -> dict[str, object]:
    """A good closed trade with the unique id ``t<i>`` and net P&L ``<i>.25``."""
    return {
        "trade_id": f"t{i}",
        "symbol": "BTCUSDT",
        "side": "long",
        "entry_time": "2024-01-02T10:00:00Z",
        "exit_time": "2024-01-02T11:00:00Z",
        "entry_price": "100.5",
        "exit_price": "101.25",
        "quantity": "2",
        "pnl": f"{i}.25",
        "fees": "0.01",
        "status": "CLOSED",
        **changes,
    }


def trade_line(i: int, **changes: object) -> str:
    return json.dumps(trade(i, **changes), ensure_ascii=False)


def raw_value_line(i: int, field: str, raw_json: str) -> str:
    """A trade line whose ``field`` holds ``raw_json`` as written (NaN, a deep list, ...)."""
    return json.dumps(trade(i, **{field: "@@RAW@@"})).replace('"@@RAW@@"', raw_json)


def pnl(i: int) -> Decimal:
    return Decimal(f"{i}.25")


def write_lines(
    path: Path,
    lines: Sequence[str | bytes],
    *,
    newline: bytes = b"\n",
    final_newline: bool = True,
) -> Path:
    data = newline.join(ln if isinstance(ln, bytes) else ln.encode() for ln in lines)
    path.write_bytes(data + (newline if final_newline else b""))
    return path


def read(path: Path, *, fast: bool, options: ReadOptions = DEFAULT) -> ReadResult:
    return read_source(path, options=options, fast=fast)


def kept(result: ReadResult) -> dict[str, Decimal]:
    """trade_id -> net P&L of the rows the reader kept."""
    ids = result.table.column("trade_id").to_pylist()
    pnls = result.table.column("net_pnl").to_pylist()
    return dict(zip(ids, pnls, strict=True))


def good(*numbers: int) -> dict[str, Decimal]:
    return {f"t{i}": pnl(i) for i in numbers}


def reject_lines(result: ReadResult) -> list[int | None]:
    return [r.line for r in result.rejected]


def _offset_of(lines: Sequence[str | bytes], line: int) -> int:
    """The byte offset at which 1-based ``line`` starts (LF endings)."""
    return sum(len(ln if isinstance(ln, bytes) else ln.encode()) + 1 for ln in lines[: line - 1])


def assert_one_reject_at(result: ReadResult, line: int, expected: dict[str, Decimal]) -> None:
    assert not result.unreadable, result.rejected
    assert reject_lines(result) == [line], [(r.line, r.reason) for r in result.rejected]
    assert kept(result) == expected


# --- line-oriented text: bytes that are not text cost their own line ---------------------------


def test_nul_filled_first_line_of_a_crashed_log_costs_one_row(tmp_path: Path, fast: bool) -> None:
    # A log preallocated by the writer and cut by a crash: a block of NUL before the first line.
    first = b"\x00" * 4096 + trade_line(1).encode()
    path = write_lines(tmp_path / "trades.jsonl", [first, *(trade_line(i) for i in range(2, 6))])
    assert_one_reject_at(read(path, fast=fast), 1, good(2, 3, 4, 5))


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson", ".log"])
def test_binary_line_in_first_64k_costs_one_row(tmp_path: Path, fast: bool, suffix: str) -> None:
    lines: list[str | bytes] = [trade_line(i) for i in range(1, 9)]
    lines[3] = BINARY
    path = write_lines(tmp_path / f"trades{suffix}", lines)
    result = read(path, fast=fast)
    assert result.format == "jsonl"
    assert_one_reject_at(result, 4, good(1, 2, 3, 5, 6, 7, 8))


@pytest.mark.parametrize(
    ("where", "line"), [("first line", 1), ("first 64 KiB", 3), ("after 64 KiB", PAST_HEAD - 10)]
)
@pytest.mark.parametrize(
    "bad",
    [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xe2\x82"],
    ids=["ff", "bad-continuation", "encoded-surrogate", "lone-continuation", "cut-euro"],
)
def test_invalid_utf8_line_costs_one_row(
    tmp_path: Path, fast: bool, where: str, line: int, bad: bytes
) -> None:
    lines: list[str | bytes] = [trade_line(i) for i in range(1, PAST_HEAD + 1)]
    lines[line - 1] = trade_line(line, symbol="BTC@@USDT").encode().replace(b"@@", bad)
    assert where != "after 64 KiB" or _offset_of(lines, line) > HEAD
    path = write_lines(tmp_path / "trades.jsonl", lines)
    expected = good(*(i for i in range(1, PAST_HEAD + 1) if i != line))
    assert_one_reject_at(read(path, fast=fast), line, expected)


@pytest.mark.parametrize("line", [1, 2, PAST_HEAD - 10])
def test_nul_byte_inside_a_record_costs_one_row(tmp_path: Path, fast: bool, line: int) -> None:
    lines: list[str | bytes] = [trade_line(i) for i in range(1, PAST_HEAD + 1)]
    lines[line - 1] = trade_line(line, symbol="BTC\x00USDT").encode().replace(b"\\u0000", b"\x00")
    assert b"\x00" in lines[line - 1]
    assert line < PAST_HEAD - 10 or _offset_of(lines, line) > HEAD
    path = write_lines(tmp_path / "trades.jsonl", lines)
    expected = good(*(i for i in range(1, PAST_HEAD + 1) if i != line))
    assert_one_reject_at(read(path, fast=fast), line, expected)


@pytest.mark.parametrize("text", ["BTC\x00USDT", "BTC\x01", "\x7fBTC", "a\x1bb"])
@pytest.mark.parametrize("field", ["symbol", "trade_id", "strategy"])
def test_escaped_control_character_in_a_text_field_costs_one_row(
    tmp_path: Path, fast: bool, text: str, field: str
) -> None:
    # JSON may spell NUL as \u0000: valid JSON, but no symbol, id or name holds it (the books
    # key positions by text joined with NUL)
    lines = [trade_line(i) for i in range(1, 11)]
    lines[4] = trade_line(5, **{field: text})
    assert json.loads(lines[4])[field] == text
    result = read(write_lines(tmp_path / "trades.jsonl", lines), fast=fast)
    assert_one_reject_at(result, 5, good(1, 2, 3, 4, 6, 7, 8, 9, 10))
    assert result.rejected[0].field == field
    assert "control character" in result.rejected[0].reason


def test_surrounding_whitespace_of_a_text_field_is_trimmed_not_refused(
    tmp_path: Path, fast: bool
) -> None:
    lines = [trade_line(i) for i in range(1, 4)]
    lines[1] = trade_line(2, symbol="\tBTCUSDT\r\n")
    result = read(write_lines(tmp_path / "trades.jsonl", lines), fast=fast)
    assert not result.rejected
    assert result.table.column("symbol").to_pylist() == ["BTCUSDT"] * 3


def test_jsonl_is_recognised_by_its_readable_lines_after_a_binary_first_line(
    tmp_path: Path, fast: bool
) -> None:
    path = write_lines(tmp_path / "export.txt", [BINARY, *(trade_line(i) for i in range(2, 6))])
    result = read(path, fast=fast)
    assert result.format == "jsonl"
    assert_one_reject_at(result, 1, good(2, 3, 4, 5))


def _binary_without_a_readable_line(size: int, seed: int) -> bytes:
    """Random bytes in which every line holds a NUL byte, so no line of it is text."""
    data = random.Random(seed).randbytes(size)
    return b"\n".join(b"\x00" + piece for piece in data.split(b"\n"))


@pytest.mark.parametrize("name", ["blob.bin", "blob", "trades.jsonl", "trades.csv", "t.log"])
def test_file_with_no_readable_line_is_unreadable(tmp_path: Path, fast: bool, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(_binary_without_a_readable_line(1 << 16, seed=13))
    result = read(path, fast=fast)
    assert result.unreadable
    assert result.table.num_rows == 0
    assert reject_lines(result) == [None]


def test_random_bytes_are_unreadable(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "core.bin"
    path.write_bytes(random.Random(7).randbytes(1 << 16))  # as os.urandom, but repeatable
    result = read(path, fast=fast)
    assert result.unreadable
    assert result.table.num_rows == 0
    assert reject_lines(result) == [None]


@pytest.mark.parametrize(
    "name", ["t.jsonl", "t.ndjson", "t.csv", "t.tsv", "t.log", "t.json", "t.parquet", "t"]
)
@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"\r\n  \r\n\t\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"],
    ids=["empty", "blank-lines", "whitespace", "utf8-bom", "utf16le-bom", "utf16be-bom"],
)
def test_empty_file_has_no_rows_and_no_rejects(
    tmp_path: Path, fast: bool, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = read(path, fast=fast)
    assert not result.unreadable
    assert result.rejected == []
    assert result.table.num_rows == 0


# --- byte-order marks: decoded first ------------------------------------------------------------

CSV_COLUMNS = (
    "trade_id",
    "symbol",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl",
    "fees",
    "status",
    "exit_reason",
)


def csv_row(i: int, *, delimiter: str = ",", **changes: object) -> str:
    """One CSV record of `trade` (quoted where the csv module would quote it)."""
    record = {"exit_reason": "tp", **trade(i, **changes)}
    out = io.StringIO()
    # The csv module quotes line breaks only when they occur in its line terminator.
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerow(
        [record[c] for c in CSV_COLUMNS]
    )
    return out.getvalue().removesuffix("\r\n")


def csv_header(delimiter: str = ",") -> str:
    return delimiter.join(CSV_COLUMNS)


def test_utf8_bom_jsonl_reads_every_row(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "".join(trade_line(i) + "\n" for i in (1, 2, 3)).encode())
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == good(1, 2, 3)


UTF16 = [
    pytest.param(b"\xff\xfe", "utf-16-le", id="utf16le"),
    pytest.param(b"\xfe\xff", "utf-16-be", id="utf16be"),
]


@pytest.mark.parametrize(("bom", "codec"), UTF16)
@pytest.mark.parametrize(
    ("delimiter", "newline"), [(",", "\n"), ("\t", "\r\n")], ids=["excel-comma", "mt5-tab-crlf"]
)
def test_utf16_csv_reads_every_row(
    tmp_path: Path, fast: bool, bom: bytes, codec: str, delimiter: str, newline: str
) -> None:
    lines = [csv_header(delimiter), *(csv_row(i, delimiter=delimiter) for i in (1, 2, 3))]
    lines.append(csv_row(4, delimiter=delimiter, symbol="DAX40€"))
    path = tmp_path / "export.csv"
    path.write_bytes(bom + newline.join([*lines, ""]).encode(codec))
    result = read(path, fast=fast)
    assert result.format == "csv"
    assert not result.unreadable
    assert result.rejected == []
    assert kept(result) == good(1, 2, 3, 4)
    assert result.table.column("symbol").to_pylist()[-1] == "DAX40€"


@pytest.mark.parametrize(("bom", "codec"), UTF16)
def test_utf16_jsonl_reads_every_row(tmp_path: Path, fast: bool, bom: bytes, codec: str) -> None:
    text = "".join(trade_line(i) + "\r\n" for i in (1, 2, 3)) + trade_line(4, symbol="日経225")
    path = tmp_path / "trades.jsonl"
    path.write_bytes(bom + text.encode(codec))
    result = read(path, fast=fast)
    assert result.format == "jsonl"
    assert result.rejected == []
    assert kept(result) == good(1, 2, 3, 4)


def test_utf16_line_that_is_not_json_costs_one_row(tmp_path: Path, fast: bool) -> None:
    text = "\n".join([trade_line(1), "not json", trade_line(3), ""])
    path = tmp_path / "trades.jsonl"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert_one_reject_at(read(path, fast=fast), 2, good(1, 3))


# --- JSONL: nesting, length and value limits ------------------------------------------------------

DEEP = 100_000


@pytest.mark.parametrize(
    "line",
    [
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        raw_value_line(2, "metadata", "[" * DEEP + "]" * DEEP),
        raw_value_line(2, "sentiment", '{"a":' * DEEP + "1" + "}" * DEEP),
    ],
    ids=["list", "object", "metadata-list", "sentiment-object"],
)
def test_deeply_nested_line_costs_one_row(tmp_path: Path, fast: bool, line: str) -> None:
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line, trade_line(3)])
    result = read(path, fast=fast)
    assert_one_reject_at(result, 2, good(1, 3))
    assert "nest" in result.rejected[0].reason.lower()


def _nested(depth: int) -> str:
    """An object nested ``depth`` deep (``{"a": 1}`` is depth 1)."""
    return '{"a":' * (depth - 1) + '{"a":1}' + "}" * (depth - 1)


def test_nesting_limit_is_configurable_and_counts_the_record_itself(
    tmp_path: Path, fast: bool
) -> None:
    # The record is depth 1 and its metadata object depth 2 ("an object holding a list is
    # depth 2"): metadata nested 3 deep makes the line depth 4, 4 deep makes it 5.
    limits = ReadOptions(limits=Limits(max_depth=4))
    lines = [raw_value_line(1, "metadata", _nested(3)), raw_value_line(2, "metadata", _nested(4))]
    path = write_lines(tmp_path / "trades.jsonl", [*lines, trade_line(3)])
    result = read(path, fast=fast, options=limits)
    assert_one_reject_at(result, 2, good(1, 3))
    assert "nest" in result.rejected[0].reason.lower()
    # Under the default limit (64) the same line is fine.
    assert kept(read(path, fast=fast)) == good(1, 2, 3)


def test_line_longer_than_the_limit_costs_one_row(tmp_path: Path, fast: bool) -> None:
    options = ReadOptions(limits=Limits(max_line_bytes=1024))
    padded = trade_line(2, exit_reason="x" * 2000)
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), padded, trade_line(3)])
    result = read(path, fast=fast, options=options)
    assert_one_reject_at(result, 2, good(1, 3))
    assert "long" in result.rejected[0].reason.lower()
    assert kept(read(path, fast=fast)) == good(1, 2, 3)


@pytest.mark.parametrize(
    "line",
    [trade_line(2, symbol="S" * 3_000_000), "z" * 3_000_000, "[" + '"abc",' * 500_000 + "1]"],
    ids=["3MB-symbol", "3MB-garbage", "3MB-list"],
)
def test_multi_megabyte_line_costs_one_row(tmp_path: Path, fast: bool, line: str) -> None:
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line, trade_line(3)])
    result = read(path, fast=fast)
    assert_one_reject_at(result, 2, good(1, 3))
    assert "long" in result.rejected[0].reason.lower()


def test_text_value_longer_than_the_field_limit_costs_one_row(tmp_path: Path, fast: bool) -> None:
    # 100 KB: under the line limit (1 MiB), over the field limit (64 Ki characters).
    lines = [trade_line(1), trade_line(2, symbol="S" * 100_000), trade_line(3)]
    path = write_lines(tmp_path / "trades.jsonl", lines)
    assert_one_reject_at(read(path, fast=fast), 2, good(1, 3))


def test_field_limit_is_configurable(tmp_path: Path, fast: bool) -> None:
    # The longest text of a good line is a 20-character time.
    options = ReadOptions(limits=Limits(max_field_chars=32))
    lines = [trade_line(1), trade_line(2, symbol="S" * 100), trade_line(3, exit_reason="x" * 33)]
    path = write_lines(tmp_path / "trades.jsonl", [*lines, trade_line(4)])
    result = read(path, fast=fast, options=options)
    assert not result.unreadable
    assert reject_lines(result) == [2, 3]
    assert kept(result) == good(1, 4)


def test_smallest_field_limit_is_sixteen() -> None:
    assert Limits(max_field_chars=16).max_field_chars == 16
    with pytest.raises(ConfigError, match="max_field_chars"):
        Limits(max_field_chars=15)


# --- JSONL: strict JSON -------------------------------------------------------------------------


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("field", "wrap"),
    [
        ("pnl", "{}"),
        ("quantity", "{}"),
        ("risk_reward", "{}"),
        ("extra_column", "{}"),  # a column the trade layout ignores: still not JSON
        ("metadata", '{{"score": {}}}'),
        ("tags", '["a", {}]'),
    ],
)
def test_non_standard_json_constant_costs_the_row(
    tmp_path: Path, fast: bool, constant: str, field: str, wrap: str
) -> None:
    line = raw_value_line(2, field, wrap.format(constant))
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line, trade_line(3)])
    assert_one_reject_at(read(path, fast=fast), 2, good(1, 3))


@pytest.mark.parametrize(
    ("field", "escape"),
    [
        ("symbol", r"\ud800"),
        ("symbol", r"\udfff"),
        ("symbol", r"BTC\ud800USDT"),
        ("symbol", r"\ude00\ud83d"),  # a pair in the wrong order
        ("trade_id", r"t2\udbff"),
        ("exit_reason", r"\ud800"),
    ],
)
def test_lone_surrogate_escape_costs_the_row(
    tmp_path: Path, fast: bool, field: str, escape: str
) -> None:
    line = raw_value_line(2, field, f'"{escape}"')
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line, trade_line(3)])
    assert_one_reject_at(read(path, fast=fast), 2, good(1, 3))


def test_surrogate_pair_escape_is_one_character(tmp_path: Path, fast: bool) -> None:
    line = raw_value_line(2, "symbol", r'"\ud83d\ude00"')
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line])
    result = read(path, fast=fast)
    assert result.rejected == []
    assert result.table.column("symbol").to_pylist() == ["BTCUSDT", "😀"]


@pytest.mark.parametrize("value", ["[1]", '{"v": 1}', "true", "false", "[]"])
@pytest.mark.parametrize("field", ["pnl", "fees", "quantity", "exit_time"])
def test_wrong_json_type_costs_the_row(tmp_path: Path, fast: bool, value: str, field: str) -> None:
    line = raw_value_line(2, field, value)
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), line, trade_line(3)])
    result = read(path, fast=fast)
    assert_one_reject_at(result, 2, good(1, 3))
    assert result.rejected[0].field in (field, "net_pnl" if field == "pnl" else field)


@pytest.mark.parametrize("value", ["[1, 2]", "42", '"text"', "null", "true"])
def test_json_line_that_is_not_an_object_costs_one_row(
    tmp_path: Path, fast: bool, value: str
) -> None:
    path = write_lines(tmp_path / "trades.jsonl", [value, trade_line(2), trade_line(3)])
    assert_one_reject_at(read(path, fast=fast), 1, good(2, 3))


# --- JSONL: line endings and the last line ------------------------------------------------------


def test_crlf_line_endings_keep_every_row(tmp_path: Path, fast: bool) -> None:
    lines = [trade_line(i) for i in (1, 2, 3)]
    path = write_lines(tmp_path / "trades.jsonl", lines, newline=b"\r\n")
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == good(1, 2, 3)
    assert result.table.column("symbol").to_pylist() == ["BTCUSDT"] * 3


def test_complete_last_line_without_newline_is_kept(tmp_path: Path, fast: bool) -> None:
    lines = [trade_line(i) for i in (1, 2, 3)]
    path = write_lines(tmp_path / "trades.jsonl", lines, final_newline=False)
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == good(1, 2, 3)


@pytest.mark.parametrize("cut", [1, 40, -1])
def test_truncated_last_line_costs_one_row(tmp_path: Path, fast: bool, cut: int) -> None:
    lines = [trade_line(1), trade_line(2), trade_line(3)[:cut]]
    path = write_lines(tmp_path / "trades.jsonl", lines, final_newline=False)
    assert_one_reject_at(read(path, fast=fast), 3, good(1, 2))


# --- CSV: a broken line is one row --------------------------------------------------------------


def csv_file(path: Path, rows: Sequence[str | bytes], *, newline: bytes = b"\n") -> Path:
    return write_lines(path, [csv_header(), *rows], newline=newline)


@pytest.mark.parametrize("line", [2, 4, CSV_PAST_HEAD - 10])
@pytest.mark.parametrize(
    "damage",
    [b"\x00", b"\xff", b"\xc3\x28", BINARY],
    ids=["nul", "ff", "bad-continuation", "binary"],
)
def test_csv_line_that_is_not_text_costs_one_row(
    tmp_path: Path, fast: bool, line: int, damage: bytes
) -> None:
    rows: list[str | bytes] = [csv_row(i) for i in range(2, CSV_PAST_HEAD + 1)]
    rows[line - 2] = csv_row(line, symbol="BTC@@USDT").encode().replace(b"@@", damage)
    assert line < CSV_PAST_HEAD - 10 or _offset_of([csv_header(), *rows], line) > HEAD
    path = csv_file(tmp_path / "trades.csv", rows)
    result = read(path, fast=fast)
    assert result.format == "csv"
    expected = good(*(i for i in range(2, CSV_PAST_HEAD + 1) if i != line))
    assert_one_reject_at(result, line, expected)


def test_csv_is_recognised_by_its_header_before_a_binary_line(tmp_path: Path, fast: bool) -> None:
    path = csv_file(tmp_path / "export.txt", [csv_row(2), BINARY, csv_row(4)])
    result = read(path, fast=fast)
    assert result.format == "csv"
    assert_one_reject_at(result, 3, good(2, 4))


@pytest.mark.parametrize("change", ["drop", "add"])
def test_csv_wrong_number_of_cells_costs_one_row(tmp_path: Path, fast: bool, change: str) -> None:
    bad = csv_row(3).rsplit(",", 1)[0] if change == "drop" else csv_row(3) + ",extra"
    path = csv_file(tmp_path / "trades.csv", [csv_row(2), bad, csv_row(4)])
    assert_one_reject_at(read(path, fast=fast), 3, good(2, 4))


@pytest.mark.parametrize(
    "bad",
    [
        csv_row(3).replace("BTCUSDT", '"BTCUSDT'),  # opens a quote, never closes it
        csv_row(3).replace("CLOSED,tp", 'CLOSED,"tp'),  # in the last cell
        '"' + csv_row(3),  # before the first cell
        csv_row(3).replace("long", '"'),  # a cell that is one quote
    ],
    ids=["symbol", "last-cell", "first-cell", "lone-quote"],
)
def test_csv_unbalanced_quote_costs_only_its_own_row(tmp_path: Path, fast: bool, bad: str) -> None:
    rows = [csv_row(2), bad, *(csv_row(i) for i in range(4, 9))]
    path = csv_file(tmp_path / "trades.csv", rows)
    assert_one_reject_at(read(path, fast=fast), 3, good(2, 4, 5, 6, 7, 8))


def test_csv_unbalanced_quote_on_the_last_line_costs_one_row(tmp_path: Path, fast: bool) -> None:
    bad = csv_row(4).replace("BTCUSDT", '"BTCUSDT')
    path = csv_file(tmp_path / "trades.csv", [csv_row(2), csv_row(3), bad])
    assert_one_reject_at(read(path, fast=fast), 4, good(2, 3))


def test_csv_unbalanced_quotes_in_a_row_each_cost_their_own_row(tmp_path: Path, fast: bool) -> None:
    rows = [
        csv_row(2),
        csv_row(3).replace("BTCUSDT", '"BTCUSDT'),
        csv_row(4),
        csv_row(5).replace("long", '"long'),
        csv_row(6),
    ]
    path = csv_file(tmp_path / "trades.csv", rows)
    result = read(path, fast=fast)
    assert reject_lines(result) == [3, 5]
    assert kept(result) == good(2, 4, 6)


def test_csv_quoted_field_may_span_lines(tmp_path: Path, fast: bool) -> None:
    rows = [
        csv_row(2),
        csv_row(3, exit_reason="stop\nloss"),  # lines 3 and 4
        csv_row(5, exit_reason='said "hi", then\n\nleft'),  # lines 5 to 7
        csv_row(8),
    ]
    assert rows[1].count("\n") == 1
    path = csv_file(tmp_path / "trades.csv", rows)
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == good(2, 3, 5, 8)
    assert result.table.column("exit_reason").to_pylist() == [
        "tp",
        "stop\nloss",
        'said "hi", then\n\nleft',
        "tp",
    ]
    assert result.table.column("source_line").to_pylist() == [2, 3, 5, 8]


def test_csv_cell_past_the_csv_module_limit_costs_one_row(tmp_path: Path, fast: bool) -> None:
    # Python's csv module raises "field larger than field limit (131072)" here.
    rows = [csv_row(2), csv_row(3, exit_reason="x" * 200_000), csv_row(4)]
    path = csv_file(tmp_path / "trades.csv", rows)
    assert_one_reject_at(read(path, fast=fast), 3, good(2, 4))


def test_csv_quoted_cell_past_the_field_limit_costs_one_row(tmp_path: Path, fast: bool) -> None:
    rows = [csv_row(2), csv_row(3, exit_reason="a,b\n" * 40_000), csv_row(4)]
    path = csv_file(tmp_path / "trades.csv", rows)
    result = read(path, fast=fast)
    assert_one_reject_at(result, 3, good(2, 4))


def test_csv_field_limit_is_configurable(tmp_path: Path, fast: bool) -> None:
    options = ReadOptions(limits=Limits(max_field_chars=32))
    path = csv_file(tmp_path / "trades.csv", [csv_row(2), csv_row(3, symbol="S" * 100)])
    assert_one_reject_at(read(path, fast=fast, options=options), 3, good(2))


def test_csv_record_longer_than_the_line_limit_costs_one_row(tmp_path: Path, fast: bool) -> None:
    options = ReadOptions(limits=Limits(max_line_bytes=1024))
    rows = [csv_row(2), csv_row(3, exit_reason="x" * 2000), csv_row(4)]
    path = csv_file(tmp_path / "trades.csv", rows)
    result = read(path, fast=fast, options=options)
    assert_one_reject_at(result, 3, good(2, 4))
    assert "long" in result.rejected[0].reason.lower()


def test_csv_crlf_line_endings_keep_every_row(tmp_path: Path, fast: bool) -> None:
    rows = [csv_row(2), csv_row(3, exit_reason="stop\r\nloss"), csv_row(5)]
    path = csv_file(tmp_path / "trades.csv", rows, newline=b"\r\n")
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == good(2, 3, 5)
    assert result.table.column("status").to_pylist() == ["CLOSED"] * 3
    assert result.table.column("exit_reason").to_pylist()[1] in ("stop\r\nloss", "stop\nloss")


# --- JSON documents: a hostile element is one row -----------------------------------------------


def json_document(elements: Sequence[str], *, wrapped: bool, indent: bool) -> str:
    separator = ",\n  " if indent else ","
    body = "[" + separator.join(elements) + "]"
    return '{"trades": ' + body + "}" if wrapped else body


@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "trades-object"])
@pytest.mark.parametrize(
    "element",
    [
        "5",
        '"text"',
        "null",
        "[1, 2]",
        "[" * DEEP + "]" * DEEP,
        '{"a":' * DEEP + "1" + "}" * DEEP,
        raw_value_line(3, "metadata", "[" * DEEP + "]" * DEEP),
        raw_value_line(3, "pnl", "NaN"),
        raw_value_line(3, "fees", "-Infinity"),
        raw_value_line(3, "extra_column", "Infinity"),
        raw_value_line(3, "pnl", "[1]"),
        raw_value_line(3, "symbol", r'"\ud800"'),
        trade_line(3, symbol="S" * 100_000),
    ],
    ids=[
        "number",
        "string",
        "null",
        "list",
        "deep-list",
        "deep-object",
        "deep-metadata",
        "nan-pnl",
        "minus-infinity-fees",
        "infinity-extra",
        "list-pnl",
        "lone-surrogate",
        "huge-symbol",
    ],
)
def test_json_document_hostile_element_costs_one_row(
    tmp_path: Path, fast: bool, wrapped: bool, element: str
) -> None:
    elements = [trade_line(1), trade_line(2), element, trade_line(4), trade_line(5)]
    path = tmp_path / "trades.json"
    path.write_text(json_document(elements, wrapped=wrapped, indent=True))
    assert_one_reject_at(read(path, fast=fast), 3, good(1, 2, 4, 5))


def _cut_points(document: str) -> dict[str, int]:
    fourth = document.index('{"trade_id": "t4"')
    return {
        "inside-the-fourth-record": fourth + 30,
        "just-after-the-third-record": fourth,
        "on-the-fourth-brace": fourth + 1,
        "before-the-closing-bracket": document.rindex("]"),
    }


@pytest.mark.parametrize("wrapped", [False, True], ids=["list", "trades-object"])
@pytest.mark.parametrize("indent", [False, True], ids=["one-line", "indented"])
@pytest.mark.parametrize(
    "where",
    [
        "inside-the-fourth-record",
        "just-after-the-third-record",
        "on-the-fourth-brace",
        "before-the-closing-bracket",
    ],
)
def test_truncated_json_document_keeps_the_records_before_the_damage(
    tmp_path: Path, fast: bool, wrapped: bool, indent: bool, where: str
) -> None:
    document = json_document([trade_line(i) for i in range(1, 7)], wrapped=wrapped, indent=indent)
    cut = _cut_points(document)[where]
    path = tmp_path / "trades.json"
    path.write_text(document[:cut])
    result = read(path, fast=fast)
    assert not result.unreadable, result.rejected
    assert len(result.rejected) >= 1
    before = (1, 2, 3, 4, 5, 6) if where == "before-the-closing-bracket" else (1, 2, 3)
    assert kept(result) == good(*before)


# --- Parquet: typed hostile values are rejected per row; damage never raises -------------------

PARQUET_SCHEMA = pa.schema(
    [
        ("trade_id", pa.string()),
        ("symbol", pa.string()),
        ("side", pa.string()),
        ("entry_time", pa.timestamp("us", tz="UTC")),
        ("exit_time", pa.timestamp("us", tz="UTC")),
        ("entry_price", pa.float64()),
        ("exit_price", pa.float64()),
        ("quantity", pa.float64()),
        ("pnl", pa.float64()),
        ("fees", pa.float64()),
        ("status", pa.string()),
    ]
)
ENTRY = datetime(2024, 1, 2, 10, tzinfo=UTC)


def parquet_trade(i: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "trade_id": f"t{i}",
        "symbol": "BTCUSDT",
        "side": "long",
        "entry_time": ENTRY,
        "exit_time": ENTRY + timedelta(hours=1),
        "entry_price": 100.5,
        "exit_price": 101.25,
        "quantity": 2.0,
        "pnl": float(pnl(i)),
        "fees": 0.01,
        "status": "CLOSED",
    }
    return {**row, **changes}


def write_parquet(path: Path, rows: list[dict[str, object]], **kwargs: object) -> Path:
    pq.write_table(pa.Table.from_pylist(rows, schema=PARQUET_SCHEMA), path, **kwargs)
    return path


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("column", ["pnl", "entry_price", "exit_price", "quantity", "fees"])
def test_parquet_non_finite_money_costs_the_row(
    tmp_path: Path, fast: bool, column: str, value: float
) -> None:
    rows = [parquet_trade(i) for i in range(1, 6)]
    rows[2] = parquet_trade(3, **{column: value})
    path = write_parquet(tmp_path / "t.parquet", rows)
    assert_one_reject_at(read(path, fast=fast), 3, good(1, 2, 4, 5))


@pytest.mark.parametrize(
    "changes",
    [
        {"symbol": None},
        {"exit_time": None},
        {"symbol": "S" * 100_000},
        {"quantity": -2.0},
        {"entry_price": -1.0},
        {"side": "sideways"},
        {"exit_time": ENTRY - timedelta(hours=1)},
    ],
    ids=[
        "null-symbol",
        "null-exit-time",
        "huge-symbol",
        "negative-quantity",
        "negative-price",
        "unknown-side",
        "exit-before-entry",
    ],
)
def test_parquet_invalid_value_costs_the_row(
    tmp_path: Path, fast: bool, changes: dict[str, object]
) -> None:
    rows = [parquet_trade(i) for i in range(1, 6)]
    rows[2] = parquet_trade(3, **changes)
    path = write_parquet(tmp_path / "t.parquet", rows)
    assert_one_reject_at(read(path, fast=fast), 3, good(1, 2, 4, 5))


def test_parquet_field_limit_is_configurable(tmp_path: Path, fast: bool) -> None:
    options = ReadOptions(limits=Limits(max_field_chars=32))
    rows = [parquet_trade(1), parquet_trade(2, symbol="S" * 100), parquet_trade(3)]
    path = write_parquet(tmp_path / "t.parquet", rows)
    assert_one_reject_at(read(path, fast=fast, options=options), 2, good(1, 3))


def _damage(data: bytes, how: str) -> bytes:
    middle = len(data) // 2
    garbage = random.Random(how).randbytes(512)
    if how == "cut-in-half":
        return data[:middle]
    if how == "cut-before-the-footer":
        return data[:-12]
    if how == "garbage-in-the-middle":
        return data[:middle] + garbage + data[middle + len(garbage) :]
    if how == "zeros-in-the-middle":
        return data[:middle] + bytes(4096) + data[middle + 4096 :]
    if how == "garbage-in-the-footer":
        return data[: -len(garbage) - 8] + garbage + data[-8:]
    assert how == "garbage-after-the-magic"
    return data[:4] + garbage + data[4 + len(garbage) :]


@pytest.mark.parametrize("compression", ["snappy", "none"])
@pytest.mark.parametrize(
    "how",
    [
        "cut-in-half",
        "cut-before-the-footer",
        "garbage-in-the-middle",
        "zeros-in-the-middle",
        "garbage-in-the-footer",
        "garbage-after-the-magic",
    ],
)
def test_damaged_parquet_never_raises(
    tmp_path: Path, fast: bool, how: str, compression: str
) -> None:
    rows = [parquet_trade(i) for i in range(1, 3001)]
    path = write_parquet(tmp_path / "t.parquet", rows, row_group_size=500, compression=compression)
    path.write_bytes(_damage(path.read_bytes(), how))
    result = read(path, fast=fast)
    assert result.table.schema == TRADE_SCHEMA
    if result.unreadable:
        assert result.table.num_rows == 0
        assert reject_lines(result) == [None]
    elif result.table.num_rows < len(rows):
        assert result.rejected, "rows were lost without a reject saying so"


# --- every path, every order ----------------------------------------------------------------------


def test_unknown_input_format_is_still_an_input_error(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "t.jsonl", [trade_line(1)])
    with pytest.raises(InputError, match="unknown input format"):
        read_source(path, options=ReadOptions(input_format="xlsx"))


def test_mixed_hostile_jsonl_reads_the_same_on_both_paths(tmp_path: Path) -> None:
    lines: list[str | bytes] = [
        BINARY,
        trade_line(2),
        raw_value_line(3, "pnl", "NaN"),
        "[" * DEEP + "]" * DEEP,
        trade_line(5, symbol="S" * 100_000),
        raw_value_line(6, "symbol", r'"\ud800"'),
        trade_line(7)[:50],
        trade_line(8),
        b"\xff" + trade_line(9).encode(),
    ]
    path = write_lines(tmp_path / "t.jsonl", lines, newline=b"\r\n")
    fast_result, rows_result = read(path, fast=True), read(path, fast=False)
    assert fast_result.table.equals(rows_result.table)
    assert _reject_keys(fast_result) == _reject_keys(rows_result)
    assert reject_lines(rows_result) == [1, 3, 4, 5, 6, 7, 9]
    assert kept(rows_result) == good(2, 8)


def _reject_keys(result: ReadResult) -> list[tuple[int | None, str | None, str]]:
    return [(r.line, r.field, r.reason) for r in result.rejected]


def test_good_rows_do_not_depend_on_the_order_of_the_lines(tmp_path: Path, fast: bool) -> None:
    lines: list[str | bytes] = [trade_line(i) for i in range(1, 41)]
    lines[9] = BINARY
    lines[19] = "[" * DEEP + "]" * DEEP
    forward = write_lines(tmp_path / "a.jsonl", lines)
    backward = write_lines(tmp_path / "b.jsonl", lines[::-1])
    expected = good(*(i for i in range(1, 41) if i not in (10, 20)))
    assert kept(read(forward, fast=fast)) == expected
    assert kept(read(backward, fast=fast)) == expected


# --- decimal commas -------------------------------------------------------------------------------

EUROPEAN_CSV = (
    "trade_id;symbol;side;entry_time;exit_time;entry_price;exit_price;quantity;pnl;fees;status\n"
    "t1;DAX40;long;2024-01-02T10:00:00Z;2024-01-02T11:00:00Z;1.170,50;1.171,25;2;1,50;0,01;CLOSED\n"
    "t2;DAX40;short;2024-01-02T10:00:00Z;2024-01-02T11:00:00Z;18.250,00;18.262,75;0,25;"
    "-1.234,56;1,20;CLOSED\n"
    "t3;DAX40;long;2024-01-02T10:00:00Z;2024-01-02T11:00:00Z;999,5;1.000,5;1;-0,25;0;CLOSED\n"
)
EUROPEAN_PNL = {"t1": Decimal("1.50"), "t2": Decimal("-1234.56"), "t3": Decimal("-0.25")}


def _assert_european_values(result: ReadResult) -> None:
    assert result.rejected == []
    assert kept(result) == EUROPEAN_PNL
    rows = {r["trade_id"]: r for r in result.table.to_pylist()}
    assert rows["t1"]["entry_price"] == Decimal("1170.50")
    assert rows["t2"]["entry_price"] == Decimal("18250")
    assert rows["t2"]["exit_price"] == Decimal("18262.75")
    assert rows["t2"]["quantity"] == Decimal("0.25")
    assert rows["t2"]["fees"] == Decimal("1.20")
    assert rows["t2"]["gross_pnl"] == Decimal("-1233.36")
    assert rows["t3"]["exit_price"] == Decimal("1000.5")


def test_decimal_comma_csv_reads_exactly_with_the_option(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EUROPEAN_CSV)
    _assert_european_values(read(path, fast=fast, options=ReadOptions(decimal=",")))


def test_decimal_comma_is_detected_when_unambiguous(tmp_path: Path, fast: bool) -> None:
    # ';' cells, every number of the form 1.234,56 and a comma in many of them: only a decimal
    # comma reads them. (A file of values like "1,500" alone is ambiguous and not tested here.)
    path = tmp_path / "export.csv"
    path.write_text(EUROPEAN_CSV)
    _assert_european_values(read(path, fast=fast))


def test_decimal_comma_file_with_a_bom_and_crlf(tmp_path: Path, fast: bool) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EUROPEAN_CSV.replace("\n", "\r\n").encode())
    _assert_european_values(read(path, fast=fast, options=ReadOptions(decimal=",")))


def test_decimal_comma_bad_number_costs_its_row(tmp_path: Path, fast: bool) -> None:
    text = EUROPEAN_CSV + (
        "t4;DAX40;long;2024-01-02T10:00:00Z;2024-01-02T11:00:00Z;1,0;1,1;1;1,2,3;0;CLOSED\n"
    )
    path = tmp_path / "export.csv"
    path.write_text(text)
    result = read(path, fast=fast, options=ReadOptions(decimal=","))
    assert reject_lines(result) == [5]
    assert kept(result) == EUROPEAN_PNL


def test_decimal_point_semicolon_csv_is_not_taken_for_decimal_commas(
    tmp_path: Path, fast: bool
) -> None:
    text = (
        "trade_id;symbol;exit_time;pnl;fees\n"
        "t1;X;2024-01-02T11:00:00Z;1.170;0.5\n"
        "t2;X;2024-01-02T11:00:00Z;-0.25;1.000\n"
    )
    path = tmp_path / "export.csv"
    path.write_text(text)
    result = read(path, fast=fast)
    assert result.rejected == []
    assert kept(result) == {"t1": Decimal("1.17"), "t2": Decimal("-0.25")}


def test_parquet_text_that_is_not_utf8_costs_its_row(tmp_path: Path, fast: bool) -> None:
    # a damaged data page can decode to bytes that are not UTF-8 in a string column
    table = pa.Table.from_pylist([parquet_trade(i) for i in range(1, 4)], schema=PARQUET_SCHEMA)
    values = [b"BTCUSDT", b"\xff\xfe", b"ETHUSDT"]
    offsets = pa.array([0, 7, 9, 16], pa.int32()).buffers()[1]
    symbol = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"".join(values))])
    table = table.set_column(table.schema.get_field_index("symbol"), "symbol", symbol)
    pq.write_table(table, tmp_path / "t.parquet")
    assert_one_reject_at(read(tmp_path / "t.parquet", fast=fast), 2, good(1, 3))


@pytest.mark.parametrize("number", ["1e999999", "-1E+20", "1e-999999999"])
def test_jsonl_amount_with_a_huge_exponent_costs_its_row(
    tmp_path: Path, fast: bool, number: str
) -> None:
    bad = raw_value_line(2, "pnl", number)
    path = write_lines(tmp_path / "trades.jsonl", [trade_line(1), bad, trade_line(3)])
    result = read(path, fast=fast)
    if number == "1e-999999999":  # a tiny amount rounds to zero at the stored scale
        assert kept(result)["t2"] == 0
    else:
        assert_one_reject_at(result, 2, good(1, 3))
