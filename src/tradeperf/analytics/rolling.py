"""Rolling figures of a summary: over a trailing number of days or of closed trades.

``--rolling sharpe_ratio:30d`` gives, for every day of the period, the figure over the 30
calendar days ending that day, from the summary's daily series (the same returns as its
Sharpe ratio); ``--rolling win_rate:50trades`` gives, for every closed trade, the figure over
the last 50 trades ending with it, in exit order. A value needs a full window (null before).
Money figures (``net_pnl``, ``expectancy``) are exact; the others float64, computed in one
vectorised pass (`tradeperf.metrics.rolling`, which loads Numba: only when asked for). Any
other registry figure of the daily returns, or of the trades' P&L that is not money, rolls
too (`can_roll`): its own function evaluated on each window, one call per day or trade.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import numpy as np

from tradeperf import calendars
from tradeperf.analytics.figures import (
    ClosedTrades,
    daily_return_figure,
    exact_mean,
)
from tradeperf.analytics.series import DailySeries
from tradeperf.durations import parse_duration
from tradeperf.errors import ConfigError
from tradeperf.metrics.registry import Figure as RegistryFigure
from tradeperf.metrics.registry import get_figure

#: The figures rolled over days in one vectorised pass (from the daily series); any other
#: registry figure of the daily returns rolls too, evaluated on each window (`can_roll`).
BY_DAYS: Final = (
    "sharpe_ratio",
    "sortino_ratio",
    "annual_volatility",
    "max_drawdown",
    "net_pnl",
    "return_pct",
)
#: The figures rolled over closed trades in one vectorised pass; any other registry figure of
#: the trades' P&L that is not money rolls too, evaluated on each window.
BY_TRADES: Final = ("win_rate", "profit_factor", "expectancy", "net_pnl")


def can_roll(name: str, *, over_trades: bool) -> bool:
    """Tell whether registry figure ``name`` can roll over trades (or over days).

    Over days: `BY_DAYS`, and every registry figure computed from the daily returns (the
    library's and the users'). Over trades: `BY_TRADES`, and every figure computed from the
    trades' P&L alone that is not an amount of money (money rolls exactly: ``net_pnl``,
    ``expectancy``).

    Parameters
    ----------
    name
        A figure name (`tradeperf.metrics.registry.FIGURES`).
    over_trades
        True for a window of trades, False for one of days.

    Examples
    --------
    >>> can_roll("sqn", over_trades=True), can_roll("tail_ratio", over_trades=False)
    (True, True)
    >>> can_roll("average_win", over_trades=True)  # money, and not exact per window
    False
    """
    from tradeperf.metrics.registry import FIGURES, load_plugins

    if name in (BY_TRADES if over_trades else BY_DAYS):
        return True
    load_plugins()
    figure = FIGURES.get(name)
    if figure is None or figure.function is None:
        return False
    if over_trades:
        return figure.inputs == "trade_pnl" and figure.unit != "currency" and _one_array(figure)
    return figure.inputs == "daily_returns"


def _one_array(figure: RegistryFigure) -> bool:
    """Tell whether the figure's function takes the P&L array alone."""
    assert figure.function is not None
    try:
        params = list(inspect.signature(figure.function).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [p for p in params if p.default is inspect.Parameter.empty]
    return len(required) == 1 and required[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    )


def _rollable(*, over_trades: bool) -> str:
    from tradeperf.metrics.registry import FIGURES

    names = [n for n in FIGURES if can_roll(n, over_trades=over_trades)]
    return ", ".join(names)


_SPEC: Final = re.compile(r"([a-z_]+):(?:(\d+)trades|(.+))")


@dataclass(frozen=True, slots=True)
class RollingSpec:
    """A rolling figure asked for: its name and its window, in days or in trades."""

    text: str
    figure: str
    days: int | None = None
    trades: int | None = None


def parse_rolling(text: str) -> RollingSpec:
    """Read ``FIGURE:WINDOW``: a duration in whole days (``30d``, ``2w``) or ``Ntrades``.

    Parameters
    ----------
    text
        E.g. ``sharpe_ratio:30d`` or ``win_rate:50trades``.

    Raises
    ------
    ConfigError
        If the figure cannot roll over that kind of window, or the window is not whole days
        or a positive number of trades.

    Examples
    --------
    >>> parse_rolling("sharpe_ratio:30d")
    RollingSpec(text='sharpe_ratio:30d', figure='sharpe_ratio', days=30, trades=None)
    >>> parse_rolling("win_rate:50trades").trades
    50
    """
    m = _SPEC.fullmatch(text.strip().lower())
    if m is None:
        raise ConfigError(f"--rolling {text!r}: expected FIGURE:WINDOW, e.g. sharpe_ratio:30d")
    figure, trades, duration = m.groups()
    if trades is not None:
        if not can_roll(figure, over_trades=True):
            raise ConfigError(f"--rolling {text!r}: over trades: {_rollable(over_trades=True)}")
        if int(trades) < 1:
            raise ConfigError(f"--rolling {text!r}: a window of at least 1 trade")
        return RollingSpec(text, figure, trades=int(trades))
    if not can_roll(figure, over_trades=False):
        raise ConfigError(f"--rolling {text!r}: over days: {_rollable(over_trades=False)}")
    span = parse_duration(duration)
    if span % dt.timedelta(days=1):
        raise ConfigError(f"--rolling {text!r}: a window of whole days (the series is daily)")
    return RollingSpec(text, figure, days=span // dt.timedelta(days=1))


@dataclass(frozen=True, slots=True)
class RollingSeries:
    """The values of one rolling figure: one per day (``at`` dates) or per trade (instants)."""

    spec: RollingSpec
    at: list[dt.date] | list[dt.datetime]
    values: list[float | Decimal | None]


def over_days(spec: RollingSpec, series: DailySeries) -> RollingSeries:
    """Roll ``spec`` (a days window) over the daily series.

    Parameters
    ----------
    spec
        A `RollingSpec` with ``days``.
    series
        The summary's daily rows.
    """
    from tradeperf.metrics import rolling

    assert spec.days is not None
    w = spec.days
    r = series.daily_return
    n = len(series)
    values: list[float | Decimal | None]
    if spec.figure == "net_pnl":
        c = [Decimal(0), *series.cumulative_pnl]
        values = [c[i + 1] - c[i + 1 - w] if i + 1 >= w else None for i in range(n)]
    elif spec.figure not in BY_DAYS:  # any figure of the daily returns, window by window
        figure = get_figure(spec.figure)
        values = [None] * min(w - 1, n)
        for i in range(w - 1, n):
            window = r[i + 1 - w : i + 1]
            value = daily_return_figure(figure, window[~np.isnan(window)])
            values.append(None if np.isnan(value) else value)
    elif spec.figure == "return_pct":
        wealth = np.concatenate(([1.0], np.cumprod(1.0 + np.nan_to_num(r))))
        values = [
            float(wealth[i + 1] / wealth[i + 1 - w] - 1.0) if i + 1 >= w else None for i in range(n)
        ]
    else:
        p = calendars.current().periods_per_year
        if not n:
            out = np.empty(0)
        elif spec.figure == "sharpe_ratio":
            out = rolling.rolling_sharpe(r, w, periods_per_year=p, min_periods=w)
        elif spec.figure == "sortino_ratio":
            out = rolling.rolling_sortino(r, w, periods_per_year=p, min_periods=w)
        elif spec.figure == "annual_volatility":
            out = rolling.rolling_volatility(r, w, periods_per_year=p, min_periods=w)
        else:  # as the summary's max_drawdown: the fall as a positive fraction of the peak
            out = -rolling.rolling_max_drawdown(r, w, min_periods=w)
        values = [None if not np.isfinite(v) else float(v) for v in out.tolist()]
        values = [v if i + 1 >= w else None for i, v in enumerate(values)]
    return RollingSeries(spec, [d.item() for d in series.day], values)


def over_trades(spec: RollingSpec, trades: ClosedTrades) -> RollingSeries:
    """Roll ``spec`` (a trades window) over the closed trades, in exit order.

    Parameters
    ----------
    spec
        A `RollingSpec` with ``trades``.
    trades
        The closed trades of the summary.
    """
    assert spec.trades is not None
    w = spec.trades
    n = len(trades)
    values: list[float | Decimal | None]
    if spec.figure in ("net_pnl", "expectancy"):  # exact: differences of the running sum
        net = [Decimal(0), *itertools.accumulate(trades.net)]
        sums = [net[j] - net[j - w] for j in range(w, n + 1)]
        money = sums if spec.figure == "net_pnl" else [exact_mean(x, w) for x in sums]
        values = [None] * min(w - 1, n)
        values.extend(money)
    elif spec.figure not in BY_TRADES:  # any figure of the trades' P&L, window by window
        fn = get_figure(spec.figure).function
        assert fn is not None  # can_roll checked it
        values = [None] * min(w - 1, n)
        if n >= w:
            with np.errstate(all="ignore"):
                for window in np.lib.stride_tricks.sliding_window_view(trades.net_f, w):
                    value = float(fn(window))
                    values.append(None if np.isnan(value) else value)
    else:  # float64, on the columns
        f = trades.net_f

        def window(x: np.ndarray) -> np.ndarray:
            c = np.concatenate(([0.0], np.cumsum(x)))
            return np.asarray(c[w:] - c[:-w]) if n >= w else np.empty(0)

        if spec.figure == "win_rate":
            out = window((f > 0).astype(np.float64)) / w
        else:  # profit_factor
            g, lo = window(np.where(f > 0, f, 0.0)), window(np.where(f < 0, -f, 0.0))
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.where(lo > 0, g / lo, np.where(g > 0, np.inf, np.nan))
        values = [None] * min(w - 1, n)
        values.extend(None if np.isnan(v) else float(v) for v in out)
    at = [
        dt.datetime.fromtimestamp(0, dt.UTC) + dt.timedelta(microseconds=int(u))
        for u in trades.exit_us
    ]
    return RollingSeries(spec, at, values)


def rolling_figures(
    specs: tuple[str, ...], series: DailySeries | None, trades: ClosedTrades | None
) -> list[RollingSeries]:
    """Compute each rolling figure of ``specs`` (`parse_rolling`) over the series or trades.

    Parameters
    ----------
    specs
        ``FIGURE:WINDOW`` texts.
    series
        The summary's daily rows (for the windows of days).
    trades
        The summary's closed trades in exit order (for the windows of trades).
    """
    out = []
    for text in specs:
        spec = parse_rolling(text)
        if spec.days is not None:
            out.append(
                over_days(spec, series) if series is not None else RollingSeries(spec, [], [])
            )
        else:
            out.append(
                over_trades(spec, trades) if trades is not None else RollingSeries(spec, [], [])
            )
    return out
