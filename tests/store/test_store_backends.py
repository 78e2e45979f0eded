"""The store keeps what it is given, exactly, once, atomically: on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from tradeperf.errors import StoreError
from tradeperf.ingest.base import ReadResult
from tradeperf.records import (
    PositionSide,
    RecordKind,
    RejectedRow,
    Trade,
    TradeStatus,
    trades_to_table,
)
from tradeperf.store import SourceEntry, TradeQuery, open_store
from tradeperf.store.sql import SCHEMA_VERSION

T0 = dt.datetime(2024, 3, 30, 22, 0, tzinfo=dt.UTC)


def _trade(i: int, pnl: str, *, strategy: str = "s1", symbol: str = "BTC-USD") -> Trade:
    return Trade(
        trade_id=f"t{i}",
        symbol=symbol,
        side=PositionSide.LONG,
        status=TradeStatus.CLOSED,
        entry_time=T0 + dt.timedelta(hours=i),
        exit_time=T0 + dt.timedelta(hours=i, minutes=30),
        quantity=Decimal("0.123456789012345678"),
        entry_price=Decimal("65000.01"),
        exit_price=Decimal("65010.99"),
        fees=Decimal("0.1"),
        net_pnl=Decimal(pnl),
        gross_pnl=Decimal(pnl) + Decimal("0.1"),
        strategy=strategy,
        tags=("a", 'quote"d', "comma,here"),
        source_line=i,
    )


def _entry(path: str, rows: int, rejected: int = 0, checksum: str = "c1") -> SourceEntry:
    return SourceEntry(
        path=path, size=10, mtime_ns=1, checksum=checksum, prefix_checksum=checksum,
        end_offset=10, format="jsonl", kind="trades", rows=rows, rejected=rejected,
        unreadable=False, ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _result(path: str, trades: list[Trade], rejected: list[RejectedRow] = ()) -> ReadResult:
    return ReadResult(
        source=path,
        kind=RecordKind.TRADES,
        table=trades_to_table(trades),
        rejected=list(rejected),
        format="jsonl",
    )


def test_trades_round_trip_exactly(store_url: str) -> None:
    trades = [_trade(1, "12.345678901234567891"), _trade(2, "-0.000000000000000001")]
    with open_store(store_url) as store:
        assert store.write_source(_entry("/a", 2), _result("/a", trades), replace=True) == 2
        got = store.trades().to_pylist()
    assert [g["trade_id"] for g in got] == ["t1", "t2"]
    assert got[0]["net_pnl"] == Decimal("12.345678901234567891").quantize(Decimal("1e-18"))
    assert got[1]["net_pnl"] == Decimal("-1E-18")
    assert got[0]["quantity"] == Decimal("0.123456789012345678")
    assert got[0]["tags"] == ["a", 'quote"d', "comma,here"]
    assert got[0]["exit_time"] == T0 + dt.timedelta(hours=1, minutes=30)
    assert got[0]["source"] == "/a"


def test_rows_already_stored_are_not_stored_twice(store_url: str) -> None:
    trades = [_trade(i, "1") for i in range(5)]
    with open_store(store_url) as store:
        store.write_source(_entry("/a", 5), _result("/a", trades), replace=True)
        assert store.write_source(_entry("/a", 5), _result("/a", trades), replace=False) == 0
        # the same trade ids in another file are the same trades
        assert store.write_source(_entry("/b", 5), _result("/b", trades), replace=True) == 0
        assert store.trades().num_rows == 5


def test_replace_drops_what_the_rewritten_file_no_longer_has(store_url: str) -> None:
    bad = [RejectedRow("/a", 3, "pnl", "not a number", raw="{...")]
    with open_store(store_url) as store:
        store.write_source(
            _entry("/a", 3, 1), _result("/a", [_trade(i, "1") for i in range(3)], bad), replace=True
        )
        assert store.quarantine().num_rows == 1
        store.write_source(_entry("/a", 1, 0, "c2"), _result("/a", [_trade(9, "2")]), replace=True)
        assert store.trades().column("trade_id").to_pylist() == ["t9"]
        assert store.quarantine().num_rows == 0
        assert store.source_entry("/a").checksum == "c2"


@pytest.mark.parametrize("defect", ["unknown column", "null in a NOT NULL column"])
def test_a_failed_write_stores_nothing_of_the_file(store_url: str, defect: str) -> None:
    good = _result("/a", [_trade(1, "1")], [RejectedRow("/a", 2, None, "truncated")])
    if defect == "unknown column":
        broken = good.table.append_column("no_such_column", pa.array([1], pa.int64()))
    else:
        i = good.table.column_names.index("symbol")
        nullable = good.table.schema.set(i, pa.field("symbol", pa.string()))
        broken = good.table.cast(nullable).set_column(i, "symbol", pa.array([None], pa.string()))
    with open_store(store_url) as store:
        with pytest.raises(StoreError, match="/a"):
            store.write_source(
                _entry("/a", 1, 1),
                ReadResult("/a", RecordKind.TRADES, broken, good.rejected),
                replace=True,
            )
        assert store.trades().num_rows == 0
        assert store.quarantine().num_rows == 0
        assert store.source_entry("/a") is None


def test_query_filters_by_time_strategy_and_symbol(store_url: str) -> None:
    trades = [
        _trade(1, "1", strategy="a", symbol="X"),
        _trade(2, "2", strategy="b", symbol="X"),
        _trade(30, "3", strategy="a", symbol="Y"),
    ]
    with open_store(store_url) as store:
        store.write_source(_entry("/a", 3), _result("/a", trades), replace=True)
        assert store.trades(TradeQuery(strategies=("a",))).num_rows == 2
        assert store.trades(TradeQuery(symbols=("Y",))).column("trade_id").to_pylist() == ["t30"]
        late = store.trades(TradeQuery(start=T0 + dt.timedelta(hours=2, minutes=30)))
        assert late.column("trade_id").to_pylist() == ["t2", "t30"]
        info = store.info()
    assert info.counts["trades"] == 3
    assert info.sources == 1
    assert info.first_exit == T0 + dt.timedelta(hours=1, minutes=30)


def test_store_reopens_with_its_data_and_schema_version(store_url: str) -> None:
    with open_store(store_url) as store:
        store.write_source(_entry("/a", 1), _result("/a", [_trade(1, "1")]), replace=True)
    with open_store(store_url) as store:
        assert store.trades().num_rows == 1
        assert store.info().schema_version == SCHEMA_VERSION


def test_unknown_store_scheme_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="unknown store URL scheme"):
        open_store("mysql://localhost/db")


def test_alert_history_keeps_each_breach_once(store_url: str) -> None:
    from tradeperf.records import Alert, Severity

    fired = dt.datetime(2024, 5, 6, 7, 0, tzinfo=dt.UTC)
    week1 = Alert("weekly-drawdown", "max_drawdown", Severity.WARNING, fired, "DD 12 % > 10 %",
                  window="2024-W18", value=0.12, threshold=0.10)  # fmt: skip
    again = Alert("weekly-drawdown", "max_drawdown", Severity.CRITICAL, fired, "DD 15 %",
                  window="2024-W18", value=0.15, threshold=0.10)  # fmt: skip
    later = fired + dt.timedelta(days=7)
    week2 = Alert("weekly-drawdown", "max_drawdown", Severity.WARNING, later, "DD 11 %",
                  window="2024-W19", value=0.11)  # fmt: skip
    with open_store(store_url) as store:
        assert store.alerts().num_rows == 0
        assert store.write_alerts([week1, again]) == 1
        assert store.write_alerts([week1, week2]) == 1
        rows = store.alerts().to_pylist()
        assert [(r["window"], r["severity"], r["value"]) for r in rows] == [
            ("2024-W18", "warning", 0.12),
            ("2024-W19", "warning", 0.11),
        ]
        assert [
            r["window"] for r in store.alerts(since=fired + dt.timedelta(days=1)).to_pylist()
        ] == ["2024-W19"]


def test_every_record_kind_has_its_table_from_the_start(store_url: str) -> None:
    from tradeperf.records import FILL_SCHEMA

    with open_store(store_url) as store:
        for kind in RecordKind:
            assert not store.has_records(kind)
            assert store.records(kind).num_rows == 0
        assert store.info().schema_version == SCHEMA_VERSION
        fills = store.records(RecordKind.FILLS)
    assert set(FILL_SCHEMA.names) <= set(fills.column_names)


def test_simultaneous_fills_come_back_in_input_order(store_url: str) -> None:
    from tradeperf.ledger import run_ledger
    from tradeperf.records import Fill, fills_to_table

    # 200 fills at one instant, sizes and sides chosen so that FIFO matching depends on order;
    # written to the table in reverse line order
    fills = [
        Fill(
            f"f{i}",
            T0,
            "X",
            "BUY" if i % 3 else "SELL",
            Decimal(1 + i % 7),
            Decimal(100 + i),
            Decimal(0),
        )
        for i in range(200)
    ]
    table = fills_to_table(list(reversed(fills)))
    lines = pa.array(range(200, 0, -1), pa.int64())
    table = table.set_column(table.column_names.index("source_line"), "source_line", lines)
    with open_store(store_url) as store:
        store.write_source(
            _entry("/f.csv", 200), ReadResult("/f.csv", RecordKind.FILLS, table), replace=False
        )
        stored = store.records(RecordKind.FILLS)
    assert stored.column("source_line").to_pylist() == list(range(1, 201))
    # so the books are those of the file's order, not of the order the rows were written in
    columns = [f.name for f in table.schema]
    want = run_ledger(fills_to_table(fills)).realized_events.column("realized_pnl").to_pylist()
    got = run_ledger(stored.select(columns).cast(table.schema)).realized_events
    assert got.column("realized_pnl").to_pylist() == want
