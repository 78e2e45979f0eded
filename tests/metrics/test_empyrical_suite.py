"""empyrical-reloaded's own test cases, run against the tradeperf functions of the same name.

Source: github.com/stefan-jansen/empyrical-reloaded, commit
efe60664f0abd957074b0751ef82228594a659a5 (2025-07-29), tests/test_stats.py (the cases) and
tests/conftest.py (the ``input_data`` series, copied below as data). Expected values are
empyrical's, to its 8 decimals (its ``DECIMAL_PLACES``), except where docs/metrics.md
("empyrical's test suite") documents a deliberate difference; those cases assert our
documented value and say why.

Adaptations that change no value: empyrical's ``period=DAILY/WEEKLY/MONTHLY/YEARLY`` is our
``periods_per_year=252/52/12/1``; a DataFrame case (``df_simple`` …) runs column by column;
a risk-free rate or target given as a series is subtracted from the returns first (ours take a
per-period scalar) and a constant series is passed as its scalar; a scalar benchmark is passed
as a constant series of the same length. Cases of empyrical functions tradeperf does not have
(``cum_returns`` series, ``aggregate_returns``, capture ratios, up/down alpha-beta, the rolling
alpha-beta and capture functions, ``gpd_risk_estimates``, ``batting_average``) are not run
here. ``roll_max_drawdown`` and ``roll_sharpe_ratio`` run against our ``rolling_max_drawdown``
and ``rolling_sharpe``, which return one value per period (NaN before the first full window,
as pandas) where empyrical returns the full windows only: we compare from the first window on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tradeperf import metrics as m

DECIMAL_PLACES = 8
NAN = np.nan
INF = np.inf
DAILY, WEEKLY, MONTHLY, YEARLY = 252.0, 52.0, 12.0, 1.0

# --- tests/conftest.py::input_data -------------------------------------------------------
_P = np.array
SIMPLE_BENCHMARK = _P([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]) / 100
POSITIVE = _P([1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]) / 100
NEGATIVE = _P([0.0, -6.0, -7.0, -1.0, -9.0, -2.0, -6.0, -8.0, -5.0]) / 100
ALL_NEGATIVE = _P([-2.0, -6.0, -7.0, -1.0, -9.0, -2.0, -6.0, -8.0, -5.0]) / 100
MIXED = _P([NAN, 1.0, 10.0, -4.0, 2.0, 3.0, 2.0, 1.0, -10.0]) / 100
# weekly_returns and monthly_returns: mixed_returns with 0.0 for the NaN, other frequencies
WEEKLY_RETURNS = _P([0.0, 1.0, 10.0, -4.0, 2.0, 3.0, 2.0, 1.0, -10.0]) / 100
MONTHLY_RETURNS = WEEKLY_RETURNS
ONE_RETURN = _P([1.0]) / 100
UDU = _P([10.0, -10.0, 10.0]) / 100
EMPTY = _P([], dtype=np.float64)
FLAT_LINE_1 = np.full(9, 0.01)
FLAT_LINE_1_TZ = np.linspace(0.01, 0.01, num=1000)
FLAT_LINE_YEARLY = _P([3.0, 3.0, 3.0]) / 100
POS_LINE = np.linspace(0, 1, num=1000)
ONE = [-0.00171614, 0.01322056, 0.03063862, -0.01422057, -0.00489779, 0.01268925, -0.03357711]
ONE = [*ONE, 0.01797036]
TWO = [0.01846232, 0.00793951, -0.01448395, 0.00422537, -0.00339611, 0.03756813, 0.0151531]
TWO = [*TWO, 0.03549769]
# simple_benchmark + rand.normal(0, 0.001, 9), replayed from conftest's RandomState(1337)
SIMPLE_BENCHMARK_W_NOISE = _P(
    [
        0.0018956092796903726,
        0.008545433715011456,
        -0.00015023062745035706,
        0.01181361243896894,
        -0.0013228661317248604,
        0.009966554343833102,
        -0.00021535163459847546,
        0.009473929130245593,
        1.401344260352469e-05,
    ]
)


def _conftest_random() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``noise``, ``noise_uniform``, ``random_100k``: conftest's draws from RandomState(1337)."""
    rand = np.random.RandomState(1337)
    noise = rand.normal(0, 0.001, 1000)
    noise_uniform = rand.uniform(-0.01, 0.01, 1000)
    return noise, noise_uniform, rand.randn(100_000)


NOISE, NOISE_UNIFORM, RANDOM_100K = _conftest_random()
FLAT_LINE_0 = np.zeros(1000)
NEG_LINE = np.linspace(0, -1, num=1000)


