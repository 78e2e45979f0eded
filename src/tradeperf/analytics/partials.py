"""Window figures merged from the store's daily partial aggregates, without rescanning trades.

The store keeps, per (reporting timezone, local day, strategy, symbol), the mergeable figures
of that day's closed trades (`tradeperf.store.partials_sql`). A `Partial` is one element of a
monoid: ``a + b`` is the partial of a's trades followed (in exit order) by b's, and
``Partial()`` is the identity, so any window is the sum of its days' partials in day order.

Which parts merge how (a = earlier, b = later):

- counts and sums add (money exactly, in Decimal; the sum of squares in float);
- largest win / loss: max / min; first / last exit: min / max;
- streaks: with n the trades, ``lead = a.lead if a.lead < a.n else a.n + b.lead``,
  ``trail = b.trail if b.trail < b.n else b.n + a.trail``,
  ``best = max(a.best, b.best, a.trail + b.lead)`` (wins and losses alike; a breakeven breaks
  both runs, as in `tradeperf.metrics.trades.longest_streaks`);
- drawdown of the cumulative net P&L path P_0 = 0, P_k = x_1 + ... + x_k: with S the sum,
  ``Mx = max_k P_k`` and ``Mn = min_k P_k`` (k from 0, so Mx >= 0 >= Mn) and
  ``D = max_{i <= j} (P_i - P_j)``: ``S = a.S + b.S``, ``Mx = max(a.Mx, a.S + b.Mx)``,
  ``Mn = min(a.Mn, a.S + b.Mn)``, ``D = max(a.D, b.D, a.Mx - (a.S + b.Mn))`` (the deepest fall
  lies in a, in b, or runs from a's highest point to b's lowest). The account's absolute
  drawdown over a window is D: the equity curve is the starting equity plus P.

The drawdown of the trade-by-trade path as a FRACTION of the running peak would not merge
with a fixed-size summary (it depends on where each fall sits relative to the equity level);
that is why the summaries define ``max_drawdown`` on end-of-day equity, which merges from the
daily net P&L, while ``max_drawdown_abs`` (trade by trade) is exact through D.

The entry point for a whole summary is `summarize_partials`, a drop-in for
`tradeperf.analytics.summary.summarize`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, ParamSpec, TypeVar

import numpy as np
import pyarrow as pa

from tradeperf.analytics.books import load_cash_flows
from tradeperf.analytics.figures import (
    CashFlows,
    Figure,
    FigureInputs,
    assemble_figures,
    path_of_days,
)
from tradeperf.analytics.model import Summary, SummaryRequest, WindowFigures
from tradeperf.analytics.windows import (
    WindowKind,
    make_window,
    window_start_days,
)
from tradeperf.errors import ConfigError, InputError
from tradeperf.metrics.trades import TradeTotals
from tradeperf.records import TradeStatus
from tradeperf.store import Store, TradeQuery
from tradeperf.store.partials_sql import SUM_COLUMNS
from tradeperf.timezones import resolve_timezone

ZERO: Final = Decimal(0)
#: Precision of the Decimal context merges run in: wider than any stored sum (38 digits).
_PREC: Final = 80
#: The strategy/symbol value of the store's roll-up partials.
ALL: Final = "*"


@dataclass(frozen=True, slots=True)
class Partial:
    """Mergeable figures of a run of closed trades in exit order (see the module notes).

    Money (``net_pnl`` ... ``min_loss``, ``max_prefix``, ``min_prefix``, ``max_drawdown``) is
    exact Decimal in the account currency; ``net_sq_sum`` is a float (currency squared);
    ``holding_us_sum`` is microseconds over the ``holding_count`` trades with an entry time.
    ``out_of_range`` marks a run with a day whose money sums the store could not hold
    (docs/store.md, "range"; its sums are then 0 here and meaningless), and every merge
    with one: the money figures built on it are null with a reason, never a wrong number.
    """

    trades: int = 0
    wins: int = 0
    losses: int = 0
    breakevens: int = 0
    net_pnl: Decimal = ZERO
    gross_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    win_sum: Decimal = ZERO
    loss_sum: Decimal = ZERO
    net_sq_sum: float = 0.0
    max_win: Decimal | None = None
    min_loss: Decimal | None = None
    holding_us_sum: int = 0
    holding_count: int = 0
    first_exit: dt.datetime | None = None
    last_exit: dt.datetime | None = None
    lead_win: int = 0
    trail_win: int = 0
    best_win_run: int = 0
    lead_loss: int = 0
    trail_loss: int = 0
    best_loss_run: int = 0
    max_prefix: Decimal = ZERO
    min_prefix: Decimal = ZERO
    max_drawdown: Decimal = ZERO
    out_of_range: bool = False

    @classmethod
    def of_trade(
        cls,
        net: Decimal,
        *,
        gross: Decimal | None = None,
        fees: Decimal = ZERO,
        exit_time: dt.datetime | None = None,
        holding_us: int | None = None,
    ) -> Partial:
        """The partial of one closed trade (``gross`` defaults to ``net + fees``)."""
        win, loss = net > 0, net < 0
        return cls(
            trades=1,
            wins=int(win),
            losses=int(loss),
            breakevens=int(not win and not loss),
            net_pnl=net,
            gross_pnl=gross if gross is not None else net + fees,
            fees=fees,
            win_sum=net if win else ZERO,
            loss_sum=net if loss else ZERO,
            net_sq_sum=float(net) * float(net),
            max_win=net if win else None,
            min_loss=net if loss else None,
            holding_us_sum=holding_us or 0,
            holding_count=int(holding_us is not None),
            first_exit=exit_time,
            last_exit=exit_time,
            lead_win=int(win),
            trail_win=int(win),
            best_win_run=int(win),
            lead_loss=int(loss),
            trail_loss=int(loss),
            best_loss_run=int(loss),
            max_prefix=max(ZERO, net),
            min_prefix=min(ZERO, net),
            max_drawdown=max(ZERO, -net),
        )

    def __add__(self, b: Partial) -> Partial:
        """The partial of this run's trades followed by ``b``'s."""
        a = self
        if not b.trades:
            return a
        if not a.trades:
            return b
        return Partial(
            trades=a.trades + b.trades,
            wins=a.wins + b.wins,
            losses=a.losses + b.losses,
            breakevens=a.breakevens + b.breakevens,
            net_pnl=a.net_pnl + b.net_pnl,
            gross_pnl=a.gross_pnl + b.gross_pnl,
            fees=a.fees + b.fees,
            win_sum=a.win_sum + b.win_sum,
            loss_sum=a.loss_sum + b.loss_sum,
            net_sq_sum=a.net_sq_sum + b.net_sq_sum,
            max_win=_opt(max, a.max_win, b.max_win),
            min_loss=_opt(min, a.min_loss, b.min_loss),
            holding_us_sum=a.holding_us_sum + b.holding_us_sum,
            holding_count=a.holding_count + b.holding_count,
            first_exit=_opt(min, a.first_exit, b.first_exit),
            last_exit=_opt(max, a.last_exit, b.last_exit),
            lead_win=a.lead_win if a.lead_win < a.trades else a.trades + b.lead_win,
            trail_win=b.trail_win if b.trail_win < b.trades else b.trades + a.trail_win,
            best_win_run=max(a.best_win_run, b.best_win_run, a.trail_win + b.lead_win),
            lead_loss=a.lead_loss if a.lead_loss < a.trades else a.trades + b.lead_loss,
            trail_loss=b.trail_loss if b.trail_loss < b.trades else b.trades + a.trail_loss,
            best_loss_run=max(a.best_loss_run, b.best_loss_run, a.trail_loss + b.lead_loss),
            max_prefix=max(a.max_prefix, a.net_pnl + b.max_prefix),
            min_prefix=min(a.min_prefix, a.net_pnl + b.min_prefix),
            max_drawdown=max(
                a.max_drawdown, b.max_drawdown, a.max_prefix - a.net_pnl - b.min_prefix
            ),
            out_of_range=a.out_of_range or b.out_of_range,
        )


#: A money figure the store's sums cannot represent (see `figures`).
OUT_OF_RANGE: Final = Decimal("NaN")


def _money(part: Partial, value: Decimal) -> Decimal:
    """``value``, a money sum of ``part``, or `OUT_OF_RANGE` when the part has a day whose
    sums the store could not hold."""
    return OUT_OF_RANGE if part.out_of_range else value


def _opt(f, x, y):  # type: ignore[no-untyped-def]
    if x is None:
        return y
    if y is None:
        return x
    return f(x, y)


#: The stored columns, in the order of `Partial`'s fields (``out_of_range`` is not stored:
#: it is a NULL in one of the `SUM_COLUMNS`).
_FIELDS: Final = tuple(f.name for f in dataclasses.fields(Partial) if f.name != "out_of_range")
_SUMS: Final = tuple(i for i, name in enumerate(_FIELDS) if name in SUM_COLUMNS)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exact_money(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` in the exact Decimal context (`_PREC` digits): equity carried from window
    to window is a sum of stored amounts, which the default 28 digits would round."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(prec=_PREC):
            return fn(*args, **kwargs)

    return run


def merge(parts: Iterable[Partial]) -> Partial:
    """The sum of ``parts`` in order (``Partial()`` when empty), in an exact Decimal context."""
    total = Partial()
    with decimal.localcontext(prec=_PREC):
        for p in parts:
            total = total + p
    return total


def _out_of_range(values: tuple[object, ...]) -> Partial:
    """The partial of a stored row with a NULL (out of range) sum: counts, extremes and
    streaks as stored, sums 0, marked `Partial.out_of_range`."""
    kept = [ZERO if i in _SUMS and v is None else v for i, v in enumerate(values)]
    return dataclasses.replace(Partial(*kept), out_of_range=True)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class DailyPartials:
    """The partials of one scope (a strategy and a symbol, either of them ``"*"``), by day.

    ``days`` are the local days in order; ``parts[i]`` is the partial of ``days[i]``.
    """

    days: list[dt.date]
    parts: list[Partial]

    @classmethod
    def from_table(cls, table: pa.Table) -> DailyPartials:
        """From the store's `PARTIALS_SCHEMA` rows of one scope, in day order."""
        columns = [table.column(name).to_pylist() for name in _FIELDS]
        parts = [
            Partial(*values) if all(values[i] is not None for i in _SUMS) else _out_of_range(values)
            for values in zip(*columns, strict=True)
        ]
        return cls(days=table.column("day").to_pylist(), parts=parts)

    def between(self, first: dt.date | None, last: dt.date | None) -> DailyPartials:
        """The days from ``first`` to ``last`` inclusive (None = unbounded)."""
        keep = [
            i
            for i, d in enumerate(self.days)
            if (first is None or d >= first) and (last is None or d <= last)
        ]
        return DailyPartials([self.days[i] for i in keep], [self.parts[i] for i in keep])


