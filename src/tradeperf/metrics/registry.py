"""The one registry of figures: name, unit, direction, definition and the function computing it.

Summaries, reports and alerts read names, units and directions from here; docs/metrics.md has a
section per name (a test keeps the two in step). ``function`` is None for figures that analytics
computes exactly from the ledger (sums of decimals, counts of open positions): their definition
still lives here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from tradeperf.metrics import confidence, drawdown, returns, tail, trades

__all__ = ["FIGURES", "Figure", "Unit", "get_figure"]

Unit = Literal["count", "currency", "fraction", "ratio", "seconds", "periods", "probability"]


@dataclass(frozen=True, slots=True)
class Figure:
    """A named figure.

    Attributes
    ----------
    name : the key summaries emit.
    unit : "count", "currency", "fraction" (0.01 = 1 %), "ratio", "seconds", "periods" or
        "probability".
    higher_is_better : True, False, or None when neither direction is better (e.g. beta).
    description : one-line definition; docs/metrics.md has the full one.
    function : the metric computing it, or None when analytics computes it from the ledger.
    """

    name: str
    unit: Unit
    higher_is_better: bool | None
    description: str
    function: Callable[..., Any] | None


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
]

#: name -> Figure, read-only.
FIGURES: Mapping[str, Figure] = MappingProxyType({f.name: f for f in _ALL})


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
