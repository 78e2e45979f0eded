"""Books kept from stored fills: round-trip trades, realized and unrealized P&L, open positions.

The round-trip trades serve the summaries; realized P&L, unrealized P&L and open positions
are taken at window bounds.

The one place that hands the store's fills, marks, funding and cash flows to the ledger.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Final, cast
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.figures import CashFlows, DailyAmounts
from tradeperf.analytics.fx import FxRates, convert, convert_trades
from tradeperf.analytics.windows import local_days, local_midnight
from tradeperf.errors import InputError
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.model import OpenEpisode
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import (
    CASH_FLOW_SCHEMA,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    MARK_SCHEMA,
    TRADE_SCHEMA,
    ZERO,
    RecordKind,
)
from tradeperf.store import Store
from tradeperf.timezones import resolve_timezone

if TYPE_CHECKING:
    from tradeperf.ledger.batch import LedgerResult


def _as_schema(table: pa.Table, schema: pa.Schema) -> pa.Table | None:
    """Return the columns of ``schema`` that ``table`` has, cast to their types (None if empty)."""
    if table.num_rows == 0:
        return None
    names = [f.name for f in schema if f.name in table.column_names]
    fields = [schema.field(n) for n in names]
    return table.select(names).cast(pa.schema(fields))


@dataclass(frozen=True, slots=True)
class Books:
    """The ledger's view of the stored fills selected by a summary's filters.

    ``joined_accounts``: the fills' accounts are joined with their strategies, several
    strategies booked each as its own account (`own_accounts`); `trades` names the fills'
    accounts again.
    """

    fills: pa.Table
    marks: pa.Table | None
    funding: pa.Table | None
    result: LedgerResult
    cost_basis: CostBasis = CostBasis.FIFO
    joined_accounts: bool = False

    def subset(self, column: str, label: str) -> Books | None:
        """Book the fills whose ``column`` (``strategy`` or ``symbol``) is ``label`` on their own.

        A strategy is booked as if it had its own account, with the funding of the positions
        its fills hold. None when no fill has that label.

        A strategy's share of a funding payment on a position several strategies hold is
        ``amount × q_s / Q`` (`attribute_funding`): what it would have paid alone.
        """
        fills = self.fills.filter(pc.equal(self.fills.column(column), label))
        funding = self.funding
        if column == "strategy" and funding is not None:
            funding = attribute_funding(self.fills, funding, label)
        books = _book(fills, self.marks, funding, None, self.cost_basis)
        if books is None or not self.joined_accounts:
            return books
        return replace(books, joined_accounts=True)

    @property
    def trades(self) -> pa.Table:
        """Round-trip trades derived from the fills (`TRADE_SCHEMA`, all CLOSED).

        With ``joined_accounts``, their metadata names the fills' account and their id is
        ``account/strategy/symbol/n``.
        """
        trades = self.result.trades.select([f.name for f in TRADE_SCHEMA]).cast(TRADE_SCHEMA)
        return _unmangled(trades) if self.joined_accounts else trades

    def realized_times(self) -> np.ndarray:
        """UTC microseconds of every realized-P&L event (a reducing fill)."""
        ts = self.result.realized_events.column("timestamp").cast(pa.int64())
        return np.asarray(ts.to_numpy(zero_copy_only=False))

    def labels(self, column: str) -> list[str]:
        """Return the strategies or symbols (``column``) of the fills booked."""
        return sorted(set(self.fills.column(column).to_pylist()))

    def booked_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """Local days (``datetime64[D]``) with a fill within [start, end)."""
        events = self.realized_times()
        lo = _us(start) if start else np.iinfo(np.int64).min
        hi = _us(end) if end else np.iinfo(np.int64).max
        events = events[(events >= lo) & (events < hi)]
        return local_days(pa.array(events, pa.timestamp("us", tz="UTC")), tz)

    def at(self, times: Sequence[dt.datetime]) -> list[BooksAt]:
        """Realized P&L so far, unrealized P&L and open positions just before each instant."""
        return books_at(self.fills, self.marks, self.result.realized_events, times, self.funding)

    def event_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """Return the local days (``datetime64[D]``) within [start, end) with an event.

        An event is a fill of a position the books hold, a mark of its symbol or a funding
        payment on it, from its first fill or payment on: the days the stored books keep a row
        for (`tradeperf.analytics.booking`).
        """
        out = []
        fill_days = local_days(self.fills.column("timestamp"), tz)
        keys = _position_keys(self.fills)
        mark_days = funding_days = None
        if self.marks is not None and self.marks.num_rows:
            mark_days = local_days(self.marks.column("timestamp"), tz)
            mark_symbols = np.array(self.marks.column("symbol").to_pylist(), dtype=object)
        if self.funding is not None and self.funding.num_rows:
            funding_days = local_days(self.funding.column("timestamp"), tz)
            funding_keys = np.array(_position_keys(self.funding), dtype=object)
        key_array = np.array(keys, dtype=object)
        symbols = np.array(self.fills.column("symbol").to_pylist(), dtype=object)
        for key in sorted(set(keys)):
            mine = key_array == key
            first = fill_days[mine].min()
            days = [fill_days[mine]]
            if mark_days is not None:
                days.append(mark_days[mark_symbols == symbols[mine][0]])
            if funding_days is not None:
                paid = funding_days[funding_keys == key]
                if paid.size:  # a payment before the first fill books then
                    first = min(first, paid.min())
                days.append(paid)
            held = np.concatenate(days)
            out.append(held[held >= first])
        active = np.unique(np.concatenate(out)) if out else np.empty(0, "datetime64[D]")
        if start is not None:
            active = active[active >= np.datetime64(start.astimezone(tz).date(), "D")]
        if end is not None:
            active = active[active < np.datetime64(end.astimezone(tz).date(), "D")]
        return active

    def daily_pnl(self, first_day: dt.date, last_day: dt.date, tz: ZoneInfo) -> DailyAmounts:
        """Return the P&L of the books per local calendar day, marked to market.

        A day's P&L is the change over the day of realized + unrealized − fees + funding
        (exact).
        """
        return _daily_pnl(self.at, first_day, last_day, tz)


def _daily_pnl(
    at: Callable[[Sequence[dt.datetime]], list[BooksAt]],
    first_day: dt.date,
    last_day: dt.date,
    tz: ZoneInfo,
) -> DailyAmounts:
    n = (last_day - first_day).days + 1
    days = np.arange(np.datetime64(first_day, "D"), np.datetime64(first_day, "D") + max(n, 0))
    bounds = [local_midnight(first_day + dt.timedelta(days=i), tz) for i in range(n + 1)]
    pnl = [b.trading_pnl for b in at(bounds)] if n > 0 else []
    return DailyAmounts.of(days, [b - a for a, b in itertools.pairwise(pnl)])


@dataclass(frozen=True, slots=True)
class ConvertedBooks:
    """`Books` of fills in several currencies, in the base currency (`tradeperf.analytics.fx`).

    Realized P&L, fees and funding convert with the rate of the local day each was booked
    on; the unrealized P&L at an instant with the rate of the day just before it (at most
    the last day with a fill or mark), so a day's P&L in base is its realized P&L at the
    day's rate plus the change in the open positions' value in base.

    Raises (from its methods)
    -------------------------
    MissingRate
        When an amount's day has no rate.
    """

    books: Books
    rates: FxRates
    base: str
    unlabelled: str
    tz: ZoneInfo

    @property
    def fills(self) -> pa.Table:
        """The fills booked (in their own currencies)."""
        return self.books.fills

    @property
    def trades(self) -> pa.Table:
        """The round trips of `Books.trades`, their P&L and fees in base (exit-day rates)."""
        trades = self.books.trades
        days = local_days(trades.column("exit_time"), self.tz)
        return convert_trades(trades, days, self.rates, self.base, self.unlabelled)

    def realized_times(self) -> np.ndarray:
        """See `Books.realized_times`."""
        return self.books.realized_times()

    def labels(self, column: str) -> list[str]:
        """See `Books.labels`."""
        return self.books.labels(column)

    def booked_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """See `Books.booked_days`."""
        return self.books.booked_days(tz, start, end)

    def event_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """See `Books.event_days`."""
        return self.books.event_days(tz, start, end)

    def subset(self, column: str, label: str) -> ConvertedBooks | None:
        """See `Books.subset` (in base)."""
        books = self.books.subset(column, label)
        if books is None:
            return None
        return ConvertedBooks(books, self.rates, self.base, self.unlabelled, self.tz)

    def daily_pnl(self, first_day: dt.date, last_day: dt.date, tz: ZoneInfo) -> DailyAmounts:
        """See `Books.daily_pnl` (in base)."""
        return _daily_pnl(self.at, first_day, last_day, tz)

    def _currency(self, table: pa.Table) -> pa.ChunkedArray:
        return pc.fill_null(table.column("currency"), self.unlabelled)

    def at(self, times: Sequence[dt.datetime]) -> list[BooksAt]:
        """See `Books.at`; every amount in base."""
        b = self.books
        events = b.result.realized_events
        own = {
            "fills": self._currency(b.fills),
            "events": self._currency(events),
            "funding": self._currency(b.funding) if b.funding is not None else None,
        }
        active = local_days(b.fills.column("timestamp"), self.tz)
        last_day = active.max() if active.size else None
        t_us = np.array([_us(t) for t in times], dtype=np.int64)
        # the day just before each instant, for the value of the positions open at it
        before = local_days(pa.array(t_us - 1, pa.timestamp("us", tz="UTC")), self.tz)
        if last_day is not None:
            before = np.minimum(before, last_day)
        n = len(times)
        realized, fees, paid = [ZERO] * n, [ZERO] * n, [ZERO] * n
        unrealized = [ZERO] * n
        open_count, unmarked = [0] * n, [0] * n
        for ccy in sorted(set(own["fills"].to_pylist())):
            fills = b.fills.filter(pc.equal(own["fills"], ccy))
            ev = events.filter(pc.equal(own["events"], ccy))
            funding = None
            if b.funding is not None and own["funding"] is not None:
                funding = b.funding.filter(pc.equal(own["funding"], ccy))
            raw = books_at(fills, b.marks, ev, times, funding)
            r_cum = self._booked(ccy, ev, "realized_pnl", t_us)
            f_cum = self._booked(ccy, ev, "fees", t_us)
            p_cum = self._booked(ccy, funding, "amount", t_us)
            held = np.flatnonzero([x.unrealized_pnl != 0 for x in raw])
            rates = self.rates.rates(ccy, self.base, before[held]) if held.size else []
            for i, rate in zip(held.tolist(), rates, strict=True):
                unrealized[i] += convert(raw[i].unrealized_pnl, rate)
            for i, x in enumerate(raw):
                realized[i] += r_cum[i]
                fees[i] += f_cum[i]
                paid[i] += p_cum[i]
                open_count[i] += x.open_positions
                unmarked[i] += x.unmarked_positions
        return [
            BooksAt(t, realized[i], unrealized[i], open_count[i], fees[i], paid[i], unmarked[i])
            for i, t in enumerate(times)
        ]

    def _booked(
        self, ccy: str, table: pa.Table | None, column: str, t_us: np.ndarray
    ) -> list[Decimal]:
        """Return Σ of ``column`` over the rows of ``table`` strictly before each instant.

        Each row's amount is converted with the rate of its local day.
        """
        if table is None or table.num_rows == 0:
            return [ZERO] * t_us.size
        ts = table.column("timestamp").cast(pa.int64()).to_numpy(zero_copy_only=False)
        days = local_days(table.column("timestamp"), self.tz)
        amounts = self.rates.convert_all(ccy, self.base, days, table.column(column).to_pylist())
        order = np.argsort(ts, kind="stable")
        cum = list(itertools.accumulate((amounts[i] or ZERO for i in order), initial=ZERO))
        at = np.searchsorted(ts[order], t_us, side="left")
        return [cum[k] for k in at.tolist()]


def _us(t: dt.datetime) -> int:
    return (t - dt.datetime.fromtimestamp(0, dt.UTC)) // dt.timedelta(microseconds=1)


def load_books(
    store: Store,
    *,
    strategies: tuple[str, ...] = (),
    symbols: tuple[str, ...] = (),
    cost_basis: CostBasis = CostBasis.FIFO,
    sources: tuple[str, ...] = (),
    currency: tuple[str, str] | None = None,
) -> Books | None:
    """Run the ledger over the stored fills (filtered), or None when there are none.

    A strategy filter books that strategy's fills alone, as if it had its own account, with
    its share of the funding (`attribute_funding`). Several strategies are each booked as
    its own account (`own_accounts`): the books of the selection are the sum of their own
    books, not their fills netted as one account's (the account's netted books are those of
    the unfiltered summary). Marks and cash flows are all passed (marks of currencies convert
    foreign fees), funding of the (account, symbol) positions the selected fills hold. With
    ``sources``, only the records read from those files are booked; with ``currency``, only
    the fills in ``currency[0]`` (a fill without a currency is in ``currency[1]``).

    Raises
    ------
    InputError
        If the fills cannot be booked (a multiplier that changes within a position, ...).
    """
    fills = _as_schema(store.records(RecordKind.FILLS, sources=sources), FILL_SCHEMA)
    if fills is None:
        return None
    all_fills = fills
    if strategies:
        fills = fills.filter(pc.is_in(fills.column("strategy"), pa.array(strategies)))
    if symbols:
        fills = fills.filter(pc.is_in(fills.column("symbol"), pa.array(symbols)))
    if currency is not None:
        own = pc.fill_null(fills.column("currency"), currency[1])
        fills = fills.filter(pc.equal(own, currency[0]))
    if fills.num_rows == 0:
        return None
    marks = _as_schema(store.records(RecordKind.MARKS, sources=sources), MARK_SCHEMA)
    funding = _as_schema(store.records(RecordKind.FUNDING, sources=sources), FUNDING_SCHEMA)
    cash_flows = _as_schema(store.records(RecordKind.CASH_FLOWS, sources=sources), CASH_FLOW_SCHEMA)
    joined = bool(strategies) and len(pc.unique(fills.column("strategy"))) > 1
    if joined:  # several strategies: each its own account
        fills, funding = own_accounts(fills, funding, all_fills)
    elif strategies and funding is not None:  # its share of what positions shared paid
        funding = attribute_funding(all_fills, funding, strategies)
    books = _book(fills, marks, funding, cash_flows, cost_basis)
    return replace(books, joined_accounts=True) if books is not None and joined else books


#: Joins an account and a strategy into the account of the strategy's own books, when
#: several strategies are booked in one ledger run (`own_accounts`).
OWN_ACCOUNT_SEP: Final = "\x1f"

# The own account of a trade's ``metadata_json`` (JSON writes the separator as \u001f):
# group 1 is the key and the fills' account, the rest is the separator and the strategy.
_OWN_ACCOUNT_JSON: Final = r'("account":"(?:[^"\\]|\\.)*?)\\u001f(?:[^"\\]|\\.)*"'


def own_accounts(
    fills: pa.Table, funding: pa.Table | None, all_fills: pa.Table
) -> tuple[pa.Table, pa.Table | None]:
    """Prepare ``fills`` and ``funding`` for booking every strategy of ``fills`` as its own account.

    Parameters
    ----------
    fills
        The `FILL_SCHEMA` rows to book; each one's account becomes
        ``account + OWN_ACCOUNT_SEP + strategy``.
    funding
        `FUNDING_SCHEMA` rows (or None); each strategy of ``fills`` is given its share of
        every payment (`funding_shares`), on its own account.
    all_fills
        The fills the shares are taken over (every strategy's, so that a payment on a
        position a strategy left out also holds is shared as in `attribute_funding`).

    Returns
    -------
    tuple[pa.Table, pa.Table | None]
        (fills, funding): one ledger run over them books each strategy's own books at once
        (its `Books` with ``joined_accounts``).
    """
    mangled = pc.binary_join_element_wise(
        fills.column("account"), fills.column("strategy"), OWN_ACCOUNT_SEP
    )
    own_fills = fills.set_column(fills.column_names.index("account"), "account", mangled)
    if funding is None:
        return own_fills, None
    chosen = set(pc.unique(fills.column("strategy")).to_pylist())
    shares = []
    for strategy, part in sorted(funding_shares(all_fills, funding).items()):
        if strategy in chosen:
            names = pc.binary_join_element_wise(part.column("account"), strategy, OWN_ACCOUNT_SEP)
            part = part.drop_columns(["_row"])
            shares.append(part.set_column(part.column_names.index("account"), "account", names))
    return own_fills, pa.concat_tables(shares) if shares else None


def _unmangled(trades: pa.Table) -> pa.Table:
    """Return ``trades`` of own accounts (`own_accounts`) under the fills' accounts.

    The id becomes ``account/strategy/symbol/n`` and the metadata's account the fills' one.
    """
    ids = pc.replace_substring(trades.column("trade_id"), OWN_ACCOUNT_SEP, "/")
    meta = pc.replace_substring_regex(
        trades.column("metadata_json"), pattern=_OWN_ACCOUNT_JSON, replacement='\\1"'
    )
    out = trades.set_column(trades.column_names.index("trade_id"), "trade_id", ids)
    out = out.set_column(out.column_names.index("metadata_json"), "metadata_json", meta)
    return out.cast(trades.schema)


def _book(
    fills: pa.Table,
    marks: pa.Table | None,
    funding: pa.Table | None,
    cash_flows: pa.Table | None,
    cost_basis: CostBasis,
    carry: Mapping[tuple[str, str], OpenEpisode] | None = None,
) -> Books | None:
    """Run the ledger over ``fills`` (None when there are none), with their positions' funding.

    Only the funding of the (account, symbol) positions the fills hold is booked: a payment on
    a position no fill opened is not (there is nothing it was paid on). ``carry``: the round
    trips resumed (`tradeperf.ledger.batch.run_ledger`).
    """
    if fills.num_rows == 0:
        return None
    funding = held_funding(fills, funding)
    from tradeperf.ledger.batch import run_ledger  # compiles the Numba kernel: when used

    try:
        result = run_ledger(
            fills,
            marks,
            cost_basis=cost_basis,
            funding=funding,
            cash_flows=cash_flows,
            carry=carry,
        )
    except ValueError as exc:
        raise InputError(f"the stored fills cannot be booked: {exc}") from None
    return Books(fills=fills, marks=marks, funding=funding, result=result, cost_basis=cost_basis)


def held_funding(fills: pa.Table, funding: pa.Table | None) -> pa.Table | None:
    """Return the payments of ``funding`` on the (account, symbol) positions ``fills`` hold.

    None when there is none.
    """
    if funding is None:
        return None
    held = pa.array(_position_keys(fills), pa.string())
    funding = funding.filter(pc.is_in(pa.array(_position_keys(funding), pa.string()), held))
    return funding if funding.num_rows else None


_QUANTUM: Final = Decimal(1).scaleb(-18)
#: Before every instant (µs since the epoch).
_NEVER: Final = -(2**63)


def attribute_funding(
    fills: pa.Table, funding: pa.Table, strategies: str | Collection[str]
) -> pa.Table:
    """Return the share of ``strategies`` (one name or several) in each funding payment.

    The payments and shares are `FUNDING_SCHEMA` rows; several strategies' share is the sum of
    theirs.

    A payment on an (account, symbol) position is made on the net quantity Q of every
    strategy's fills up to its instant (fills at the same instant included: funding follows
    them, docs/ledger.md). A strategy holding q_s of it is given ``amount × q_s / Q``, rounded
    half-even to 18 decimals, the last holder (by strategy name) taking the remainder so the
    shares add up to the payment exactly: a strategy long 2 beside one short 1 gets twice
    the payment on the net long 1, the short one minus it. A payment made while Q = 0 goes
    whole to the strategy that traded the position last before it (the first to trade it,
    when none did before), so the strategies' shares always add up to the account's funding.
    Rows of positions ``strategy`` never traded are left out.

    Examples
    --------
    >>> import datetime as dt
    >>> from tradeperf.records import Fill, FundingPayment, fills_to_table, funding_to_table
    >>> t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    >>> fills = fills_to_table([
    ...     Fill("1", t, "BTC", "BUY", Decimal(2), Decimal(100), Decimal(0), strategy="a"),
    ...     Fill("2", t, "BTC", "SELL", Decimal(1), Decimal(100), Decimal(0), strategy="b"),
    ... ])
    >>> paid = funding_to_table([FundingPayment(t, "BTC", Decimal("-3"))])
    >>> [attribute_funding(fills, paid, s).column("amount")[0].as_py().normalize()
    ...  for s in ("a", "b")]
    [Decimal('-6'), Decimal('3')]
    """
    chosen = {strategies} if isinstance(strategies, str) else set(strategies)
    shares = funding_shares(fills, funding)
    rows: dict[int, Decimal] = {}  # several strategies: their shares of a payment added up
    for strategy in sorted(chosen & set(shares)):
        part = shares[strategy]
        for i, amount in zip(
            part.column("_row").to_pylist(), part.column("amount").to_pylist(), strict=True
        ):
            rows[i] = rows.get(i, ZERO) + amount
    return _with_amounts(funding, rows).drop_columns(["_row"])


def funding_shares(
    fills: pa.Table,
    funding: pa.Table,
    last: Mapping[str, str] | None = None,
    resumed: Mapping[str, int] | None = None,
) -> dict[str, pa.Table]:
    """Return every strategy's share of each funding payment, by strategy.

    The rule is that of `attribute_funding`; each strategy's shares are `FUNDING_SCHEMA` rows
    and ``_row``, the payment's row in ``funding``. One pass over the fills: per position,
    each strategy's running signed quantity, read at the payments' instants by
    `numpy.searchsorted`.

    ``last`` names, per position (`_position_keys`), the strategy that traded last before
    ``fills`` begin (books resumed from a checkpoint): a payment made while the position is
    flat before its first fill here is all its. ``resumed`` gives, per position, the
    instant of its checkpoint (µs since the epoch) when its first fills are the lots held
    then, re-booked as fills: they are not trades, so the same holds until its next fill.
    """
    fkeys = np.array(_position_keys(funding), dtype=object)
    keys = np.array(_position_keys(fills), dtype=object)
    f_ts = funding.column("timestamp").cast(pa.int64()).to_numpy(zero_copy_only=False)
    amounts = funding.column("amount").to_pylist()
    ts = fills.column("timestamp").cast(pa.int64()).to_numpy(zero_copy_only=False)
    names = np.array(fills.column("strategy").to_pylist(), dtype=object)
    qty = np.array(fills.column("quantity").to_pylist(), dtype=object)
    buy = np.array([s == "BUY" for s in fills.column("side").to_pylist()], dtype=bool)
    signed = np.where(buy, qty, -qty)
    shares: dict[str, dict[int, Decimal]] = {}
    for key in set(fkeys.tolist()) & set(keys.tolist()):
        mine = np.flatnonzero(keys == key)
        mine = mine[np.argsort(ts[mine], kind="stable")]  # input order at equal times
        pays = np.flatnonzero(fkeys == key)
        # fills at a payment's instant come before it (docs/ledger.md)
        upto = np.searchsorted(ts[mine], f_ts[pays], side="right")
        zero = np.array([ZERO], dtype=object)
        held: dict[str, np.ndarray] = {}
        for s in sorted(set(names[mine].tolist())):
            moves = np.where(names[mine] == s, signed[mine], zero)
            held[s] = np.concatenate((zero, np.cumsum(moves)))
        for i, k in zip(pays.tolist(), upto.tolist(), strict=True):
            at = {s: q[k] for s, q in held.items() if q[k] != 0}
            net = sum(at.values(), ZERO)
            if net == 0:  # flat when paid: all of it to the last strategy to trade before
                before = (last or {}).get(key)
                traded = k and ts[mine[k - 1]] > (resumed or {}).get(key, _NEVER)
                last_name = names[mine[k - 1]] if traded else before or names[mine[0]]
                shares.setdefault(last_name, {})[i] = amounts[i]
                continue
            holders = sorted(at)
            with decimal.localcontext(prec=80, rounding=decimal.ROUND_HALF_EVEN):
                part = {h: (amounts[i] * at[h] / net).quantize(_QUANTUM) for h in holders[:-1]}
                part[holders[-1]] = amounts[i] - sum(part.values(), ZERO)
            for h, value in part.items():
                shares.setdefault(h, {})[i] = value
    return {s: _with_amounts(funding, rows) for s, rows in shares.items()}


def _with_amounts(funding: pa.Table, rows: dict[int, Decimal]) -> pa.Table:
    """Return the rows of ``funding`` that ``rows`` names, in row order, with the amounts it gives.

    A column ``_row`` gives each one's row in ``funding``.
    """
    order = sorted(rows)
    out = funding.take(pa.array(order, pa.int64()))
    position = out.column_names.index("amount")
    values = pa.array([rows[i] for i in order], out.schema.field("amount").type)
    out = out.set_column(position, "amount", values)
    return out.append_column("_row", pa.array(order, pa.int64()))


def _position_keys(table: pa.Table) -> list[str]:
    """``account`` + NUL + ``symbol`` of each row (a position's key as one text)."""
    key = pc.binary_join_element_wise(table.column("account"), table.column("symbol"), "\x00")
    return cast(list[str], key.to_pylist())


def load_cash_flows(
    store: Store,
    tz: str,
    *,
    sources: tuple[str, ...] = (),
    currency: tuple[str, str] | None = None,
    rates: FxRates | None = None,
) -> CashFlows:
    """Load the stored deposits and withdrawals, by local day in ``tz``.

    They are those of all accounts; only those read from ``sources`` when given.

    With ``currency`` (base, the currency of a flow that names none), a flow in another
    currency is converted with the rate of its day when ``rates`` are given, else left out.

    Raises
    ------
    MissingRate
        If a flow in another currency has no rate on its day.
    """
    table = _as_schema(store.records(RecordKind.CASH_FLOWS, sources=sources), CASH_FLOW_SCHEMA)
    if table is None:
        return CashFlows.none()
    days = local_days(table.column("timestamp"), resolve_timezone(tz))
    amounts: list[Decimal] = table.column("amount").to_pylist()
    if currency is None:
        return CashFlows.of(days, amounts)
    base, unlabelled = currency
    own = pc.fill_null(table.column("currency"), unlabelled).to_pylist()
    keep = np.array([c == base for c in own], dtype=bool)
    if rates is not None:
        for ccy in sorted(set(own) - {base}):
            idx = np.flatnonzero(np.array(own, dtype=object) == ccy)
            converted = rates.convert_all(ccy, base, days[idx], [amounts[i] for i in idx])
            for i, value in zip(idx.tolist(), converted, strict=True):
                amounts[i] = value or ZERO
        keep[:] = True
    return CashFlows.of(days[keep], [a for a, k in zip(amounts, keep, strict=True) if k])


def position_figures(before: BooksAt, after: BooksAt) -> dict[str, Decimal | int | None]:
    """Return the figures of the books over a window, from the books at its start and end.

    They are the realized P&L booked in it (including the realized part of positions still
    open), and the unrealized P&L and open positions at its end. The unrealized P&L is None
    (null, with its reason) when an open position has no mark: it is unknown, never shown as 0.
    """
    return {
        "realized_pnl": after.realized_pnl - before.realized_pnl,
        "unrealized_pnl": None if after.unmarked_positions else after.unrealized_pnl,
        "open_positions": after.open_positions,
    }
