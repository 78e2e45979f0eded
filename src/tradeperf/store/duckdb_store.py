"""The embedded default store: one DuckDB file, no server."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from tradeperf.errors import StoreError
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.records import QUARANTINE_SCHEMA, TRADE_SCHEMA
from tradeperf.store.base import (
    NATURAL_KEYS,
    SourceEntry,
    Store,
    StoreInfo,
    TradeQuery,
)
from tradeperf.store.sqltypes import create_table_sql

SCHEMA_VERSION: Final = 1

_SOURCES_DDL: Final = """
CREATE TABLE IF NOT EXISTS sources (
  path VARCHAR PRIMARY KEY,
  size BIGINT NOT NULL,
  mtime_ns BIGINT NOT NULL,
  checksum VARCHAR NOT NULL,
  prefix_checksum VARCHAR NOT NULL,
  end_offset BIGINT NOT NULL,
  format VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  rows BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  unreadable BOOLEAN NOT NULL,
  ingested_at TIMESTAMPTZ NOT NULL
)
"""

#: Numbered migrations; each runs once, in order, in its own transaction.
MIGRATIONS: Final[dict[int, list[str]]] = {
    1: [
        create_table_sql("trades", TRADE_SCHEMA, key=("trade_id",), dialect="duckdb"),
        create_table_sql("quarantine", QUARANTINE_SCHEMA, key=(), dialect="duckdb"),
        _SOURCES_DDL,
    ],
}


def duckdb_path(url: str) -> str:
    """The file path of a ``duckdb://`` URL or a plain path.

    ``duckdb:///abs/file.duckdb`` is absolute, ``duckdb://rel/file.duckdb`` or
    ``rel/file.duckdb`` relative to the working directory, ``duckdb://:memory:`` in memory.
    """
    rest = url[len("duckdb://") :] if url.startswith("duckdb://") else url
    if not rest:
        raise StoreError(f"store URL {url!r} names no file")
    return rest


class DuckDBStore(Store):
    """A store in one DuckDB file (created with its parent folder if missing).

    Raises
    ------
    StoreError
        If the file cannot be opened (locked by another process, not a DuckDB file).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = duckdb_path(url)
        try:
            if self.path != ":memory:":
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(self.path)
        except (duckdb.Error, OSError) as exc:
            raise StoreError(f"cannot open store {url}: {exc}") from exc
        self.con.execute("SET TimeZone = 'UTC'")
        self._migrate()

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        current = (row[0] if row else None) or 0
        for version in sorted(v for v in MIGRATIONS if v > current):
            self.con.execute("BEGIN")
            try:
                for stmt in MIGRATIONS[version]:
                    self.con.execute(stmt)
                self.con.execute("INSERT INTO schema_version VALUES (?)", [version])
                self.con.execute("COMMIT")
            except duckdb.Error as exc:
                self.con.execute("ROLLBACK")
                raise StoreError(f"migration {version} failed: {exc}") from exc

    def _table_exists(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def _ensure_kind_table(self, kind: RecordKind, schema: pa.Schema) -> None:
        if kind is RecordKind.TRADES or self._table_exists(kind.value):
            return
        self.con.execute(
            create_table_sql(kind.value, schema, key=NATURAL_KEYS[kind], dialect="duckdb")
        )

    # -- index --------------------------------------------------------------------------
    def source_entry(self, path: str) -> SourceEntry | None:
        """See `Store.source_entry`."""
        row = self.con.execute("SELECT * FROM sources WHERE path = ?", [path]).fetchone()
        if row is None:
            return None
        return SourceEntry(*row)

    # -- writes -------------------------------------------------------------------------
    def write_source(self, entry: SourceEntry, result: ReadResult, *, replace: bool) -> int:
        """See `Store.write_source`."""
        table = _with_source(result.table, entry.path)
        key = NATURAL_KEYS[result.kind]
        con = self.con
        con.execute("BEGIN")
        try:
            if result.table.num_rows:
                self._ensure_kind_table(result.kind, table.schema)
            if replace:
                for kind in RecordKind:
                    if self._table_exists(kind.value):
                        con.execute(f'DELETE FROM "{kind.value}" WHERE source = ?', [entry.path])
                con.execute("DELETE FROM quarantine WHERE source = ?", [entry.path])
            inserted = 0
            if table.num_rows:
                cols = ", ".join(f'"{c}"' for c in table.column_names)
                keys = ", ".join(f'"{k}"' for k in key)
                con.register("_batch", table)
                row = con.execute(
                    f'INSERT INTO "{result.kind.value}" ({cols}) SELECT {cols} FROM _batch '
                    f"QUALIFY row_number() OVER (PARTITION BY {keys}) = 1 "
                    "ON CONFLICT DO NOTHING"
                ).fetchone()
                con.unregister("_batch")
                inserted = int(row[0]) if row else 0
            if result.rejected:
                con.register("_rejects", _rejects_table(result))
                con.execute("INSERT INTO quarantine SELECT * FROM _rejects")
                con.unregister("_rejects")
            con.execute(
                "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _entry_row(entry),
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(f"cannot store {entry.path}: {exc}") from exc
        return inserted

    # -- reads --------------------------------------------------------------------------
    def trades(self, query: TradeQuery | None = None) -> pa.Table:
        """See `Store.trades`."""
        q = query or TradeQuery()
        where, params = [], []
        if q.start is not None:
            where.append("exit_time >= ?")
            params.append(q.start)
        if q.end is not None:
            where.append("exit_time < ?")
            params.append(q.end)
        if q.strategies:
            where.append(f"strategy IN ({', '.join('?' * len(q.strategies))})")
            params.extend(q.strategies)
        if q.symbols:
            where.append(f"symbol IN ({', '.join('?' * len(q.symbols))})")
            params.extend(q.symbols)
        cols = ", ".join(f'"{f.name}"' for f in TRADE_SCHEMA)
        sql = f"SELECT {cols} FROM trades"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY exit_time NULLS LAST, entry_time, trade_id"
        table = self.con.sql(sql, params=params).to_arrow_table()
        return table.cast(TRADE_SCHEMA)

    def records(self, kind: RecordKind) -> pa.Table:
        """See `Store.records`."""
        if not self._table_exists(kind.value):
            return pa.table({})
        order = "exit_time, trade_id" if kind is RecordKind.TRADES else "timestamp"
        return self.con.sql(f'SELECT * FROM "{kind.value}" ORDER BY {order}').to_arrow_table()

    def quarantine(self) -> pa.Table:
        """See `Store.quarantine`."""
        t = self.con.sql("SELECT * FROM quarantine ORDER BY source, line").to_arrow_table()
        return t.cast(QUARANTINE_SCHEMA)

    def info(self) -> StoreInfo:
        """See `Store.info`."""
        counts = {}
        for kind in RecordKind:
            if self._table_exists(kind.value):
                row = self.con.execute(f'SELECT count(*) FROM "{kind.value}"').fetchone()
                counts[kind.value] = int(row[0]) if row else 0
        row = self.con.execute("SELECT count(*) FROM quarantine").fetchone()
        counts["quarantine"] = int(row[0]) if row else 0
        first, last = self.con.execute(
            "SELECT min(exit_time), max(exit_time) FROM trades"
        ).fetchone() or (None, None)
        n_sources, unreadable = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE unreadable) FROM sources"
        ).fetchone() or (0, 0)
        size = os.path.getsize(self.path) if os.path.exists(self.path) else None
        version = self.con.execute("SELECT max(version) FROM schema_version").fetchone()
        return StoreInfo(
            url=self.url,
            schema_version=int(version[0]) if version else 0,
            counts=counts,
            first_exit=first,
            last_exit=last,
            sources=int(n_sources),
            unreadable_files=int(unreadable),
            rejected_rows=counts["quarantine"] - int(unreadable),
            size_bytes=size,
        )

    def close(self) -> None:
        """See `Store.close`."""
        self.con.close()


def _with_source(table: pa.Table, path: str) -> pa.Table:
    """The table with its ``source`` column set to ``path`` (added if the kind has none)."""
    column = pa.array([path] * table.num_rows, pa.string())
    if "source" in table.column_names:
        return table.set_column(table.column_names.index("source"), "source", column)
    return table.append_column("source", column)


def _rejects_table(result: ReadResult) -> pa.Table:
    now = dt.datetime.now(dt.UTC)
    rows: dict[str, list[Any]] = {f.name: [] for f in QUARANTINE_SCHEMA}
    for r in result.rejected:
        rows["source"].append(r.source)
        rows["line"].append(r.line)
        rows["field"].append(r.field)
        rows["reason"].append(r.reason)
        rows["raw"].append(r.raw[:2000] if r.raw else None)
        rows["ingested_at"].append(now)
    return pa.table(rows, schema=QUARANTINE_SCHEMA)


def _entry_row(e: SourceEntry) -> list[object]:
    return [
        e.path,
        e.size,
        e.mtime_ns,
        e.checksum,
        e.prefix_checksum,
        e.end_offset,
        e.format,
        e.kind,
        e.rows,
        e.rejected,
        e.unreadable,
        e.ingested_at,
    ]
