"""The tracker's live books: the incremental ledger and what a snapshot needs beside it.

`LiveBooks` applies one record at a time and keeps, exactly (Decimals):

- the account's books (`tradeperf.ledger.Ledger`, positions netted per account and symbol)
  and each strategy's own books (its fills alone), as the batch path keeps them;
- the unrealized P&L per symbol, so equity is known after every event in O(1) amortized;
- the net P&L of the closed trades a bot logs itself (`record_trade`), per strategy and symbol;
- the peak equity and the drawdown from it; the equity at the start of the current day, week
  and month of the reporting timezone (and each group's net P&L then), for the period P&L.

It holds no history: closed round trips are handed to the caller and live in the store.
Not thread-safe: the `Tracker` serialises calls. Every method runs in the exact decimal
context (`tradeperf.ledger._exact.EXACT`, which the caller sets once per record: `exact`),
so sums of amounts are never rounded.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from tradeperf.ledger._exact import EXACT
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.incremental import Ledger
from tradeperf.records import CashFlow, Fill, FundingPayment, Mark, Trade, TradeStatus

ZERO: Final = Decimal(0)
#: `LiveBooks.owners` of a position several strategies trade (not a strategy name: has NUL).
SHARED: Final = "\x00shared"
#: The periods a snapshot gives the P&L of, in the reporting timezone.
PERIODS: Final = ("today", "week", "month")


class OutOfOrder(ValueError):
    """A fill older than the last fill of its position (nothing of it is applied)."""


@dataclass(slots=True)
class GroupTotals:
    """Running sums of one strategy or symbol (exact, in the P&L currency)."""

    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    logged_pnl: Decimal = ZERO  # net P&L of the closed trades the bot logged itself
    fills: int = 0
    trades: int = 0
    wins: int = 0
    slip_weighted: float = 0.0  # Σ slippage (bps) × notional of fills with a reference price
    slip_notional: float = 0.0
    slip_fills: int = 0

    def to_doc(self) -> dict[str, Any]:
        """Return the totals as JSON-able values (Decimals as text)."""
        return {
            "realized_pnl": str(self.realized_pnl),
            "fees": str(self.fees),
            "funding": str(self.funding),
            "logged_pnl": str(self.logged_pnl),
            "fills": self.fills,
            "trades": self.trades,
            "wins": self.wins,
            "slip": [self.slip_weighted, self.slip_notional, self.slip_fills],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> GroupTotals:
        """Read `to_doc` back."""
        w, n, k = doc["slip"]
        return cls(
            Decimal(doc["realized_pnl"]),
            Decimal(doc["fees"]),
            Decimal(doc["funding"]),
            Decimal(doc["logged_pnl"]),
            int(doc["fills"]),
            int(doc["trades"]),
            int(doc["wins"]),
            float(w),
            float(n),
            int(k),
        )


@dataclass(slots=True)
class Period:
    """The current day, week or month: its UTC bounds, the equity and flows at its start."""

    start: dt.datetime
    end: dt.datetime
    equity: Decimal  # at the start
    flows: Decimal = ZERO  # cash flows since the start
    strategies: dict[str, Decimal] = field(default_factory=dict)  # net P&L at the start
    symbols: dict[str, Decimal] = field(default_factory=dict)


def period_bounds(name: str, at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Return the UTC bounds [start, end) of the local day, week (Monday on) or month of ``at``.

    ``zone`` is the reporting timezone (a day-start shifted one when days start later than
    midnight, `tradeperf.analytics.model.SummaryRequest.day_key`).

    Examples
    --------
    >>> z = ZoneInfo("America/New_York")
    >>> s, e = period_bounds("today", dt.datetime(2024, 3, 10, 12, tzinfo=dt.UTC), z)
    >>> s.isoformat(), (e - s).total_seconds() / 3600
    ('2024-03-10T05:00:00+00:00', 23.0)
    """
    from tradeperf.analytics.window_kinds import WindowKind
    from tradeperf.analytics.windows import make_window

    day = at.astimezone(zone).date()
    if name == "today":
        first, kind = day, WindowKind.DAILY
    elif name == "week":
        first, kind = day - dt.timedelta(days=day.weekday()), WindowKind.WEEKLY
    elif name == "month":
        first, kind = day.replace(day=1), WindowKind.MONTHLY
    else:
        raise ValueError(f"unknown period {name!r}")
    w = make_window(first, kind, zone)
    return w.start, w.end


