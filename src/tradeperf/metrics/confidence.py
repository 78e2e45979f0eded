"""Statistical confidence in a performance figure: PSR, DSR, MinTRL and bootstrap intervals.

Sharpe ratios here are PER PERIOD (not annualized): divide an annualized SR by sqrt(P) first.
Skewness and kurtosis are the moment estimators g1 and g2 + 3 (non-excess kurtosis), as in
Bailey & López de Prado's papers. NaN values in returns are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, drop_nan
from tradeperf.metrics.tail import _moments

__all__ = [
    "Interval",
    "bootstrap_mean_ci",
    "bootstrap_sharpe_ci",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "min_trl_from_moments",
    "minimum_track_record_length",
    "probabilistic_sharpe_ratio",
    "psr_from_moments",
]

_N = NormalDist()
_EULER_GAMMA = 0.5772156649015329


def psr_from_moments(
    sharpe: float,
    *,
    n: int,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    benchmark_sharpe: float = 0.0,
) -> float:
    """Probabilistic Sharpe ratio from summary statistics.

    Parameters
    ----------
    sharpe
        Observed per-period Sharpe ratio SR.
    n
        Number of return observations T.
    skewness
        Skewness gamma3 of the returns.
    kurtosis
        Kurtosis gamma4 (NOT excess; 3 for normal returns).
    benchmark_sharpe
        Per-period threshold SR*.

    Returns
    -------
    float in [0, 1], the probability that the true SR exceeds SR*. NaN for n < 2 or when the
    variance term is not positive.

    Notes
    -----
    PSR = Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - gamma3 SR + (gamma4 - 1) / 4 SR^2))
    (Bailey, D. H. & López de Prado, M. (2012). The Sharpe ratio efficient frontier.
    Journal of Risk 15(2), 3-44, eq. 11).

    Examples
    --------
    >>> round(psr_from_moments(0.1, n=252), 4)
    0.943
    """
    if n < 2 or not math.isfinite(sharpe):
        return float("nan")
    var = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if not var > 0:
        return float("nan")
    return _N.cdf((sharpe - benchmark_sharpe) * math.sqrt(n - 1) / math.sqrt(var))


def _sr_moments(returns: ArrayLike) -> tuple[float, int, float, float]:
    r = drop_nan(returns)
    if r.size < 2:
        return float("nan"), int(r.size), float("nan"), float("nan")
    mean, std, skew, exkurt = _moments(r)
    if std == 0.0:
        return float("nan"), int(r.size), float("nan"), float("nan")
    return mean / std, int(r.size), skew, exkurt + 3.0


def probabilistic_sharpe_ratio(returns: ArrayLike, *, benchmark_sharpe: float = 0.0) -> float:
    """Probabilistic Sharpe ratio of a return series against a per-period benchmark SR*.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    benchmark_sharpe
        Per-period threshold SR* (annualized SR* / sqrt(P)).

    Returns
    -------
    float in [0, 1]. NaN for fewer than 2 observations or zero variance.

    Notes
    -----
    SR = mean / std(ddof=1); gamma3, gamma4 moment estimators; formula in `psr_from_moments`
    (Bailey & López de Prado 2012). quantstats' ``probabilistic_sharpe_ratio`` uses the
    bias-adjusted skewness and kurtosis of pandas, so it differs slightly in small samples.

    Examples
    --------
    >>> round(probabilistic_sharpe_ratio([0.01, -0.02, 0.015, 0.003, 0.004]), 4)
    0.6282
    """
    sr, n, skew, kurt = _sr_moments(returns)
    return psr_from_moments(
        sr, n=n, skewness=skew, kurtosis=kurt, benchmark_sharpe=benchmark_sharpe
    )


def expected_max_sharpe(n_trials: int, *, sharpe_variance: float) -> float:
    """Return the expected maximum per-period SR among `n_trials` unskilled trials.

    It is the deflated Sharpe ratio's threshold SR0.

    Parameters
    ----------
    n_trials
        Number N of independent strategy configurations tried (>= 1).
    sharpe_variance
        Variance V of the per-period SR estimates across the trials.

    Returns
    -------
    float, per-period SR. 0.0 for a single trial.

    Notes
    -----
    SR0 = sqrt(V) ((1 - gamma) Z^-1(1 - 1/N) + gamma Z^-1(1 - 1/(N e))), gamma the
    Euler-Mascheroni constant (Bailey, D. H. & López de Prado, M. (2014). The deflated Sharpe
    ratio. Journal of Portfolio Management 40(5), 94-107, eq. 2).

    Raises
    ------
    ValueError
        For n_trials < 1 or a negative variance.

    Examples
    --------
    >>> round(expected_max_sharpe(10, sharpe_variance=1.0), 4)
    1.5746
    """
    if n_trials < 1 or sharpe_variance < 0:
        raise ValueError("n_trials must be >= 1 and sharpe_variance >= 0")
    if n_trials == 1:
        return 0.0
    z1 = _N.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _N.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - _EULER_GAMMA) * z1 + _EULER_GAMMA * z2)


def deflated_sharpe_ratio(returns: ArrayLike, *, n_trials: int, sharpe_variance: float) -> float:
    """Deflated Sharpe ratio: PSR against the SR expected from the best of `n_trials` trials.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period of the selected strategy.
    n_trials
        Number of independent trials N.
    sharpe_variance
        Variance of the per-period SR estimates across the trials.

    Returns
    -------
    float in [0, 1]. NaN as `probabilistic_sharpe_ratio`.

    Notes
    -----
    DSR = PSR(SR0) with SR0 = `expected_max_sharpe` (Bailey & López de Prado 2014, eq. 2).

    Examples
    --------
    >>> r = [0.01, -0.02, 0.015, 0.003, 0.004]
    >>> round(deflated_sharpe_ratio(r, n_trials=10, sharpe_variance=0.01), 4)
    0.5155
    """
    sr0 = expected_max_sharpe(n_trials, sharpe_variance=sharpe_variance)
    return probabilistic_sharpe_ratio(returns, benchmark_sharpe=sr0)


def min_trl_from_moments(
    sharpe: float,
    *,
    skewness: float = 0.0,
    kurtosis: float = 3.0,
    benchmark_sharpe: float = 0.0,
    confidence: float = 0.95,
) -> float:
    """Minimum track record length (observations) from summary statistics.

    Parameters
    ----------
    sharpe
        Observed per-period SR.
    skewness
        Skewness gamma3 of the returns.
    kurtosis
        Kurtosis gamma4 of the returns (not excess; 3 for normal returns).
    benchmark_sharpe
        Per-period threshold SR*.
    confidence
        Probability 1 - alpha wanted that the true SR exceeds SR*.

    Returns
    -------
    float, number of observations (not rounded). +inf when SR <= SR* (no length suffices);
    NaN for undefined SR or a non-positive variance term.

    Notes
    -----
    MinTRL = 1 + (1 - gamma3 SR + (gamma4 - 1) / 4 SR^2) (Z_(1-alpha) / (SR - SR*))^2
    (Bailey & López de Prado 2012, eq. 12).

    Examples
    --------
    >>> round(min_trl_from_moments(0.1), 2)
    272.91
    """
    if not math.isfinite(sharpe):
        return float("nan")
    var = 1.0 - skewness * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if not var > 0:
        return float("nan")
    if sharpe <= benchmark_sharpe:
        return float("inf")
    z = _N.inv_cdf(confidence)
    return 1.0 + var * (z / (sharpe - benchmark_sharpe)) ** 2


def minimum_track_record_length(
    returns: ArrayLike, *, benchmark_sharpe: float = 0.0, confidence: float = 0.95
) -> float:
    """Minimum number of observations for the SR to beat `benchmark_sharpe` with `confidence`.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    benchmark_sharpe
        Per-period threshold SR*.
    confidence
        Wanted probability that the true SR exceeds SR*.

    Returns
    -------
    float, observations (periods). See `min_trl_from_moments`; NaN for fewer than 2
    observations or zero variance.

    Examples
    --------
    >>> round(minimum_track_record_length([0.01, -0.02, 0.015, 0.003, 0.004]), 1)
    102.2
    """
    sr, _, skew, kurt = _sr_moments(returns)
    return min_trl_from_moments(
        sr, skewness=skew, kurtosis=kurt, benchmark_sharpe=benchmark_sharpe, confidence=confidence
    )


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate with a two-sided confidence interval.

    Attributes
    ----------
    estimate : the statistic on the full sample.
    low : lower bound.
    high : upper bound.
    confidence : coverage, e.g. 0.95.
    """

    estimate: float
    low: float
    high: float
    confidence: float


