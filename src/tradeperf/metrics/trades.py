"""Trade statistics on per-trade net P&L (currency), one value per closed round trip.

A win is pnl > 0, a loss pnl < 0, a breakeven pnl == 0; the order of the array is the order
in which trades closed (it matters only for streaks). NaN values are dropped. Every trade count
includes breakevens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tradeperf.metrics._input import ArrayLike, FloatArray, as_seconds_array, drop_nan

__all__ = [
    "TradeTotals",
    "average_holding_time",
    "average_loss",
    "average_win",
    "expectancy",
    "kelly_fraction",
    "longest_streaks",
    "payoff_ratio",
    "profit_factor",
    "sqn",
    "trade_outcomes",
    "win_rate",
]


def _pnl(pnl: ArrayLike) -> FloatArray:
    return drop_nan(pnl, name="pnl")


@dataclass(frozen=True, slots=True)
class TradeTotals:
    """Counts and sums of a set of trades, from which the outcome figures follow.

    The one definition of win rate, average win and loss, payoff ratio, profit factor and
    expectancy: the per-array functions below and the summaries merged from daily partial
    aggregates both compute them here.

    Attributes
    ----------
    wins, losses, breakevens : trades with net P&L > 0, < 0, == 0.
    win_sum : sum of the winning trades' P&L (currency, >= 0).
    loss_sum : sum of the losing trades' P&L (currency, <= 0).
    net_sum : sum of all trades' P&L (currency).
    """

    wins: int
    losses: int
    breakevens: int
    win_sum: float
    loss_sum: float
    net_sum: float

    @classmethod
    def of(cls, pnl: ArrayLike) -> TradeTotals:
        """Return the totals of per-trade P&L ``pnl`` (NaN dropped).

        Examples
        --------
        >>> TradeTotals.of([10.0, -5.0, 0.0]).profit_factor
        2.0
        """
        p = _pnl(pnl)
        w = p[p > 0]
        lo = p[p < 0]
        return cls(
            wins=int(w.size),
            losses=int(lo.size),
            breakevens=int(p.size - w.size - lo.size),
            win_sum=float(w.sum()),
            loss_sum=float(lo.sum()),
            net_sum=float(p.sum()),
        )

    @property
    def trades(self) -> int:
        """Number of trades, breakevens included."""
        return self.wins + self.losses + self.breakevens

    @property
    def win_rate(self) -> float:
        """Wins / trades, a fraction; NaN without trades."""
        return self.wins / self.trades if self.trades else float("nan")

    @property
    def average_win(self) -> float:
        """Mean P&L of winning trades; NaN without wins."""
        return self.win_sum / self.wins if self.wins else float("nan")

    @property
    def average_loss(self) -> float:
        """Mean P&L of losing trades (negative); NaN without losses."""
        return self.loss_sum / self.losses if self.losses else float("nan")

    @property
    def payoff_ratio(self) -> float:
        """average_win / |average_loss|; NaN when either is undefined."""
        return self.average_win / abs(self.average_loss)

    @property
    def profit_factor(self) -> float:
        """win_sum / |loss_sum|; +inf when only wins, NaN when neither wins nor losses."""
        if self.loss_sum == 0:
            return float("inf") if self.win_sum > 0 else float("nan")
        return self.win_sum / -self.loss_sum

    @property
    def expectancy(self) -> float:
        """Mean P&L per trade (currency); NaN without trades."""
        return self.net_sum / self.trades if self.trades else float("nan")


def trade_outcomes(pnl: ArrayLike) -> tuple[int, int, int]:
    """Count wins (pnl > 0), losses (pnl < 0) and breakevens (pnl == 0).

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L (currency), shape (n,); NaN are dropped.

    Returns
    -------
    (wins, losses, breakevens) : ints summing to the number of non-NaN trades.

    Examples
    --------
    >>> trade_outcomes([10.0, -5.0, 0.0, 3.0])
    (2, 1, 1)
    """
    p = _pnl(pnl)
    wins = int(np.count_nonzero(p > 0))
    losses = int(np.count_nonzero(p < 0))
    return wins, losses, int(p.size - wins - losses)


def win_rate(pnl: ArrayLike) -> float:
    """Fraction of trades that won: wins / trades (breakevens count as trades, not wins).

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L (currency); NaN are dropped.

    Returns
    -------
    float in [0, 1]. NaN without trades.

    Notes
    -----
    quantstats' ``win_rate`` divides by the non-zero periods only; freqtrade's ``winrate``
    divides by all trades like here.

    Examples
    --------
    >>> win_rate([10.0, -5.0, 0.0, 3.0])
    0.5
    """
    return TradeTotals.of(pnl).win_rate


def average_win(pnl: ArrayLike) -> float:
    """Mean P&L of the winning trades (currency).

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float > 0. NaN without wins.

    Examples
    --------
    >>> average_win([10.0, -5.0, 0.0, 3.0])
    6.5
    """
    return TradeTotals.of(pnl).average_win


def average_loss(pnl: ArrayLike) -> float:
    """Mean P&L of the losing trades (currency), a NEGATIVE number.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float < 0. NaN without losses.

    Examples
    --------
    >>> average_loss([10.0, -5.0, -1.0, 3.0])
    -3.0
    """
    return TradeTotals.of(pnl).average_loss


def payoff_ratio(pnl: ArrayLike) -> float:
    """Average win over the magnitude of the average loss.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float > 0. NaN without wins or without losses.

    Notes
    -----
    R = mean(pnl | pnl > 0) / |mean(pnl | pnl < 0)|; quantstats' ``payoff_ratio`` is the same on
    per-period returns.

    Examples
    --------
    >>> payoff_ratio([10.0, -5.0, -1.0, 3.0])
    2.1666666666666665
    """
    return TradeTotals.of(pnl).payoff_ratio


def profit_factor(pnl: ArrayLike) -> float:
    """Gross profit over gross loss.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float >= 0. +inf when there are wins but no losses; NaN when both sums are 0 (no trades,
    or only breakevens); 0.0 with losses and no wins.

    Notes
    -----
    PF = sum(pnl | pnl > 0) / |sum(pnl | pnl < 0)|. freqtrade returns 0.0 in its summary and
    inf elsewhere for "no losses"; quantstats returns inf but 0.0 when both sums are 0.

    Examples
    --------
    >>> profit_factor([10.0, -5.0, -1.0, 3.0])
    2.1666666666666665
    >>> profit_factor([1.0, 2.0])
    inf
    """
    return TradeTotals.of(pnl).profit_factor


def expectancy(pnl: ArrayLike) -> float:
    """Mean P&L per trade (currency), breakevens included.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float, currency. NaN without trades.

    Notes
    -----
    E = mean(pnl) = W * avg_win + (1 - W - B) * avg_loss with W, B the win and breakeven rates
    (Tharp, V. K. (2007). Trade Your Way to Financial Freedom, 2nd ed.).

    Examples
    --------
    >>> expectancy([10.0, -5.0, 0.0, 3.0])
    2.0
    """
    return TradeTotals.of(pnl).expectancy


def longest_streaks(pnl: ArrayLike) -> tuple[int, int]:
    """Longest runs of consecutive wins and of consecutive losses, in the given order.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L in closing order; NaN are dropped (they do not
        break a run); a breakeven breaks both runs.

    Returns
    -------
    (longest_win_streak, longest_loss_streak) : ints, (0, 0) without trades.

    Examples
    --------
    >>> longest_streaks([1.0, 2.0, 0.0, 3.0, -1.0, -2.0, -3.0, 4.0])
    (2, 3)
    """
    p = _pnl(pnl)
    return _longest_run(p > 0), _longest_run(p < 0)


def current_streak(pnl: ArrayLike) -> int:
    """Give the run the last trades are on: +n after n wins in a row, −n after n losses.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L in closing order; NaN are dropped; a breakeven
        ends a run (0 right after one).

    Returns
    -------
    int
        Positive for a winning run, negative for a losing run, 0 without trades or after a
        breakeven.

    Examples
    --------
    >>> current_streak([1.0, -2.0, 3.0, 4.0]), current_streak([5.0, -1.0, -1.0])
    (2, -2)
    >>> current_streak([1.0, 0.0]), current_streak([])
    (0, 0)
    """
    p = _pnl(pnl)
    if not p.size or p[-1] == 0:
        return 0
    sign = np.sign(p)
    differs = np.flatnonzero(sign != sign[-1])
    run = p.size - (int(differs[-1]) + 1 if differs.size else 0)
    return run if sign[-1] > 0 else -run


def _longest_run(mask: np.ndarray) -> int:
    if not mask.any():
        return 0
    edges = np.diff(mask.astype(np.int8), prepend=0, append=0)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return int(np.max(ends - starts))


def sqn(pnl: ArrayLike) -> float:
    """Van Tharp's System Quality Number.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L (or R-multiples); NaN are dropped.

    Returns
    -------
    float. NaN for fewer than 2 trades; +/-inf when every trade has the same non-zero P&L,
    NaN when they are all 0 (zero deviation, as `sharpe_ratio`).

    Notes
    -----
    SQN = sqrt(n) * mean(pnl) / std(pnl, ddof=1), n not capped (Tharp, V. K. (2008). The
    Definitive Guide to Position Sizing; Tharp caps n at 100 in later writing).

    Examples
    --------
    >>> round(sqn([10.0, -5.0, 0.0, 3.0]), 4)
    0.6378
    """
    p = _pnl(pnl)
    if p.size < 2:
        return float("nan")
    mean = float(np.mean(p))
    std = 0.0 if p.max() == p.min() else float(np.std(p, ddof=1))
    if std == 0.0:
        return float("nan") if mean == 0.0 else float(np.copysign(np.inf, mean))
    return float(np.sqrt(p.size)) * mean / std


def kelly_fraction(pnl: ArrayLike) -> float:
    """Kelly fraction of capital to risk per trade, from win rate and payoff ratio.

    Parameters
    ----------
    pnl
        1-D array-like of per-trade net P&L; NaN are dropped.

    Returns
    -------
    float (negative means the system loses: do not trade it). NaN when the payoff ratio is
    undefined (no wins or no losses).

    Notes
    -----
    f* = W - (1 - W) / R, W the win rate (breakevens in the denominator), R the payoff ratio
    (Kelly, J. L. (1956). A new interpretation of information rate. Bell System Technical
    Journal 35(4); trading form as in Thorp (2006), quantstats' ``kelly_criterion``).

    Examples
    --------
    >>> round(kelly_fraction([10.0, -5.0, -1.0, 3.0]), 6)
    0.269231
    """
    w = win_rate(pnl)
    r = payoff_ratio(pnl)
    if np.isnan(r):
        return float("nan")
    return w - (1.0 - w) / r


def average_holding_time(entry_times: ArrayLike, exit_times: ArrayLike) -> float:
    """Mean time between entry and exit of the trades, in seconds.

    Parameters
    ----------
    entry_times
        1-D datetime64 data (NumPy, pandas, Polars, PyArrow) or epoch seconds, shape (n,).
    exit_times
        Same kind and shape; trades with a missing entry or exit are dropped.

    Returns
    -------
    float, seconds. NaN without complete trades.

    Raises
    ------
    ValueError
        When the two arrays differ in length.

    Examples
    --------
    >>> t0 = np.array(["2024-01-01T00:00", "2024-01-02T00:00"], dtype="datetime64[s]")
    >>> t1 = np.array(["2024-01-01T01:00", "2024-01-02T03:00"], dtype="datetime64[s]")
    >>> average_holding_time(t0, t1)
    7200.0
    """
    a = as_seconds_array(entry_times, name="entry_times")
    b = as_seconds_array(exit_times, name="exit_times")
    if a.shape != b.shape:
        raise ValueError(f"entry_times and exit_times differ in length: {a.size} != {b.size}")
    held = b - a
    held = held[~np.isnan(held)]
    return float(np.mean(held)) if held.size else float("nan")
