"""Books kept once, at ingest: the daily books and round trips the store holds, and the view
of them a summary reads instead of booking every stored fill again.

`book` turns the fills, marks and funding of some symbols into the rows the store keeps
(`tradeperf.records.BOOK_DAY_SCHEMA`, one row per position and local day with a fill, a mark
or a funding payment, amounts cumulative to the day's end; and the round trips): the store
calls it in the transaction that writes those records (`Store.booker`). `StoredBooks` reads
them back with the interface of `tradeperf.analytics.books.Books`, so a summary over fills
reads no fill. Both are proven equal to booking the fills directly
(tests/analytics/test_booking.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.books import Books, _book, _daily_pnl, funding_shares
from tradeperf.analytics.figures import DailyAmounts
from tradeperf.analytics.fx import FxRates, convert, convert_trades
from tradeperf.analytics.windows import local_days, local_midnight
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import BOOK_DAY_SCHEMA, BOOK_TRADE_SCHEMA, TRADE_SCHEMA, ZERO
from tradeperf.timezones import resolve_timezone

#: The scope of the account's own books (positions netted per account and symbol).
ACCOUNT: str = ""


@dataclass(frozen=True, slots=True)
class Booked:
    """What `book` gives the store: round trips (`TRADE_SCHEMA`) and daily books rows."""

    trades: pa.Table
    days: pa.Table


def book(
    fills: pa.Table,
    marks: pa.Table | None,
    funding: pa.Table | None,
    *,
    cost_basis: CostBasis,
    timezones: Sequence[str],
) -> Booked:
    """Book ``fills`` (every stored fill of some symbols) with their ``marks`` and ``funding``.

    Parameters
    ----------
    fills : `FILL_SCHEMA` rows in ledger input order (time, then source and line).
    marks, funding : the symbols' marks and funding payments (or None).
    cost_basis : how lots are matched.
    timezones : the reporting timezones whose local days the rows are kept for.

    Returns
    -------
    Booked: the account's round trips, and for each timezone the daily rows of the account's
    books (scope ``""``) and of each strategy's own books (scope: its name).

    Raises
    ------
    InputError
        If the fills cannot be booked.
    """
    empty = Booked(BOOK_TRADE_SCHEMA.empty_table(), BOOK_DAY_SCHEMA.empty_table())
    if fills.num_rows == 0:
        return empty
    account = _book(fills, marks, funding, None, cost_basis)
    if account is None:
        return empty
    strategies = sorted(set(fills.column("strategy").to_pylist()))
    scopes: list[tuple[str | None, Books]] = [(ACCOUNT, account)]
    if len(strategies) == 1:  # one strategy: its books are the account's
        scopes.append((strategies[0], account))
    else:  # every strategy's own books in one run: each one its own account
        own = _own_books(account, marks, cost_basis)
        if own is not None:
            scopes.append((None, own))
    parts, trades = [], []
    for scope, books in scopes:
        t = books.trades.combine_chunks()  # one chunk: the scope column is one array
        if scope is None:
            names = pc.cast(t.column("strategy"), pa.string())
            ids = pc.replace_substring(t.column("trade_id"), _SEP, "/")
            t = t.set_column(t.column_names.index("trade_id"), "trade_id", ids)
        else:
            names = pa.array([scope] * t.num_rows, pa.string())
        trades.append(t.add_column(0, "scope", names).cast(BOOK_TRADE_SCHEMA))
        for tz in timezones:
            parts.append(_days(books, scope, resolve_timezone(tz)))
    return Booked(
        pa.concat_tables(trades).cast(BOOK_TRADE_SCHEMA).combine_chunks(),
        pa.concat_tables(parts).cast(BOOK_DAY_SCHEMA).combine_chunks(),
    )


#: Joins an account and a strategy into the account of the strategy's own books.
_SEP = "\x1f"


def _own_books(account: Books, marks: pa.Table | None, cost_basis: CostBasis) -> Books | None:
    """Every strategy's own books (`Books.subset` of each), booked in one ledger run: the
    fills of strategy s of account a are those of account ``a + _SEP + s``, each with its
    share of the funding (`funding_shares`)."""
    fills = account.fills
    mangled = pc.binary_join_element_wise(fills.column("account"), fills.column("strategy"), _SEP)
    own_fills = fills.set_column(fills.column_names.index("account"), "account", mangled)
    own_funding = None
    if account.funding is not None:  # every strategy's shares, in one pass over the fills
        shares = []
        for strategy, part in sorted(funding_shares(fills, account.funding).items()):
            names = pc.binary_join_element_wise(part.column("account"), strategy, _SEP)
            part = part.drop_columns(["_row"])
            shares.append(part.set_column(part.column_names.index("account"), "account", names))
        own_funding = pa.concat_tables(shares) if shares else None
    return _book(own_fills, marks, own_funding, None, cost_basis)


def _groups(table: pa.Table | None, columns: Sequence[str]) -> dict[tuple[str, ...], pa.Table]:
    """The rows of ``table`` by the values of ``columns``, each group in table order (one
    stable sort, not one scan per group)."""
    if table is None or table.num_rows == 0:
        return {}
    parts = [pc.cast(table.column(c), pa.string()) for c in columns]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "\x00")
    encoded = pc.dictionary_encode(joined).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")  # stable: table order within a group
    ordered = table.take(pa.array(order, pa.int64()))  # one gather; the groups are slices
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.diff(sorted_codes, prepend=-1))
    ends = np.append(starts[1:], len(order))
    names = encoded.dictionary.to_pylist()
    return {
        tuple(str(names[int(sorted_codes[a])]).split("\x00")): ordered.slice(a, b - a)
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    }


def _days(books: Books, scope: str | None, tz: ZoneInfo) -> pa.Table:
    """The daily rows of ``books``: per position, each local day with a fill, a mark or a
    funding payment, the books at that day's end. ``scope`` None: the books of every
    strategy (`_own_books`), each position's scope its strategy."""
    out: dict[str, list[object]] = {f.name: [] for f in BOOK_DAY_SCHEMA}
    by_fills = _groups(books.fills, ("account", "symbol"))
    by_events = _groups(books.result.realized_events, ("account", "symbol"))
    by_marks = _groups(books.marks, ("symbol",))
    by_funding = _groups(books.funding, ("account", "symbol"))
    empty_events = books.result.realized_events.slice(0, 0)
    for (account, symbol), f in sorted(by_fills.items()):
        ev = by_events.get((account, symbol), empty_events)
        m = by_marks.get((symbol,))
        fu = by_funding.get((account, symbol))
        fill_days = local_days(f.column("timestamp"), tz)
        first = fill_days.min()
        stamps = [fill_days]
        if fu is not None and fu.num_rows:
            paid = local_days(fu.column("timestamp"), tz)
            first = min(first, paid.min())  # a payment before the first fill books then
            stamps.append(paid)
        if m is not None and m.num_rows:
            stamps.append(local_days(m.column("timestamp"), tz))
        days = np.unique(np.concatenate(stamps))
        days = days[days >= first]
        bounds = [local_midnight(d.item() + dt.timedelta(days=1), tz) for d in days]
        at = books_at(f, m, ev, bounds, fu if fu is not None and fu.num_rows else None)
        counted, counts = np.unique(fill_days, return_counts=True)
        per_day = dict(zip(counted.tolist(), counts.tolist(), strict=True))
        currency = next((c for c in f.column("currency").to_pylist() if c), None)
        row_scope, row_account = scope, account
        if scope is None:
            row_account, row_scope = account.split(_SEP, 1)
        for d, b in zip(days.tolist(), at, strict=True):
            out["timezone"].append(tz.key)
            out["scope"].append(row_scope)
            out["account"].append(row_account)
            out["symbol"].append(symbol)
            out["day"].append(d)
            out["currency"].append(currency)
            out["fills"].append(per_day.get(d, 0))
            out["realized_pnl"].append(b.realized_pnl)
            out["fees"].append(b.fees)
            out["funding"].append(b.funding)
            out["open"].append(b.open_positions > 0)
            out["unmarked"].append(b.unmarked_positions > 0)
            out["unrealized_pnl"].append(b.unrealized_pnl)
    return pa.table(out, schema=BOOK_DAY_SCHEMA)


