"""Drawdowns: the underwater series, the maximum drawdown, drawdown periods, Ulcer index.

Two inputs appear here. Functions named like empyrical's take periodic simple returns and
report drawdowns as NEGATIVE fractions (empyrical's sign). `equity_drawdown` takes an equity
level series (capital + cumulative P&L) and reports POSITIVE magnitudes, the way summaries show
them. In a returns series a NaN period counts as "no change" (empyrical's ``cum_returns``
convention) so that the underwater series keeps one value per period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, as_float_array

__all__ = [
    "DrawdownPeriod",
    "EquityDrawdown",
    "drawdown_periods",
    "equity_drawdown",
    "max_drawdown",
    "max_drawdown_fractions",
    "time_to_recovery",
    "ulcer_index",
    "underwater",
]


def _wealth(returns: ArrayLike) -> FloatArray:
    """Wealth path W_0 = 1, W_i = prod_{s<i}(1 + r_s); shape (n + 1,); NaN returns count as 0."""
    r = as_float_array(returns, name="returns")
    w = np.empty(r.size + 1)
    w[0] = 1.0
    np.cumprod(1.0 + np.nan_to_num(r, nan=0.0), out=w[1:])
    return w


def _underwater_path(w: FloatArray) -> FloatArray:
    peak = np.fmax.accumulate(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (w - peak) / peak


def underwater(returns: ArrayLike) -> FloatArray:
    """Underwater (drawdown) series: fall of wealth below its running peak, per period.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN counts as 0.

    Returns
    -------
    numpy.ndarray of float64, shape (n,), values in [-1, 0] (negative fractions). The starting
    wealth (before the first return) is a peak.

    Notes
    -----
    D_t = W_t / max_{s<=t} W_s - 1 with W_t = prod_{s<=t}(1 + r_s) and W_0 = 1.
    Same as empyrical's ``drawdown_series``.

    Examples
    --------
    >>> underwater([0.1, -0.5, 0.2]).round(4)
    array([ 0. , -0.5, -0.4])
    """
    return _underwater_path(_wealth(returns))[1:]


def max_drawdown(returns: ArrayLike) -> float:
    """Maximum drawdown of periodic returns, as empyrical: a negative fraction.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN counts as 0.

    Returns
    -------
    float in [-1, 0]: e.g. -0.25 for a 25 % fall from a peak; 0.0 without drawdown;
    NaN for empty input.

    Notes
    -----
    MDD = min_t (W_t / max_{s<=t} W_s - 1) (Magdon-Ismail, M. & Atiya, A. (2004). Maximum
    drawdown. Risk 17(10)). quantstats' ``max_drawdown`` agrees on returns input.

    Examples
    --------
    >>> max_drawdown([0.1, -0.5, 0.2])
    -0.5
    """
    r = as_float_array(returns, name="returns")
    if r.size == 0:
        return float("nan")
    return float(np.min(underwater(r)))


@dataclass(frozen=True, slots=True)
class EquityDrawdown:
    """The largest drawdowns of an equity curve (positive magnitudes).

    Attributes
    ----------
    max_drawdown_abs : largest fall from a running peak, currency, >= 0 (NaN if empty).
    max_drawdown : largest fall as a fraction of the running peak, >= 0; NaN when empty or
        when the equity falls below a running peak that is not positive (fraction undefined).
    peak_index : position of the peak before the largest ABSOLUTE drawdown, -1 if none.
    valley_index : position of the trough of that drawdown, -1 if none.
    """

    max_drawdown_abs: float
    max_drawdown: float
    peak_index: int
    valley_index: int


def equity_drawdown(equity: ArrayLike) -> EquityDrawdown:
    """Maximum drawdown of an equity level series, in currency and as a fraction of the peak.

    Parameters
    ----------
    equity
        1-D array-like of levels (e.g. capital + cumulative P&L), shape (n,); the first
        element is the starting level. NaN levels are skipped; indices refer to the input.

    Returns
    -------
    EquityDrawdown. Without any fall: (0.0, 0.0, -1, -1). Empty or all-NaN: (NaN, NaN, -1, -1).

    Notes
    -----
    DD_abs = max_t (M_t - E_t), DD = max_t (M_t - E_t) / M_t with M_t = max_{s<=t} E_s.
    The two maxima may occur at different times; the indices locate the absolute one.

    Examples
    --------
    >>> equity_drawdown([100.0, 120.0, 90.0, 130.0, 125.0])
    EquityDrawdown(max_drawdown_abs=30.0, max_drawdown=0.25, peak_index=1, valley_index=2)
    """
    e_all = as_float_array(equity, name="equity")
    keep = np.flatnonzero(~np.isnan(e_all))
    if keep.size == 0:
        return EquityDrawdown(float("nan"), float("nan"), -1, -1)
    e = e_all[keep]
    peak = np.maximum.accumulate(e)
    fall = peak - e
    valley = int(np.argmax(fall))
    dd_abs = float(fall[valley])
    if dd_abs <= 0.0:
        return EquityDrawdown(0.0, 0.0, -1, -1)
    dd_frac = float(max_drawdown_fractions(e[np.newaxis, :])[0])
    peak_pos = int(np.flatnonzero(e[: valley + 1] == peak[valley])[-1])
    return EquityDrawdown(dd_abs, dd_frac, int(keep[peak_pos]), int(keep[valley]))


def max_drawdown_fractions(equity: np.ndarray) -> FloatArray:
    """Return `equity_drawdown`'s ``max_drawdown`` of each row of a 2-D array.

    It takes many equity curves of one length at once (a summary's windows), each row as
    `equity_drawdown` takes it.

    Parameters
    ----------
    equity
        2-D float64 array, shape (curves, n), one level series per row (the first
        column the starting level); NaN levels are skipped.

    Returns
    -------
    float64 array, shape (curves,): the largest fall below the running peak as a positive
    fraction of that peak; 0.0 without a fall; NaN for a row without levels or with a fall
    below a peak that is not positive.

    Notes
    -----
    DD = max_t (M_t - E_t) / M_t over the t with E_t < M_t, M_t = max_{s<=t} E_s.

    Examples
    --------
    >>> max_drawdown_fractions(np.array([[100.0, 120.0, 90.0], [1.0, np.nan, 2.0]])).tolist()
    [0.25, 0.0]
    """
    valid = ~np.isnan(equity)
    peak = np.fmax.accumulate(equity, axis=1)  # the running peak of the levels so far
    fall = peak - equity
    falling = valid & (fall > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(falling, fall / peak, -np.inf)
    worst = ratio.max(axis=1, initial=-np.inf)
    undefined = (falling & (peak <= 0)).any(axis=1)
    out = np.where(falling.any(axis=1), np.where(undefined, np.nan, worst), 0.0)
    return np.where(valid.any(axis=1), out, np.nan)


def max_drawdown_of_equity(equity: ArrayLike) -> float:
    """Largest fall of an equity curve as a positive fraction of its running peak.

    Parameters
    ----------
    equity
        1-D array-like of levels, see `equity_drawdown`.

    Returns
    -------
    float >= 0, or NaN (see `equity_drawdown`).

    Examples
    --------
    >>> max_drawdown_of_equity([100.0, 80.0, 120.0])
    0.2
    """
    return equity_drawdown(equity).max_drawdown


def max_drawdown_abs_of_equity(equity: ArrayLike) -> float:
    """Largest fall of an equity curve from its running peak, in currency (>= 0).

    Parameters
    ----------
    equity
        1-D array-like of levels, see `equity_drawdown`.

    Returns
    -------
    float >= 0, NaN for empty input.

    Examples
    --------
    >>> max_drawdown_abs_of_equity([100.0, 80.0, 120.0])
    20.0
    """
    return equity_drawdown(equity).max_drawdown_abs


@dataclass(frozen=True, slots=True)
class DrawdownPeriod:
    """One drawdown period, positions on the wealth path (0 = start, i = after return i).

    Attributes
    ----------
    peak : position of the last peak before the fall.
    valley : position of the lowest wealth in the period.
    recovery : first position back at the peak, -1 if not recovered by the end.
    depth : drawdown at the valley, negative fraction (empyrical's sign).
    duration : periods from peak to recovery, or to the last position if not recovered.
    """

    peak: int
    valley: int
    recovery: int
    depth: float
    duration: int


def _periods(d: FloatArray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start (first underwater position), end (exclusive) and depth of each underwater run."""
    under = d < 0
    edges = np.diff(under.astype(np.int8), prepend=0, append=0)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if starts.size == 0:
        return starts, ends, np.empty(0)
    depths = np.minimum.reduceat(d, starts)
    return starts, ends, depths


def drawdown_periods(returns: ArrayLike, *, top: int = 5) -> list[DrawdownPeriod]:
    """Return the `top` deepest drawdown periods (peak, valley, recovery, depth, duration).

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN counts as 0.
    top
        How many periods to return, deepest first.

    Returns
    -------
    list of DrawdownPeriod, at most `top` long, sorted by depth (most negative first);
    ties keep chronological order. Empty without drawdown.

    Notes
    -----
    A period runs from a peak of the wealth path to the first return to that peak; positions
    are on the wealth path W_0..W_n (pyfolio's ``gen_drawdown_table`` gives the same periods as
    dates).

    Examples
    --------
    >>> for p in drawdown_periods([0.1, -0.5, 1.0, -0.1], top=2):
    ...     print(p.peak, p.valley, p.recovery, round(p.depth, 4), p.duration)
    1 2 3 -0.5 2
    3 4 -1 -0.1 1
    """
    w = _wealth(returns)
    d = _underwater_path(w)
    starts, ends, depths = _periods(d)
    order = np.argsort(depths, kind="stable")[:top]
    out = []
    last = d.size - 1
    for k in order:
        s, e = int(starts[k]), int(ends[k])
        valley = s + int(np.argmin(d[s:e]))
        recovered = e <= last
        recovery = e if recovered else -1
        out.append(
            DrawdownPeriod(
                peak=s - 1,
                valley=valley,
                recovery=recovery,
                depth=float(depths[k]),
                duration=(e if recovered else last) - (s - 1),
            )
        )
    return out


def ulcer_index(returns: ArrayLike) -> float:
    """Ulcer index: root-mean-square of the underwater series.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN counts as 0.

    Returns
    -------
    float >= 0, fraction (multiply by 100 for Martin's percent units). NaN for empty input;
    0.0 without drawdown.

    Notes
    -----
    UI = sqrt(mean(D_t^2)), t = 1..n (Martin, P. & McCann, B. (1989). The Investor's Guide to
    Fidelity Funds). quantstats divides the sum by n - 1 instead of n.

    Examples
    --------
    >>> round(ulcer_index([0.1, -0.5, 0.2]), 6)
    0.369685
    """
    r = as_float_array(returns, name="returns")
    if r.size == 0:
        return float("nan")
    d = underwater(r)
    return float(np.sqrt(np.mean(d * d)))


def time_to_recovery(returns: ArrayLike) -> float:
    """Periods from the valley of the maximum drawdown back to the previous peak.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,); NaN counts as 0.

    Returns
    -------
    float, periods. NaN when empty or when the maximum drawdown is not recovered by the end;
    0.0 without drawdown.

    Examples
    --------
    >>> time_to_recovery([0.1, -0.5, 0.5, 0.5])
    2.0
    """
    r = as_float_array(returns, name="returns")
    if r.size == 0:
        return float("nan")
    periods = drawdown_periods(r, top=1)
    if not periods:
        return 0.0
    p = periods[0]
    return float("nan") if p.recovery < 0 else float(p.recovery - p.valley)
