"""The batch ledger: the same books as `Ledger`, from columnar fills, for millions of fills.

Lot MATCHING runs in a Numba kernel on int64 quantities scaled by 10**k (k = the largest
number of fractional digits in the column, so the scaling is exact). When a scaled quantity
would not fit in int64 the same kernel runs as plain Python on Python integers (exact,
slower). It emits one row per matched piece (opening fill,
closing fill, quantity). MONEY is then computed exactly and vectorised on scaled integers
(int64 where a bound proves no overflow, Python integers in NumPy object arrays otherwise),
with the very roundings of the incremental ledger, so both give identical results.

Average cost needs the running cost basis of each position, a sequential chain of rounded
divisions: its per-fill realized P&L is computed in a plain loop over scaled integers (the
matching, episodes and trades still come from the kernel: flat-to-flat trades do not depend
on the cost basis).
"""

from __future__ import annotations

import dataclasses
import decimal
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ledger._exact import EXACT, fmt, round18, round_ratio
from tradeperf.ledger._kernel import compiled, match_lots, range_min_max
from tradeperf.ledger._scaled import frac_digits, scaled_ints
from tradeperf.ledger.basis import CostBasis
from tradeperf.ledger.model import (
    POSITION_SCHEMA,
    REALIZED_EVENT_SCHEMA,
    OpenEpisode,
    RoundTrip,
)
from tradeperf.records import MONEY_TYPE, TRADE_SCHEMA

ZERO = Decimal(0)
_I64 = 2**62  # bound under which int64 arithmetic is used


# -- scaled integers ------------------------------------------------------------------------
def _fits(*bounds: int) -> bool:
    out = 1
    for b in bounds:
        out *= max(int(b), 1)
    return out < _I64


def _maxabs(a: np.ndarray) -> int:
    return int(np.max(np.abs(a))) if len(a) else 0


