"""Benchmark: tradeperf.metrics full set vs quantstats `reports.metrics(mode="full")` and empyrical.

Run ``python bench/metrics.py``. Series: 10 years of daily returns and 1 year of minute returns
(seeded). Prints one table with wall times and the speed-up over quantstats (goal >= 20x).
"""

from __future__ import annotations

import time
import warnings

import empyrical as ep
import numpy as np
import pandas as pd
import quantstats as qs

from tradeperf import metrics as m


def full_set(r: np.ndarray, b: np.ndarray, periods: float, window: int) -> dict[str, object]:
    """Every figure of the issue on one return series (trade statistics on the returns too)."""
    out: dict[str, object] = {
        "cumulative_return": m.cumulative_return(r),
        "cagr": m.cagr(r, periods_per_year=periods),
        "annual_volatility": m.annual_volatility(r, periods_per_year=periods),
        "sharpe": m.sharpe_ratio(r, periods_per_year=periods),
        "sortino": m.sortino_ratio(r, periods_per_year=periods),
        "calmar": m.calmar_ratio(r, periods_per_year=periods),
        "omega": m.omega_ratio(r, periods_per_year=periods),
        "tail_ratio": m.tail_ratio(r),
        "stability": m.stability(r),
        "information_ratio": m.information_ratio(r, b),
        "alpha_beta": m.alpha_beta(r, b, periods_per_year=periods),
        "tracking_error": m.tracking_error(r, b, periods_per_year=periods),
        "max_drawdown": m.max_drawdown(r),
        "underwater": m.underwater(r),
        "drawdown_periods": m.drawdown_periods(r, top=5),
        "ulcer_index": m.ulcer_index(r),
        "time_to_recovery": m.time_to_recovery(r),
        "skewness": m.skewness(r),
        "excess_kurtosis": m.excess_kurtosis(r),
        "psr": m.probabilistic_sharpe_ratio(r),
        "dsr": m.deflated_sharpe_ratio(r, n_trials=20, sharpe_variance=1e-4),
        "min_trl": m.minimum_track_record_length(r),
        "bootstrap_sharpe": m.bootstrap_sharpe_ci(r, n_resamples=200, seed=1),
        "rolling_sharpe": m.rolling_sharpe(r, window, periods_per_year=periods),
        "rolling_volatility": m.rolling_volatility(r, window, periods_per_year=periods),
        "rolling_max_drawdown": m.rolling_max_drawdown(r, window),
        "win_rate": m.win_rate(r),
        "profit_factor": m.profit_factor(r),
        "payoff_ratio": m.payoff_ratio(r),
        "expectancy": m.expectancy(r),
        "sqn": m.sqn(r),
        "kelly": m.kelly_fraction(r),
        "streaks": m.longest_streaks(r),
    }
    for method in ("historical", "gaussian", "cornish_fisher"):
        out[f"var_{method}"] = m.value_at_risk(r, method=method)
        out[f"cvar_{method}"] = m.conditional_value_at_risk(r, method=method)
    return out


def empyrical_set(r: np.ndarray, b: np.ndarray, periods: float) -> None:
    """The empyrical functions matching ours (no rolling, no bootstrap)."""
    ep.cum_returns_final(r)
    ep.annual_return(r, annualization=periods)
    ep.annual_volatility(r, annualization=periods)
    ep.sharpe_ratio(r, annualization=periods)
    ep.sortino_ratio(r, annualization=periods)
    ep.calmar_ratio(r, annualization=periods)
    ep.omega_ratio(r)
    ep.tail_ratio(r)
    ep.stability_of_timeseries(r)
    ep.excess_sharpe(r, b)
    ep.alpha_beta(r, b, annualization=periods)
    ep.max_drawdown(r)
    ep.value_at_risk(r)
    ep.conditional_value_at_risk(r)


def timed(fn, *args, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    """Time the three implementations on both series and print the table."""
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(42)
    cases = []
    n_daily = 252 * 10
    idx_d = pd.bdate_range("2014-01-01", periods=n_daily)
    cases.append(("10y daily", idx_d, 252.0, 63, 0.0003, 0.01))
    n_min = 365 * 24 * 60
    idx_m = pd.date_range("2023-01-01", periods=n_min, freq="min")
    cases.append(("1y minute", idx_m, 525600.0, 1440, 1e-6, 5e-4))
    rows = []
    for name, idx, periods, window, mu, sigma in cases:
        r = mu + sigma * rng.standard_t(5, size=len(idx)) / np.sqrt(5 / 3)
        b = 0.6 * r + rng.normal(0, sigma / 2, len(idx))
        ours = timed(full_set, r, b, periods, window)
        emp = timed(empyrical_set, r, b, periods)
        s = pd.Series(r, index=idx)
        bench = pd.Series(b, index=idx)
        t0 = time.perf_counter()
        qs.reports.metrics(
            s, benchmark=bench, mode="full", display=False, periods_per_year=int(periods)
        )
        quant = time.perf_counter() - t0
        rows.append((name, len(r), ours, emp, quant))
    print(
        f"{'series':<11} {'n':>8} {'tradeperf s':>12} {'empyrical s':>12} {'quantstats s':>13} "
        f"{'vs qs':>7} {'vs ep':>7}"
    )
    for name, n, ours, emp, quant in rows:
        print(
            f"{name:<11} {n:>8} {ours:>12.4f} {emp:>12.4f} {quant:>13.3f} "
            f"{quant / ours:>6.1f}x {emp / ours:>6.2f}x"
        )
    print("tradeperf = the full set (incl. rolling, drawdown table, bootstrap with 200 resamples);")
    print("empyrical = its 14 matching scalar functions only; quantstats = reports.metrics(full).")


if __name__ == "__main__":
    main()
