"""Returns and risk-adjusted ratios of periodic simple returns.

Conventions (see docs/metrics.md): returns are simple returns per period (0.01 = 1 %); NaN
values are dropped before a statistic is computed; "undefined" is NaN; standard deviations are
sample (ddof=1) like empyrical-reloaded; functions sharing a name with empyrical-reloaded return
its values with its defaults (daily periods, 252 a year, zero risk-free and required return).
"""

from __future__ import annotations

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, as_float_array, drop_nan

__all__ = [
    "alpha_beta",
    "annual_return",
    "annual_volatility",
    "benchmark_return",
    "cagr",
    "calmar_ratio",
    "correlation",
    "cumulative_return",
    "downside_deviation",
    "downside_risk",
    "excess_return",
    "excess_sharpe",
    "information_ratio",
    "log_returns",
    "omega_ratio",
    "sharpe_ratio",
    "sharpe_ratios",
    "simple_returns",
    "sortino_ratio",
    "sortino_ratios",
    "stability",
    "tail_ratio",
    "tracking_error",
]


def simple_returns(equity: ArrayLike) -> FloatArray:
    """Compute simple returns r_t = E_t / E_{t-1} - 1 of an equity (level) series.

    Parameters
    ----------
    equity
        1-D array-like of levels (currency), shape (n,); first element is the start.

    Returns
    -------
    numpy.ndarray of float64, shape (n - 1,). Empty for n < 2. A NaN level gives NaN on both
    sides of it; a zero level gives inf/NaN (the return is undefined).

    Examples
    --------
    >>> simple_returns([100.0, 110.0, 99.0])
    array([ 0.1, -0.1])
    """
    e = as_float_array(equity, name="equity")
    with np.errstate(divide="ignore", invalid="ignore"):
        return e[1:] / e[:-1] - 1.0


def log_returns(equity: ArrayLike) -> FloatArray:
    """Log returns l_t = ln(E_t / E_{t-1}) of an equity (level) series.

    Parameters
    ----------
    equity
        1-D array-like of levels (currency), shape (n,); first element is the start.

    Returns
    -------
    numpy.ndarray of float64, shape (n - 1,); NaN where a level is NaN or not positive.

    Examples
    --------
    >>> np.round(log_returns([100.0, 110.0, 121.0]), 6)
    array([0.09531, 0.09531])
    """
    e = as_float_array(equity, name="equity")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(e[1:] / e[:-1])
    out[~np.isfinite(out)] = np.nan
    return out


def cumulative_return(returns: ArrayLike) -> float:
    """Compounded return over the whole series, prod(1 + r) - 1.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.

    Returns
    -------
    float, fraction. NaN for empty input.

    Notes
    -----
    Equals empyrical's ``cum_returns_final(returns)``.

    Examples
    --------
    >>> round(cumulative_return([0.1, -0.1]), 10)
    -0.01
    """
    r = drop_nan(returns)
    if r.size == 0:
        return float("nan")
    return float(np.prod(1.0 + r) - 1.0)


def annual_return(returns: ArrayLike, *, periods_per_year: float = 252.0) -> float:
    """Compound annual growth rate of periodic simple returns, empyrical's ``annual_return``.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period. A NaN period adds no return but
        counts as elapsed time, as in empyrical (`cagr` counts only non-NaN periods).
    periods_per_year
        Periods per year P: 252 for daily, 365 for calendar days, 52 weekly, 12 monthly.

    Returns
    -------
    float, fraction per year. NaN for empty or all-NaN input (empyrical gives 0.0 for all
    NaN) and for a negative ending wealth; -1.0 after a total loss.

    Notes
    -----
    (prod(1 + r))^(P / n) - 1 with the product over the non-NaN returns and n the number of
    periods including NaN ones (Bacon, *Practical Portfolio Performance Measurement and
    Attribution*, 2nd ed., 2008, §4). Equals empyrical's ``annual_return`` and ``cagr``.

    Examples
    --------
    >>> round(annual_return([0.01] * 252), 6)
    11.274002
    >>> round(annual_return([float("nan")] + [0.01] * 251), 6)
    11.152477
    """
    r = as_float_array(returns, name="returns")
    return _compound_annual(drop_nan(r), r.size, periods_per_year)


