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

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np

from tradeperf.mm.book import book_sql
from tradeperf.mm.horizons import Horizon

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
    """

    fills: FillSet
    horizons: tuple[Horizon, ...]
    capture: np.ndarray
    adverse: np.ndarray
    markout: np.ndarray


def fill_set_sql(fills: str, fee_bps: float | None) -> str:
    """SELECT of the per-fill inputs from a canonical fills relation.

    ``fee_bps`` (the default fee) applies where a fill's fee is 0 (none recorded).
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
        "SELECT epoch_us(timestamp) AS us, symbol, coalesce(strategy, 'default') AS strategy, "
        "CASE upper(liquidity) WHEN 'MAKER' THEN 0 WHEN 'TAKER' THEN 1 ELSE 2 END AS liquidity, "
        "CASE WHEN upper(side) = 'BUY' THEN 1 ELSE -1 END AS sign, price::DOUBLE AS price, "
        f"{notional} AS notional, {fee} AS fee_bps FROM {fills}"
    )


def _codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    labels, codes = np.unique(values.astype(str), return_inverse=True)
    return codes.astype(np.int32), [str(v) for v in labels]


def load_fill_set(con: duckdb.DuckDBPyConnection, fills: str, fee_bps: float | None) -> FillSet:
    """Load the fills of relation ``fills`` numbered into temp table ``_mm_fills``.

    ``fills`` has the canonical fill columns (timestamp, symbol, side, quantity, price, fee,
    fee_currency, currency, liquidity, strategy, multiplier). ``_mm_fills`` keeps (fid, us,
    symbol) for the join.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mm_fills AS SELECT (row_number() OVER () - 1) AS fid, * "
        f"FROM ({fill_set_sql(f'(SELECT * FROM {fills})', fee_bps)}) f"
    )
    table = con.sql("SELECT * FROM _mm_fills ORDER BY fid").to_arrow_table()
    col = {name: table.column(name).to_numpy() for name in table.column_names}
    symbol, symbols = _codes(col["symbol"])
    strategy, strategies = _codes(col["strategy"])
    return FillSet(
        us=col["us"].astype(np.int64),
        symbol=symbol,
        strategy=strategy,
        liquidity=col["liquidity"].astype(np.int8),
        sign=col["sign"].astype(np.int8),
        price=col["price"].astype(np.float64),
        notional=col["notional"].astype(np.float64),
        fee_bps=col["fee_bps"].astype(np.float64),
        symbols=symbols,
        strategies=strategies,
    )


def duckdb_markouts(
    con: duckdb.DuckDBPyConnection,
    fills: str,
    quotes: str,
    horizons: tuple[Horizon, ...],
    *,
    reference: str = "mid",
    fee_bps: float | None = None,
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

    Returns
    -------
    Markouts
        Per-fill capture, adverse selection and markout in bps.
    """
    con.execute("SET asof_loop_join_threshold = 0")
    fill_set = load_fill_set(con, fills, fee_bps)
    con.execute("CREATE OR REPLACE TEMP TABLE _mm_symbols (symbol VARCHAR, c INTEGER)")
    con.executemany(
        "INSERT INTO _mm_symbols VALUES (?, ?)", [[s, i] for i, s in enumerate(fill_set.symbols)]
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _mm_quotes AS SELECT s.c, epoch_us(q.timestamp) AS us, "
        f"epoch_us(q.timestamp)::HUGEINT * {SHIFT} + q.seq::HUGEINT AS k, "
        "q.bid, q.ask, q.bid_size, q.ask_size "
        f"FROM {quotes} q JOIN _mm_symbols s ON q.symbol = s.symbol"
    )
    one_sided = bool(
        con.execute(
            "SELECT count(*) FROM _mm_quotes WHERE bid IS NULL OR ask IS NULL LIMIT 1"
        ).fetchone()[0]  # type: ignore[index]
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _mm_book AS "
        + book_sql("_mm_quotes", one_sided=one_sided, reference=reference)
    )
    bounds = con.execute(
        "SELECT s.c, (SELECT min(us) FROM _mm_book b WHERE b.c = s.c), "
        "(SELECT max(us) FROM _mm_quotes q WHERE q.c = s.c) FROM _mm_symbols s ORDER BY s.c"
    ).fetchall()
    values = ", ".join(f"({i}, {h.ns // 1000})" for i, h in enumerate(horizons))
    joined = con.sql(
        f"WITH h(hi, dus) AS (VALUES {values}), "
        "p AS (SELECT f.fid, s.c, h.hi, "
        f"(f.us + h.dus)::HUGEINT * {SHIFT} + {_LAST_SEQ} AS k "
        "FROM _mm_fills f JOIN _mm_symbols s ON f.symbol = s.symbol, h) "
        "SELECT p.fid, p.hi, b.ref FROM p ASOF LEFT JOIN _mm_book b ON p.c = b.c AND p.k >= b.k"
    ).to_arrow_table()
    refs = np.full((fill_set.size, len(horizons)), np.nan)
    fid = joined.column("fid").to_numpy()
    hi = joined.column("hi").to_numpy()
    refs[fid, hi] = joined.column("ref").to_numpy(zero_copy_only=False).astype(np.float64)
    con.execute("DROP TABLE IF EXISTS _mm_book")
    return assemble(fill_set, horizons, refs, bounds)


def assemble(
    fills: FillSet,
    horizons: tuple[Horizon, ...],
    refs: np.ndarray,
    bounds: list[tuple[int, int | None, int | None]],
) -> Markouts:
    """Turn reference prices per (fill, horizon) into markouts, applying the missing rules.

    ``bounds`` gives per symbol code its first valid book time and its last quote time (µs).
    """
    first = np.full(len(fills.symbols), np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(len(fills.symbols), np.iinfo(np.int64).min, dtype=np.int64)
    for code, lo, hi in bounds:
        if lo is not None:
            first[code] = lo
        if hi is not None:
            last[code] = hi
    refs = refs.copy()
    refs[fills.us < first[fills.symbol], :] = np.nan
    for j, h in enumerate(horizons):
        past = fills.us + h.ns // 1000 > last[fills.symbol]
        refs[past, j] = np.nan
    sign = fills.sign.astype(np.float64)
    price = fills.price
    capture = sign * (refs[:, 0] - price) / price * 1e4
    adverse = sign[:, None] * (refs[:, :1] - refs) / price[:, None] * 1e4
    adverse[np.isnan(capture), :] = np.nan
    markout = capture[:, None] - adverse
    return Markouts(fills, horizons, capture, adverse, markout)
