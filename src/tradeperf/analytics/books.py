"""Books kept from stored fills: round-trip trades for the summaries, and realized P&L,
unrealized P&L and open positions at window bounds.

The one place that hands the store's fills, marks, funding and cash flows to the ledger.
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

from tradeperf.analytics.figures import CashFlows, DailyAmounts
from tradeperf.analytics.windows import local_days, local_midnight
from tradeperf.errors import InputError
from tradeperf.ingest.base import RecordKind
from tradeperf.ledger import CostBasis, LedgerResult, run_ledger
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import (
    CASH_FLOW_SCHEMA,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    MARK_SCHEMA,
    TRADE_SCHEMA,
)
from tradeperf.store import Store
from tradeperf.timezones import resolve_timezone


def _as_schema(table: pa.Table, schema: pa.Schema) -> pa.Table | None:
    """The columns of ``schema`` that ``table`` has, cast to their types (None if empty)."""
    if table.num_rows == 0:
        return None
    names = [f.name for f in schema if f.name in table.column_names]
    fields = [schema.field(n) for n in names]
    return table.select(names).cast(pa.schema(fields))


@dataclass(frozen=True, slots=True)
class Books:
    """The ledger's view of the stored fills selected by a summary's filters."""

    fills: pa.Table
    marks: pa.Table | None
    funding: pa.Table | None
    result: LedgerResult

    @property
    def trades(self) -> pa.Table:
        """Round-trip trades derived from the fills (`TRADE_SCHEMA`, all CLOSED)."""
        return self.result.trades.select([f.name for f in TRADE_SCHEMA]).cast(TRADE_SCHEMA)

    def realized_times(self) -> np.ndarray:
        """UTC microseconds of every realized-P&L event (a reducing fill)."""
        ts = self.result.realized_events.column("timestamp").cast(pa.int64())
        return ts.to_numpy(zero_copy_only=False)

    def at(self, times: Sequence[dt.datetime]) -> list[BooksAt]:
        """Realized P&L so far, unrealized P&L and open positions just before each instant."""
        return books_at(self.fills, self.marks, self.result.realized_events, times, self.funding)

    def event_days(
        self, tz: ZoneInfo, start: dt.datetime | None, end: dt.datetime | None
    ) -> np.ndarray:
        """Local days (``datetime64[D]``) of the fills and marks within [start, end)."""
        stamps = [self.fills.column("timestamp")]
        if self.marks is not None:
            stamps.append(self.marks.column("timestamp"))
        ts = pa.chunked_array([c for s in stamps for c in s.chunks], pa.timestamp("us", "UTC"))
        if start is not None:
            ts = ts.filter(pc.greater_equal(ts, pa.scalar(start, ts.type)))
        if end is not None:
            ts = ts.filter(pc.less(ts, pa.scalar(end, ts.type)))
        return local_days(ts, tz)

    def daily_pnl(self, first_day: dt.date, last_day: dt.date, tz: ZoneInfo) -> DailyAmounts:
        """P&L of the books per local calendar day, marked to market: the change over each
        day of realized + unrealized − fees + funding (exact)."""
        n = (last_day - first_day).days + 1
        days = np.arange(np.datetime64(first_day, "D"), np.datetime64(first_day, "D") + max(n, 0))
        bounds = [local_midnight(first_day + dt.timedelta(days=i), tz) for i in range(n + 1)]
        pnl = [b.trading_pnl for b in self.at(bounds)] if n > 0 else []
        return DailyAmounts.of(days, [b - a for a, b in itertools.pairwise(pnl)])


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

    A strategy filter books that strategy's fills alone, as if it had its own account; marks,
    funding and cash flows are all passed (marks of currencies convert foreign fees). With
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
    try:
        result = run_ledger(
            fills, marks, cost_basis=cost_basis, funding=funding, cash_flows=cash_flows
        )
    except ValueError as exc:
        raise InputError(f"the stored fills cannot be booked: {exc}") from None
    return Books(fills=fills, marks=marks, funding=funding, result=result)


def load_cash_flows(store: Store, tz: str, *, sources: tuple[str, ...] = ()) -> CashFlows:
    """The stored deposits and withdrawals, by local day in ``tz`` (all accounts; only those
    read from ``sources`` when given)."""
    table = _as_schema(store.records(RecordKind.CASH_FLOWS, sources=sources), CASH_FLOW_SCHEMA)
    if table is None:
        return CashFlows.none()
    days = local_days(table.column("timestamp"), resolve_timezone(tz))
    return CashFlows.of(days, table.column("amount").to_pylist())


def position_figures(before: BooksAt, after: BooksAt) -> dict[str, Decimal | int | None]:
    """Figures of the books over a window: realized P&L booked in it (including the realized
    part of positions still open), unrealized P&L and open positions at its end. The
    unrealized P&L is None (null, with its reason) when an open position has no mark: it is
    unknown, never shown as 0."""
    return {
        "realized_pnl": after.realized_pnl - before.realized_pnl,
        "unrealized_pnl": None if after.unmarked_positions else after.unrealized_pnl,
        "open_positions": after.open_positions,
    }