_CHUNK_ELEMENTS = 4_000_000


def _resample_kernel(
    x: np.ndarray,
    idx: np.ndarray,
    with_std: bool,  # noqa: FBT001 (Numba kernels take their arguments by position)
) -> tuple[np.ndarray, np.ndarray]:
    """Run the compiled resampling kernel (`tradeperf.metrics._bootstrap_kernels`).

    The kernel is imported on first use so that importing the metrics does not load Numba.
    """
    from tradeperf.metrics._bootstrap_kernels import resample_kernel

    return resample_kernel(x, idx, with_std)


def _resample_stats(
    x: FloatArray, n_resamples: int, rng: np.random.Generator, *, with_std: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Means and sample deviations of `n_resamples` bootstrap resamples, in bounded memory.

    The indices are drawn by `rng` in blocks of rows as
    ``rng.integers(0, n, (rows, n), dtype=np.uint32)`` (32-bit draws are ~6x cheaper than
    64-bit ones; a seed always gives the same stream); the statistics come from a compiled pass.
    """
    n = x.size
    xs = np.ascontiguousarray(x, dtype=np.float64)
    means = np.empty(n_resamples)
    stds = np.empty(n_resamples)
    rows = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, rows):
        stop = min(start + rows, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.uint32)
        means[start:stop], stds[start:stop] = _resample_kernel(xs, idx, with_std)
    return means, stds


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def bootstrap_sharpe_ci(
    returns: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    periods_per_year: float = 252.0,
    seed: int | np.random.Generator | None = None,
) -> Interval:
    """Percentile bootstrap confidence interval of the annualized Sharpe ratio.

    Parameters
    ----------
    returns
        1-D array-like of simple returns per period; NaN are dropped.
    confidence
        Coverage of the two-sided interval.
    n_resamples
        Number of i.i.d. resamples with replacement.
    periods_per_year
        Annualization factor P.
    seed
        Seed or numpy Generator; the same seed gives the same interval.

    Returns
    -------
    Interval with the `sharpe_ratio` estimate. All NaN for fewer than 2 observations;
    resamples with zero deviation are ignored.

    Notes
    -----
    Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap, ch. 13 (percentile
    method). I.i.d. resampling ignores autocorrelation.

    Examples
    --------
    >>> r = np.random.default_rng(1).normal(0.001, 0.01, 500)
    >>> ci = bootstrap_sharpe_ci(r, seed=7, n_resamples=500)
    >>> ci.low < ci.estimate < ci.high
    True
    """
    from tradeperf.metrics.returns import sharpe_ratio

    x = drop_nan(returns)
    estimate = sharpe_ratio(x, periods_per_year=periods_per_year)
    if x.size < 2:
        return Interval(float("nan"), float("nan"), float("nan"), confidence)
    means, stds = _resample_stats(x, n_resamples, _rng(seed))
    ok = stds > 0
    srs = means[ok] / stds[ok] * math.sqrt(periods_per_year)
    if srs.size == 0:
        return Interval(estimate, float("nan"), float("nan"), confidence)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(srs, [tail, 1.0 - tail])
    return Interval(estimate, float(low), float(high), confidence)


def bootstrap_mean_ci(
    pnl: ArrayLike,
    *,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int | np.random.Generator | None = None,
) -> Interval:
    """Percentile bootstrap confidence interval of the mean (e.g. mean P&L per trade).

    Parameters
    ----------
    pnl
        1-D array-like of values (currency per trade, or returns); NaN are dropped.
    confidence
        Coverage of the two-sided interval.
    n_resamples
        Number of i.i.d. resamples with replacement.
    seed
        Seed or numpy Generator.

    Returns
    -------
    Interval in the units of `pnl`. All NaN for empty input.

    Notes
    -----
    Efron & Tibshirani (1993), percentile method.

    Examples
    --------
    >>> ci = bootstrap_mean_ci([10.0, -5.0, 3.0, 7.0, -2.0], seed=3, n_resamples=1000)
    >>> ci.estimate, ci.low <= ci.estimate <= ci.high
    (2.6, True)
    """
    x = drop_nan(pnl, name="pnl")
    if x.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), confidence)
    means, _ = _resample_stats(x, n_resamples, _rng(seed), with_std=False)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return Interval(float(np.mean(x)), float(low), float(high), confidence)