def figures(
    daily: DailyPartials,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None = None,
) -> dict[str, Figure]:
    """The summary figures (the keys of `tradeperf.analytics.figures.group_figures`) of the
    trades whose partials are ``daily``.

    Parameters
    ----------
    daily : the partials of the window's days, in day order.
    equity_start : account equity (currency) before the window's first trade.
    first_day, last_day : the calendar days daily returns are taken over (None: no returns).

    Returns
    -------
    dict of figures: counts and money exactly as the direct path; float figures within
    rounding (about 1e-12 relative). ``max_drawdown`` (fraction) is taken on end-of-day
    equity, so it merges from daily P&L like the direct path's. A money figure built on a
    sum the store could not hold is ``Decimal("NaN")`` and the float figures built on it are
    NaN (the JSON report writes them as null with the reason).
    """
    p = merge(daily.parts)
    totals = TradeTotals(
        wins=p.wins,
        losses=p.losses,
        breakevens=p.breakevens,
        win_sum=float(_money(p, p.win_sum)),
        loss_sum=float(_money(p, p.loss_sum)),
        net_sum=float(_money(p, p.net_pnl)),
    )
    path, flows_in = path_of_days(
        np.array(daily.days, dtype="datetime64[D]"),
        np.array([float(_money(x, x.net_pnl)) for x in daily.parts], dtype=np.float64),
        equity_start=equity_start,
        first_day=first_day,
        last_day=last_day,
        flows=flows,
    )
    return assemble_figures(
        FigureInputs(
            totals=totals,
            path=path,
            gross_pnl=_money(p, p.gross_pnl),
            fees=_money(p, p.fees),
            net_pnl=_money(p, p.net_pnl),
            win_sum=_money(p, p.win_sum),
            loss_sum=_money(p, p.loss_sum),
            cash_flows=flows_in,
            largest_win=p.max_win,
            largest_loss=p.min_loss,
            longest_win_streak=p.best_win_run,
            longest_loss_streak=p.best_loss_run,
            average_holding_seconds=(
                p.holding_us_sum / p.holding_count / 1e6 if p.holding_count else float("nan")
            ),
            max_drawdown_abs=_money(p, p.max_drawdown),
            day_nets=[_money(x, x.net_pnl) for x in daily.parts if x.trades],
            equity_start=equity_start,
            equity_moved=_money(p, p.net_pnl),
        )
    )


