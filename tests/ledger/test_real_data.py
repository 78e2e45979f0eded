"""Checks on real statements, read in place from ``$TRADEPERF_SHARED_DATA`` (never copied).

Unset: skipped with a reason. Set but a file missing: the test fails.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf.ingest.ibkr import read_flex
from tradeperf.ledger import CostBasis, Ledger, merge_events, run_ledger
from tradeperf.ledger.returns import time_weighted_returns
from tradeperf.records import Fill, Mark, fills_to_table, to_decimal


def _data(*parts: str) -> Path:
    root = os.environ.get("TRADEPERF_SHARED_DATA")
    if not root:
        pytest.skip("TRADEPERF_SHARED_DATA is not set: real-data checks need the shared data")
    path = Path(root, *parts)
    assert path.exists(), f"TRADEPERF_SHARED_DATA is set but {path} is missing"
    return path


@pytest.fixture(scope="module")
def flex():
    return read_flex(_data("ibkr-flex-gabbersepp", "TestForCoding.xml"))[0]


def _no_fee(f: Fill) -> Fill:
    return Fill(
        f.fill_id,
        f.timestamp,
        f.symbol,
        f.side,
        f.quantity,
        f.price,
        Decimal(0),
        account=f.account,
        strategy=f.strategy,
        multiplier=f.multiplier,
        currency=f.currency,
    )


def test_fifo_futures_round_trips_equal_cash_settling_mtm(flex) -> None:
    futures = [_no_fee(f) for f in flex.fills if "FUT" in f.tags]
    assert len(futures) == 8
    led = Ledger(cost_basis=CostBasis.FIFO)
    led.apply_all(merge_events(futures))
    by_ccy: dict[str, Decimal] = defaultdict(Decimal)
    for e in led.realized_events:
        by_ccy[e.currency] += e.realized_pnl
    assert by_ccy == {"EUR": Decimal(550), "USD": Decimal(-470)}
    for ccy, value in by_ccy.items():
        assert value == flex.cash_report[ccy].amounts["cashSettlingMtm"]
    assert not led.snapshot().positions  # intraday: flat at the end
    # the batch kernel agrees, trade by trade
    res = run_ledger(fills_to_table(futures), cost_basis=CostBasis.FIFO)
    gross = {r["symbol"]: r["gross_pnl"] for r in res.trades.to_pylist()}
    assert gross == {"FDAX DEC 18": Decimal(550), "YM   DEC 18": Decimal(-470)}


def test_every_execution_marked_at_close_gives_ibkr_mtm_pnl(flex) -> None:
    assert len(flex.fills) == 15
    for f in flex.fills:
        led = Ledger()
        led.apply(f)
        led.apply(Mark(f.timestamp, f.symbol, flex.close_price[f.fill_id]))
        assert led.snapshot().unrealized_pnl == flex.mtm_pnl[f.fill_id], f.symbol


def test_commissions_per_currency_and_in_base_match_cash_report(flex) -> None:
    res = run_ledger(fills_to_table(flex.fills))
    per_ccy: dict[str, Decimal] = defaultdict(Decimal)
    for row in res.realized_events.to_pylist():
        per_ccy[row["currency"]] += row["fees"]
    for ccy, line in flex.cash_report.items():
        if ccy == "BASE_SUMMARY":
            continue
        assert -per_ccy.get(ccy, Decimal(0)) == line.amounts["commissions"], ccy
    base = sum(-f.fee * flex.fx_rate_to_base[f.fill_id] for f in flex.fills)
    # IBKR writes base amounts rounded to 9 decimals: -38.23373312059 -> -38.233733121
    assert base == Decimal("-38.23373312059")
    assert base.quantize(Decimal("1e-9")) == flex.cash_report["BASE_SUMMARY"].amounts["commissions"]
    assert res.fees == sum(f.fee for f in flex.fills)


def test_deposits_and_withdrawals_change_equity_not_pnl_or_returns() -> None:
    flows = read_flex(_data("ibkr-flex-gabbersepp", "StatementOfFunds.xml"))[0].cash_flows
    assert {f.amount > 0 for f in flows} == {True, False}
    capital = Decimal(10_000)
    fill = Fill("1", flows[0].timestamp, "X", "BUY", Decimal(10), Decimal(100))
    marks = [Mark(f.timestamp, "X", Decimal(100 + i)) for i, f in enumerate(flows)]
    with_flows, without = Ledger(capital=capital), Ledger(capital=capital)
    with_flows.apply(fill)
    without.apply(fill)
    eq_w, eq_n, fl = [], [], []
    for mark, flow in zip(marks, flows, strict=True):
        for led in (with_flows, without):
            led.apply(mark)
        with_flows.apply(flow)
        a, b = with_flows.snapshot(), without.snapshot()
        assert (a.realized_pnl, a.unrealized_pnl) == (b.realized_pnl, b.unrealized_pnl)
        eq_w.append(a.equity)
        eq_n.append(b.equity)
        fl.append(flow.amount)
    assert eq_w[-1] - eq_n[-1] == sum(fl)
    r_w = time_weighted_returns(eq_w, fl, start_equity=capital)
    # first period: the price did not move, a withdrawal happened: return exactly 0
    assert r_w[0] == 0.0
    # each return is the trading P&L of the period over the equity it started with, its
    # flow included (a flow arrives at the start of its period: the one convention)
    prev_w, prev_n = capital, capital
    for t in range(len(fl)):
        pnl = eq_n[t] - prev_n
        assert r_w[t] == pytest.approx(float(pnl / (prev_w + fl[t])), rel=1e-12)
        prev_w, prev_n = eq_w[t], eq_n[t]


def test_freqtrade_trades_as_fills_give_back_profit_abs() -> None:
    path = _data("freqtrade-backtest", "backtest-result.json")
    doc = json.loads(path.read_text(), parse_float=lambda s: Decimal(repr(float(s))))
    trades = doc["strategy"]["StrategyTestV3"]["trades"]
    fills = []  # the stored scale is 18 digits: a longer rate is rounded half-even to it
    for i, t in enumerate(trades):
        for leg, side, when, rate in (
            ("in", "BUY", t["open_date"], t["open_rate"]),
            ("out", "SELL", t["close_date"], t["close_rate"]),
        ):
            fills.append(
                Fill(
                    f"{i}-{leg}",
                    datetime.fromisoformat(when),
                    t["pair"],
                    side,
                    to_decimal(t["amount"]),
                    to_decimal(rate),
                    Decimal(0),
                    account=f"trade{i}",
                )
            )
    res = run_ledger(fills_to_table(fills))
    got = {r["trade_id"].split("/")[0]: r["gross_pnl"] for r in res.trades.to_pylist()}
    assert len(got) == len(trades) == 179
    within_relative = 0
    for i, t in enumerate(trades):
        want = t["profit_abs"]
        err = abs(got[f"trade{i}"] - want)
        # 1e-12 relative, plus what the 18-digit scale can lose: each rate rounded by at most
        # 0.5e-18 (times the amount, twice) and the P&L itself by 0.5e-18
        bound = abs(want) * Decimal("1e-12") + to_decimal(t["amount"]) * Decimal("1e-18")
        assert err <= bound + Decimal("1e-18"), i
        within_relative += err <= abs(want) * Decimal("1e-12")
    assert within_relative >= 150  # 154 of 179; the rest have rates with 19-20 digits
