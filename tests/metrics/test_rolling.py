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


def naive_drawdown(r, starts):
    """Per window: its returns (NaN as 0) -> wealth from 1 -> min(W / running max W - 1)."""
    out = np.empty(r.size)
    for i, a in enumerate(starts):
        w = np.cumprod(np.concatenate(([1.0], 1.0 + np.nan_to_num(r[a : i + 1], nan=0.0))))
        out[i] = np.min(w / np.maximum.accumulate(w) - 1.0)
    return out


nan_series = arrays(
    np.float64,
    st.integers(1, 120),
    elements=st.one_of(st.floats(-0.5, 0.5, allow_nan=False), st.just(np.nan), st.just(0.0)),
)


@settings(max_examples=150, deadline=None)
@given(r=nan_series, window=st.integers(1, 40), min_periods=st.none() | st.integers(0, 5))
def test_rolling_max_drawdown_kernel_equals_a_naive_wealth_path_per_window(r, window, min_periods):
    got = m.rolling_max_drawdown(r, window, min_periods=min_periods)
    starts = np.maximum(np.arange(r.size) - window + 1, 0)
    cnt = np.array([np.sum(~np.isnan(r[a : i + 1])) for i, a in enumerate(starts)])
    mp = window if min_periods is None else min_periods
    want = np.where(cnt >= max(mp, 1), naive_drawdown(r, starts), np.nan)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(
    r=nan_series,
    gaps=st.lists(st.integers(0, 3), min_size=120, max_size=120),
    seconds=st.integers(1, 12),
)
def test_rolling_max_drawdown_time_window_equals_the_naive_path(r, gaps, seconds):
    ts = np.cumsum(gaps[: r.size]).astype(np.float64)
    got = m.rolling_max_drawdown(r, f"{seconds}s", timestamps=ts)
    starts = np.searchsorted(ts, ts - seconds, side="right")
    cnt = np.array([np.sum(~np.isnan(r[a : i + 1])) for i, a in enumerate(starts)])
    want = np.where(cnt >= 1, naive_drawdown(r, starts), np.nan)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)


def test_rolling_max_drawdown_after_a_total_loss_is_nan():
    r = np.array([0.1, -0.2, -1.0, 0.5, 0.1, 0.2])
    got = m.rolling_max_drawdown(r, 2)
    np.testing.assert_array_equal(got[:3], [np.nan, -0.2, -1.0])
    assert got[3] == -1.0  # the window still opens before the loss
    assert np.isnan(got[4:]).all()  # wealth 0 at the opening: undefined


def test_rolling_max_drawdown_long_window_on_a_long_series():
    # Windows longer than the front/back stacks of the kernel are rebuilt many times.
    rng = np.random.default_rng(4)
    r = rng.normal(0.0, 0.01, 5000)
    r[rng.random(r.size) < 0.05] = np.nan
    got = m.rolling_max_drawdown(r, 700, min_periods=1)
    starts = np.maximum(np.arange(r.size) - 699, 0)
    np.testing.assert_allclose(got, naive_drawdown(r, starts), rtol=1e-9, atol=1e-15)


def test_a_numpy_timedelta_window_is_a_time_window_not_a_period_count():
    import numpy as np

    from tradeperf.metrics.rolling import rolling_volatility

    r = np.random.default_rng(1).normal(0, 0.01, 100)
    ts = np.arange(100) * 86400.0
    by_text = rolling_volatility(r, window="30D", timestamps=ts)
    by_timedelta = rolling_volatility(r, window=np.timedelta64(30, "D"), timestamps=ts)
    np.testing.assert_array_equal(by_timedelta, by_text)
