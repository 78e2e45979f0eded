"""Tail risk: value at risk and expected shortfall (historical, Gaussian, Cornish-Fisher), moments.

VaR and CVaR are reported as RETURNS at the lower tail (usually negative), the sign empyrical
and quantstats use. NaN values are dropped before any estimate.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Literal

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, drop_nan

__all__ = [
    "conditional_value_at_risk",
    "excess_kurtosis",
    "skewness",
    "value_at_risk",
]

Method = Literal["historical", "gaussian", "cornish_fisher"]
_STD_NORMAL = NormalDist()


def _moments(r: FloatArray) -> tuple[float, float, float, float]:
    """Mean, sample deviation (ddof=1), population skewness and excess kurtosis."""
    mean = float(np.mean(r))
    c = r - mean
    c2 = c * c
    m2 = float(np.mean(c2))
    if m2 == 0.0:
        return mean, 0.0, float("nan"), float("nan")
    # products, not general powers: np.power with a float exponent is ~20x slower
    m3 = float(np.mean(c2 * c))
    m4 = float(np.mean(c2 * c2))
    std = float(np.sqrt(m2 * r.size / (r.size - 1)))
    return mean, std, m3 / m2**1.5, m4 / (m2 * m2) - 3.0


def skewness(returns: ArrayLike, *, adjusted: bool = True) -> float:
    """Skewness of returns.

    Parameters
    ----------
    returns
        1-D array-like; NaN are dropped.
    adjusted
        True (default) for the bias-adjusted sample skewness G1 that pandas and
        quantstats report; False for the moment estimator g1 = m3 / m2^1.5 (scipy's default).

    Returns
    -------
    float, dimensionless. NaN for fewer than 3 observations (adjusted) or 1 (moment), and for
    constant input (zero variance).

    Notes
    -----
    g1 = m3 / m2^(3/2); G1 = g1 sqrt(n (n - 1)) / (n - 2) (Joanes, D. N. & Gill, C. A. (1998).
    Comparing measures of sample skewness and kurtosis. The Statistician 47(1), 183-189).

    Examples
    --------
    >>> round(skewness([0.01, -0.02, 0.015, 0.003, 0.0]), 4)
    -1.2185
    """
    r = drop_nan(returns)
    n = r.size
    if n < (3 if adjusted else 1):
        return float("nan")
    g1 = _moments(r)[2]
    if not adjusted:
        return g1
    return float(g1 * np.sqrt(n * (n - 1.0)) / (n - 2.0))


def excess_kurtosis(returns: ArrayLike, *, adjusted: bool = True) -> float:
    """Excess kurtosis of returns (0 for a normal distribution).

    Parameters
    ----------
    returns
        1-D array-like; NaN are dropped.
    adjusted
        True (default) for the bias-adjusted G2 that pandas and quantstats report;
        False for the moment estimator g2 = m4 / m2^2 - 3 (scipy's default).

    Returns
    -------
    float, dimensionless. NaN for fewer than 4 observations (adjusted) or 1 (moment), and for
    constant input.

    Notes
    -----
    g2 = m4 / m2^2 - 3; G2 = ((n + 1) g2 + 6) (n - 1) / ((n - 2)(n - 3)) (Joanes & Gill 1998).

    Examples
    --------
    >>> round(excess_kurtosis([0.01, -0.02, 0.015, 0.003, 0.0]), 4)
    1.8018
    """
    r = drop_nan(returns)
    n = r.size
    if n < (4 if adjusted else 1):
        return float("nan")
    g2 = _moments(r)[3]
    if not adjusted:
        return g2
    return ((n + 1.0) * g2 + 6.0) * (n - 1.0) / ((n - 2.0) * (n - 3.0))


def _check(cutoff: float, method: str) -> None:
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0, 1], got {cutoff}")
    if method not in ("historical", "gaussian", "cornish_fisher"):
        raise ValueError(f"unknown method {method!r}")


def _end_quantile(cutoff: float, s: float, k: float, method: str) -> float:
    """Return the limit of the parametric quantile (in deviations) as alpha -> 0 or 1: +/-inf.

    The Cornish-Fisher quantile is the cubic a3 z^3 + a2 z^2 + a1 z + a0 of the normal
    quantile z, which tends to -inf (alpha -> 0) or +inf (alpha -> 1); its sign at either end
    is that of the leading non-zero coefficient times z's power.
    """
    z_sign = -1.0 if cutoff == 0.0 else 1.0
    if method == "gaussian":
        return z_sign * np.inf
    for power, coef in ((3, k / 24 - s * s / 18), (2, s / 6), (1, 1 - k / 8 + 5 * s * s / 36)):
        if coef != 0.0:
            return float(np.copysign(np.inf, coef * z_sign**power))
    return float("nan")


def _cornish_fisher_z(z: float, s: float, k: float) -> float:
    return z + (z * z - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s * s / 36


def value_at_risk(
    returns: ArrayLike, *, cutoff: float = 0.05, method: Method = "historical"
) -> float:
    """Value at risk: the `cutoff` quantile of periodic returns.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    cutoff
        Tail probability alpha in [0, 1] (0.05 = 95 % VaR). At 0 and 1 the historical
        VaR is the smallest and the largest return (NumPy's percentile, as empyrical); the
        parametric ones are their limits: -inf and +inf for the Gaussian; for Cornish-Fisher
        the sign of its cubic's leading term, which can be +inf at 0 where the expansion is
        not monotone (skewness large against kurtosis).
    method
        "historical" (empirical quantile, linear interpolation, as empyrical),
        "gaussian" (mean + z_alpha * std, as quantstats' ``value_at_risk``) or
        "cornish_fisher" (z replaced by its Cornish-Fisher expansion with population skewness
        S and excess kurtosis K).

    Returns
    -------
    float, a return (negative for a loss). NaN for empty input; NaN for fewer than 2
    observations with the parametric methods; with zero variance the parametric VaR is the
    mean.

    Raises
    ------
    ValueError
        For a cutoff outside [0, 1] or an unknown method.

    Notes
    -----
    z_CF = z + (z^2 - 1) S / 6 + (z^3 - 3z) K / 24 - (2z^3 - 5z) S^2 / 36
    (Favre, L. & Galeano, J.-A. (2002). Mean-modified value-at-risk optimization with hedge
    funds. Journal of Alternative Investments 5(2), 21-25).

    Examples
    --------
    >>> r = [0.01, -0.02, 0.015, 0.003, 0.0, -0.007]
    >>> round(value_at_risk(r), 6), round(value_at_risk(r, method="gaussian"), 6)
    (-0.01675, -0.020415)
    >>> value_at_risk(r, cutoff=0.0), value_at_risk(r, cutoff=1.0)
    (-0.02, 0.015)
    """
    _check(cutoff, method)
    r = drop_nan(returns)
    if r.size == 0:
        return float("nan")
    if method == "historical":
        return float(np.percentile(r, 100.0 * cutoff))
    if r.size < 2:
        return float("nan")
    mean, std, s, k = _moments(r)
    if std == 0.0:
        return mean
    if cutoff in (0.0, 1.0):
        return mean + std * _end_quantile(cutoff, s, k, method)
    z = _STD_NORMAL.inv_cdf(cutoff)
    if method == "cornish_fisher":
        z = _cornish_fisher_z(z, s, k)
    return mean + z * std


def conditional_value_at_risk(
    returns: ArrayLike, *, cutoff: float = 0.05, method: Method = "historical"
) -> float:
    """Conditional value at risk (expected shortfall): mean return in the worst `cutoff` tail.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    cutoff
        Tail probability alpha in [0, 1]. At 0 the CVaR is the VaR at 0 (historical:
        the smallest return); at 1 it is the mean of all returns (every method).
    method
        "historical" (mean of the floor((n - 1) alpha) + 1 lowest returns, as empyrical),
        "gaussian" (mu - sigma phi(z_alpha) / alpha) or "cornish_fisher" (the mean of the
        Cornish-Fisher quantile function over (0, alpha), in closed form).

    Returns
    -------
    float, a return (negative for a loss), <= VaR. NaN for empty input and, with parametric
    methods, fewer than 2 observations; the mean for zero variance.

    Raises
    ------
    ValueError
        For a cutoff outside [0, 1] or an unknown method.

    Notes
    -----
    Cornish-Fisher ES = mu + sigma / alpha * [I1 + S/6 (I2 - I0) + K/24 (I3 - 3 I1)
    - S^2/36 (2 I3 - 5 I1)] with I_k = int_{-inf}^{z} x^k phi(x) dx:
    I0 = alpha, I1 = -phi(z), I2 = alpha - z phi(z), I3 = -(z^2 + 2) phi(z)
    (Boudt, K., Peterson, B. & Croux, C. (2008). Estimation and decomposition of downside risk
    for portfolios with non-normal returns. Journal of Risk 11(2), 79-103, integrate the same
    expansion). quantstats' historical CVaR averages returns <= the interpolated quantile.

    Examples
    --------
    >>> r = [0.01, -0.02, 0.015, 0.003, 0.0, -0.007]
    >>> round(conditional_value_at_risk(r), 6)
    -0.02
    >>> round(conditional_value_at_risk(r, method="gaussian"), 6)
    -0.025643
    >>> conditional_value_at_risk(r, cutoff=0.0), round(conditional_value_at_risk(r, cutoff=1.0), 6)
    (-0.02, 0.000167)
    """
    _check(cutoff, method)
    r = drop_nan(returns)
    if r.size == 0:
        return float("nan")
    if method == "historical":
        k = int((r.size - 1) * cutoff)
        return float(np.mean(np.partition(r, k)[: k + 1]))
    if r.size < 2:
        return float("nan")
    mean, std, s, kurt = _moments(r)
    if std == 0.0 or cutoff == 1.0:
        return mean
    if cutoff == 0.0:
        return mean + std * _end_quantile(cutoff, s, kurt, method)
    z = _STD_NORMAL.inv_cdf(cutoff)
    phi = _STD_NORMAL.pdf(z)
    i0, i1, i2, i3 = cutoff, -phi, cutoff - z * phi, -(z * z + 2.0) * phi
    if method == "gaussian":
        return mean + std * i1 / cutoff
    tail = i1 + s / 6 * (i2 - i0) + kurt / 24 * (i3 - 3 * i1) - s * s / 36 * (2 * i3 - 5 * i1)
    return mean + std * tail / cutoff