def daily(values: np.ndarray, start: str = "2000-01-30") -> pd.Series:
    """The series as conftest builds it: a daily DatetimeIndex from 2000-01-30."""
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"))


# Each case runs on a NumPy array and on the pandas Series empyrical's suite passes.
KINDS = [np.asarray, daily]


def assert_empyrical(actual: float, expected: float, decimal: int = DECIMAL_PLACES) -> None:
    np.testing.assert_almost_equal(actual, expected, decimal)


@pytest.fixture(params=KINDS, ids=["numpy", "pandas"])
def kind(request):
    return request.param


# --- test_simple_returns -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        (FLAT_LINE_1, [0.0] * 8),
        (POS_LINE, [INF] + [1 / n for n in range(1, 999)]),
    ],
    ids=["flat_line_1", "pos_line"],
)
def test_simple_returns(kind, prices, expected):
    np.testing.assert_almost_equal(m.simple_returns(kind(prices)), expected, 4)


# --- test_cum_returns_final (starting_value=0: tradeperf's cumulative_return) --------------
@pytest.mark.parametrize(
    ("returns", "expected"),
    [(EMPTY, NAN), (ONE_RETURN, 0.01), (MIXED, 0.03893), (NEGATIVE, -0.36590)],
    ids=["empty", "one_return", "mixed", "negative"],
)
def test_cum_returns_final(kind, returns, expected):
    assert_empyrical(m.cumulative_return(kind(returns)), expected, 4)


# --- test_max_drawdown ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "expected"),
    [
        (EMPTY, NAN),
        (ONE_RETURN, 0.0),
        (SIMPLE_BENCHMARK, 0.0),
        (MIXED, -0.1),
        (POSITIVE, -0.0),
        (NEGATIVE, -0.36590730),
        (ALL_NEGATIVE, -0.378589157),
        (UDU, -0.10),
    ],
    ids=["empty", "one", "simple_benchmark", "mixed", "positive", "negative", "all_neg", "udu"],
)
def test_max_drawdown(kind, returns, expected):
    assert_empyrical(m.max_drawdown(kind(returns)), expected)


# --- test_annual_ret -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "periods", "expected"),
    [
        (MIXED, DAILY, 1.9135925373194231),
        (WEEKLY_RETURNS, WEEKLY, 0.24690830513998208),
        (MONTHLY_RETURNS, MONTHLY, 0.052242061386048144),
    ],
    ids=["mixed", "weekly", "monthly"],
)
def test_annual_return(kind, returns, periods, expected):
    # mixed_returns starts with NaN: empyrical counts it as an elapsed period (9 periods)
    assert_empyrical(m.annual_return(kind(returns), periods_per_year=periods), expected)


# --- test_annual_volatility ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "periods", "expected"),
    [
        (FLAT_LINE_1_TZ, DAILY, 0.0),
        (MIXED, DAILY, 0.9136465399704637),
        (WEEKLY_RETURNS, WEEKLY, 0.38851569394870583),
        (MONTHLY_RETURNS, MONTHLY, 0.18663690238892558),
    ],
    ids=["flat_line_1_tz", "mixed", "weekly", "monthly"],
)
def test_annual_volatility(kind, returns, periods, expected):
    assert_empyrical(m.annual_volatility(kind(returns), periods_per_year=periods), expected)


# --- test_calmar ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "periods", "expected"),
    [
        (EMPTY, DAILY, NAN),
        (ONE_RETURN, DAILY, NAN),
        (MIXED, DAILY, 19.135925373194233),
        (WEEKLY_RETURNS, WEEKLY, 2.4690830513998208),
        (MONTHLY_RETURNS, MONTHLY, 0.52242061386048144),
    ],
    ids=["empty", "one_return", "mixed", "weekly", "monthly"],
)
def test_calmar(kind, returns, periods, expected):
    assert_empyrical(m.calmar_ratio(kind(returns), periods_per_year=periods), expected)


# --- test_omega ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "risk_free", "required_return", "expected"),
    [
        (EMPTY, 0.0, 0.0, NAN),
        (ONE_RETURN, 0.0, 0.0, NAN),
        (MIXED, 0.0, 10.0, 0.83354263497557934),
        (MIXED, 0.0, -10.0, NAN),
        (MIXED, 0.01, 0.0, 0.8125),  # risk_free = flat_line_1, a constant 0.01
        (POSITIVE, 0.01, 0.0, NAN),
        (POSITIVE, 0.011, 0.0, 1.125),
        (POSITIVE, 0.02, 0.0, 0.0),
        (NEGATIVE, 0.01, 0.0, 0.0),
    ],
)
def test_omega(kind, returns, risk_free, required_return, expected):
    observed = m.omega_ratio(kind(returns), risk_free=risk_free, required_return=required_return)
    assert_empyrical(observed, expected)