@_exact_money
def window_figures(
    daily: DailyPartials,
    kind: WindowKind,
    tz: str,
    *,
    equity_start: Decimal,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
    flows: CashFlows | None = None,
) -> list[WindowFigures]:
    """Figures of every window of ``kind`` with at least one closed trade, in order, as
    `tradeperf.analytics.summary.summarize` computes them (each window's equity starts where
    the previous one's ended; daily returns span the window clipped to first/last day).

    Raises
    ------
    ConfigError
        If ``tz`` is unknown.
    """
    zone = resolve_timezone(tz)
    active = [(d, p) for d, p in zip(daily.days, daily.parts, strict=True) if p.trades]
    if not active:
        return []
    starts = window_start_days(np.array([d for d, _ in active], dtype="datetime64[D]"), kind)
    out: list[WindowFigures] = []
    equity = equity_start
    i = 0
    while i < len(active):
        j = i
        while j < len(active) and starts[j] == starts[i]:
            j += 1
        window = make_window(starts[i].item(), kind, zone)
        lo = max(window.first_day, first_day) if first_day else window.first_day
        hi_window = window.end_local.date() - dt.timedelta(days=1)
        hi = min(hi_window, last_day) if last_day else hi_window
        group = DailyPartials([d for d, _ in active[i:j]], [p for _, p in active[i:j]])
        cash = flows or CashFlows.none()
        figs = figures(
            group,
            equity_start=equity + cash.before(lo) - cash.before(first_day),
            first_day=lo,
            last_day=hi,
            flows=flows,
        )
        out.append(WindowFigures(kind, window.label, window.start, window.end, figs))
        equity = equity + figs["net_pnl"]  # type: ignore[operator]
        i = j
    return out


