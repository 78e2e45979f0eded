"""The batch ledger: the same books as `Ledger`, from columnar fills, for millions of fills.

Lot MATCHING runs in a Numba kernel on int64 quantities scaled by 10**k (k = the largest
number of fractional digits in the column, so the scaling is exact). When a scaled quantity
would not fit in int64 the same kernel runs as plain Python on Python integers (exact,
slower). It emits one row per matched piece (opening fill,
closing fill, quantity). MONEY is then computed exactly and vectorised on scaled integers
(int64 where a bound proves no overflow, Python integers in NumPy object arrays otherwise),
with the very roundings of the incremental ledger, so both give identical results.

Average cost needs the running cost basis of each position, a sequential chain of rounded
divisions: its per-fill realized P&L and final cost basis are computed in one plain loop
over scaled integers (`_average_chain`; the matching, episodes and trades still come from
the kernel: flat-to-flat trades do not depend on the cost basis).

The columns a run works on are scaled and matched in `tradeperf.ledger._columns`; the round
trips are assembled in `tradeperf.ledger.round_trips`; this module keeps the books (fees,
realized P&L, positions, totals).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ledger._columns import (
    FillColumns,
    MarkColumns,
    Matches,
    column,
    fill_columns,
    match_pieces,
    text,
)
from tradeperf.ledger._exact import EXACT, round18, round_ratio
from tradeperf.ledger._scaled import (
    as_object,
    decimal_at,
    div_round_half_even,
    money_array,
    scaled_ints,
)
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.model import (
    POSITION_SCHEMA,
    REALIZED_EVENT_SCHEMA,
    OpenEpisode,
    RoundTrip,
)
from tradeperf.ledger.round_trips import flat_trades, lot_trades
from tradeperf.records import MONEY_TYPE

ZERO = Decimal(0)


# -- result ---------------------------------------------------------------------------------
@dataclass(slots=True)
class LedgerResult:
    """What `run_ledger` returns.

    Attributes
    ----------
    trades : round-trip trades, `TRADE_SCHEMA` (status CLOSED), in the order they closed.
    positions : open positions, `POSITION_SCHEMA`, sorted by (account, symbol).
    realized_events : one row per fill in ledger order, `REALIZED_EVENT_SCHEMA`.
    realized_pnl, unrealized_pnl, fees, funding, cash_flows : exact totals (P&L currency;
        with several currencies, group ``realized_events``/``positions`` by ``currency``).
    fees_other : fees that could not be converted, per fee currency.
    cash : −Σ side × quantity × price × multiplier − fees + funding.
    inventory_value : Σ signed quantity × multiplier × last mark (positions with a mark).
    capital : starting capital; ``equity`` = capital + cash_flows + realized + unrealized −
        fees + funding.
    open_lots : the lots left open, in the order they are matched next within each
        position (FIFO: oldest first; LIFO: the last opened last): ``row``, the fill that
        opened the lot (its row in the input fills), and ``quantity``, what is left of it.
        Empty under average cost.
    open_episodes : per position (account, symbol) whose flat-to-flat round trip is still
        open, what it has gathered (`OpenEpisode`; ``low``/``high`` only those carried in:
        the marks of this run are not in them). Empty for PER_LOT.
    """

    trades: pa.Table
    positions: pa.Table
    realized_events: pa.Table
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    cash_flows: Decimal
    cash: Decimal
    inventory_value: Decimal
    capital: Decimal = ZERO
    fees_other: dict[str, Decimal] = field(default_factory=dict)
    open_lots: pa.Table | None = None
    open_episodes: dict[tuple[str, str], OpenEpisode] = field(default_factory=dict)

    @property
    def equity(self) -> Decimal:
        """Capital + cash flows + realized + unrealized − fees + funding."""
        with decimal.localcontext(EXACT):
            return (
                self.capital
                + self.cash_flows
                + self.realized_pnl
                + self.unrealized_pnl
                - self.fees
                + self.funding
            )


# -- the batch ledger -----------------------------------------------------------------------
def run_ledger(
    fills: pa.Table,
    marks: pa.Table | None = None,
    *,
    cost_basis: CostBasis = CostBasis.FIFO,
    round_trip: RoundTrip = RoundTrip.FLAT_TO_FLAT,
    funding: pa.Table | None = None,
    cash_flows: pa.Table | None = None,
    capital: Decimal = ZERO,
    carry: Mapping[tuple[str, str], OpenEpisode] | None = None,
) -> LedgerResult:
    """Keep the books of a whole history of fills at once.

    Parameters
    ----------
    fills
        `FILL_SCHEMA` table (extra columns ignored; ``fee_currency``, ``currency``,
        ``multiplier`` optional). Order: timestamp, then row order.
    marks
        `MARK_SCHEMA` table (timestamp, symbol, price) or None. At equal timestamps a mark
        comes before fills. Marks of a currency code convert fees paid in it.
    cost_basis
        FIFO (default), LIFO or AVERAGE.
    round_trip
        FLAT_TO_FLAT (default) or PER_LOT (FIFO/LIFO only).
    funding
        `FUNDING_SCHEMA` table or None (after fills at equal timestamps).
    cash_flows
        `CASH_FLOW_SCHEMA` table or None (deposits +, withdrawals −).
    capital
        Starting capital (P&L currency).
    carry
        Per position (account, symbol), the round trip it resumes (FLAT_TO_FLAT only): the
        position's first fills here must be its open lots re-booked as fills (an instant of
        their own, before every other fill of it, fee 0); the round trip they open adds the
        `OpenEpisode`'s amounts, entry time, strategy and marks.

    Returns
    -------
    LedgerResult
        Identical to what `Ledger` gives after `merge_events` of the same records.

    Raises
    ------
    ValueError
        On a non-positive quantity, duplicate fill ids, a multiplier that changes within an
        (account, symbol), a scaled quantity beyond int64, PER_LOT with AVERAGE, or a
        ``carry`` with PER_LOT or for a position whose first fill opens no round trip.
    """
    cost_basis = CostBasis(cost_basis)
    round_trip = RoundTrip(round_trip)
    if round_trip is RoundTrip.PER_LOT and cost_basis is CostBasis.AVERAGE:
        raise ValueError("per-lot round trips need FIFO or LIFO lots, not average cost")
    carry = dict(carry or {})
    if carry and round_trip is RoundTrip.PER_LOT:
        raise ValueError("a carried round trip is flat to flat")
    f, mk = fill_columns(fills, marks, carry)
    n = len(f.ts)
    fee_ccy = text(fills, "fee_currency", None)
    fee_arr = column(fills, "fee").cast(MONEY_TYPE) if "fee" in fills.column_names else None
    F18 = as_object(scaled_ints(fee_arr, 18)) if fee_arr is not None else np.zeros(n, object)
    m = match_pieces(f, lifo=cost_basis is CostBasis.LIFO)
    Fc, fees_other = _convert_fees(f, mk, F18, fee_ccy)

    # realized per fill (rows are grouped by closing fill)
    realized = np.zeros(n, object)
    if len(m.r_close):
        starts = np.flatnonzero(np.r_[True, m.r_close[1:] != m.r_close[:-1]])
        realized[m.r_close[starts]] = np.add.reduceat(as_object(m.gross), starts)
    S_real = f.S
    average_costs: dict[int, int] | None = None
    if cost_basis is CostBasis.AVERAGE:
        realized, average_costs = _average_chain(f, m.closed_part)
        S_real = max(f.kp + f.kq, 18) + f.km

    open_episodes: dict[tuple[str, str], OpenEpisode] = {}
    if round_trip is RoundTrip.FLAT_TO_FLAT:
        trades, open_episodes = flat_trades(f, m, Fc, mk, funding, carry)
    else:
        trades = lot_trades(f, m, Fc)

    events = pa.table(
        {
            "timestamp": column(fills, "timestamp").take(f.order),
            "fill_id": f.fill_id.take(f.order),
            "account": f.account.take(f.order),
            "strategy": f.strategy.take(f.order),
            "symbol": f.symbol.take(f.order),
            "currency": f.currency.take(f.order),
            "realized_pnl": money_array(realized[f.order], S_real),
            "fees": money_array(Fc[f.order], 18),
        },
        schema=REALIZED_EVENT_SCHEMA,
    )
    positions, unreal_total, inventory = _positions(f, m, _last_marks(mk), average_costs)

    with decimal.localcontext(EXACT):
        realized_total = decimal_at(int(realized.sum()), S_real) if n else ZERO
        fees_total = decimal_at(int(Fc.sum()), 18) if n else ZERO
        fund_total = _amount_total(funding)
        flows_total = _amount_total(cash_flows)
        notional = int((as_object(f.sq) * as_object(f.P) * as_object(f.M)).sum()) if n else 0
        cash = -decimal_at(notional, f.S) - fees_total + fund_total
    lots = cost_basis is not CostBasis.AVERAGE
    return LedgerResult(
        trades=trades,
        positions=positions,
        realized_events=events,
        realized_pnl=realized_total,
        unrealized_pnl=unreal_total,
        fees=fees_total,
        funding=fund_total,
        cash_flows=flows_total,
        cash=cash,
        inventory_value=inventory,
        capital=Decimal(capital),
        fees_other=fees_other,
        open_lots=pa.table(
            {
                "row": pa.array(m.rem_fill if lots else [], pa.int64()),
                "quantity": money_array(as_object(m.rem_q), f.kq)
                if lots
                else pa.array([], MONEY_TYPE),
            }
        ),
        open_episodes=open_episodes,
    )


def _convert_fees(
    f: FillColumns, mk: MarkColumns, F18: np.ndarray, fee_ccy: pa.Array
) -> tuple[np.ndarray, dict[str, Decimal]]:
    """Convert fees paid in another currency at its last mark at or before the fill.

    Parameters
    ----------
    f
        The fill columns.
    mk
        The marks; those whose symbol is a fee currency are its rates.
    F18
        Fees per fill in their own currency, integers at 10**18.
    fee_ccy
        The fee currency per fill (null: the P&L currency).

    Returns
    -------
    tuple
        The fees per fill in the P&L currency (10**18; 0 where no rate was known) and, per
        fee currency, the total left unconverted.
    """
    fees_other: dict[str, Decimal] = {}
    Fc = F18.copy()
    foreign = np.asarray(
        pc.and_(
            pc.is_valid(fee_ccy),
            pc.invert(pc.fill_null(pc.equal(fee_ccy, f.currency), False)),
        ).to_numpy(zero_copy_only=False),
        bool,
    ) & np.asarray(F18 != 0, bool)
    if not np.any(foreign):
        return Fc, fees_other
    fc_list = fee_ccy.to_pylist()
    ms_list = mk.symbol.to_pylist()
    for ccy in sorted({fc_list[i] for i in np.flatnonzero(foreign)}):
        idx = np.flatnonzero(foreign & np.asarray([c == ccy for c in fc_list]))
        sel = np.asarray([s == ccy for s in ms_list], bool)
        mt, mp = mk.ts[sel], mk.price[sel]
        mo = np.argsort(mt, kind="stable")
        mt, mp = mt[mo], mp[mo]
        pos = np.searchsorted(mt, f.ts[idx], side="right") - 1
        ok = pos >= 0
        conv = idx[ok]
        if len(conv):
            Fc[conv] = div_round_half_even(F18[conv] * as_object(mp[pos[ok]]), 10**f.kp)
        miss = idx[~ok]
        if len(miss):
            fees_other[ccy] = decimal_at(int(F18[miss].sum()), 18)
            Fc[miss] = 0
    return Fc, fees_other


def _amount_total(table: pa.Table | None) -> Decimal:
    """Give the exact sum of the ``amount`` column of ``table`` (funding, cash flows)."""
    if table is None or not table.num_rows:
        return ZERO
    return decimal_at(int(as_object(scaled_ints(column(table, "amount"), 18)).sum()), 18)


def _last_marks(mk: MarkColumns) -> dict[str, int]:
    """Give the last mark of each symbol (scaled price; input order breaks a tie in time)."""
    last: dict[str, int] = {}
    if len(mk.ts):
        mo = np.argsort(mk.ts, kind="stable")
        for s, p in zip(mk.symbol.take(pa.array(mo)).to_pylist(), mk.price[mo], strict=True):
            last[s] = int(p)
    return last


def _average_chain(f: FillColumns, closed_part: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
    """Run the average-cost chain of every position, in ledger order (sequential).

    Parameters
    ----------
    f
        The fill columns.
    closed_part
        Per fill, the quantity it closed (scaled at 10**kq; from `match_lots`).

    Returns
    -------
    tuple
        The realized P&L per fill, at scale max(kp + kq, 18) + km, and the final cost basis
        of each position (by group code), at scale max(kp + kq, 18).

    Notes
    -----
    Cost C = Σ price × qty of the open quantity N; a fill closing c < N removes R(C × c / N)
    (round half-even to 18 digits), c = N removes C; realized = sign × (price × c − removed)
    × multiplier. The same rounding as `Ledger`.
    """
    s_cost = max(f.kp + f.kq, 18)
    up = 10 ** (s_cost - f.kp - f.kq)
    shrink = 10 ** (s_cost - 18)
    realized = np.zeros(len(f.ts), object)
    costs: dict[int, int] = {}
    sq_l, p_l, m_l, cp_l = f.sq.tolist(), f.P.tolist(), f.M.tolist(), closed_part.tolist()
    codes = f.codes.tolist()
    cur_g = -1
    pos = cost = 0
    for i in f.gorder.tolist():
        g = codes[i]
        if g != cur_g:
            cur_g, pos, cost = g, 0, 0
        s, c = sq_l[i], cp_l[i]
        if c:
            held = abs(pos)
            if c == held:
                removed = cost
            else:
                num, den = cost * c, held * shrink
                q, r = divmod(num, den)
                if 2 * r > den or (2 * r == den and q % 2 == 1):
                    q += 1
                removed = q * shrink
            cost -= removed
            realized[i] = (1 if pos > 0 else -1) * (p_l[i] * c * up - removed) * m_l[i]
            pos += c if s > 0 else -c
        left = abs(s) - c
        if left:
            cost += p_l[i] * left * up
            pos += left if s > 0 else -left
        costs[g] = cost
    return realized, costs


def _positions(
    f: FillColumns, m: Matches, last_mark: dict[str, int], average_costs: dict[int, int] | None
) -> tuple[pa.Table, Decimal, Decimal]:
    """Give the open positions from the lots left open, valued at the last mark of each.

    Parameters
    ----------
    f
        The fill columns.
    m
        The lot matching (its lots left open give the quantities).
    last_mark
        The last mark per symbol (scaled at 10**kp).
    average_costs
        Under average cost, the cost basis per position (`_average_chain`); else None (the
        cost of the open lots).

    Returns
    -------
    tuple
        `POSITION_SCHEMA` rows sorted by (account, symbol), total unrealized P&L and
        inventory value (positions with a mark).
    """
    kp, kq, km = f.kp, f.kq, f.km
    acct_l = f.account.to_pylist()
    sym_l = f.symbol.to_pylist()
    ccy_l = f.currency.to_pylist()
    first: dict[int, int] = {}
    qty: dict[int, int] = {}
    cost: dict[int, int] = {}  # scale kp + kq
    for i, q in zip(m.rem_fill.tolist(), m.rem_q.tolist(), strict=True):
        g = int(f.codes[i])
        first.setdefault(g, i)
        qty[g] = qty.get(g, 0) + (q if f.buy[i] else -q)
        cost[g] = cost.get(g, 0) + int(f.P[i]) * q
    s_cost = kp + kq
    if average_costs is not None:
        s_cost = max(kp + kq, 18)
        cost = average_costs
    rows = []
    unreal_total = ZERO
    inventory = ZERO
    with decimal.localcontext(EXACT):
        for g in qty:
            f0 = first[g]
            held = abs(qty[g])
            sign = 1 if qty[g] > 0 else -1
            mult = decimal_at(int(f.M[f0]), km)
            c = decimal_at(cost[g], s_cost)
            n_dec = decimal_at(held, kq)
            avg = round_ratio(c, Decimal(1), n_dec)
            mk = last_mark.get(sym_l[f0])
            mark = None if mk is None else decimal_at(mk, kp)
            unreal = None if mark is None else sign * mult * (mark * n_dec - c)
            if unreal is not None and mark is not None:
                unreal_total += unreal
                inventory += sign * n_dec * mult * mark
            rows.append((acct_l[f0], sym_l[f0], sign * n_dec, avg, mark, unreal, mult, ccy_l[f0]))
    rows.sort(key=lambda r: (r[0], r[1]))
    cols: list[tuple[object, ...]] = (
        list(zip(*rows, strict=True)) if rows else [() for _ in POSITION_SCHEMA]
    )
    data = {}
    for fld, values in zip(POSITION_SCHEMA, cols, strict=True):
        vals = [round18(v) if isinstance(v, Decimal) else v for v in values]
        data[fld.name] = pa.array(vals, fld.type)
    return pa.table(data, schema=POSITION_SCHEMA), unreal_total, inventory