def cagr(returns: ArrayLike, *, periods_per_year: float = 252.0) -> float:
    """Compound annual growth rate (CAGR) over the non-NaN periods of a return series.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped and a NaN period
        does not count as elapsed time (empyrical's ``cagr`` counts it; `annual_return`
        follows empyrical).
    periods_per_year
        Periods per year P: 252 for daily, 365 for calendar days, 52 weekly, 12 monthly.

    Returns
    -------
    float, fraction per year. NaN for empty input or a negative ending wealth; -1.0 after a
    total loss.

    Notes
    -----
    CAGR = (prod(1 + r))^(P / n) - 1 with n non-NaN observations and P periods per year
    (Bacon 2008, §4). Without NaN it equals empyrical's ``cagr`` and quantstats' ``cagr``.

    Examples
    --------
    >>> round(cagr([0.01] * 252), 6)
    11.274002
    >>> round(cagr([float("nan")] + [0.01] * 252), 6)
    11.274002
    """
    r = drop_nan(returns)
    return _compound_annual(r, r.size, periods_per_year)


def _compound_annual(r: FloatArray, periods: int, periods_per_year: float) -> float:
    if r.size == 0:
        return float("nan")
    ending = float(np.prod(1.0 + r))
    if ending < 0:
        return float("nan")
    return float(ending ** (periods_per_year / periods) - 1.0)


def annual_volatility(returns: ArrayLike, *, periods_per_year: float = 252.0) -> float:
    """Annualized standard deviation of periodic returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    periods_per_year
        Annualization factor P.

    Returns
    -------
    float, fraction per sqrt(year). NaN for fewer than 2 observations; 0.0 for constant returns.

    Notes
    -----
    sigma_ann = std(r, ddof=1) * sqrt(P) (square-root-of-time rule), as empyrical.

    Examples
    --------
    >>> round(annual_volatility([0.01, -0.01, 0.02, 0.0]), 6)
    0.204939
    """
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan")
    return float(np.std(r, ddof=1) * np.sqrt(periods_per_year))


def _std_or_zero(x: FloatArray) -> float:
    # The sample deviation of identical values is exactly 0; the floating-point mean can
    # differ from them in the last bit and leave ~1e-18, which would turn an infinite ratio
    # into an arbitrary huge number (empyrical guards the same way).
    if x.max() == x.min():
        return 0.0
    return float(np.std(x, ddof=1))


def _stds_or_zero(rows: FloatArray) -> FloatArray:
    """`_std_or_zero` of each row (a row's reductions are those of the row alone)."""
    return np.where(rows.max(axis=1) == rows.min(axis=1), 0.0, np.std(rows, axis=1, ddof=1))


def _ratio(numerator: float, denominator: float) -> float:
    return float(_ratios(np.array([numerator]), np.array([denominator]))[0])


