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

`Partial` and `merge` are the definition. A summary merges its windows on the columns of the
days instead (`DailyPartials.merged`, the same partials: a Hypothesis test compares them):
money as exact scaled integers read from the stored decimals, counts, extremes and exits
reduced per window, and the streak and drawdown parts above as prefix sums and running
maxima over each window; Decimals are made only for the windows' results.

The entry point for a whole summary is `summarize_partials`, a drop-in for
`tradeperf.analytics.summary.summarize`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import numpy as np
import pyarrow as pa

from tradeperf.analytics.figures import (
    CashFlows,
    DailyPath,
    Figure,
    FigureInputs,
    assemble_figures,
    path_of_days,
    paths_of_days,
)
from tradeperf.analytics.model import Summary, SummaryRequest, WindowFigures
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.analytics.windows import (
    Window,
    make_window,
    window_start_days,
    window_starts_between,
)
from tradeperf.errors import ConfigError, InputError
from tradeperf.metrics.trades import TradeTotals
from tradeperf.records import RecordKind, TradeStatus
from tradeperf.store import Store, TradeQuery
from tradeperf.store.partials_sql import ALL, SUM_COLUMNS
from tradeperf.timezones import resolve_timezone

if TYPE_CHECKING:
    from tradeperf.analytics.series import DailySeries

ZERO: Final = Decimal(0)
#: Precision of the Decimal context merges run in: wider than any stored sum (38 digits).
_PREC: Final = 80


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
        """Return the partial of one closed trade (``gross`` defaults to ``net + fees``)."""
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
        """Return the partial of this run's trades followed by ``b``'s."""
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
    """Return ``value``, a money sum of ``part``, or `OUT_OF_RANGE` if the part is out of range.

    The part is out of range when it has a day whose sums the store could not hold.
    """
    return OUT_OF_RANGE if part.out_of_range else value


_T = TypeVar("_T")


