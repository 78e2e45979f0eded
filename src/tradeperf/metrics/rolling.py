"""Rolling figures over the last N periods or a trailing time window, in one vectorised pass.

Each function returns one value per input period (shape (n,)), the value of the figure over
the window ending at that period. `window` is either a number of periods (int) or a duration
("30D", "7D", "12h", "90min", a numpy timedelta64 or datetime.timedelta) together with
`timestamps`; a time window ending at t covers the periods with timestamp in (t - window, t],
as pandas' ``rolling("30D")``. NaN returns are left out of a window; a window with fewer than
`min_periods` valid values gives NaN (default: the full window length for a period window, as
pandas, and 2 - or 1 for drawdowns - for a time window).

Means and variances come from cumulative sums of values centred on the global mean; a window
whose variance is within rounding error of zero (relative 1e-13 of the cumulative scale) counts
as zero variance. Relative precision is about 1e-16 times the ratio of the series' variance to
the window's (1e-7 for a window of 1e-5 returns inside a series of 0.1 returns).
"""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
from numba import njit

from tradeperf.metrics._input import ArrayLike, FloatArray, as_float_array, as_seconds_array

__all__ = [
    "rolling_max_drawdown",
    "rolling_mean",
    "rolling_sharpe",
    "rolling_sortino",
    "rolling_volatility",
]

Window = int | str | np.timedelta64 | _dt.timedelta

_UNITS = {"w": 604800.0, "d": 86400.0, "h": 3600.0, "min": 60.0, "t": 60.0, "s": 1.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|min|t|s)\s*$", re.IGNORECASE)


def _seconds(window: str | np.timedelta64 | _dt.timedelta) -> float:
    if isinstance(window, np.timedelta64):
        return float(window / np.timedelta64(1, "s"))
    if isinstance(window, _dt.timedelta):
        return window.total_seconds()
    m = _DURATION.match(window)
    if not m:
        raise ValueError(f"cannot read the time window {window!r}; use e.g. '30D', '12h', '90min'")
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def _starts(
    n: int, window: Window, timestamps: ArrayLike | None, min_periods: int | None, *, floor: int
) -> tuple[np.ndarray, int]:
    """First index of each window and the effective min_periods."""
    # np.timedelta64 is a subclass of np.signedinteger: test for it before integers
    if isinstance(window, int | np.integer) and not isinstance(window, bool | np.timedelta64):
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        starts = np.maximum(np.arange(n) - int(window) + 1, 0)
        return starts, int(window) if min_periods is None else min_periods
    if timestamps is None:
        raise ValueError("a time window needs `timestamps`")
    ts = as_seconds_array(timestamps, name="timestamps")
    if ts.size != n:
        raise ValueError(f"timestamps and returns differ in length: {ts.size} != {n}")
    if np.isnan(ts).any() or np.any(np.diff(ts) < 0):
        raise ValueError("timestamps must be complete and sorted ascending")
    if isinstance(window, bool):
        raise ValueError("window must be a period count or a duration, not a bool")
    starts = np.searchsorted(ts, ts - _seconds(window), side="right")
    return starts, floor if min_periods is None else min_periods


