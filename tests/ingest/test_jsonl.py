"""JSON Lines reader: good and bad lines, exact numbers, offsets for tailing a growing log."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf.errors import InputError
from tradeperf.ingest import read_source
from tradeperf.ingest.assemble import parse_mapping
from tradeperf.ingest.options import ReadOptions

CLOSED = {
    "trade_id": "A",
    "symbol": "BTC-USD",
    "side": "long",
    "entry_time": "2024-01-01T10:00:00Z",
    "exit_time": "2024-01-01T11:00:00Z",
    "quantity": "0.5",
    "entry_price": "40000",
    "exit_price": "40100",
    "fees": "2.5",
    "net_pnl": "47.5",
}


def _row(i: int, **changes: object) -> dict[str, object]:
    return {**CLOSED, "trade_id": f"T{i}", **changes}


def test_reads_every_good_line_and_quarantines_bad_ones(
    write_jsonl: Callable[..., Path],
) -> None:
    truncated = json.dumps(_row(3))[:40]
    path = write_jsonl(
        [
            _row(1),
            _row(2, net_pnl="abc"),
            truncated,
            "",
            "[1, 2]",
            _row(6, exit_time=None, status="CLOSED"),
            _row(7),
        ]
    )
    result = read_source(path)
    assert result.format == "jsonl"
    assert not result.unreadable
    assert result.table.column("trade_id").to_pylist() == ["T1", "T7"]
    assert result.table.column("source_line").to_pylist() == [1, 7]
    got = [(r.line, r.field) for r in result.rejected]
    assert got == [(2, "net_pnl"), (3, None), (5, None), (6, "exit_time")]
    assert all(r.source == str(path.resolve()) for r in result.rejected)
    assert "malformed JSON" in result.rejected[1].reason
    assert result.rejected[1].raw == truncated
    assert "expected a JSON object" in result.rejected[2].reason


def test_json_numbers_are_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    line = (
        '{"symbol": "X", "exit_time": "2024-01-02T00:00:00Z", "net_pnl": 0.1, "fees": 0.2,'
        ' "quantity": 1.0000000000000000001, "entry_price": 123456789.123456789}\n'
    )
    path.write_text(line)
    row = read_source(path).table.to_pylist()[0]
    assert row["gross_pnl"] == Decimal("0.3")
    assert row["quantity"] == Decimal("1.0000000000000000001").quantize(Decimal("1e-18"))
    assert row["entry_price"] == Decimal("123456789.123456789")


def test_trade_id_is_derived_when_missing_and_stable_across_reads(
    write_jsonl: Callable[..., Path],
) -> None:
    no_id = {k: v for k, v in CLOSED.items() if k != "trade_id"}
    path = write_jsonl([no_id, no_id])
    first = read_source(path).table.column("trade_id").to_pylist()
    again = read_source(path).table.column("trade_id").to_pylist()
    assert first == again
    assert len(set(first)) == 2


def test_offsets_let_a_growing_log_be_tailed(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([_row(1), _row(2)])
    first = read_source(path)
    assert first.end_offset == path.stat().st_size
    with path.open("a") as f:
        f.write(json.dumps(_row(3)) + "\n" + json.dumps(_row(4)) + "\n")
    second = read_source(path, start_offset=first.end_offset or 0)
    assert second.table.column("trade_id").to_pylist() == ["T3", "T4"]
    assert second.table.column("source_line").to_pylist() == [3, 4]
    assert second.end_offset == path.stat().st_size
    third = read_source(path, start_offset=second.end_offset or 0)
    assert third.table.num_rows == 0
    assert third.rejected == []


def test_an_unfinished_last_line_is_read_but_not_passed(
    write_jsonl: Callable[..., Path],
) -> None:
    path = write_jsonl([_row(1)])
    complete = path.stat().st_size
    text = json.dumps(_row(2))
    with path.open("a") as f:
        f.write(text[:30])
    partial = read_source(path)
    assert partial.end_offset == complete
    assert partial.table.num_rows == 1
    assert [r.line for r in partial.rejected] == [2]
    assert "no newline" in partial.rejected[0].reason
    with path.open("a") as f:
        f.write(text[30:] + "\n")
    rest = read_source(path, start_offset=partial.end_offset or 0)
    assert rest.table.column("trade_id").to_pylist() == ["T2"]
    assert rest.rejected == []
    # A complete file whose last line lacks the newline is still read whole.
    lone = path.with_name("lone.jsonl")
    lone.write_text(json.dumps(_row(9)))
    assert read_source(lone).table.num_rows == 1


def test_offset_past_the_end_reads_nothing(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([_row(1)])
    result = read_source(path, start_offset=10_000)
    assert result.table.num_rows == 0
    assert result.end_offset == path.stat().st_size


def test_offset_on_a_whole_file_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("symbol,net_pnl,exit_time\nX,1,2024-01-01\n")
    with pytest.raises(InputError):
        read_source(path, start_offset=5)


def test_mapping_renames_columns(write_jsonl: Callable[..., Path]) -> None:
    row = {"sym": "X", "closed": "2024-01-02T00:00:00Z", "profit_usd": "5", "pnl": "99"}
    path = write_jsonl([row])
    result = read_source(path, options=_opts("symbol=sym,exit_time=closed,pnl=profit_usd"))
    assert result.table.column("net_pnl").to_pylist() == [Decimal(5)]


def test_mapping_naming_a_missing_column_is_an_error(write_jsonl: Callable[..., Path]) -> None:
    path = write_jsonl([CLOSED])
    with pytest.raises(InputError, match="profit_usd"):
        read_source(path, options=_opts({"pnl": "profit_usd"}))


def test_objects_of_no_known_kind_make_the_file_unreadable(
    write_jsonl: Callable[..., Path],
) -> None:
    path = write_jsonl([{"level": "info", "msg": "started"}])
    result = read_source(path)
    assert result.unreadable
    assert "no known record kind" in result.rejected[0].reason


def test_json_document_with_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"trades": [_row(1), 5, _row(3)]}, indent=2))
    result = read_source(path)
    assert result.format == "json"
    assert result.table.column("trade_id").to_pylist() == ["T1", "T3"]
    assert [r.line for r in result.rejected] == [2]


def _opts(mapping: object) -> ReadOptions:
    return ReadOptions(mapping=parse_mapping(mapping))  # type: ignore[arg-type]


def test_reason_of_a_cut_string_says_where_once(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"trade_id": "a", "symbol": "BT\n')
    (reject,) = read_source(path).rejected
    assert reject.reason == "malformed JSON (Unterminated string starting at column 29)"