def _obj(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == object else a.astype(object)


def _div_round(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """Elementwise ``num / den`` rounded half to even, on object integers (den > 0)."""
    num = _obj(np.asarray(num))
    den_a = _obj(np.asarray(den)) if isinstance(den, np.ndarray) else den
    q = num // den_a
    r = num - q * den_a
    twice = 2 * r
    up = np.asarray(twice > den_a, dtype=bool) | (
        np.asarray(twice == den_a, dtype=bool) & np.asarray(q % 2 == 1, dtype=bool)
    )
    return np.asarray(q + up.astype(np.int64))


def _to18(values: np.ndarray, scale: int) -> np.ndarray:
    """Integers at ``scale`` as object integers in units of 1e-18, rounded half-even."""
    v = _obj(values)
    if scale > 18:
        return _div_round(v, 10 ** (scale - 18))
    return np.asarray(v * 10 ** (18 - scale))


def _money(values: np.ndarray, scale: int) -> pa.Array:
    """Give integers at ``scale`` as a `MONEY_TYPE` array (rounded half-even to 18 digits)."""
    n = len(values)
    if scale > 18:
        values = _div_round(values, 10 ** (scale - 18))
        scale = 18
    if values.dtype == object:
        lo = (values & ((1 << 64) - 1)).astype(np.uint64).view(np.int64)
        hi = (values >> 64).astype(np.int64)
    else:
        lo = values.astype(np.int64)
        hi = lo >> 63
    buf = np.empty(2 * n, np.int64)
    buf[0::2] = lo
    buf[1::2] = hi
    arr = pa.Array.from_buffers(pa.decimal128(38, scale), n, [None, pa.py_buffer(buf)])
    return arr.cast(MONEY_TYPE)


def _dec(v: int, scale: int) -> Decimal:
    return Decimal(int(v)).scaleb(-scale, context=EXACT)


def _units(v: Decimal, scale: int) -> int:
    """``v`` as an integer of units of 10**-scale (``scale`` holds it: `_carry_digits`)."""
    return int(v.scaleb(scale, context=EXACT))


def _column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def _ts(table: pa.Table, name: str = "timestamp") -> np.ndarray:
    return np.asarray(
        _column(table, name).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), np.int64
    )


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


# -- the columns the ledger works on --------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Fills:
    r"""The fill columns of one run, in input order (``n`` rows), as the helpers use them.

    Amounts are scaled integers: quantities at 10**``kq``, prices (and marks) at 10**``kp``,
    multipliers at 10**``km``; ``sq`` is the signed scaled quantity (+ buy, − sell), int64
    or Python integers (``big``). ``order`` is the ledger order (time, then input order),
    ``rank`` each fill's place in it; ``codes`` the position (account, symbol) of each fill,
    ``group_keys`` their names (``account\\x1fsymbol``) and ``gorder`` the fills by position,
    then ledger order.
    """

    fill_id: pa.Array
    account: pa.Array
    symbol: pa.Array
    strategy: pa.Array
    currency: pa.Array
    ts: np.ndarray
    buy: np.ndarray
    Q: np.ndarray
    P: np.ndarray
    M: np.ndarray
    kq: int
    kp: int
    km: int
    sq: np.ndarray
    big: bool
    order: np.ndarray
    rank: np.ndarray
    codes: np.ndarray
    group_keys: pa.Array
    gorder: np.ndarray

    @property
    def S(self) -> int:
        """Give the scale of gross P&L (price × quantity × multiplier): kp + kq + km."""
        return self.kp + self.kq + self.km


@dataclass(frozen=True, slots=True)
class _Marks:
    """The marks of one run: time (µs), symbol and price (scaled at 10**kp), input order."""

    ts: np.ndarray
    symbol: pa.Array
    price: np.ndarray


@dataclass(frozen=True, slots=True)
class _Matches:
    """What lot matching (`match_lots`) found, with the gross P&L of each matched piece.

    Rows (one per matched piece, grouped by closing fill in ledger order): ``r_open``,
    ``r_close``, ``r_q``, ``r_ep`` and ``gross`` (at scale S). Per fill: ``closed_part``,
    ``open_ep``, ``close_ep``. Per episode (flat-to-flat round trip): ``ep_first``,
    ``ep_last`` (−1 while open), ``ep_group``, ``ep_num``. Lots left open: ``rem_fill``,
    ``rem_q``.
    """

    r_open: np.ndarray
    r_close: np.ndarray
    r_q: np.ndarray
    r_ep: np.ndarray
    closed_part: np.ndarray
    open_ep: np.ndarray
    close_ep: np.ndarray
    ep_first: np.ndarray
    ep_last: np.ndarray
    ep_group: np.ndarray
    ep_num: np.ndarray
    rem_fill: np.ndarray
    rem_q: np.ndarray
    gross: np.ndarray


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
    f, mk = _columns(fills, marks, carry)
    n = len(f.ts)
    fee_ccy = _text(fills, "fee_currency", None)
    fee_arr = _column(fills, "fee").cast(MONEY_TYPE) if "fee" in fills.column_names else None
    F18 = _obj(scaled_ints(fee_arr, 18)) if fee_arr is not None else np.zeros(n, object)
    m = _match(f, lifo=cost_basis is CostBasis.LIFO)
    Fc, fees_other = _convert_fees(f, mk, F18, fee_ccy)

    # realized per fill (rows are grouped by closing fill)
    realized = np.zeros(n, object)
    if len(m.r_close):
        starts = np.flatnonzero(np.r_[True, m.r_close[1:] != m.r_close[:-1]])
        realized[m.r_close[starts]] = np.add.reduceat(_obj(m.gross), starts)
    S_real = f.S
    average_costs: dict[int, int] | None = None
    if cost_basis is CostBasis.AVERAGE:
        realized, average_costs = _average_chain(f, m.closed_part)
        S_real = max(f.kp + f.kq, 18) + f.km

    open_episodes: dict[tuple[str, str], OpenEpisode] = {}
    if round_trip is RoundTrip.FLAT_TO_FLAT:
        trades, open_episodes = _flat_trades(f, m, Fc, mk, funding, carry)
    else:
        trades = _lot_trades(f, m, Fc)

    events = pa.table(
        {
            "timestamp": _column(fills, "timestamp").take(f.order),
            "fill_id": f.fill_id.take(f.order),
            "account": f.account.take(f.order),
            "strategy": f.strategy.take(f.order),
            "symbol": f.symbol.take(f.order),
            "currency": f.currency.take(f.order),
            "realized_pnl": _money(realized[f.order], S_real),
            "fees": _money(Fc[f.order], 18),
        },
        schema=REALIZED_EVENT_SCHEMA,
    )
    positions, unreal_total, inventory = _positions(f, m, _last_marks(mk), average_costs)

    with decimal.localcontext(EXACT):
        realized_total = _dec(int(realized.sum()), S_real) if n else ZERO
        fees_total = _dec(int(Fc.sum()), 18) if n else ZERO
        fund_total = _amount_total(funding)
        flows_total = _amount_total(cash_flows)
        notional = int((_obj(f.sq) * _obj(f.P) * _obj(f.M)).sum()) if n else 0
        cash = -_dec(notional, f.S) - fees_total + fund_total
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
                "quantity": _money(_obj(m.rem_q), f.kq) if lots else pa.array([], MONEY_TYPE),
            }
        ),
        open_episodes=open_episodes,
    )


def _text(table: pa.Table, name: str, default: str | None) -> pa.Array:
    """Give column ``name`` as strings, nulls as ``default``; all ``default`` when absent."""
    if name in table.column_names:
        a = _column(table, name).cast(pa.string())
        return a if default is None else pc.fill_null(a, default)
    return pa.array([default] * table.num_rows, pa.string())


