"""The SQL both engines share: schema, migrations, idempotent writes, reads.

A backend supplies a connection and four hooks: run a statement, fetch a query as Arrow, stage
an Arrow table as a temporary table (Arrow scan on DuckDB, COPY on PostgreSQL) and say which
tables exist. Everything else (the index, natural keys, replace-or-append, quarantine) is
written once here.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa

from tradeperf.errors import StoreError
from tradeperf.ingest.base import RecordKind
from tradeperf.records import QUARANTINE_SCHEMA, TRADE_SCHEMA, RejectedRow
from tradeperf.store.base import (
    NATURAL_KEYS,
    SourceEntry,
    SourceWrite,
    Store,
    StoreInfo,
    TradeQuery,
)
from tradeperf.store.sqltypes import create_table_sql

#: The ingestion index: one row per source file.
SOURCES_SCHEMA: Final = pa.schema(
    [
        pa.field("path", pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("mtime_ns", pa.int64(), nullable=False),
        pa.field("checksum", pa.string(), nullable=False),
        pa.field("prefix_checksum", pa.string(), nullable=False),
        pa.field("end_offset", pa.int64(), nullable=False),
        pa.field("format", pa.string(), nullable=False),
        pa.field("kind", pa.string(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("rejected", pa.int64(), nullable=False),
        pa.field("unreadable", pa.bool_(), nullable=False),
        pa.field("ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def migrations(dialect: str) -> dict[int, list[str]]:
    """Numbered schema migrations for ``dialect``; each runs once, in order."""
    return {
        1: [
            create_table_sql("trades", TRADE_SCHEMA, key=("trade_id",), dialect=dialect),
            create_table_sql("quarantine", QUARANTINE_SCHEMA, key=(), dialect=dialect),
            create_table_sql("sources", SOURCES_SCHEMA, key=("path",), dialect=dialect),
        ],
    }


class SQLStore(Store):
    """A store on a SQL engine. Subclasses implement the connection hooks."""

    dialect: str

    # -- hooks --------------------------------------------------------------------------
    @abc.abstractmethod
    def _exec(self, sql: str, params: list[Any] | None = None) -> int:
        """Run one statement (``?`` placeholders); return the affected row count."""

    @abc.abstractmethod
    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""

    @abc.abstractmethod
    def _fetch_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run a query and return the result as Arrow."""

    @abc.abstractmethod
    def _stage(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as the temporary table ``name`` (within the transaction)."""

    @abc.abstractmethod
    def _unstage(self, name: str) -> None:
        """Drop what `_stage` created."""

    @abc.abstractmethod
    def _transaction(self) -> Any:
        """A context manager: commit on success, roll back on error."""

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        self._exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        rows = self._fetch("SELECT max(version) FROM schema_version")
        current = (rows[0][0] if rows else None) or 0
        for version, statements in sorted(migrations(self.dialect).items()):
            if version <= current:
                continue
            try:
                with self._transaction():
                    for stmt in statements:
                        self._exec(stmt)
                    self._exec("INSERT INTO schema_version VALUES (?)", [version])
            except Exception as exc:
                raise StoreError(f"{self.url}: migration {version} failed: {exc}") from exc

    def schema_version(self) -> int:
        """The store's schema version (the last migration applied)."""
        rows = self._fetch("SELECT max(version) FROM schema_version")
        return int(rows[0][0] or 0) if rows else 0

    def _ensure_kind_table(self, kind: RecordKind, schema: pa.Schema) -> None:
        if not self._has_table(kind.value):
            sql = create_table_sql(kind.value, schema, key=NATURAL_KEYS[kind], dialect=self.dialect)
            self._exec(sql)

    def _columns(self, name: str) -> set[str]:
        """The columns of table ``name`` (cached: tables only ever gain columns by migration)."""
        cache: dict[str, set[str]] = self.__dict__.setdefault("_column_cache", {})
        if name not in cache:
            rows = self._fetch(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND table_schema = current_schema()",
                [name],
            )
            if not rows:
                return set()
            cache[name] = {r[0] for r in rows}
        return cache[name]

    def _has_table(self, name: str) -> bool:
        """True if table ``name`` exists (remembered once seen: tables are never dropped)."""
        return bool(self._columns(name))

    # -- index --------------------------------------------------------------------------
    def source_entry(self, path: str) -> SourceEntry | None:
        """See `Store.source_entry`."""
        cols = ", ".join(f.name for f in SOURCES_SCHEMA)
        rows = self._fetch(f"SELECT {cols} FROM sources WHERE path = ?", [path])
        return SourceEntry(*rows[0]) if rows else None

    def source_entries(self) -> dict[str, SourceEntry]:
        """See `Store.source_entries`."""
        cols = ", ".join(f.name for f in SOURCES_SCHEMA)
        return {r[0]: SourceEntry(*r) for r in self._fetch(f"SELECT {cols} FROM sources")}

    # -- writes -------------------------------------------------------------------------
    def write_sources(self, items: Sequence[SourceWrite]) -> int:
        """See `Store.write_sources`."""
        if not items:
            return 0
        names = ", ".join(repr(w.entry.path) for w in items[:3])
        where = f"{names}{' and others' if len(items) > 3 else ''}"
        inserted = 0
        try:
            with self._transaction():
                replaced = [w.entry.path for w in items if w.replace]
                if replaced:
                    self._delete_sources(replaced)
                by_kind: dict[RecordKind, list[pa.Table]] = {}
                for w in items:
                    if w.result.table.num_rows:
                        table = _with_source(w.result.table, w.entry.path)
                        by_kind.setdefault(w.result.kind, []).append(table)
                for kind, tables in by_kind.items():
                    inserted += self._insert_new(kind, pa.concat_tables(tables), where)
                rejects = [r for w in items for r in w.result.rejected]
                if rejects:
                    self._stage("_rejects", _rejects_table(rejects))
                    cols = ", ".join(f.name for f in QUARANTINE_SCHEMA)
                    self._exec(f"INSERT INTO quarantine ({cols}) SELECT {cols} FROM _rejects")
                    self._unstage("_rejects")
                entries = pa.Table.from_pylist(
                    [_entry_row(w.entry) for w in items], schema=SOURCES_SCHEMA
                )
                paths = [w.entry.path for w in items]
                self._exec(
                    f"DELETE FROM sources WHERE path IN ({', '.join('?' for _ in paths)})", paths
                )
                self._stage("_entries", entries)
                self._exec("INSERT INTO sources SELECT * FROM _entries")
                self._unstage("_entries")
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot store {where}: {exc}") from exc
        return inserted

    def _delete_sources(self, paths: list[str]) -> None:
        """Delete every record, reject and index entry read earlier from ``paths``."""
        marks = ", ".join("?" for _ in paths)
        for kind in RecordKind:
            if self._has_table(kind.value):
                self._exec(f'DELETE FROM "{kind.value}" WHERE source IN ({marks})', paths)
        self._exec(f"DELETE FROM quarantine WHERE source IN ({marks})", paths)

    def _insert_new(self, kind: RecordKind, table: pa.Table, where: str) -> int:
        """Insert the rows of ``table`` whose natural key is not stored yet; return how many."""
        self._ensure_kind_table(kind, table.schema)
        unknown = set(table.column_names) - self._columns(kind.value)
        if unknown:
            raise StoreError(
                f"cannot store {where}: no columns {sorted(unknown)} in table {kind.value}"
            )
        keys = ", ".join(f'"{k}"' for k in NATURAL_KEYS[kind])
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        self._stage("_batch", table)
        inserted = self._exec(
            f'INSERT INTO "{kind.value}" ({cols}) '
            f"SELECT DISTINCT ON ({keys}) {cols} FROM _batch "
            f"ORDER BY {keys} ON CONFLICT DO NOTHING"
        )
        self._unstage("_batch")
        return inserted

    # -- reads --------------------------------------------------------------------------
    def trades(self, query: TradeQuery | None = None) -> pa.Table:
        """See `Store.trades`."""
        q = query or TradeQuery()
        where: list[str] = []
        params: list[Any] = []
        if q.start is not None:
            where.append("exit_time >= ?")
            params.append(q.start)
        if q.end is not None:
            where.append("exit_time < ?")
            params.append(q.end)
        for column, values in (("strategy", q.strategies), ("symbol", q.symbols)):
            if values:
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        cols = ", ".join(f'"{f.name}"' for f in TRADE_SCHEMA)
        sql = f"SELECT {cols} FROM trades"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY exit_time NULLS LAST, entry_time NULLS FIRST, trade_id"
        return self._fetch_arrow(sql, params).cast(TRADE_SCHEMA)

    def records(self, kind: RecordKind) -> pa.Table:
        """See `Store.records`."""
        if not self._has_table(kind.value):
            return pa.table({})
        order = "exit_time, trade_id" if kind is RecordKind.TRADES else "timestamp"
        return self._fetch_arrow(f'SELECT * FROM "{kind.value}" ORDER BY {order}')

    def quarantine(self) -> pa.Table:
        """See `Store.quarantine`."""
        names = ", ".join(f.name for f in QUARANTINE_SCHEMA)
        sql = f"SELECT {names} FROM quarantine ORDER BY source, line"
        return self._fetch_arrow(sql).cast(QUARANTINE_SCHEMA)

    def _size_bytes(self) -> int | None:
        return None

    def info(self) -> StoreInfo:
        """See `Store.info`."""
        counts: dict[str, int] = {}
        for kind in RecordKind:
            if self._has_table(kind.value):
                counts[kind.value] = int(self._fetch(f'SELECT count(*) FROM "{kind.value}"')[0][0])
        counts["quarantine"] = int(self._fetch("SELECT count(*) FROM quarantine")[0][0])
        first, last = self._fetch("SELECT min(exit_time), max(exit_time) FROM trades")[0]
        n_sources, unreadable = self._fetch(
            "SELECT count(*), count(*) FILTER (WHERE unreadable) FROM sources"
        )[0]
        unreadable_rejects = int(
            self._fetch(
                "SELECT count(*) FROM quarantine q JOIN sources s ON q.source = s.path "
                "WHERE s.unreadable"
            )[0][0]
        )
        return StoreInfo(
            url=self.url,
            schema_version=self.schema_version(),
            counts=counts,
            first_exit=first,
            last_exit=last,
            sources=int(n_sources),
            unreadable_files=int(unreadable),
            rejected_rows=counts["quarantine"] - unreadable_rejects,
            size_bytes=self._size_bytes(),
        )


def _with_source(table: pa.Table, path: str) -> pa.Table:
    """The table with its ``source`` column set to ``path`` (added if the kind has none)."""
    column = pa.array([path] * table.num_rows, pa.string())
    if "source" in table.column_names:
        return table.set_column(table.column_names.index("source"), "source", column)
    return table.append_column("source", column)


def _rejects_table(rejected: list[RejectedRow]) -> pa.Table:
    now = dt.datetime.now(dt.UTC)
    rows: dict[str, list[Any]] = {f.name: [] for f in QUARANTINE_SCHEMA}
    for r in rejected:
        rows["source"].append(r.source)
        rows["line"].append(r.line)
        rows["field"].append(r.field)
        rows["reason"].append(r.reason)
        rows["raw"].append(r.raw[:2000] if r.raw else None)
        rows["ingested_at"].append(now)
    return pa.table(rows, schema=QUARANTINE_SCHEMA)


def _entry_row(e: SourceEntry) -> dict[str, object]:
    return {f.name: getattr(e, f.name) for f in SOURCES_SCHEMA}
