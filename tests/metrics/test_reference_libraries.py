"""Figures sharing a name with empyrical-reloaded / quantstats give their values.

Equal to 1e-9 relative where definitions agree; where they differ, equal after the documented
transformation (docs/metrics.md).
"""

from __future__ import annotations

import warnings

import empyrical as ep
import numpy as np
import pytest
import quantstats as qs
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tests.metrics.conftest import as_series
from tradeperf import metrics as m

RTOL = 1e-9

returns_arrays = (
    arrays(
        np.float64,
        st.integers(min_value=3, max_value=300),
        elements=st.floats(min_value=-0.3, max_value=0.3, allow_nan=False, width=64),
    )
    .map(lambda a: np.round(a, 6))
    .filter(lambda a: np.ptp(a) > 1e-6)
)
# Rounded to 1e-6 so that no drawdown is a rounding residue (a 1e-10 drawdown makes the Calmar
# ratio ill-conditioned in both libraries alike).


def close(a: float, b: float) -> bool:
    a, b = float(a), float(b)
    if np.isnan(a) or np.isnan(b):
        return bool(np.isnan(a) and np.isnan(b))
    if np.isinf(a) or np.isinf(b):
        return a == b
    return bool(np.isclose(a, b, rtol=RTOL, atol=1e-12))


EMPYRICAL_SAME = [
    (m.sharpe_ratio, ep.sharpe_ratio),
    (m.sortino_ratio, ep.sortino_ratio),
    (m.annual_volatility, ep.annual_volatility),
    (m.annual_return, ep.annual_return),
    (m.cagr, ep.cagr),
    (m.calmar_ratio, ep.calmar_ratio),
    (m.max_drawdown, ep.max_drawdown),
    (m.tail_ratio, ep.tail_ratio),
    (m.value_at_risk, ep.value_at_risk),
    (m.conditional_value_at_risk, ep.conditional_value_at_risk),
    (m.omega_ratio, ep.omega_ratio),
    (m.stability, ep.stability_of_timeseries),
    (m.cumulative_return, ep.cum_returns_final),
    (m.downside_deviation, ep.downside_risk),
]


def _ep(fn, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@pytest.mark.parametrize(("ours", "theirs"), EMPYRICAL_SAME, ids=lambda f: f.__name__)
def test_matches_empyrical_on_realistic_series(ours, theirs, realistic_returns):
    assert close(ours(realistic_returns), _ep(theirs, realistic_returns))


@settings(max_examples=150, deadline=None)
@given(r=returns_arrays)
def test_matches_empyrical_on_generated_series(r):
    for ours, theirs in EMPYRICAL_SAME:
        assert close(ours(r), _ep(theirs, r)), ours.__name__


@settings(max_examples=100, deadline=None)
@given(r=returns_arrays, rf=st.floats(-0.001, 0.001), target=st.floats(-0.01, 0.01))
def test_matches_empyrical_with_risk_free_and_target(r, rf, target):
    assert close(m.sharpe_ratio(r, risk_free=rf), _ep(ep.sharpe_ratio, r, risk_free=rf))
    assert close(
        m.sortino_ratio(r, required_return=target, periods_per_year=12),
        _ep(ep.sortino_ratio, r, required_return=target, annualization=12),
    )
    assert close(
        m.omega_ratio(r, risk_free=rf, required_return=0.05),
        _ep(ep.omega_ratio, r, risk_free=rf, required_return=0.05),
    )


@settings(max_examples=100, deadline=None)
@given(r=returns_arrays, seed=st.integers(0, 2**32 - 1))
def test_benchmark_figures_match_empyrical(r, seed):
    b = 0.5 * r + np.random.default_rng(seed).normal(0, 0.01, r.size)
    alpha, beta = m.alpha_beta(r, b)
    e_alpha, e_beta = _ep(ep.alpha_beta, r, b)
    assert close(alpha, e_alpha)
    assert close(beta, e_beta)
    assert close(m.excess_sharpe(r, b), _ep(ep.excess_sharpe, r, b))


def test_underwater_matches_empyrical_drawdown_series(realistic_returns):
    np.testing.assert_allclose(
        m.underwater(realistic_returns), ep.stats.drawdown_series(realistic_returns), rtol=RTOL
    )


def _qs(fn, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@settings(max_examples=60, deadline=None)
@given(r=returns_arrays)
def test_matches_quantstats_where_definitions_agree(r):
    s = as_series(r)
    assert close(m.sharpe_ratio(r), _qs(qs.stats.sharpe, s))
    assert close(m.annual_volatility(r), _qs(qs.stats.volatility, s))
    assert close(m.cagr(r), _qs(qs.stats.cagr, s))
    assert close(m.max_drawdown(r), _qs(qs.stats.max_drawdown, s))
    assert close(m.skewness(r), _qs(qs.stats.skew, s))
    assert close(m.excess_kurtosis(r), _qs(qs.stats.kurtosis, s))
    assert close(m.value_at_risk(r, method="gaussian"), _qs(qs.stats.value_at_risk, s))
    assert close(
        m.conditional_value_at_risk(r, method="gaussian"),
        _qs(qs.stats.conditional_value_at_risk, s),
    )
    if (r < 0).any():
        assert close(m.sortino_ratio(r), _qs(qs.stats.sortino, s))


@settings(max_examples=60, deadline=None)
@given(r=returns_arrays)
def test_quantstats_ulcer_index_divides_by_n_minus_one(r):
    n = r.size
    assert close(m.ulcer_index(r) * np.sqrt(n / (n - 1)), _qs(qs.stats.ulcer_index, as_series(r)))


def test_quantstats_psr_uses_bias_adjusted_moments(realistic_returns):
    r = realistic_returns
    sr = np.mean(r) / np.std(r, ddof=1)
    expected = m.psr_from_moments(
        sr, n=r.size, skewness=m.skewness(r), kurtosis=m.excess_kurtosis(r) + 3
    )
    assert close(expected, _qs(qs.stats.probabilistic_sharpe_ratio, as_series(r)))


def test_sortino_without_shortfall_is_inf_here_and_nan_in_quantstats():
    r = np.array([0.01, 0.02, 0.005])
    assert m.sortino_ratio(r) == np.inf
    assert np.isnan(_qs(qs.stats.sortino, as_series(r)))
