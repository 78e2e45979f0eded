"""One degenerate-input table per figure: empty, one value, constant, all wins, NaN inside."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradeperf import metrics as m

NAN, INF = math.nan, math.inf
EMPTY: list[float] = []
ONE = [0.01]
CONST = [0.01, 0.01, 0.01]
ZEROS = [0.0, 0.0, 0.0]
WINS = [0.01, 0.02, 0.03]
NAN_INSIDE = [0.01, NAN, -0.02, 0.03]

# (function, input, expected)
TABLE = [
    (m.sharpe_ratio, EMPTY, NAN),
    (m.sharpe_ratio, ONE, NAN),
    (m.sharpe_ratio, CONST, INF),
    (m.sharpe_ratio, ZEROS, NAN),
    (m.sortino_ratio, ONE, NAN),
    (m.sortino_ratio, WINS, INF),
    (m.sortino_ratio, ZEROS, NAN),
    (m.annual_volatility, ONE, NAN),
    (m.annual_volatility, CONST, 0.0),
    (m.cagr, EMPTY, NAN),
    (m.max_drawdown, EMPTY, NAN),
    (m.max_drawdown, WINS, 0.0),
    (m.calmar_ratio, WINS, NAN),
    (m.omega_ratio, ONE, NAN),
    (m.omega_ratio, WINS, NAN),
    (m.tail_ratio, EMPTY, NAN),
    (m.stability, ONE, NAN),
    (m.stability, ZEROS, NAN),
    (m.value_at_risk, EMPTY, NAN),
    (m.conditional_value_at_risk, EMPTY, NAN),
    (m.skewness, CONST, NAN),
    (m.excess_kurtosis, CONST, NAN),
    (m.ulcer_index, EMPTY, NAN),
    (m.ulcer_index, WINS, 0.0),
    (m.time_to_recovery, WINS, 0.0),
    (m.time_to_recovery, [0.1, -0.5], NAN),
    (m.win_rate, EMPTY, NAN),
    (m.win_rate, WINS, 1.0),
    (m.average_loss, WINS, NAN),
    (m.average_win, [-1.0], NAN),
    (m.payoff_ratio, WINS, NAN),
    (m.profit_factor, WINS, INF),
    (m.profit_factor, ZEROS, NAN),
    (m.profit_factor, EMPTY, NAN),
    (m.profit_factor, [-1.0], 0.0),
    (m.expectancy, EMPTY, NAN),
    (m.sqn, ONE, NAN),
    (m.sqn, CONST, INF),
    (m.sqn, ZEROS, NAN),
    (m.kelly_fraction, WINS, NAN),
    (m.probabilistic_sharpe_ratio, CONST, NAN),
    (m.minimum_track_record_length, ONE, NAN),
    (m.cumulative_return, EMPTY, NAN),
]


@pytest.mark.parametrize(
    ("fn", "data", "expected"),
    TABLE,
    ids=[f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(TABLE)],
)
def test_degenerate_input_gives_the_documented_value(fn, data, expected):
    got = fn(np.array(data, dtype=float))
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


@pytest.mark.parametrize(
    "fn",
    [
        m.sharpe_ratio,
        m.sortino_ratio,
        m.annual_volatility,
        m.cagr,
        m.tail_ratio,
        m.sqn,
        m.value_at_risk,
        m.profit_factor,
        m.win_rate,
        m.skewness,
        m.stability,
    ],
)
def test_nan_inside_is_dropped(fn):
    data = np.array(NAN_INSIDE)
    assert fn(data) == pytest.approx(fn(data[~np.isnan(data)]), nan_ok=True)


def test_nan_return_counts_as_no_change_in_the_drawdown_path():
    np.testing.assert_allclose(m.underwater([0.1, NAN, -0.5]), m.underwater([0.1, 0.0, -0.5]))


def test_trade_outcomes_and_streaks_on_degenerate_input():
    assert m.trade_outcomes([]) == (0, 0, 0)
    assert m.longest_streaks([]) == (0, 0)
    assert m.longest_streaks([1.0, 1.0, 0.0, 1.0]) == (2, 0)
    assert m.longest_streaks([-1.0, NAN, -2.0]) == (0, 2)


def test_equity_drawdown_edge_cases():
    assert m.equity_drawdown([100.0, 110.0]) == m.EquityDrawdown(0.0, 0.0, -1, -1)
    empty = m.equity_drawdown([])
    assert math.isnan(empty.max_drawdown_abs)
    assert empty.peak_index == -1
    # A P&L curve starting at 0: the fraction of a non-positive peak is undefined.
    pnl_curve = m.equity_drawdown([0.0, -5.0, 3.0])
    assert pnl_curve.max_drawdown_abs == 5.0
    assert math.isnan(pnl_curve.max_drawdown)
    # NaN levels are skipped; indices refer to the input.
    assert m.equity_drawdown([100.0, NAN, 120.0, 90.0]).peak_index == 2


def test_equity_drawdown_matches_a_naive_loop():
    rng = np.random.default_rng(3)
    e = 1000 + np.cumsum(rng.normal(0, 10, 400))
    best_abs, best_frac, where = 0.0, 0.0, (-1, -1)
    for j in range(e.size):
        for i in range(j):
            if e[i] - e[j] > best_abs and e[i] == e[: j + 1].max():
                best_abs, where = e[i] - e[j], (i, j)
            if e[i] == e[: j + 1].max():
                best_frac = max(best_frac, (e[i] - e[j]) / e[i])
    got = m.equity_drawdown(e)
    assert got.max_drawdown_abs == pytest.approx(best_abs)
    assert got.max_drawdown == pytest.approx(best_frac)
    assert (got.peak_index, got.valley_index) == where
