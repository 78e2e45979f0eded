"""``trades.csv``: every closed trade the figures count, money as its exact decimal (Hypothesis
against Python's Decimal), and for round trips booked from fills the trades a naive FIFO in
the test derives, summing to the summary's net P&L to the last digit."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli.conftest import Tradeperf
from tradeperf.records import TRADE_SCHEMA
from tradeperf.reports.json_report import decimal_text
from tradeperf.reports.trade_rows import COLUMNS, trade_rows

_MONEY = st.decimals(
    min_value=Decimal("-1e19"), max_value=Decimal("1e19"), places=18, allow_nan=False
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_MONEY, _MONEY, st.booleans()), min_size=1, max_size=40))
def test_money_is_written_as_its_exact_decimal(values) -> None:
    t = dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    rows = [
        {name: None for name in TRADE_SCHEMA.names}
        | {"trade_id": f"t{i}", "strategy": "s", "symbol": "X", "side": "long",
           "status": "CLOSED", "exit_time": t + dt.timedelta(seconds=i),
           "entry_time": (t - dt.timedelta(seconds=90 * i)) if entry else None,
           "net_pnl": net, "fees": fee}
        for i, (net, fee, entry) in enumerate(values)
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=TRADE_SCHEMA)
    out = trade_rows(table, np.array(["2024-05-01"] * len(rows), "datetime64[D]"), "USD")
    assert out.column_names == list(COLUMNS)
    assert out.column("net_pnl").to_pylist() == [decimal_text(v) for v, _, _ in values]
    assert out.column("fees").to_pylist() == [decimal_text(f) for _, f, _ in values]
    holding = [str(91 * i) if e else None for i, (_, _, e) in enumerate(values)]
    assert out.column("holding_seconds").to_pylist() == holding


def test_round_trips_from_fills_are_the_trades_a_naive_fifo_gives(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    fills = [  # timestamp, side, quantity, price, fee
        ("2024-03-01T10:00:00Z", "buy", "3", "100.10", "0.30"),
        ("2024-03-01T11:00:00Z", "buy", "2", "101.00", "0.20"),
        ("2024-03-02T09:30:00Z", "sell", "4", "103.55", "0.40"),
        ("2024-03-03T15:00:00Z", "sell", "1", "99.995", "0.10"),
    ]
    pd.DataFrame(
        [
            {
                "fill_id": f"f{i}",
                "timestamp": t,
                "symbol": "XYZ",
                "side": s,
                "quantity": q,
                "price": p,
                "fee": f,
                "strategy": "fifo",
            }
            for i, (t, s, q, p, f) in enumerate(fills)
        ]
    ).to_csv(tmp_path / "fills.csv", index=False)
    ran = tradeperf("report", "fills.csv", "--out", "rep", "--outputs", "csv,json")
    assert ran.code == 0, ran.err
    csv = pd.read_csv(tmp_path / "rep" / "trades.csv", dtype=str, keep_default_na=False)
    summary = json.loads((tmp_path / "rep" / "summary.json").read_text(), parse_float=Decimal)

    # naive FIFO: lots in, sells close the oldest first; each fill's fee pro rata
    lots: list[list[Decimal]] = []
    gross = Decimal(0)
    fees = Decimal(0)
    for _, side, q, p, f in fills:
        quantity, price, fee = Decimal(q), Decimal(p), Decimal(f)
        fees += fee
        if side == "buy":
            lots.append([quantity, price])
            continue
        left = quantity
        while left:
            take = min(left, lots[0][0])
            gross += take * (price - lots[0][1])
            lots[0][0] -= take
            left -= take
            if not lots[0][0]:
                lots.pop(0)
    assert not lots
    total = sum((Decimal(v) for v in csv["net_pnl"]), Decimal(0))
    assert total == gross - fees == summary["overall"]["net_pnl"]
    assert len(csv) == summary["overall"]["trades"]
    assert set(csv["symbol"]) == {"XYZ"}
    assert set(csv["currency"]) == {"USD"}