# --- test_sharpe_ratio ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "expected"),
    [
        (EMPTY, NAN),
        (ONE_RETURN, NAN),
        (MIXED - MIXED, NAN),  # risk_free = mixed_returns
        (MIXED, 1.7238613961706866),
        (MIXED - SIMPLE_BENCHMARK, 0.34111411441060574),  # risk_free = simple_benchmark
        (POSITIVE, 52.915026221291804),
        (NEGATIVE, -24.406808633910085),
        (FLAT_LINE_1, INF),
    ],
    ids=["empty", "one", "rf_mixed", "mixed", "rf_benchmark", "positive", "negative", "flat"],
)
def test_sharpe_ratio(kind, returns, expected):
    assert_empyrical(m.sharpe_ratio(kind(returns)), expected)


# --- test_downside_risk --------------------------------------------------------------------
DOWNSIDE_RISK_CASES = [
    (EMPTY, 0.0, DAILY, NAN),
    (ONE_RETURN, 0.0, DAILY, 0.0),
    (MIXED - MIXED, 0.0, DAILY, 0.0),  # required_return = mixed_returns
    (MIXED, 0.0, DAILY, 0.60448325038829653),
    (MIXED, 0.1, DAILY, 1.7161730681956295),
    (WEEKLY_RETURNS, 0.0, WEEKLY, 0.25888650451930134),
    (WEEKLY_RETURNS, 0.1, WEEKLY, 0.7733045971672482),
    (MONTHLY_RETURNS, 0.0, MONTHLY, 0.1243650540411842),
    (MONTHLY_RETURNS, 0.1, MONTHLY, 0.37148351242013422),
    (_P(ONE), 0.0, DAILY, 0.20671788246185202),  # df_simple["one"]
    (_P(TWO), 0.0, DAILY, 0.083495680595704475),  # df_simple["two"]
    (_P(ONE), 0.0, WEEKLY, 0.093902996054410062),  # df_week
    (_P(TWO), 0.0, WEEKLY, 0.037928477556776516),
    (_P(ONE), 0.0, MONTHLY, 0.045109540184877193),  # df_month
    (_P(TWO), 0.0, MONTHLY, 0.018220251263412916),
]


@pytest.mark.parametrize(("returns", "required_return", "periods", "expected"), DOWNSIDE_RISK_CASES)
def test_downside_risk(kind, returns, required_return, periods, expected):
    observed = m.downside_risk(
        kind(returns), required_return=required_return, periods_per_year=periods
    )
    assert_empyrical(observed, expected)


def test_downside_risk_defaults_are_daily_and_zero_target():
    assert_empyrical(m.downside_risk(MIXED), 0.60448325038829653)


# --- test_sortino --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "required_return", "periods", "expected"),
    [
        (EMPTY, 0.0, DAILY, NAN),
        (ONE_RETURN, 0.0, DAILY, NAN),
        (MIXED - MIXED, 0.0, DAILY, NAN),  # required_return = mixed_returns
        (MIXED, 0.0, DAILY, 2.605531251673693),
        (MIXED, 0.01, DAILY, -1.3934779588919977),  # required_return = flat_line_1
        (POSITIVE, 0.0, DAILY, INF),
        (NEGATIVE, 0.0, DAILY, -13.532743075043401),
        (SIMPLE_BENCHMARK, 0.0, DAILY, INF),
        (WEEKLY_RETURNS, 0.0, WEEKLY, 1.1158901056866439),
        (MONTHLY_RETURNS, 0.0, MONTHLY, 0.53605626741889756),
        (_P(ONE), 0.0, DAILY, 3.0639640966566306),  # df_simple
        (_P(TWO), 0.0, DAILY, 38.090963117002495),
        (_P(ONE), 0.0, WEEKLY, 1.3918264112070571),  # df_week
        (_P(TWO), 0.0, WEEKLY, 17.303077589064618),
        (_P(ONE), 0.0, MONTHLY, 0.6686117809312383),  # df_month
        (_P(TWO), 0.0, MONTHLY, 8.3121296084492844),
    ],
)
def test_sortino(kind, returns, required_return, periods, expected):
    observed = m.sortino_ratio(
        kind(returns), required_return=required_return, periods_per_year=periods
    )
    assert_empyrical(observed, expected)


