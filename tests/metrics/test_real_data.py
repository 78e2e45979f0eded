"""Figures on the real freqtrade backtest export (needs TRADEPERF_SHARED_DATA)."""

from __future__ import annotations

import json
import warnings

import empyrical as ep
import numpy as np
import pytest

from tradeperf import metrics as m


@pytest.fixture
def backtest(freqtrade_backtest):
    data = json.loads(freqtrade_backtest.read_text())
    return next(iter(data["strategy"].values()))


@pytest.mark.shared_data
def test_daily_returns_of_the_backtest_match_empyrical(backtest):
    profit = np.array([p for _, p in backtest["daily_profit"]], dtype=float)
    equity = backtest["starting_balance"] + np.concatenate(([0.0], np.cumsum(profit)))
    r = m.simple_returns(equity)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        pairs = [
            (m.sharpe_ratio(r, periods_per_year=365), ep.sharpe_ratio(r, annualization=365)),
            (m.sortino_ratio(r), ep.sortino_ratio(r)),
            (m.max_drawdown(r), ep.max_drawdown(r)),
            (m.annual_volatility(r), ep.annual_volatility(r)),
            (m.tail_ratio(r), ep.tail_ratio(r)),
        ]
    for ours, theirs in pairs:
        assert ours == pytest.approx(theirs, rel=1e-9, nan_ok=True)


@pytest.mark.shared_data
def test_trade_statistics_agree_with_freqtrade_where_definitions_agree(backtest):
    trades = sorted(backtest["trades"], key=lambda t: t["close_timestamp"])
    pnl = np.array([t["profit_abs"] for t in trades])
    ratio = np.array([t["profit_ratio"] for t in trades])
    # freqtrade counts outcomes on profit_ratio; in this export 122 trades have profit_ratio 0
    # but profit_abs +5e-6, so on profit_abs they are wins (docs/metrics.md, "wins").
    assert m.trade_outcomes(ratio) == (backtest["wins"], backtest["losses"], backtest["draws"])
    assert m.trade_outcomes(pnl) == (backtest["wins"] + backtest["draws"], backtest["losses"], 0)
    assert m.profit_factor(pnl) == pytest.approx(backtest["profit_factor"], rel=1e-9)
    entry = np.array([t["open_timestamp"] for t in trades]) / 1000.0
    exit_ = np.array([t["close_timestamp"] for t in trades]) / 1000.0
    held = m.average_holding_time(entry, exit_)
    # freqtrade rounds the mean to whole minutes (docs/metrics.md, "average_holding_seconds")
    assert backtest["holding_avg_s"] == round(held / 60) * 60 == 13200
    assert held == pytest.approx(13211.7318, abs=1e-4)
