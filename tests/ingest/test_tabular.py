"""CSV and Parquet readers, line numbers of rejects, and column mappings."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.errors import ConfigError, InputError
from tradeperf.ingest import parse_mapping, read_source
from tradeperf.ingest.options import ReadOptions

CSV_TEXT = (
    "trade_id,pair,side,open_time,close_time,qty,entry_price,exit_price,fee,profit\n"
    "1,BTC-USD,buy,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,0.1,40000,40100,0.1,9.9\n"
    "2,ETH-USD,sell,2024-01-01T10:00:00Z,2024-01-01T09:00:00Z,1,2000,1990,0.2,9.8\n"
    '3,"SOL,USD",long,2024-01-02T10:00:00Z,2024-01-02T11:00:00Z,2,100,101,0.2,"1.8"\n'
    "4,BTC-USD,long,2024-01-02\n"
    "\n"
    "5,BTC-USD,long,2024-01-03T10:00:00Z,2024-01-03T11:00:00Z,1,1,2,0,oops\n"
    "6,BTC-USD,short,2024-01-03T10:00:00Z,2024-01-03T11:00:00Z,0.3,100,90,0.1,\n"
)


def test_csv_keeps_good_rows_and_line_numbers_of_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "trades.csv"
    path.write_text(CSV_TEXT)
    result = read_source(path)
    assert result.format == "csv"
    assert result.table.column("trade_id").to_pylist() == ["1", "3", "6"]
    assert result.table.column("source_line").to_pylist() == [2, 4, 8]
    assert [(r.line, r.field) for r in result.rejected] == [
        (3, "exit_time"),
        (5, None),
        (7, "net_pnl"),
    ]
    rows = result.table.to_pylist()
    assert rows[0]["net_pnl"] == Decimal("9.9")
    assert rows[0]["gross_pnl"] == Decimal("10.0")
    assert rows[1]["symbol"] == "SOL,USD"
    # Empty net P&L cell: derived from prices, quantity and side.
    assert rows[2]["gross_pnl"] == Decimal("3")
    assert rows[2]["net_pnl"] == Decimal("2.9")


def test_semicolon_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        "\ufeffsymbol;net_pnl;exit_time\nX;0,5x;2024-01-01\nY;1.5;2024-01-01\n".encode()
    )
    result = read_source(path)
    assert result.table.column("symbol").to_pylist() == ["Y"]
    assert [(r.line, r.field) for r in result.rejected] == [(2, "net_pnl")]


def test_csv_mapping_from_option_text(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("Market,Closed At,profit_usd\nX,2024-01-01T00:00:00Z,0.1\n")
    result = read_source(path, options=_opts("pnl=profit_usd, exit_time = Closed At"))
    assert result.table.column("net_pnl").to_pylist() == [Decimal("0.1")]


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_csv_mapping_from_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text("sym,when,profit_usd\nX,2024-01-01T00:00:00Z,0.1\n")
    mapping = {"symbol": "sym", "exit_time": "when", "net_pnl": "profit_usd"}
    mapping_file = tmp_path / f"map{suffix}"
    if suffix == ".json":
        mapping_file.write_text(json.dumps(mapping))
    else:
        mapping_file.write_text("".join(f"{k}: {v}\n" for k, v in mapping.items()))
    result = read_source(path, options=_opts(mapping_file))
    assert result.table.column("symbol").to_pylist() == ["X"]


def test_mapping_errors(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("symbol,net_pnl,exit_time\nX,1,2024-01-01\n")
    with pytest.raises(InputError, match="profit_usd"):
        read_source(path, options=_opts("pnl=profit_usd"))
    with pytest.raises(ConfigError):
        parse_mapping("pnl")
    with pytest.raises(ConfigError):
        parse_mapping(tmp_path / "missing.yaml")


def test_parquet_with_typed_and_text_columns(tmp_path: Path) -> None:
    table = pa.table(
        {
            "ticker": ["AAPL", "MSFT", "X"],
            "exit_ts": pa.array([1_700_000_000_000, 1_700_000_100_000, 1_700_000_000_000]),
            "realized_pnl": pa.array(
                [Decimal("1.10"), Decimal("-2.20"), Decimal("3")], type=pa.decimal128(10, 2)
            ),
            "qty": pa.array([1.5, 2.0, -1.0]),
            "tags": pa.array([["a"], [], None], type=pa.list_(pa.string())),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    result = read_source(path)
    assert result.format == "parquet"
    assert result.table.column("net_pnl").to_pylist() == [Decimal("1.1"), Decimal("-2.2")]
    assert result.table.column("quantity").to_pylist() == [Decimal("1.5"), Decimal(2)]
    assert result.table.column("tags").to_pylist() == [["a"], []]
    assert [(r.line, r.field) for r in result.rejected] == [(3, "quantity")]


def test_parquet_in_the_store_schema_round_trips(tmp_path: Path) -> None:
    from tradeperf.ingest.trades import validate_trade
    from tradeperf.records import TRADE_SCHEMA

    row = validate_trade({"symbol": "X", "exit_time": "2024-01-02", "pnl": "0.1", "fees": "0.2"})
    path = tmp_path / "trades.parquet"
    pq.write_table(pa.Table.from_pylist([row], schema=TRADE_SCHEMA), path)
    back = read_source(path).table.to_pylist()[0]
    assert {k: v for k, v in back.items() if k not in ("source", "source_line")} == {
        k: v for k, v in row.items() if k not in ("source", "source_line")
    }


def _opts(mapping: object) -> ReadOptions:
    return ReadOptions(mapping=parse_mapping(mapping))  # type: ignore[arg-type]
