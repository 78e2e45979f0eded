"""The embedded default store: one DuckDB file, no server."""

from __future__ import annotations

import contextlib
import os
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from tradeperf.errors import StoreError
from tradeperf.records import RecordKind
from tradeperf.store import redact_url
from tradeperf.store.sql import SQLStore

# `DuckDBStore._fetch_arrow_small` takes the DB-API's Arrow copy knowingly
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)


#: Seconds to wait for a DuckDB file another process holds (``TRADEPERF_STORE_WAIT``).
DEFAULT_LOCK_WAIT = 10.0


def lock_wait() -> float:
    """Give how long to wait for a store file held by another process, in seconds.

    ``TRADEPERF_STORE_WAIT`` (default 10; 0: do not wait).

    Raises
    ------
    StoreError
        If the setting is not a number of seconds.
    """
    from tradeperf.config import environment

    text = environment().get("TRADEPERF_STORE_WAIT", "").strip()
    if not text:
        return DEFAULT_LOCK_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86_400:
        raise StoreError(f"TRADEPERF_STORE_WAIT: seconds from 0, not {text!r}")
    return seconds


def _connect(path: str, url: str) -> duckdb.DuckDBPyConnection:
    """Open ``path``; while another process holds it, wait up to `lock_wait` for it."""
    deadline = time.monotonic() + (lock_wait() if path != ":memory:" else 0.0)
    pause = 0.05
    while True:
        try:
            return duckdb.connect(path)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise StoreError(f"cannot open store {url}: {exc}") from None
            from tradeperf.store.holder import holder_of

            served = holder_of(path)
            if served is not None:  # a service holds it for as long as it runs: no wait
                raise StoreError(f"store {url} is in use: {served.describe()}") from None
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", text)
                holder = f" (PID {pid.group(1)})" if pid else ""
                raise StoreError(
                    f"store {url} is in use by another process{holder}: a DuckDB file has "
                    f"one process at a time (a `tradeperf watch` holds it only during each "
                    f"cycle); waited {lock_wait():g} s (TRADEPERF_STORE_WAIT)"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def duckdb_path(url: str) -> str:
    """Return the file path of a ``duckdb://`` URL or a plain path.

    ``duckdb:///abs/file.duckdb`` is absolute, ``duckdb://rel/file.duckdb`` or
    ``rel/file.duckdb`` relative to the working directory, ``duckdb://:memory:`` in memory.

    Examples
    --------
    >>> duckdb_path("duckdb:///var/lib/tp.duckdb"), duckdb_path("duckdb://tp.duckdb")
    ('/var/lib/tp.duckdb', 'tp.duckdb')
    """
    rest = url[len("duckdb://") :] if url.startswith("duckdb://") else url
    if not rest:
        raise StoreError(f"store URL {redact_url(url)!r} names no file")
    return rest


class DuckDBStore(SQLStore):
    """A store in one DuckDB file (created with its parent folder if missing).

    Raises
    ------
    StoreError
        If the file cannot be opened (locked by another process, not a DuckDB file).
    """

    dialect = "duckdb"

    def __init__(self, url: str) -> None:
        self.url = redact_url(url)
        self.path = duckdb_path(url)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.con = _connect(self.path, self.url)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open store {self.url}: {exc}") from None
        self.con.execute("SET TimeZone = 'UTC'")
        self._migrate()
        self._warm_column_cache()

    def _warm_column_cache(self) -> None:
        """Read the columns of the record tables now, outside any transaction.

        There a missing table is a harmless error: DuckDB's catalogue functions cost ~13 ms on
        a connection's first call, its per-table pragma well under 1 ms.
        """
        cache: dict[str, set[str]] = self.__dict__.setdefault("_column_cache", {})
        for name in ("sources", *(kind.value for kind in RecordKind)):
            try:
                rows = self.con.execute("SELECT name FROM pragma_table_info(?)", [name])
                found = {r[0] for r in rows.fetchall()}
            except duckdb.CatalogException:
                continue
            if found:
                cache[name] = found

    def _exec(self, sql: str, params: list[Any] | None = None) -> int:
        rows = self.con.execute(sql, params or []).fetchall()
        if rows and len(rows[0]) == 1 and isinstance(rows[0][0], int):
            return int(rows[0][0])
        return 0

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()

    def _fetch_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def _fetch_arrow_small(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run an aggregate query as a DB-API statement, which DuckDB plans once.

        A relation (`_fetch_arrow`) is bound when made and planned again when run: ~15 ms
        more on the partials SQL, while the copy the DB-API's Arrow output makes is nothing
        on a small result (and slower than a relation on a large one).
        """
        return self.con.execute(sql, params or []).to_arrow_table()

    def _stage(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def _unstage(self, name: str) -> None:
        self.con.unregister(name)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _size_bytes(self) -> int | None:
        return os.path.getsize(self.path) if os.path.exists(self.path) else None

    def close(self) -> None:
        """See `Store.close`."""
        self.con.close()
