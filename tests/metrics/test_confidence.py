"""PSR, DSR and MinTRL against Bailey & López de Prado's worked examples; bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tradeperf import metrics as m


def test_expected_max_sharpe_of_ten_trials_is_1_57_as_in_bailey_et_al_2014():
    # Bailey, Borwein, López de Prado & Zhu (2014), "Pseudo-mathematics and financial
    # charlatanism", eq. 4: E[max] of 10 standard-normal trials is about 1.57.
    assert m.expected_max_sharpe(10, sharpe_variance=1.0) == pytest.approx(1.57, abs=0.005)


def test_minimum_backtest_length_example_45_trials_5_years():
    # Same paper: with 45 trials an annualized SR of 1 is expected from noise in 5 years.
    assert (m.expected_max_sharpe(45, sharpe_variance=1.0) / 1.0) ** 2 == pytest.approx(
        5.0, abs=0.01
    )


def test_deflated_sharpe_ratio_worked_example_of_the_2014_paper():
    # Bailey & López de Prado (2014), The deflated Sharpe ratio, numerical example: N = 100
    # trials, annualized trial-SR variance 1/2, best annualized SR 2.5, T = 1250 daily
    # observations, skewness -3, kurtosis 10, 250 days a year: SR0 = 0.1132, DSR = 0.9004.
    sr0 = m.expected_max_sharpe(100, sharpe_variance=0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = m.psr_from_moments(
        2.5 / math.sqrt(250), n=1250, skewness=-3.0, kurtosis=10.0, benchmark_sharpe=sr0
    )
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_psr_at_the_minimum_track_record_length_equals_the_confidence():
    sr, skew, kurt = 0.12, -1.2, 7.0
    n = m.min_trl_from_moments(sr, skewness=skew, kurtosis=kurt, benchmark_sharpe=0.02)
    psr = m.psr_from_moments(sr, n=n, skewness=skew, kurtosis=kurt, benchmark_sharpe=0.02)
    assert psr == pytest.approx(0.95, abs=1e-12)


def test_min_trl_is_infinite_when_the_sharpe_does_not_beat_the_benchmark():
    assert m.min_trl_from_moments(0.05, benchmark_sharpe=0.1) == math.inf


def test_psr_from_returns_uses_moment_skewness_and_kurtosis(realistic_returns):
    r = realistic_returns
    c = r - r.mean()
    g1 = np.mean(c**3) / np.mean(c**2) ** 1.5
    g2 = np.mean(c**4) / np.mean(c**2) ** 2
    sr = r.mean() / r.std(ddof=1)
    z = sr * math.sqrt(r.size - 1) / math.sqrt(1 - g1 * sr + (g2 - 1) / 4 * sr**2)
    assert m.probabilistic_sharpe_ratio(r) == pytest.approx(0.5 * math.erfc(-z / math.sqrt(2)))


def test_deflated_sharpe_with_one_trial_is_the_psr_against_zero(realistic_returns):
    assert m.deflated_sharpe_ratio(
        realistic_returns, n_trials=1, sharpe_variance=0.1
    ) == m.probabilistic_sharpe_ratio(realistic_returns)


def test_bootstrap_is_reproducible_with_a_seed_and_brackets_the_estimate(realistic_returns):
    a = m.bootstrap_sharpe_ci(realistic_returns, seed=11, n_resamples=400)
    b = m.bootstrap_sharpe_ci(realistic_returns, seed=11, n_resamples=400)
    assert a == b
    assert a.low < a.estimate < a.high
    assert a.estimate == m.sharpe_ratio(realistic_returns)


def _coverage(draw, interval, truth: float, trials: int) -> float:  # type: ignore[no-untyped-def]
    """The share of ``trials`` samples (``draw(rng)``) whose ``interval`` covers ``truth``."""
    rng = np.random.default_rng(2024)
    hits = 0
    for k in range(trials):
        ci = interval(draw(rng), seed=k)
        hits += ci.low <= truth <= ci.high
    return hits / trials


# Coverage is what a confidence interval promises: on samples from a known distribution, the
# 95 % interval holds the true value in about 95 % of them. With T trials the share has a
# binomial standard error sqrt(p(1-p)/T) (0.011 at T = 400); the percentile bootstrap
# covers a little less than nominal on small samples (Efron & Tibshirani 1993, ch. 13),
# hence bounds a little wider below than above.
@pytest.mark.parametrize(
    ("name", "draw", "truth"),
    [
        ("normal", lambda rng: rng.normal(3.0, 10.0, 120), 3.0),
        ("exponential", lambda rng: rng.exponential(2.0, 150), 2.0),  # skewed, as trade P&L
        ("student-t 3", lambda rng: rng.standard_t(3, 300) + 1.0, 1.0),  # heavy tails
    ],
)
def test_bootstrap_mean_interval_covers_the_true_mean_95_percent_of_the_time(name, draw, truth):
    def interval(x, seed):  # type: ignore[no-untyped-def]
        return m.bootstrap_mean_ci(x, seed=seed, n_resamples=600)

    share = _coverage(draw, interval, truth, trials=400)
    assert 0.91 <= share <= 0.98, f"{name}: {share:.3f}"


def test_bootstrap_mean_interval_coverage_follows_the_confidence_asked():
    def interval(x, seed):  # type: ignore[no-untyped-def]
        return m.bootstrap_mean_ci(x, seed=seed, n_resamples=600, confidence=0.8)

    share = _coverage(lambda rng: rng.normal(0.0, 1.0, 120), interval, 0.0, trials=400)
    assert 0.74 <= share <= 0.86, share  # standard error 0.02


def test_bootstrap_sharpe_interval_covers_the_true_sharpe_95_percent_of_the_time():
    # daily returns N(mu, sigma): the true (non-annualized) Sharpe ratio is mu / sigma, large
    # beside its standard error (about 1/sqrt(250)), so a wrong scale (annualizing by
    # sqrt(2), say) falls outside: coverage 0.69
    mu, sigma = 0.003, 0.01

    def interval(x, seed):  # type: ignore[no-untyped-def]
        return m.bootstrap_sharpe_ci(x, seed=seed, n_resamples=500, periods_per_year=1.0)

    share = _coverage(lambda rng: rng.normal(mu, sigma, 250), interval, mu / sigma, trials=300)
    assert 0.90 <= share <= 0.98, share  # standard error 0.013


def test_bootstrap_of_too_few_values_is_undefined():
    ci = m.bootstrap_sharpe_ci([0.01], seed=1)
    assert math.isnan(ci.low)
    assert math.isnan(ci.high)
    assert math.isnan(ci.estimate)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 1000, 8191, 8193, 70001])
def test_resample_kernel_gives_numpys_mean_and_std_bit_for_bit(n):
    # The bootstrap's compiled statistics must equal x[idx].mean / .std(ddof=1) exactly, so a
    # seed keeps giving the same interval; NumPy's pairwise summation is reproduced.
    from tradeperf.metrics._bootstrap_kernels import resample_kernel as _resample_kernel

    rng = np.random.default_rng(n)
    x = rng.standard_t(4, n) * 0.01 + 0.0003
    idx = rng.integers(0, n, size=(5, n))
    means, stds = _resample_kernel(x, idx, True)
    np.testing.assert_array_equal(means, x[idx].mean(axis=1))
    if n > 1:
        np.testing.assert_array_equal(stds, x[idx].std(axis=1, ddof=1))