@dataclass(frozen=True, slots=True)
class Booker:
    """What a store calls to book what it writes (`Store.booker`): `book` with one
    ``cost_basis``, which the store records with the books (``cost_basis.value``)."""

    cost_basis: CostBasis = CostBasis.FIFO

    def __call__(
        self,
        fills: pa.Table,
        marks: pa.Table | None,
        funding: pa.Table | None,
        timezones: Sequence[str],
    ) -> Booked:
        """`book` the fills with this basis."""
        return book(fills, marks, funding, cost_basis=self.cost_basis, timezones=timezones)


def booker(cost_basis: CostBasis = CostBasis.FIFO) -> Booker:
    """A `Booker` with ``cost_basis`` (for `Store.booker`)."""
    return Booker(cost_basis)


@dataclass(frozen=True, slots=True)
class _Position:
    """One position's stored rows, in day order, amounts in the summary's currency."""

    days: np.ndarray  # datetime64[D]
    realized: list[Decimal]
    fees: list[Decimal]
    funding: list[Decimal]
    unrealized: list[Decimal]
    open: list[bool]
    unmarked: list[bool]
    currency: str


class StoredBooks:
    """The books the store keeps (one scope, one timezone), read like `Books`.

    Instants given to `at` are local midnights of the timezone (window bounds) or earlier /
    later than every row; the books just before midnight of day D are each position's latest
    row dated before D. With ``rates``, amounts convert to ``base`` like `ConvertedBooks`:
    what was booked on a day at that day's rate, the open positions' value at the rate of the
    day before the instant.
    """

    def __init__(
        self,
        all_rows: pa.Table,
        trades: pa.Table,
        tz: ZoneInfo,
        *,
        scope: str = ACCOUNT,
        symbol: str | None = None,
        rates: FxRates | None = None,
        base: str = "",
        unlabelled: str = "",
    ) -> None:
        self.all_rows = all_rows
        self.scope, self.symbol = scope, symbol
        rows = all_rows.filter(pc.equal(all_rows.column("scope"), scope))
        if symbol is not None:
            rows = rows.filter(pc.equal(rows.column("symbol"), symbol))
        self.rows = rows
        trades = trades.filter(pc.equal(trades.column("scope"), scope))
        if symbol is not None:
            trades = trades.filter(pc.equal(trades.column("symbol"), symbol))
        self._trades = trades.drop_columns(["scope"]).cast(TRADE_SCHEMA)
        self.tz = tz
        self.rates, self.base, self.unlabelled = rates, base, unlabelled
        self._positions = self._load(rows)

    def _load(self, rows: pa.Table) -> list[_Position]:
        order = pc.sort_indices(
            rows, [("account", "ascending"), ("symbol", "ascending"), ("day", "ascending")]
        )
        t = rows.take(order).to_pydict()
        out = []
        keys = list(zip(t["account"], t["symbol"], strict=True))
        for _, group in itertools.groupby(range(len(keys)), key=lambda i: keys[i]):
            idx = list(group)
            days = np.array([t["day"][i] for i in idx], dtype="datetime64[D]")
            ccy = t["currency"][idx[0]] or self.unlabelled
            cols = {n: [t[n][i] for i in idx] for n in ("realized_pnl", "fees", "funding")}
            if self.rates is not None and ccy != self.base:
                rate = self.rates.rates(ccy, self.base, days)
                for name, values in cols.items():  # each day's booking at its own rate
                    steps = [b - a for a, b in itertools.pairwise([ZERO, *values])]
                    cols[name] = list(
                        itertools.accumulate(
                            convert(s, r) for s, r in zip(steps, rate, strict=True)
                        )
                    )
            out.append(
                _Position(
                    days=days,
                    realized=cols["realized_pnl"],
                    fees=cols["fees"],
                    funding=cols["funding"],
                    unrealized=[t["unrealized_pnl"][i] for i in idx],
                    open=[t["open"][i] for i in idx],
                    unmarked=[t["unmarked"][i] for i in idx],
                    currency=ccy,
                )
            )
        return out

    @property
    def trades(self) -> pa.Table:
        """The stored round trips (`TRADE_SCHEMA`), in base with ``rates``."""
        if self.rates is None or self._trades.num_rows == 0:
            return self._trades
        days = local_days(self._trades.column("exit_time"), self.tz)
        return convert_trades(self._trades, days, self.rates, self.base, self.unlabelled)

    def labels(self, column: str) -> list[str]:
        """The strategies (``strategy``: the stored scopes) or symbols the books hold."""
        if column == "strategy":
            if self.scope != ACCOUNT:
                return [self.scope]
            rows = self.all_rows
            if self.symbol is not None:
                rows = rows.filter(pc.equal(rows.column("symbol"), self.symbol))
            return sorted(set(rows.column("scope").to_pylist()) - {ACCOUNT})
        return sorted(set(self.rows.column("symbol").to_pylist()))

    def booked_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """Local days with a fill within [start, end)."""
        del tz  # the rows are of their own timezone
        rows = self.rows.filter(pc.greater(self.rows.column("fills"), 0))
        return self._within(
            np.unique(rows.column("day").to_numpy().astype("datetime64[D]")), start, end
        )

    def event_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """Local days with a fill, a mark or a funding payment within [start, end)."""
        del tz
        days = np.unique(self.rows.column("day").to_numpy().astype("datetime64[D]"))
        return self._within(days, start, end)

    def _within(
        self, days: np.ndarray, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        if start is not None:
            days = days[days >= np.datetime64(start.astimezone(self.tz).date(), "D")]
        if end is not None:
            days = days[days < np.datetime64(end.astimezone(self.tz).date(), "D")]
        return days

    def daily_pnl(self, first_day: dt.date, last_day: dt.date, tz: ZoneInfo) -> DailyAmounts:
        """See `Books.daily_pnl`."""
        return _daily_pnl(self.at, first_day, last_day, tz)

    def subset(self, column: str, label: str) -> StoredBooks | None:
        """The books of one strategy (its own, stored in its scope) or of one symbol (the
        account's positions in it); None when there are none."""
        if column == "strategy":  # its own books, in the symbol chosen if one is
            scope, symbol = label, self.symbol
        else:
            scope, symbol = self.scope, label
        books = StoredBooks(
            self.all_rows,
            BOOK_TRADE_SCHEMA.empty_table(),
            self.tz,
            scope=scope,
            symbol=symbol,
            rates=self.rates,
            base=self.base,
            unlabelled=self.unlabelled,
        )
        return books if books.rows.num_rows else None

    def at(self, times: Sequence[dt.datetime]) -> list[BooksAt]:
        """The books just before each instant (see the class docstring)."""
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        t_us = np.array([(t - epoch) // dt.timedelta(microseconds=1) for t in times], np.int64)
        before = local_days(pa.array(t_us - 1, pa.timestamp("us", tz="UTC")), self.tz)
        n = len(times)
        realized, fees, funding, unrealized = ([ZERO] * n for _ in range(4))
        open_count, unmarked = [0] * n, [0] * n
        for p in self._positions:
            idx = np.searchsorted(p.days, before, side="right") - 1
            valued = [i for i, k in enumerate(idx.tolist()) if k >= 0 and p.unrealized[k]]
            rate_days = np.minimum(before[valued], p.days[-1]) if valued else before[:0]
            rates = (
                self.rates.rates(p.currency, self.base, rate_days)
                if self.rates is not None and p.currency != self.base and valued
                else [Decimal(1)] * len(valued)
            )
            rate_of = dict(zip(valued, rates, strict=True))
            for i, k in enumerate(idx.tolist()):
                if k < 0:
                    continue
                realized[i] += p.realized[k]
                fees[i] += p.fees[k]
                funding[i] += p.funding[k]
                if p.open[k]:
                    open_count[i] += 1
                    if p.unmarked[k]:
                        unmarked[i] += 1
                if i in rate_of:
                    value = p.unrealized[k]
                    unrealized[i] += value if self.rates is None else convert(value, rate_of[i])
        return [
            BooksAt(t, realized[i], unrealized[i], open_count[i], fees[i], funding[i], unmarked[i])
            for i, t in enumerate(times)
        ]
