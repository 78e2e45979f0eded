"""The one registry of figures: name, unit, direction, definition and the function computing it.

Summaries, reports and alerts read names, units and directions from here; docs/metrics.md has a
section per name (a test keeps the two in step). ``function`` is None for figures that analytics
computes exactly from the ledger (sums of decimals, counts of open positions): their definition
still lives here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

from tradeperf.metrics import confidence, drawdown, execution, returns, tail, trades

__all__ = [
    "FIGURES",
    "Figure",
    "Inputs",
    "Unit",
    "get_figure",
    "infinite_reason",
    "load_plugins",
    "register_figure",
    "undefined_reason",
    "unregister_figure",
    "user_figures",
]

Unit = Literal["count", "currency", "fraction", "ratio", "seconds", "periods", "probability", "bps"]
#: What a figure is computed from: the closed trades' P&L in exit order, the account's daily
#: returns, its daily P&L, its end-of-day equity path, the books (ledger), daily returns
#: beside a benchmark's, or the fills themselves (their prices against their reference prices).
Inputs = Literal[
    "trade_pnl", "daily_returns", "daily_pnl", "equity_path", "ledger", "benchmark", "fills"
]


@dataclass(frozen=True, slots=True)
class Figure:
    """A named figure.

    Attributes
    ----------
    name : the key summaries emit.
    unit : "count", "currency", "fraction" (0.01 = 1 %), "ratio", "seconds", "periods",
        "probability" or "bps" (basis points: 1 bp = 0.0001 = 0.01 %).
    higher_is_better : True, False, or None when neither direction is better (e.g. beta).
    description : one-line definition; docs/metrics.md has the full one.
    function : the metric computing it, or None when analytics computes it from the ledger.
    inputs : what it is computed from (`Inputs`).
    undefined : why it can be undefined (NaN, null in JSON), as summaries say; None: never
        or for no reason worth naming.
    infinite : why it can be infinite, as summaries say.
    builtin : False for a figure a user registered (`register_figure`).
    """

    name: str
    unit: Unit
    higher_is_better: bool | None
    description: str
    function: Callable[..., Any] | None
    inputs: Inputs = "daily_returns"
    undefined: str | None = None
    infinite: str | None = None
    builtin: bool = True


def _alpha(r: Any, b: Any, **kw: Any) -> float:
    return returns.alpha_beta(r, b, **kw)[0]


def _beta(r: Any, b: Any, **kw: Any) -> float:
    return returns.alpha_beta(r, b, **kw)[1]


def _wins(pnl: Any) -> int:
    return trades.trade_outcomes(pnl)[0]


def _losses(pnl: Any) -> int:
    return trades.trade_outcomes(pnl)[1]


def _breakevens(pnl: Any) -> int:
    return trades.trade_outcomes(pnl)[2]


def _win_streak(pnl: Any) -> int:
    return trades.longest_streaks(pnl)[0]


def _loss_streak(pnl: Any) -> int:
    return trades.longest_streaks(pnl)[1]


_F = Figure
_ALL = [
    # trades
    _F("trades", "count", None, "Number of closed round-trip trades in the window.", None),
    _F("wins", "count", True, "Trades with net P&L > 0.", _wins),
    _F("losses", "count", False, "Trades with net P&L < 0.", _losses),
    _F("breakevens", "count", None, "Trades with net P&L == 0.", _breakevens),
    _F("win_rate", "fraction", True, "wins / trades.", trades.win_rate),
    _F("average_win", "currency", True, "Mean net P&L of winning trades.", trades.average_win),
    _F(
        "average_loss",
        "currency",
        True,
        "Mean net P&L of losing trades (negative).",
        trades.average_loss,
    ),
    _F("payoff_ratio", "ratio", True, "average_win / |average_loss|.", trades.payoff_ratio),
    _F("profit_factor", "ratio", True, "Gross profit / |gross loss|.", trades.profit_factor),
    _F("expectancy", "currency", True, "Mean net P&L per trade.", trades.expectancy),
    _F("gross_pnl", "currency", True, "Sum of trade P&L before fees.", None),
    _F("net_pnl", "currency", True, "Sum of trade P&L after fees (gross_pnl - fees).", None),
    _F("fees", "currency", False, "Sum of fees paid (positive = paid).", None),
    _F("largest_win", "currency", True, "Largest single-trade net P&L.", None),
    _F("largest_loss", "currency", True, "Smallest (most negative) single-trade net P&L.", None),
    _F("longest_win_streak", "count", True, "Longest run of consecutive wins.", _win_streak),
    _F("longest_loss_streak", "count", False, "Longest run of consecutive losses.", _loss_streak),
    _F(
        "average_holding_seconds",
        "seconds",
        None,
        "Mean time from entry to exit.",
        trades.average_holding_time,
    ),
    _F(
        "current_streak",
        "count",
        True,
        "The run the last trades are on: +n after n wins, -n after n losses, 0 else.",
        trades.current_streak,
    ),
    _F("sqn", "ratio", True, "Van Tharp's System Quality Number.", trades.sqn),
    _F(
        "kelly_fraction", "fraction", True, "Kelly fraction W - (1 - W) / R.", trades.kelly_fraction
    ),
    # P&L state
    _F("realized_pnl", "currency", True, "P&L booked by closed quantity in the window.", None),
    _F(
        "unrealized_pnl", "currency", True, "Mark-to-market P&L of open positions at the end.", None
    ),
    _F("open_positions", "count", None, "Positions with non-zero quantity at the end.", None),
    _F(
        "return_pct",
        "fraction",
        True,
        "Time-weighted return of the window, prod(1 + daily return) - 1.",
        None,
    ),
    _F("equity_start", "currency", None, "Account equity before the window's first trade.", None),
    _F("equity_end", "currency", True, "equity_start + cash_flows + net_pnl.", None),
    _F("cash_flows", "currency", None, "Deposits minus withdrawals in the window.", None),
    _F(
        "trading_days",
        "count",
        None,
        "Local calendar days with at least one exit (or booked P&L).",
        None,
    ),
    _F("winning_days", "count", True, "Days whose P&L (as the returns measure it) is > 0.", None),
    _F("losing_days", "count", False, "Days whose P&L (as the returns measure it) is < 0.", None),
    # returns
    _F("cumulative_return", "fraction", True, "prod(1 + r) - 1.", returns.cumulative_return),
    _F("cagr", "fraction", True, "Compound annual growth rate.", returns.cagr),
    _F(
        "annual_volatility",
        "fraction",
        False,
        "std(r, ddof=1) * sqrt(P).",
        returns.annual_volatility,
    ),
    _F(
        "sharpe_ratio", "ratio", True, "mean(r - rf) / std(r - rf) * sqrt(P).", returns.sharpe_ratio
    ),
    _F(
        "sortino_ratio",
        "ratio",
        True,
        "mean(r - t) * P / downside deviation.",
        returns.sortino_ratio,
    ),
    _F(
        "downside_deviation",
        "fraction",
        False,
        "sqrt(mean(min(r - t, 0)^2)) * sqrt(P).",
        returns.downside_deviation,
    ),
    _F("calmar_ratio", "ratio", True, "CAGR / |max drawdown|.", returns.calmar_ratio),
    _F(
        "omega_ratio",
        "ratio",
        True,
        "Gains over losses relative to a threshold.",
        returns.omega_ratio,
    ),
    _F("tail_ratio", "ratio", True, "|95th percentile| / |5th percentile|.", returns.tail_ratio),
    _F("stability", "fraction", True, "R^2 of a line fit to log equity.", returns.stability),
    _F(
        "information_ratio",
        "ratio",
        True,
        "mean(r - b) / std(r - b), per period.",
        returns.information_ratio,
    ),
    _F(
        "tracking_error", "fraction", False, "std(r - b, ddof=1) * sqrt(P).", returns.tracking_error
    ),
    _F("alpha", "fraction", True, "Jensen's alpha, compounded to a year.", _alpha),
    _F("beta", "ratio", None, "cov(r, b) / var(b).", _beta),
    _F(
        "excess_return",
        "fraction",
        True,
        "Cumulative return minus the benchmark's over the same days.",
        returns.excess_return,
    ),
    _F(
        "benchmark_return",
        "fraction",
        None,
        "The benchmark's cumulative return, prod(1 + b) - 1, over the days compared.",
        returns.benchmark_return,
    ),
    _F("correlation", "ratio", None, "Pearson correlation of r and b.", returns.correlation),
    # drawdown
    _F(
        "max_drawdown",
        "fraction",
        False,
        "Largest fall of equity from its running peak, positive fraction of the peak.",
        drawdown.max_drawdown_of_equity,
    ),
    _F(
        "max_drawdown_abs",
        "currency",
        False,
        "Largest fall of equity from its running peak.",
        drawdown.max_drawdown_abs_of_equity,
    ),
    _F("ulcer_index", "fraction", False, "sqrt(mean(drawdown^2)).", drawdown.ulcer_index),
    _F(
        "time_to_recovery",
        "periods",
        False,
        "Periods from the max-drawdown valley back to the peak.",
        drawdown.time_to_recovery,
    ),
    # tail
    _F(
        "value_at_risk",
        "fraction",
        True,
        "alpha-quantile of returns (negative = loss).",
        tail.value_at_risk,
    ),
    _F(
        "conditional_value_at_risk",
        "fraction",
        True,
        "Mean return in the worst alpha tail.",
        tail.conditional_value_at_risk,
    ),
    _F("skewness", "ratio", True, "Bias-adjusted sample skewness G1.", tail.skewness),
    _F(
        "excess_kurtosis",
        "ratio",
        False,
        "Bias-adjusted sample excess kurtosis G2.",
        tail.excess_kurtosis,
    ),
    # confidence
    _F(
        "probabilistic_sharpe_ratio",
        "probability",
        True,
        "P(true SR > SR*).",
        confidence.probabilistic_sharpe_ratio,
    ),
    _F(
        "deflated_sharpe_ratio",
        "probability",
        True,
        "PSR against the best of N trials.",
        confidence.deflated_sharpe_ratio,
    ),
    _F(
        "minimum_track_record_length",
        "periods",
        False,
        "Observations needed for SR > SR* at a confidence.",
        confidence.minimum_track_record_length,
    ),
    # execution
    _F(
        "slippage_bps",
        "bps",
        False,
        "Notional-weighted mean slippage of the fills against their reference prices, "
        "s(p - r)/r in bps, positive = cost.",
        execution.mean_slippage_bps,
    ),
]

_TRADE_PNL: Final = frozenset(
    {"trades", "wins", "losses", "breakevens", "win_rate", "average_win", "average_loss",
     "payoff_ratio", "profit_factor", "expectancy", "gross_pnl", "net_pnl", "fees",
     "largest_win", "largest_loss", "longest_win_streak", "longest_loss_streak",
     "average_holding_seconds", "current_streak", "sqn", "kelly_fraction", "max_drawdown_abs"}
)  # fmt: skip
_LEDGER: Final = frozenset(
    {"realized_pnl", "unrealized_pnl", "open_positions", "equity_start", "equity_end",
     "cash_flows"}
)  # fmt: skip
_DAILY_PNL: Final = frozenset({"trading_days", "winning_days", "losing_days"})
_EQUITY_PATH: Final = frozenset({"return_pct", "max_drawdown"})
_FILLS: Final = frozenset({"slippage_bps"})
_BENCHMARK: Final = frozenset(
    {"information_ratio", "tracking_error", "alpha", "beta", "excess_return", "benchmark_return",
     "correlation"}
)  # fmt: skip
#: Why a figure can be undefined, as the summaries say (null in JSON, with this reason).
_UNDEFINED: Final = {
    "win_rate": "no closed trades",
    "average_win": "no winning trades",
    "average_loss": "no losing trades",
    "payoff_ratio": "needs both winning and losing trades",
    "profit_factor": "no winning and no losing trades",
    "expectancy": "no closed trades",
    "return_pct": "no days in the period, or equity not positive",
    "largest_win": "no winning trades",
    "largest_loss": "no losing trades",
    "average_holding_seconds": "no trade has an entry time",
    "max_drawdown": "no days in the period, or equity never positive",
    "max_drawdown_abs": "no closed trades",
    "sharpe_ratio": "fewer than 2 daily returns or zero volatility",
    "sortino_ratio": "fewer than 2 daily returns",
    "unrealized_pnl": "an open position has no mark (ingest marks: timestamp, symbol, price)",
    "cagr": "no daily returns, or the account lost everything",
    "annual_volatility": "fewer than 2 daily returns",
    "calmar_ratio": "fewer than 2 daily returns, or no drawdown",
    "value_at_risk": "no daily returns",
    "conditional_value_at_risk": "no daily returns",
    "tail_ratio": "too few daily returns, or a zero 5th percentile",
    "probabilistic_sharpe_ratio": "fewer than 3 daily returns or zero volatility",
    "information_ratio": "fewer than 2 days beside the benchmark, or returns equal to it",
    "tracking_error": "fewer than 2 days beside the benchmark",
    "alpha": "fewer than 2 days beside the benchmark, or a constant benchmark",
    "beta": "fewer than 2 days beside the benchmark, or a constant benchmark",
    "excess_return": "no day beside the benchmark",
    "benchmark_return": "no day beside the benchmark",
    "correlation": "fewer than 2 days beside the benchmark, or a constant series",
    "slippage_bps": "no fill carries a reference price",
}
#: Why a figure can be infinite, as the summaries say.
_INFINITE: Final = {
    "profit_factor": "infinite: no losing trades",
    "payoff_ratio": "infinite: losses average zero",
    "sortino_ratio": "infinite: no daily return below the target",
    "sharpe_ratio": "infinite: zero volatility",
    "calmar_ratio": "infinite: no drawdown",
    "tail_ratio": "infinite: a zero 5th percentile",
    "information_ratio": "infinite: a constant return over the benchmark's",
}


def _declared(f: Figure) -> Figure:
    inputs: Inputs = "daily_returns"
    for names, kind in (
        (_TRADE_PNL, "trade_pnl"),
        (_LEDGER, "ledger"),
        (_DAILY_PNL, "daily_pnl"),
        (_EQUITY_PATH, "equity_path"),
        (_BENCHMARK, "benchmark"),
        (_FILLS, "fills"),
    ):
        if f.name in names:
            inputs = kind  # type: ignore[assignment]  # one of the Inputs literals above
    return dataclasses.replace(
        f, inputs=inputs, undefined=_UNDEFINED.get(f.name), infinite=_INFINITE.get(f.name)
    )


_REGISTRY: dict[str, Figure] = {f.name: _declared(f) for f in _ALL}
#: name -> Figure, read-only (the built-in figures, then those users registered).
FIGURES: Mapping[str, Figure] = MappingProxyType(_REGISTRY)


def undefined_reason(name: str) -> str:
    """Give why figure ``name`` can be undefined, as summaries write it ("undefined" if unknown).

    Parameters
    ----------
    name
        A figure name.

    Examples
    --------
    >>> undefined_reason("win_rate"), undefined_reason("no_such_figure")
    ('no closed trades', 'undefined')
    """
    f = _REGISTRY.get(name)
    return (f.undefined if f is not None else None) or "undefined"


def infinite_reason(name: str) -> str:
    """Give why figure ``name`` can be infinite, as summaries write it ("infinite" if unknown).

    Parameters
    ----------
    name
        A figure name.
    """
    f = _REGISTRY.get(name)
    return (f.infinite if f is not None else None) or "infinite"


def register_figure(figure: Figure) -> Figure:
    """Register a figure of one's own: summaries then carry it beside the built-in ones.

    A figure of the daily returns (``inputs="daily_returns"``) is computed on every summary
    row that carries the daily-return figures (overall and breakdown rows), as
    ``function(returns)`` with the row's daily returns (1-D float64, NaN dropped); it may
    return a float or raise nothing but return NaN when undefined.

    Parameters
    ----------
    figure
        The figure; its ``name`` must be new and a lowercase identifier, its ``unit`` one of
        `Unit`, its ``function`` set.

    Returns
    -------
    Figure
        The figure as registered (``builtin`` False).

    Raises
    ------
    ValueError
        If the name is taken or malformed, the unit unknown, the function missing, or the
        inputs other than daily returns (the only ones every summary path has).

    Examples
    --------
    >>> import numpy as np
    >>> best = register_figure(Figure("best_day", "fraction", True, "Best daily return.",
    ...                               lambda r: float(np.max(r)) if r.size else float("nan")))
    >>> get_figure("best_day").builtin
    False
    >>> unregister_figure("best_day")
    """
    if not figure.name.isidentifier() or figure.name != figure.name.lower():
        raise ValueError(f"figure name {figure.name!r}: a lowercase identifier")
    if figure.name in _REGISTRY:
        raise ValueError(f"figure {figure.name!r} is already registered")
    if figure.unit not in get_args(Unit):
        raise ValueError(
            f"figure {figure.name!r}: unit {figure.unit!r} is not one of {get_args(Unit)}"
        )
    if figure.function is None:
        raise ValueError(f"figure {figure.name!r}: a function computes it")
    if figure.inputs != "daily_returns":
        raise ValueError(
            f"figure {figure.name!r}: a registered figure is of the daily returns "
            "(inputs='daily_returns'), which every summary row has"
        )
    registered = dataclasses.replace(figure, builtin=False)
    _REGISTRY[figure.name] = registered
    return registered


def unregister_figure(name: str) -> None:
    """Remove a figure a user registered.

    Parameters
    ----------
    name
        Its name.

    Raises
    ------
    KeyError
        If no user figure has that name (a built-in one cannot be removed).
    """
    f = _REGISTRY.get(name)
    if f is None or f.builtin:
        raise KeyError(f"no user figure {name!r}")
    del _REGISTRY[name]


#: The entry-point group of figure plugins: each names a `Figure` or a callable giving one
#: or a list of them (``[project.entry-points."tradeperf.figures"]``).
PLUGIN_GROUP: Final = "tradeperf.figures"
_LOADED: dict[str, bool] = {}
#: Whether this process has looked for plugins (scanning the installed distributions costs
#: milliseconds: once per process, `load_plugins(again=True)` to look again).
_SCANNED: list[bool] = []


def load_plugins(*, again: bool = False) -> list[str]:
    """Register the figures of installed plugins (entry points `PLUGIN_GROUP`), once.

    Parameters
    ----------
    again
        Look at the installed distributions again (a plugin installed since).

    Returns
    -------
    list[str]
        The names registered by this call.

    Raises
    ------
    ValueError
        If a plugin cannot be loaded or gives something that is not a valid figure; the
        message names the entry point.
    """
    from importlib.metadata import entry_points

    if _SCANNED and not again:
        return []
    _SCANNED[:] = [True]
    names = []
    for ep in entry_points(group=PLUGIN_GROUP):
        key = f"{ep.name}={ep.value}"
        if _LOADED.get(key):
            continue
        try:
            obj = ep.load()
            made = obj() if callable(obj) and not isinstance(obj, Figure) else obj
            figures = made if isinstance(made, list | tuple) else [made]
            for f in figures:
                if not isinstance(f, Figure):
                    raise TypeError(f"{f!r} is not a tradeperf Figure")
                names.append(register_figure(f).name)
        except Exception as exc:
            raise ValueError(f"figure plugin {key}: {exc}") from exc
        _LOADED[key] = True
    return names


def user_figures() -> list[Figure]:
    """Give the figures users registered, in registration order (plugins loaded first)."""
    load_plugins()
    return [f for f in _REGISTRY.values() if not f.builtin]


def get_figure(name: str) -> Figure:
    """Return the registered figure called `name`.

    Parameters
    ----------
    name
        The figure key, e.g. "sharpe_ratio".

    Returns
    -------
    Figure.

    Raises
    ------
    KeyError
        When no figure has that name; the message lists the known names.

    Examples
    --------
    >>> get_figure("profit_factor").unit
    'ratio'
    """
    try:
        return FIGURES[name]
    except KeyError:
        raise KeyError(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}") from None
