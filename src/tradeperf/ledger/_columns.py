"""The columns a batch ledger run works on: fills and marks scaled, positions, matched lots.

Internal to `tradeperf.ledger.batch` and `tradeperf.ledger.round_trips`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ledger._kernel import compiled, match_lots
from tradeperf.ledger._scaled import (
    I64_BOUND,
    as_object,
    fits_int64,
    frac_digits,
    max_abs,
    scaled_ints,
)
from tradeperf.ledger.model import OpenEpisode
from tradeperf.records import MONEY_TYPE


def column(table: pa.Table, name: str) -> pa.Array:
    return table.column(name).combine_chunks()


def micros(table: pa.Table, name: str = "timestamp") -> np.ndarray:
    return np.asarray(
        column(table, name).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()), np.int64
    )


def text(table: pa.Table, name: str, default: str | None) -> pa.Array:
    """Give column ``name`` as strings, nulls as ``default``; all ``default`` when absent."""
    if name in table.column_names:
        a = column(table, name).cast(pa.string())
        return a if default is None else pc.fill_null(a, default)
    return pa.array([default] * table.num_rows, pa.string())


@dataclass(frozen=True, slots=True)
class FillColumns:
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
    venue: pa.Array
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
class MarkColumns:
    """The marks of one run: time (µs), symbol and price (scaled at 10**kp), input order."""

    ts: np.ndarray
    symbol: pa.Array
    price: np.ndarray


@dataclass(frozen=True, slots=True)
class Matches:
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


def frac_digits_of(v: Decimal | None) -> int:
    """Fractional digits of ``v`` (0 for None or an integer)."""
    if v is None:
        return 0
    exp = v.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def carry_digits(
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
        kq = max(kq, frac_digits_of(e.quantity))
        kp = max(kp, frac_digits_of(e.low), frac_digits_of(e.high))
        kp = max(kp, frac_digits_of(e.entry_notional) - kq, frac_digits_of(e.exit_notional) - kq)
        km = max(km, frac_digits_of(e.gross_pnl) - kp - kq)
    return kq, kp, km


def fill_columns(
    fills: pa.Table, marks: pa.Table | None, carry: Mapping[tuple[str, str], OpenEpisode]
) -> tuple[FillColumns, MarkColumns]:
    """Check the fills and scale their amounts and the marks' prices (see `FillColumns`).

    Parameters
    ----------
    fills
        The fills of `run_ledger`.
    marks
        The marks of `run_ledger`, or None.
    carry
        The carried round trips: their amounts widen the scales (`carry_digits`).

    Raises
    ------
    ValueError
        On duplicate fill ids, a non-positive quantity or a multiplier that changes within
        a position.
    """
    n = fills.num_rows
    fill_id = column(fills, "fill_id").cast(pa.string())
    if pc.count_distinct(fill_id).as_py() != n:
        raise ValueError("duplicate fill ids")
    account = text(fills, "account", "default")
    symbol = column(fills, "symbol").cast(pa.string())
    side = pc.utf8_upper(column(fills, "side").cast(pa.string()))
    buy = np.asarray(pc.equal(side, "BUY").to_numpy(zero_copy_only=False), bool)
    qty_arr = column(fills, "quantity").cast(MONEY_TYPE)
    price_arr = column(fills, "price").cast(MONEY_TYPE)
    mult_arr = (
        pc.fill_null(column(fills, "multiplier").cast(MONEY_TYPE), Decimal(1))
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
        mark_ts = micros(marks)
        mark_sym = column(marks, "symbol").cast(pa.string())
        mark_price_arr = column(marks, "price").cast(MONEY_TYPE)
    kp = max(frac_digits(price_arr), frac_digits(mark_price_arr))
    km = frac_digits(mult_arr)
    kq, kp, km = carry_digits(carry.values(), kq, kp, km)
    Q = scaled_ints(qty_arr, kq)
    M = scaled_ints(mult_arr, km)
    ts = micros(fills)
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
    big = Q.dtype == object or max_abs(Q) * 2 >= I64_BOUND
    f = FillColumns(
        fill_id=fill_id,
        account=account,
        symbol=symbol,
        strategy=text(fills, "strategy", "default"),
        currency=text(fills, "currency", None),
        venue=text(fills, "venue", None),
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
    return f, MarkColumns(mark_ts, mark_sym, scaled_ints(mark_price_arr, kp))


def match_pieces(f: FillColumns, *, lifo: bool) -> Matches:
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
    if fits_int64(2 * max(max_abs(P), 1), max_abs(f.Q), max_abs(M)):
        gross = lot_sign * (P[r_close] - P[r_open]) * r_q * M[r_open]
    else:
        gross = (
            as_object(lot_sign)
            * (as_object(P[r_close]) - as_object(P[r_open]))
            * as_object(r_q)
            * as_object(M[r_open])
        )
    return Matches(
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