def _columns(
    fills: pa.Table, marks: pa.Table | None, carry: Mapping[tuple[str, str], OpenEpisode]
) -> tuple[_Fills, _Marks]:
    """Check the fills and scale their amounts and the marks' prices (see `_Fills`).

    Parameters
    ----------
    fills
        The fills of `run_ledger`.
    marks
        The marks of `run_ledger`, or None.
    carry
        The carried round trips: their amounts widen the scales (`_carry_digits`).

    Raises
    ------
    ValueError
        On duplicate fill ids, a non-positive quantity or a multiplier that changes within
        a position.
    """
    n = fills.num_rows
    fill_id = _column(fills, "fill_id").cast(pa.string())
    if pc.count_distinct(fill_id).as_py() != n:
        raise ValueError("duplicate fill ids")
    account = _text(fills, "account", "default")
    symbol = _column(fills, "symbol").cast(pa.string())
    side = pc.utf8_upper(_column(fills, "side").cast(pa.string()))
    buy = np.asarray(pc.equal(side, "BUY").to_numpy(zero_copy_only=False), bool)
    qty_arr = _column(fills, "quantity").cast(MONEY_TYPE)
    price_arr = _column(fills, "price").cast(MONEY_TYPE)
    mult_arr = (
        pc.fill_null(_column(fills, "multiplier").cast(MONEY_TYPE), Decimal(1))
        if "multiplier" in fills.column_names
        else pa.array([Decimal(1)] * n, MONEY_TYPE)
    )
    kq = frac_digits(qty_arr)
    if n and int(scaled_ints(qty_arr, kq).min()) <= 0:
        raise ValueError("every fill quantity must be > 0")
    mark_ts = np.zeros(0, np.int64)
    mark_sym = pa.array([], pa.string())
    mark_price_arr = pa.array([], MONEY_TYPE)
    if marks is not None and marks.num_rows:
        mark_ts = _ts(marks)
        mark_sym = _column(marks, "symbol").cast(pa.string())
        mark_price_arr = _column(marks, "price").cast(MONEY_TYPE)
    kp = max(frac_digits(price_arr), frac_digits(mark_price_arr))
    km = frac_digits(mult_arr)
    kq, kp, km = _carry_digits(carry.values(), kq, kp, km)
    Q = scaled_ints(qty_arr, kq)
    M = scaled_ints(mult_arr, km)
    ts = _ts(fills)
    order = np.argsort(ts, kind="stable")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    enc = pc.binary_join_element_wise(account, symbol, "\x1f").dictionary_encode()
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
    gorder = order[np.argsort(codes[order], kind="stable")]
    if n:  # one multiplier per position
        gm, gc = M[gorder], codes[gorder]
        change = (gc[1:] == gc[:-1]) & (gm[1:] != gm[:-1])
        if np.any(change):
            i = int(gorder[1:][change][0])
            raise ValueError(f"fill {fill_id[i].as_py()}: multiplier differs within its position")
    big = Q.dtype == object or _maxabs(Q) * 2 >= _I64
    f = _Fills(
        fill_id=fill_id,
        account=account,
        symbol=symbol,
        strategy=_text(fills, "strategy", "default"),
        currency=_text(fills, "currency", None),
        ts=ts,
        buy=buy,
        Q=Q,
        P=scaled_ints(price_arr, kp),
        M=M,
        kq=kq,
        kp=kp,
        km=km,
        sq=np.where(buy, Q, -Q).astype(object if big else np.int64),
        big=big,
        order=order,
        rank=rank,
        codes=codes,
        group_keys=enc.dictionary,
        gorder=gorder,
    )
    return f, _Marks(mark_ts, mark_sym, scaled_ints(mark_price_arr, kp))


def _match(f: _Fills, *, lifo: bool) -> _Matches:
    """Match the lots of every position (`match_lots`) and price the matched pieces.

    Parameters
    ----------
    f
        The fill columns.
    lifo
        Match the last opened lot first (else the first).
    """
    kernel = match_lots if f.big else compiled(match_lots, len(f.ts))
    (
        r_open,
        r_close,
        r_q,
        r_ep,
        closed_part,
        open_ep,
        close_ep,
        ep_first,
        ep_last,
        ep_group,
        ep_num,
        rem_fill,
        rem_q,
    ) = kernel(f.gorder, f.codes, f.sq, lifo)
    lot_sign = np.where(f.buy[r_open], 1, -1)
    P, M = f.P, f.M
    if _fits(2 * max(_maxabs(P), 1), _maxabs(f.Q), _maxabs(M)):
        gross = lot_sign * (P[r_close] - P[r_open]) * r_q * M[r_open]
    else:
        gross = _obj(lot_sign) * (_obj(P[r_close]) - _obj(P[r_open])) * _obj(r_q) * _obj(M[r_open])
    return _Matches(
        r_open=r_open,
        r_close=r_close,
        r_q=r_q,
        r_ep=r_ep,
        closed_part=closed_part,
        open_ep=open_ep,
        close_ep=close_ep,
        ep_first=ep_first,
        ep_last=ep_last,
        ep_group=ep_group,
        ep_num=ep_num,
        rem_fill=rem_fill,
        rem_q=rem_q,
        gross=gross,
    )


