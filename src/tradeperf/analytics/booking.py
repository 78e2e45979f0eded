"""Books kept once, at ingest: the daily books and round trips the store holds, and their view.

A summary reads that view of them instead of booking every stored fill again.

`book` turns the fills, marks and funding of some symbols into the rows the store keeps
(`tradeperf.records.BOOK_DAY_SCHEMA`, one row per position and local day with a fill, a mark
or a funding payment, amounts cumulative to the day's end; and the round trips): the store
calls it in the transaction that writes those records (`Store.booker`). `StoredBooks` reads
them back with the interface of `tradeperf.analytics.books.Books`, so a summary over fills
reads no fill. Both are proven equal to booking the fills directly
(tests/analytics/test_booking.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, cast
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.books import Books, _book, _daily_pnl, funding_shares, held_funding
from tradeperf.analytics.figures import MONEY_CONTEXT_PREC, DailyAmounts
from tradeperf.analytics.fx import FxRates, convert, convert_trades
from tradeperf.analytics.windows import local_days, local_midnight
from tradeperf.ledger._scaled import frac_digits, narrowed, scaled_ints
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.model import OpenEpisode, canonical
from tradeperf.ledger.round_trips import carry_marks
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import (
    BOOK_CHECKPOINT_SCHEMA,
    BOOK_DAY_SCHEMA,
    BOOK_TRADE_SCHEMA,
    TRADE_SCHEMA,
    ZERO,
)
from tradeperf.timezones import resolve_timezone

#: The scope of the account's own books (positions netted per account and symbol).
ACCOUNT: str = ""


@dataclass(frozen=True, slots=True)
class Booked:
    """What `book` gives the store: round trips, daily books rows and checkpoints.

    The round trips are `BOOK_TRADE_SCHEMA` rows, the daily books rows `BOOK_DAY_SCHEMA` and
    the checkpoints `BOOK_CHECKPOINT_SCHEMA`.
    """

    trades: pa.Table
    days: pa.Table
    checkpoints: pa.Table


@dataclass(frozen=True, slots=True)
class _Start:
    """Where one scope's books of a position resume: its checkpoint row."""

    at_us: int
    realized: Decimal
    fees: Decimal
    funding: Decimal
    trades: int
    day_fills: dict[str, int]
    day_events: dict[str, int]
    day_active: dict[str, bool | None]  # an event that day (None: not kept, before v12)
    currency: str | None
    last_strategy: str
    lot: dict[str, object] | None = None  # the lot open then (`_LOT_COLUMNS`), None: flat
    lots: list[dict[str, object]] | None = None  # the scope's open lots (fill columns)
    episode: OpenEpisode | None = None  # the scope's open round trip


#: The checkpoint columns of its open lot, and the fill columns they are.
_LOT_COLUMNS: Final = {
    "lot_fill_id": "fill_id",
    "lot_side": "side",
    "lot_quantity": "quantity",
    "lot_price": "price",
    "lot_fee": "fee",
    "lot_multiplier": "multiplier",
    "lot_venue": "venue",
}


#: Checkpoint rows by position (account, symbol), then scope.
_Starts = dict[tuple[str, str], dict[str, _Start]]


def _starts(resume: pa.Table | None) -> _Starts:
    out: _Starts = {}
    if resume is None or resume.num_rows == 0:
        return out
    t = resume.to_pydict()
    at = pc.cast(resume.column("timestamp"), pa.int64()).to_pylist()
    for i in range(resume.num_rows):
        counts = json.loads(t["day_counts"][i])
        out.setdefault((t["account"][i], t["symbol"][i]), {})[t["scope"][i]] = _Start(
            at_us=at[i],
            realized=t["realized_pnl"][i],
            fees=t["fees"][i],
            funding=t["funding"][i],
            trades=t["trades"][i],
            day_fills={k: v["fills"] for k, v in counts.items()},
            day_events={k: v["events"] for k, v in counts.items()},
            day_active={k: v.get("active") for k, v in counts.items()},
            currency=t["currency"][i],
            last_strategy=t["last_strategy"][i],
            lot={f: t[c][i] for c, f in _LOT_COLUMNS.items()} if t["lot_fill_id"][i] else None,
            lots=_parse_lots(t["lots"][i]) if t.get("lots") and t["lots"][i] else None,
            episode=(
                OpenEpisode.from_json(t["episode"][i])
                if t.get("episode") and t["episode"][i]
                else None
            ),
        )
    return out


def _parse_lots(text: str) -> list[dict[str, object]]:
    """Parse the lots of a checkpoint's ``lots`` JSON, as fill columns (amounts Decimal)."""
    return [
        {
            "fill_id": lot["fill_id"],
            "side": lot["side"],
            "quantity": Decimal(lot["quantity"]),
            "price": Decimal(lot["price"]),
            "fee": Decimal(lot["fee"]),
            "multiplier": Decimal(lot["multiplier"]),
            "strategy": lot["strategy"],
        }
        for lot in json.loads(text)
    ]


def _lots_json(lots: list[dict[str, object]]) -> str:
    """`_parse_lots`'s inverse: amounts as exact decimal strings."""
    return json.dumps(
        [
            {k: canonical(v) if isinstance(v, Decimal) else v for k, v in lot.items()}
            for lot in lots
        ],
        sort_keys=True,
        separators=(",", ":"),
    )


def _lot_fills(fills: pa.Table, starts: _Starts) -> tuple[pa.Table, pa.Table]:
    """Return the fills of the account's books and of every strategy's own books.

    Each is ``fills`` after the lots the resumed positions held at their checkpoints, each lot
    as the fill that opened it would have been had it opened only that lot (at the
    checkpoint's instant, the lot's quantity and price, its part of the fee in the P&L
    currency): booked from there, the ledger holds the very lots it held. A checkpoint with
    one lot (``lot_*``) re-books it in both, as the fill of its strategy; one with every lot
    (``lots``) re-books each scope's own: the account's with the strategy of each lot's fill,
    a strategy's with its own.
    """
    account_rows: list[dict[str, object]] = []
    own_rows: list[dict[str, object]] = []
    for (account, symbol), by_scope in sorted(starts.items()):
        any_start = next(iter(by_scope.values()))
        at = _EPOCH + dt.timedelta(microseconds=any_start.at_us)
        where = {"timestamp": at, "account": account, "symbol": symbol}
        if any_start.lot is not None:
            row = {
                **any_start.lot,
                **where,
                "strategy": any_start.last_strategy,
                "currency": any_start.currency,
            }
            account_rows.append(row)
            own_rows.append(row)
            continue
        for scope, start in sorted(by_scope.items()):
            for lot in start.lots or ():
                row = {**lot, **where, "currency": start.currency}
                if scope == ACCOUNT:
                    account_rows.append(row)
                else:
                    own_rows.append({**row, "strategy": scope})

    def before(rows: list[dict[str, object]]) -> pa.Table:
        if not rows:
            return fills
        lots = pa.Table.from_pylist(rows, schema=fills.schema)
        return pa.concat_tables([lots, fills])  # a lot's instant is before every fill after it

    return before(account_rows), before(own_rows)