class LiveBooks:
    """Books kept one record at a time (see the module docstring).

    Parameters
    ----------
    cost_basis
        Which open lot a reducing fill closes first.
    capital
        The starting capital (P&L currency).
    zone
        The reporting timezone of the period P&L.
    """

    def __init__(self, cost_basis: CostBasis, capital: Decimal, zone: ZoneInfo) -> None:
        self.cost_basis = CostBasis(cost_basis)
        self.capital = Decimal(capital)
        self.zone = zone
        self.account = Ledger(cost_basis=self.cost_basis, capital=self.capital, keep_history=False)
        self.scopes: dict[str, Ledger] = {}
        # (account, symbol) -> the one strategy that trades it (its own books are the
        # account's), or SHARED once several do (each then books its fills in `scopes`)
        self.owners: dict[tuple[str, str], str] = {}
        self.last_fill: dict[tuple[str, str], dt.datetime] = {}  # per position
        self.unreal: dict[str, Decimal] = {}  # account's unrealized P&L per symbol
        self.unreal_total = ZERO
        self.logged_pnl = ZERO
        self.by_strategy: dict[str, GroupTotals] = {}
        self.by_symbol: dict[str, GroupTotals] = {}
        self.feeds: dict[tuple[str, str], str] = {}  # (strategy, symbol) -> "fills" | "trades"
        self.peak = self.capital
        #: the equity after the last record (`equity`, kept once per record)
        self.equity_now = self.capital
        self.peak_time: dt.datetime | None = None
        self.max_drawdown = ZERO
        self.trades_closed = 0
        self.wins = 0
        self.last_time: dt.datetime | None = None
        self.periods: dict[str, Period] = {}
        self._next_roll: dt.datetime | None = None
        # the open round trip's slippage per position: (Σ bps × notional, Σ notional)
        self.episode_slip: dict[tuple[str, str], tuple[float, float]] = {}

    # -- figures --------------------------------------------------------------------------
    def equity(self) -> Decimal:
        """Return capital + cash flows + realized − fees + funding + unrealized + logged P&L."""
        a = self.account
        return (
            a.capital
            + a.cash_flows
            + a.realized_pnl
            - a.fees
            + a.funding
            + self.unreal_total
            + self.logged_pnl
        )

    def _group(self, table: dict[str, GroupTotals], key: str) -> GroupTotals:
        g = table.get(key)
        if g is None:
            g = table[key] = GroupTotals()
        return g

    def symbol_net(self, symbol: str) -> Decimal:
        """Net P&L of ``symbol``: realized − fees + funding + unrealized + logged trades."""
        g = self.by_symbol.get(symbol)
        if g is None:
            return ZERO
        base = g.realized_pnl - g.fees + g.funding + g.logged_pnl
        return base + self.unreal.get(symbol, ZERO)

    def strategy_unrealized(self, strategy: str) -> Decimal:
        """Σ unrealized P&L of the strategy's own open positions."""
        acc = self.account
        total = sum(
            (acc.position_unrealized(*key) for key, o in self.owners.items() if o == strategy),
            ZERO,
        )
        books = self.scopes.get(strategy)
        if books is not None:
            total += sum((books.unrealized_of(s) for s in books._by_symbol), ZERO)
        return total

    def strategy_net(self, strategy: str) -> Decimal:
        """Net P&L of ``strategy`` from its own books (realized − fees + unrealized) and logs."""
        g = self.by_strategy.get(strategy)
        if g is None:
            return ZERO
        return g.realized_pnl - g.fees + g.logged_pnl + self.strategy_unrealized(strategy)

    # -- feeds ----------------------------------------------------------------------------
    def check_feed(self, strategy: str, symbol: str, feed: str) -> str | None:
        """Return why (strategy, symbol) cannot take a record of ``feed``, or None.

        A (strategy, symbol) is fed by fills or by closed trades, never both: a round trip
        logged beside the fills it was made of would count twice.
        """
        had = self.feeds.get((strategy, symbol))
        if had is None or had == feed:
            return None
        return (
            f"{symbol} of strategy {strategy!r} is fed by {had}; a {feed[:-1]} would count "
            f"its P&L twice (record one or the other per strategy and symbol)"
        )

    # -- events ---------------------------------------------------------------------------
    def _roll(self, at: dt.datetime) -> None:
        """Start the periods ``at`` is past the end of, from the equity before ``at``'s event."""
        equity = self.equity()
        for name in PERIODS:
            p = self.periods.get(name)
            if p is not None and at < p.end:
                continue
            start, end = period_bounds(name, at, self.zone)
            self.periods[name] = Period(
                start,
                end,
                equity,
                strategies={s: self.strategy_net(s) for s in self.by_strategy},
                symbols={s: self.symbol_net(s) for s in self.by_symbol},
            )
        self._next_roll = min(p.end for p in self.periods.values())

    def _time(self, at: dt.datetime) -> None:
        nxt = self._next_roll
        if nxt is None or at >= nxt:
            self._roll(at)
        last = self.last_time
        if last is None or at > last:
            self.last_time = at

    def _revalue(self, symbol: str) -> None:
        new = self.account.unrealized_of(symbol)
        old = self.unreal.get(symbol, ZERO)
        if new != old or symbol not in self.unreal:
            self.unreal[symbol] = new
            self.unreal_total = self.unreal_total - old + new

    def _track_peak(self, at: dt.datetime) -> None:
        equity = self.equity_now = self.equity()
        if equity > self.peak:
            self.peak = equity
            self.peak_time = at
        else:
            dd = self.peak - equity
            if dd > self.max_drawdown:
                self.max_drawdown = dd

    def fill(self, f: Fill, slip: float | None) -> tuple[list[Trade], bool]:
        """Apply a fill; return the round trips it closed and whether it opened one.

        ``slip`` is the fill's slippage in bps (None without a reference price).

        Raises
        ------
        OutOfOrder
            If the fill is older than its position's last fill (nothing is applied).
        ValueError
            If the fill's multiplier differs from its position's (nothing is applied).
        """
        key = (f.account, f.symbol)
        last = self.last_fill.get(key)
        if last is not None and f.timestamp < last:
            raise OutOfOrder(
                f"{f.symbol}: its last fill is at {last.isoformat()}, this one at "
                f"{f.timestamp.isoformat()}; a position's fills are booked in time order"
            )
        self._time(f.timestamp)
        acc = self.account
        before = acc.position_quantity(f.account, f.symbol)
        strategy = f.strategy
        owner = self.owners.get(key)
        if owner is not None and owner != strategy and owner != SHARED:
            # a second strategy trades the position: the first one's own books of it were
            # the account's until now; from now on each strategy books its own fills
            (self.scopes.get(owner) or self._scope(owner)).adopt_position(acc, *key)
            owner = self.owners[key] = SHARED
        closed = acc.apply(f)
        self.last_fill[key] = f.timestamp
        realized, fee = acc.last_realized, acc.last_fee
        after = acc.position_quantity(f.account, f.symbol)
        if owner is None:
            owner = self.owners[key] = strategy
        if owner == SHARED:
            books = self.scopes.get(strategy) or self._scope(strategy)
            books.apply(f)
            own_realized, own_fee = books.last_realized, books.last_fee
        else:
            own_realized, own_fee = realized, fee
        self.feeds.setdefault((strategy, f.symbol), "fills")
        s = self._group(self.by_strategy, strategy)
        s.realized_pnl += own_realized
        s.fees += own_fee
        s.fills += 1
        y = self._group(self.by_symbol, f.symbol)
        y.realized_pnl += realized
        y.fees += fee
        y.fills += 1
        if slip is not None:
            notional = float(f.quantity * f.price * f.multiplier)
            for g in (s, y):
                g.slip_weighted += slip * notional
                g.slip_notional += notional
                g.slip_fills += 1
            w, n = self.episode_slip.get(key, (0.0, 0.0))
            self.episode_slip[key] = (w + slip * notional, n + notional)
        for t in closed:
            self.trades_closed += 1
            net = t.net_pnl or ZERO
            if net > 0:
                self.wins += 1
            for g in (s, y):
                g.trades += 1
                if net > 0:
                    g.wins += 1
        self._revalue(f.symbol)
        self._track_peak(f.timestamp)
        opened = after != 0 and (before == 0 or (before > 0) != (after > 0))
        return closed, opened

    def trade_slippage(self, t: Trade, account: str) -> float | None:
        """Return the notional-weighted slippage (bps) of the fills of a round trip just closed."""
        w, n = self.episode_slip.pop((account, t.symbol), (0.0, 0.0))
        return w / n if n else None

    def _scope(self, strategy: str) -> Ledger:
        """Open the strategy's own books; they share the account's latest marks (one dict).

        Marks are applied to the account's books alone: a strategy's positions are valued,
        and its fees in another currency converted, at the same latest marks.
        """
        books = self.scopes[strategy] = Ledger(
            cost_basis=self.cost_basis, keep_history=False, round_trips=False
        )
        books._marks = self.account._marks
        return books

    def mark(self, m: Mark) -> None:
        """Value the positions in ``m.symbol`` (and fees paid in it, if a currency) at ``m``."""
        self._time(m.timestamp)
        self.account.apply(m)
        self._revalue(m.symbol)
        self._track_peak(m.timestamp)

    def funding(self, p: FundingPayment) -> None:
        """Book funding received (+) or paid (−) on a position."""
        self._time(p.timestamp)
        self.account.apply(p)
        self._group(self.by_symbol, p.symbol).funding += p.amount
        self._track_peak(p.timestamp)

    def cash_flow(self, c: CashFlow) -> None:
        """Book a deposit (+) or withdrawal (−): equity and peak move by it, P&L does not."""
        self._time(c.timestamp)
        self.account.apply(c)
        self.peak += c.amount
        for p in self.periods.values():
            p.flows += c.amount
        self._track_peak(c.timestamp)

    def trade(self, t: Trade) -> None:
        """Count a round trip the bot logged itself (a CLOSED one's net P&L counts)."""
        at = t.exit_time or t.entry_time
        if at is not None:
            self._time(at)
        self.feeds.setdefault((t.strategy, t.symbol), "trades")
        if t.status is not TradeStatus.CLOSED or t.net_pnl is None:
            return
        net = t.net_pnl
        self.logged_pnl += net
        for g in (
            self._group(self.by_strategy, t.strategy),
            self._group(self.by_symbol, t.symbol),
        ):
            g.logged_pnl += net
            g.trades += 1
            if net > 0:
                g.wins += 1
        self.trades_closed += 1
        if net > 0:
            self.wins += 1
        if at is not None:
            self._track_peak(at)

    # -- the snapshot ---------------------------------------------------------------------
    def period_pnl(self, now: dt.datetime) -> dict[str, dict[str, Any]]:
        """P&L of the current day, week and month at ``now``, overall and per group."""
        equity = self.equity()
        out: dict[str, dict[str, Any]] = {}
        for name in PERIODS:
            p = self.periods.get(name)
            if p is None or now >= p.end:  # nothing happened in the period of now yet
                start, _ = period_bounds(name, now, self.zone)
                out[name] = {"start": start, "pnl": ZERO, "strategies": {}, "symbols": {}}
                continue
            out[name] = {
                "start": p.start,
                "pnl": equity - p.equity - p.flows,
                "strategies": {
                    s: self.strategy_net(s) - p.strategies.get(s, ZERO)
                    for s in sorted(self.by_strategy)
                },
                "symbols": {
                    s: self.symbol_net(s) - p.symbols.get(s, ZERO) for s in sorted(self.by_symbol)
                },
            }
        return out

    # -- state ----------------------------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        """Everything needed to go on exactly, as JSON-able values."""
        from tradeperf.ledger.state import dump_ledger

        def period(p: Period) -> dict[str, Any]:
            return {
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "equity": str(p.equity),
                "flows": str(p.flows),
                "strategies": {k: str(v) for k, v in p.strategies.items()},
                "symbols": {k: str(v) for k, v in p.symbols.items()},
            }

        return {
            "account": dump_ledger(self.account),
            "scopes": {k: {**dump_ledger(v), "marks": {}} for k, v in self.scopes.items()},
            "logged_pnl": str(self.logged_pnl),
            "by_strategy": {k: v.to_doc() for k, v in self.by_strategy.items()},
            "by_symbol": {k: v.to_doc() for k, v in self.by_symbol.items()},
            "feeds": [[s, y, f] for (s, y), f in self.feeds.items()],
            "owners": [[a, y, o] for (a, y), o in self.owners.items()],
            "last_fill": [[a, y, t.isoformat()] for (a, y), t in self.last_fill.items()],
            "peak": str(self.peak),
            "peak_time": None if self.peak_time is None else self.peak_time.isoformat(),
            "max_drawdown": str(self.max_drawdown),
            "trades_closed": self.trades_closed,
            "wins": self.wins,
            "last_time": None if self.last_time is None else self.last_time.isoformat(),
            "periods": {k: period(v) for k, v in self.periods.items()},
            "episode_slip": [[a, s, w, n] for (a, s), (w, n) in self.episode_slip.items()],
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any], zone: ZoneInfo) -> LiveBooks:
        """Rebuild the books `to_doc` saved.

        Raises
        ------
        KeyError, ValueError
            If the document is not one `to_doc` wrote.
        """
        with exact():
            return cls._from_doc(doc, zone)

    @classmethod
    def _from_doc(cls, doc: dict[str, Any], zone: ZoneInfo) -> LiveBooks:
        from tradeperf.ledger.state import load_ledger

        account = load_ledger(doc["account"])
        books = cls(account.cost_basis, account.capital, zone)
        books.account = account
        for strategy, scope in doc["scopes"].items():
            books.scopes[strategy] = load_ledger(scope)
            books.scopes[strategy]._marks = account._marks
        books.logged_pnl = Decimal(doc["logged_pnl"])
        books.by_strategy = {k: GroupTotals.from_doc(v) for k, v in doc["by_strategy"].items()}
        books.by_symbol = {k: GroupTotals.from_doc(v) for k, v in doc["by_symbol"].items()}
        books.feeds = {(s, y): f for s, y, f in doc["feeds"]}
        books.owners = {(a, y): o for a, y, o in doc["owners"]}
        books.last_fill = {(a, y): dt.datetime.fromisoformat(t) for a, y, t in doc["last_fill"]}
        books.peak = Decimal(doc["peak"])
        pt = doc["peak_time"]
        books.peak_time = None if pt is None else dt.datetime.fromisoformat(pt)
        books.max_drawdown = Decimal(doc["max_drawdown"])
        books.trades_closed = int(doc["trades_closed"])
        books.wins = int(doc["wins"])
        lt = doc["last_time"]
        books.last_time = None if lt is None else dt.datetime.fromisoformat(lt)
        for name, p in doc["periods"].items():
            books.periods[name] = Period(
                dt.datetime.fromisoformat(p["start"]),
                dt.datetime.fromisoformat(p["end"]),
                Decimal(p["equity"]),
                Decimal(p["flows"]),
                {k: Decimal(v) for k, v in p["strategies"].items()},
                {k: Decimal(v) for k, v in p["symbols"].items()},
            )
        if books.periods:
            books._next_roll = min(p.end for p in books.periods.values())
        books.episode_slip = {(a, s): (float(w), float(n)) for a, s, w, n in doc["episode_slip"]}
        for symbol in account._marks:
            books._revalue(symbol)
        for symbol in {s for (_, s) in account._positions}:
            books._revalue(symbol)
        books.equity_now = books.equity()
        return books


class exact:  # a context manager, named as one is used
    """Run the block in the exact decimal context (set and restored: cheaper than a copy)."""

    __slots__ = ("saved",)

    def __enter__(self) -> None:
        """Set the exact context, keeping the one it replaces."""
        self.saved = decimal.getcontext()
        decimal.setcontext(EXACT)

    def __exit__(self, *exc: object) -> None:
        """Restore the context `__enter__` replaced."""
        decimal.setcontext(self.saved)