# --- test_excess_sharpe --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "benchmark", "expected"),
    [
        (EMPTY, EMPTY, NAN),  # factor_returns 0.0
        (ONE_RETURN, np.zeros(1), NAN),
        (POS_LINE, POS_LINE, NAN),
        (MIXED, np.zeros(9), 0.10859306069076737),
        (MIXED, FLAT_LINE_1, -0.06515583641446039),
    ],
    ids=["empty", "one_return", "pos_line", "mixed_vs_0", "mixed_vs_flat_line_1"],
)
def test_excess_sharpe(kind, returns, benchmark, expected):
    assert_empyrical(m.excess_sharpe(kind(returns), kind(benchmark)), expected)


# --- test_alpha_beta, test_alpha, test_alpha_beta_equality ---------------------------------
ALPHA_BETA_CASES = [
    (daily(EMPTY), daily(SIMPLE_BENCHMARK), (NAN, NAN)),
    (daily(ONE_RETURN), daily(ONE_RETURN), (NAN, NAN)),
    # negative_returns[1:]: empyrical pairs the two on their dates (inner join)
    (daily(MIXED), daily(NEGATIVE)[1:], (-0.9997853834885004, -0.71296296296296313)),
    (daily(MIXED), daily(MIXED), (0.0, 1.0)),
    (daily(MIXED), -daily(MIXED), (0.0, -1.0)),
]


@pytest.mark.parametrize(
    ("returns", "benchmark", "expected"),
    ALPHA_BETA_CASES,
    ids=["empty_vs_benchmark", "one", "mixed_vs_negative[1:]", "mixed", "-mixed"],
)
def test_alpha_beta(returns, benchmark, expected):
    alpha, beta = m.alpha_beta(returns, benchmark)
    assert_empyrical(alpha, expected[0])
    assert_empyrical(beta, expected[1])


def test_alpha_beta_pairs_pandas_series_of_different_lengths_on_their_dates():
    shifted = daily(NEGATIVE[1:], start="2000-01-31")  # the dates of negative_returns[1:]
    expected = m.alpha_beta(MIXED[1:], NEGATIVE[1:])
    assert m.alpha_beta(daily(MIXED), shifted) == pytest.approx(expected, rel=1e-12)


def test_alpha_beta_pairs_pandas_series_on_their_dates_not_their_positions():
    import empyrical as ep

    r = daily(MIXED)
    # same length (8), one day later: 7 common dates, not 8 positions
    later = daily(NEGATIVE[:8], start="2000-02-01")
    observed = m.alpha_beta(r[1:], later)
    assert observed == pytest.approx(m.alpha_beta(MIXED[2:], NEGATIVE[:7]), rel=1e-12)
    assert observed == pytest.approx(ep.alpha_beta(r[1:], later), rel=1e-12)
    assert m.excess_sharpe(r[1:], later) == pytest.approx(ep.excess_sharpe(r[1:], later))


def test_arrays_are_paired_by_position_and_must_have_one_length():
    alpha, beta = m.alpha_beta(MIXED[1:], NEGATIVE[1:])
    assert_empyrical(alpha, -0.9997853834885004)
    assert_empyrical(beta, -0.71296296296296313)
    with pytest.raises(ValueError, match="length"):
        m.alpha_beta(MIXED, NEGATIVE[1:])
    with pytest.raises(ValueError, match="length"):
        m.alpha_beta(daily(MIXED), NEGATIVE[1:])


# --- test_beta -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "benchmark", "expected", "decimal"),
    [
        (EMPTY, SIMPLE_BENCHMARK, NAN, DECIMAL_PLACES),
        (ONE_RETURN, ONE_RETURN, NAN, DECIMAL_PLACES),
        (NOISE, NOISE, 1.0, DECIMAL_PLACES),
        (2 * NOISE, NOISE, 2.0, DECIMAL_PLACES),
        (NOISE, -NOISE, -1.0, DECIMAL_PLACES),
        (2 * NOISE, -NOISE, -2.0, DECIMAL_PLACES),
        (SIMPLE_BENCHMARK_W_NOISE, SIMPLE_BENCHMARK, 1.0, 2),  # simple_benchmark_df's column
    ],
    ids=["empty", "one", "noise", "2noise", "inv_noise", "2inv_noise", "benchmark_w_noise"],
)
def test_beta(returns, benchmark, expected, decimal):
    # empyrical's array suite calls beta_aligned; the pandas suite aligns on dates first
    assert_empyrical(m.alpha_beta(daily(returns), daily(benchmark))[1], expected, decimal)