def _window_sums(
    x: FloatArray, starts: np.ndarray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Count, mean, sample variance (>= 0) per window, and the variance rounding tolerance."""
    valid = ~np.isnan(x)
    center = float(np.mean(x[valid])) if valid.any() else 0.0
    xc = np.where(valid, x - center, 0.0)
    c = np.concatenate(([0], np.cumsum(valid)))
    s1 = np.concatenate(([0.0], np.cumsum(xc)))
    s2 = np.concatenate(([0.0], np.cumsum(xc * xc)))
    end = np.arange(1, x.size + 1)
    cnt = (c[end] - c[starts]).astype(np.float64)
    s = s1[end] - s1[starts]
    q = s2[end] - s2[starts]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_c = s / cnt
        var = (q - s * mean_c) / (cnt - 1.0)
        tol = 1e3 * np.finfo(np.float64).eps * (s2[end] + np.abs(s1[end]) * np.abs(mean_c))
        tol = tol / np.maximum(cnt - 1.0, 1.0)
    var = np.where(var <= tol, 0.0, var)
    mean = mean_c + center
    # A zero-variance window holds one value; take it exactly rather than its rounded mean,
    # so that a window of zeros has mean 0 (Sharpe NaN, not +/-inf).
    exact = (var == 0.0) & valid
    mean[exact] = x[exact]
    return cnt, mean, var, tol


def _divide(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    zero = den == 0
    out[zero & (num == 0)] = np.nan
    return out


def rolling_mean(
    returns: ArrayLike,
    window: Window,
    *,
    timestamps: ArrayLike | None = None,
    min_periods: int | None = None,
) -> FloatArray:
    """Compute the rolling arithmetic mean per window.

    Parameters
    ----------
    returns
        1-D array-like, shape (n,); NaN left out.
    window
        Number of periods or a duration (with `timestamps`).
    timestamps
        1-D datetimes or epoch seconds, sorted, shape (n,); only for a time window.
    min_periods
        Fewest valid values for a result (module docstring gives the default).

    Returns
    -------
    numpy.ndarray of float64, shape (n,).

    Examples
    --------
    >>> rolling_mean([1.0, 2.0, 3.0, 4.0], 2)
    array([nan, 1.5, 2.5, 3.5])
    """
    x = as_float_array(returns, name="returns")
    starts, mp = _starts(x.size, window, timestamps, min_periods, floor=1)
    cnt, mean, _, _ = _window_sums(x, starts)
    return np.where(cnt >= max(mp, 1), mean, np.nan)


def rolling_volatility(
    returns: ArrayLike,
    window: Window,
    *,
    periods_per_year: float = 252.0,
    timestamps: ArrayLike | None = None,
    min_periods: int | None = None,
) -> FloatArray:
    """Compute the rolling annualized volatility, std(ddof=1) * sqrt(P) per window.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN left out.
    window
        Number of periods or a duration (with `timestamps`).
    periods_per_year
        Annualization factor P.
    timestamps
        1-D datetimes or epoch seconds, sorted, shape (n,); only for a time window.
    min_periods
        Fewest valid values for a result (at least 2 are always needed).

    Returns
    -------
    numpy.ndarray of float64, shape (n,). Equals `annual_volatility` on each window.

    Examples
    --------
    >>> rolling_volatility([0.01, -0.01, 0.02, 0.0], 2, periods_per_year=1).round(6)
    array([     nan, 0.014142, 0.021213, 0.014142])
    """
    x = as_float_array(returns, name="returns")
    starts, mp = _starts(x.size, window, timestamps, min_periods, floor=2)
    cnt, _, var, _ = _window_sums(x, starts)
    out = np.sqrt(var) * np.sqrt(periods_per_year)
    return np.where(cnt >= max(mp, 2), out, np.nan)


def rolling_sharpe(
    returns: ArrayLike,
    window: Window,
    *,
    risk_free: float = 0.0,
    periods_per_year: float = 252.0,
    timestamps: ArrayLike | None = None,
    min_periods: int | None = None,
) -> FloatArray:
    """Compute the rolling annualized Sharpe ratio, `sharpe_ratio` on each window.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN left out.
    window
        Number of periods or a duration (with `timestamps`).
    risk_free
        Per-period risk-free return.
    periods_per_year
        Annualization factor P.
    timestamps
        1-D datetimes or epoch seconds, sorted, shape (n,); only for a time window.
    min_periods
        Fewest valid values for a result (at least 2 are always needed).

    Returns
    -------
    numpy.ndarray of float64, shape (n,); +/-inf / NaN for zero-variance windows as
    `sharpe_ratio`.

    Examples
    --------
    >>> rolling_sharpe([0.01, -0.01, 0.02, 0.0], 3, periods_per_year=1).round(4)
    array([   nan,    nan, 0.4364, 0.2182])
    """
    x = as_float_array(returns, name="returns")
    starts, mp = _starts(x.size, window, timestamps, min_periods, floor=2)
    cnt, mean, var, _ = _window_sums(x, starts)
    out = _divide(mean - risk_free, np.sqrt(var)) * np.sqrt(periods_per_year)
    return np.where(cnt >= max(mp, 2), out, np.nan)


def rolling_sortino(
    returns: ArrayLike,
    window: Window,
    *,
    required_return: float = 0.0,
    periods_per_year: float = 252.0,
    timestamps: ArrayLike | None = None,
    min_periods: int | None = None,
) -> FloatArray:
    """Compute the rolling annualized Sortino ratio, `sortino_ratio` on each window.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN left out.
    window
        Number of periods or a duration (with `timestamps`).
    required_return
        Per-period target.
    periods_per_year
        Annualization factor P.
    timestamps
        1-D datetimes or epoch seconds, sorted, shape (n,); only for a time window.
    min_periods
        Fewest valid values for a result (at least 2 are always needed).

    Returns
    -------
    numpy.ndarray of float64, shape (n,); +inf where nothing falls short and the mean excess
    is positive.

    Examples
    --------
    >>> rolling_sortino([0.01, -0.01, 0.02, 0.0], 3, periods_per_year=1).round(4)
    array([   nan,    nan, 1.1547, 0.5774])
    """
    x = as_float_array(returns, name="returns")
    starts, mp = _starts(x.size, window, timestamps, min_periods, floor=2)
    excess = x - required_return
    short = np.minimum(excess, 0.0)
    short2 = np.where(np.isnan(x), np.nan, short * short)
    cnt, mean, _, _ = _window_sums(excess, starts)
    # Squared shortfalls are >= 0 and mostly exactly 0: plain (uncentred) sums keep a window
    # without shortfall at exactly 0.
    sq = np.concatenate(([0.0], np.cumsum(np.nan_to_num(short2, nan=0.0))))
    end = np.arange(1, x.size + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        down2 = (sq[end] - sq[starts]) / cnt
    scale = 1e3 * np.finfo(np.float64).eps * sq[end]
    down = np.sqrt(np.where(down2 * cnt <= scale, 0.0, down2))
    out = _divide(mean * periods_per_year, down * np.sqrt(periods_per_year))
    return np.where(cnt >= max(mp, 2), out, np.nan)


@njit(cache=True, nogil=True)
def _drawdown_kernel(level: np.ndarray, starts: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Per window, NumPy's ``min(path - maximum.accumulate(path))`` on its log-wealth levels.

    Parameters
    ----------
    level
        float64 log wealth, shape (n + 1,), level[0] the opening level 0.
    starts
        int64 first period of each window, non-decreasing, shape (n,); window i holds
        the levels starts[i] .. i + 1 (opening level included).

    Returns
    -------
    float64, shape (n,): min over starts[i] <= k <= j <= i + 1 of level[j] - level[k], with
    NumPy's NaN and -inf.

    Notes
    -----
    Sliding-window queue of two stacks, amortised O(1) per window: the front stack stores
    suffix aggregates (max, min, deepest fall) and is rebuilt from the back stack when it runs
    empty; the back stack keeps one running aggregate; fall(A then B) = min(fall A, fall B,
    min B - max A). Rounding is monotone, so the min over pairs of fl(L_j - L_k) is the float
    fl(L_j - running max) of NumPy's one pass gives: same results, not just close ones. A
    cumulative sum that leaves the finite numbers never comes back, so the levels from the
    first non-finite one on follow NumPy's rule directly: a path holding NaN or +inf, or
    opening at -inf, gives NaN; a finite opening followed by -inf gives -inf.
    """
    n = starts.shape[0]
    out = np.empty(n)
    first_bad = n + 1  # first non-finite level
    for j in range(n + 1):
        if not np.isfinite(level[j]):
            first_bad = j
            break
    first_nan = first_bad  # first level from first_bad on that is not -inf (NaN or +inf)
    while first_nan <= n and level[first_nan] == -np.inf:
        first_nan += 1
    f_max = np.empty(n + 1)  # front stack: aggregates of the levels k .. b0 - 1
    f_min = np.empty(n + 1)
    f_dd = np.empty(n + 1)
    b0 = 0  # back stack: the levels b0 .. top, empty when top < b0
    top = -1
    b_max = 0.0
    b_min = 0.0
    b_dd = 0.0
    for i in range(n):
        end = i + 1
        s = starts[i]
        if s > end:  # window of no period (duration <= 0 with tied timestamps): one level
            out[i] = level[s] - level[s]
            continue
        if end >= first_bad:
            if s >= first_bad or end >= first_nan:
                out[i] = np.nan
            else:
                out[i] = -np.inf
            continue
        while top < end:  # push the new levels onto the back stack
            top += 1
            lv = level[top]
            if top == b0:
                b_max = lv
                b_min = lv
                b_dd = lv - lv
            else:
                d = lv - b_max
                if d < b_dd:
                    b_dd = d
                if lv > b_max:
                    b_max = lv
                if lv < b_min:
                    b_min = lv
        if s >= b0:  # front empty: move the back stack's levels s .. top onto it
            lv = level[top]
            f_max[top] = lv
            f_min[top] = lv
            f_dd[top] = lv - lv
            for k in range(top - 1, s - 1, -1):
                lv = level[k]
                d = f_min[k + 1] - lv
                f_dd[k] = d if d < f_dd[k + 1] else f_dd[k + 1]
                f_max[k] = lv if lv > f_max[k + 1] else f_max[k + 1]
                f_min[k] = lv if lv < f_min[k + 1] else f_min[k + 1]
            b0 = top + 1
            out[i] = f_dd[s]
        else:
            dd = f_dd[s]
            if top >= b0:
                if b_dd < dd:
                    dd = b_dd
                d = b_min - f_max[s]
                if d < dd:
                    dd = d
            out[i] = dd
    return out


def rolling_max_drawdown(
    returns: ArrayLike,
    window: Window,
    *,
    timestamps: ArrayLike | None = None,
    min_periods: int | None = None,
) -> FloatArray:
    """Compute the rolling maximum drawdown, `max_drawdown` of the returns in each window.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN counts as 0 but
        not towards `min_periods`.
    window
        Number of periods or a duration (with `timestamps`).
    timestamps
        1-D datetimes or epoch seconds, sorted, shape (n,); only for a time window.
    min_periods
        Fewest valid values for a result (time-window default 1).

    Returns
    -------
    numpy.ndarray of float64, shape (n,), negative fractions (empyrical's sign). NaN for
    windows after a return of -100 % (wealth 0: drawdown undefined).

    Notes
    -----
    On log wealth L: DD_i = expm1(min_j (L_j - max_{start_i <= k <= j} L_k)) over the window
    including its opening level. A compiled sliding-window pass (Numba, two-stack queue of
    (max, min, deepest fall) aggregates): O(n) time and memory, amortised O(1) per window
    whatever its length; the same floats as the per-window pass.

    Examples
    --------
    >>> rolling_max_drawdown([0.1, -0.5, 0.2, -0.1], 2).round(4)
    array([ nan, -0.5, -0.5, -0.1])
    """
    x = as_float_array(returns, name="returns")
    n = x.size
    starts, mp = _starts(n, window, timestamps, min_periods, floor=1)
    if n == 0:
        return np.empty(0)
    valid = ~np.isnan(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.concatenate(([0.0], np.cumsum(np.log1p(np.where(valid, x, 0.0)))))
    counts = np.concatenate(([0], np.cumsum(valid)))
    cnt = counts[1:] - counts[starts]
    out = _drawdown_kernel(level, np.ascontiguousarray(starts, dtype=np.int64))
    with np.errstate(invalid="ignore"):
        out = np.expm1(out)
    return np.where(cnt >= max(mp, 1), out, np.nan)