def _opt(f: Callable[[_T, _T], _T], x: _T | None, y: _T | None) -> _T | None:
    """``f(x, y)``, or the one that is not None (None when both are)."""
    if x is None:
        return y
    if y is None:
        return x
    return f(x, y)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _exact_money(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` in the exact Decimal context (`_PREC` digits).

    Equity carried from window to window is a sum of stored amounts, which the default 28
    digits would round.
    """

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with decimal.localcontext(prec=_PREC):
            return fn(*args, **kwargs)

    return run


def merge(parts: Iterable[Partial]) -> Partial:
    """Return the sum of ``parts`` in order (``Partial()`` when empty), in an exact Decimal context.

    The reference definition: `DailyPartials.merged` gives the same partials from columns.
    """
    total = Partial()
    with decimal.localcontext(prec=_PREC):
        for p in parts:
            total = total + p
    return total


# -- the partials of many days as columns -----------------------------------------------------

#: Money columns that add, and all money columns, read as integers in units of 10**-scale
#: (`_money_units`).
_SUMMED_MONEY: Final = ("net_pnl", "gross_pnl", "fees", "win_sum", "loss_sum")
_MONEY: Final = (*_SUMMED_MONEY, "max_win", "min_loss", "max_prefix", "min_prefix", "max_drawdown")
#: Integer columns that add, and all integer columns (with the streaks' ends and runs).
_SUMMED_INTS: Final = (
    "trades", "wins", "losses", "breakevens", "holding_us_sum", "holding_count",
)  # fmt: skip
_INTS: Final = (
    *_SUMMED_INTS,
    "lead_win", "trail_win", "best_win_run", "lead_loss", "trail_loss", "best_loss_run",
)  # fmt: skip
#: Money columns that may be NULL without being out of range: no winning / losing trade.
_EXTREMES: Final = ("max_win", "min_loss")
#: The scale of the stored money columns (decimal128(38, 18)).
_STORED_SCALE: Final = 18
#: Below this bound on the sum of every absolute value of the money columns, every sum,
#: running sum and difference the merge forms fits int64; above it the merge runs on Python
#: ints (object arrays): the same code, exact either way.
_INT64_BOUND: Final = 2.0**61
#: The exact-context conversion of a merged amount back to Decimal.
_CONTEXT: Final = decimal.Context(prec=_PREC)
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _valid(arr: pa.Array) -> np.ndarray:
    """Return the validity of each value of ``arr`` (True where not null), from its bitmap."""
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[arr.offset : arr.offset + len(arr)].astype(bool)


def _decimal_words(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return the low (unsigned) and high (signed) 64-bit words of each decimal128 value.

    The unscaled integer is ``high * 2**64 + low``.
    """
    buffer = arr.buffers()[1]
    data = np.frombuffer(buffer, dtype=np.int64, count=2 * len(arr), offset=16 * arr.offset)
    return data[0::2].view(np.uint64), data[1::2]


def _money_units(columns: list[pa.Array]) -> tuple[np.ndarray, int]:
    """Return the decimal128(38, 18) ``columns`` as exact integers in units of 10**-k, and k.

    There is one row per column, 0 where null; k is the fewest fractional digits that hold
    every value.

    int64 when every value's integer part is below 1e15 and the units fit; else Python ints
    (an object array) at k = 18. With v = u * 1e-18 (u the unscaled integer), the float of v
    is within 0.25 of v below 1e15, so its floor is floor(v) or one off; the fraction
    u - floor * 10**18, computed modulo 2**64 from the low word, is in [0, 10**18) only for
    the right floor, which corrects it; the value is then exactly floor * 10**18 + fraction.
    """
    n = len(columns[0]) if columns else 0
    lo = np.zeros((len(columns), n), dtype=np.uint64)
    hi = np.zeros((len(columns), n), dtype=np.int64)
    for i, arr in enumerate(columns):
        if n:
            lo[i], hi[i] = _decimal_words(arr)
            if arr.null_count:
                nulls = ~_valid(arr)
                lo[i][nulls], hi[i][nulls] = 0, 0
    approx = (hi.astype(np.float64) * 2.0**64 + lo.astype(np.float64)) / 1e18
    if approx.size and float(np.max(np.abs(approx))) >= 1e15:
        return hi.astype(object) * 2**64 + lo.astype(object), _STORED_SCALE
    e18 = np.uint64(10**_STORED_SCALE)
    whole = np.floor(approx).astype(np.int64)
    frac = lo - whole.view(np.uint64) * e18  # modulo 2**64
    below = frac >= np.uint64(2**63)  # the floor was one too high: frac wrapped below 0
    above = ~below & (frac >= e18)  # one too low
    whole += above.astype(np.int64) - below.astype(np.int64)
    frac = np.where(below, frac + e18, np.where(above, frac - e18, frac)).astype(np.int64)
    g = int(np.gcd.reduce(frac, axis=None)) if frac.size else 0
    drop = _STORED_SCALE
    if g:
        drop = 0
        while g % 10 ** (drop + 1) == 0:
            drop += 1
    k = _STORED_SCALE - drop
    if whole.size and float(np.max(np.abs(whole))) * 10.0**k >= 2.0**62:
        return whole.astype(object) * 10**k + (frac // 10**drop).astype(object), k
    return whole * 10**k + frac // 10**drop, k


def _floats(units: np.ndarray, scale: int) -> np.ndarray:
    """Return ``units * 10**-scale`` as float64, each correctly rounded (as ``float(Decimal)``).

    Below 2**53 this is one IEEE division of two exact floats, above it Python's exact int
    division.
    """
    if units.dtype != object and (units.size == 0 or int(np.max(np.abs(units))) < 2**53):
        return units.astype(np.float64) / 10.0**scale
    return np.array([u / 10**scale for u in units.tolist()], dtype=np.float64)


def _exact_ints(values: np.ndarray) -> np.ndarray:
    """int64 ``values`` kept as int64 when no sum of them can overflow, else Python ints."""
    if values.size and float(np.sum(np.abs(values.astype(np.float64)))) >= _INT64_BOUND:
        return values.astype(object)
    return values


def _column(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _numpy(table: pa.Table, name: str, dtype: type[np.generic]) -> np.ndarray:
    """Read the fixed-width column ``name`` without nulls from its buffer as NumPy ``dtype``.

    Arrow's own ``to_numpy`` would import pandas, a quarter of a second.
    """
    arr = _column(table, name)
    size = np.dtype(dtype).itemsize
    if not len(arr):
        return np.zeros(0, dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=size * arr.offset)


@dataclass(frozen=True, slots=True)
class DailyPartials:
    """The partials of one scope (a strategy and a symbol, either of them ``"*"``), by day.

    They are kept as columns: day ``days[i]`` has the partial whose fields are
    ``columns[name][i]``.

    Only days with a trade are kept (a partial without one is the identity). Money columns
    are exact integers in units of ``10**-scale`` (int64 when no sum of them can overflow,
    else Python ints), ``max_win``/``min_loss`` 0 where ``present`` is False (no winning,
    no losing trade); the sums of a day in ``out_of_range`` are 0 where the store held
    NULL. ``first_exit``/``last_exit`` are UTC microseconds. ``day_net`` is each day's net
    P&L as a float (NaN out of range).
    """

    days: np.ndarray
    columns: dict[str, np.ndarray]
    present: dict[str, np.ndarray]
    out_of_range: np.ndarray
    scale: int
    day_net: np.ndarray

    @classmethod
    def from_table(cls, table: pa.Table) -> DailyPartials:
        """From the store's `PARTIALS_SCHEMA` rows of one scope, in day order."""
        money, scale = _money_units([_column(table, name) for name in _MONEY])
        columns = {name: _exact_ints(_numpy(table, name, np.int64)) for name in _INTS}
        columns["net_sq_sum"] = _numpy(table, "net_sq_sum", np.float64)
        for name in ("first_exit", "last_exit"):
            columns[name] = _numpy(table, name, np.int64)
        out_of_range = np.zeros(table.num_rows, dtype=bool)
        if any(table.column(name).null_count for name in SUM_COLUMNS):
            for name in SUM_COLUMNS:
                out_of_range |= ~_valid(_column(table, name))
        bound = float(np.sum(np.abs(money.astype(np.float64)))) if money.dtype != object else 0
        if bound >= _INT64_BOUND:
            money = money.astype(object)
        columns.update(zip(_MONEY, money, strict=True))
        daily = cls(
            days=_numpy(table, "day", np.int32).astype("datetime64[D]"),
            columns=columns,
            present={name: _valid(_column(table, name)) for name in _EXTREMES},
            out_of_range=out_of_range,
            scale=scale,
            day_net=np.where(out_of_range, np.nan, _floats(columns["net_pnl"], scale)),
        )
        keep = columns["trades"] > 0
        return daily if keep.all() else daily.take(keep)

    def __len__(self) -> int:
        """Return the number of days kept."""
        return int(self.days.size)

    def take(self, which: np.ndarray | slice) -> DailyPartials:
        """Return the days at ``which`` (a mask or a slice)."""
        return DailyPartials(
            days=self.days[which],
            columns={name: col[which] for name, col in self.columns.items()},
            present={name: col[which] for name, col in self.present.items()},
            out_of_range=self.out_of_range[which],
            scale=self.scale,
            day_net=self.day_net[which],
        )

    def between(self, first: dt.date | None, last: dt.date | None) -> DailyPartials:
        """Return the days from ``first`` to ``last`` inclusive (None = unbounded)."""
        lo = 0 if first is None else int(np.searchsorted(self.days, np.datetime64(first, "D")))
        hi = (
            len(self)
            if last is None
            else int(np.searchsorted(self.days, np.datetime64(last, "D"), side="right"))
        )
        return self.take(slice(lo, max(lo, hi)))

    def total(self) -> Partial:
        """Return the partial of every day, as `merge` of them."""
        return self.merged(np.zeros(1, dtype=np.int64))[0] if len(self) else Partial()

    def merged(self, starts: np.ndarray) -> list[Partial]:
        """Return the partial of each run of days ``days[starts[i]:starts[i + 1]]``.

        The last run goes up to the end. Each is what `merge` gives of the run's daily
        partials, computed on the columns.

        ``starts`` are increasing day indices, the first 0, each below ``len(self)``.

        Counts and sums add, extremes and exits reduce per run (``ufunc.reduceat``); the
        streak ends and the drawdown's running sums follow the module notes over each run:
        a run's lead is the sum of its days' leads up to the first day not won (lost)
        throughout, its trail the same from its end, and its longest run the longest of a
        day's own and a trail carried over whole days into the next day's lead; the
        drawdown's running sums are prefix sums of the net P&L from the run's start.
        """
        c, n = self.columns, len(self)
        starts = np.asarray(starts, dtype=np.int64)
        ends = np.append(starts[1:], n)
        idx = np.arange(n)
        first = np.repeat(starts, ends - starts)  # the first day of each day's run
        is_first = idx == first
        span = int(np.max(ends - starts))

        def add(col: np.ndarray) -> list[Any]:
            return list(np.add.reduceat(col, starts).tolist())

        def amounts(units: np.ndarray) -> list[Decimal]:
            return [self._decimal(v) for v in units.tolist()]

        def extreme(name: str, ufunc: np.ufunc, neutral: np.ufunc) -> list[Decimal | None]:
            has = self.present[name]
            col = c[name]
            # a missing value (no win, no loss that day) stands in as one that never wins
            filled = np.where(has, col, neutral.reduce(col[has])) if has.any() else col
            values = ufunc.reduceat(filled, starts).tolist()
            return [
                self._decimal(v) if h else None
                for v, h in zip(values, np.logical_or.reduceat(has, starts), strict=True)
            ]

        def streaks(lead: np.ndarray, trail: np.ndarray, best: np.ndarray) -> tuple[Any, ...]:
            trades = c["trades"]
            # a run's lead: its days' leads up to and with the first day its lead ends in
            ends_in = np.where(lead < trades, idx, n)
            stop = np.minimum(np.minimum.accumulate(ends_in[::-1])[::-1][starts], ends - 1)
            lead_sum = np.cumsum(lead)
            run_lead = lead_sum[stop] - lead_sum[starts] + lead[starts]
            # the trail of the run up to each day: its days' trails back to the last day its
            # trail starts in (or the run's first day)
            back = np.maximum.accumulate(np.where((trail < trades) | is_first, idx, 0))
            trail_sum = np.cumsum(trail)
            carried = trail_sum - trail_sum[back] + trail[back]
            across = np.where(is_first, 0, np.concatenate(([0], carried[:-1])) + lead)
            run_best = np.maximum.reduceat(np.maximum(best, across), starts)
            return run_lead.tolist(), carried[ends - 1].tolist(), run_best.tolist()

        net = c["net_pnl"]
        before = np.cumsum(net) - net  # the net P&L of the earlier days (from day 0)
        base = before[starts]
        high = before + c["max_prefix"]  # each day's running-sum extremes, from day 0
        low = before + c["min_prefix"]
        peak = _running_max(high, first, span)
        falls = np.where(
            is_first,
            c["max_drawdown"],
            np.maximum(c["max_drawdown"], np.concatenate((high[:1], peak[:-1])) - low),
        )
        win = streaks(c["lead_win"], c["trail_win"], c["best_win_run"])
        loss = streaks(c["lead_loss"], c["trail_loss"], c["best_loss_run"])
        fields = {
            **{name: add(c[name]) for name in (*_SUMMED_INTS, "net_sq_sum")},
            **{name: amounts(np.add.reduceat(c[name], starts)) for name in _SUMMED_MONEY},
            "max_win": extreme("max_win", np.maximum, np.minimum),
            "min_loss": extreme("min_loss", np.minimum, np.maximum),
            "first_exit": list(map(_instant, np.minimum.reduceat(c["first_exit"], starts))),
            "last_exit": list(map(_instant, np.maximum.reduceat(c["last_exit"], starts))),
            "lead_win": win[0],
            "trail_win": win[1],
            "best_win_run": win[2],
            "lead_loss": loss[0],
            "trail_loss": loss[1],
            "best_loss_run": loss[2],
            "max_prefix": amounts(np.maximum.reduceat(high, starts) - base),
            "min_prefix": amounts(np.minimum.reduceat(low, starts) - base),
            "max_drawdown": amounts(np.maximum.reduceat(falls, starts)),
            "out_of_range": np.logical_or.reduceat(self.out_of_range, starts).tolist(),
        }
        rows = zip(*fields.values(), strict=True)
        return [Partial(**dict(zip(fields, row, strict=True))) for row in rows]

    def series(
        self,
        *,
        equity_start: Decimal,
        first_day: dt.date | None,
        last_day: dt.date | None,
        flows: CashFlows | None = None,
    ) -> DailySeries:
        """Give the daily rows of these partials (`tradeperf.analytics.series`).

        Parameters
        ----------
        equity_start
            Equity (currency) at the start of ``first_day``.
        first_day, last_day
            The days (inclusive).
        flows
            Deposits and withdrawals by day, or None.
        """
        from tradeperf.analytics.series import series_of_days

        return series_of_days(
            self.days,
            [self._decimal(int(u)) for u in self.columns["net_pnl"]],
            self.days,
            equity_start=equity_start,
            first_day=first_day,
            last_day=last_day,
            flows=flows,
            trades_per_day=np.asarray(self.columns["trades"], dtype=np.int64),
        )

    def _decimal(self, units: int) -> Decimal:
        """Return ``units`` of 10**-scale as the Decimal a sum of the stored amounts gives.

        The Decimal has 18 fractional digits.
        """
        return Decimal(units * 10 ** (_STORED_SCALE - self.scale)).scaleb(
            -_STORED_SCALE, context=_CONTEXT
        )


def _running_max(values: np.ndarray, first: np.ndarray, span: int) -> np.ndarray:
    """Return the running maximum of ``values`` within each run, by doubling.

    ``first[i]`` is the index of the first value of i's run and ``span`` the longest run.
    After the step of width w, each value holds the maximum of the last 2w values of its run.
    """
    out = values
    idx = np.arange(values.size)
    width = 1
    while width < span:
        src = idx - width
        inside = src >= first
        out = np.where(inside, np.maximum(out, out[np.where(inside, src, idx)]), out)
        width *= 2
    return out


def _instant(us: int) -> dt.datetime:
    """Return the UTC datetime of ``us`` microseconds since the epoch."""
    return _EPOCH + dt.timedelta(microseconds=int(us))


def figures(
    daily: DailyPartials,
    *,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    flows: CashFlows | None = None,
) -> dict[str, Figure]:
    """Return the summary figures of the trades whose partials are ``daily``.

    The figures are keyed as those of `tradeperf.analytics.figures.group_figures`.

    Parameters
    ----------
    daily
        The partials of the window's days, in day order.
    equity_start
        Account equity (currency) before the window's first trade.
    first_day, last_day
        The calendar days daily returns are taken over (None: no returns).
    flows
        The account's deposits and withdrawals (None: none).

    Returns
    -------
    dict[str, Figure]
        Counts and money exactly as the direct path; float figures within rounding (about
        1e-12 relative). ``max_drawdown`` (fraction) is taken on end-of-day equity, so it
        merges from daily P&L like the direct path's. A money figure built on a sum the store
        could not hold is ``Decimal("NaN")`` and the float figures built on it are NaN (the
        JSON report writes them as null with the reason).
    """
    path, flows_in = path_of_days(
        daily.days,
        daily.day_net,
        equity_start=equity_start,
        first_day=first_day,
        last_day=last_day,
        flows=flows,
    )
    return _figures(daily.total(), daily.day_net, path, flows_in, equity_start=equity_start)


def _figures(
    p: Partial,
    day_net: np.ndarray,
    path: DailyPath,
    cash_flows: Decimal,
    *,
    equity_start: Decimal,
    returns_figures: bool = True,
) -> dict[str, Figure]:
    """Return the `figures` of the days whose merged partial is ``p``.

    The days' net P&L per day (float64, NaN out of range) is ``day_net``, their end-of-day
    path is ``path`` and their cash flows sum to ``cash_flows``.
    """
    totals = TradeTotals(
        wins=p.wins,
        losses=p.losses,
        breakevens=p.breakevens,
        win_sum=float(_money(p, p.win_sum)),
        loss_sum=float(_money(p, p.loss_sum)),
        net_sum=float(_money(p, p.net_pnl)),
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
            cash_flows=cash_flows,
            largest_win=p.max_win,
            largest_loss=p.min_loss,
            longest_win_streak=p.best_win_run,
            longest_loss_streak=p.best_loss_run,
            current_streak=p.trail_win or -p.trail_loss,
            average_holding_seconds=(
                p.holding_us_sum / p.holding_count / 1e6 if p.holding_count else float("nan")
            ),
            max_drawdown_abs=_money(p, p.max_drawdown),
            day_nets=day_net,
            equity_start=equity_start,
            equity_moved=_money(p, p.net_pnl),
        ),
        returns_figures=returns_figures,
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
    """Return the figures of every window of ``kind`` in ``first_day``..``last_day``, in order.

    Windows without a closed trade are there too (zero counts, undefined ratios).

    They are as `tradeperf.analytics.summary.summarize` computes them: each window's equity
    starts where the previous one's ended; daily returns span the window clipped to first/last
    day.

    The windows' partials are merged in one pass over the columns (`DailyPartials.merged`),
    their end-of-day paths in one per window length (`paths_of_days`).

    Raises
    ------
    ConfigError
        If ``tz`` is unknown.
    """
    zone = resolve_timezone(tz)
    if not len(daily) and (first_day is None or last_day is None):
        return []
    window_days = window_start_days(daily.days, kind)
    starts = np.flatnonzero(np.concatenate(([True], window_days[1:] != window_days[:-1])))
    starts = starts if len(daily) else np.zeros(0, np.int64)
    merged = daily.merged(starts) if len(daily) else []
    found = {window_days[a].item(): i for i, a in enumerate(starts.tolist())}
    runs = [*starts.tolist(), len(daily)]
    every = np.union1d(window_days[starts], window_starts_between(first_day, last_day, kind))
    cash = flows or CashFlows.none()
    windows: list[Window] = []
    spans: list[tuple[Decimal, dt.date, dt.date]] = []
    parts: list[Partial] = []
    bounds: list[tuple[int, int]] = []  # each window's days in ``daily``
    equity = equity_start
    for first in every.tolist():
        i = found.get(first)
        part = merged[i] if i is not None else Partial()
        bounds.append((runs[i], runs[i + 1]) if i is not None else (0, 0))
        parts.append(part)
        window = make_window(first, kind, zone)
        lo = max(window.first_day, first_day) if first_day else window.first_day
        hi_window = window.end_local.date() - dt.timedelta(days=1)
        hi = min(hi_window, last_day) if last_day else hi_window
        windows.append(window)
        spans.append((equity + cash.before(lo) - cash.before(first_day), lo, hi))
        equity = equity + _money(part, part.net_pnl)
    paths = paths_of_days(daily.days, daily.day_net, spans, flows=flows)
    out: list[WindowFigures] = []
    for (a, b), part, window, (start, _, _), (path, flows_in) in zip(
        bounds, parts, windows, spans, paths, strict=True
    ):
        day_net = daily.day_net[a:b]
        figs = _figures(part, day_net, path, flows_in, equity_start=start, returns_figures=False)
        out.append(WindowFigures(kind, window.label, window.start, window.end, figs))
    return out


def scope_of(values: tuple[str, ...], what: str) -> str:
    """Give the kept partials' scope of a selection: its one strategy or symbol, or `ALL`.

    Raises
    ------
    InputError
        If ``values`` names more than one (a roll-up exists only for one or all).
    """
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
    trades per status; builds the partials of ``request.day_key`` first if the store does
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
    tz = resolve_timezone(request.day_key).key
    if request.start and request.end and request.start > request.end:
        raise ConfigError(f"start {request.start} is after end {request.end}")
    strategy = scope_of(request.strategies, "strategy")
    symbol = scope_of(request.symbols, "symbol")
    every = DailyPartials.from_table(store.partials(tz, strategy=strategy, symbol=symbol))
    before = daily_before(every, request.start)
    flows = CashFlows.none()
    if store.has_records(RecordKind.CASH_FLOWS):  # the books module loads only for them
        from tradeperf.analytics.books import load_cash_flows

        flows = load_cash_flows(store, tz)
    earlier = before.total()
    equity_start = request.capital + _money(earlier, earlier.net_pnl)
    period = every.between(request.start, request.end)
    first_day = request.start or (period.days[0].item() if len(period) else None)
    last_day = request.end or (period.days[-1].item() if len(period) else None)
    total = period.total()

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
    by_strategy: dict[str, dict[str, Figure]] = {}
    by_symbol: dict[str, dict[str, Figure]] = {}
    strategies: list[str] = []
    symbols: list[str] = []
    if request.breakdowns:
        strategies, symbols = store.partial_labels(tz)
        strategies = strategies if strategy == ALL else [strategy]
        symbols = symbols if symbol == ALL else [symbol]
    series_by_strategy: dict[str, DailySeries] = {}
    series_by_symbol: dict[str, DailySeries] = {}
    for s in strategies:
        part = DailyPartials.from_table(
            store.partials(tz, start=request.start, end=request.end, strategy=s, symbol=symbol)
        )
        if len(part):
            by_strategy[s] = figures(
                part, equity_start=equity_start, first_day=first_day, last_day=last_day
            )
            if request.series:
                series_by_strategy[s] = part.series(
                    equity_start=equity_start, first_day=first_day, last_day=last_day
                )
    for y in symbols:
        part = DailyPartials.from_table(
            store.partials(tz, start=request.start, end=request.end, strategy=strategy, symbol=y)
        )
        if len(part):
            by_symbol[y] = figures(
                part, equity_start=equity_start, first_day=first_day, last_day=last_day
            )
            if request.series:
                series_by_symbol[y] = part.series(
                    equity_start=equity_start, first_day=first_day, last_day=last_day
                )
    counts = Counter(
        store.status_counts(TradeQuery(strategies=request.strategies, symbols=request.symbols))
    )
    counts[TradeStatus.CLOSED.value] = total.trades
    rejected_rows, unreadable_files = store.reject_counts()
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
        rejected_rows=rejected_rows,
        unreadable_files=unreadable_files,
        series=period.series(
            equity_start=equity_start, first_day=first_day, last_day=last_day, flows=flows
        )
        if request.series
        else None,
        series_by_strategy=series_by_strategy,
        series_by_symbol=series_by_symbol,
    )


def daily_before(daily: DailyPartials, start: dt.date | None) -> DailyPartials:
    """Return the days of ``daily`` before ``start`` (none when ``start`` is None)."""
    if start is None:
        return daily.take(slice(0, 0))
    return daily.between(None, start - dt.timedelta(days=1))
