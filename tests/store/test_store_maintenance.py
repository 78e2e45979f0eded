"""Partials per reporting timezone, retention, and what `info` shows.

Migrations of old stores: `test_migrations_old_stores`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest

from tradeperf.errors import ConfigError
from tradeperf.ingest.base import ReadResult
from tradeperf.records import (
    MARK_SCHEMA,
    PositionSide,
    RecordKind,
    Trade,
    TradeStatus,
    trades_to_table,
)
from tradeperf.store import SourceEntry, open_store

T0 = dt.datetime(2024, 3, 30, 22, 30, tzinfo=dt.UTC)  # 23:30 in London on the 30th (GMT)


def _trade(i: int, hours: float, pnl: str) -> Trade:
    exit_at = T0 + dt.timedelta(hours=hours)
    return Trade(
        trade_id=f"t{i}", symbol="X", side=PositionSide.LONG, status=TradeStatus.CLOSED,
        entry_time=exit_at - dt.timedelta(minutes=5), exit_time=exit_at,
        quantity=Decimal(1), entry_price=Decimal(1), exit_price=Decimal(2),
        fees=Decimal(0), net_pnl=Decimal(pnl), gross_pnl=Decimal(pnl), strategy="s",
        source_line=i,
    )  # fmt: skip


def _entry(path: str, kind: str = "trades") -> SourceEntry:
    return SourceEntry(
        path=path, size=1, mtime_ns=1, checksum=path, prefix_checksum=path, end_offset=1,
        format="jsonl", kind=kind, rows=1, rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _trades(path: str, trades: list[Trade]) -> ReadResult:
    return ReadResult(path, RecordKind.TRADES, trades_to_table(trades))


def test_a_new_reporting_timezone_gets_its_own_partials(store_url: str) -> None:
    # exits at 22:30 UTC on the 30th, 00:30 on the 31st and 00:30 on 1 April: Tokyo (+9h)
    # puts the first two on the 31st
    trades = [_trade(1, 0, "1"), _trade(2, 2, "-3"), _trade(3, 26, "5")]
    with open_store(store_url) as store:
        store.write_source(_entry("/a"), _trades("/a", trades), replace=True)
        assert store.ensure_partials("Asia/Tokyo") == 2
        tokyo = {r["day"]: r["trades"] for r in store.partials("Asia/Tokyo").to_pylist()}
        assert tokyo == {dt.date(2024, 3, 31): 2, dt.date(2024, 4, 1): 1}
        # later writes keep every registered timezone up to date, in the same transaction
        store.write_source(_entry("/b"), _trades("/b", [_trade(4, 1, "7")]), replace=True)
        tokyo = {r["day"]: r["trades"] for r in store.partials("Asia/Tokyo").to_pylist()}
        assert tokyo == {dt.date(2024, 3, 31): 3, dt.date(2024, 4, 1): 1}
        utc = {r["day"]: r["net_pnl"] for r in store.partials("UTC").to_pylist()}
        assert utc == {
            dt.date(2024, 3, 30): Decimal(8),
            dt.date(2024, 3, 31): Decimal(-3),
            dt.date(2024, 4, 1): Decimal(5),
        }
        with pytest.raises(ConfigError, match="unknown timezone"):
            store.ensure_partials("Mars/Olympus")
        info = store.info()
        assert info.partial_days["Asia/Tokyo"] == (2, dt.date(2024, 3, 31), dt.date(2024, 4, 1))
        assert info.partial_days["UTC"][0] == 3


def test_prune_deletes_old_raw_marks_and_keeps_trades_and_partials(store_url: str) -> None:
    now = dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
    marks = pa.Table.from_pylist(
        [
            {"timestamp": now - dt.timedelta(days=d), "symbol": "X", "price": Decimal(d)}
            for d in (1, 50, 89, 91, 200)
        ],
        schema=MARK_SCHEMA,
    )
    with open_store(store_url) as store:
        store.write_source(_entry("/t"), _trades("/t", [_trade(1, 0, "2")]), replace=True)
        store.write_source(
            _entry("/m", "marks"), ReadResult("/m", RecordKind.MARKS, marks), replace=True
        )
        deleted = store.prune(["marks", "quotes"], older_than=dt.timedelta(days=90), now=now)
        assert deleted == {"marks": 2, "quotes": 0}
        kept = store.records(RecordKind.MARKS).column("price").to_pylist()
        assert sorted(kept) == [1, 50, 89]
        assert store.trades().num_rows == 1
        assert store.partials("UTC").num_rows > 0
        with pytest.raises(ConfigError, match="trades"):
            store.prune(["trades"], older_than=dt.timedelta(days=1))
        with pytest.raises(ConfigError, match="positive"):
            store.prune(["marks"], older_than=dt.timedelta(0))