def _convert_fees(
    f: _Fills, mk: _Marks, F18: np.ndarray, fee_ccy: pa.Array
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
            Fc[conv] = _div_round(F18[conv] * _obj(mp[pos[ok]]), 10**f.kp)
        miss = idx[~ok]
        if len(miss):
            fees_other[ccy] = _dec(int(F18[miss].sum()), 18)
            Fc[miss] = 0
    return Fc, fees_other


def _amount_total(table: pa.Table | None) -> Decimal:
    """Give the exact sum of the ``amount`` column of ``table`` (funding, cash flows)."""
    if table is None or not table.num_rows:
        return ZERO
    return _dec(int(_obj(scaled_ints(_column(table, "amount"), 18)).sum()), 18)


def _last_marks(mk: _Marks) -> dict[str, int]:
    """Give the last mark of each symbol (scaled price; input order breaks a tie in time)."""
    last: dict[str, int] = {}
    if len(mk.ts):
        mo = np.argsort(mk.ts, kind="stable")
        for s, p in zip(mk.symbol.take(pa.array(mo)).to_pylist(), mk.price[mo], strict=True):
            last[s] = int(p)
    return last


def _average_chain(f: _Fills, closed_part: np.ndarray) -> tuple[np.ndarray, dict[int, int]]:
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


# -- round trips ----------------------------------------------------------------------------
def _fee_shares(f: _Fills, closed_part: np.ndarray, Fc: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split each fill's fee into the share of its closing part and of its opening part.

    Parameters
    ----------
    f
        The fill columns.
    closed_part
        Per fill, the quantity it closed.
    Fc
        Fees per fill in the P&L currency (10**18).

    Returns
    -------
    tuple
        (opening share, closing share) per fill, 10**18; the closing share is the fee in
        proportion to the closed quantity, rounded half-even.
    """
    close_share = np.zeros(len(f.ts), object)
    full = closed_part == f.Q
    close_share[full] = Fc[full]
    part = np.flatnonzero((closed_part > 0) & ~full)
    if len(part):
        close_share[part] = _div_round(Fc[part] * _obj(closed_part[part]), _obj(f.Q[part]))
    return Fc - close_share, close_share


def _flat_trades(
    f: _Fills,
    m: _Matches,
    Fc: np.ndarray,
    mk: _Marks,
    funding: pa.Table | None,
    carry: Mapping[tuple[str, str], OpenEpisode],
) -> tuple[pa.Table, dict[tuple[str, str], OpenEpisode]]:
    """Assemble the flat-to-flat round trips: the closed ones and the open ones by position.

    The carried amounts (``carry``) are added to the first round trip of their position.

    Parameters
    ----------
    f
        The fill columns.
    m
        The lot matching.
    Fc
        Fees per fill in the P&L currency (10**18).
    mk
        The marks (for MAE and MFE).
    funding
        The funding payments, or None.
    carry
        The round trips resumed, per position.

    Returns
    -------
    tuple
        The closed round trips (`TRADE_SCHEMA`, in the order they closed) and the
        `OpenEpisode` of each position still in a round trip.
    """
    n_ep = len(m.ep_first)
    if not n_ep:
        if carry:
            raise ValueError("a carried round trip needs its open lots as the first fills")
        return TRADE_SCHEMA.empty_table(), {}
    kq, kp, km, S = f.kq, f.kp, f.km, f.S
    open_share, close_share = _fee_shares(f, m.closed_part, Fc)
    # rows of one episode are contiguous (a group is processed flat to flat)
    r_ep = m.r_ep
    starts = (
        np.flatnonzero(np.r_[True, r_ep[1:] != r_ep[:-1]]) if len(r_ep) else np.zeros(0, np.int64)
    )
    ep_ids = r_ep[starts]

    def per_ep(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n_ep, object)
        if len(starts):
            out[ep_ids] = np.add.reduceat(_obj(values), starts)
        return out

    def by_ep(share: np.ndarray, ep_of: np.ndarray) -> np.ndarray:
        out = np.zeros(n_ep, object)
        sel = np.flatnonzero(ep_of >= 0)
        if len(sel):
            o = sel[np.argsort(ep_of[sel], kind="stable")]
            e = ep_of[o]
            st = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
            out[e[st]] = np.add.reduceat(share[o], st)
        return out

    qty = per_ep(m.r_q)
    en = per_ep(_obj(f.P[m.r_open]) * _obj(m.r_q))
    xn = per_ep(_obj(f.P[m.r_close]) * _obj(m.r_q))
    gross = per_ep(m.gross)
    entry_fees = by_ep(open_share, m.open_ep)
    exit_fees = by_ep(close_share, m.close_ep)
    fund = _episode_funding(f, m, funding)

    ep_entry = f.ts[m.ep_first].copy()
    ep_strategy = f.strategy.take(pa.array(m.ep_first)).to_pylist()
    low = np.full(n_ep, None, object)  # carried mark extremes (scale kp)
    high = np.full(n_ep, None, object)
    if carry:
        names = f.group_keys.to_pylist()
        firsts = np.flatnonzero(np.r_[True, m.ep_group[1:] != m.ep_group[:-1]])
        first_of = dict(zip(m.ep_group[firsts].tolist(), firsts.tolist(), strict=True))
        for (acct, sym), c in carry.items():
            key = f"{acct}\x1f{sym}"
            e0 = first_of.get(names.index(key)) if key in names else None
            if e0 is None or bool(f.buy[m.ep_first[e0]]) != c.long:
                raise ValueError(
                    f"{acct} {sym}: a carried round trip needs its open lots as the first fills"
                )
            qty[e0] += _units(c.quantity, kq)
            en[e0] += _units(c.entry_notional, kp + kq)
            xn[e0] += _units(c.exit_notional, kp + kq)
            gross[e0] += _units(c.gross_pnl, S)
            entry_fees[e0] += _units(c.entry_fees, 18)
            exit_fees[e0] += _units(c.exit_fees, 18)
            fund[e0] += _units(c.funding, 18)
            ep_entry[e0] = c.entry_us
            ep_strategy[e0] = c.strategy
            low[e0] = None if c.low is None else _units(c.low, kp)
            high[e0] = None if c.high is None else _units(c.high, kp)
    open_episodes = _open_episodes(
        np.flatnonzero(m.ep_last < 0),
        account=f.account,
        symbol=f.symbol,
        buy=f.buy,
        ep_first=m.ep_first,
        ep_entry=ep_entry,
        ep_strategy=ep_strategy,
        sums=(qty, en, xn, gross, entry_fees, exit_fees, fund, low, high),
        scales=(kq, kp, S),
    )
    e = np.flatnonzero(m.ep_last >= 0)
    if not len(e):
        return TRADE_SCHEMA.empty_table(), open_episodes
    first = m.ep_first[e]
    last = m.ep_last[e]
    sign = np.where(f.buy[first], 1, -1)
    mult = f.M[first]
    entry_ts = ep_entry[e]
    exit_ts = f.ts[last]
    sym_e = f.symbol.take(pa.array(first))
    pmin, pmax, has = _episode_marks(sym_e, entry_ts, exit_ts, mk)
    for j, ee in enumerate(e.tolist()):  # the extremes carried in
        for v in (low[ee], high[ee]):
            if v is not None:
                pmin[j] = v if not has[j] else min(int(pmin[j]), v)
                pmax[j] = v if not has[j] else max(int(pmax[j]), v)
                has[j] = True

    qty_e, en_e, xn_e = qty[e], en[e], xn[e]
    acct_e = f.account.take(pa.array(first)).to_pylist()
    meta = []
    for j in range(len(e)):
        mae = mfe = None
        if has[j]:
            vals = [
                int(sign[j]) * int(mult[j]) * (int(p) * int(qty_e[j]) - int(en_e[j]))
                for p in (pmin[j], pmax[j])
            ]
            mae, mfe = _dec(min(0, *vals), S), _dec(max(0, *vals), S)
        meta.append(
            _meta_json(
                account=acct_e[j],
                entry_fees=_dec(entry_fees[e[j]], 18),
                exit_fees=_dec(exit_fees[e[j]], 18),
                funding=_dec(fund[e[j]], 18),
                holding_us=int(exit_ts[j] - entry_ts[j]),
                mae=mae,
                mfe=mfe,
                multiplier=_dec(mult[j], km),
            )
        )
    table = _trade_table(
        f,
        trade_id=[
            f"{a}/{s}/{k}" for a, s, k in zip(acct_e, sym_e.to_pylist(), m.ep_num[e], strict=True)
        ],
        strategy=pa.array([ep_strategy[i] for i in e.tolist()], pa.string()),
        opening=first,
        closing=last,
        entry_ts=entry_ts,
        quantity=qty_e,
        entry_price=_vwap(en_e, qty_e, kp),
        exit_price=_vwap(xn_e, qty_e, kp),
        fees18=entry_fees[e] + exit_fees[e],
        gross=gross[e],
        cost=en_e * _obj(mult),
        meta=meta,
    )
    return table, open_episodes


def _episode_funding(f: _Fills, m: _Matches, funding: pa.Table | None) -> np.ndarray:
    """Give the funding each round trip received while open (10**18; after fills at a tie).

    Parameters
    ----------
    f
        The fill columns.
    m
        The lot matching (its episodes).
    funding
        The funding payments, or None.
    """
    n_ep = len(m.ep_first)
    fund = np.zeros(n_ep, object)
    if funding is None or not funding.num_rows:
        return fund
    fkey = pc.binary_join_element_wise(
        _column(funding, "account").cast(pa.string()),
        _column(funding, "symbol").cast(pa.string()),
        "\x1f",
    )
    fcode = np.asarray(
        pc.fill_null(pc.index_in(fkey, value_set=f.group_keys), -1).to_numpy(zero_copy_only=False),
        np.int64,
    )
    fts = _ts(funding)
    famt = _obj(scaled_ints(_column(funding, "amount"), 18))
    ent = f.ts[m.ep_first]
    ext = np.where(m.ep_last >= 0, f.ts[np.maximum(m.ep_last, 0)], np.iinfo(np.int64).max)
    for g in np.unique(fcode):
        if g < 0:
            continue
        eg = np.flatnonzero(m.ep_group == g)  # in episode order: entry times ascending
        if not len(eg):
            continue
        sel = np.flatnonzero(fcode == g)
        cand = np.searchsorted(ent[eg], fts[sel], side="right") - 1
        ok = cand >= 0
        e = eg[np.maximum(cand, 0)]
        ok &= fts[sel] < ext[e]
        for j, ee in zip(sel[ok], e[ok], strict=True):
            fund[ee] += famt[j]
    return fund


def _vwap(notional: np.ndarray, quantity: np.ndarray, kp: int) -> np.ndarray:
    """Give notional (10**(kp + kq)) / quantity (10**kq) at 10**18, rounded half-even."""
    if kp <= 18:
        return _div_round(notional * 10 ** (18 - kp), quantity)
    return _div_round(notional, quantity * 10 ** (kp - 18))


def _lot_trades(f: _Fills, m: _Matches, Fc: np.ndarray) -> pa.Table:
    """Assemble the per-lot round trips: one per matched piece (opening lot, closing fill).

    A fill's fee is allocated over its pieces in proportion to quantity, cumulatively (the
    closing part first, then its lots in match order), so the shares add up to the fee.

    Parameters
    ----------
    f
        The fill columns.
    m
        The lot matching.
    Fc
        Fees per fill in the P&L currency (10**18).
    """
    r_open, r_close = m.r_open, m.r_close
    k = len(r_open)
    if not k:
        return TRADE_SCHEMA.empty_table()
    oq = _obj(m.r_q)
    o_sort = np.argsort(r_open, kind="stable")
    cum = np.cumsum(oq[o_sort])
    so = r_open[o_sort]
    st = np.flatnonzero(np.r_[True, so[1:] != so[:-1]])
    base = np.repeat(cum[st] - oq[o_sort][st], np.diff(np.r_[st, k]))
    cum_open = np.empty(k, object)
    cum_open[o_sort] = cum - base + _obj(m.closed_part[so])
    c_starts = np.flatnonzero(np.r_[True, r_close[1:] != r_close[:-1]])
    ccum = np.cumsum(oq)
    cum_close = ccum - np.repeat(ccum[c_starts] - oq[c_starts], np.diff(np.r_[c_starts, k]))

    def share(fee: np.ndarray, upto: np.ndarray, whole: np.ndarray) -> np.ndarray:
        return np.asarray(_div_round(fee * upto, whole) - _div_round(fee * (upto - oq), whole))

    entry_sh = share(Fc[r_open], cum_open, _obj(f.Q[r_open]))
    exit_sh = share(Fc[r_close], cum_close, _obj(f.Q[r_close]))
    mult = _obj(f.M[r_open])
    acct = f.account.take(pa.array(r_open)).to_pylist()
    sym = f.symbol.take(pa.array(r_open)).to_pylist()
    fo = f.fill_id.take(pa.array(r_open)).to_pylist()
    fcl = f.fill_id.take(pa.array(r_close)).to_pylist()
    entry_ts = f.ts[r_open]
    held = f.ts[r_close] - entry_ts
    meta = [
        _meta_json(
            account=acct[j],
            entry_fees=_dec(entry_sh[j], 18),
            exit_fees=_dec(exit_sh[j], 18),
            funding=ZERO,
            holding_us=int(held[j]),
            mae=None,
            mfe=None,
            multiplier=_dec(mult[j], f.km),
        )
        for j in range(k)
    ]
    P_open = _obj(f.P[r_open])
    return _trade_table(
        f,
        trade_id=[f"{a}/{s}/{x}/{y}" for a, s, x, y in zip(acct, sym, fo, fcl, strict=True)],
        strategy=f.strategy.take(pa.array(r_open)),
        opening=r_open,
        closing=r_close,
        entry_ts=entry_ts,
        quantity=oq,
        entry_price=_to18(P_open, f.kp),
        exit_price=_to18(_obj(f.P[r_close]), f.kp),
        fees18=entry_sh + exit_sh,
        gross=m.gross,
        cost=P_open * oq * mult,
        meta=meta,
    )


def _meta_json(
    *,
    account: str,
    entry_fees: Decimal,
    exit_fees: Decimal,
    funding: Decimal,
    holding_us: int,
    mae: Decimal | None,
    mfe: Decimal | None,
    multiplier: Decimal,
) -> str:
    """Give a round trip's ``metadata_json``: its account and the amounts beside its P&L.

    Parameters
    ----------
    account
        The account of the position.
    entry_fees, exit_fees
        The fees of its opening and closing fills (P&L currency).
    funding
        The funding it received while open (P&L currency).
    holding_us
        Exit time − entry time, µs.
    mae, mfe
        Maximum adverse and favourable excursion from the marks (P&L currency), or None.
    multiplier
        The contract multiplier.
    """
    return json.dumps(
        {
            "account": account,
            "entry_fees": fmt(entry_fees),
            "exit_fees": fmt(exit_fees),
            "funding": fmt(funding),
            "holding_time_us": holding_us,
            "mae": fmt(mae),
            "mfe": fmt(mfe),
            "multiplier": fmt(multiplier),
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _trade_table(
    f: _Fills,
    *,
    trade_id: list[str],
    strategy: pa.Array,
    opening: np.ndarray,
    closing: np.ndarray,
    entry_ts: np.ndarray,
    quantity: np.ndarray,
    entry_price: np.ndarray,
    exit_price: np.ndarray,
    fees18: np.ndarray,
    gross: np.ndarray,
    cost: np.ndarray,
    meta: list[str],
) -> pa.Table:
    """Give round trips as `TRADE_SCHEMA` rows (CLOSED), in the ledger order of their close.

    Parameters
    ----------
    f
        The fill columns.
    trade_id, strategy, meta
        Per round trip: its id, strategy and ``metadata_json``.
    opening, closing
        Per round trip, the fill that opened it (its symbol, side and currency) and the
        fill that closed it (its exit time and place in the ledger order).
    entry_ts
        Entry times, µs since the epoch.
    quantity
        Quantities, 10**kq.
    entry_price, exit_price
        Prices, 10**18.
    fees18
        Fees, 10**18.
    gross
        Gross P&L, at scale S (kp + kq + km).
    cost
        Entry notional × multiplier, at scale S: the denominator of ``return_pct`` (a
        fraction, despite the name; null where the cost is 0).
    """
    k = len(trade_id)
    S = f.S
    gross18 = _to18(gross, S)
    net18 = gross18 - fees18
    ret = np.empty(k, object)
    nz = np.asarray(cost != 0, bool)
    ret[~nz] = None
    if np.any(nz):
        ret[nz] = (net18[nz] * 10**S) / (cost[nz] * 10**18)
    table = pa.table(
        {
            "trade_id": pa.array(trade_id, pa.string()),
            "strategy": strategy,
            "symbol": f.symbol.take(pa.array(opening)),
            "side": pa.array(np.where(f.buy[opening], "long", "short").tolist(), pa.string()),
            "status": pa.array(["CLOSED"] * k, pa.string()),
            "entry_time": pa.array(entry_ts, pa.timestamp("us", tz="UTC")),
            "exit_time": pa.array(f.ts[closing], pa.timestamp("us", tz="UTC")),
            "quantity": _money(_obj(quantity), f.kq),
            "entry_price": _money(entry_price, 18),
            "exit_price": _money(exit_price, 18),
            "fees": _money(fees18, 18),
            "gross_pnl": _money(gross18, 18),
            "net_pnl": _money(net18, 18),
            "return_pct": pa.array(ret.tolist(), pa.float64()),
            "risk_reward": pa.nulls(k, pa.float64()),
            "signal_id": pa.nulls(k, pa.string()),
            "exit_reason": pa.nulls(k, pa.string()),
            "currency": f.currency.take(pa.array(opening)),
            "tags": pa.array([[]] * k, pa.list_(pa.string())),
            "news_event_ids": pa.array([[]] * k, pa.list_(pa.string())),
            "sentiment_json": pa.nulls(k, pa.string()),
            "metadata_json": pa.array(meta, pa.string()),
            "source": pa.array(["ledger"] * k, pa.string()),
            "source_line": pa.nulls(k, pa.int64()),
        },
        schema=TRADE_SCHEMA,
    )
    return table.take(pa.array(np.argsort(f.rank[closing], kind="stable")))


# -- positions ------------------------------------------------------------------------------
def _positions(
    f: _Fills, m: _Matches, last_mark: dict[str, int], average_costs: dict[int, int] | None
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
            mult = _dec(int(f.M[f0]), km)
            c = _dec(cost[g], s_cost)
            n_dec = _dec(held, kq)
            avg = round_ratio(c, Decimal(1), n_dec)
            mk = last_mark.get(sym_l[f0])
            mark = None if mk is None else _dec(mk, kp)
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


def _digits(v: Decimal | None) -> int:
    """Fractional digits of ``v`` (0 for None or an integer)."""
    if v is None:
        return 0
    exp = v.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _carry_digits(
    episodes: Iterable[OpenEpisode], kq: int, kp: int, km: int
) -> tuple[int, int, int]:
    """Widen the scales (quantity, price, multiplier) to hold the carried amounts exactly.

    Quantities at ``kq``, marks at ``kp``, notionals at ``kp + kq``, gross at their sum.

    Parameters
    ----------
    episodes
        The carried round trips.
    kq, kp, km
        The scales of the fills and marks of the run.
    """
    for e in episodes:
        kq = max(kq, _digits(e.quantity))
        kp = max(kp, _digits(e.low), _digits(e.high))
        kp = max(kp, _digits(e.entry_notional) - kq, _digits(e.exit_notional) - kq)
        km = max(km, _digits(e.gross_pnl) - kp - kq)
    return kq, kp, km


def _episode_marks(
    trade_sym: pa.Array,
    entry_ts: np.ndarray,
    exit_ts: np.ndarray,
    marks: _Marks,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min/max mark price in (entry, exit] per trade (scaled ints) and whether any exists."""
    mark_ts, mark_sym, MP = marks.ts, marks.symbol, marks.price
    k = len(entry_ts)
    pmin = np.zeros(k, object)
    pmax = np.zeros(k, object)
    has = np.zeros(k, bool)
    if not len(mark_ts) or not k:
        return pmin, pmax, has
    enc = mark_sym.dictionary_encode()
    mcodes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
    mo = np.lexsort((mark_ts, mcodes))
    sorted_codes = mcodes[mo]
    sorted_ts = mark_ts[mo]
    tcode = np.asarray(
        pc.fill_null(pc.index_in(trade_sym, value_set=enc.dictionary), -1).to_numpy(
            zero_copy_only=False
        ),
        np.int64,
    )
    # ranges: marks of the symbol with entry < t <= exit
    lo = np.zeros(k, np.int64)
    hi = np.zeros(k, np.int64)
    for c in np.unique(tcode):
        if c < 0:
            continue
        a = np.searchsorted(sorted_codes, c, side="left")
        b = np.searchsorted(sorted_codes, c, side="right")
        sel = tcode == c
        seg = sorted_ts[a:b]
        lo[sel] = a + np.searchsorted(seg, entry_ts[sel], side="right")
        hi[sel] = a + np.searchsorted(seg, exit_ts[sel], side="right")
    prices = MP[mo]
    if prices.dtype == object:
        for j in range(k):
            if hi[j] > lo[j]:
                seg = prices[lo[j] : hi[j]]
                pmin[j], pmax[j], has[j] = min(seg), max(seg), True
        return pmin, pmax, has
    mn, mx, hs = compiled(range_min_max, len(prices) + k)(prices, lo, hi)
    return mn.astype(object), mx.astype(object), hs


def _open_episodes(
    open_eps: np.ndarray,
    *,
    account: pa.Array,
    symbol: pa.Array,
    buy: np.ndarray,
    ep_first: np.ndarray,
    ep_entry: np.ndarray,
    ep_strategy: list[str],
    sums: tuple[np.ndarray, ...],
    scales: tuple[int, int, int],
) -> dict[tuple[str, str], OpenEpisode]:
    """Give the `OpenEpisode` of each round trip still open (one per position at most).

    Parameters
    ----------
    open_eps
        The episodes still open.
    account, symbol, buy
        The fills' accounts, symbols and sides.
    ep_first, ep_entry, ep_strategy
        Per episode: its first fill, entry time (µs) and strategy.
    sums
        Per episode: quantity, entry and exit notional, gross P&L, entry and exit fees,
        funding, and the carried lowest and highest mark (None if none), scaled.
    scales
        (kq, kp, S) of the scaled amounts.
    """
    qty, en, xn, gross, entry_fees, exit_fees, fund, low, high = sums
    kq, kp, S = scales
    out: dict[tuple[str, str], OpenEpisode] = {}
    if not len(open_eps):
        return out
    firsts = ep_first[open_eps]
    accts = account.take(pa.array(firsts)).to_pylist()
    syms = symbol.take(pa.array(firsts)).to_pylist()
    for j, e in enumerate(open_eps.tolist()):
        out[(accts[j], syms[j])] = OpenEpisode(
            entry_us=int(ep_entry[e]),
            strategy=ep_strategy[e],
            long=bool(buy[ep_first[e]]),
            quantity=_dec(int(qty[e]), kq),
            entry_notional=_dec(int(en[e]), kp + kq),
            exit_notional=_dec(int(xn[e]), kp + kq),
            gross_pnl=_dec(int(gross[e]), S),
            entry_fees=_dec(int(entry_fees[e]), 18),
            exit_fees=_dec(int(exit_fees[e]), 18),
            funding=_dec(int(fund[e]), 18),
            low=None if low[e] is None else _dec(int(low[e]), kp),
            high=None if high[e] is None else _dec(int(high[e]), kp),
        )
    return out


def carry_marks(episode: OpenEpisode, marks: pa.Table | None, until_us: int) -> OpenEpisode:
    """Widen ``episode``'s ``low``/``high`` by the marks after its entry, up to ``until_us``.

    These are the extremes a run resumed at ``until_us`` carries in (it sees only the marks
    after).

    Parameters
    ----------
    episode
        The open round trip.
    marks
        One symbol's `MARK_SCHEMA` rows, or None.
    until_us
        The instant the run resumes at, µs since the epoch (marks at it count).

    Examples
    --------
    >>> import datetime as dt
    >>> e = OpenEpisode(0, "s", True, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    >>> at = [dt.datetime(1970, 1, 1, 0, 0, s, tzinfo=dt.UTC) for s in (1, 2, 3)]
    >>> m = pa.table({"timestamp": at, "price": [Decimal(5), Decimal(3), Decimal(9)]})
    >>> carried = carry_marks(e, m, 2_000_000)
    >>> (carried.low, carried.high)
    (Decimal('3'), Decimal('5'))
    """
    if marks is None or marks.num_rows == 0:
        return episode
    t = _ts(marks)
    sel = np.flatnonzero((t > episode.entry_us) & (t <= until_us))
    if not len(sel):
        return episode
    prices = _column(marks, "price").take(pa.array(sel))
    lo, hi = pc.min(prices).as_py(), pc.max(prices).as_py()
    if episode.low is not None:
        lo, hi = min(lo, episode.low), max(hi, episode.high or episode.low)
    return dataclasses.replace(episode, low=lo, high=hi)
