"""An account beside a benchmark: the two daily return paths aligned, and the figures between them.

Every figure is the registry's (`tradeperf.metrics.registry.FIGURES`, those whose ``inputs``
is ``"benchmark"``); this module only aligns the days (docs/metrics.md, "Beside a benchmark
file") and compounds the benchmark's equity curve.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tradeperf.analytics.series import DailySeries
from tradeperf.ingest.benchmark import BenchmarkFile, BenchmarkKind
from tradeperf.metrics.registry import FIGURES

__all__ = ["BenchmarkComparison", "benchmark_figures", "compare"]


@dataclass(frozen=True, slots=True)
class BenchmarkComparison:
    """An account's daily returns beside a benchmark's, and the figures between them.

    Attributes
    ----------
    name : the benchmark's name (its file's stem).
    kind : what its file holds, ``"returns"`` or ``"prices"``.
    rejected_rows : how many rows of its file were quarantined.
    days : the days compared, ``datetime64[D]``, in order.
    returns : the account's return on each of ``days`` (float64 fractions).
    benchmark_returns : the benchmark's return on each of ``days`` (0 on a day its file has
        no row for).
    benchmark_equity : the benchmark's equity at the end of each of ``days``: the account's
        equity at the start of the first day compounded by the benchmark's returns.
    figures : figure name -> value (`benchmark_figures`, in registry order); NaN where
        undefined.
    periods_per_year : the annualization of the figures that annualize.
    """

    name: str
    kind: BenchmarkKind
    rejected_rows: int
    days: np.ndarray
    returns: np.ndarray
    benchmark_returns: np.ndarray
    benchmark_equity: list[float]
    figures: dict[str, float]
    periods_per_year: float

    @property
    def days_used(self) -> int:
        """Return the number of days compared."""
        return len(self.days)


def benchmark_figures() -> tuple[str, ...]:
    """Give the names of the registry's figures of returns beside a benchmark's, in its order.

    Examples
    --------
    >>> benchmark_figures()[:4]
    ('information_ratio', 'tracking_error', 'alpha', 'beta')
    """
    return tuple(name for name, f in FIGURES.items() if f.inputs == "benchmark")


def compare(
    series: DailySeries, bench: BenchmarkFile, *, periods_per_year: float
) -> BenchmarkComparison:
    """Set an account's daily returns beside a benchmark's and compute the figures between them.

    Alignment (docs/metrics.md, "Beside a benchmark file"): the account's days within the range
    the benchmark covers, ``[bench.days[0], bench.days[-1]]``, count; on each, the benchmark's
    return is that of its row for the day, or 0 when its file has no row for it (a weekend
    or a holiday of a stock index: its price did not change; a returns file is read alike).
    The account's days outside the range are left out, and so are the days with no return on
    either side: the account's NaN returns (equity not positive) and the first date of a
    prices file (no previous price).

    Parameters
    ----------
    series
        The account's daily rows (`tradeperf.analytics.series.DailySeries`).
    bench
        The benchmark (`tradeperf.ingest.benchmark.read_benchmark`).
    periods_per_year
        Periods a year of the account's daily rows (the summary's ``periods_per_year``),
        passed to the figures whose functions annualize (alpha, tracking_error).

    Returns
    -------
    BenchmarkComparison
        The days compared, both return paths, the benchmark's equity curve and the figures;
        with fewer than 2 days the ratios are NaN (undefined), as their functions say.

    Examples
    --------
    >>> import datetime as dt
    >>> from decimal import Decimal
    >>> from pathlib import Path
    >>> from tradeperf.analytics.series import series_of_days
    >>> days = np.array(["2024-01-05", "2024-01-06", "2024-01-08"], "datetime64[D]")
    >>> ours = series_of_days(days, [Decimal(100), Decimal(50), Decimal(-30)], days,
    ...                       equity_start=Decimal(1000), first_day=dt.date(2024, 1, 5),
    ...                       last_day=dt.date(2024, 1, 8))
    >>> spy = BenchmarkFile("spy", Path("spy.csv"), "returns",
    ...                     np.array(["2024-01-05", "2024-01-08"], "datetime64[D]"),
    ...                     np.array([0.01, 0.02]), ())
    >>> c = compare(ours, spy, periods_per_year=365)
    >>> c.days.astype(str).tolist(), c.benchmark_returns.tolist()
    (['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08'], [0.01, 0.0, 0.0, 0.02])
    >>> [round(e, 2) for e in c.benchmark_equity]
    [1010.0, 1010.0, 1010.0, 1030.2]
    """
    ours = np.asarray(series.day, dtype="datetime64[D]")
    ours_r = np.asarray(series.daily_return, dtype=np.float64)
    bench_r = np.zeros(ours.size)
    inside = np.zeros(ours.size, dtype=bool)
    if bench.days.size:
        inside = (ours >= bench.days[0]) & (ours <= bench.days[-1])
        at = np.minimum(np.searchsorted(bench.days, ours), bench.days.size - 1)
        has_row = inside & (bench.days[at] == ours)
        bench_r = np.where(has_row, bench.returns[at], 0.0)
    keep = inside & ~np.isnan(ours_r) & ~np.isnan(bench_r)
    used = np.flatnonzero(keep)
    r = ours_r[keep]
    b = bench_r[keep]
    equity: list[float] = []
    if used.size:
        first = int(used[0])
        start = float(series.equity[first] - series.net_pnl[first])
        equity = (start * np.cumprod(1.0 + b)).tolist()
    figures = {
        name: _figure(name, r, b, periods_per_year=periods_per_year) for name in benchmark_figures()
    }
    return BenchmarkComparison(
        name=bench.name,
        kind=bench.kind,
        rejected_rows=len(bench.rejected),
        days=ours[keep],
        returns=r,
        benchmark_returns=b,
        benchmark_equity=equity,
        figures=figures,
        periods_per_year=periods_per_year,
    )


def _figure(name: str, r: np.ndarray, b: np.ndarray, *, periods_per_year: float) -> float:
    """Evaluate registry figure ``name`` on the aligned returns, as the registry defines it."""
    function = FIGURES[name].function
    assert function is not None  # the benchmark figures are all metrics
    kw = {"periods_per_year": periods_per_year} if _annualises(function) else {}
    with np.errstate(all="ignore"):
        try:
            value = function(r, b, **kw)
        except OverflowError:  # alpha compounded beyond the float range
            return float("inf")
    # alpha compounds 1 + mean excess to a fractional power: below 0 (daily losses beyond
    # the equity) Python's power is complex, where empyrical's NumPy power is NaN
    return float("nan") if isinstance(value, complex) else float(value)


@functools.cache
def _annualises(function: Callable[..., Any]) -> bool:
    """Tell whether a figure's function takes ``periods_per_year`` (by name or ``**kwargs``)."""
    parameters = inspect.signature(function).parameters.values()
    return any(
        p.name == "periods_per_year" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    )
