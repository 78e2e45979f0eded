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
    """A `MONEY_TYPE` array from integers at ``scale`` (rounded half-even to 18 digits)."""
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
    fills : `FILL_SCHEMA` table (extra columns ignored; ``fee_currency``, ``currency``,
        ``multiplier`` optional). Order: timestamp, then row order.
    marks : `MARK_SCHEMA` table (timestamp, symbol, price) or None. At equal timestamps a
        mark comes before fills. Marks of a currency code convert fees paid in it.
    cost_basis : FIFO (default), LIFO or AVERAGE.
    round_trip : FLAT_TO_FLAT (default) or PER_LOT (FIFO/LIFO only).
    funding : `FUNDING_SCHEMA` table or None (after fills at equal timestamps).
    cash_flows : `CASH_FLOW_SCHEMA` table or None (deposits +, withdrawals −).
    capital : starting capital.
    carry : per position (account, symbol), the round trip it resumes (FLAT_TO_FLAT only):
        the position's first fills here must be its open lots re-booked as fills (an
        instant of their own, before every other fill of it, fee 0); the round trip they
        open adds the `OpenEpisode`'s amounts, entry time, strategy and marks.

    Returns
    -------
    LedgerResult, identical to what `Ledger` gives after `merge_events` of the same records.

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
    n = fills.num_rows
    cols = set(fills.column_names)

    def text(name: str, default: str | None) -> pa.Array:
        if name in cols:
            a = _column(fills, name).cast(pa.string())
            return a if default is None else pc.fill_null(a, default)
        return pa.array([default] * n, pa.string())

    fill_id = _column(fills, "fill_id").cast(pa.string())
    if pc.count_distinct(fill_id).as_py() != n:
        raise ValueError("duplicate fill ids")
    account = text("account", "default")
    strategy = text("strategy", "default")
    symbol = _column(fills, "symbol").cast(pa.string())
    currency = text("currency", None)
    fee_ccy = text("fee_currency", None)
    ts = _ts(fills)
    side = pc.utf8_upper(_column(fills, "side").cast(pa.string()))
    buy = np.asarray(pc.equal(side, "BUY").to_numpy(zero_copy_only=False), bool)

    qty_arr = _column(fills, "quantity").cast(MONEY_TYPE)
    price_arr = _column(fills, "price").cast(MONEY_TYPE)
    fee_arr = _column(fills, "fee").cast(MONEY_TYPE) if "fee" in cols else None
    mult_arr = (
        pc.fill_null(_column(fills, "multiplier").cast(MONEY_TYPE), Decimal(1))
        if "multiplier" in cols
        else pa.array([Decimal(1)] * n, MONEY_TYPE)
    )
    kq = frac_digits(qty_arr)
    Q = scaled_ints(qty_arr, kq)
    if n and int(Q.min()) <= 0:
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
    P = scaled_ints(price_arr, kp)
    MP = scaled_ints(mark_price_arr, kp)
    M = scaled_ints(mult_arr, km)
    F18 = _obj(scaled_ints(fee_arr, 18)) if fee_arr is not None else np.zeros(n, object)

    # ledger order and groups
    order = np.argsort(ts, kind="stable")
    key = pc.binary_join_element_wise(account, symbol, "\x1f")
    enc = key.dictionary_encode()
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64)
    group_keys = enc.dictionary
    gorder = order[np.argsort(codes[order], kind="stable")]
    if n:
        # one multiplier per group
        gm = M[gorder]
        gc = codes[gorder]
        change = (gc[1:] == gc[:-1]) & (gm[1:] != gm[:-1])
        if np.any(change):
            f = int(gorder[1:][change][0])
            raise ValueError(f"fill {fill_id[f].as_py()}: multiplier differs within its position")
    big = Q.dtype == object or _maxabs(Q) * 2 >= _I64
    sq = np.where(buy, Q, -Q).astype(object if big else np.int64)

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
    ) = (match_lots if big else compiled(match_lots, n))(
        gorder, codes, sq, cost_basis is CostBasis.LIFO
    )

    # fee conversion (marks of the fee currency, at or before the fill)
    fees_other: dict[str, Decimal] = {}
    Fc = F18.copy()
    foreign = np.asarray(
        pc.and_(
            pc.is_valid(fee_ccy),
            pc.invert(pc.fill_null(pc.equal(fee_ccy, currency), False)),
        ).to_numpy(zero_copy_only=False),
        bool,
    ) & np.asarray(F18 != 0, bool)
    if np.any(foreign):
        fc_list = fee_ccy.to_pylist()
        ms_list = mark_sym.to_pylist()
        for ccy in sorted({fc_list[i] for i in np.flatnonzero(foreign)}):
            idx = np.flatnonzero(foreign & np.asarray([c == ccy for c in fc_list]))
            sel = np.asarray([s == ccy for s in ms_list], bool)
            mt = mark_ts[sel]
            mp = MP[sel]
            mo = np.argsort(mt, kind="stable")
            mt, mp = mt[mo], mp[mo]
            pos = np.searchsorted(mt, ts[idx], side="right") - 1
            ok = pos >= 0
            conv = idx[ok]
            if len(conv):
                Fc[conv] = _div_round(F18[conv] * _obj(mp[pos[ok]]), 10**kp)
            miss = idx[~ok]
            if len(miss):
                fees_other[ccy] = _dec(int(F18[miss].sum()), 18)
                Fc[miss] = 0

    # money of matched pieces: gross at scale S = kp + kq + km
    S = kp + kq + km
    lot_sign = np.where(buy[r_open], 1, -1)
    dp_bound = 2 * max(_maxabs(P), 1)
    if _fits(dp_bound, _maxabs(Q), _maxabs(M)):
        gross_rows = lot_sign * (P[r_close] - P[r_open]) * r_q * M[r_open]
    else:
        gross_rows = (
            _obj(lot_sign) * (_obj(P[r_close]) - _obj(P[r_open])) * _obj(r_q) * _obj(M[r_open])
        )

    # realized per fill (rows are grouped by closing fill)
    realized = np.zeros(n, object)
    if len(r_close):
        starts = np.flatnonzero(np.r_[True, r_close[1:] != r_close[:-1]])
        sums = np.add.reduceat(_obj(gross_rows), starts)
        realized[r_close[starts]] = sums
    S_real = S
    if cost_basis is CostBasis.AVERAGE:
        realized = _average_realized(gorder, codes, sq, P, M, closed_part, kp, kq, km, n)
        S_real = max(kp + kq, 18) + km

    # closing-part fee shares (flat mode, and totals by episode)
    close_share = np.zeros(n, object)
    full = closed_part == Q
    close_share[full] = Fc[full]
    part = np.flatnonzero((closed_part > 0) & ~full)
    if len(part):
        close_share[part] = _div_round(Fc[part] * _obj(closed_part[part]), _obj(Q[part]))
    open_share = Fc - close_share

    if round_trip is RoundTrip.FLAT_TO_FLAT:
        trades = _flat_trades(
            fills_cols=(fill_id, account, symbol, strategy, currency),
            ts=ts,
            buy=buy,
            P=P,
            M=M,
            kp=kp,
            kq=kq,
            km=km,
            rows=(r_open, r_close, r_q, r_ep, gross_rows),
            eps=(ep_first, ep_last, ep_group, ep_num),
            shares=(open_share, close_share, open_ep, close_ep),
            group_keys=group_keys,
            marks=(mark_ts, mark_sym, MP),
            funding=funding,
            carry=carry,
        )
        trades, open_episodes = trades
    else:
        open_episodes = {}
        trades = _lot_trades(
            fills_cols=(fill_id, account, symbol, strategy, currency),
            ts=ts,
            buy=buy,
            P=P,
            Q=Q,
            M=M,
            kp=kp,
            kq=kq,
            km=km,
            rows=(r_open, r_close, r_q, gross_rows),
            Fc=Fc,
            closed_part=closed_part,
        )

    # realized events, in ledger order
    events = pa.table(
        {
            "timestamp": _column(fills, "timestamp").take(order),
            "fill_id": fill_id.take(order),
            "account": account.take(order),
            "strategy": strategy.take(order),
            "symbol": symbol.take(order),
            "currency": currency.take(order),
            "realized_pnl": _money(realized[order], S_real),
            "fees": _money(Fc[order], 18),
        },
        schema=REALIZED_EVENT_SCHEMA,
    )

    # positions and their values at the last mark of each symbol
    last_mark: dict[str, int] = {}
    if len(mark_ts):
        mo = np.argsort(mark_ts, kind="stable")
        ms = mark_sym.take(pa.array(mo)).to_pylist()
        mp_sorted = MP[mo]
        for s, p in zip(ms, mp_sorted, strict=True):
            last_mark[s] = int(p)
    positions, unreal_total, inventory = _positions(
        rem_fill,
        rem_q,
        codes,
        buy,
        P,
        M,
        kp,
        kq,
        km,
        account,
        symbol,
        currency,
        last_mark,
        cost_basis,
        gorder,
        sq,
        closed_part,
    )

    # totals
    with decimal.localcontext(EXACT):
        realized_total = _dec(int(realized.sum()), S_real) if n else ZERO
        fees_total = _dec(int(Fc.sum()), 18) if n else ZERO
        fund_total = ZERO
        if funding is not None and funding.num_rows:
            fund_total = _dec(int(_obj(scaled_ints(_column(funding, "amount"), 18)).sum()), 18)
        flows_total = ZERO
        if cash_flows is not None and cash_flows.num_rows:
            flows_total = _dec(int(_obj(scaled_ints(_column(cash_flows, "amount"), 18)).sum()), 18)
        notional = int((_obj(sq) * _obj(P) * _obj(M)).sum()) if n else 0
        cash = -_dec(notional, kq + kp + km) - fees_total + fund_total
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
                "row": pa.array(rem_fill, pa.int64()),
                "quantity": _money(_obj(rem_q), kq),
            }
        )
        if cost_basis is not CostBasis.AVERAGE
        else pa.table({"row": pa.array([], pa.int64()), "quantity": pa.array([], MONEY_TYPE)}),
        open_episodes=open_episodes,
    )


