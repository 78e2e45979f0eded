"""Markouts on a PostgreSQL store: a ``LATERAL`` subquery per fill and horizon on an index.

The same definitions as `tradeperf.mm.markouts` (which DuckDB runs as one ``ASOF JOIN``): for
each fill and horizon, the book after the last quote row of the symbol with timestamp <= t + h,
ties broken by input order (source, then line, both descending: the last row wins). Each probe
is one backward scan of the index ``quotes (symbol, timestamp)`` (migration 19), ``LIMIT 1``.
When some rows carry one side only, the bid and the ask are each the last row that has that
side (two probes), which is the book rebuilt by carrying each side forward.

Only (fill number, horizon, reference price) rows and the fills' own columns leave the server;
the fills are then numbered and grouped exactly as for DuckDB, in an in-memory DuckDB.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from tradeperf.mm.book import reference_sql
from tradeperf.mm.horizons import Horizon
from tradeperf.mm.markouts import Markouts, assemble, load_fill_set, place_references

#: The canonical fill columns read from the server (the fills relation's, as text or numbers).
_FILL_COLUMNS = (
    "timestamp, symbol, side, quantity::float8 AS quantity, price::float8 AS price, "
    "fee::float8 AS fee, fee_currency, currency, liquidity, strategy, "
    "multiplier::float8 AS multiplier"
)
_ORDER = "ORDER BY timestamp DESC, source DESC NULLS LAST, source_line DESC NULLS LAST LIMIT 1"


def postgres_markouts(
    store: Any,
    fills_sql: str,
    horizons: tuple[Horizon, ...],
    *,
    reference: str = "mid",
    fee_bps: float | None = None,
) -> Markouts:
    """Compute every fill's markouts on a PostgreSQL store.

    Parameters
    ----------
    store
        A `tradeperf.store.postgres_store.PostgresStore` (its ``_fetch``/``_fetch_arrow``).
    fills_sql
        A SELECT (PostgreSQL) of canonical fill columns with a unique ``fill_id``.
    horizons, reference, fee_bps
        As for `tradeperf.mm.markouts.duckdb_markouts`.
    """
    numbered = f"SELECT row_number() OVER (ORDER BY fill_id) - 1 AS fid, * FROM ({fills_sql}) x"
    fills = store._fetch_arrow(f"SELECT fid, {_FILL_COLUMNS} FROM ({numbered}) f")
    con = duckdb.connect()
    con.register("_pg_fills", fills)
    fill_set = load_fill_set(con, "_pg_fills", fee_bps, numbered=True)
    codes = {s: i for i, s in enumerate(fill_set.symbols)}
    last = {
        codes[str(sym)]: int(us)
        for sym, us in store._fetch(
            "SELECT symbol, (extract(epoch FROM max(timestamp)) * 1000000)::bigint "
            "FROM quotes GROUP BY symbol"
        )
        if str(sym) in codes
    }
    one_sided = bool(store._fetch("SELECT 1 FROM quotes WHERE bid IS NULL OR ask IS NULL LIMIT 1"))
    values = ", ".join(f"({i}, {h.ns // 1000})" for i, h in enumerate(horizons))
    probe = "q.symbol = f.symbol AND q.timestamp <= f.timestamp + h.dus * interval '1 microsecond'"
    if one_sided:
        lateral = (
            f"LEFT JOIN LATERAL (SELECT q.bid, coalesce(q.bid_size, 0) AS bid_size FROM quotes q "
            f"WHERE {probe} AND q.bid IS NOT NULL {_ORDER}) b ON true "
            f"LEFT JOIN LATERAL (SELECT q.ask, coalesce(q.ask_size, 0) AS ask_size FROM quotes q "
            f"WHERE {probe} AND q.ask IS NOT NULL {_ORDER}) a ON true"
        )
        sides = {"bid": "b.bid", "ask": "a.ask", "bid_size": "b.bid_size", "ask_size": "a.ask_size"}
        select = f"({reference_sql(reference, **sides)})"
    else:
        expr = reference_sql(reference)
        lateral = (
            f"LEFT JOIN LATERAL (SELECT {expr} AS ref FROM quotes q WHERE {probe} "
            f"AND q.bid IS NOT NULL AND q.ask IS NOT NULL {_ORDER}) r ON true"
        )
        select = "r.ref"
    joined: pa.Table = store._fetch_arrow(
        f"WITH f AS (SELECT fid, symbol, timestamp FROM ({numbered}) n), "
        f"h(hi, dus) AS (VALUES {values}) "
        f"SELECT f.fid, h.hi, {select}::float8 AS ref FROM f CROSS JOIN h {lateral}"
    )
    refs = place_references(fill_set, len(horizons), joined)
    return assemble(fill_set, horizons, refs, last)
