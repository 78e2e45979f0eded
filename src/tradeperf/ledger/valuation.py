"""The books at chosen instants: realized P&L so far, unrealized P&L and open positions.

Used for window ends: the state just before each instant (fills and marks strictly earlier).
Computed without replaying the lots, from an identity that holds for every cost basis, per
(account, symbol) position:

    open cost B = R − C

where C = −Σ side × quantity × price × multiplier is the trading cash of the position's fills
(fees excluded) and R its realized P&L so far (before fees). Hence the unrealized P&L at mark M
is ``q × M × multiplier − B = q × M × multiplier + C − R``. Proof by induction over fills: a fill
that adds to a position moves C and B by opposite amounts; one that reduces it by q' at price p'
against lots of cost b moves C by q'p', R by q'(p' − b) and B by −q'b. A position without a mark
at or before the instant is not valued (as in `Ledger.snapshot`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

import pyarrow as pa

from tradeperf.records import ZERO


@dataclass(frozen=True, slots=True)
class BooksAt:
    """The books just before ``time``.

    Attributes
    ----------
    time : the instant (exclusive: fills and marks strictly before it count).
    realized_pnl : Σ realized P&L before fees of every fill before ``time`` (currency).
    unrealized_pnl : Σ unrealized P&L of the open positions that have a mark (currency).
    open_positions : positions (account, symbol) with non-zero quantity.
    unmarked_positions : the open positions with no mark before ``time`` (their unrealized
        P&L is unknown, not 0; they count at cost in ``trading_pnl``).
    fees : Σ fees of the fills before ``time`` (in the P&L currency, as booked).
    funding : Σ funding received (+) or paid (−) before ``time``.
    """

    time: dt.datetime
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    open_positions: int
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    unmarked_positions: int = 0

    @property
    def trading_pnl(self) -> Decimal:
        """realized + unrealized − fees + funding: the books' P&L so far (equity less capital
        and cash flows)."""
        return self.realized_pnl + self.unrealized_pnl - self.fees + self.funding


def _cumulative(times: list[dt.datetime], values: list[Decimal]) -> tuple[list, list[Decimal]]:
    order = sorted(range(len(times)), key=lambda i: times[i])
    ts = [times[i] for i in order]
    return ts, list(accumulate((values[i] for i in order), initial=ZERO))


def books_at(
    fills: pa.Table,
    marks: pa.Table | None,
    realized_events: pa.Table,
    times: Sequence[dt.datetime],
    funding: pa.Table | None = None,
) -> list[BooksAt]:
    """The books just before each of ``times``.

    Parameters
    ----------
    fills : `FILL_SCHEMA` table (timestamp, account, symbol, side, quantity, price, multiplier).
    marks : `MARK_SCHEMA` table or None.
    realized_events : `LedgerResult.realized_events` of the same fills (timestamp, account,
        symbol, realized_pnl).
    times : aware instants, in any order.
    funding : `FUNDING_SCHEMA` table (timestamp, amount) or None.

    Returns
    -------
    list of `BooksAt`, one per instant, in the order given. Exact Decimals.
    """
    positions: dict[tuple[str, str], tuple[list, list[Decimal], list[Decimal], Decimal]] = {}
    rows = fills.select(
        ["timestamp", "account", "symbol", "side", "quantity", "price", "multiplier"]
    ).to_pylist()
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        grouped[(r["account"], r["symbol"])].append(r)
    for key, fs in grouped.items():
        fs.sort(key=lambda r: r["timestamp"])
        sign = [1 if r["side"] == "BUY" else -1 for r in fs]
        mult = fs[0]["multiplier"] or Decimal(1)
        ts = [r["timestamp"] for r in fs]
        q = list(
            accumulate((s * r["quantity"] for s, r in zip(sign, fs, strict=True)), initial=ZERO)
        )
        c = list(
            accumulate(
                (-s * r["quantity"] * r["price"] * mult for s, r in zip(sign, fs, strict=True)),
                initial=ZERO,
            )
        )
        positions[key] = (ts, q, c, mult)

    realized: dict[tuple[str, str], tuple[list, list[Decimal]]] = {}
    ev = realized_events.select(["timestamp", "account", "symbol", "realized_pnl"]).to_pylist()
    by_pos: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for e in ev:
        by_pos[(e["account"], e["symbol"])].append(e)
    for key, es in by_pos.items():
        realized[key] = _cumulative([e["timestamp"] for e in es], [e["realized_pnl"] for e in es])

    mark_series: dict[str, tuple[list, list[Decimal]]] = {}
    if marks is not None and marks.num_rows:
        by_symbol: dict[str, list[tuple[dt.datetime, Decimal]]] = defaultdict(list)
        for m in marks.select(["timestamp", "symbol", "price"]).to_pylist():
            by_symbol[m["symbol"]].append((m["timestamp"], m["price"]))
        for symbol, ms in by_symbol.items():
            ms.sort(key=lambda x: x[0])  # stable: the later row of equal instants wins
            mark_series[symbol] = ([t for t, _ in ms], [p for _, p in ms])

    fee_ts, fee_cum = _cumulative(
        realized_events.column("timestamp").to_pylist(), realized_events.column("fees").to_pylist()
    )
    if funding is not None and funding.num_rows:
        fund_ts, fund_cum = _cumulative(
            funding.column("timestamp").to_pylist(), funding.column("amount").to_pylist()
        )
    else:
        fund_ts, fund_cum = [], [ZERO]

    out = []
    for t in times:
        total_realized = ZERO
        unrealized = ZERO
        open_count = unmarked = 0
        for key, (ts, q, c, mult) in positions.items():
            n = bisect.bisect_left(ts, t)
            r_ts, r_cum = realized.get(key, ([], [ZERO]))
            r = r_cum[bisect.bisect_left(r_ts, t)]
            total_realized += r
            if q[n] == 0:
                continue
            open_count += 1
            series = mark_series.get(key[1])
            k = 0 if series is None else bisect.bisect_left(series[0], t)
            if series is None or k == 0:
                unmarked += 1
                continue
            unrealized += q[n] * series[1][k - 1] * mult + c[n] - r
        fees = fee_cum[bisect.bisect_left(fee_ts, t)]
        paid = fund_cum[bisect.bisect_left(fund_ts, t)]
        out.append(BooksAt(t, total_realized, unrealized, open_count, fees, paid, unmarked))
    return out