def _digits(v: Decimal | None) -> int:
    """Fractional digits of ``v`` (0 for None or an integer)."""
    if v is None:
        return 0
    exp = v.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _carry_digits(
    episodes: Iterable[OpenEpisode], kq: int, kp: int, km: int
) -> tuple[int, int, int]:
    """The scales (quantity, price, multiplier) that hold the carried amounts exactly too:
    quantities at ``kq``, marks at ``kp``, notionals at ``kp + kq``, gross at their sum.
    """
    for e in episodes:
        kq = max(kq, _digits(e.quantity))
        kp = max(kp, _digits(e.low), _digits(e.high))
        kp = max(kp, _digits(e.entry_notional) - kq, _digits(e.exit_notional) - kq)
        km = max(km, _digits(e.gross_pnl) - kp - kq)
    return kq, kp, km


def _average_realized(
    gorder: np.ndarray,
    codes: np.ndarray,
    sq: np.ndarray,
    P: np.ndarray,
    M: np.ndarray,
    closed_part: np.ndarray,
    kp: int,
    kq: int,
    km: int,
    n: int,
) -> np.ndarray:
    """Per-fill realized P&L under average cost, at scale max(kp + kq, 18) + km (sequential).

    Notes
    -----
    cost C = Σ price × qty of the open quantity N; a fill closing c < N removes
    R(C × c / N) (round half-even to 18 digits), c = N removes C; realized = sign × (price ×
    c − removed) × multiplier. Same rounding as `Ledger`.
    """
    s_cost = max(kp + kq, 18)
    up = 10 ** (s_cost - kp - kq)
    shrink = 10 ** (s_cost - 18)
    out = np.zeros(n, object)
    sq_l = sq.tolist()
    p_l = P.tolist()
    m_l = M.tolist()
    cp_l = closed_part.tolist()
    cur_g = -1
    pos = 0
    cost = 0
    for f in gorder.tolist():
        g = int(codes[f])
        if g != cur_g:
            cur_g, pos, cost = g, 0, 0
        s = sq_l[f]
        c = cp_l[f]
        if c:
            held = abs(pos)
            if c == held:
                removed = cost
            else:
                num = cost * c
                den = held * shrink
                q, r = divmod(num, den)
                if 2 * r > den or (2 * r == den and q % 2 == 1):
                    q += 1
                removed = q * shrink
            cost -= removed
            lot_sign = 1 if pos > 0 else -1
            # realized at scale s_cost + km, rescaled to kp + kq + km
            out[f] = lot_sign * (p_l[f] * c * up - removed) * m_l[f]
            pos += c if s > 0 else -c
        left = abs(s) - c
        if left:
            cost += p_l[f] * left * up
            pos += left if s > 0 else -left
    return out