def _carried(starts: _Starts) -> tuple[dict[tuple[str, str], OpenEpisode], ...]:
    """Return the round trips the resumed scopes hold open.

    The account's are keyed by position, every strategy's own by the (account, symbol) of its
    own books (`_own_books`).
    """
    account: dict[tuple[str, str], OpenEpisode] = {}
    own: dict[tuple[str, str], OpenEpisode] = {}
    for (acct, symbol), by_scope in starts.items():
        for scope, start in by_scope.items():
            if start.episode is None:
                continue
            if scope == ACCOUNT:
                account[(acct, symbol)] = start.episode
            else:
                own[(f"{acct}{_SEP}{scope}", symbol)] = start.episode
    return account, own


def after_checkpoints(fills: pa.Table, checkpoints: pa.Table) -> pa.Table:
    """Return the fills that book every position as ``fills`` do, from its checkpoint on.

    They are the open lots of ``checkpoints`` (`BOOK_CHECKPOINT_SCHEMA` rows, one per
    position, scope ``""``), each as a fill of its own, and the fills of ``fills`` after them
    (those of a position without a checkpoint all). The positions they book are those of all
    of ``fills``, for any cost basis (the checkpoint holds the scope's lots).
    """
    if checkpoints.num_rows == 0:
        return fills
    key = pc.binary_join_element_wise(fills.column("account"), fills.column("symbol"), _SEP)
    ckey = pc.binary_join_element_wise(
        checkpoints.column("account"), checkpoints.column("symbol"), _SEP
    )
    at = _micros(checkpoints.column("timestamp"))
    where = np.asarray(
        pc.fill_null(pc.index_in(key, value_set=ckey), -1).to_numpy(zero_copy_only=False),
        np.int64,
    )
    since = np.where(where >= 0, at[np.maximum(where, 0)], np.iinfo(np.int64).min)
    kept = fills.filter(pa.array(_micros(fills.column("timestamp")) > since))
    return _lot_fills(kept, _starts(checkpoints))[0]


def book(
    fills: pa.Table,
    marks: pa.Table | None,
    funding: pa.Table | None,
    *,
    cost_basis: CostBasis,
    timezones: Sequence[str],
    resume: pa.Table | None = None,
) -> Booked:
    """Book ``fills`` with their ``marks`` and ``funding``.

    The fills are every stored fill of some positions, or, for a position resumed from a
    checkpoint, those after it.

    Parameters
    ----------
    fills
        `FILL_SCHEMA` rows in ledger input order (time, then source and line).
    marks, funding
        The symbols' marks and funding payments (or None); for a resumed position, its
        payments after the checkpoint and the marks from the latest one at or before it
        (marks of fee currencies in full).
    cost_basis
        How lots are matched.
    timezones
        The reporting timezones whose local days the rows are kept for.
    resume
        `BOOK_CHECKPOINT_SCHEMA` rows, one checkpoint per resumed position (a row per scope),
        or None. The books of a resumed position continue from its checkpoint: the amounts
        add to it, its round trips number on, its daily rows start on the checkpoint's local
        day (the stored ones before it stay as they are).

    Returns
    -------
    Booked
        The round trips, for each timezone the daily rows of the account's books (scope
        ``""``) and of each strategy's own books (scope: its name), and the checkpoints: per
        position and UTC day, the last instant after which every scope holds no open lot.
        Booking any split of a fill stream this way, each part resumed from the checkpoint
        the last left, gives the rows of booking it at once (tests/analytics/test_booking.py).

    Raises
    ------
    InputError
        If the fills cannot be booked.
    """
    zones = [resolve_timezone(tz) for tz in timezones]
    starts = _starts(resume)
    real = fills
    fills, own_fills = _lot_fills(fills, starts)
    carry, own_carry = _carried(starts)
    account = _book(fills, marks, funding, None, cost_basis, carry) if fills.num_rows else None
    scopes: list[tuple[str | None, Books]] = []
    shares: dict[str, pa.Table] = {}
    if account is not None:
        scopes.append((ACCOUNT, account))
    if own_fills.num_rows:
        strategies = set(own_fills.column("strategy").to_pylist())
        if len(strategies) == 1 and not starts and account is not None:
            scopes.append((strategies.pop(), account))  # one strategy: its books are the account's
        else:  # every strategy's own books in one run: each one its own account
            paid = held_funding(own_fills, funding)
            if paid is not None:
                last = {
                    f"{a}\x00{s}": next(iter(by_scope.values())).last_strategy
                    for (a, s), by_scope in starts.items()
                }
                at = {
                    f"{a}\x00{s}": next(iter(by_scope.values())).at_us
                    for (a, s), by_scope in starts.items()
                }
                shares = funding_shares(own_fills, paid, last, at)
            own = _own_books(own_fills, marks, cost_basis, shares, own_carry)
            if own is not None:
                scopes.append((None, own))
    flats = _flat_points(own_fills, funding)
    for key, by_scope in starts.items():  # the checkpoints after those resumed from
        if key in flats:
            flats[key] = flats[key].after(next(iter(by_scope.values())).at_us)
    if cost_basis is not CostBasis.AVERAGE:
        _add_ends(flats, real)
    lots = _lots(own_fills, account, flats)
    trades, days, points = [], [], []
    grouped: dict[int, _Grouped] = {}
    for scope, books in scopes:
        if id(books) not in grouped:  # the account's books serve one strategy's too
            grouped[id(books)] = _grouped(books)
        g = grouped[id(books)]
        trades.append(_scoped_trades(books, scope, starts, g))
        for tz in zones:
            days.append(_days(books, scope, tz, starts, g))
        points.append(_checkpoints(books, scope, zones, starts, flats, lots, g))
    tail_days, tail_points = _tails(
        (fills, own_fills), funding, shares, marks, starts, zones, flats, lots
    )
    return Booked(
        _concat(trades, BOOK_TRADE_SCHEMA),
        _concat([*days, tail_days], BOOK_DAY_SCHEMA),
        _concat([*points, tail_points], BOOK_CHECKPOINT_SCHEMA),
    )


def _concat(tables: Sequence[pa.Table], schema: pa.Schema) -> pa.Table:
    parts = [t.cast(schema) for t in tables if t.num_rows]
    return pa.concat_tables(parts).combine_chunks() if parts else schema.empty_table()


#: Joins an account and a strategy into the account of the strategy's own books.
_SEP = "\x1f"


def _own_books(
    fills: pa.Table,
    marks: pa.Table | None,
    cost_basis: CostBasis,
    shares: dict[str, pa.Table],
    carry: dict[tuple[str, str], OpenEpisode],
) -> Books | None:
    """Book every strategy's own books (`Books.subset` of each) in one ledger run.

    The fills of strategy s of account a are those of account ``a + _SEP + s``, each with its
    share of the funding (``shares``, `funding_shares`) and its open round trips (``carry``,
    by those accounts).
    """
    mangled = pc.binary_join_element_wise(fills.column("account"), fills.column("strategy"), _SEP)
    own_fills = fills.set_column(fills.column_names.index("account"), "account", mangled)
    parts = []
    for strategy, part in sorted(shares.items()):
        names = pc.binary_join_element_wise(part.column("account"), strategy, _SEP)
        part = part.drop_columns(["_row"])
        parts.append(part.set_column(part.column_names.index("account"), "account", names))
    own_funding = pa.concat_tables(parts) if parts else None
    return _book(own_fills, marks, own_funding, None, cost_basis, carry)


