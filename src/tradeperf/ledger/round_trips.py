"""Round trips of a batch ledger run: flat to flat or per lot, as `TRADE_SCHEMA` rows.

From the lots `tradeperf.ledger._columns.match_pieces` matched: quantities, notionals, fees
and funding per round trip, exactly on scaled integers; MAE/MFE from the marks; the round
trip still open per position (`OpenEpisode`) that a later run resumes (`carry_marks`).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ledger._columns import FillColumns, MarkColumns, Matches, column, micros
from tradeperf.ledger._exact import fmt
from tradeperf.ledger._kernel import compiled, range_min_max
from tradeperf.ledger._scaled import (
    as_object,
    decimal_at,
    div_round_half_even,
    money_array,
    scaled_ints,
    to_scale18,
    units_at,
)
from tradeperf.ledger.model import OpenEpisode
from tradeperf.records import TRADE_SCHEMA

ZERO = Decimal(0)


def fee_shares(f: FillColumns, closed_part: np.ndarray, Fc: np.ndarray) -> tuple[np.ndarray, ...]:
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
        close_share[part] = div_round_half_even(
            Fc[part] * as_object(closed_part[part]), as_object(f.Q[part])
        )
    return Fc - close_share, close_share


def flat_trades(
    f: FillColumns,
    m: Matches,
    Fc: np.ndarray,
    mk: MarkColumns,
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
    open_share, close_share = fee_shares(f, m.closed_part, Fc)
    # rows of one episode are contiguous (a group is processed flat to flat)
    r_ep = m.r_ep
    starts = (
        np.flatnonzero(np.r_[True, r_ep[1:] != r_ep[:-1]]) if len(r_ep) else np.zeros(0, np.int64)
    )
    ep_ids = r_ep[starts]

    def per_ep(values: np.ndarray) -> np.ndarray:
        out = np.zeros(n_ep, object)
        if len(starts):
            out[ep_ids] = np.add.reduceat(as_object(values), starts)
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
    en = per_ep(as_object(f.P[m.r_open]) * as_object(m.r_q))
    xn = per_ep(as_object(f.P[m.r_close]) * as_object(m.r_q))
    gross = per_ep(m.gross)
    entry_fees = by_ep(open_share, m.open_ep)
    exit_fees = by_ep(close_share, m.close_ep)
    fund = episode_funding(f, m, funding)

    ep_entry = f.ts[m.ep_first].copy()
    ep_strategy = f.strategy.take(pa.array(m.ep_first)).to_pylist()
    ep_venue = f.venue.take(pa.array(m.ep_first)).to_pylist()
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
            qty[e0] += units_at(c.quantity, kq)
            en[e0] += units_at(c.entry_notional, kp + kq)
            xn[e0] += units_at(c.exit_notional, kp + kq)
            gross[e0] += units_at(c.gross_pnl, S)
            entry_fees[e0] += units_at(c.entry_fees, 18)
            exit_fees[e0] += units_at(c.exit_fees, 18)
            fund[e0] += units_at(c.funding, 18)
            ep_entry[e0] = c.entry_us
            ep_strategy[e0] = c.strategy
            ep_venue[e0] = c.venue
            low[e0] = None if c.low is None else units_at(c.low, kp)
            high[e0] = None if c.high is None else units_at(c.high, kp)
    open_episodes = open_episodes_of(
        np.flatnonzero(m.ep_last < 0),
        account=f.account,
        symbol=f.symbol,
        buy=f.buy,
        ep_first=m.ep_first,
        ep_entry=ep_entry,
        ep_strategy=ep_strategy,
        ep_venue=ep_venue,
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
    pmin, pmax, has = episode_marks(sym_e, entry_ts, exit_ts, mk)
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
            mae, mfe = decimal_at(min(0, *vals), S), decimal_at(max(0, *vals), S)
        meta.append(
            meta_json(
                account=acct_e[j],
                entry_fees=decimal_at(entry_fees[e[j]], 18),
                exit_fees=decimal_at(exit_fees[e[j]], 18),
                funding=decimal_at(fund[e[j]], 18),
                holding_us=int(exit_ts[j] - entry_ts[j]),
                mae=mae,
                mfe=mfe,
                multiplier=decimal_at(mult[j], km),
            )
        )
    table = trade_table(
        f,
        trade_id=[
            f"{a}/{s}/{k}" for a, s, k in zip(acct_e, sym_e.to_pylist(), m.ep_num[e], strict=True)
        ],
        strategy=pa.array([ep_strategy[i] for i in e.tolist()], pa.string()),
        venue=pa.array([ep_venue[i] for i in e.tolist()], pa.string()),
        opening=first,
        closing=last,
        entry_ts=entry_ts,
        quantity=qty_e,
        entry_price=vwap(en_e, qty_e, kp),
        exit_price=vwap(xn_e, qty_e, kp),
        fees18=entry_fees[e] + exit_fees[e],
        gross=gross[e],
        cost=en_e * as_object(mult),
        meta=meta,
    )
    return table, open_episodes


def episode_funding(f: FillColumns, m: Matches, funding: pa.Table | None) -> np.ndarray:
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
        column(funding, "account").cast(pa.string()),
        column(funding, "symbol").cast(pa.string()),
        "\x1f",
    )
    fcode = np.asarray(
        pc.fill_null(pc.index_in(fkey, value_set=f.group_keys), -1).to_numpy(zero_copy_only=False),
        np.int64,
    )
    fts = micros(funding)
    famt = as_object(scaled_ints(column(funding, "amount"), 18))
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


def vwap(notional: np.ndarray, quantity: np.ndarray, kp: int) -> np.ndarray:
    """Give notional (10**(kp + kq)) / quantity (10**kq) at 10**18, rounded half-even."""
    if kp <= 18:
        return div_round_half_even(notional * 10 ** (18 - kp), quantity)
    return div_round_half_even(notional, quantity * 10 ** (kp - 18))


def lot_trades(f: FillColumns, m: Matches, Fc: np.ndarray) -> pa.Table:
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
    oq = as_object(m.r_q)
    o_sort = np.argsort(r_open, kind="stable")
    cum = np.cumsum(oq[o_sort])
    so = r_open[o_sort]
    st = np.flatnonzero(np.r_[True, so[1:] != so[:-1]])
    base = np.repeat(cum[st] - oq[o_sort][st], np.diff(np.r_[st, k]))
    cum_open = np.empty(k, object)
    cum_open[o_sort] = cum - base + as_object(m.closed_part[so])
    c_starts = np.flatnonzero(np.r_[True, r_close[1:] != r_close[:-1]])
    ccum = np.cumsum(oq)
    cum_close = ccum - np.repeat(ccum[c_starts] - oq[c_starts], np.diff(np.r_[c_starts, k]))

    def share(fee: np.ndarray, upto: np.ndarray, whole: np.ndarray) -> np.ndarray:
        return np.asarray(
            div_round_half_even(fee * upto, whole) - div_round_half_even(fee * (upto - oq), whole)
        )

    entry_sh = share(Fc[r_open], cum_open, as_object(f.Q[r_open]))
    exit_sh = share(Fc[r_close], cum_close, as_object(f.Q[r_close]))
    mult = as_object(f.M[r_open])
    acct = f.account.take(pa.array(r_open)).to_pylist()
    sym = f.symbol.take(pa.array(r_open)).to_pylist()
    fo = f.fill_id.take(pa.array(r_open)).to_pylist()
    fcl = f.fill_id.take(pa.array(r_close)).to_pylist()
    entry_ts = f.ts[r_open]
    held = f.ts[r_close] - entry_ts
    meta = [
        meta_json(
            account=acct[j],
            entry_fees=decimal_at(entry_sh[j], 18),
            exit_fees=decimal_at(exit_sh[j], 18),
            funding=ZERO,
            holding_us=int(held[j]),
            mae=None,
            mfe=None,
            multiplier=decimal_at(mult[j], f.km),
        )
        for j in range(k)
    ]
    P_open = as_object(f.P[r_open])
    return trade_table(
        f,
        trade_id=[f"{a}/{s}/{x}/{y}" for a, s, x, y in zip(acct, sym, fo, fcl, strict=True)],
        strategy=f.strategy.take(pa.array(r_open)),
        venue=f.venue.take(pa.array(r_open)),
        opening=r_open,
        closing=r_close,
        entry_ts=entry_ts,
        quantity=oq,
        entry_price=to_scale18(P_open, f.kp),
        exit_price=to_scale18(as_object(f.P[r_close]), f.kp),
        fees18=entry_sh + exit_sh,
        gross=m.gross,
        cost=P_open * oq * mult,
        meta=meta,
    )


def meta_json(
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


def trade_table(
    f: FillColumns,
    *,
    trade_id: list[str],
    strategy: pa.Array,
    venue: pa.Array,
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
    trade_id, strategy, venue, meta
        Per round trip: its id, strategy, venue (that of its first fill) and
        ``metadata_json``.
    opening, closing
        Per round trip, the fill that opened it (its account, symbol, side and currency) and the
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
    gross18 = to_scale18(gross, S)
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
            "quantity": money_array(as_object(quantity), f.kq),
            "entry_price": money_array(entry_price, 18),
            "exit_price": money_array(exit_price, 18),
            "fees": money_array(fees18, 18),
            "gross_pnl": money_array(gross18, 18),
            "net_pnl": money_array(net18, 18),
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
            "account": f.account.take(pa.array(opening)),
            "venue": venue,
        },
        schema=TRADE_SCHEMA,
    )
    return table.take(pa.array(np.argsort(f.rank[closing], kind="stable")))


def episode_marks(
    trade_sym: pa.Array,
    entry_ts: np.ndarray,
    exit_ts: np.ndarray,
    marks: MarkColumns,
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


def open_episodes_of(
    open_eps: np.ndarray,
    *,
    account: pa.Array,
    symbol: pa.Array,
    buy: np.ndarray,
    ep_first: np.ndarray,
    ep_entry: np.ndarray,
    ep_strategy: list[str],
    ep_venue: list[str | None],
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
    ep_first, ep_entry, ep_strategy, ep_venue
        Per episode: its first fill, entry time (µs), strategy and venue.
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
            quantity=decimal_at(int(qty[e]), kq),
            entry_notional=decimal_at(int(en[e]), kp + kq),
            exit_notional=decimal_at(int(xn[e]), kp + kq),
            gross_pnl=decimal_at(int(gross[e]), S),
            entry_fees=decimal_at(int(entry_fees[e]), 18),
            exit_fees=decimal_at(int(exit_fees[e]), 18),
            funding=decimal_at(int(fund[e]), 18),
            low=None if low[e] is None else decimal_at(int(low[e]), kp),
            high=None if high[e] is None else decimal_at(int(high[e]), kp),
            venue=ep_venue[e],
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
    t = micros(marks)
    sel = np.flatnonzero((t > episode.entry_us) & (t <= until_us))
    if not len(sel):
        return episode
    prices = column(marks, "price").take(pa.array(sel))
    lo, hi = pc.min(prices).as_py(), pc.max(prices).as_py()
    if episode.low is not None:
        lo, hi = min(lo, episode.low), max(hi, episode.high or episode.low)
    return dataclasses.replace(episode, low=lo, high=hi)
