"""`tradeperf positions`: the open positions of the stored fills, their marks and the marks' age."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from tests.cli.conftest import Tradeperf


def test_open_positions_with_their_marks_age_and_unrealized_pnl(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "fills.csv").write_text(
        "fill_id,timestamp,symbol,side,quantity,price,fee\n"
        "a,2024-05-01T09:00:00Z,BTC-USD,buy,0.5,60000,1\n"
        "b,2024-05-01T10:00:00Z,BTC-USD,buy,1.5,61000,1\n"
        "c,2024-05-01T11:00:00Z,ETH-USD,sell,10,3000.25,1\n"
        "d,2024-05-01T12:00:00Z,SOL-USD,buy,3,150,0\n"
        "e,2024-05-01T13:00:00Z,SOL-USD,sell,3,155,0\n"
        "f,2024-05-01T14:00:00Z,ADA-USD,buy,100,0.45,0\n"
    )
    (tmp_path / "marks.csv").write_text(
        "timestamp,symbol,price\n2024-05-01T20:00:00Z,BTC-USD,60500\n"
        "2024-05-02T08:00:00Z,BTC-USD,62000\n2024-05-02T09:00:00Z,ETH-USD,2990.75\n"
    )
    assert tradeperf("ingest", "fills.csv", "marks.csv").code == 0
    ran = tradeperf("positions", "--format", "json")
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out, parse_float=Decimal)
    held = {p["symbol"]: p for p in doc["positions"]}
    assert sorted(held) == ["ADA-USD", "BTC-USD", "ETH-USD"]  # SOL is flat
    btc = held["BTC-USD"]
    assert btc["quantity"] == 2
    assert btc["average_cost"] == Decimal("60750")  # (0.5 × 60000 + 1.5 × 61000) / 2
    assert btc["mark"] == 62000  # the latest mark
    assert btc["unrealized_pnl"] == Decimal("2500")  # 2 × (62000 − 60750)
    assert btc["mark_time"] == "2024-05-02T08:00:00+00:00"
    now = dt.datetime.fromisoformat(doc["as_of"])
    want_age = (now - dt.datetime(2024, 5, 2, 8, tzinfo=dt.UTC)).total_seconds()
    assert abs(btc["mark_age_seconds"] - Decimal(want_age)) < Decimal("0.001")
    eth = held["ETH-USD"]
    assert (eth["quantity"], eth["unrealized_pnl"]) == (-10, Decimal("95"))  # 10 × 9.5
    ada = held["ADA-USD"]  # never marked: unknown, not 0
    assert (ada["mark"], ada["unrealized_pnl"], ada["mark_age_seconds"]) == (None, None, None)
    table = tradeperf("positions")
    assert table.code == 0
    assert "2,500.00 USD" in table.out
    assert "no mark" in table.out
    # an empty store has none
    empty = tradeperf("positions", "--format", "json", "--store", "duckdb://empty.duckdb")
    assert json.loads(empty.out)["positions"] == []