def _real(run_account: str, scope: str | None) -> tuple[str, str]:
    """Return the account and scope of a position of a run (``scope`` None: own books)."""
    if scope is None:
        real, strategy = run_account.split(_SEP, 1)
        return real, strategy
    return run_account, scope


def _run_accounts(trades: pa.Table) -> list[str]:
    """Return the account of each round trip of a ledger run (as in the run)."""
    return [str(a) for a in trades.column("account").to_pylist()]


def _scoped_trades(books: Books, scope: str | None, starts: _Starts, g: _Grouped) -> pa.Table:
    """Return the round trips of a run with their scope, accounts and ids as stored.

    Own books get the real account and ids ``account/strategy/symbol/n``; the round trips are
    numbered on from the checkpoints.
    """
    t = books.trades.combine_chunks()  # one chunk: the scope column is one array
    ids = t.column("trade_id").to_pylist()
    symbols = t.column("symbol").to_pylist()
    heads = [i.rsplit("/", 1) for i in ids]
    runs = g.run_accounts
    if scope is None:
        pairs = [a.split(_SEP, 1) for a in runs]
        accounts = [p[0] for p in pairs]
        scopes = [p[1] for p in pairs]
    else:
        accounts, scopes = runs, [scope] * t.num_rows
    offsets = {(a, s, sc): st.trades for (a, s), by in starts.items() for sc, st in by.items()}
    for i, (_, number) in enumerate(heads):
        n = int(number) + offsets.get((accounts[i], symbols[i], scopes[i]), 0)
        own = f"{scopes[i]}/" if scopes[i] != ACCOUNT else ""
        ids[i] = f"{accounts[i]}/{own}{symbols[i]}/{n}"
    t = t.set_column(t.column_names.index("trade_id"), "trade_id", pa.array(ids, pa.string()))
    if scope is None:  # the real account in the metadata too (JSON escapes the separator)
        meta = pc.replace_substring_regex(
            t.column("metadata_json"), r'\\u001f(?:[^"\\]|\\.)*"', '"'
        )
        t = t.set_column(t.column_names.index("metadata_json"), "metadata_json", meta)
    t = t.drop_columns(["account"]).add_column(0, "account", pa.array(accounts, pa.string()))
    return t.add_column(0, "scope", pa.array(scopes, pa.string())).cast(BOOK_TRADE_SCHEMA)


def _groups(
    table: pa.Table | None,
    columns: Sequence[str],
    keep: Sequence[str] | None = None,
    money: Sequence[str] = (),
) -> dict[tuple[str, ...], pa.Table]:
    """Group the rows of ``table`` by the values of ``columns``, each group in table order.

    This is one stable sort, not one scan per group. Only the columns ``keep`` are kept
    (None: all), the ``money`` ones `narrowed` once for every group.
    """
    if table is None or table.num_rows == 0:
        return {}
    if keep is not None:
        table = table.select([c for c in keep if c in table.column_names])
    for name in money:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, narrowed(table.column(name)))
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


@dataclass(frozen=True, slots=True)
class _Grouped:
    """A run's fills, realized events, funding, round trips and marks, grouped by position.

    All but the marks are by (account, symbol); the marks are by symbol. ``run_accounts`` is
    the account of each round trip (in the run's trade order).
    """

    fills: dict[tuple[str, ...], pa.Table]
    events: dict[tuple[str, ...], pa.Table]
    marks: dict[tuple[str, ...], pa.Table]
    funding: dict[tuple[str, ...], pa.Table]
    trades: dict[tuple[str, ...], pa.Table]
    run_accounts: list[str]


def _grouped(books: Books) -> _Grouped:
    """Group ``books`` as `_Grouped`.

    The daily rows of every timezone and the checkpoints of a run read the same groups.
    """
    runs = _run_accounts(books.trades)
    trades = books.trades
    position = ("account", "symbol")
    return _Grouped(
        _groups(books.fills, position, _FILL_COLUMNS, ("quantity", "price")),
        _groups(books.result.realized_events, position, _EVENT_COLUMNS, ("realized_pnl", "fees")),
        _groups(books.marks, ("symbol",), money=("price",)),
        _groups(books.funding, position),
        _groups(trades, position, ("account", "symbol", "exit_time")),
        runs,
    )


#: What the daily rows and checkpoints read of a run's fills and realized events.
_FILL_COLUMNS: Final = (
    "timestamp",
    "account",
    "symbol",
    "side",
    "quantity",
    "price",
    "multiplier",
    "currency",
)
_EVENT_COLUMNS: Final = ("timestamp", "account", "symbol", "realized_pnl", "fees")


