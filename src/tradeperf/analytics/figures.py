"""The figures of one group of closed trades (a whole period, a window, a strategy, a symbol).

Every figure is defined once in `tradeperf.metrics` (the registry and its functions); this
module only selects the trades and the equity they start from, and sums money exactly.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import itertools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pyarrow as pa

from tradeperf import calendars
from tradeperf.ledger.returns import period_returns
from tradeperf.metrics import drawdown, returns, trades
from tradeperf.metrics.registry import Figure as RegistryFigure

#: Days a year for annualising the summaries' daily ratios: every calendar day is a period
#: (bots trade on weekends; a day without a closed trade has a 0 return).
#: Calendar days per year: the annualisation of an every-day calendar (`tradeperf.calendars`).
CALENDAR_DAYS_PER_YEAR: Final = calendars.CALENDAR_DAYS_PER_YEAR

Figure = int | float | Decimal | None

#: Precision of the Decimal context money is summed in: wider than any sum of stored amounts
#: (38 digits each), so sums and the equity rebuild are exact.
MONEY_CONTEXT_PREC: Final = 80


def max_drawdown_abs(net: list[Decimal]) -> Decimal:
    """Return the largest fall of the cumulative net P&L path below its running peak, exactly.

    The path is P_0 = 0, P_k = x_1 + ... + x_k of the amounts ``net``; the fall is
    ``max_{i <= j} (P_i - P_j)``: the account's trade-by-trade drawdown in currency (the equity
    curve is the starting equity plus P).

    The same figure as `tradeperf.metrics.drawdown.equity_drawdown` ``.max_drawdown_abs``,
    summed in Decimal rather than rebuilt from floats; 0 for no trades.

    Examples
    --------
    >>> max_drawdown_abs([Decimal("100.1"), Decimal("-30.2"), Decimal("10"), Decimal("-90")])
    Decimal('110.2')
    """
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        path = list(itertools.accumulate(net, initial=Decimal(0)))
        peaks = itertools.accumulate(path, max)
        deepest: Decimal = max(map(operator.sub, peaks, path))
        return deepest


_MONEY_QUANTUM: Final = Decimal(1).scaleb(-18)


def exact_mean(total: Decimal, count: int) -> Decimal | None:
    """Return ``total / count`` of money, rounded half-even to the stored scale (18 decimals).

    None when ``count`` is 0 (undefined: no such trade), ``Decimal("NaN")`` when ``total`` is
    NaN (a sum out of the store's range). Both are null in JSON, each with its own reason.

    The exact counterpart of `tradeperf.metrics.trades.TradeTotals`' float averages, for the
    figures that are money (average win and loss, expectancy).

    Examples
    --------
    >>> exact_mean(Decimal("10"), 3)
    Decimal('3.333333333333333333')
    >>> exact_mean(Decimal("10"), 0) is None
    True
    >>> exact_mean(Decimal("NaN"), 2)
    Decimal('NaN')
    """
    if count == 0:
        return None
    if total.is_nan():
        return Decimal("NaN")
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC, rounding=decimal.ROUND_HALF_EVEN):
        return (total / count).quantize(_MONEY_QUANTUM)


@dataclass(frozen=True, slots=True)
class ClosedTrades:
    """Closed trades as columns, in exit order (exit time, then entry time, then trade id).

    Attributes
    ----------
    net, gross, fees : exact per-trade amounts (Decimal) in the account currency.
    net_f : ``net`` as float64, for statistics.
    exit_us, entry_us : UTC microseconds since the epoch (entry may be missing: -1).
    day : local calendar day of the exit (``datetime64[D]``) in the reporting timezone.
    strategy, symbol : labels per trade.
    """

    net: list[Decimal]
    gross: list[Decimal]
    fees: list[Decimal]
    net_f: np.ndarray
    exit_us: np.ndarray
    entry_us: np.ndarray
    day: np.ndarray
    strategy: np.ndarray
    symbol: np.ndarray

    @classmethod
    def from_table(cls, table: pa.Table, day: np.ndarray) -> ClosedTrades:
        """Build from a `TRADE_SCHEMA` table already in exit order and its local days."""
        net = table.column("net_pnl").to_pylist()
        fees = [f if f is not None else Decimal(0) for f in table.column("fees").to_pylist()]
        gross = [
            g if g is not None else n + f
            for g, n, f in zip(table.column("gross_pnl").to_pylist(), net, fees, strict=True)
        ]
        entry = table.column("entry_time").cast(pa.int64()).to_numpy(zero_copy_only=False)
        return cls(
            net=net,
            gross=gross,
            fees=fees,
            net_f=np.array([float(x) for x in net], dtype=np.float64),
            exit_us=table.column("exit_time").cast(pa.int64()).to_numpy(zero_copy_only=False),
            entry_us=np.nan_to_num(entry.astype(np.float64), nan=-1).astype(np.int64),
            day=day,
            strategy=np.array(table.column("strategy").to_pylist(), dtype=object),
            symbol=np.array(table.column("symbol").to_pylist(), dtype=object),
        )

    def __len__(self) -> int:
        """Return the number of trades."""
        return len(self.net)

    def take(self, idx: np.ndarray) -> ClosedTrades:
        """Return the trades at positions ``idx`` (kept in the given order)."""
        return ClosedTrades(
            net=[self.net[i] for i in idx],
            gross=[self.gross[i] for i in idx],
            fees=[self.fees[i] for i in idx],
            net_f=self.net_f[idx],
            exit_us=self.exit_us[idx],
            entry_us=self.entry_us[idx],
            day=self.day[idx],
            strategy=self.strategy[idx],
            symbol=self.symbol[idx],
        )


def calendar_day_pnl(
    days: np.ndarray, pnl: np.ndarray, *, first_day: dt.date, last_day: dt.date
) -> np.ndarray:
    """Net P&L per calendar day from ``first_day`` to ``last_day`` (inclusive), float64.

    ``days`` (``datetime64[D]``) and ``pnl`` pair each amount with its local day; amounts
    outside the range are left out and days without any are 0.
    """
    n_days = (last_day - first_day).days + 1
    if n_days <= 0:
        return np.empty(0)
    offsets = (days.astype("datetime64[D]") - np.datetime64(first_day, "D")).astype(np.int64)
    inside = (offsets >= 0) & (offsets < n_days)
    return np.bincount(offsets[inside], weights=pnl[inside], minlength=n_days)


@dataclass(frozen=True, slots=True)
class DailyAmounts:
    """Exact amounts by local day.

    The amounts are the account's deposits (+) and withdrawals (−), or the P&L per day of
    books kept from fills.

    Cash flows change equity but are not profit: daily returns are time-weighted (a flow is
    taken to arrive at the start of its day), and the drawdown follows the time-weighted
    wealth index, so a withdrawal is not a loss.
    """

    days: np.ndarray
    cumulative: list[Decimal]
    #: the amount of each listed day, float64 (computed once: every window reads it)
    flows_f64: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Compute the float64 amounts once."""
        floats = np.diff(np.array([float(c) for c in self.cumulative], dtype=np.float64))
        object.__setattr__(self, "flows_f64", floats)

    @classmethod
    def of(cls, days: np.ndarray, amounts: list[Decimal]) -> DailyAmounts:
        """Flows of ``amounts`` on local ``days`` (``datetime64[D]``), in any order."""
        order = np.argsort(days, kind="stable")
        total = Decimal(0)
        cumulative = [total]
        for i in order:
            total += amounts[i]
            cumulative.append(total)
        return cls(days=days[order].astype("datetime64[D]"), cumulative=cumulative)

    @classmethod
    def none(cls) -> DailyAmounts:
        """No flows."""
        return cls(days=np.empty(0, "datetime64[D]"), cumulative=[Decimal(0)])

    def __bool__(self) -> bool:
        """Return whether there is any amount (on any day)."""
        return bool(self.days.size)

    def __add__(self, other: DailyAmounts) -> DailyAmounts:
        """Both sets of amounts together."""
        return DailyAmounts.of(
            np.concatenate((self.days, other.days)), [*self.amounts(), *other.amounts()]
        )

    def amounts(self) -> list[Decimal]:
        """Return the amounts, in day order."""
        return [b - a for a, b in itertools.pairwise(self.cumulative)]

    def before(self, day: dt.date | None) -> Decimal:
        """Sum of the flows on days before ``day`` (0 for None)."""
        if day is None or not self.days.size:
            return Decimal(0)
        return self.cumulative[int(np.searchsorted(self.days, np.datetime64(day, "D")))]

    def between(self, first: dt.date | None, last: dt.date | None) -> Decimal:
        """Sum of the flows from ``first`` to ``last`` inclusive (0 when either is None)."""
        if first is None or last is None:
            return Decimal(0)
        return self.before(last + dt.timedelta(days=1)) - self.before(first)

    def by_day(self, first: dt.date, last: dt.date) -> dict[np.datetime64, Decimal]:
        """Return the exact amount of each listed day from ``first`` to ``last`` inclusive."""
        a = int(np.searchsorted(self.days, np.datetime64(first, "D"), "left"))
        b = int(np.searchsorted(self.days, np.datetime64(last, "D"), "right"))
        out: dict[np.datetime64, Decimal] = {}
        cumulative = self.cumulative
        for i, day in enumerate(self.days[a:b], start=a):  # the days are sorted (`of`)
            out[day] = out.get(day, Decimal(0)) + (cumulative[i + 1] - cumulative[i])
        return out

    def per_day(self, first: dt.date, last: dt.date) -> np.ndarray:
        """Flows per calendar day from ``first`` to ``last`` inclusive, float64."""
        return calendar_day_pnl(self.days, self.flows_f64, first_day=first, last_day=last)


#: Deposits and withdrawals by day.
CashFlows = DailyAmounts


@dataclass(frozen=True, slots=True)
class DailyPath:
    """What the summaries take from the end-of-day equity path.

    Attributes
    ----------
    returns : one time-weighted simple return per calendar day: the day's net P&L over the
        equity at the start of the day, that day's cash flow included (NaN where that equity
        is not positive).
    max_drawdown : the largest fall of the end-of-day wealth index below its running peak, as
        a positive fraction of the peak; the start counts as the first peak. Without cash
        flows the wealth index is end-of-day equity over the starting equity.
    total_return : the compounded return over the days, prod(1 + r) − 1.
    sharpe_ratio, sortino_ratio : of ``returns``, annualised over `CALENDAR_DAYS_PER_YEAR`.
    """

    returns: np.ndarray
    max_drawdown: float
    total_return: float
    sharpe_ratio: float
    sortino_ratio: float


def daily_path(
    day_pnl: np.ndarray, *, equity_start: Decimal, day_flows: np.ndarray | None = None
) -> DailyPath:
    """Compute the daily returns, end-of-day drawdown and total return of an account.

    The account starts at ``equity_start``; its net P&L per calendar day is ``day_pnl`` and its
    deposits (+) and withdrawals (−) per day are ``day_flows`` (arriving at the start of their
    day).

    Examples
    --------
    >>> p = daily_path(np.array([100.0, -220.0, 60.0]), equity_start=Decimal(1000))
    >>> p.returns.round(4).tolist(), round(p.max_drawdown, 4), round(p.total_return, 4)
    ([0.1, -0.2, 0.0682], 0.2, -0.06)
    >>> # a withdrawal of half the account is not a loss
    >>> p = daily_path(np.array([0.0, 50.0]), equity_start=Decimal(1000),
    ...                day_flows=np.array([-500.0, 0.0]))
    >>> p.returns.tolist(), p.max_drawdown, round(p.total_return, 12)
    ([0.0, 0.1], 0.0, 0.1)
    """
    flows = None if day_flows is None else day_flows[np.newaxis, :]
    return daily_paths(day_pnl[np.newaxis, :], equity_starts=[equity_start], day_flows=flows)[0]


def daily_paths(
    day_pnl: np.ndarray, *, equity_starts: Sequence[Decimal], day_flows: np.ndarray | None = None
) -> list[DailyPath]:
    """Compute the `daily_path` of each row of ``day_pnl``.

    ``day_pnl`` is 2-D: one account's days per row, every row as long; row i's account starts
    at ``equity_starts[i]`` with the flows of the same row of ``day_flows``. These are the
    paths of many windows of one length at once, each to the last bit as alone (the arithmetic
    runs along each row).
    """
    rows, n_days = day_pnl.shape
    if n_days == 0:
        nan = float("nan")
        return [DailyPath(np.empty(0), nan, nan, nan, nan) for _ in range(rows)]
    start = np.array([float(e) for e in equity_starts], dtype=np.float64)[:, np.newaxis]
    flows = np.zeros_like(day_pnl) if day_flows is None else day_flows
    end = start + np.cumsum(day_pnl + flows, axis=1)
    rets = period_returns(day_pnl, flows, start)  # the one time-weighted convention
    # without flows, end-of-day equity itself: exact to the last float rounding, and defined
    # for a negative equity (NaN only where the peak is not positive); with flows, the
    # time-weighted wealth index
    path = np.concatenate((start, end), axis=1)
    moved = np.any(flows, axis=1)
    if moved.any():
        wealth = np.concatenate((np.ones((rows, 1)), np.cumprod(1.0 + rets, axis=1)), axis=1)
        path = np.where(moved[:, np.newaxis], wealth, path)
    dd = drawdown.max_drawdown_fractions(path)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = np.where(path[:, 0] > 0, path[:, -1] / path[:, 0] - 1.0, np.nan)
    sharpe, sortino = _daily_ratios(rets)
    return [
        DailyPath(rets[i], float(dd[i]), float(total[i]), float(sharpe[i]), float(sortino[i]))
        for i in range(rows)
    ]


def _daily_ratios(rets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the Sharpe and Sortino ratios of each row of daily returns.

    The rows without NaN are computed together, the others alone (their NaN dropped).
    """
    per_year = calendars.current().periods_per_year
    sharpe = np.full(len(rets), np.nan)
    sortino = np.full(len(rets), np.nan)
    if rets.shape[1] < 2:
        return sharpe, sortino
    whole = ~np.isnan(rets).any(axis=1)
    sharpe[whole] = returns.sharpe_ratios(rets[whole], periods_per_year=per_year)
    sortino[whole] = returns.sortino_ratios(rets[whole], periods_per_year=per_year)
    for i in np.flatnonzero(~whole):
        sharpe[i] = returns.sharpe_ratio(rets[i], periods_per_year=per_year)
        sortino[i] = returns.sortino_ratio(rets[i], periods_per_year=per_year)
    return sharpe, sortino


def group_figures(
    group: ClosedTrades,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None = None,
    account: DailyAmounts | None = None,
    returns_figures: bool = True,
) -> dict[str, Figure]:
    """All summary figures of ``group``, keyed by their registry names.

    Parameters
    ----------
    group
        The closed trades, in exit order.
    equity_start
        Account equity (currency) before the group's first trade: the starting capital plus
        the net P&L of every earlier trade.
    first_day, last_day
        The calendar days over which daily returns and the end-of-day drawdown are taken
        (None when the group is empty).
    flows
        The account's deposits and withdrawals (None for a breakdown group).
    account
        The account's P&L by day when it is not the closed trades' (books kept from fills,
        marked to market): daily returns, drawdown and ``equity_end`` then follow it. None to
        take the group's net P&L by exit day.
    returns_figures
        Also the `DAILY_RETURN_FIGURES` (the period's rows carry them, windows do not).

    Returns
    -------
    dict[str, Figure]
        From figure name (see docs/metrics.md) to its value: ints for counts, Decimal for
        exact money sums, float for statistics (NaN when undefined, inf where documented).
    """
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        return _group_figures(
            group,
            equity_start=equity_start,
            first_day=first_day,
            last_day=last_day,
            flows=flows,
            account=account,
            returns_figures=returns_figures,
        )


def _group_figures(
    group: ClosedTrades,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None,
    account: DailyAmounts | None,
    returns_figures: bool,
) -> dict[str, Figure]:
    pnl = group.net_f
    totals = trades.TradeTotals.of(pnl)
    net = sum(group.net, Decimal(0))
    positives = [x for x in group.net if x > 0]
    negatives = [x for x in group.net if x < 0]
    win_streak, loss_streak = trades.longest_streaks(pnl)
    has_entry = group.entry_us >= 0
    holding = (
        trades.average_holding_time(group.entry_us[has_entry] / 1e6, group.exit_us[has_entry] / 1e6)
        if has_entry.any()
        else float("nan")
    )
    # a day's P&L in the returns' own measure (a winning day is one where it is positive):
    # the account's marked-to-market P&L when books are kept from fills, else the exact sum
    # of the closed trades' (then a float: a day whose trades net to 0 returns 0)
    day_pnl = None
    if first_day is not None and last_day is not None and account is not None:
        by_day = account.by_day(first_day, last_day)
        day_pnl = account.per_day(first_day, last_day)
    else:
        by_day = pnl_by_day(group)
        if first_day is not None and last_day is not None and by_day:
            days = np.fromiter(by_day, dtype="datetime64[D]", count=len(by_day))
            sums = np.array([float(v) for v in by_day.values()], dtype=np.float64)
            day_pnl = calendar_day_pnl(days, sums, first_day=first_day, last_day=last_day)
    path, flows_in = path_of_days(
        group.day,
        pnl,
        equity_start=equity_start,
        first_day=first_day,
        last_day=last_day,
        flows=flows,
        day_pnl=day_pnl,
    )
    moved = account.between(first_day, last_day) if account is not None else net
    return assemble_figures(
        FigureInputs(
            totals=totals,
            path=path,
            gross_pnl=sum(group.gross, Decimal(0)),
            fees=sum(group.fees, Decimal(0)),
            net_pnl=net,
            win_sum=sum(positives, Decimal(0)),
            loss_sum=sum(negatives, Decimal(0)),
            cash_flows=flows_in,
            largest_win=max(positives) if positives else None,
            largest_loss=min(negatives) if negatives else None,
            longest_win_streak=win_streak,
            longest_loss_streak=loss_streak,
            current_streak=trades.current_streak(pnl),
            average_holding_seconds=holding,
            max_drawdown_abs=max_drawdown_abs(group.net),
            day_nets=np.array([float(v) for v in by_day.values()], dtype=np.float64),
            equity_start=equity_start,
            equity_moved=moved,
        ),
        returns_figures=returns_figures,
    )


@dataclass(frozen=True, slots=True)
class FigureInputs:
    """What the summary figures of a group are made from, however it was aggregated.

    The group may be aggregated from the trades themselves or merged from daily partials.

    ``day_nets``: the net P&L (float64) of each day with a closed trade, in the measure of
    the daily returns; NaN for a day whose sum is out of the store's range.
    """

    totals: trades.TradeTotals
    path: DailyPath
    gross_pnl: Decimal
    fees: Decimal
    net_pnl: Decimal
    win_sum: Decimal
    loss_sum: Decimal
    cash_flows: Decimal
    largest_win: Decimal | None
    largest_loss: Decimal | None
    longest_win_streak: int
    longest_loss_streak: int
    current_streak: int
    average_holding_seconds: float
    max_drawdown_abs: Decimal | None
    day_nets: np.ndarray
    equity_start: Decimal
    equity_moved: Decimal


#: Figures of the daily returns every summary row carries, evaluated by their registry name
#: (`tradeperf.metrics.registry`) on the row's daily returns (P = `CALENDAR_DAYS_PER_YEAR`
#: where they annualise; value at risk and expected shortfall at the 5 % tail, historical;
#: the probabilistic Sharpe ratio against SR* = 0).
DAILY_RETURN_FIGURES: Final = (
    "cagr",
    "annual_volatility",
    "calmar_ratio",
    "value_at_risk",
    "conditional_value_at_risk",
    "tail_ratio",
    "probabilistic_sharpe_ratio",
)


def _daily_return_figures(rets: np.ndarray) -> dict[str, Figure]:
    """Evaluate `DAILY_RETURN_FIGURES` and the users' figures on a row's daily returns.

    NaN returns are dropped. A user's figure that raises, or a plugin that cannot load, is
    a `ConfigError` naming it.
    """
    from tradeperf.errors import ConfigError
    from tradeperf.metrics.registry import get_figure, user_figures

    r = rets[~np.isnan(rets)]
    out: dict[str, Figure] = {}
    try:
        users = user_figures()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    for name in DAILY_RETURN_FIGURES:
        out[name] = daily_return_figure(get_figure(name), r)
    for f in users:
        out[f.name] = daily_return_figure(f, r)
    return out


def daily_return_figure(figure: RegistryFigure, returns: np.ndarray) -> float:
    """Evaluate a registry figure of the daily returns on ``returns`` (no NaN), as summaries do.

    Parameters
    ----------
    figure
        A registry figure with ``inputs="daily_returns"`` and a function.
    returns
        float64 daily returns (0.01 = 1 %), shape (n,). The library's annualised figures take
        P = `CALENDAR_DAYS_PER_YEAR`.

    Returns
    -------
    float
        The value; NaN when ``returns`` is empty (a built-in figure), inf beyond the float
        range.

    Raises
    ------
    ConfigError
        If a user's figure raises.
    """
    from tradeperf.errors import ConfigError

    assert figure.function is not None  # built-ins are metrics; register_figure checks users'
    if not figure.builtin:
        try:
            return float(figure.function(returns.copy()))
        except Exception as exc:
            raise ConfigError(f"figure {figure.name!r} failed on the daily returns: {exc}") from exc
    # a figure annualises where its function does (cagr, annual volatility, Calmar, Sharpe)
    per_year = calendars.current().periods_per_year
    kw = {"periods_per_year": per_year} if _annualises(figure.function) else {}
    try:
        with np.errstate(all="ignore"):
            return float(figure.function(returns, **kw)) if returns.size else float("nan")
    except OverflowError:  # growth beyond the float range (amounts near the store's)
        return float("inf")


@functools.cache
def _annualises(function: Callable[..., Any]) -> bool:
    """Tell whether a figure's function annualises (takes ``periods_per_year``); once each."""
    import inspect

    try:
        return "periods_per_year" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def assemble_figures(x: FigureInputs, *, returns_figures: bool = True) -> dict[str, Figure]:
    """Return the summary figures of ``x``, keyed by their registry names.

    This is the one place that defines the set a summary, a window and a breakdown carry.

    Parameters
    ----------
    x
        What the figures are made from.
    returns_figures
        Also the `DAILY_RETURN_FIGURES` of the daily returns (the summary's overall and
        breakdown rows; a window's rows leave them out: a few days of returns say little,
        and a 5-year weekly summary would spend 40 ms on them).
    """
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        equity_end = x.equity_start + x.cash_flows + x.equity_moved
    return {
        "trades": x.totals.trades,
        "wins": x.totals.wins,
        "losses": x.totals.losses,
        "breakevens": x.totals.breakevens,
        "win_rate": x.totals.win_rate,
        # money: exact means of the exact sums (the ratios stay float64)
        "average_win": exact_mean(x.win_sum, x.totals.wins),
        "average_loss": exact_mean(x.loss_sum, x.totals.losses),
        "payoff_ratio": x.totals.payoff_ratio,
        "profit_factor": x.totals.profit_factor,
        "expectancy": exact_mean(x.net_pnl, x.totals.trades),
        "gross_pnl": x.gross_pnl,
        "fees": x.fees,
        "net_pnl": x.net_pnl,
        "return_pct": x.path.total_return,
        "cash_flows": x.cash_flows,
        "largest_win": x.largest_win,
        "largest_loss": x.largest_loss,
        "longest_win_streak": x.longest_win_streak,
        "longest_loss_streak": x.longest_loss_streak,
        "current_streak": x.current_streak,
        "average_holding_seconds": x.average_holding_seconds,
        "max_drawdown": x.path.max_drawdown,
        "max_drawdown_abs": x.max_drawdown_abs,
        "sharpe_ratio": x.path.sharpe_ratio,
        "sortino_ratio": x.path.sortino_ratio,
        "trading_days": int(x.day_nets.size),
        # a day's net P&L out of the store's range is NaN: neither winning nor losing
        "winning_days": int(np.count_nonzero(x.day_nets > 0)),
        "losing_days": int(np.count_nonzero(x.day_nets < 0)),
        "equity_start": x.equity_start,
        "equity_end": equity_end,
        **(_daily_return_figures(x.path.returns) if returns_figures else {}),
    }


def path_of_days(
    days: np.ndarray,
    pnl: np.ndarray,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None,
    day_pnl: np.ndarray | None = None,
) -> tuple[DailyPath, Decimal]:
    """Return the `DailyPath` over ``first_day``..``last_day`` and the cash flows in that range.

    The path is of the P&L amounts ``pnl`` on local ``days`` (or of the given ``day_pnl`` per
    calendar day) with the account's cash ``flows``; the flows in the range are summed exactly.
    """
    if first_day is None or last_day is None:
        return daily_path(np.empty(0), equity_start=equity_start), Decimal(0)
    if day_pnl is None:
        day_pnl = calendar_day_pnl(days, pnl, first_day=first_day, last_day=last_day)
    day_flows = flows.per_day(first_day, last_day) if flows else None
    # with a trading calendar, the days outside it with nothing on them are left out
    keep = calendars.current().keep(first_day, day_pnl, day_flows)
    if keep is not None:
        day_pnl = day_pnl[keep]
        day_flows = None if day_flows is None else day_flows[keep]
    if day_flows is None:
        return daily_path(day_pnl, equity_start=equity_start), Decimal(0)
    path = daily_path(day_pnl, equity_start=equity_start, day_flows=day_flows)
    return path, flows.between(first_day, last_day) if flows else Decimal(0)


def paths_of_days(
    days: np.ndarray,
    pnl: np.ndarray,
    spans: Sequence[tuple[Decimal, dt.date, dt.date]],
    *,
    flows: CashFlows | None,
) -> list[tuple[DailyPath, Decimal]]:
    """Return the `path_of_days` of the amounts ``pnl`` on ``days`` over each span.

    Each span is (equity start, first day, last day), with the account's cash ``flows``. The
    spans of one length are computed together, by `daily_paths` (a summary's windows in a few
    array passes, each as `path_of_days` gives it).
    """
    if not spans:
        return []
    if not calendars.current().every_day:  # each span keeps days of its own
        return [
            path_of_days(days, pnl, equity_start=e, first_day=lo, last_day=hi, flows=flows)
            for e, lo, hi in spans
        ]
    origin = min(lo for _, lo, _ in spans)
    last = max(hi for _, _, hi in spans)
    every_pnl = calendar_day_pnl(days, pnl, first_day=origin, last_day=last)
    every_flow = flows.per_day(origin, last) if flows else None
    by_length: dict[int, list[int]] = {}
    for i, (_, lo, hi) in enumerate(spans):
        by_length.setdefault(max((hi - lo).days + 1, 0), []).append(i)
    out: dict[int, tuple[DailyPath, Decimal]] = {}
    for length, which in by_length.items():
        first = np.array([(spans[i][1] - origin).days for i in which], dtype=np.int64)
        cells = first[:, np.newaxis] + np.arange(length)
        paths = daily_paths(
            every_pnl[cells],
            equity_starts=[spans[i][0] for i in which],
            day_flows=None if every_flow is None else every_flow[cells],
        )
        for i, path in zip(which, paths, strict=True):
            _, lo, hi = spans[i]
            out[i] = path, flows.between(lo, hi) if flows else Decimal(0)
    return [out[i] for i in range(len(spans))]


def pnl_by_day(group: ClosedTrades) -> dict[np.datetime64, Decimal]:
    """Give the exact net P&L of each local day that has at least one closed trade.

    Parameters
    ----------
    group
        The closed trades (their local exit days).
    """
    out: dict[np.datetime64, Decimal] = {}
    for d, x in zip(group.day, group.net, strict=True):
        out[d] = out.get(d, Decimal(0)) + x
    return out
