"""The incremental ledger: one event at a time, plain Python, exact Decimals (the live path).

`Ledger.apply` takes a `Fill`, `Mark`, `FundingPayment` or `CashFlow`; `Ledger.snapshot`
returns positions, P&L and equity. Cost is O(1) amortized per event: a fill touches only the
lots it closes (each lot is closed once) and its position's running sums.

Accounting rules: ``docs/ledger.md``.
"""

from __future__ import annotations

import decimal
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from tradeperf.ledger._exact import EXACT, round18, round_ratio
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.model import (
    EVENT_RANK,
    PositionView,
    RealizedEvent,
    RoundTrip,
    TradeParts,
    make_trade,
)
from tradeperf.records import CashFlow, Fill, FundingPayment, Mark, Side, Trade

ZERO = Decimal(0)
_BUY = Side.BUY
Event = Fill | Mark | FundingPayment | CashFlow
# bound once: a module global is cheaper to reach than ``decimal.getcontext`` on every event
_getcontext = decimal.getcontext
_setcontext = decimal.setcontext
_new_tuple = tuple.__new__  # a `RealizedEvent` from a row, without its ``__new__`` frame


class _Lot:
    """An open lot: what remains of one opening fill."""

    __slots__ = ("alloc", "fee", "fill", "fill_qty", "price", "qty", "time")

    def __init__(self, fill: Fill, qty: Decimal, fee: Decimal, alloc: Decimal) -> None:
        self.fill = fill
        self.time = fill.timestamp
        self.price = fill.price
        self.qty = qty  # remaining, > 0
        self.fee = fee  # converted fee of the whole fill
        self.fill_qty = fill.quantity
        self.alloc = alloc  # quantity of the fill whose fee share is already allocated


class _Episode:
    """Running sums of a flat-to-flat round trip that is still open."""

    __slots__ = (
        "entry_fees",
        "entry_notional",
        "entry_qty",
        "entry_time",
        "exit_fees",
        "exit_notional",
        "funding",
        "number",
        "pmax",
        "pmin",
        "realized",
        "sign",
        "strategy",
        "venue",
    )

    def __init__(
        self, number: int, sign: int, time: datetime, strategy: str, venue: str | None
    ) -> None:
        self.number = number
        self.venue = venue  # of the fill that opened it
        self.sign = sign
        self.entry_time = time
        self.strategy = strategy
        self.entry_qty = ZERO
        self.entry_notional = ZERO
        self.exit_notional = ZERO
        self.entry_fees = ZERO
        self.exit_fees = ZERO
        self.funding = ZERO
        self.realized = ZERO
        self.pmin: Decimal | None = None
        self.pmax: Decimal | None = None


class _Position:
    __slots__ = (
        "account",
        "cost",
        "currency",
        "episode",
        "episodes",
        "lots",
        "multiplier",
        "qty",
        "sign",
        "symbol",
    )

    def __init__(self, account: str, symbol: str, multiplier: Decimal, currency: str | None):
        self.account = account
        self.symbol = symbol
        self.multiplier = multiplier
        self.currency = currency
        self.qty = ZERO  # signed
        self.sign = 0  # sign of qty (+1 long, -1 short, 0 flat): an int test, not a Decimal one
        self.cost = ZERO  # Σ price × qty of the open quantity (no multiplier), ≥ 0 for price ≥ 0
        self.lots: deque[_Lot] = deque()
        self.episode: _Episode | None = None
        self.episodes = 0


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """The books at one moment.

    Attributes
    ----------
    timestamp : time of the last event applied (None before any).
    capital : starting capital.
    cash_flows : Σ deposits (+) and withdrawals (−).
    realized_pnl : Σ realized P&L before fees and funding.
    unrealized_pnl : Σ unrealized P&L of open positions that have a mark.
    fees : Σ fees in the P&L currency (including converted foreign fees).
    fees_other : fees in other currencies that could not be converted, per currency.
    funding : Σ funding received (+) or paid (−).
    cash : trading cash change = −Σ side × quantity × price × multiplier − fees + funding.
    equity : capital + cash_flows + realized + unrealized − fees + funding.
    positions : the open positions.
    """

    timestamp: datetime | None
    capital: Decimal
    cash_flows: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    fees_other: dict[str, Decimal]
    funding: Decimal
    cash: Decimal
    equity: Decimal
    positions: list[PositionView]


