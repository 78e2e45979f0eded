"""Persistence behind one small interface: DuckDB by default, PostgreSQL by URL."""

from __future__ import annotations

import datetime as dt
import re

from tradeperf.errors import InputError, StoreError
from tradeperf.store.base import SourceEntry, SourceWrite, Store, StoreInfo, TradeQuery

__all__ = [
    "SourceEntry",
    "SourceWrite",
    "Store",
    "StoreInfo",
    "TradeQuery",
    "open_store",
    "parse_age",
]

_AGE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


def parse_age(text: str) -> dt.timedelta:
    """An age such as ``90d``, ``12h`` or ``2w`` as a timedelta.

    Raises
    ------
    InputError
        If ``text`` is not a positive whole number followed by h, d or w.

    Examples
    --------
    >>> parse_age("90d")
    datetime.timedelta(days=90)
    """
    m = _AGE.match(text)
    if not m or int(m.group(1)) <= 0:
        raise InputError(f"age {text!r} is not like 90d, 12h or 2w")
    return int(m.group(1)) * _UNITS[m.group(2)]


def open_store(url: str) -> Store:
    """Open the store named by ``url``.

    Parameters
    ----------
    url : ``duckdb:///abs/path.duckdb``, ``duckdb://rel/path.duckdb``, a plain file path
        (DuckDB), or ``postgresql://user@host:port/db``.

    Raises
    ------
    StoreError
        If the URL's scheme is unknown or the store cannot be opened.
    """
    # backends are imported on use: a DuckDB user never loads psycopg, and the reverse
    if url.startswith(("postgresql://", "postgres://")):
        from tradeperf.store.postgres_store import PostgresStore

        return PostgresStore(url)
    if "://" in url and not url.startswith("duckdb://"):
        raise StoreError(f"unknown store URL scheme in {url!r} (use duckdb:// or postgresql://)")
    from tradeperf.store.duckdb_store import DuckDBStore

    return DuckDBStore(url)
