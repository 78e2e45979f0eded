"""Choosing the reader by content, and expanding files and folders into sources."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.errors import InputError
from tradeperf.ingest import discover, read_source
from tradeperf.ingest.catalog import detect_kind
from tradeperf.ingest.formats import sniff_format
from tradeperf.ingest.options import ReadOptions
from tradeperf.records import RecordKind

ROW = {"symbol": "X", "exit_time": "2024-01-02T00:00:00Z", "net_pnl": "1.5"}


def test_txt_file_holding_jsonl_is_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps(ROW) + "\n")
    result = read_source(path)
    assert (result.format, result.table.num_rows) == ("jsonl", 2)


def test_csv_named_file_holding_parquet_is_read_as_parquet(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    pq.write_table(pa.table({k: [v] for k, v in ROW.items()}), path)
    result = read_source(path)
    assert (result.format, result.table.num_rows) == ("parquet", 1)


def test_jsonl_named_file_holding_csv_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "trades.jsonl"
    path.write_text("symbol,exit_time,net_pnl\nX,2024-01-02,1\n")
    assert read_source(path).format == "csv"


def test_first_line_truncated_is_still_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    path.write_text('{"symbol": "X", "exit_ti\n' + json.dumps(ROW) + "\n")
    result = read_source(path)
    assert result.format == "jsonl"
    assert result.table.num_rows == 1
    assert [r.line for r in result.rejected] == [1]


def test_format_override_wins(tmp_path: Path) -> None:
    path = tmp_path / "t.data"
    path.write_text("symbol|exit_time|net_pnl\nX|2024-01-02|1\n")
    result = read_source(path, options=ReadOptions(input_format="csv"))
    assert (result.format, result.kind, result.table.num_rows) == ("csv", RecordKind.TRADES, 1)
    with pytest.raises(InputError, match="unknown input format"):
        read_source(path, options=ReadOptions(input_format="xlsx"))


def test_binary_garbage_is_unreadable_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "trades.jsonl"
    path.write_bytes(bytes(range(256)) * 40)
    result = read_source(path)
    assert result.unreadable
    assert result.table.num_rows == 0
    assert len(result.rejected) == 1
    assert result.rejected[0].line is None
    assert "binary" in result.rejected[0].reason


def test_forced_format_on_garbage_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    path.write_bytes(b"PAR1 not really")
    assert read_source(path).unreadable
    assert read_source(path, options=ReadOptions(input_format="freqtrade")).unreadable


def test_plain_text_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "notes.log"
    path.write_text("bot started\nbot stopped\n")
    result = read_source(path)
    assert result.unreadable
    assert "recognised" in result.rejected[0].reason


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file_gives_zero_rows_and_is_fine(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "2024-01-01.jsonl"
    path.write_bytes(content)
    result = read_source(path)
    assert result.table.num_rows == 0
    assert result.rejected == []
    assert not result.unreadable
    assert result.format == "empty"
    assert result.kind is RecordKind.TRADES


def test_empty_csv_with_only_a_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("symbol,net_pnl,exit_time\n")
    result = read_source(path)
    assert (result.table.num_rows, result.rejected, result.unreadable) == (0, [], False)


def test_kind_is_detected_from_aliased_columns() -> None:
    # trade aliases: asset -> symbol, pnl -> net_pnl; pair -> symbol, open/close_rate ->
    # entry/exit_price; {symbol, net_pnl} and {symbol, entry_price, exit_price} are trades
    # signatures, and no other kind's signature is complete in these columns
    assert _kind(["Asset", "PnL"]) is RecordKind.TRADES
    assert _kind(["pair", "open_rate", "close_rate"]) is RecordKind.TRADES
    assert _kind(["level", "message"]) is None
    assert _kind(["sym", "profit_usd"]) is None
    assert _kind(["sym", "profit_usd"], mapping={"symbol": "sym", "pnl": "profit_usd"}) is (
        RecordKind.TRADES
    )


def _kind(columns: list[str], *, mapping: dict[str, str] | None = None) -> RecordKind | None:
    spec = detect_kind(columns, mapping=mapping)
    return None if spec is None else spec.kind


def test_freqtrade_is_told_from_a_jsonl_row_with_a_strategy_name(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps({**ROW, "strategy": "news"}) + "\n")
    assert sniff_format(path).format == "jsonl"
    path.write_text(json.dumps({"strategy": {"S": {"trades": []}}}))
    assert sniff_format(path).format == "freqtrade"


def test_discover_expands_folders_recursively_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "logs" / "sub").mkdir(parents=True)
    (tmp_path / "logs" / ".cache").mkdir()
    wanted = [
        tmp_path / "logs" / "2024-01-01.jsonl",
        tmp_path / "logs" / "b.csv",
        tmp_path / "logs" / "sub" / "c.parquet",
        tmp_path / "logs" / "sub" / "d.LOG",
        tmp_path / "logs" / "sub" / "e.json",
    ]
    skipped = [
        tmp_path / "logs" / ".hidden.jsonl",
        tmp_path / "logs" / ".cache" / "f.jsonl",
        tmp_path / "logs" / "readme.md",
        tmp_path / "logs" / "sub" / "e.meta.json",
    ]
    for p in wanted + skipped:
        p.write_text("")
    found = discover([tmp_path / "logs"])
    assert sorted(found) == sorted(p.resolve() for p in wanted)
    # A file named explicitly is taken whatever its extension; duplicates are dropped.
    explicit = discover([tmp_path / "logs" / "readme.md", tmp_path / "logs" / "b.csv"])
    assert explicit == [(tmp_path / "logs" / "readme.md").resolve(), wanted[1].resolve()]
    assert len(discover([tmp_path / "logs", wanted[0]])) == len(wanted)


def test_discover_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        discover([tmp_path / "nope"])


def test_discover_folder_without_trade_files_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="no trade files") as info:
        discover(tmp_path)
    assert info.value.path == str(tmp_path)


def test_a_folder_search_skips_the_alert_log_but_a_file_named_is_taken(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    for name in ("bot.jsonl", "performance-alerts.jsonl", "mine.jsonl"):
        (tmp_path / "logs" / name).write_text("{}\n")
    found = discover(tmp_path / "logs", skip=[tmp_path / "logs" / "mine.jsonl"])
    assert [p.name for p in found] == ["bot.jsonl"]
    named = discover(tmp_path / "logs" / "performance-alerts.jsonl")
    assert [p.name for p in named] == ["performance-alerts.jsonl"]