def _ratios(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Divide elementwise, with +/-inf or NaN over a zero denominator.

    Over a zero denominator the result is +/-inf by the numerator's sign, NaN when the
    numerator is 0 or NaN too.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = numerator / denominator
    undefined = (numerator == 0.0) | np.isnan(numerator)
    signed = np.where(undefined, np.nan, np.copysign(np.inf, numerator))
    return np.where(denominator == 0.0, signed, quotient)


def sharpe_ratio(
    returns: ArrayLike, *, risk_free: float = 0.0, periods_per_year: float = 252.0
) -> float:
    """Annualized Sharpe ratio of periodic simple returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    risk_free
        Risk-free return per period (not annual), subtracted from every return.
    periods_per_year
        Annualization factor P (252 daily, 365 calendar days, 12 monthly).

    Returns
    -------
    float, ratio. NaN for fewer than 2 observations; +inf/-inf for constant non-zero excess
    returns (zero deviation, as empyrical); NaN for constant zero excess returns.

    Notes
    -----
    SR = mean(r - rf) / std(r - rf, ddof=1) * sqrt(P)
    (Sharpe, W. F. (1994). The Sharpe ratio. Journal of Portfolio Management 21(1), 49-58).
    Same as empyrical's ``sharpe_ratio``; quantstats' ``sharpe`` agrees for rf = 0 (it takes an
    annual rf and de-annualizes it).

    Examples
    --------
    >>> round(sharpe_ratio([0.01, -0.02, 0.015, 0.003]), 4)
    2.0522
    """
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan")
    rows = r[np.newaxis, :]
    return float(sharpe_ratios(rows, risk_free=risk_free, periods_per_year=periods_per_year)[0])


def sharpe_ratios(
    returns: FloatArray, *, risk_free: float = 0.0, periods_per_year: float = 252.0
) -> FloatArray:
    """Compute `sharpe_ratio` of each row of a 2-D array: many series of one length at once.

    The rows are, for example, a summary's windows.

    Parameters
    ----------
    returns
        2-D float64 array, shape (series, n), n >= 2, of simple returns without NaN.
    risk_free
        Risk-free return per period, subtracted from every return.
    periods_per_year
        Annualization factor P.

    Returns
    -------
    float64 array, shape (series,): each row's `sharpe_ratio`, to the last bit (a row's
    mean and deviation are reduced over the row alone, as over a 1-D array).

    Examples
    --------
    >>> sharpe_ratios(np.array([[0.01, -0.02, 0.015, 0.003], [0.01, 0.01, 0.01, 0.01]])).round(4)
    array([2.0522,    inf])
    """
    excess = returns - risk_free
    ratio = _ratios(np.mean(excess, axis=1), _stds_or_zero(excess))
    return ratio * float(np.sqrt(periods_per_year))


def downside_risk(
    returns: ArrayLike, *, required_return: float = 0.0, periods_per_year: float = 252.0
) -> float:
    """Annualized downside deviation below a per-period target (empyrical's ``downside_risk``).

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    required_return
        Per-period target t (0 by default, as empyrical); a target that varies
        by period is subtracted from the returns first.
    periods_per_year
        Annualization factor P (252 daily, as empyrical's ``period=DAILY``;
        52 weekly, 12 monthly).

    Returns
    -------
    float, fraction per sqrt(year). NaN for empty or all-NaN input; 0.0 when no period falls
    short of the target, also for a single return at or above it.

    Notes
    -----
    DD = sqrt(mean(min(r - t, 0)^2)) * sqrt(P), the mean taken over ALL periods, not only
    the short ones (Sortino, F. & Price, L. (1994). Performance measurement in a downside
    risk framework. Journal of Investing 3(3), 59-64). The risk term of `sortino_ratio`.
    ``downside_deviation`` is the same function under the registry's name.

    Examples
    --------
    >>> round(downside_risk([0.01, -0.02, 0.015, 0.003]), 6)
    0.158745
    >>> downside_risk([0.01, 0.02])
    0.0
    """
    r = drop_nan(returns)
    if r.size == 0:
        return float("nan")
    short = np.minimum(r - required_return, 0.0)
    return float(np.sqrt(np.mean(short * short)) * np.sqrt(periods_per_year))


downside_deviation = downside_risk


def sortino_ratio(
    returns: ArrayLike, *, required_return: float = 0.0, periods_per_year: float = 252.0
) -> float:
    """Annualized Sortino ratio of periodic simple returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period (0.01 = 1 %); NaN are dropped.
    required_return
        Per-period target; only shortfalls below it count as risk.
    periods_per_year
        Periods per year P: 252 for daily, 365 calendar days, 52 weekly, 12 monthly.

    Returns
    -------
    float. NaN for fewer than 2 observations; +inf when no period falls short and the mean
    excess is positive (as empyrical); NaN when the mean excess is 0 and nothing falls short.

    Notes
    -----
    S = mean(r - t) * P / DD, DD = sqrt(mean(min(r - t, 0)^2)) * sqrt(P) over all periods.
    quantstats' ``sortino`` agrees for t = 0 but returns NaN instead of +inf without shortfalls.

    References
    ----------
    Sortino, F. & Price, L. (1994). Performance measurement in a downside risk framework.
    Journal of Investing 3(3), 59-64.

    Examples
    --------
    >>> round(sortino_ratio([0.01, -0.02, 0.015, 0.003]), 4)
    3.1749
    """
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan")
    rows = r[np.newaxis, :]
    ratio = sortino_ratios(rows, required_return=required_return, periods_per_year=periods_per_year)
    return float(ratio[0])


def sortino_ratios(
    returns: FloatArray, *, required_return: float = 0.0, periods_per_year: float = 252.0
) -> FloatArray:
    """`sortino_ratio` of each row of a 2-D array: many series of one length at once.

    Parameters
    ----------
    returns
        2-D float64 array, shape (series, n), n >= 2, of simple returns without NaN.
    required_return
        Per-period target t.
    periods_per_year
        Annualization factor P.

    Returns
    -------
    float64 array, shape (series,): each row's `sortino_ratio`, to the last bit.

    Examples
    --------
    >>> sortino_ratios(np.array([[0.01, -0.02, 0.015, 0.003]])).round(4)
    array([3.1749])
    """
    excess = returns - required_return
    short = np.minimum(excess, 0.0)
    dd = np.sqrt(np.mean(short * short, axis=1)) * np.sqrt(periods_per_year)
    return _ratios(np.mean(excess, axis=1) * periods_per_year, dd)


def calmar_ratio(returns: ArrayLike, *, periods_per_year: float = 252.0) -> float:
    """Calmar ratio: CAGR divided by the magnitude of the maximum drawdown.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; a NaN period adds no return but
        counts as elapsed time in the CAGR (`annual_return`, as empyrical).
    periods_per_year
        Annualization factor P for the CAGR.

    Returns
    -------
    float. NaN when there is no drawdown (empyrical) or the result is infinite.

    Notes
    -----
    Calmar = annual_return / |MDD| (Young, T. W. (1991). Calmar ratio: a smoother tool.
    Futures 20(1)). Computed over the whole series, as empyrical (Young used the last 36
    months).

    Examples
    --------
    >>> round(calmar_ratio([0.01, -0.02, 0.015, 0.003]), 4)
    30.8684
    """
    from tradeperf.metrics.drawdown import max_drawdown

    r = as_float_array(returns, name="returns")
    mdd = max_drawdown(r)
    if not mdd < 0:
        return float("nan")
    out = annual_return(r, periods_per_year=periods_per_year) / abs(mdd)
    return float("nan") if np.isinf(out) else out


def omega_ratio(
    returns: ArrayLike,
    *,
    risk_free: float = 0.0,
    required_return: float = 0.0,
    periods_per_year: float = 252.0,
) -> float:
    """Omega ratio: probability-weighted gains over losses relative to a threshold.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    risk_free
        Per-period risk-free return subtracted first.
    required_return
        ANNUAL minimum acceptable return, de-annualized as
        (1 + required_return)^(1/P) - 1 (empyrical's convention); P = 1 uses it as is.
    periods_per_year
        Periods per year P, used only to de-annualize `required_return`.

    Returns
    -------
    float. NaN for fewer than 2 observations, for required_return <= -1, and when no period
    falls below the threshold.

    Notes
    -----
    Omega = sum(max(r - rf - L, 0)) / sum(max(L - r + rf, 0))
    (Keating, C. & Shadwick, W. F. (2002). A universal performance measure. Journal of
    Performance Measurement 6(3), 59-84).

    Examples
    --------
    >>> round(omega_ratio([0.01, -0.02, 0.015, 0.003]), 4)
    1.4
    """
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan")
    if periods_per_year == 1:
        threshold = required_return
    elif required_return <= -1:
        return float("nan")
    else:
        threshold = (1.0 + required_return) ** (1.0 / periods_per_year) - 1.0
    d = r - risk_free - threshold
    gains = float(d[d > 0].sum())
    losses = float(-d[d < 0].sum())
    return gains / losses if losses > 0 else float("nan")


def tail_ratio(returns: ArrayLike) -> float:
    """Ratio of the 95th percentile to the magnitude of the 5th percentile of returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.

    Returns
    -------
    float. NaN for empty input; +inf when the 5th percentile is exactly 0 (as empyrical;
    quantstats returns NaN there).

    Notes
    -----
    TR = |q_0.95(r)| / |q_0.05(r)|, percentiles by linear interpolation (NumPy's default),
    as empyrical's ``tail_ratio``.

    Examples
    --------
    >>> round(tail_ratio([0.01, -0.02, 0.015, 0.003]), 4)
    0.861
    """
    r = drop_nan(returns)
    if r.size == 0:
        return float("nan")
    hi, lo = np.percentile(r, [95.0, 5.0])
    return _ratio(abs(float(hi)), abs(float(lo)))


def stability(returns: ArrayLike) -> float:
    """R-squared of a straight-line fit to cumulative log returns (stability of the equity curve).

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.

    Returns
    -------
    float in [0, 1]. NaN for fewer than 2 observations or a flat log-equity curve.

    Notes
    -----
    y_t = sum_{s<=t} ln(1 + r_s); R^2 = corr(t, y)^2 of the OLS fit y ~ a + b t.
    Same as empyrical's ``stability_of_timeseries``.

    Examples
    --------
    >>> round(stability([0.01, 0.012, 0.009, 0.011]), 6)
    0.997314
    """
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan")
    y = np.cumsum(np.log1p(r))
    t = np.arange(y.size, dtype=np.float64)
    tc = t - t.mean()
    yc = y - y.mean()
    syy = float(np.dot(yc, yc))
    if syy == 0.0 or not np.isfinite(syy):
        return float("nan")
    sty = float(np.dot(tc, yc))
    return sty * sty / (float(np.dot(tc, tc)) * syy)


def _is_pandas_series(values: ArrayLike) -> bool:
    return type(values).__module__.split(".", 1)[0] == "pandas" and hasattr(values, "index")


def _paired(returns: ArrayLike, benchmark: ArrayLike) -> tuple[FloatArray, FloatArray]:
    # Two pandas Series are paired on their index (inner join), as empyrical aligns them;
    # anything else is paired by position and must have one length.
    if _is_pandas_series(returns) and _is_pandas_series(benchmark):
        returns, benchmark = returns.align(benchmark, join="inner")
    r = as_float_array(returns, name="returns")
    b = as_float_array(benchmark, name="benchmark")
    if r.shape != b.shape:
        raise ValueError(
            f"returns and benchmark differ in length: {r.size} != {b.size}; arrays are "
            "paired by position (pass two pandas Series to pair them on their index)"
        )
    keep = ~(np.isnan(r) | np.isnan(b))
    return r[keep], b[keep]


def excess_sharpe(returns: ArrayLike, benchmark: ArrayLike) -> float:
    """Per-period information ratio: mean active return over its deviation (not annualized).

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,).
    benchmark
        1-D array-like of benchmark returns for the same periods, shape (n,). Two
        pandas Series are paired on their index (inner join, as empyrical), anything else by
        position. Periods where either is NaN are dropped.

    Returns
    -------
    float. NaN for fewer than 2 pairs; +/-inf for a constant non-zero active return
    (as empyrical; quantstats returns 0 there).

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    IR = mean(r - b) / std(r - b, ddof=1) (Grinold, R. & Kahn, R. (2000). Active Portfolio
    Management, 2nd ed., ch. 5). Same as empyrical's ``excess_sharpe`` and quantstats'
    ``information_ratio``; multiply by sqrt(P) for the annualized figure.

    Examples
    --------
    >>> round(excess_sharpe([0.01, -0.02, 0.015], [0.0, -0.01, 0.01]), 4)
    0.1601
    """
    r, b = _paired(returns, benchmark)
    if r.size < 2:
        return float("nan")
    active = r - b
    return _ratio(float(np.mean(active)), _std_or_zero(active))


information_ratio = excess_sharpe


def tracking_error(
    returns: ArrayLike, benchmark: ArrayLike, *, periods_per_year: float = 252.0
) -> float:
    """Annualized tracking error: standard deviation of active returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,).
    benchmark
        1-D array-like of benchmark returns, shape (n,); two pandas Series are paired
        on their index (inner join), anything else by position; pairs with a NaN are dropped.
    periods_per_year
        Annualization factor P.

    Returns
    -------
    float. NaN for fewer than 2 pairs.

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    TE = std(r - b, ddof=1) * sqrt(P) (Grinold & Kahn 2000).

    Examples
    --------
    >>> round(tracking_error([0.01, -0.02, 0.015], [0.0, -0.01, 0.01], periods_per_year=1), 4)
    0.0104
    """
    r, b = _paired(returns, benchmark)
    if r.size < 2:
        return float("nan")
    return _std_or_zero(r - b) * float(np.sqrt(periods_per_year))


def alpha_beta(
    returns: ArrayLike,
    benchmark: ArrayLike,
    *,
    risk_free: float = 0.0,
    periods_per_year: float = 252.0,
) -> tuple[float, float]:
    """Annualized Jensen's alpha and beta against a benchmark (CAPM regression).

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,).
    benchmark
        1-D array-like of benchmark returns, shape (n,). Two pandas Series are paired
        on their index (inner join of the dates, as empyrical's ``alpha_beta``); anything else
        (arrays, lists, Polars, PyArrow, or one pandas Series) by position. Pairs with a NaN
        are dropped.
    risk_free
        Per-period risk-free return subtracted from both series.
    periods_per_year
        Annualization factor P for alpha.

    Returns
    -------
    (alpha, beta) : alpha as a fraction per year, beta dimensionless. Both NaN for fewer than
    2 pairs or a benchmark variance below 1e-30.

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    beta = cov(r - rf, b - rf) / var(b - rf) (population moments, the ddof cancels);
    alpha = (1 + mean((r - rf) - beta (b - rf)))^P - 1 (Jensen, M. (1968). The performance of
    mutual funds in the period 1945-1964. Journal of Finance 23(2)). Compounded annualization
    as empyrical's ``alpha_beta``; quantstats' ``greeks`` annualizes alpha as mean * P.

    Examples
    --------
    >>> a, b = alpha_beta([0.02, -0.01, 0.03, 0.0], [0.01, -0.005, 0.015, 0.0], periods_per_year=1)
    >>> round(a, 6), round(b, 6)
    (0.0, 2.0)
    """
    r, b = _paired(returns, benchmark)
    if r.size < 2:
        return float("nan"), float("nan")
    y = r - risk_free
    x = b - risk_free
    xc = x - x.mean()
    var = float(np.mean(xc * xc))
    if var < 1.0e-30:
        return float("nan"), float("nan")
    beta = float(np.mean(xc * y)) / var
    alpha = (1.0 + float(np.mean(y - beta * x))) ** periods_per_year - 1.0
    return alpha, beta


def excess_return(returns: ArrayLike, benchmark: ArrayLike) -> float:
    """Cumulative return over that of a benchmark on the same periods, a fraction.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,).
    benchmark
        1-D array-like of benchmark returns for the same periods, shape (n,). Two pandas
        Series are paired on their index (inner join), anything else by position. Periods
        where either is NaN are dropped from both.

    Returns
    -------
    float, fraction. NaN when no period pairs.

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    ER = (prod(1 + r) - 1) - (prod(1 + b) - 1), the arithmetic difference of the two
    `cumulative_return` values, the "arithmetic excess return" of Bacon, *Practical
    Portfolio Performance Measurement and Attribution* (2nd ed., 2008); not annualized. The
    geometric excess return (1 + R) / (1 + B) - 1 is this divided by 1 + B.

    Examples
    --------
    >>> round(excess_return([0.1, -0.1], [0.05, 0.0]), 10)
    -0.06
    """
    r, b = _paired(returns, benchmark)
    if r.size == 0:
        return float("nan")
    return float(np.prod(1.0 + r) - np.prod(1.0 + b))


def benchmark_return(returns: ArrayLike, benchmark: ArrayLike) -> float:
    """Cumulative return of a benchmark over the periods it pairs with ``returns``, a fraction.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,): which periods count.
    benchmark
        1-D array-like of benchmark returns for the same periods, shape (n,), paired as in
        `excess_return`; periods where either is NaN are dropped.

    Returns
    -------
    float, fraction. NaN when no period pairs.

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    B = prod(1 + b) - 1 over the paired periods: the `cumulative_return` of the benchmark
    on exactly the periods `excess_return` compares, so ER = cumulative_return(r) - B.

    Examples
    --------
    >>> round(benchmark_return([0.1, float("nan"), 0.0], [0.05, 0.5, 0.02]), 10)
    0.071
    """
    _, b = _paired(returns, benchmark)
    if b.size == 0:
        return float("nan")
    return float(np.prod(1.0 + b) - 1.0)


def correlation(returns: ArrayLike, benchmark: ArrayLike) -> float:
    """Pearson correlation of periodic returns with a benchmark's.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period, shape (n,).
    benchmark
        1-D array-like of benchmark returns for the same periods, shape (n,), paired as in
        `excess_return`; periods where either is NaN are dropped.

    Returns
    -------
    float in [-1, 1]. NaN for fewer than 2 pairs or when either series is constant (zero
    variance: the correlation is undefined, as in NumPy and pandas).

    Raises
    ------
    ValueError
        When the two are not both pandas Series and differ in length.

    Notes
    -----
    rho = sum((r - mean r)(b - mean b)) / sqrt(sum((r - mean r)^2) sum((b - mean b)^2)),
    the sample correlation of ``numpy.corrcoef`` and pandas ``Series.corr``; beta =
    rho * std(r) / std(b).

    Examples
    --------
    >>> round(correlation([0.02, -0.01, 0.03, 0.0], [0.01, -0.005, 0.015, 0.001]), 6)
    0.998649
    >>> correlation([0.01, 0.02], [0.0, 0.0])
    nan
    """
    r, b = _paired(returns, benchmark)
    if r.size < 2 or r.max() == r.min() or b.max() == b.min():
        return float("nan")
    rc = r - r.mean()
    bc = b - b.mean()
    denominator = float(np.sqrt(np.dot(rc, rc) * np.dot(bc, bc)))
    if denominator == 0.0 or not np.isfinite(denominator):
        return float("nan")
    return float(np.clip(np.dot(rc, bc) / denominator, -1.0, 1.0))
