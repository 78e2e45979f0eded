"""The book a markout is read from: quote rows as the top of the book over time, in SQL.

Book state at time t (docs/markouts.md, reference price): the last bid (with its size) and the
last ask (with its size) of the quote rows of the symbol with timestamp <= t; of rows at the same
timestamp, the last in input order counts. A row carrying one side leaves the other as it was
(the LEAN/AlgoSeek tick files), so the book is rebuilt by carrying each side forward.

The reference price of a book state (``reference``):

- ``mid`` — (bid + ask) / 2;
- ``weighted_mid`` — (bid·bid_size + ask·ask_size) / (bid_size + ask_size), the size-weighted
  mid (the price of the top of the book's volume);
- ``micro_price`` — (bid·ask_size + ask·bid_size) / (bid_size + ask_size), the
  imbalance-weighted price that leans toward the side about to be taken (Stoikov 2018, "The
  micro-price", Quantitative Finance 18(12), the first-order form).

It is missing while the book lacks a side (and, for the weighted forms, when both sizes are
zero or missing).
"""

from __future__ import annotations

from typing import Final

from tradeperf.errors import ConfigError

#: The reference prices a markout can be taken against.
REFERENCES: Final = ("mid", "weighted_mid", "micro_price")


def reference_sql(
    reference: str,
    *,
    bid: str = "bid",
    ask: str = "ask",
    bid_size: str = "bid_size",
    ask_size: str = "ask_size",
) -> str:
    """Return the SQL expression of ``reference`` over the book's columns (named as given).

    Raises
    ------
    ConfigError
        If ``reference`` is not one of `REFERENCES`.

    Examples
    --------
    >>> reference_sql("mid")
    '(bid + ask) / 2'
    """
    if reference == "mid":
        return f"({bid} + {ask}) / 2"
    bs, as_ = f"coalesce({bid_size}, 0)", f"coalesce({ask_size}, 0)"
    sizes = f"nullif({bs} + {as_}, 0)"
    if reference == "weighted_mid":
        return f"({bid} * {bs} + {ask} * {as_}) / {sizes}"
    if reference == "micro_price":
        return f"({bid} * {as_} + {ask} * {bs}) / {sizes}"
    raise ConfigError(f"reference {reference!r}: choose one of {', '.join(REFERENCES)}")


def book_sql(quotes: str, *, one_sided: bool, reference: str) -> str:
    """Build the SELECT of the book's reference price after each quote row (DuckDB).

    Parameters
    ----------
    quotes
        A relation with columns ``c`` (symbol code), ``us`` (time, µs since the epoch),
        ``k`` (HUGEINT order key: us·2^64 + input sequence), bid, ask, bid_size, ask_size.
    one_sided
        Whether some rows carry one side only: then each side is carried forward by a window
        over the symbol's rows in key order; otherwise each row is the whole book.
    reference
        One of `REFERENCES`.

    Returns
    -------
    SQL of rows (c, us, k, ref) with ``ref`` not null.
    """
    expr = reference_sql(reference)
    if one_sided:
        w = "OVER (PARTITION BY c ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"
        inner = (
            f"SELECT c, us, k, last_value(bid IGNORE NULLS) {w} AS bid, "
            f"last_value(ask IGNORE NULLS) {w} AS ask, "
            f"last_value(CASE WHEN bid IS NOT NULL THEN coalesce(bid_size, 0) END IGNORE NULLS) "
            f"{w} AS bid_size, "
            f"last_value(CASE WHEN ask IS NOT NULL THEN coalesce(ask_size, 0) END IGNORE NULLS) "
            f"{w} AS ask_size FROM {quotes}"
        )
    else:
        inner = f"SELECT c, us, k, bid, ask, bid_size, ask_size FROM {quotes}"
    return f"SELECT c, us, k, {expr} AS ref FROM ({inner}) b WHERE {expr} IS NOT NULL"
