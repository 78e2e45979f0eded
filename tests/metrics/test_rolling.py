"""Rolling figures equal the full-sample function applied to each window (naive reference)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tradeperf import metrics as m

series = arrays(np.float64, st.integers(5, 80), elements=st.floats(-0.2, 0.2, allow_nan=False)).map(
    lambda a: np.round(a, 5)
)


def naive(fn, r, window, **kw):
    out = np.full(r.size, np.nan)
    for i in range(window - 1, r.size):
        out[i] = fn(r[i - window + 1 : i + 1], **kw)
    return out


@settings(max_examples=80, deadline=None)
@given(r=series, window=st.integers(2, 6))
def test_rolling_figures_equal_the_function_on_each_window(r, window):
    pairs = [
        (m.rolling_sharpe, m.sharpe_ratio),
        (m.rolling_volatility, m.annual_volatility),
        (m.rolling_sortino, m.sortino_ratio),
        (m.rolling_max_drawdown, m.max_drawdown),
    ]
    for rolling, full in pairs:
        got, want = rolling(r, window), naive(full, r, window)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.isfinite(got), finite, err_msg=rolling.__name__)
        # Centred cumulative sums lose ~eps * (series spread / window spread) relative precision;
        # generated series put windows of 1e-5 next to 0.2, hence 1e-6 here.
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-6, atol=1e-12)
        np.testing.assert_array_equal(got[~finite], want[~finite], err_msg=rolling.__name__)


def test_time_window_matches_pandas_rolling_30_days():
    rng = np.random.default_rng(9)
    days = np.sort(rng.choice(np.arange(400), size=250, replace=False))
    ts = np.datetime64("2023-01-01") + days.astype("timedelta64[D]")
    r = rng.normal(0.0005, 0.01, ts.size)
    s = pd.Series(r, index=pd.DatetimeIndex(ts))
    want = s.rolling("30D", min_periods=2).std().to_numpy() * np.sqrt(252)
    got = m.rolling_volatility(r, "30D", timestamps=ts)
    np.testing.assert_allclose(got, want, rtol=1e-8)
    dd = m.rolling_max_drawdown(r, "30D", timestamps=ts)
    starts = np.searchsorted(ts, ts - np.timedelta64(30, "D"), side="right")
    expect = [m.max_drawdown(r[a : i + 1]) for i, a in enumerate(starts)]
    np.testing.assert_allclose(dd, expect, rtol=1e-9, atol=1e-15)


def test_time_window_needs_timestamps_and_a_readable_duration():
    with pytest.raises(ValueError, match="timestamps"):
        m.rolling_sharpe([0.1, 0.2], "30D")
    with pytest.raises(ValueError, match="time window"):
        m.rolling_sharpe([0.1, 0.2], "thirty days", timestamps=[0.0, 1.0])