def _one(values: tuple[str, ...], what: str) -> str:
    if len(values) > 1:
        raise InputError(
            f"partials keep one {what} or all of them, not {len(values)}: "
            "use the direct summary for several"
        )
    return values[0] if values else ALL


@_exact_money
def summarize_partials(store: Store, request: SummaryRequest) -> Summary:
    """`tradeperf.analytics.summary.summarize_trades` computed from the store's daily partials.

    Reads only the partials (a few thousand rows for years of history) and one count of
    trades per status; builds the partials of ``request.timezone`` first if the store does
    not keep them yet. Figures equal the direct path's (counts and money exactly, floats to
    rounding).

    Raises
    ------
    ConfigError
        If the timezone is unknown or ``start`` is after ``end``.
    InputError
        If more than one strategy or more than one symbol is requested (a roll-up exists
        only for one or all).
    """
    tz = resolve_timezone(request.timezone).key
    if request.start and request.end and request.start > request.end:
        raise ConfigError(f"start {request.start} is after end {request.end}")
    strategy = _one(request.strategies, "strategy")
    symbol = _one(request.symbols, "symbol")
    every = DailyPartials.from_table(store.partials(tz, strategy=strategy, symbol=symbol))
    before = daily_before(every, request.start)
    flows = load_cash_flows(store, tz)
    earlier = merge(before.parts)
    equity_start = request.capital + _money(earlier, earlier.net_pnl)
    period = every.between(request.start, request.end)
    active_days = [d for d, p in zip(period.days, period.parts, strict=True) if p.trades]
    first_day = request.start or (active_days[0] if active_days else None)
    last_day = request.end or (active_days[-1] if active_days else None)
    total = merge(period.parts)

    equity_start += flows.before(first_day)
    overall = figures(
        period, equity_start=equity_start, first_day=first_day, last_day=last_day, flows=flows
    )
    windows = {
        kind: window_figures(
            period,
            kind,
            tz,
            equity_start=equity_start,
            first_day=first_day,
            last_day=last_day,
            flows=flows,
        )
        for kind in request.windows
    }
    strategies, symbols = store.partial_labels(tz)
    by_strategy: dict[str, dict[str, Figure]] = {}
    for s in strategies if strategy == ALL else [strategy]:
        part = DailyPartials.from_table(
            store.partials(tz, start=request.start, end=request.end, strategy=s, symbol=symbol)
        )
        if any(p.trades for p in part.parts):
            by_strategy[s] = figures(
                part, equity_start=equity_start, first_day=first_day, last_day=last_day
            )
    by_symbol: dict[str, dict[str, Figure]] = {}
    for y in symbols if symbol == ALL else [symbol]:
        part = DailyPartials.from_table(
            store.partials(tz, start=request.start, end=request.end, strategy=strategy, symbol=y)
        )
        if any(p.trades for p in part.parts):
            by_symbol[y] = figures(
                part, equity_start=equity_start, first_day=first_day, last_day=last_day
            )
    counts = Counter(
        store.status_counts(TradeQuery(strategies=request.strategies, symbols=request.symbols))
    )
    counts[TradeStatus.CLOSED.value] = total.trades
    info = store.info()
    return Summary(
        request=request,
        generated_at=dt.datetime.now(dt.UTC),
        first_exit=total.first_exit,
        last_exit=total.last_exit,
        overall=overall,
        windows=windows,
        by_strategy=by_strategy,
        by_symbol=by_symbol,
        status_counts={s.value: counts.get(s.value, 0) for s in TradeStatus},
        rejected_rows=info.rejected_rows,
        unreadable_files=info.unreadable_files,
    )


def daily_before(daily: DailyPartials, start: dt.date | None) -> DailyPartials:
    """The days before ``start`` (none when ``start`` is None)."""
    if start is None:
        return DailyPartials([], [])
    return daily.between(None, start - dt.timedelta(days=1))