# --- test_alpha_beta_translation -----------------------------------------------------------
@pytest.mark.parametrize(("mean_returns", "translation"), [(0, 0.001), (0.01, 0.001)])
def test_alpha_beta_translation(mean_returns, translation):
    std_r, std_b, corr = 0.01, 0.001, 0.8
    covs = [[std_r**2, std_r * std_b * corr], [std_r * std_b * corr, std_b**2]]
    ret, bench = (
        np.random.RandomState(1337).multivariate_normal([mean_returns, 0.001], covs, 1000).T
    )
    a_down, b_down = m.alpha_beta(ret - translation, bench)
    a_std, b_std = m.alpha_beta(ret, bench)
    a_up, b_up = m.alpha_beta(ret + translation, bench)
    assert_empyrical((a_std + 1) ** (1 / 252) - (a_down + 1) ** (1 / 252), translation)
    assert_empyrical((a_up + 1) ** (1 / 252) - (a_std + 1) ** (1 / 252), translation)
    assert_empyrical(b_std, b_down)
    assert_empyrical(b_std, b_up)


# --- test_stability_of_timeseries ----------------------------------------------------------
@pytest.mark.parametrize(
    ("returns", "expected"),
    [(EMPTY, NAN), (ONE_RETURN, NAN), (MIXED, 0.1529973665111273), (FLAT_LINE_1_TZ, 1.0)],
    ids=["empty", "one_return", "mixed", "flat_line_1_tz"],
)
def test_stability(kind, returns, expected):
    assert_empyrical(m.stability(kind(returns)), expected)


# --- test_tail_ratio -----------------------------------------------------------------------
# empyrical checks 1 decimal only: its own tail_ratio(mixed_returns) is 0.95570 (as ours), not
# the 0.947368 written in its test.
@pytest.mark.parametrize(
    ("returns", "expected"),
    [(EMPTY, NAN), (ONE_RETURN, 1.0), (MIXED, 0.9473684210526313), (RANDOM_100K, 1.0)],
    ids=["empty", "one_return", "mixed", "random_100k"],
)
def test_tail_ratio(kind, returns, expected):
    assert_empyrical(m.tail_ratio(kind(returns)), expected, 1)


# --- test_cagr -----------------------------------------------------------------------------
# Deliberate difference (docs/metrics.md, "cagr"): tradeperf's cagr counts only the non-NaN
# periods as elapsed time, so mixed_returns (a NaN, then 8 returns) compounds over 8 daily
# periods; empyrical counts 9 and gives 1.9135925373194231, which our annual_return returns.
MIXED_CAGR_OVER_8_PERIODS = float(np.prod(1 + MIXED[1:]) ** (252 / 8) - 1)


@pytest.mark.parametrize(
    ("returns", "periods", "expected"),
    [
        (EMPTY, DAILY, NAN),
        (ONE_RETURN, DAILY, 11.274002099240244),
        (MIXED, DAILY, MIXED_CAGR_OVER_8_PERIODS),
        (FLAT_LINE_1_TZ, DAILY, 11.274002099240256),
        (FLAT_LINE_YEARLY, YEARLY, 0.03),
    ],
    ids=["empty", "one_return", "mixed", "flat_line_1_tz", "flat_line_yearly"],
)
def test_cagr(kind, returns, periods, expected):
    assert_empyrical(m.cagr(kind(returns), periods_per_year=periods), expected)


def test_cagr_and_annual_return_differ_only_when_a_period_is_nan():
    assert m.cagr(MIXED) == pytest.approx(2.33029, abs=5e-6)  # the value docs/metrics.md gives
    assert m.cagr(MIXED) != pytest.approx(m.annual_return(MIXED))
    assert m.cagr(MIXED[1:]) == m.annual_return(MIXED[1:])


def test_annual_return_of_only_nan_is_nan_not_empyricals_zero():
    assert np.isnan(m.annual_return([NAN, NAN]))
    assert np.isnan(m.calmar_ratio([NAN, NAN]))


# --- test_roll_max_drawdown, test_roll_sharpe_ratio (window 6) ----------------------------
@pytest.mark.parametrize(
    ("returns", "expected"),
    [(EMPTY, []), (NEGATIVE, [-0.2282, -0.2745, -0.2899, -0.2747])],
    ids=["empty", "negative"],
)
def test_roll_max_drawdown(kind, returns, expected):
    observed = m.rolling_max_drawdown(kind(returns), 6)
    np.testing.assert_almost_equal(observed[5:], expected, 4)  # empyrical checks 4 decimals