class Ledger:
    """Incremental books from fills, marks, funding and cash flows.

    Parameters
    ----------
    cost_basis
        FIFO (default), LIFO or AVERAGE.
    round_trip
        FLAT_TO_FLAT (default: a trade runs from flat to flat) or PER_LOT (one trade
        per matched pair of opening and closing fill; FIFO/LIFO only).
    capital
        Starting capital, in the P&L currency.
    keep_history
        True (default): keep every trade closed (``trades``), every fill's realized event
        (`realized_events`) and every fill id (a repeated id raises). False, for a ledger that
        runs for weeks (the live tracker): keep only the open lots and the totals; the caller
        reads each fill's ``last_realized`` and ``last_fee`` and the trades `apply` returns,
        and checks fill ids itself.
    round_trips
        False: make no flat-to-flat `Trade` records (`apply` returns none); the books, P&L and
        ``last_realized`` are the same. For books whose totals alone are read (a strategy's
        own books in the live tracker).

    Raises
    ------
    ValueError
        If PER_LOT is asked with AVERAGE cost.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t = datetime(2024, 1, 2, tzinfo=UTC)
    >>> led = Ledger()
    >>> _ = led.apply(Fill("1", t, "X", "BUY", Decimal(2), Decimal(10)))
    >>> [tr.gross_pnl for tr in led.apply(Fill("2", t, "X", "SELL", Decimal(2), Decimal(11)))]
    [Decimal('2.000000000000000000')]
    """

    def __init__(
        self,
        *,
        cost_basis: CostBasis = CostBasis.FIFO,
        round_trip: RoundTrip = RoundTrip.FLAT_TO_FLAT,
        capital: Decimal = ZERO,
        keep_history: bool = True,
        round_trips: bool = True,
    ) -> None:
        self.cost_basis = CostBasis(cost_basis)
        self.round_trip = RoundTrip(round_trip)
        if self.round_trip is RoundTrip.PER_LOT and self.cost_basis is CostBasis.AVERAGE:
            raise ValueError("per-lot round trips need FIFO or LIFO lots, not average cost")
        self.capital = Decimal(capital)
        # the enum tests of the hot path, decided once
        self._average = self.cost_basis is CostBasis.AVERAGE
        self._fifo = self.cost_basis is CostBasis.FIFO
        self._per_lot = self.round_trip is RoundTrip.PER_LOT
        self._plain_lots = not self._average and not self._per_lot  # fast path 2 applies
        self._fast_paths = True  # False: every fill takes the general path (tests compare)
        self._positions: dict[tuple[str, str], _Position] = {}
        self._by_symbol: dict[str, list[_Position]] = {}
        self._marks: dict[str, Decimal] = {}
        self._seen_ids: set[str] = set()
        self.trades: list[Trade] = []
        # each fill's realized event, as a plain tuple of its fields: the collector untracks a
        # tuple of atoms (a named tuple it scans at every full collection, which made those
        # collections a third of the run); `realized_events` turns them into `RealizedEvent`s
        self._event_rows: list[tuple[object, ...]] = []
        self._events: list[RealizedEvent] = []
        self.realized_pnl = ZERO
        self.fees = ZERO
        self.fees_other: dict[str, Decimal] = {}
        self.funding = ZERO
        self.cash_flows = ZERO
        self.cash = ZERO
        self.last_time: datetime | None = None
        self._keep = keep_history
        self._round_trips = round_trips or self.round_trip is RoundTrip.PER_LOT
        #: the realized P&L and the fee (in the P&L currency) of the last fill applied
        self.last_realized = ZERO
        self.last_fee = ZERO

    @property
    def realized_events(self) -> list[RealizedEvent]:
        """The realized event of each fill applied, in order (one `RealizedEvent` per fill).

        Built on first read from the rows `apply` keeps (later reads add only the new ones);
        the same list object every time.
        """
        rows = self._event_rows
        if rows:
            self._events.extend([_new_tuple(RealizedEvent, r) for r in rows])
            rows.clear()
        return self._events

    # -- events -------------------------------------------------------------------------
    def apply(self, event: Event) -> list[Trade]:
        """Apply one event; return the round-trip trades it closed (often none).

        Parameters
        ----------
        event
            A Fill, Mark, FundingPayment or CashFlow, in time order (equal times:
            marks, fills, funding, cash flows; then input order, as `merge_events` sorts).

        Raises
        ------
        ValueError
            On a duplicate fill id, or a fill whose multiplier differs from the position's.
        TypeError
            For anything that is not one of the four event records.

        Notes
        -----
        Arithmetic runs in the exact context `EXACT`, set for the call and then restored
        (``setcontext`` twice is cheaper than ``localcontext()``, which copies the context).
        Fills are tested first (``type(event) is Fill``): they are most events.
        """
        saved = _getcontext()
        _setcontext(EXACT)
        try:
            out = self._fill(event) if type(event) is Fill else self._other(event)
        finally:
            _setcontext(saved)
        self.last_time = event.timestamp
        return out

    def apply_all(self, events: Iterable[Event]) -> list[Trade]:
        """Apply events in the given order; return the trades they closed."""
        out: list[Trade] = []
        for e in events:
            out.extend(self.apply(e))
        return out

    def _other(self, event: Event) -> list[Trade]:
        """Apply an event that is not exactly a `Fill` (a mark, funding, cash flow, subclass)."""
        if isinstance(event, Mark):
            self._mark(event)
        elif isinstance(event, Fill):
            return self._fill(event)
        elif isinstance(event, FundingPayment):
            self._funding(event)
        elif isinstance(event, CashFlow):
            self.cash_flows += event.amount
        else:
            raise TypeError(f"not a ledger event: {type(event).__name__}")
        return []

    def _mark(self, mark: Mark) -> None:
        price = mark.price
        self._marks[mark.symbol] = price
        for pos in self._by_symbol.get(mark.symbol, ()):
            ep = pos.episode
            if ep is not None:
                if ep.pmin is None or price < ep.pmin:
                    ep.pmin = price
                if ep.pmax is None or price > ep.pmax:
                    ep.pmax = price

    def _funding(self, pay: FundingPayment) -> None:
        self.funding += pay.amount
        self.cash += pay.amount
        pos = self._positions.get((pay.account, pay.symbol))
        if pos is not None and pos.episode is not None:
            pos.episode.funding += pay.amount

    def _convert_fee(self, fill: Fill) -> Decimal:
        ccy = fill.fee_currency
        if ccy is None or ccy == fill.currency or fill.fee == 0:
            return fill.fee
        rate = self._marks.get(ccy)
        if rate is None:
            self.fees_other[ccy] = self.fees_other.get(ccy, ZERO) + fill.fee
            return ZERO
        return round18(fill.fee * rate)

    def _position(self, fill: Fill) -> _Position:
        key = (fill.account, fill.symbol)
        pos = self._positions.get(key)
        if pos is None:
            pos = _Position(fill.account, fill.symbol, fill.multiplier, fill.currency)
            self._positions[key] = pos
            self._by_symbol.setdefault(fill.symbol, []).append(pos)
        elif fill.multiplier != pos.multiplier:
            raise ValueError(
                f"fill {fill.fill_id}: multiplier {fill.multiplier} differs from "
                f"{pos.multiplier} of {fill.account}/{fill.symbol}"
            )
        return pos

    def _fill(self, fill: Fill) -> list[Trade]:
        """Book one fill (in the `EXACT` context); return the trades it closed.

        Notes
        -----
        Two fast paths book the common fills inline, with the arithmetic of the general path
        (`_fill_general`) in the same order, so that every result is the same Decimal (value,
        exponent and sign of zero):

        1. a fill that only opens or adds to a position (flat, or on the position's side);
        2. with FIFO/LIFO lots and flat-to-flat trades, a fill that closes less than the
           position (whole lots and a part of one; the position stays open, no trade ends).

        They leave out only steps that change nothing: the opening fee share ``fee − 0`` and
        ``realized_pnl + 0`` (a fee's exponent is ≤ 0, ``realized_pnl``'s too, and the sum
        that starts at +0 is never −0); the exit fee share is the whole fee (the fill closes
        all its quantity); a short lot's gross ``(lot price − price) × q × m`` differs from
        ``−1 × (price − lot price) × q × m`` only in the sign of a zero, which adding it to
        the realized sum (never −0) erases. Every other fill (one that ends a round trip or
        reverses the position, average cost, per-lot trades) takes the general path;
        ``_fast_paths = False`` sends every fill there (the tests compare both).
        """
        fill_id = fill.fill_id
        keep = self._keep
        if keep:
            seen = self._seen_ids
            if fill_id in seen:
                raise ValueError(f"duplicate fill id {fill_id!r}")
            seen.add(fill_id)
        pos = self._positions.get((fill.account, fill.symbol))
        if pos is None or fill.multiplier != pos.multiplier:
            pos = self._position(fill)  # a new position, or the multiplier error
        fee = fill.fee if fill.fee_currency is None else self._convert_fee(fill)
        self.fees += fee
        q = fill.quantity
        price = fill.price
        m = pos.multiplier
        buy = fill.side is _BUY
        sign = 1 if buy else -1
        self.cash -= (q if buy else -q) * price * m + fee  # −q: q > 0, so == −1 × q

        held = pos.sign
        fast = self._fast_paths
        trades: list[Trade] = []
        if fast and (held == sign or not held):
            # fast path 1: the fill only opens or adds
            if not held:
                pos.sign = sign
                pos.episodes += 1
                pos.episode = _Episode(
                    pos.episodes, sign, fill.timestamp, fill.strategy, fill.venue
                )
            ep = pos.episode
            assert ep is not None
            notional = q * price
            ep.entry_fees += fee
            ep.entry_qty += q
            ep.entry_notional += notional
            pos.qty = pos.qty + q if buy else pos.qty - q
            pos.cost += notional
            if not self._average:
                pos.lots.append(_Lot(fill, q, fee, ZERO))
            realized = ZERO
        elif fast and self._plain_lots and q < (pos.qty if held > 0 else -pos.qty):
            # fast path 2: FIFO/LIFO lots close (all but the last whole), the position stays
            lots = pos.lots
            fifo = self._fifo
            cost = pos.cost
            realized = ZERO
            left = q
            while True:
                lot = lots[0] if fifo else lots[-1]
                lq = lot.qty
                lp = lot.price
                if lq <= left:  # the whole lot closes
                    realized += (price - lp if held > 0 else lp - price) * lq * m
                    cost -= lq * lp
                    left -= lq
                    if fifo:
                        lots.popleft()
                    else:
                        lots.pop()
                    if not left:
                        break
                else:  # part of the lot closes
                    realized += (price - lp if held > 0 else lp - price) * left * m
                    cost -= left * lp
                    lot.qty = lq - left
                    break
            pos.cost = cost
            ep = pos.episode
            assert ep is not None
            ep.realized += realized
            ep.exit_notional += q * price
            ep.exit_fees += fee
            pos.qty = pos.qty - q if held > 0 else pos.qty + q
            self.realized_pnl += realized
        else:
            realized, trades = self._fill_general(pos, fill, fee, sign)
            if trades and keep:
                self.trades.extend(trades)
        self.last_realized = realized
        self.last_fee = fee
        if not keep:
            return trades
        self._event_rows.append(
            (
                fill.timestamp,
                fill_id,
                fill.account,
                fill.strategy,
                fill.symbol,
                pos.currency,
                realized,
                fee,
            )
        )
        return trades

    def _fill_general(
        self, pos: _Position, fill: Fill, fee: Decimal, sign: int
    ) -> tuple[Decimal, list[Trade]]:
        """Close and open the lots of any fill (after its fee and cash are booked).

        Returns
        -------
        The realized P&L of the fill and the trades it closed.
        """
        remaining = fill.quantity
        realized = ZERO
        trades: list[Trade] = []
        closed = ZERO
        if pos.qty != 0 and (pos.qty > 0) != (sign > 0):
            closed = min(remaining, abs(pos.qty))
            realized, trades = self._close(pos, fill, closed, fee)
            remaining -= closed
        if remaining > 0:
            self._open(pos, fill, remaining, fee, closed)
        self.realized_pnl += realized
        return realized, trades

    def _open(
        self, pos: _Position, fill: Fill, qty: Decimal, fee: Decimal, closed: Decimal
    ) -> None:
        sign = 1 if fill.side is _BUY else -1
        if pos.qty == 0:
            pos.sign = sign
            pos.episodes += 1
            pos.episode = _Episode(pos.episodes, sign, fill.timestamp, fill.strategy, fill.venue)
        ep = pos.episode
        assert ep is not None
        # the opening part's fee share: what the closing part did not take
        share = fee - (round_ratio(fee, closed, fill.quantity) if closed else ZERO)
        ep.entry_fees += share
        ep.entry_qty += qty
        ep.entry_notional += qty * fill.price
        pos.qty += sign * qty
        pos.cost += qty * fill.price
        if not self._average:
            pos.lots.append(_Lot(fill, qty, fee, closed))

    def _close(
        self, pos: _Position, fill: Fill, qty: Decimal, fee: Decimal
    ) -> tuple[Decimal, list[Trade]]:
        ep = pos.episode
        assert ep is not None
        lot_sign = 1 if pos.qty > 0 else -1
        m = pos.multiplier
        price = fill.price
        trades: list[Trade] = []
        exit_share = fee if qty == fill.quantity else round_ratio(fee, qty, fill.quantity)
        if self._average:
            held = abs(pos.qty)
            removed = pos.cost if qty == held else round_ratio(pos.cost, qty, held)
            pos.cost -= removed
            realized = lot_sign * (price * qty - removed) * m
        else:
            realized = ZERO
            left = qty
            lots = pos.lots
            fifo = self._fifo
            per_lot = self._per_lot
            close_alloc = ZERO
            while left > 0:
                lot = lots[0] if fifo else lots[-1]
                q = lot.qty if lot.qty <= left else left
                gross = lot_sign * (price - lot.price) * q * m
                realized += gross
                pos.cost -= q * lot.price
                if per_lot:
                    new_alloc = lot.alloc + q
                    entry_share = round_ratio(lot.fee, new_alloc, lot.fill_qty) - round_ratio(
                        lot.fee, lot.alloc, lot.fill_qty
                    )
                    lot.alloc = new_alloc
                    exit_new = close_alloc + q
                    exit_piece = round_ratio(fee, exit_new, fill.quantity) - round_ratio(
                        fee, close_alloc, fill.quantity
                    )
                    close_alloc = exit_new
                    trades.append(
                        make_trade(
                            TradeParts(
                                trade_id=f"{pos.account}/{pos.symbol}/"
                                f"{lot.fill.fill_id}/{fill.fill_id}",
                                account=pos.account,
                                symbol=pos.symbol,
                                strategy=lot.fill.strategy,
                                venue=lot.fill.venue,
                                currency=pos.currency,
                                sign=lot_sign,
                                multiplier=m,
                                entry_time=lot.time,
                                exit_time=fill.timestamp,
                                quantity=q,
                                entry_notional=q * lot.price,
                                exit_notional=q * price,
                                gross=gross,
                                entry_fees=entry_share,
                                exit_fees=exit_piece,
                                funding=ZERO,
                            )
                        )
                    )
                lot.qty -= q
                left -= q
                if lot.qty == 0:
                    if fifo:
                        lots.popleft()
                    else:
                        lots.pop()
        ep.realized += realized
        ep.exit_notional += qty * price
        ep.exit_fees += exit_share
        pos.qty -= lot_sign * qty
        if pos.qty == 0:
            pos.sign = 0
            pos.episode = None
            pos.cost = ZERO
            if not self._per_lot and self._round_trips:
                trades.append(
                    make_trade(
                        TradeParts(
                            trade_id=f"{pos.account}/{pos.symbol}/{ep.number}",
                            account=pos.account,
                            symbol=pos.symbol,
                            strategy=ep.strategy,
                            venue=ep.venue,
                            currency=pos.currency,
                            sign=ep.sign,
                            multiplier=m,
                            entry_time=ep.entry_time,
                            exit_time=fill.timestamp,
                            quantity=ep.entry_qty,
                            entry_notional=ep.entry_notional,
                            exit_notional=ep.exit_notional,
                            gross=ep.realized,
                            entry_fees=ep.entry_fees,
                            exit_fees=ep.exit_fees,
                            funding=ep.funding,
                            price_min=ep.pmin,
                            price_max=ep.pmax,
                        )
                    )
                )
        return realized, trades

    # -- views --------------------------------------------------------------------------
    def positions(self) -> list[PositionView]:
        """Open positions, sorted by (account, symbol), valued at the latest marks."""
        out = []
        with decimal.localcontext(EXACT):
            for key in sorted(self._positions):
                pos = self._positions[key]
                if pos.qty == 0:
                    continue
                held = abs(pos.qty)
                sign = 1 if pos.qty > 0 else -1
                mark = self._marks.get(pos.symbol)
                unreal = None if mark is None else sign * pos.multiplier * (mark * held - pos.cost)
                out.append(
                    PositionView(
                        pos.account,
                        pos.symbol,
                        pos.qty,
                        round_ratio(pos.cost, Decimal(1), held),
                        mark,
                        unreal,
                        pos.multiplier,
                        pos.currency,
                    )
                )
        return out

    def unrealized_of(self, symbol: str) -> Decimal:
        """Σ unrealized P&L of the open positions in ``symbol`` (0 without a mark).

        sign × multiplier × (mark × |quantity| − cost), as `positions` values each; exact.
        """
        mark = self._marks.get(symbol)
        if mark is None:
            return ZERO
        total = ZERO
        saved = _getcontext()
        _setcontext(EXACT)
        try:
            for pos in self._by_symbol.get(symbol, ()):
                if pos.sign > 0:
                    total += pos.multiplier * (mark * pos.qty - pos.cost)
                elif pos.sign < 0:
                    total -= pos.multiplier * (mark * -pos.qty - pos.cost)
        finally:
            _setcontext(saved)
        return total

    def position_unrealized(self, account: str, symbol: str) -> Decimal:
        """Return the unrealized P&L of the (account, symbol) position (0 flat or unmarked)."""
        pos = self._positions.get((account, symbol))
        mark = self._marks.get(symbol)
        if pos is None or mark is None or not pos.sign:
            return ZERO
        saved = _getcontext()
        _setcontext(EXACT)
        try:
            held = pos.qty if pos.sign > 0 else -pos.qty
            return pos.sign * pos.multiplier * (mark * held - pos.cost)
        finally:
            _setcontext(saved)

    def adopt_position(self, other: Ledger, account: str, symbol: str) -> None:
        """Take a copy of ``other``'s (account, symbol) position: its lots and open round trip.

        The live tracker keeps a strategy's own books of a position only once a second
        strategy trades it; until then they are the account's, and this copies them over.
        Totals (realized P&L, fees) are not copied.
        """
        src = other._positions.get((account, symbol))
        if src is None:
            return
        pos = _Position(account, symbol, src.multiplier, src.currency)
        pos.qty, pos.sign, pos.cost, pos.episodes = src.qty, src.sign, src.cost, src.episodes
        for lot in src.lots:
            copy = _Lot(lot.fill, lot.qty, lot.fee, lot.alloc)
            copy.price, copy.time, copy.fill_qty = lot.price, lot.time, lot.fill_qty
            pos.lots.append(copy)
        ep = src.episode
        if ep is not None:
            mine = _Episode(ep.number, ep.sign, ep.entry_time, ep.strategy, ep.venue)
            for name in _Episode.__slots__:
                setattr(mine, name, getattr(ep, name))
            pos.episode = mine
        self._positions[(account, symbol)] = pos
        self._by_symbol.setdefault(symbol, []).append(pos)

    def position_quantity(self, account: str, symbol: str) -> Decimal:
        """Return the signed open quantity of (account, symbol): + long, − short, 0 flat."""
        pos = self._positions.get((account, symbol))
        return ZERO if pos is None else pos.qty

    def position_multiplier(self, account: str, symbol: str) -> Decimal | None:
        """Return the contract multiplier of (account, symbol), or None before its first fill."""
        pos = self._positions.get((account, symbol))
        return None if pos is None else pos.multiplier

    def inventory_value(self) -> Decimal:
        """Σ signed quantity × multiplier × latest mark over positions with a mark."""
        with decimal.localcontext(EXACT):
            total = ZERO
            for pos in self._positions.values():
                mark = self._marks.get(pos.symbol)
                if pos.qty != 0 and mark is not None:
                    total += pos.qty * pos.multiplier * mark
            return total

    def snapshot(self) -> LedgerSnapshot:
        """Return the books now: P&L, fees, funding, cash flows, equity and open positions.

        Notes
        -----
        equity = capital + cash_flows + realized + unrealized − fees + funding, with
        unrealized from the latest mark of each symbol (positions without a mark count 0).
        """
        positions = self.positions()
        with decimal.localcontext(EXACT):
            unreal = sum((p.unrealized_pnl or ZERO for p in positions), ZERO)
            equity = (
                self.capital
                + self.cash_flows
                + self.realized_pnl
                + unreal
                - self.fees
                + self.funding
            )
        return LedgerSnapshot(
            timestamp=self.last_time,
            capital=self.capital,
            cash_flows=self.cash_flows,
            realized_pnl=self.realized_pnl,
            unrealized_pnl=unreal,
            fees=self.fees,
            fees_other=dict(self.fees_other),
            funding=self.funding,
            cash=self.cash,
            equity=equity,
            positions=positions,
        )


def merge_events(
    fills: Iterable[Fill] = (),
    marks: Iterable[Mark] = (),
    funding: Iterable[FundingPayment] = (),
    cash_flows: Iterable[CashFlow] = (),
) -> list[Event]:
    """Return all events in ledger order: by timestamp, then kind, then input order.

    The kinds rank mark, fill, funding, cash flow. The batch kernel uses the same order.

    Parameters
    ----------
    fills
        The `Fill` events, in input order.
    marks
        The `Mark` events (a symbol's price at an instant), in input order.
    funding
        The `FundingPayment` events, in input order.
    cash_flows
        The `CashFlow` events (external deposits and withdrawals), in input order.
    """
    keyed: list[tuple[datetime, int, int, Event]] = []
    groups: tuple[tuple[str, Iterable[Event]], ...] = (
        ("mark", marks),
        ("fill", fills),
        ("funding", funding),
        ("cash_flow", cash_flows),
    )
    for kind, items in groups:
        rank = EVENT_RANK[kind]
        keyed.extend((e.timestamp, rank, i, e) for i, e in enumerate(items))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return [k[3] for k in keyed]