def _episode_marks(
    trade_sym: pa.Array,
    entry_ts: np.ndarray,
    exit_ts: np.ndarray,
    marks: tuple[np.ndarray, pa.Array, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min/max mark price in (entry, exit] per trade (scaled ints) and whether any exists."""
    mark_ts, mark_sym, MP = marks
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


def _flat_trades(
    *,
    fills_cols: tuple[pa.Array, ...],
    ts: np.ndarray,
    buy: np.ndarray,
    P: np.ndarray,
    M: np.ndarray,
    kp: int,
    kq: int,
    km: int,
    rows: tuple[np.ndarray, ...],
    eps: tuple[np.ndarray, ...],
    shares: tuple[np.ndarray, ...],
    group_keys: pa.Array,
    marks: tuple[np.ndarray, pa.Array, np.ndarray],
    funding: pa.Table | None,
    carry: Mapping[tuple[str, str], OpenEpisode],
) -> tuple[pa.Table, dict[tuple[str, str], OpenEpisode]]:
    """The closed flat-to-flat round trips (`TRADE_SCHEMA`) and the open ones by position
    (`OpenEpisode`), the carried amounts added to the first round trip of their position.
    """
    _fill_id, account, symbol, strategy, currency = fills_cols
    r_open, r_close, r_q, r_ep, gross_rows = rows
    ep_first, ep_last, ep_group, ep_num = eps
    open_share, close_share, open_ep, close_ep = shares
    n_ep = len(ep_first)
    if not n_ep:
        if carry:
            raise ValueError("a carried round trip needs its open lots as the first fills")
        return TRADE_SCHEMA.empty_table(), {}
    # rows of one episode are contiguous (a group is processed flat to flat)
    starts = (
        np.flatnonzero(np.r_[True, r_ep[1:] != r_ep[:-1]]) if len(r_ep) else np.zeros(0, np.int64)
    )
    ep_ids = r_ep[starts]

    def per_ep(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n_ep, object)
        if len(starts):
            out[ep_ids] = np.add.reduceat(_obj(values), starts)
        return out

    qty = per_ep(r_q)
    en = per_ep(_obj(P[r_open]) * _obj(r_q))
    xn = per_ep(_obj(P[r_close]) * _obj(r_q))
    gross = per_ep(gross_rows)

    def by_ep(share: np.ndarray, ep_of: np.ndarray) -> np.ndarray:
        out = np.zeros(n_ep, object)
        sel = np.flatnonzero(ep_of >= 0)
        if len(sel):
            o = sel[np.argsort(ep_of[sel], kind="stable")]
            e = ep_of[o]
            st = np.flatnonzero(np.r_[True, e[1:] != e[:-1]])
            out[e[st]] = np.add.reduceat(share[o], st)
        return out

    entry_fees = by_ep(open_share, open_ep)
    exit_fees = by_ep(close_share, close_ep)

    # funding received while an episode is open (after fills at equal timestamps)
    fund = np.zeros(n_ep, object)
    if funding is not None and funding.num_rows:
        fkey = pc.binary_join_element_wise(
            _column(funding, "account").cast(pa.string()),
            _column(funding, "symbol").cast(pa.string()),
            "\x1f",
        )
        fcode = np.asarray(
            pc.fill_null(pc.index_in(fkey, value_set=group_keys), -1).to_numpy(
                zero_copy_only=False
            ),
            np.int64,
        )
        fts = _ts(funding)
        famt = _obj(scaled_ints(_column(funding, "amount"), 18))
        ent = ts[ep_first]
        ext = np.where(ep_last >= 0, ts[np.maximum(ep_last, 0)], np.iinfo(np.int64).max)
        for g in np.unique(fcode):
            if g < 0:
                continue
            eg = np.flatnonzero(ep_group == g)  # in episode order: entry times ascending
            if not len(eg):
                continue
            sel = np.flatnonzero(fcode == g)
            cand = np.searchsorted(ent[eg], fts[sel], side="right") - 1
            ok = cand >= 0
            e = eg[np.maximum(cand, 0)]
            ok &= fts[sel] < ext[e]
            for j, ee in zip(sel[ok], e[ok], strict=True):
                fund[ee] += famt[j]

    S = kp + kq + km
    ep_entry = ts[ep_first].copy()
    ep_strategy = strategy.take(pa.array(ep_first)).to_pylist()
    low = np.full(n_ep, None, object)  # carried mark extremes (scale kp)
    high = np.full(n_ep, None, object)
    if carry:
        names = group_keys.to_pylist()
        firsts = np.flatnonzero(np.r_[True, ep_group[1:] != ep_group[:-1]])
        first_of = dict(zip(ep_group[firsts].tolist(), firsts.tolist(), strict=True))
        for (acct, sym), c in carry.items():
            key = f"{acct}\x1f{sym}"
            e0 = first_of.get(names.index(key)) if key in names else None
            if e0 is None or bool(buy[ep_first[e0]]) != c.long:
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
        np.flatnonzero(ep_last < 0),
        account=account,
        symbol=symbol,
        buy=buy,
        ep_first=ep_first,
        ep_entry=ep_entry,
        ep_strategy=ep_strategy,
        sums=(qty, en, xn, gross, entry_fees, exit_fees, fund, low, high),
        scales=(kq, kp, S),
    )
    closed = np.flatnonzero(ep_last >= 0)
    if not len(closed):
        return TRADE_SCHEMA.empty_table(), open_episodes
    e = closed
    first = ep_first[e]
    last = ep_last[e]
    sign = np.where(buy[first], 1, -1)
    mult = M[first]
    entry_ts = ep_entry[e]
    exit_ts = ts[last]
    sym_e = symbol.take(pa.array(first))
    pmin, pmax, has = _episode_marks(sym_e, entry_ts, exit_ts, marks)
    for j, ee in enumerate(e.tolist()):  # the extremes carried in
        for v in (low[ee], high[ee]):
            if v is not None:
                pmin[j] = v if not has[j] else min(int(pmin[j]), v)
                pmax[j] = v if not has[j] else max(int(pmax[j]), v)
                has[j] = True

    qty_e = qty[e]
    en_e = en[e]
    xn_e = xn[e]
    fees18 = entry_fees[e] + exit_fees[e]
    gross18 = _to18(gross[e], S)
    net18 = gross18 - fees18
    cost_s = en_e * _obj(mult)  # scale kp + kq + km
    ret = np.empty(len(e), object)
    nz = np.asarray(cost_s != 0, bool)
    ret[~nz] = None
    if np.any(nz):
        ret[nz] = (net18[nz] * 10**S) / (cost_s[nz] * 10**18)
    # VWAP prices: notional (scale kp+kq) / quantity (scale kq) -> 18 digits
    entry_px = _div_round(en_e * 10 ** (18 - kp), qty_e) if kp <= 18 else None
    exit_px = _div_round(xn_e * 10 ** (18 - kp), qty_e) if kp <= 18 else None

    acct_e = account.take(pa.array(first)).to_pylist()
    num_e = ep_num[e]
    trade_id = [f"{a}/{s}/{k}" for a, s, k in zip(acct_e, sym_e.to_pylist(), num_e, strict=True)]
    meta = []
    for j in range(len(e)):
        mae = mfe = None
        if has[j]:
            vals = [
                int(sign[j]) * int(mult[j]) * (int(p) * int(qty_e[j]) - int(en_e[j]))
                for p in (pmin[j], pmax[j])
            ]
            mae = _dec(min(0, *vals), S)
            mfe = _dec(max(0, *vals), S)
        held = int(exit_ts[j] - entry_ts[j])
        meta.append(
            json.dumps(
                {
                    "account": acct_e[j],
                    "entry_fees": fmt(_dec(entry_fees[e[j]], 18)),
                    "exit_fees": fmt(_dec(exit_fees[e[j]], 18)),
                    "funding": fmt(_dec(fund[e[j]], 18)),
                    "holding_time_us": held,
                    "mae": fmt(mae),
                    "mfe": fmt(mfe),
                    "multiplier": fmt(_dec(mult[j], km)),
                },
                sort_keys=True,
                separators=(",", ":"),
            )
        )
    # trades in the order they closed (ledger order of the closing fill)
    order_rank = np.empty(len(ts), np.int64)
    order_rank[np.argsort(ts, kind="stable")] = np.arange(len(ts))
    out_order = np.argsort(order_rank[last], kind="stable")
    tbl = pa.table(
        {
            "trade_id": pa.array(trade_id, pa.string()),
            "strategy": pa.array([ep_strategy[i] for i in e.tolist()], pa.string()),
            "symbol": sym_e,
            "side": pa.array(np.where(sign > 0, "long", "short").tolist(), pa.string()),
            "status": pa.array(["CLOSED"] * len(e), pa.string()),
            "entry_time": pa.array(entry_ts, pa.timestamp("us", tz="UTC")),
            "exit_time": pa.array(exit_ts, pa.timestamp("us", tz="UTC")),
            "quantity": _money(_obj(qty_e), kq),
            "entry_price": _money(entry_px, 18)
            if entry_px is not None
            else _money(_div_round(en_e, qty_e * 10 ** (kp - 18)), 18),
            "exit_price": _money(exit_px, 18)
            if exit_px is not None
            else _money(_div_round(xn_e, qty_e * 10 ** (kp - 18)), 18),
            "fees": _money(fees18, 18),
            "gross_pnl": _money(gross18, 18),
            "net_pnl": _money(net18, 18),
            "return_pct": pa.array(ret.tolist(), pa.float64()),
            "risk_reward": pa.nulls(len(e), pa.float64()),
            "signal_id": pa.nulls(len(e), pa.string()),
            "exit_reason": pa.nulls(len(e), pa.string()),
            "currency": currency.take(pa.array(first)),
            "tags": pa.array([[]] * len(e), pa.list_(pa.string())),
            "news_event_ids": pa.array([[]] * len(e), pa.list_(pa.string())),
            "sentiment_json": pa.nulls(len(e), pa.string()),
            "metadata_json": pa.array(meta, pa.string()),
            "source": pa.array(["ledger"] * len(e), pa.string()),
            "source_line": pa.nulls(len(e), pa.int64()),
        },
        schema=TRADE_SCHEMA,
    )
    return tbl.take(pa.array(out_order)), open_episodes


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
    """The `OpenEpisode` of each round trip still open (one per position at most)."""
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


def _lot_trades(
    *,
    fills_cols: tuple[pa.Array, ...],
    ts: np.ndarray,
    buy: np.ndarray,
    P: np.ndarray,
    Q: np.ndarray,
    M: np.ndarray,
    kp: int,
    kq: int,
    km: int,
    rows: tuple[np.ndarray, ...],
    Fc: np.ndarray,
    closed_part: np.ndarray,
) -> pa.Table:
    fill_id, account, symbol, strategy, currency = fills_cols
    r_open, r_close, r_q, gross_rows = rows
    k = len(r_open)
    if not k:
        return TRADE_SCHEMA.empty_table()
    # cumulative fee allocation per fill: closing part first, then its lots in match order
    oq = _obj(r_q)
    o_sort = np.argsort(r_open, kind="stable")
    cum = np.cumsum(oq[o_sort])
    so = r_open[o_sort]
    st = np.flatnonzero(np.r_[True, so[1:] != so[:-1]])
    base = np.repeat(cum[st] - oq[o_sort][st], np.diff(np.r_[st, k]))
    cum_open = np.empty(k, object)
    cum_open[o_sort] = cum - base + _obj(closed_part[so])
    prev_open = cum_open - oq
    c_starts = np.flatnonzero(np.r_[True, r_close[1:] != r_close[:-1]])
    ccum = np.cumsum(oq)
    cbase = np.repeat(ccum[c_starts] - oq[c_starts], np.diff(np.r_[c_starts, k]))
    cum_close = ccum - cbase
    prev_close = cum_close - oq

    def alloc(fee: np.ndarray, c: np.ndarray, whole: np.ndarray) -> np.ndarray:
        return _div_round(fee * c, whole)

    Qo = _obj(Q[r_open])
    Qc = _obj(Q[r_close])
    entry_sh = alloc(Fc[r_open], cum_open, Qo) - alloc(Fc[r_open], prev_open, Qo)
    exit_sh = alloc(Fc[r_close], cum_close, Qc) - alloc(Fc[r_close], prev_close, Qc)
    S = kp + kq + km
    sign = np.where(buy[r_open], 1, -1)
    mult = _obj(M[r_open])
    fees18 = entry_sh + exit_sh
    gross18 = _to18(gross_rows, S)
    net18 = gross18 - fees18
    cost = _obj(P[r_open]) * oq * mult
    ret = np.empty(k, object)
    nz = np.asarray(cost != 0, bool)
    ret[~nz] = None
    if np.any(nz):
        ret[nz] = (net18[nz] * 10**S) / (cost[nz] * 10**18)
    acct = account.take(pa.array(r_open)).to_pylist()
    sym = symbol.take(pa.array(r_open))
    fo = fill_id.take(pa.array(r_open)).to_pylist()
    fcl = fill_id.take(pa.array(r_close)).to_pylist()
    sym_l = sym.to_pylist()
    trade_id = [f"{a}/{s}/{x}/{y}" for a, s, x, y in zip(acct, sym_l, fo, fcl, strict=True)]
    entry_ts = ts[r_open]
    exit_ts = ts[r_close]
    meta = [
        json.dumps(
            {
                "account": acct[j],
                "entry_fees": fmt(_dec(entry_sh[j], 18)),
                "exit_fees": fmt(_dec(exit_sh[j], 18)),
                "funding": fmt(ZERO),
                "holding_time_us": int(exit_ts[j] - entry_ts[j]),
                "mae": None,
                "mfe": None,
                "multiplier": fmt(_dec(mult[j], km)),
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        for j in range(k)
    ]
    order_rank = np.empty(len(ts), np.int64)
    order_rank[np.argsort(ts, kind="stable")] = np.arange(len(ts))
    out_order = np.argsort(order_rank[r_close], kind="stable")
    tbl = pa.table(
        {
            "trade_id": pa.array(trade_id, pa.string()),
            "strategy": strategy.take(pa.array(r_open)),
            "symbol": sym,
            "side": pa.array(np.where(sign > 0, "long", "short").tolist(), pa.string()),
            "status": pa.array(["CLOSED"] * k, pa.string()),
            "entry_time": pa.array(entry_ts, pa.timestamp("us", tz="UTC")),
            "exit_time": pa.array(exit_ts, pa.timestamp("us", tz="UTC")),
            "quantity": _money(oq, kq),
            "entry_price": _money(_obj(P[r_open]), kp),
            "exit_price": _money(_obj(P[r_close]), kp),
            "fees": _money(fees18, 18),
            "gross_pnl": _money(gross18, 18),
            "net_pnl": _money(net18, 18),
            "return_pct": pa.array(ret.tolist(), pa.float64()),
            "risk_reward": pa.nulls(k, pa.float64()),
            "signal_id": pa.nulls(k, pa.string()),
            "exit_reason": pa.nulls(k, pa.string()),
            "currency": currency.take(pa.array(r_open)),
            "tags": pa.array([[]] * k, pa.list_(pa.string())),
            "news_event_ids": pa.array([[]] * k, pa.list_(pa.string())),
            "sentiment_json": pa.nulls(k, pa.string()),
            "metadata_json": pa.array(meta, pa.string()),
            "source": pa.array(["ledger"] * k, pa.string()),
            "source_line": pa.nulls(k, pa.int64()),
        },
        schema=TRADE_SCHEMA,
    )
    return tbl.take(pa.array(out_order))


def _positions(
    rem_fill: np.ndarray,
    rem_q: np.ndarray,
    codes: np.ndarray,
    buy: np.ndarray,
    P: np.ndarray,
    M: np.ndarray,
    kp: int,
    kq: int,
    km: int,
    account: pa.Array,
    symbol: pa.Array,
    currency: pa.Array,
    last_mark: dict[str, int],
    cost_basis: CostBasis,
    gorder: np.ndarray,
    sq: np.ndarray,
    closed_part: np.ndarray,
) -> tuple[pa.Table, Decimal, Decimal]:
    """Open positions from the lots left open (or the average-cost chain)."""
    acct_l = account.to_pylist()
    sym_l = symbol.to_pylist()
    ccy_l = currency.to_pylist()
    by_group: dict[int, list[int]] = {}
    qty: dict[int, int] = {}
    cost: dict[int, int] = {}  # scale kp + kq (or 18 for average, see below)
    for f, q in zip(rem_fill.tolist(), rem_q.tolist(), strict=True):
        g = int(codes[f])
        by_group.setdefault(g, []).append(f)
        qty[g] = qty.get(g, 0) + (q if buy[f] else -q)
        cost[g] = cost.get(g, 0) + int(P[f]) * q
    s_cost = kp + kq
    if cost_basis is CostBasis.AVERAGE and qty:
        s_cost = max(kp + kq, 18)
        cost = _average_costs(gorder, codes, sq, P, closed_part, kp, kq, set(qty))
    rows = []
    unreal_total = ZERO
    inventory = ZERO
    with decimal.localcontext(EXACT):
        for g in qty:
            f0 = by_group[g][0]
            held = abs(qty[g])
            sign = 1 if qty[g] > 0 else -1
            mult = _dec(int(M[f0]), km)
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


def _average_costs(
    gorder: np.ndarray,
    codes: np.ndarray,
    sq: np.ndarray,
    P: np.ndarray,
    closed_part: np.ndarray,
    kp: int,
    kq: int,
    groups: set[int],
) -> dict[int, int]:
    """Final cost basis per open group under average cost, at scale max(kp + kq, 18)."""
    s_cost = max(kp + kq, 18)
    up = 10 ** (s_cost - kp - kq)
    shrink = 10 ** (s_cost - 18)
    out: dict[int, int] = {}
    cur_g = -1
    pos = cost = 0
    for f in gorder.tolist():
        g = int(codes[f])
        if g not in groups:
            continue
        if g != cur_g:
            cur_g, pos, cost = g, 0, 0
        s = int(sq[f])
        c = int(closed_part[f])
        if c:
            held = abs(pos)
            if c == held:
                cost = 0
            else:
                num = cost * c
                den = held * shrink
                q, r = divmod(num, den)
                if 2 * r > den or (2 * r == den and q % 2 == 1):
                    q += 1
                cost -= q * shrink
            pos += c if s > 0 else -c
        left = abs(s) - c
        if left:
            cost += int(P[f]) * left * up
            pos += left if s > 0 else -left
        out[g] = cost
    return out


def carry_marks(episode: OpenEpisode, marks: pa.Table | None, until_us: int) -> OpenEpisode:
    """``episode`` with its ``low``/``high`` widened by the marks of ``marks`` (one symbol's
    `MARK_SCHEMA` rows) after its entry and at or before ``until_us`` (µs since the epoch):
    the extremes a run resumed at ``until_us`` carries in (it sees only the marks after).

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