@pytest.mark.parametrize(
    ("returns", "min_periods", "expected"),
    [
        (EMPTY, None, []),
        (NEGATIVE, None, [-18.09162052, -26.79897486, -26.69138263, -25.72298838]),
        (MIXED, 5, [7.57445259, 8.22784105, 8.22784105, -3.1374751]),
        # Deliberate difference (docs/metrics.md, "empyrical's own test suite"): a window needs
        # min_periods valid values, by default the window length, as pandas; empyrical computes
        # the first window of mixed_returns (a NaN and 5 returns) on its 5 returns.
        (MIXED, None, [NAN, 8.22784105, 8.22784105, -3.1374751]),
    ],
    ids=["empty", "negative", "mixed_min_periods_5", "mixed"],
)
def test_roll_sharpe_ratio(kind, returns, min_periods, expected):
    observed = m.rolling_sharpe(kind(returns), 6, min_periods=min_periods)
    np.testing.assert_almost_equal(observed[5:], expected, DECIMAL_PLACES)


# --- test_value_at_risk --------------------------------------------------------------------
def test_value_at_risk():
    returns = [1.0, 2.0]
    assert_empyrical(m.value_at_risk(returns, cutoff=0.0), 1.0)
    assert_empyrical(m.value_at_risk(returns, cutoff=0.3), 1.3)
    assert_empyrical(m.value_at_risk(returns, cutoff=1.0), 2.0)

    returns = [1, 81, 82, 83, 84, 85]
    assert_empyrical(m.value_at_risk(returns, cutoff=0.1), 41)
    assert_empyrical(m.value_at_risk(returns, cutoff=0.2), 81)
    assert_empyrical(m.value_at_risk(returns, cutoff=0.3), 81.5)

    # empyrical draws these from its module-level RandomState; any 21 values test the same
    returns = np.random.RandomState(1337).normal(0, 0.02, 21)
    for cutoff in (0, 0.0499, 0.05, 0.20, 0.999, 1):
        assert_empyrical(
            m.value_at_risk(returns, cutoff=cutoff), np.percentile(returns, cutoff * 100)
        )


# --- test_conditional_value_at_risk --------------------------------------------------------
def test_conditional_value_at_risk():
    rand = np.random.RandomState(1337)
    returns = rand.normal(0, 0.02, 1)
    assert_empyrical(m.conditional_value_at_risk(returns, cutoff=0), returns[0])
    assert_empyrical(m.conditional_value_at_risk(returns, cutoff=1), returns[0])

    returns = rand.normal(0, 0.02, 21)
    for cutoff in (0, 0.0499, 0.05, 0.20, 0.999, 1):
        var = m.value_at_risk(returns, cutoff=cutoff)
        expected = np.mean(returns[returns <= var])
        assert_empyrical(m.conditional_value_at_risk(returns, cutoff=cutoff), expected)


# --- beyond empyrical: the parametric methods at the ends of [0, 1] ------------------------
@pytest.mark.parametrize("method", ["gaussian", "cornish_fisher"])
def test_parametric_var_and_cvar_at_the_ends_are_their_limits(method):
    returns = np.random.RandomState(1337).normal(0, 0.02, 21)
    mean = float(np.mean(returns))
    var_0 = m.value_at_risk(returns, cutoff=0.0, method=method)
    var_1 = m.value_at_risk(returns, cutoff=1.0, method=method)
    # infinite, with the sign the quantile takes near the end (the Cornish-Fisher cubic is
    # not monotone on this sample: near 0 it is positive, and its limit is +inf)
    assert np.isinf(var_0)
    assert np.isinf(var_1)
    assert np.sign(var_0) == np.sign(m.value_at_risk(returns, cutoff=1e-12, method=method))
    assert np.sign(var_1) == np.sign(m.value_at_risk(returns, cutoff=1 - 1e-12, method=method))
    if method == "gaussian":
        assert (var_0, var_1) == (-np.inf, np.inf)
    assert m.conditional_value_at_risk(returns, cutoff=0.0, method=method) == var_0
    cvar_1 = m.conditional_value_at_risk(returns, cutoff=1.0, method=method)
    assert cvar_1 == pytest.approx(mean, abs=1e-15)
    cvar_near_1 = m.conditional_value_at_risk(returns, cutoff=1 - 1e-9, method=method)
    assert cvar_near_1 == pytest.approx(mean, abs=1e-8)


