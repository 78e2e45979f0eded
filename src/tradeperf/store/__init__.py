"""Persistence behind one small interface: DuckDB by default, PostgreSQL by URL."""

from __future__ import annotations

from tradeperf.errors import StoreError
from tradeperf.store.base import SourceEntry, SourceWrite, Store, StoreInfo, TradeQuery

__all__ = ["SourceEntry", "SourceWrite", "Store", "StoreInfo", "TradeQuery", "open_store"]


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
    if url.startswith(("postgresql://", "postgres://")):
        try:
            from tradeperf.store.postgres_store import PostgresStore
        except ImportError as exc:  # the backend module is optional until it exists
            raise StoreError(f"PostgreSQL store is not available: {exc}") from exc
        return PostgresStore(url)
    if "://" in url and not url.startswith("duckdb://"):
        raise StoreError(f"unknown store URL scheme in {url!r} (use duckdb:// or postgresql://)")
    from tradeperf.store.duckdb_store import DuckDBStore

    return DuckDBStore(url)
