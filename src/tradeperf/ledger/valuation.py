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

Computation, for N fills, P positions and T instants: every amount is an exact integer at a
scale of its column (the fewest fractional digits that hold all its values), int64 where the
bounds allow it and Python integers otherwise. The fills are sorted once by (position, time)
and cumulated (q, and Σ side × quantity × price); each instant is replaced by its rank among
the distinct instants, so that a single `numpy.searchsorted` over the key ``position × (T + 1)
+ rank`` finds, for every (position, instant), how many of the position's fills, realized
events and marks come strictly before it. The work is O(N log N + P × T) array operations,
with no Python loop over fills. Sums and products are exact to the last digit: a result that
needs more than 18 fractional digits keeps them. (The former loop over instants × positions
multiplied and summed Decimals in the default 28-digit context, which rounded the products
and sums of values with more significant digits; the exact value is the one returned now.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ledger._exact import EXACT
from tradeperf.ledger._scaled import as_object, max_abs, scaled
from tradeperf.records import MONEY_TYPE, ZERO

_SCALE = 18  # the stored scale of money (`MONEY_TYPE`)
_I64_MAX = 2**63 - 1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_TO_MICROS = {"s": 1_000_000, "ms": 1_000, "us": 1}
_CELLS = 1 << 20  # (position, instant) cells computed at once


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
        """Realized + unrealized − fees + funding: the books' P&L so far.

        That is the equity less capital and cash flows.
        """
        return self.realized_pnl + self.unrealized_pnl - self.fees + self.funding


# -- exact integers ---------------------------------------------------------------------------
def _money_ints(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Return a money column as exact integers at its own scale.

    Parameters
    ----------
    values
        Decimal column, shape (n,), no nulls.

    Returns
    -------
    (ints, scale) : ``ints`` of shape (n,) with value = ints × 10**−scale; int64 when every
        value fits, else an object array of Python ints. ``scale`` is the fewest fractional
        digits that hold every value (`tradeperf.ledger._scaled.frac_digits`), or the scale
        of its type when it was `tradeperf.ledger._scaled.narrowed`.

    Raises
    ------
    ValueError
        If the column has nulls.
    """
    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    t = arr.type
    narrow = isinstance(t, pa.Decimal128Type) and t.precision == 38 and t.scale < 18
    if arr.type != MONEY_TYPE and not narrow:  # a `narrowed` column is read as it is
        arr = arr.cast(MONEY_TYPE)
    if arr.null_count:
        raise ValueError("books_at: a money column has nulls")
    return scaled(arr)


class _Prefix:
    """Exact prefix sums: ``at(i)`` = Σ ``values[:i]``, for an index array ``i`` of any shape.

    int64 when n × max |value| fits; int64 values that could overflow are summed as two 32-bit
    limbs (exact for n < 2**31); object values as Python ints.
    """

    def __init__(self, values: np.ndarray) -> None:
        self._limbs: tuple[np.ndarray, np.ndarray] | None = None
        if values.dtype == object:
            self._cum = np.concatenate((np.zeros(1, object), np.cumsum(values)))
        elif len(values) * max_abs(values) <= _I64_MAX:
            self._cum = np.concatenate((np.zeros(1, np.int64), np.cumsum(values)))
        elif len(values) < 2**31:
            low = np.concatenate((np.zeros(1, np.int64), np.cumsum(values & 0xFFFFFFFF)))
            high = np.concatenate((np.zeros(1, np.int64), np.cumsum(values >> 32)))
            self._limbs = (low, high)
            self._cum = low
        else:
            self._cum = np.concatenate((np.zeros(1, object), np.cumsum(values.astype(object))))

    def at(self, i: np.ndarray) -> np.ndarray:
        """Σ values[:i] elementwise; int64 or object, shape of ``i``."""
        if self._limbs is None:
            return np.asarray(self._cum[i])
        low, high = self._limbs
        return np.asarray((high[i].astype(object) << 32) + low[i].astype(object))

    def between(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """Σ values[start:stop] elementwise (int64 wrap-around is exact: the result fits)."""
        return np.asarray(self.at(stop) - self.at(start))


def _decimal(n: int, scale: int) -> Decimal:
    """Return the exact Decimal n × 10**−scale, at the stored scale 18 when it holds the value."""
    if scale < _SCALE:
        n *= 10 ** (_SCALE - scale)
        scale = _SCALE
    while scale > _SCALE and n % 10 == 0:
        n //= 10
        scale -= 1
    return Decimal(f"{n}E-{scale}")


# -- instants and keys ------------------------------------------------------------------------
def _micros(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return a timestamp column as int64 UTC microseconds, shape (n,).

    Nanoseconds are floored: the order against microsecond instants is kept.
    """
    unit = column.type.unit
    raw = column.cast(pa.int64()).to_numpy()
    us = raw // 1000 if unit == "ns" else raw * _TO_MICROS[unit]
    return np.ascontiguousarray(us, dtype=np.int64)


def _codes(column: pa.ChunkedArray, dictionary: pa.Array | None) -> tuple[np.ndarray, pa.Array]:
    """Return integer codes of a string column, shape (n,), and the dictionary they index.

    The codes are those of the column's own dictionary when ``dictionary`` is None, else the
    index in ``dictionary`` (−1 where absent).
    """
    arr = column.combine_chunks()
    if dictionary is None:
        enc = pc.dictionary_encode(arr, null_encoding="encode")
        return enc.indices.to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary
    idx = pc.index_in(arr, value_set=dictionary, skip_nulls=False)
    return pc.fill_null(idx, -1).to_numpy(zero_copy_only=False).astype(np.int64), dictionary


def _group_order(group: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Stable order by (group, ts): row order breaks ties."""
    by_time = np.argsort(ts, kind="stable")
    return by_time[np.argsort(group[by_time], kind="stable")]


# -- the books --------------------------------------------------------------------------------
def books_at(
    fills: pa.Table,
    marks: pa.Table | None,
    realized_events: pa.Table,
    times: Sequence[dt.datetime],
    funding: pa.Table | None = None,
) -> list[BooksAt]:
    """Return the books just before each of ``times``.

    Parameters
    ----------
    fills
        `FILL_SCHEMA` table (timestamp, account, symbol, side, quantity, price, multiplier),
        N rows. A position's multiplier is that of its first fill (1 if that is 0 or null).
    marks
        `MARK_SCHEMA` table or None. Of several marks of a symbol at the same instant, the
        last row counts.
    realized_events
        `LedgerResult.realized_events` of the same fills (timestamp, account,
        symbol, realized_pnl, fees). The fees of every row count; the realized P&L of rows
        whose (account, symbol) has fills.
    times
        T aware instants, in any order, repeats allowed.
    funding
        `FUNDING_SCHEMA` table (timestamp, amount) or None.

    Returns
    -------
    list of `BooksAt`, one per instant, in the order given. Exact Decimals (in the currency),
    at scale 18 unless a value needs more fractional digits.
    """
    times = list(times)
    if not times:
        return []
    t_us = np.array([(t - _EPOCH) // _MICROSECOND for t in times], dtype=np.int64)
    instants, where = np.unique(t_us, return_inverse=True)  # (U,), (T,)
    n_instants = len(instants)
    stride = n_instants + 1  # bucket g ∈ [0, U]: the number of instants at or before a time

    # fills: positions, sorted by (position, time), cumulated quantity and trading value
    acc, acc_dict = _codes(fills.column("account"), None)
    sym, sym_dict = _codes(fills.column("symbol"), None)
    n_sym = max(len(sym_dict), 1)
    pos_code = acc * n_sym + sym
    position_codes, pos = np.unique(pos_code, return_inverse=True)  # (P,), (N,)
    n_pos = len(position_codes)
    f_ts = _micros(fills.column("timestamp"))
    order = _group_order(pos, f_ts)
    f_key = pos[order] * stride + np.searchsorted(instants, f_ts[order], "right")
    qty, s_q = _money_ints(fills.column("quantity"))
    price, s_p = _money_ints(fills.column("price"))
    buy = pc.equal(fills.column("side"), "BUY").to_numpy(zero_copy_only=False)[order]
    signed = np.where(buy, qty[order], -qty[order])
    price = price[order]
    wide = signed.dtype == object or price.dtype == object
    if wide or max_abs(signed) * max_abs(price) > _I64_MAX:
        signed, price = as_object(signed), as_object(price)
    cum_q = _Prefix(signed)
    cum_v = _Prefix(signed * price)  # Σ side × quantity × price, scale s_q + s_p
    base = np.arange(n_pos, dtype=np.int64) * stride  # (P,)
    f_start = np.searchsorted(f_key, base, "left")

    # multipliers: the first fill's (in time order), 1 for 0
    firsts = fills.column("multiplier").take(pa.array(order[f_start])).to_pylist()
    mult_units = [int((m or Decimal(1)).scaleb(_SCALE, context=EXACT)) for m in firsts]
    zeros = _SCALE
    for m in mult_units:
        while zeros and m % 10**zeros:
            zeros -= 1
    s_m = _SCALE - zeros
    mult = np.array([m // 10**zeros for m in mult_units], dtype=object)
    if max_abs(mult) <= _I64_MAX:
        mult = mult.astype(np.int64)

    # realized events: fees of all, realized P&L of the positions with fills
    e_acc, _ = _codes(realized_events.column("account"), acc_dict)
    e_sym, _ = _codes(realized_events.column("symbol"), sym_dict)
    e_code = e_acc * n_sym + e_sym
    if n_pos:
        e_pos = np.minimum(np.searchsorted(position_codes, e_code), n_pos - 1)
        known = (e_acc >= 0) & (e_sym >= 0) & (position_codes[e_pos] == e_code)
    else:
        e_pos, known = np.zeros(len(e_code), np.int64), np.zeros(len(e_code), bool)
    e_ts = _micros(realized_events.column("timestamp"))
    realized, s_r = _money_ints(realized_events.column("realized_pnl"))
    fees, s_f = _money_ints(realized_events.column("fees"))
    by_time = np.argsort(e_ts, kind="stable")
    e_before = np.searchsorted(e_ts[by_time], instants, "left")  # (U,)
    fees_at = _Prefix(fees[by_time]).at(e_before)
    kept = realized[by_time]
    kept = np.where(known[by_time], kept, 0 if kept.dtype == object else np.int64(0))
    realized_at = _Prefix(kept.astype(realized.dtype)).at(e_before)
    e_order = by_time[known[by_time]]
    e_order = e_order[np.argsort(e_pos[e_order], kind="stable")]
    e_key = e_pos[e_order] * stride + np.searchsorted(instants, e_ts[e_order], "right")
    cum_r = _Prefix(realized[e_order])
    r_start = np.searchsorted(e_key, base, "left")

    # marks: per symbol of the fills, the last row strictly before each instant
    if marks is not None and marks.num_rows:
        m_sym, _ = _codes(marks.column("symbol"), sym_dict)
        m_ts = _micros(marks.column("timestamp"))
        m_price, s_k = _money_ints(marks.column("price"))
        m_order = _group_order(m_sym, m_ts)
        m_order = m_order[m_sym[m_order] >= 0]
        m_key = m_sym[m_order] * stride + np.searchsorted(instants, m_ts[m_order], "right")
        m_price = m_price[m_order] if len(m_order) else np.zeros(1, np.int64)
    else:
        m_key, m_price, s_k = np.zeros(0, np.int64), np.zeros(1, np.int64), 0
    pos_sym = position_codes % n_sym  # (P,)
    m_base = pos_sym * stride
    m_start = np.searchsorted(m_key, m_base, "left")

    # unrealized = mult × (Q × M − V) − R, at scale S = max(s_q + s_x + s_m, s_r)
    s_x = max(s_k, s_p)
    f_k, f_p = 10 ** (s_x - s_k), 10 ** (s_x - s_p)
    s_u = max(s_q + s_x + s_m, s_r)
    f_x, f_r = 10 ** (s_u - s_q - s_x - s_m), 10 ** (s_u - s_r)

    unrealized: list[int] = []
    open_count = np.zeros(n_instants, np.int64)
    unmarked = np.zeros(n_instants, np.int64)
    step = max(1, _CELLS // max(n_pos, 1))
    for lo in range(0, n_instants if n_pos else 0, step):
        j = np.arange(lo, min(lo + step, n_instants), dtype=np.int64)
        cells = base[:, None] + j[None, :]  # (P, B)
        n = np.searchsorted(f_key, cells, "right")
        q = cum_q.between(f_start[:, None], n)
        is_open = q != 0
        m_end = np.searchsorted(m_key, m_base[:, None] + j[None, :], "right")
        marked = is_open & (m_end > m_start[:, None])
        open_count[j] = is_open.sum(axis=0)
        unmarked[j] = (is_open & ~marked).sum(axis=0)
        if not marked.any():
            unrealized.extend([0] * len(j))
            continue
        v = cum_v.between(f_start[:, None], n)
        r = cum_r.between(r_start[:, None], np.searchsorted(e_key, cells, "right"))
        k = m_price[np.maximum(m_end - 1, 0)]
        mk = mult[:, None]
        parts = (q, v, r, k, mk)
        bound = n_pos * (
            max_abs(mk) * (max_abs(q) * max_abs(k) * f_k + max_abs(v) * f_p) * f_x
            + max_abs(r) * f_r
        )
        scales = max(f_k, f_p, f_x, f_r)
        if max(bound, scales) > _I64_MAX or any(a.dtype == object for a in parts):
            q, v, r, k, mk = (as_object(a) for a in parts)
        u = mk * (q * k * f_k - v * f_p) * f_x - r * f_r
        u = np.where(marked, u, 0).sum(axis=0)
        unrealized.extend(int(x) for x in u)

    if funding is not None and funding.num_rows:
        amount, s_g = _money_ints(funding.column("amount"))
        g_ts = _micros(funding.column("timestamp"))
        g_order = np.argsort(g_ts, kind="stable")
        funding_at = _Prefix(amount[g_order]).at(np.searchsorted(g_ts[g_order], instants, "left"))
    else:
        funding_at, s_g = np.zeros(n_instants, np.int64), 0

    per_instant = [
        (
            _decimal(int(realized_at[i]), s_r),
            _decimal(unrealized[i] if n_pos else 0, s_u),
            int(open_count[i]),
            _decimal(int(fees_at[i]), s_f),
            _decimal(int(funding_at[i]), s_g),
            int(unmarked[i]),
        )
        for i in range(n_instants)
    ]
    out = []
    for t, i in zip(times, where.tolist(), strict=True):
        r_pnl, u_pnl, n_open, fee, paid, n_unmarked = per_instant[i]
        out.append(BooksAt(t, r_pnl, u_pnl, n_open, fee, paid, n_unmarked))
    return out