def test_a_cutoff_outside_zero_to_one_still_raises():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.value_at_risk([0.01, -0.02], cutoff=1.5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        m.conditional_value_at_risk([0.01, -0.02], cutoff=-0.1)


def test_downside_deviation_is_empyricals_downside_risk():
    assert m.downside_deviation is m.downside_risk
    assert m.get_figure("downside_deviation").function is m.downside_risk


def test_the_cagr_figure_keeps_counting_only_non_nan_periods():
    assert m.get_figure("cagr").function is m.cagr


# --- empyrical's property tests (the same draws; its module-level RandomState where noted) --
@pytest.mark.parametrize(
    ("returns", "constant"),
    [(NOISE, 0.0001), (NOISE, 0.001), (NOISE_UNIFORM, 0.01), (NOISE_UNIFORM, 0.1)],
)
def test_max_drawdown_translation(returns, constant):
    max_dd = m.max_drawdown(returns)
    assert max_dd <= m.max_drawdown(returns + constant)
    assert m.max_drawdown(returns - constant) <= max_dd


@pytest.mark.parametrize(
    ("returns", "less", "more"), [(NOISE_UNIFORM, 0.0, 0.001), (NOISE, 0.001, 0.002)]
)
def test_omega_returns(returns, less, more):
    # empyrical passes the value positionally, i.e. as risk_free
    assert m.omega_ratio(returns, risk_free=less) > m.omega_ratio(returns, risk_free=more)


@pytest.mark.parametrize(("risk_free", "translation"), [(0, 0.005), (0.005, 0.005)])
def test_sharpe_translation_same(risk_free, translation):
    r = NOISE_UNIFORM
    sr = m.sharpe_ratio(r, risk_free=risk_free)
    lower = m.sharpe_ratio(r - translation, risk_free=risk_free - translation)
    higher = m.sharpe_ratio(r + translation, risk_free=risk_free + translation)
    assert_empyrical(sr, lower)
    assert_empyrical(sr, higher)


@pytest.mark.parametrize(
    ("risk_free", "t_returns", "t_rf"), [(0, 0.0002, 0.0001), (0.005, 0.0001, 0.0002)]
)
def test_sharpe_translation_diff(risk_free, t_returns, t_rf):
    r = NOISE_UNIFORM
    sr = m.sharpe_ratio(r, risk_free=risk_free)
    assert sr != m.sharpe_ratio(r - t_returns, risk_free=risk_free - t_rf)
    assert sr != m.sharpe_ratio(r + t_returns, risk_free=risk_free + t_rf)


@pytest.mark.parametrize("returns", [NOISE_UNIFORM, NOISE])
def test_sharpe_translation_1(returns):
    sr = m.sharpe_ratio(returns)
    assert m.sharpe_ratio(returns, risk_free=-0.005) > sr > m.sharpe_ratio(returns, risk_free=0.005)


@pytest.mark.parametrize(("small", "large"), [(0.001, 0.002), (0.01, 0.02)])
def test_sharpe_noise(small, large):
    rand = np.random.RandomState(1337)  # empyrical: its module-level RandomState
    smaller, larger = rand.normal(0.01, small, 1000), rand.normal(0.01, large, 1000)
    assert m.sharpe_ratio(smaller, risk_free=0.001) > m.sharpe_ratio(larger, risk_free=0.001)


@pytest.mark.parametrize("noise", [NOISE, NOISE_UNIFORM], ids=["noise", "noise_uniform"])
def test_downside_risk_noisy(noise):
    # noise for the first 250/500/750 periods, flat_line_0 after; the target is flat_line_0
    risks = [m.downside_risk(np.concatenate((noise[:k], FLAT_LINE_0[k:]))) for k in (250, 500, 750)]
    assert risks[0] <= risks[1] <= risks[2]


@pytest.mark.parametrize("returns", [NOISE, NOISE_UNIFORM], ids=["noise", "noise_uniform"])
def test_downside_risk_trans(returns):
    risks = [m.downside_risk(returns, required_return=t) for t in (-0.005, 0.0, 0.005)]
    assert risks[0] <= risks[1] <= risks[2]


@pytest.mark.parametrize(("smaller", "larger"), [(0.001, 0.002), (0.001, 0.01), (0, 0.001)])
def test_downside_risk_std(smaller, larger):
    rand = np.random.RandomState(1337)
    less = rand.normal(0, smaller, 1000) if smaller else np.zeros(1000)
    more = rand.normal(0, larger, 1000) if larger else np.zeros(1000)
    assert m.downside_risk(less) < m.downside_risk(more)


@pytest.mark.parametrize("returns", [NOISE_UNIFORM, NOISE], ids=["noise_uniform", "noise"])
def test_sortino_add_noise(returns):
    returns = returns.copy()
    sr_1 = m.sortino_ratio(returns)
    upside = np.flatnonzero(returns > 0)
    loss_at = np.random.RandomState(1337).choice(upside, 2)
    returns[loss_at[0]] = -0.01
    sr_2 = m.sortino_ratio(returns)
    returns[loss_at[1]] = -0.01
    sr_3 = m.sortino_ratio(returns)
    assert sr_1 > sr_2 > sr_3


@pytest.mark.parametrize("returns", [NOISE_UNIFORM, NOISE], ids=["noise_uniform", "noise"])
def test_sortino_sub_noise(returns):
    returns = returns.copy()
    sr_1 = m.sortino_ratio(returns)
    downside = np.flatnonzero(returns < 0)
    lift_at = np.random.RandomState(1337).choice(downside, 2)
    returns[lift_at[0]] = 0.0
    sr_2 = m.sortino_ratio(returns)
    returns[lift_at[1]] = 0.0
    sr_3 = m.sortino_ratio(returns)
    assert sr_1 <= sr_2 <= sr_3


@pytest.mark.parametrize(("target", "translation"), [(0, 0.005), (0.005, 0.005)])
def test_sortino_translation_same(target, translation):
    r = NOISE_UNIFORM
    sr = m.sortino_ratio(r, required_return=target)
    lower = m.sortino_ratio(r - translation, required_return=target - translation)
    higher = m.sortino_ratio(r + translation, required_return=target + translation)
    assert_empyrical(sr, lower)
    assert_empyrical(sr, higher)


@pytest.mark.parametrize(("target", "t_returns", "t_target"), [(0, 0, 0.001), (0.005, 0.001, 0)])
def test_sortino_translation_diff(target, t_returns, t_target):
    r = NOISE_UNIFORM
    sr = m.sortino_ratio(r, required_return=target)
    assert sr != m.sortino_ratio(r - t_returns, required_return=target - t_target)
    assert sr != m.sortino_ratio(r + t_returns, required_return=target + t_target)


@pytest.mark.parametrize(
    "returns", [FLAT_LINE_0, FLAT_LINE_1_TZ, NOISE], ids=["flat_line_0", "flat_line_1_tz", "noise"]
)
def test_excess_sharpe_noisy(returns):
    # returns for the first 250/500/750 periods, then returns + benchmark (fill_value=0 adds
    # the benchmark alone where returns are missing): the benchmark itself after k
    b = POS_LINE
    irs = [m.excess_sharpe(np.concatenate((returns[:k], b[k:])), b) for k in (250, 500, 750)]
    assert abs(irs[0]) < abs(irs[1]) < abs(irs[2])


@pytest.mark.parametrize(
    ("returns", "noise"),
    [(POS_LINE, NOISE), (POS_LINE, -NOISE), (NEG_LINE, NOISE), (NEG_LINE, -NOISE)],
    ids=["pos_noise", "pos_inv_noise", "neg_noise", "neg_inv_noise"],
)
def test_excess_sharpe_trans(returns, noise):
    ir = m.excess_sharpe(returns + noise, returns)
    assert m.excess_sharpe(returns + noise - FLAT_LINE_1_TZ, returns) < ir
    assert ir < m.excess_sharpe(returns + noise + FLAT_LINE_1_TZ, returns)


@pytest.mark.parametrize("returns", [NOISE, NOISE_UNIFORM], ids=["noise", "noise_uniform"])
def test_cagr_translation(returns):
    assert m.cagr(returns - 0.01) < m.cagr(returns) < m.cagr(returns + 0.01)


@pytest.mark.parametrize(
    ("returns", "noise"),
    [(POS_LINE, NOISE), (POS_LINE, NOISE_UNIFORM), (FLAT_LINE_1_TZ, NOISE)],
    ids=["pos_line_noise", "pos_line_noise_uniform", "flat_line_1_tz_noise"],
)
def test_cagr_noisy(returns, noise):
    cagr = m.cagr(returns)
    np.testing.assert_approx_equal(cagr, m.cagr(returns + noise), 1)
    np.testing.assert_approx_equal(cagr, m.cagr(returns - noise), 1)


def test_alpha_beta_correlation():
    rand = np.random.RandomState(1337)

    def draw(corr: float) -> tuple[np.ndarray, np.ndarray]:
        cov = [[0.01**2, 0.01 * 0.001 * corr], [0.01 * 0.001 * corr, 0.001**2]]
        r, b = rand.multivariate_normal([0.01, 0.001], cov, 1000).T
        return r, b

    alpha_less, beta_less = m.alpha_beta(*draw(0.1))
    alpha_more, beta_more = m.alpha_beta(*draw(0.9))
    assert alpha_less > alpha_more
    assert beta_less < beta_more
