"""The same figures over list, NumPy, pandas, Polars and PyArrow input, which stays unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from tradeperf import metrics as m

VALUES = [0.01, -0.02, float("nan"), 0.015, 0.003, -0.007, 0.012, -0.001]
CONVERTERS = {
    "list": lambda v: list(v),
    "numpy": lambda v: np.array(v),
    "pandas": lambda v: pd.Series(v),
    "polars": lambda v: pl.Series(v, nan_to_null=True),
    "pyarrow": lambda v: pa.array(v, from_pandas=True),
    "pyarrow_chunked": lambda v: pa.chunked_array([v[:3], v[3:]], type=pa.float64()),
}
UNARY = [
    m.sharpe_ratio,
    m.sortino_ratio,
    m.annual_volatility,
    m.cagr,
    m.calmar_ratio,
    m.max_drawdown,
    m.tail_ratio,
    m.stability,
    m.omega_ratio,
    m.value_at_risk,
    m.conditional_value_at_risk,
    m.skewness,
    m.excess_kurtosis,
    m.ulcer_index,
    m.cumulative_return,
    m.win_rate,
    m.profit_factor,
    m.expectancy,
    m.sqn,
    m.kelly_fraction,
    m.payoff_ratio,
    m.probabilistic_sharpe_ratio,
    m.minimum_track_record_length,
]


def snapshot(x):
    if isinstance(x, pl.Series):
        x = x.to_list()
    elif isinstance(x, pa.ChunkedArray | pa.Array):
        x = x.to_pylist()
    return np.array([np.nan if v is None else v for v in x], dtype=float)


@pytest.mark.parametrize("kind", CONVERTERS)
def test_every_input_kind_gives_the_numpy_result_and_is_left_unchanged(kind):
    data = CONVERTERS[kind](VALUES)
    before = snapshot(data)
    reference = np.array(VALUES)
    for fn in UNARY:
        got, want = fn(data), fn(reference)
        assert got == pytest.approx(want, nan_ok=True), fn.__name__
    np.testing.assert_array_equal(m.underwater(data), m.underwater(reference))
    np.testing.assert_array_equal(m.rolling_sharpe(data, 3), m.rolling_sharpe(reference, 3))
    np.testing.assert_array_equal(before, snapshot(data))


def test_a_numpy_argument_is_not_written_to():
    r = np.array(VALUES)
    r.flags.writeable = True
    copy = r.copy()
    for fn in UNARY:
        fn(r)
    np.testing.assert_array_equal(r, copy)


def test_two_dimensional_input_is_refused():
    with pytest.raises(ValueError, match="1-D"):
        m.sharpe_ratio(np.zeros((3, 2)))


@pytest.mark.parametrize(
    "times",
    [
        lambda t: t,
        lambda t: pd.Series(t).dt.tz_localize("UTC"),
        lambda t: pl.Series(t.astype("datetime64[us]")),
        lambda t: pa.array(t),
        lambda t: (t - np.datetime64(0, "s")) / np.timedelta64(1, "s"),
    ],
    ids=["numpy", "pandas_tz", "polars", "pyarrow", "epoch_seconds"],
)
def test_holding_time_accepts_every_timestamp_kind(times):
    entry = np.array(["2024-01-01T00:00", "2024-01-02T00:00"], dtype="datetime64[s]")
    exit_ = np.array(["2024-01-01T00:30", "2024-01-02T01:30"], dtype="datetime64[s]")
    assert m.average_holding_time(times(entry), times(exit_)) == 3600.0
