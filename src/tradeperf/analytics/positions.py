"""Open positions of the books kept from stored fills, with their marks and the marks' age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.books import Books, _as_schema, _book, load_books
from tradeperf.ledger import CostBasis
from tradeperf.store import Store


@dataclass(frozen=True, slots=True)
class OpenPosition:
    """One open position (account, symbol) after every stored fill and mark.

    Attributes
    ----------
    account, symbol : the position.
    quantity : signed quantity (+ long, − short), exact.
    average_cost : average entry price of the open lots (price units), exact.
    multiplier : contract multiplier.
    currency : the currency of its P&L (None: the account's).
    mark, mark_time : the latest mark of the symbol and its time (None: never marked).
    unrealized_pnl : (mark − average cost) × quantity × multiplier, exact; None without a mark
        (unknown, never 0).
    """

    account: str
    symbol: str
    quantity: Decimal
    average_cost: Decimal
    multiplier: Decimal
    currency: str | None
    mark: Decimal | None
    mark_time: dt.datetime | None
    unrealized_pnl: Decimal | None

    def mark_age(self, now: dt.datetime) -> dt.timedelta | None:
        """How old the mark is at ``now`` (None without a mark)."""
        return None if self.mark_time is None else now - self.mark_time


def open_positions(
    store: Store, *, cost_basis: CostBasis = CostBasis.FIFO, sources: tuple[str, ...] = ()
) -> list[OpenPosition]:
    """Return the open positions of the books kept from the stored fills, by account and symbol.

    The fills are those of ``sources``, or all of them; the list is empty when no fill is stored.

    Raises
    ------
    InputError
        If the stored fills cannot be booked.
    """
    kept = None if sources else store.latest_checkpoints()
    if kept is not None:  # from each position's latest checkpoint: pruned fills not needed
        books = _from_checkpoints(store, kept, cost_basis)
    else:
        books = load_books(store, cost_basis=cost_basis, sources=sources)
    if books is None:
        return []
    last_mark: dict[str, dt.datetime] = {}
    if books.marks is not None and books.marks.num_rows:
        latest = books.marks.group_by("symbol").aggregate([("timestamp", "max")])
        last_mark = dict(
            zip(
                latest.column("symbol").to_pylist(),
                latest.column("timestamp_max").to_pylist(),
                strict=True,
            )
        )
    positions = books.result.positions
    zero = pa.scalar(0, positions.schema.field("quantity").type)
    positions = positions.filter(pc.not_equal(positions.column("quantity"), zero))
    out = []
    for row in positions.sort_by([("account", "ascending"), ("symbol", "ascending")]).to_pylist():
        marked = row["last_mark"] is not None
        out.append(
            OpenPosition(
                account=row["account"],
                symbol=row["symbol"],
                quantity=row["quantity"],
                average_cost=row["avg_cost"],
                multiplier=row["multiplier"],
                currency=row["currency"],
                mark=row["last_mark"],
                mark_time=last_mark.get(row["symbol"]) if marked else None,
                unrealized_pnl=row["unrealized_pnl"] if marked else None,
            )
        )
    return out


def _from_checkpoints(store: Store, kept: pa.Table, cost_basis: CostBasis) -> Books | None:
    """Book the stored fills from each position's latest checkpoint on."""
    from tradeperf.analytics.booking import after_checkpoints
    from tradeperf.records import FILL_SCHEMA, MARK_SCHEMA, RecordKind

    stored = _as_schema(store.records(RecordKind.FILLS), FILL_SCHEMA)
    # a checkpoint's lot counts though every fill behind it was pruned
    fills = after_checkpoints(FILL_SCHEMA.empty_table() if stored is None else stored, kept)
    marks = _as_schema(store.records(RecordKind.MARKS), MARK_SCHEMA)
    return _book(fills, marks, None, None, cost_basis)


def positions_to_json(positions: list[OpenPosition], now: dt.datetime) -> dict[str, object]:
    """Return the JSON-able document of ``positions`` at ``now``.

    The document is ``{"as_of", "positions": [...]}``, with money as exact Decimals and the
    mark's age in seconds (null without a mark).
    """
    rows = []
    for p in positions:
        age = p.mark_age(now)
        rows.append(
            {
                "account": p.account,
                "symbol": p.symbol,
                "quantity": p.quantity.normalize(),
                "average_cost": p.average_cost.normalize(),
                "multiplier": p.multiplier.normalize(),
                "currency": p.currency,
                "mark": _plain(p.mark),
                "mark_time": None if p.mark_time is None else p.mark_time.isoformat(),
                "mark_age_seconds": None if age is None else age.total_seconds(),
                "unrealized_pnl": _plain(p.unrealized_pnl),
            }
        )
    return {"as_of": now.isoformat(), "positions": rows}


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()