def _micros(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Microseconds since the epoch (UTC) of a timestamp column."""
    us = pc.cast(pc.cast(column, pa.timestamp("us", tz="UTC")), pa.int64())
    return np.asarray(us.to_numpy(zero_copy_only=False), np.int64)


def _local_day(at_us: int, tz: ZoneInfo) -> dt.date:
    return (_EPOCH + dt.timedelta(microseconds=at_us)).astimezone(tz).date()


_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DAY_US: Final = 86_400_000_000


@dataclass(frozen=True, slots=True)
class _Points:
    """A position's checkpoints (`_flat_points`).

    They are their instants (µs, ascending), the strategy of the last fill at each, and for
    one with a lot open, that fill's row in the booked fills (-1: flat), the quantity of the
    lot it left (signed, + long) and the quantity it closed (both scaled by ``10**kq``).
    ``ends`` marks the instant of the position's last fill of a run (`_add_ends`): there each
    scope keeps all its lots and its open round trip.
    """

    instants: np.ndarray
    strategies: list[str]
    rows: list[int]
    opened: list[int]
    closed: list[int]
    kq: int
    ends: list[bool] | None = None

    def is_end(self, i: int) -> bool:
        """Whether checkpoint ``i`` keeps every lot (`_add_ends`)."""
        return bool(self.ends and self.ends[i])

    def after(self, at_us: int) -> _Points:
        """Return the checkpoints after ``at_us``."""
        keep = [i for i, t in enumerate(self.instants.tolist()) if t > at_us]
        return _Points(
            self.instants[keep],
            [self.strategies[i] for i in keep],
            [self.rows[i] for i in keep],
            [self.opened[i] for i in keep],
            [self.closed[i] for i in keep],
            self.kq,
            [self.is_end(i) for i in keep],
        )

    def with_end(self, at_us: int, strategy: str) -> _Points:
        """Return these checkpoints and one keeping every lot at ``at_us`` (after them)."""
        return _Points(
            np.append(self.instants, np.int64(at_us)),
            [*self.strategies, strategy],
            [*self.rows, -1],
            [*self.opened, 0],
            [*self.closed, 0],
            self.kq,
            [*(self.is_end(i) for i in range(len(self.instants))), True],
        )


def _add_ends(flats: dict[tuple[str, str], _Points], fills: pa.Table) -> None:
    """Add a checkpoint at the last fill of each position ``fills`` hold, keeping every lot.

    At that instant every scope keeps all its lots and its open round trip (`_checkpoints`),
    unless a simpler checkpoint is there already: the next write to the position resumes from
    it, whatever it holds, not from its last flat instant (docs/store.md, checkpoints).
    """
    if fills.num_rows == 0:
        return
    ts = _micros(fills.column("timestamp"))
    key = pc.binary_join_element_wise(fills.column("account"), fills.column("symbol"), _SEP)
    enc = pc.dictionary_encode(key).combine_chunks()
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
    o = np.argsort(ts, kind="stable")  # ledger order: the last of each position is its end
    rev = codes[o][::-1]
    uniq, first_rev = np.unique(rev, return_index=True)
    last_rows = o[len(o) - 1 - first_rev]
    names = enc.dictionary.to_pylist()
    strategies = fills.column("strategy").combine_chunks().take(pa.array(last_rows)).to_pylist()
    for code, row, strategy in zip(uniq.tolist(), last_rows.tolist(), strategies, strict=True):
        account, symbol = str(names[code]).split(_SEP, 1)
        at = int(ts[row])
        points = flats.get((account, symbol))
        if points is None:
            points = _Points(np.zeros(0, np.int64), [], [], [], [], 0)
        elif len(points.instants) and int(points.instants[-1]) >= at:
            continue
        flats[(account, symbol)] = points.with_end(at, strategy)


def _end_state(books: Books) -> dict[tuple[str, str], tuple[list[dict[str, object]], OpenEpisode]]:
    """Return, per position of a run, the lots it leaves open and its open round trip.

    The positions are keyed by their account as in the run; the lots are fill columns with
    fee 0 (the round trip carries their fees).
    """
    out: dict[tuple[str, str], tuple[list[dict[str, object]], OpenEpisode]] = {}
    result = books.result
    if result.open_lots is None or result.open_lots.num_rows == 0:
        return out
    columns = ["fill_id", "account", "symbol", "side", "price", "multiplier", "strategy", "venue"]
    columns = [c for c in columns if c in books.fills.column_names]
    rows = books.fills.select(columns).take(result.open_lots.column("row")).to_pylist()
    quantities = result.open_lots.column("quantity").to_pylist()
    by: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r, q in zip(rows, quantities, strict=True):
        by.setdefault((r["account"], r["symbol"]), []).append(
            {
                "fill_id": r["fill_id"],
                "side": str(r["side"]).upper(),
                "quantity": q,
                "price": r["price"],
                "fee": ZERO,
                "multiplier": r["multiplier"] if r["multiplier"] is not None else Decimal(1),
                "strategy": r["strategy"],
                "venue": r.get("venue"),
            }
        )
    for key, lots in by.items():
        out[key] = (lots, result.open_episodes[key])
    return out


def _flat_points(fills: pa.Table, funding: pa.Table | None) -> dict[tuple[str, str], _Points]:
    """Return, per position (account, symbol), its checkpoints: the last of each UTC day.

    An instant is one once all its fills are booked, if no strategy holds any of the position
    then (flat), or if one lot is open, what its last fill left (it flipped the position, or
    opened it from flat), held by that fill's strategy alone, and no funding is paid at it.
    """
    n = fills.num_rows
    if n == 0:
        return {}
    ts = _micros(fills.column("timestamp"))
    q = fills.column("quantity").combine_chunks()
    kq = frac_digits(q)
    qty = scaled_ints(q, kq)
    buy = np.asarray(
        pc.equal(pc.utf8_upper(fills.column("side")), "BUY").to_numpy(zero_copy_only=False), bool
    )
    signed = np.where(buy, qty, -qty)
    pos_key = pc.binary_join_element_wise(fills.column("account"), fills.column("symbol"), _SEP)
    pos_enc = pc.dictionary_encode(pos_key).combine_chunks()
    pos = np.asarray(pos_enc.indices.to_numpy(zero_copy_only=False), np.int64)
    own_key = pc.binary_join_element_wise(pos_key, fills.column("strategy"), _SEP)
    own = np.asarray(
        pc.dictionary_encode(own_key).combine_chunks().indices.to_numpy(zero_copy_only=False),
        np.int64,
    )
    by_time = np.argsort(ts, kind="stable")  # ledger order: time, then input order

    def running(codes: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the cumulative sums of ``values`` per group of ``codes``, and the order.

        The sums run in ledger order (row i's sum is after it); that order is returned too.
        """
        o = by_time[np.argsort(codes[by_time], kind="stable")]
        v = values[o]
        total = np.cumsum(v)
        first = np.r_[True, codes[o][1:] != codes[o][:-1]]
        start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
        out = np.empty_like(total)
        out[o] = total - (total[start] - v[start])
        return out, o

    held, _ = running(own, signed)  # the fill's strategy's own position after it
    was = held - signed
    holds = np.asarray(held != 0, bool)
    change = holds.astype(np.int64) - np.asarray(was != 0, bool).astype(np.int64)
    open_count, o = running(pos, change)  # strategies holding the position after each fill
    t_o, p_o = ts[o], pos[o]
    ha, hb = held[o], was[o]
    last_of_instant = np.r_[(p_o[1:] != p_o[:-1]) | (t_o[1:] != t_o[:-1]), True]
    flat = np.asarray(open_count[o] == 0, bool)
    alone = np.asarray(open_count[o] - holds[o] == 0, bool)  # no other strategy holds any
    flipped = np.asarray(((hb > 0) & (ha < 0)) | ((hb < 0) & (ha > 0)), bool)
    fresh = alone & holds[o] & (flipped | np.asarray(hb == 0, bool))
    cand = np.flatnonzero((flat | fresh) & last_of_instant)
    if funding is not None and funding.num_rows and cand.size:  # no lot where funding is paid
        names_now = pos_enc.dictionary.to_pylist()
        paid = set(
            zip(
                pc.binary_join_element_wise(
                    funding.column("account"), funding.column("symbol"), _SEP
                ).to_pylist(),
                _micros(funding.column("timestamp")).tolist(),
                strict=True,
            )
        )
        cand = np.array(
            [
                c
                for c in cand.tolist()
                if flat[c] or (names_now[int(p_o[c])], int(t_o[c])) not in paid
            ],
            np.int64,
        )
    if cand.size == 0:
        return {}
    day = t_o[cand] // _DAY_US
    keep = np.r_[(p_o[cand][1:] != p_o[cand][:-1]) | (day[1:] != day[:-1]), True]
    chosen = cand[keep]
    names = pos_enc.dictionary.to_pylist()
    strategies = fills.column("strategy").combine_chunks().take(pa.array(o[chosen])).to_pylist()
    out: dict[tuple[str, str], _Points] = {}
    chosen_pos = p_o[chosen]
    for code in np.unique(chosen_pos).tolist():
        sel = np.flatnonzero(chosen_pos == code).tolist()
        account, symbol = str(names[code]).split(_SEP, 1)
        c = chosen[sel]
        lot = ~flat[c]
        out[(account, symbol)] = _Points(
            instants=t_o[c],
            strategies=[strategies[i] for i in sel],
            rows=[int(r) if k else -1 for r, k in zip(o[c].tolist(), lot.tolist(), strict=True)],
            opened=[int(x) if k else 0 for x, k in zip(ha[c].tolist(), lot, strict=True)],
            closed=[abs(int(x)) if k else 0 for x, k in zip(hb[c].tolist(), lot, strict=True)],
            kq=kq,
        )
    return out


def _days(books: Books, scope: str | None, tz: ZoneInfo, starts: _Starts, g: _Grouped) -> pa.Table:
    """Return the daily rows of ``books``: the books at the end of each day with an event.

    Per position, each local day with a fill, a mark or a funding payment has a row.
    ``scope`` None: the books of every strategy (`_own_books`), each position's scope its
    strategy. A position resumed from a checkpoint has rows from the checkpoint's local day,
    its amounts added to the run's.
    """
    out: dict[str, list[object]] = {f.name: [] for f in BOOK_DAY_SCHEMA}
    by_fills, by_events, by_marks, by_funding = g.fills, g.events, g.marks, g.funding
    empty_events = books.result.realized_events.slice(0, 0)
    for (run_account, symbol), f in sorted(by_fills.items()):
        row_account, row_scope = _real(run_account, scope)
        start = starts.get((row_account, symbol), {}).get(row_scope)
        ev = by_events.get((run_account, symbol), empty_events)
        m = by_marks.get((symbol,))
        fu = by_funding.get((run_account, symbol))
        fill_days = local_days(f.column("timestamp"), tz)
        first = fill_days.min()
        stamps = [fill_days]
        if start is not None:  # not the day of the checkpoint's lots, re-booked as fills
            stamps = [fill_days[_micros(f.column("timestamp")) > start.at_us]]
        if fu is not None and fu.num_rows:
            paid = local_days(fu.column("timestamp"), tz)
            first = min(first, paid.min())  # a payment before the first fill books then
            stamps.append(paid)
        if m is not None and m.num_rows:
            stamps.append(local_days(m.column("timestamp"), tz))
        extra = Decimal(0), Decimal(0), Decimal(0)
        if start is not None:
            first = np.datetime64(_local_day(start.at_us, tz), "D")
            if _active(start, tz, f):  # its row of that day holds what preceded
                stamps.append(np.array([first], "datetime64[D]"))
            extra = start.realized, start.fees, start.funding
        days = np.unique(np.concatenate(stamps))
        days = days[days >= first]
        bounds = [local_midnight(d.item() + dt.timedelta(days=1), tz) for d in days]
        at = books_at(f, m, ev, bounds, fu if fu is not None and fu.num_rows else None)
        counted, counts = np.unique(fill_days, return_counts=True)
        per_day = dict(zip(counted.tolist(), counts.tolist(), strict=True))
        if start is not None:
            d0 = first.item()
            per_day[d0] = per_day.get(d0, 0) + start.day_fills.get(tz.key, 0)
        currency = next((c for c in f.column("currency").to_pylist() if c), None)
        if currency is None and start is not None:
            currency = start.currency
        for d, b in zip(days.tolist(), at, strict=True):
            out["timezone"].append(tz.key)
            out["scope"].append(row_scope)
            out["account"].append(row_account)
            out["symbol"].append(symbol)
            out["day"].append(d)
            out["currency"].append(currency)
            out["fills"].append(per_day.get(d, 0))
            out["realized_pnl"].append(b.realized_pnl + extra[0])
            out["fees"].append(b.fees + extra[1])
            out["funding"].append(b.funding + extra[2])
            out["open"].append(b.open_positions > 0)
            out["unmarked"].append(b.unmarked_positions > 0)
            out["unrealized_pnl"].append(b.unrealized_pnl)
    return pa.table(out, schema=BOOK_DAY_SCHEMA)


def _day_counts(
    fill_us: np.ndarray,
    pay_us: np.ndarray,
    at_us: int,
    zones: Sequence[ZoneInfo],
    start: _Start | None,
    minus: int = 0,
) -> str:
    """Return the JSON of a scope's counts of fills and events on ``at_us``'s local day up to it.

    Per timezone, it counts the fills (``fill_us``, ascending) and the fills and funding
    payments (``pay_us``, ascending), with those a checkpoint ``start`` counted that day, less
    ``minus`` fills (that of a lot re-booked as a fill of its own):
    ``{"UTC": {"fills": 2, "events": 3}}``.
    """
    out = {}
    for tz in zones:
        day = _local_day(at_us, tz)
        since = (local_midnight(day, tz) - _EPOCH) // dt.timedelta(microseconds=1)
        fills = int(np.searchsorted(fill_us, at_us, "right") - np.searchsorted(fill_us, since))
        paid = int(np.searchsorted(pay_us, at_us, "right") - np.searchsorted(pay_us, since))
        own = since if start is None else max(since, start.at_us + 1)  # not the lots re-booked
        traded = int(np.searchsorted(fill_us, at_us, "right") - np.searchsorted(fill_us, own))
        active = traded + paid > 0
        fills -= minus
        events = fills + paid
        if start is not None and _local_day(start.at_us, tz) == day:
            fills += start.day_fills.get(tz.key, 0)
            events += start.day_events.get(tz.key, 0)
            active = active or _active(start, tz, None)
        out[tz.key] = {"active": active, "fills": fills, "events": events}
    return json.dumps(out, sort_keys=True)


def _active(start: _Start, tz: ZoneInfo, fills: pa.Table | None) -> bool:
    """Return whether the scope of ``start`` had a fill or a payment on its checkpoint's day.

    That is on its local day up to the checkpoint (its counts leave out the lots re-booked as
    fills). A checkpoint kept before this was recorded has one lot at most, that day's fill:
    then ``fills``, the run's, hold it at the checkpoint's instant.
    """
    active = start.day_active.get(tz.key)
    if active is not None:
        return active
    if start.day_events.get(tz.key, 0):
        return True
    return fills is not None and bool(np.any(_micros(fills.column("timestamp")) == start.at_us))


def _checkpoints(
    books: Books,
    scope: str | None,
    zones: Sequence[ZoneInfo],
    starts: _Starts,
    flats: dict[tuple[str, str], _Points],
    lots: dict[tuple[str, str], list[dict[str, object] | None]],
    g: _Grouped,
) -> pa.Table:
    """Return the checkpoint rows of the scopes ``books`` holds fills of.

    They are at the checkpoints of their positions (`_flat_points`, with their lots, `_lots`).
    The fees and fills of a scope holding a lot leave out what the lot re-booked as a fill
    brings again.
    """
    out: dict[str, list[object]] = {f.name: [] for f in BOOK_CHECKPOINT_SCHEMA}
    by_fills, by_events, by_marks, by_funding = g.fills, g.events, g.marks, g.funding
    by_trades = g.trades
    end_state = _end_state(books)
    empty_events = books.result.realized_events.slice(0, 0)
    for (run_account, symbol), f in sorted(by_fills.items()):
        account, row_scope = _real(run_account, scope)
        if (account, symbol) not in flats:
            continue
        points = flats[(account, symbol)]
        held = lots[(account, symbol)]
        start = starts.get((account, symbol), {}).get(row_scope)
        fill_us = _micros(f.column("timestamp"))
        picked = list(range(len(points.instants)))
        if start is None:  # a scope's books begin with its first fill
            picked = np.flatnonzero(points.instants >= fill_us[0]).tolist()
            if not picked:
                continue
        instants = points.instants[picked]
        last = [points.strategies[i] for i in picked]
        held = [held[i] for i in picked]
        ends = [points.is_end(i) for i in picked]
        fu = by_funding.get((run_account, symbol))
        pay_us = np.sort(_micros(fu.column("timestamp"))) if fu is not None else np.zeros(0)
        at = books_at(
            f,
            by_marks.get((symbol,)),
            by_events.get((run_account, symbol), empty_events),
            [_EPOCH + dt.timedelta(microseconds=int(t) + 1) for t in instants],
            fu if fu is not None and fu.num_rows else None,
        )
        tr = by_trades.get((run_account, symbol))
        exits = np.sort(_micros(tr.column("exit_time"))) if tr is not None else np.zeros(0)
        done = np.searchsorted(exits, instants, "right")
        currency = next((c for c in f.column("currency").to_pylist() if c), None)
        if currency is None and start is not None:
            currency = start.currency
        base = start or _Start(0, ZERO, ZERO, ZERO, 0, {}, {}, {}, None, "")
        for i, (t, b) in enumerate(zip(instants.tolist(), at, strict=True)):
            lot = held[i]
            mine = lot is not None and row_scope in (ACCOUNT, lot["strategy"])
            again = cast(Decimal, lot["lot_fee"]) if mine and lot is not None else ZERO
            kept: tuple[list[dict[str, object]], OpenEpisode] | None = None
            if ends[i]:
                kept = end_state.get((run_account, symbol))
                again = sum((Decimal(str(x["fee"])) for x in kept[0]), ZERO) if kept else ZERO
            out["account"].append(account)
            out["symbol"].append(symbol)
            out["timestamp"].append(t)
            out["scope"].append(row_scope)
            out["currency"].append(currency)
            out["last_strategy"].append(last[i])
            out["realized_pnl"].append(b.realized_pnl + base.realized)
            out["fees"].append(b.fees + base.fees - again)
            out["funding"].append(b.funding + base.funding)
            out["trades"].append(int(done[i]) + base.trades)
            again_fills = len(kept[0]) if kept else int(mine and not ends[i])
            out["day_counts"].append(_day_counts(fill_us, pay_us, t, zones, start, again_fills))
            if kept:
                episode = carry_marks(kept[1], by_marks.get((symbol,)), t)
                later = _payments_after(fu, t)[1]  # the run's payments after t are not yet
                if len(later):
                    episode = dataclasses.replace(episode, funding=episode.funding - later[-1])
                _add_lot(out, None, _lots_json(kept[0]), episode.to_json())
            elif ends[i]:  # flat at the end: no lot, but of the kind that keeps every lot
                _add_lot(out, None, "[]")
            else:
                _add_lot(out, lot)
    return _checkpoint_table(out)


def _add_lot(
    out: dict[str, list[object]],
    lot: dict[str, object] | None,
    lots: str | None = None,
    episode: str | None = None,
) -> None:
    for column in _LOT_COLUMNS:
        out[column].append(None if lot is None else lot[column])
    out["lots"].append(lots)
    out["episode"].append(episode)


def _lots(
    fills: pa.Table, account: Books | None, flats: dict[tuple[str, str], _Points]
) -> dict[tuple[str, str], list[dict[str, object] | None]]:
    """Return the lot open at each checkpoint (None: flat).

    Each is `_LOT_COLUMNS` and the strategy of its fill. The lot's part of the fill's fee (in
    the P&L currency) is what the ledger leaves to the opening part: the fee less the closing
    part's share, fee x closed / quantity rounded half to even at 18 decimals, as the batch
    ledger splits it.
    """
    rows = sorted({r for p in flats.values() for r in p.rows if r >= 0})
    picked: dict[int, dict[str, object]] = {}
    fees: dict[str, Decimal] = {}
    if rows and account is not None:
        table = fills.take(pa.array(rows, pa.int64())).to_pylist()
        picked = dict(zip(rows, table, strict=True))
        ids = pa.array([r["fill_id"] for r in table], pa.string())
        ev = account.result.realized_events
        ev = ev.filter(pc.is_in(ev.column("fill_id"), ids))
        fees = dict(
            zip(ev.column("fill_id").to_pylist(), ev.column("fees").to_pylist(), strict=True)
        )
    out: dict[tuple[str, str], list[dict[str, object] | None]] = {}
    for key, p in flats.items():
        lots: list[dict[str, object] | None] = []
        for row, opened, closed in zip(p.rows, p.opened, p.closed, strict=True):
            if row < 0:
                lots.append(None)
                continue
            f = picked[row]
            whole = int(fees[str(f["fill_id"])].scaleb(18))  # exact: 18 decimals
            quantity = closed + abs(opened)
            q, r = divmod(whole * closed, quantity)
            up = 2 * r > quantity or (2 * r == quantity and q % 2 == 1)
            share = Decimal(whole - (q + int(up))).scaleb(-18)
            lots.append(
                {
                    "lot_fill_id": f["fill_id"],
                    "lot_side": "BUY" if opened > 0 else "SELL",
                    "lot_quantity": Decimal(abs(opened)).scaleb(-p.kq),
                    "lot_price": f["price"],
                    "lot_fee": share,
                    "lot_multiplier": f["multiplier"],
                    "lot_venue": f.get("venue"),
                    "strategy": f["strategy"],
                }
            )
        out[key] = lots
    return out


def _checkpoint_table(out: dict[str, list[object]]) -> pa.Table:
    cols = dict(out)
    cols["timestamp"] = pa.array(out["timestamp"], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    return pa.table(cols, schema=BOOK_CHECKPOINT_SCHEMA)


def _payments_after(fu: pa.Table | None, after_us: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the instants of the payments of ``fu`` after ``after_us``, and their running sum.

    The instants are µs since the epoch, ascending; the running sum is of their amounts.
    """
    if fu is None or fu.num_rows == 0:
        return np.zeros(0, np.int64), np.zeros(0, object)
    pay_us = _micros(fu.column("timestamp"))
    order = np.argsort(pay_us, kind="stable")
    amounts = np.array(fu.column("amount").to_pylist(), dtype=object)[order]
    pay_us = pay_us[order]
    keep = pay_us > after_us
    if not keep.any():
        return np.zeros(0, np.int64), np.zeros(0, object)
    return pay_us[keep], np.cumsum(amounts[keep])


def _funding_upto(base: Decimal, pay_us: np.ndarray, paid: np.ndarray, t_us: int) -> Decimal:
    """Return ``base`` plus the payments at or before ``t_us`` (`_payments_after`)."""
    k = int(np.searchsorted(pay_us, t_us, "right"))
    return base + (paid[k - 1] if k else ZERO)


def _tails(
    runs: tuple[pa.Table, pa.Table],
    funding: pa.Table | None,
    shares: dict[str, pa.Table],
    marks: pa.Table | None,
    starts: _Starts,
    zones: Sequence[ZoneInfo],
    flats: dict[tuple[str, str], _Points],
    lots: dict[tuple[str, str], list[dict[str, object] | None]],
) -> tuple[pa.Table, pa.Table]:
    """Return the daily and checkpoint rows of resumed scopes that have no fill in this run.

    Flat from their checkpoint on, their books move only by the funding they are paid (all of
    a payment made while the account is flat goes to the strategy that traded last).
    """
    days: dict[str, list[object]] = {f.name: [] for f in BOOK_DAY_SCHEMA}
    points: dict[str, list[object]] = {f.name: [] for f in BOOK_CHECKPOINT_SCHEMA}
    if not starts:
        return pa.table(days, schema=BOOK_DAY_SCHEMA), _checkpoint_table(points)
    fills, own_fills = runs
    with_fills = set(
        zip(
            own_fills.column("account").to_pylist(),
            own_fills.column("symbol").to_pylist(),
            own_fills.column("strategy").to_pylist(),
            strict=True,
        )
    )
    held = {(a, s) for a, s, _ in with_fills}
    positions = set(
        zip(fills.column("account").to_pylist(), fills.column("symbol").to_pylist(), strict=True)
    )
    by_marks = _groups(marks, ("symbol",))
    by_funding = _groups(funding, ("account", "symbol"))
    for (account, symbol), by_scope in sorted(starts.items()):
        m = by_marks.get((symbol,))
        mark_us = _micros(m.column("timestamp")) if m is not None else np.zeros(0, np.int64)
        for row_scope, start in sorted(by_scope.items()):
            if row_scope == ACCOUNT:
                if (account, symbol) in positions:
                    continue
                fu = by_funding.get((account, symbol))
            else:
                if (account, symbol, row_scope) in with_fills:
                    continue
                if (account, symbol) in held:  # its share of what the account paid
                    part = shares.get(row_scope)
                    fu = None
                    if part is not None:
                        mine = pc.and_(
                            pc.equal(part.column("account"), account),
                            pc.equal(part.column("symbol"), symbol),
                        )
                        fu = part.filter(mine)
                elif row_scope == start.last_strategy:  # flat throughout: all of it
                    fu = by_funding.get((account, symbol))
                else:
                    fu = None
            pay_us, paid = _payments_after(fu, start.at_us)
            paid_by = functools.partial(_funding_upto, start.funding, pay_us, paid)
            for tz in zones:
                d0 = np.datetime64(_local_day(start.at_us, tz), "D")
                stamps = [np.zeros(0, "datetime64[D]")]
                if _active(start, tz, None):
                    stamps.append(np.array([d0], "datetime64[D]"))
                if len(mark_us):
                    stamps.append(local_days(pa.array(mark_us, pa.timestamp("us", tz="UTC")), tz))
                if len(pay_us):
                    stamps.append(local_days(pa.array(pay_us, pa.timestamp("us", tz="UTC")), tz))
                all_days = np.unique(np.concatenate(stamps))
                for d in all_days[all_days >= d0].tolist():
                    end_us = (local_midnight(d + dt.timedelta(days=1), tz) - _EPOCH) // (
                        dt.timedelta(microseconds=1)
                    )
                    days["timezone"].append(tz.key)
                    days["scope"].append(row_scope)
                    days["account"].append(account)
                    days["symbol"].append(symbol)
                    days["day"].append(d)
                    days["currency"].append(start.currency)
                    days["fills"].append(start.day_fills.get(tz.key, 0) if d == d0.item() else 0)
                    days["realized_pnl"].append(start.realized)
                    days["fees"].append(start.fees)
                    days["funding"].append(paid_by(end_us - 1))
                    days["open"].append(False)
                    days["unmarked"].append(False)
                    days["unrealized_pnl"].append(ZERO)
            points_of = flats.get((account, symbol))
            if points_of is None:
                continue
            for i, t in enumerate(points_of.instants.tolist()):
                points["account"].append(account)
                points["symbol"].append(symbol)
                points["timestamp"].append(t)
                points["scope"].append(row_scope)
                points["currency"].append(start.currency)
                points["last_strategy"].append(points_of.strategies[i])
                points["realized_pnl"].append(start.realized)
                points["fees"].append(start.fees)
                points["funding"].append(paid_by(t))
                points["trades"].append(start.trades)
                points["day_counts"].append(
                    _day_counts(np.zeros(0, np.int64), pay_us, t, zones, start)
                )
                if points_of.is_end(i):
                    _add_lot(points, None, "[]")
                else:
                    _add_lot(points, lots[(account, symbol)][i])
    return pa.table(days, schema=BOOK_DAY_SCHEMA), _checkpoint_table(points)


@dataclass(frozen=True, slots=True)
class Booker:
    """What a store calls to book what it writes (`Store.booker`): `book` with one cost basis.

    The store records ``cost_basis`` with the books (``cost_basis.value``).
    """

    cost_basis: CostBasis = CostBasis.FIFO

    def __call__(
        self,
        fills: pa.Table,
        marks: pa.Table | None,
        funding: pa.Table | None,
        timezones: Sequence[str],
        *,
        resume: pa.Table | None = None,
    ) -> Booked:
        """`book` the fills with this basis."""
        return book(
            fills,
            marks,
            funding,
            cost_basis=self.cost_basis,
            timezones=timezones,
            resume=resume,
        )


def booker(cost_basis: CostBasis = CostBasis.FIFO) -> Booker:
    """Return a `Booker` with ``cost_basis`` (for `Store.booker`)."""
    return Booker(cost_basis)


def _select(
    table: pa.Table, scopes: Sequence[str] | None, symbols: Sequence[str] | None
) -> pa.Table:
    """Select the rows of ``table`` in ``scopes`` and in ``symbols`` (None: any).

    ``table`` has ``scope`` and ``symbol`` columns.
    """
    mask = None
    for column, values in (("scope", scopes), ("symbol", symbols)):
        if values is not None:
            inside = pc.is_in(table.column(column), value_set=pa.array(values, pa.string()))
            mask = inside if mask is None else pc.and_(mask, inside)
    return table if mask is None else table.filter(mask)


@dataclass(frozen=True, slots=True)
class _Position:
    """The unrealized P&L of one position's stored rows, in day order (its own currency)."""

    days: np.ndarray  # datetime64[D]
    unrealized: list[Decimal]
    currency: str


@dataclass(frozen=True, slots=True)
class _Steps:
    """The books of every position summed over its rows in day order.

    After the first ``k`` rows (``days[:k]``), the positions' latest amounts add up to
    ``realized[k]``, ``fees[k]``, ..., ``open[k]`` positions are open and ``unmarked[k]`` of
    them have no mark. Amounts in the summary's currency; ``unrealized`` None when the
    positions' value converts at each instant's rate (`_Position`).
    """

    days: np.ndarray  # datetime64[D], one per row, sorted
    realized: np.ndarray  # object (Decimal), cumulative, len(days) + 1
    fees: np.ndarray
    funding: np.ndarray
    unrealized: np.ndarray | None
    open: np.ndarray  # int64, cumulative
    unmarked: np.ndarray


class StoredBooks:
    """The books the store keeps in one timezone, read like `Books`.

    They are the sum of the books of ``scopes`` (``(ACCOUNT,)``: the account's, positions
    netted per account and symbol; strategies' names: each one's own books, as if it had its
    own account) in ``symbols`` (None: every symbol).

    So several strategies' figures are the sum of their own books (`load_books` books them
    so), and a strategy and symbols are the strategy's own books in those symbols; the
    account's netted books are those of no strategy filter.

    Instants given to `at` are local midnights of the timezone (window bounds) or earlier /
    later than every row; the books just before midnight of day D are each position's latest
    row dated before D. With ``rates``, amounts convert to ``base`` like `ConvertedBooks`:
    what was booked on a day at that day's rate, the open positions' value at the rate of the
    day before the instant.

    Raises
    ------
    ValueError
        If ``scopes`` names the account's books beside strategies' own (they overlap).
    """

    def __init__(
        self,
        all_rows: pa.Table,
        trades: pa.Table,
        tz: ZoneInfo,
        *,
        scopes: Sequence[str] = (ACCOUNT,),
        symbols: Sequence[str] | None = None,
        rates: FxRates | None = None,
        base: str = "",
        unlabelled: str = "",
    ) -> None:
        if ACCOUNT in scopes and len(scopes) > 1:
            raise ValueError("the account's books hold every strategy's: not both")
        self.all_rows, self.all_trades = all_rows, trades
        self.scopes = tuple(dict.fromkeys(scopes))
        self.symbols = None if symbols is None else tuple(dict.fromkeys(symbols))
        self.rows = _select(all_rows, self.scopes, self.symbols)
        trades = _select(trades, self.scopes, self.symbols)
        self._trades = trades.select(TRADE_SCHEMA.names).cast(TRADE_SCHEMA)
        self.tz = tz
        self.rates, self.base, self.unlabelled = rates, base, unlabelled
        with decimal.localcontext(prec=MONEY_CONTEXT_PREC):  # sums of money are exact
            self._steps, self._positions = self._load(self.rows)

    def _load(self, rows: pa.Table) -> tuple[_Steps, list[_Position]]:
        """Read the rows as `_Steps` (and, with ``rates``, each position's unrealized P&L).

        This is one sort by position and day, each row's change to its position's amounts, one
        sort by day and running sums.
        """
        order = pc.sort_indices(
            rows,
            [(c, "ascending") for c in ("scope", "account", "symbol", "day")],
        )
        t = rows.take(order)
        n = t.num_rows
        key = pc.binary_join_element_wise(
            t.column("scope"), t.column("account"), t.column("symbol"), "\x00"
        )
        codes = pc.dictionary_encode(key).combine_chunks().indices.to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.diff(codes, prepend=-1))  # each position's first row
        lengths = np.diff(np.append(starts, n))
        days = t.column("day").to_numpy().astype("datetime64[D]")
        first_ccy = [c or self.unlabelled for c in t.column("currency").take(starts).to_pylist()]
        currency = np.repeat(np.array(first_ccy, dtype=object), lengths)
        is_first = np.zeros(n, dtype=bool)
        is_first[starts] = True

        def changes(values: np.ndarray) -> np.ndarray:  # each row less its position's last
            before = np.roll(values, 1)
            before[is_first] = 0
            return np.asarray(values - before)

        def money(name: str) -> np.ndarray:
            steps = changes(np.array(t.column(name).to_pylist(), dtype=object))
            if self.rates is not None:  # each day's booking at its own rate
                for ccy in sorted(set(first_ccy) - {self.base}):
                    mine = np.flatnonzero(currency == ccy)
                    rate = self.rates.rates(ccy, self.base, days[mine])
                    steps[mine] = [convert(s, r) for s, r in zip(steps[mine], rate, strict=True)]
            return steps

        by_day = np.argsort(days, kind="stable")

        def running(steps: np.ndarray) -> np.ndarray:  # the sums after each row, by day
            first = np.array([ZERO if steps.dtype == object else 0], dtype=steps.dtype)
            return np.concatenate((first, np.cumsum(steps[by_day])))

        is_open = t.column("open").to_numpy(zero_copy_only=False).astype(np.int64)
        unmarked = is_open & t.column("unmarked").to_numpy(zero_copy_only=False).astype(np.int64)
        one_currency = self.rates is None or set(first_ccy) <= {self.base}
        positions = []
        if not one_currency:  # the open positions' value converts at the instant's rate
            unrealized = t.column("unrealized_pnl").to_pylist()
            for a, m in zip(starts.tolist(), lengths.tolist(), strict=True):
                positions.append(
                    _Position(days[a : a + m], unrealized[a : a + m], str(currency[a]))
                )
        steps = _Steps(
            days=days[by_day],
            realized=running(money("realized_pnl")),
            fees=running(money("fees")),
            funding=running(money("funding")),
            unrealized=(
                running(changes(np.array(t.column("unrealized_pnl").to_pylist(), dtype=object)))
                if one_currency
                else None
            ),
            open=running(changes(is_open)),
            unmarked=running(changes(unmarked)),
        )
        return steps, positions

    @property
    def trades(self) -> pa.Table:
        """The stored round trips (`TRADE_SCHEMA`), in base with ``rates``."""
        if self.rates is None or self._trades.num_rows == 0:
            return self._trades
        days = local_days(self._trades.column("exit_time"), self.tz)
        return convert_trades(self._trades, days, self.rates, self.base, self.unlabelled)

    def labels(self, column: str) -> list[str]:
        """Return the strategies (``column`` ``"strategy"``) or the symbols the books hold.

        The strategies are the stored scopes of the strategies chosen, or of every strategy.
        """
        if column == "strategy":
            if self.scopes != (ACCOUNT,):
                return sorted(pc.unique(self.rows.column("scope")).to_pylist())
            rows = _select(self.all_rows, None, self.symbols)
            return sorted(set(pc.unique(rows.column("scope")).to_pylist()) - {ACCOUNT})
        return sorted(pc.unique(self.rows.column("symbol")).to_pylist())

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
        return self._within(np.unique(self._steps.days), start, end)

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
        """Return the books of one strategy or one symbol, in the symbols chosen.

        ``column`` names which and ``label`` its name: a strategy's are its own, stored in its
        scope; a symbol's are these books' positions in it. None when there are none.
        """
        scopes: tuple[str, ...] = (label,)
        symbols = self.symbols
        if column == "strategy":
            if self.scopes != (ACCOUNT,) and label not in self.scopes:
                return None
        else:
            if self.symbols is not None and label not in self.symbols:
                return None
            scopes, symbols = self.scopes, (label,)
        books = StoredBooks(
            self.all_rows,
            self.all_trades,
            self.tz,
            scopes=scopes,
            symbols=symbols,
            rates=self.rates,
            base=self.base,
            unlabelled=self.unlabelled,
        )
        return books if books.rows.num_rows else None

    def at(self, times: Sequence[dt.datetime]) -> list[BooksAt]:
        """Return the books just before each instant (see the class docstring).

        Each amount is the running sum of the rows dated before its day, one
        `numpy.searchsorted`.
        """
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        t_us = np.array([(t - epoch) // dt.timedelta(microseconds=1) for t in times], np.int64)
        before = local_days(pa.array(t_us - 1, pa.timestamp("us", tz="UTC")), self.tz)
        s = self._steps
        upto = np.searchsorted(s.days, before, side="right").tolist()
        unrealized = (
            [s.unrealized[k] for k in upto] if s.unrealized is not None else self._valued(before)
        )
        return [
            BooksAt(
                t,
                s.realized[k],
                unrealized[i],
                int(s.open[k]),
                s.fees[k],
                s.funding[k],
                int(s.unmarked[k]),
            )
            for i, (t, k) in enumerate(zip(times, upto, strict=True))
        ]

    def _valued(self, before: np.ndarray) -> list[Decimal]:
        """Return the open positions' value in base at the end of each of the days ``before``.

        It is each position's latest value at the rate of that day (at most its last row's).
        """
        assert self.rates is not None  # positions are kept only to convert
        total = [ZERO] * before.size
        with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
            for p in self._positions:
                idx = np.searchsorted(p.days, before, side="right") - 1
                valued = [i for i, k in enumerate(idx.tolist()) if k >= 0 and p.unrealized[k]]
                if not valued:
                    continue
                rate_days = np.minimum(before[valued], p.days[-1])
                rates = self.rates.rates(p.currency, self.base, rate_days)
                for i, rate in zip(valued, rates, strict=True):
                    total[i] += convert(p.unrealized[int(idx[i])], rate)
        return total
