"""Daily series of an account: P&L, cumulative P&L, equity, return and drawdown, every day.

One row per calendar day of the reporting timezone from the first to the last day of the
summary, days without a trade included (zero P&L), so that a chart or a rolling figure has
no holes; with a trading calendar (`tradeperf.calendars`), one per trading day and per
other day with a trade, P&L or cash flow. The money columns are exact; the return and the
drawdown are float64 fractions on the same path as the summary's figures
(`tradeperf.analytics.figures.daily_paths`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from tradeperf import calendars
from tradeperf.analytics.figures import CashFlows, ClosedTrades, DailyAmounts, pnl_by_day
from tradeperf.ledger.returns import period_returns


@dataclass(frozen=True, slots=True)
class DailySeries:
    """The daily rows of an account (or of a group of its trades).

    Attributes
    ----------
    day
        Local calendar days, ``datetime64[D]``, consecutive.
    trades
        Closed trades exiting that day.
    net_pnl
        Net P&L of the day (currency, exact): the closed trades' net P&L by exit day, or,
        with books kept from fills, the books marked to market day over day.
    cumulative_pnl
        Net P&L from the first day up to and including the day (exact).
    equity
        Equity at the end of the day: starting equity + cash flows so far + cumulative P&L.
    daily_return
        The day's time-weighted return (fraction): net P&L over the equity at the start of the
        day, that day's cash flow included; NaN where that equity is not positive.
    drawdown
        The fall of the end-of-day wealth below its running peak (the start counts), a
        fraction ≤ 0 (underwater); its minimum is minus the summary's ``max_drawdown``.
    """

    day: np.ndarray
    trades: np.ndarray
    net_pnl: list[Decimal]
    cumulative_pnl: list[Decimal]
    equity: list[Decimal]
    daily_return: np.ndarray
    drawdown: np.ndarray

    def __len__(self) -> int:
        """Return the number of days."""
        return len(self.day)

    def take(self, keep: np.ndarray) -> DailySeries:
        """Return the rows where the mask ``keep`` is True."""
        rows = np.flatnonzero(keep).tolist()
        return DailySeries(
            self.day[keep],
            self.trades[keep],
            [self.net_pnl[i] for i in rows],
            [self.cumulative_pnl[i] for i in rows],
            [self.equity[i] for i in rows],
            self.daily_return[keep],
            self.drawdown[keep],
        )


def daily_series(
    trades: ClosedTrades,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None = None,
    account: DailyAmounts | None = None,
) -> DailySeries:
    """Build the daily rows of ``trades`` from ``first_day`` to ``last_day``.

    Parameters
    ----------
    trades
        The closed trades, in exit order (their local exit days).
    equity_start
        Equity (currency) at the start of ``first_day``.
    first_day, last_day
        The days (inclusive); None gives no rows.
    flows
        Deposits (+) and withdrawals (−) by day, taken at the start of their day.
    account
        The account's P&L by day when it is not the closed trades' (books kept from fills).

    Returns
    -------
    DailySeries
        One row per day.

    Examples
    --------
    >>> from tradeperf.analytics.figures import ClosedTrades
    >>> days = np.array(["2024-05-01", "2024-05-03"], dtype="datetime64[D]")
    >>> net = [Decimal(100), Decimal(-220)]
    >>> t = ClosedTrades(net, net, [Decimal(0)] * 2, np.array([100.0, -220.0]),
    ...                  np.zeros(2, np.int64), np.zeros(2, np.int64), days,
    ...                  np.array(["s"] * 2, object), np.array(["X"] * 2, object))
    >>> s = daily_series(t, equity_start=Decimal(1000), first_day=dt.date(2024, 5, 1),
    ...                  last_day=dt.date(2024, 5, 3))
    >>> [str(e) for e in s.equity], s.trades.tolist(), s.drawdown.round(4).tolist()
    (['1100', '1100', '880'], [1, 0, 1], [0.0, 0.0, -0.2])
    """
    if account is not None and first_day is not None and last_day is not None:
        exact = account.by_day(first_day, last_day)
    else:
        exact = pnl_by_day(trades)
    pnl_days = np.array(sorted(exact), dtype="datetime64[D]")
    return series_of_days(
        pnl_days,
        [exact[d] for d in pnl_days],
        trades.day,
        equity_start=equity_start,
        first_day=first_day,
        last_day=last_day,
        flows=flows,
    )


def series_of_days(
    pnl_days: np.ndarray,
    pnl: list[Decimal],
    exit_days: np.ndarray,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None = None,
    trades_per_day: np.ndarray | None = None,
) -> DailySeries:
    """Build the daily rows from P&L by day and the days trades exited on.

    Parameters
    ----------
    pnl_days
        The days (``datetime64[D]``) that have P&L, each once.
    pnl
        The exact net P&L of each of ``pnl_days``.
    exit_days
        The local exit day of each closed trade (or, with ``trades_per_day``, the days it
        counts).
    equity_start
        Equity (currency) at the start of ``first_day``.
    first_day, last_day
        The days (inclusive); None gives no rows.
    flows
        Deposits (+) and withdrawals (−) by day, taken at the start of their day.
    trades_per_day
        The number of closed trades on each of ``exit_days`` (None: one per entry).
    """
    if first_day is None or last_day is None or last_day < first_day:
        empty = np.zeros(0)
        return DailySeries(
            np.empty(0, "datetime64[D]"), empty.astype(np.int64), [], [], [], empty, empty
        )
    days = np.arange(
        np.datetime64(first_day, "D"), np.datetime64(last_day + dt.timedelta(days=1), "D")
    )
    n = len(days)
    offsets = (exit_days.astype("datetime64[D]") - days[0]).astype(np.int64)
    inside = (offsets >= 0) & (offsets < n)
    weights = None if trades_per_day is None else np.asarray(trades_per_day)[inside]
    counts = np.bincount(offsets[inside], weights=weights, minlength=n).astype(np.int64)
    exact = dict(zip(pnl_days.astype("datetime64[D]").tolist(), pnl, strict=True))
    day_pnl = [exact.get(d, Decimal(0)) for d in days.tolist()]
    day_flows = [flows.between(d, d) for d in days.tolist()] if flows else [Decimal(0)] * n
    cumulative: list[Decimal] = []
    equity: list[Decimal] = []
    run = Decimal(0)
    cash = equity_start
    for x, f in zip(day_pnl, day_flows, strict=True):
        run += x
        cash += f
        cumulative.append(run)
        equity.append(cash + run)
    pnl_f = np.array([float(x) for x in day_pnl], dtype=np.float64)
    flows_f = np.array([float(x) for x in day_flows], dtype=np.float64)
    end = float(equity_start) + np.cumsum(pnl_f + flows_f)
    rets = period_returns(pnl_f, flows_f, np.array([float(equity_start)]))
    if np.any(flows_f):  # the time-weighted wealth index, as the summary's drawdown
        path = np.concatenate(([1.0], np.cumprod(1.0 + rets)))
    else:
        path = np.concatenate(([float(equity_start)], end))
    peak = np.fmax.accumulate(path)
    with np.errstate(divide="ignore", invalid="ignore"):
        underwater = np.where(peak > 0, np.minimum(path / peak - 1.0, 0.0), np.nan)[1:]
    series = DailySeries(days, counts, day_pnl, cumulative, equity, rets, underwater)
    # with a trading calendar, the days outside it without a trade, P&L or cash flow are
    # left out (the rows left are what the summary's daily returns are taken over)
    keep = calendars.current().keep(first_day, pnl_f, flows_f, counts)
    return series if keep is None else series.take(keep)
