"""Markouts of fills against the book, with the as-of join inside the engine.

For a fill at time t, price p, side s (+1 buy, −1 sell) and horizon h (docs/markouts.md):

- reference r(τ): the book's reference price after the last quote row at or before τ
  (`tradeperf.mm.book`);
- spread capture c = s·(r(t) − p)/p·1e4 bps (the markout at h = 0);
- adverse selection a(h) = s·(r(t) − r(t+h))/p·1e4 bps;
- markout m(h) = c − a(h) (= s·(r(t+h) − p)/p·1e4), computed as that difference so that
  c − a(h) = m(h) holds exactly, per fill, in float64;
- net of fees: c − f and m(h) − f with f the fee in bps of notional |q|·p·multiplier (a rebate
  is a negative fee); adverse selection has no fee.

Missing, never zero: every horizon of a fill with no valid book at or before t (no quote yet,
or one side only); horizon h when t + h is past the symbol's last quote row. A fee in another
currency than the fill's price leaves the net values missing.

The join: DuckDB ``ASOF JOIN`` on (symbol, order key) with ``asof_loop_join_threshold = 0``;
PostgreSQL a ``LATERAL`` subquery on the index (symbol, timestamp)
(`tradeperf.mm.markouts_pg`). Only (fill, horizon, reference price) rows leave the engine;
quotes never do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import duckdb
import numpy as np
import pyarrow as pa

from tradeperf.mm.book import book_sql
from tradeperf.mm.horizons import Horizon

if TYPE_CHECKING:
    from tradeperf.mm.sources import QuoteScan

#: 2^64: a quote's order key is its time in µs times this plus its input sequence.
SHIFT: Final = 1 << 64
_LAST_SEQ: Final = SHIFT - 1


@dataclass(frozen=True, slots=True)
class FillSet:
    """The fills markouts are taken of, as arrays (one entry per fill, index = fill number).

    Attributes
    ----------
    us : fill time, µs since the epoch (int64).
    symbol, strategy, liquidity : int codes into ``symbols``, ``strategies`` and
        `LIQUIDITIES`.
    sign : +1 buy, −1 sell (int8).
    price : float64 fill price; notional |q|·p·multiplier (float64, currency of the price).
    fee_bps : fee in bps of notional (float64; NaN when its currency is not the price's).
    position : the index of each ``fid`` of table ``_mm_fills`` in these arrays.
    """

    us: np.ndarray
    symbol: np.ndarray
    strategy: np.ndarray
    liquidity: np.ndarray
    sign: np.ndarray
    price: np.ndarray
    notional: np.ndarray
    fee_bps: np.ndarray
    symbols: list[str]
    strategies: list[str]
    position: np.ndarray

    @property
    def size(self) -> int:
        """The number of fills."""
        return len(self.us)


#: Liquidity labels, by code (a fill without one is ``unknown``).
LIQUIDITIES: Final = ("MAKER", "TAKER", "unknown")
SIDES: Final = ("BUY", "SELL")


@dataclass(frozen=True, slots=True)
class Markouts:
    """Per-fill markouts in bps: ``capture`` (n,), ``adverse`` and ``markout`` (n, H).

    ``markout[:, j] == capture - adverse[:, j]`` exactly; ``horizons[0]`` is 0 s. NaN is missing.
    Fills are numbered leaf by leaf (`load_fill_set`) and the matrices are in Fortran order, so
    each horizon's leaves are contiguous. ``ends_us``: each symbol code's last quote time (µs).
    """

    fills: FillSet
    horizons: tuple[Horizon, ...]
    capture: np.ndarray
    adverse: np.ndarray
    markout: np.ndarray
    ends_us: Mapping[int, int]


def fill_set_sql(fills: str, fee_bps: float | None, *, numbered: bool = False) -> str:
    """SELECT of the per-fill inputs from a canonical fills relation.

    ``fee_bps`` (the default fee) applies where a fill's fee is 0 (none recorded). With
    ``numbered`` the relation's own ``fid`` column is kept.
    """
    notional = "(abs(quantity::DOUBLE) * price::DOUBLE * multiplier::DOUBLE)"
    own = f"(fee::DOUBLE / nullif({notional}, 0) * 1e4)"
    same = "(fee_currency IS NULL OR currency IS NULL OR fee_currency = currency)"
    default = "NULL" if fee_bps is None else repr(float(fee_bps))
    fee = (
        f"CASE WHEN fee = 0 AND {default} IS NOT NULL THEN {default} "
        f"WHEN {same} THEN {own} ELSE 'NaN'::DOUBLE END"
    )
    return (
        f"SELECT {'fid, ' if numbered else ''}epoch_us(timestamp) AS us, symbol, "
        "coalesce(strategy, 'default') AS strategy, "
        "CASE upper(liquidity) WHEN 'MAKER' THEN 0 WHEN 'TAKER' THEN 1 ELSE 2 END AS liquidity, "
        "CASE WHEN upper(side) = 'BUY' THEN 1 ELSE -1 END AS sign, price::DOUBLE AS price, "
        f"{notional} AS notional, {fee} AS fee_bps FROM {fills}"
    )


def _labels(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    return [
        str(r[0]) for r in con.execute(f"SELECT {column} FROM {table} ORDER BY code").fetchall()
    ]


def load_fill_set(
    con: duckdb.DuckDBPyConnection, fills: str, fee_bps: float | None, *, numbered: bool = False
) -> FillSet:
    """Load the fills of relation ``fills``, numbered (``fid``) into temp table ``_mm_fills``.

    ``fills`` has the canonical fill columns (timestamp, symbol, side, quantity, price, fee,
    fee_currency, currency, liquidity, strategy, multiplier). Symbols and strategies get
    codes in name order (tables ``_mm_symbols`` and ``_mm_strategies``); ``_mm_fills`` keeps
    (fid, c, us) for the join. With ``numbered`` the relation's ``fid`` column (0 … n − 1)
    numbers the fills instead (the fills of another engine, numbered there).
    """
    # one scan for both: the (symbol, strategy) pairs are few
    pairs = con.execute(
        f"SELECT DISTINCT symbol, coalesce(strategy, 'default') FROM {fills}"
    ).fetchall()
    for table, name, labels in (
        ("_mm_symbols", "symbol", sorted({str(p[0]) for p in pairs})),
        ("_mm_strategies", "strategy", sorted({str(p[1]) for p in pairs})),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({name} VARCHAR, code INTEGER)")
        if labels:
            con.executemany(
                f"INSERT INTO {table} VALUES (?, ?)", [[v, i] for i, v in enumerate(labels)]
            )
    inputs = fill_set_sql(f"(SELECT * FROM {fills})", fee_bps, numbered=numbered)
    fid_sql = "f.fid" if numbered else "(row_number() OVER () - 1)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _mm_fills AS SELECT {fid_sql} AS fid, "
        "s.code AS c, g.code AS sc, f.us, f.liquidity, f.sign, f.price, f.notional, f.fee_bps "
        f"FROM ({inputs}) f JOIN _mm_symbols s USING (symbol) "
        "JOIN _mm_strategies g USING (strategy)"
    )
    table = con.sql("SELECT * FROM _mm_fills").to_arrow_table()
    fid = table.column("fid").to_numpy()
    symbols = _labels(con, "_mm_symbols", "symbol")
    strategies = _labels(con, "_mm_strategies", "strategy")

    def raw(name: str) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False))

    # fills are numbered leaf by leaf (symbol, side, liquidity, strategy, as
    # `tradeperf.mm.stats.LeafGroups` codes them), so the statistics need no reordering
    leaf = raw("c").astype(np.int64) * 2 + (raw("sign") < 0)
    leaf = (leaf * len(LIQUIDITIES) + raw("liquidity")) * max(len(strategies), 1) + raw("sc")
    small = leaf.astype(np.int16 if leaf.max(initial=0) < 2**15 else np.int32)
    order = np.argsort(small, kind="stable")  # a radix sort for small integers
    position = np.empty(len(fid), dtype=np.int64)
    position[fid[order]] = np.arange(len(fid))

    def column(name: str, dtype: type) -> np.ndarray:
        return raw(name)[order].astype(dtype, copy=False)

    return FillSet(
        us=column("us", np.int64),
        symbol=column("c", np.int32),
        strategy=column("sc", np.int32),
        liquidity=column("liquidity", np.int8),
        sign=column("sign", np.int8),
        price=column("price", np.float64),
        notional=column("notional", np.float64),
        fee_bps=column("fee_bps", np.float64),
        symbols=symbols,
        strategies=strategies,
        position=position,
    )


def duckdb_markouts(
    con: duckdb.DuckDBPyConnection,
    fills: str,
    quotes: str,
    horizons: tuple[Horizon, ...],
    *,
    reference: str = "mid",
    fee_bps: float | None = None,
    scanned: QuoteScan | None = None,
) -> Markouts:
    """Compute every fill's markouts with one ASOF JOIN in DuckDB.

    Parameters
    ----------
    con
        The connection holding the relations.
    fills
        A relation of canonical fill columns (see `load_fill_set`).
    quotes
        A relation with columns symbol, timestamp, seq (input order, ≥ 0, < 2^64), bid,
        ask, bid_size, ask_size (`QUOTE_SCHEMA` prices; null for an absent side).
    horizons
        Horizons, the first 0 s (`tradeperf.mm.horizons.parse_horizons`).
    reference
        The book's reference price (`tradeperf.mm.book.REFERENCES`).
    fee_bps
        Fee in bps of notional for fills whose fee is 0 (none recorded).
    scanned
        What a scan of the quotes already found (`tradeperf.mm.sources.QuoteScan`): each
        symbol's last time and whether a row is one-sided; None scans them here.

    Returns
    -------
    Markouts
        Per-fill capture, adverse selection and markout in bps.
    """
    con.execute("SET asof_loop_join_threshold = 0")
    # nothing here depends on the engine keeping row order (fills are numbered, then placed)
    con.execute("SET preserve_insertion_order = false")
    fill_set = load_fill_set(con, fills, fee_bps)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _mm_quotes AS SELECT s.code AS c, "
        "epoch_us(q.timestamp) AS us, "
        f"epoch_us(q.timestamp)::HUGEINT * {SHIFT} + q.seq::HUGEINT AS k, "
        "q.bid, q.ask, q.bid_size, q.ask_size "
        f"FROM {quotes} q JOIN _mm_symbols s ON q.symbol = s.symbol"
    )
    # one scan: each symbol's last quote row (the end of data) and whether any row is one-sided
    if scanned is None:
        scan = con.execute(
            "SELECT c, max(us), bool_or(bid IS NULL OR ask IS NULL) FROM _mm_quotes GROUP BY c"
        ).fetchall()
    else:
        codes = {sym: c for c, sym in enumerate(fill_set.symbols)}
        scan = [
            (codes[sym], us, scanned.one_sided) for sym, us in scanned.ends.items() if sym in codes
        ]
    one_sided = any(bool(r[2]) for r in scan)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _mm_book AS "
        + book_sql("_mm_quotes", one_sided=one_sided, reference=reference)
    )
    # no valid book at or before t shows as a missing reference at h = 0 (`assemble`)
    last = {int(r[0]): r[1] for r in scan}
    values = ", ".join(f"({i}, {h.ns // 1000})" for i, h in enumerate(horizons))
    joined = con.sql(
        f"WITH h(hi, dus) AS (VALUES {values}), "
        "p AS (SELECT f.fid, f.c, h.hi, "
        f"(f.us + h.dus)::HUGEINT * {SHIFT} + {_LAST_SEQ} AS k FROM _mm_fills f, h) "
        "SELECT p.fid, p.hi, b.ref FROM p ASOF LEFT JOIN _mm_book b ON p.c = b.c AND p.k >= b.k"
    ).to_arrow_table()
    refs = place_references(fill_set, len(horizons), joined)
    del joined
    return assemble(fill_set, horizons, refs, last)


def place_references(fills: FillSet, n_horizons: int, joined: pa.Table) -> np.ndarray:
    """Put the join's (fid, hi, ref) rows into an (n, H) matrix in Fortran order (NaN: none).

    One flat scatter: row ``position[fid]`` of column ``hi`` is ``hi·n + position[fid]``.
    """
    n = fills.size
    flat = np.full(n * n_horizons, np.nan)
    fid = np.asarray(joined.column("fid").to_numpy(zero_copy_only=False), dtype=np.int64)
    hi = np.asarray(joined.column("hi").to_numpy(zero_copy_only=False), dtype=np.int64)
    where = fills.position[fid]
    where += hi * n
    ref = joined.column("ref").to_numpy(zero_copy_only=False)
    flat[where] = np.asarray(ref, dtype=np.float64)
    return flat.reshape((n_horizons, n)).T  # (n, H), each horizon contiguous


def assemble(
    fills: FillSet,
    horizons: tuple[Horizon, ...],
    refs: np.ndarray,
    ends_us: Mapping[int, int],
) -> Markouts:
    """Turn reference prices per (fill, horizon) into markouts, applying the missing rules.

    ``refs`` (n, H) is consumed: it becomes the adverse-selection matrix. ``ends_us`` gives
    each symbol code's last quote time (µs); horizon h of a fill past it is missing. A fill
    without a reference at h = 0 (no valid book at or before t) is missing at every horizon.
    """
    last = np.full(len(fills.symbols), -(2**62), dtype=np.int64)  # no quote: all missing
    for code, us in ends_us.items():
        last[code] = us
    ends = last[fills.symbol] - fills.us  # µs left until the symbol's last quote
    for j, h in enumerate(horizons):
        refs[h.ns // 1000 > ends, j] = np.nan
    scale = fills.sign.astype(np.float64) * 1e4 / fills.price  # s / p * 1e4
    capture = (refs[:, 0] - fills.price) * scale
    # adverse = s (r(t) - r(t+h)) / p 1e4, written into the reference matrix itself
    adverse = refs
    np.subtract(refs[:, :1], refs, out=adverse)
    adverse *= scale[:, None]
    adverse[np.isnan(capture), :] = np.nan
    markout = np.subtract(capture[:, None], adverse, out=np.empty_like(adverse))
    return Markouts(fills, horizons, capture, adverse, markout, dict(ends_us))
