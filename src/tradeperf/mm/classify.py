"""The side of public trades: the venue's aggressor flag, else the Lee–Ready rule, in DuckDB.

Lee & Ready (1991), "Inferring trade direction from intraday data", *Journal of Finance*
46(2), 733–746:

1. **quote rule**: a trade above the mid-quote (bid + ask) / 2 in force at its time is a buy
   (the buyer took liquidity), below it a sell;
2. **tick rule**, for a trade at the mid or with no two-sided quote yet: a trade above the
   last earlier trade of the symbol at another price (an uptick, or a zero-uptick) is a buy,
   below it (a downtick or a zero-downtick) a sell; a trade with no earlier trade at another
   price stays unclassified (null).

Lee and Ready compared trades with quotes five seconds older, to make up for quotes stamped
ahead of the trades they followed. With millisecond stamps of one feed, as LEAN's, no delay is
applied: the quote in force is the last one at or before the trade's time (Bessembinder 2003,
"Issues in assessing trade execution costs", *J. Financial Markets* 6(3); Holden & Jacobsen
2014, "Liquidity measurement problems in fast, competitive markets", *J. Finance* 69(4)).

A trade whose venue says its aggressor (``aggressor`` not null) keeps it. Every trade is
ordered within its symbol by timestamp, source, source line, then trade id. "At the mid" is
within a relative 1e-9 of it (`AT_MID_TOLERANCE`): a float64 mid of two decimal prices is often
one rounding away from the decimal mid, and no price grid is that fine. Nothing is pulled into
Python: the quotes stay in DuckDB, matched with an ASOF join.
"""

from __future__ import annotations

from typing import Final

import duckdb

__all__ = ["AT_MID_TOLERANCE", "classify_trades", "lee_ready_sql"]

#: A trade within this fraction of the mid is at the mid (float64 rounding, not a price).
AT_MID_TOLERANCE: Final = 1e-9


def lee_ready_sql(trades: str, book: str) -> str:
    """Give a SELECT of every trade with its side, by its venue or by Lee–Ready.

    Parameters
    ----------
    trades
        A relation of public trades (SQL text: a table or view name, or a parenthesised
        query) with at least trade_id, timestamp, symbol, price, source, source_line and
        aggressor (``'BUY'``, ``'SELL'`` or null).
    book
        A relation of the rebuilt top of book: symbol, timestamp, bid, ask, one row per
        symbol and timestamp (the state after the last quote at that time).

    Returns
    -------
    str
        A query giving every column of ``trades`` (``aggressor`` filled in where it can be)
        and ``classified_by``: ``'venue'``, ``'quote'``, ``'tick'`` or null (unclassified),
        ordered by timestamp, symbol, source, source_line, trade_id. Run it after
        ``SET asof_loop_join_threshold = 0`` (as `classify_trades` does).

    Examples
    --------
    >>> "ASOF LEFT JOIN book" in lee_ready_sql("trades", "book")
    True
    """
    order = "PARTITION BY symbol ORDER BY timestamp, source, source_line, trade_id"
    twice_mid = "(b.bid + b.ask)"
    margin = f"{AT_MID_TOLERANCE!r} * abs{twice_mid}"
    return f"""
WITH lr_previous AS (
    SELECT *, lag(price) OVER ({order}) AS __lr_previous
    FROM {trades}
), lr_tick AS (
    SELECT * EXCLUDE (__lr_previous),
        last_value(
            CASE WHEN price > __lr_previous THEN 'BUY'
                 WHEN price < __lr_previous THEN 'SELL' END IGNORE NULLS
        ) OVER ({order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __lr_tick
    FROM lr_previous
), lr_quote AS (
    SELECT t.*,
        CASE WHEN 2 * t.price - {twice_mid} > {margin} THEN 'BUY'
             WHEN {twice_mid} - 2 * t.price > {margin} THEN 'SELL' END AS __lr_quote
    FROM lr_tick AS t
    ASOF LEFT JOIN {book} AS b ON t.symbol = b.symbol AND t.timestamp >= b.timestamp
)
SELECT q.* EXCLUDE (__lr_tick, __lr_quote)
        REPLACE (coalesce(q.aggressor, q.__lr_quote, q.__lr_tick) AS aggressor),
    CASE WHEN q.aggressor IS NOT NULL THEN 'venue'
         WHEN q.__lr_quote IS NOT NULL THEN 'quote'
         WHEN q.__lr_tick IS NOT NULL THEN 'tick' END AS classified_by
FROM lr_quote AS q
ORDER BY timestamp, symbol, source, source_line, trade_id
"""


def classify_trades(
    con: duckdb.DuckDBPyConnection, trades: str, book: str
) -> duckdb.DuckDBPyRelation:
    """Classify public trades by `lee_ready_sql` on ``con`` (see the module docstring).

    Parameters
    ----------
    con
        The connection holding both relations; its ``asof_loop_join_threshold`` is set to 0
        (the ASOF join is always the sort-merge one).
    trades
        The public trades' relation (see `lee_ready_sql`).
    book
        The rebuilt book's relation (see `lee_ready_sql`).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute(
    ...     "CREATE TABLE book AS SELECT 'X' AS symbol, TIMESTAMPTZ '2024-01-02 10:00:00+00'"
    ...     " AS timestamp, 99.0::DOUBLE AS bid, 101.0::DOUBLE AS ask"
    ... )
    >>> _ = con.execute(
    ...     "CREATE TABLE trades AS SELECT trade_id, timestamp::TIMESTAMPTZ AS timestamp,"
    ...     " 'X' AS symbol, price::DOUBLE AS price, 'f' AS source, line AS source_line,"
    ...     " aggressor FROM (VALUES ('a', '2024-01-02 09:59:00+00', 100.0, 1, NULL),"
    ...     " ('b', '2024-01-02 10:01:00+00', 100.5, 2, NULL),"
    ...     " ('c', '2024-01-02 10:02:00+00', 100.0, 3, NULL),"
    ...     " ('d', '2024-01-02 10:03:00+00', 100.0, 4, 'BUY'))"
    ...     " AS v(trade_id, timestamp, price, line, aggressor)"
    ... )
    >>> classified = classify_trades(con, "trades", "book")
    >>> classified.select("trade_id, aggressor, classified_by").fetchall()
    [('a', None, None), ('b', 'BUY', 'quote'), ('c', 'SELL', 'tick'), ('d', 'BUY', 'venue')]
    """
    con.execute("SET asof_loop_join_threshold = 0")
    return con.sql(lee_ready_sql(trades, book))
