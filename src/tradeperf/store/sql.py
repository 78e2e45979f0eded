"""The SQL both engines share: schema, migrations, idempotent writes, reads.

A backend supplies a connection and four hooks: run a statement, fetch a query as Arrow, stage
an Arrow table as a temporary table (Arrow scan on DuckDB, COPY on PostgreSQL) and say which
tables exist. Everything else (the index, natural keys, replace-or-append, quarantine) is
written once here.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.errors import ConfigError, InputError, StoreError
from tradeperf.records import (
    ALERT_SCHEMA,
    BOOK_CHECKPOINT_SCHEMA,
    BOOK_DAY_SCHEMA,
    BOOK_TRADE_SCHEMA,
    EXIT_ORDER_SQL,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    FX_RATE_SCHEMA,
    MARK_SCHEMA,
    MONEY_TYPE,
    PUBLIC_TRADE_SCHEMA,
    QUARANTINE_SCHEMA,
    TIMESTAMP_TYPE,
    TRADE_SCHEMA,
    Alert,
    RecordKind,
    RejectedRow,
    TradeStatus,
    alerts_to_table,
)
from tradeperf.store.base import (
    NATURAL_KEYS,
    AlertEventRow,
    AlertRow,
    BookingNote,
    Grouping,
    NoticeRow,
    SilenceRow,
    SlippageSum,
    SlippageSums,
    SourceEntry,
    SourceWrite,
    Store,
    StoreInfo,
    TradeQuery,
)
from tradeperf.store.frozen_ddl import DDL
from tradeperf.store.identity import (
    CONFLICT_KINDS,
    CONFLICT_REASON,
    conflict_table,
    content_sql,
    match_sql,
    quarantine_sql,
)
from tradeperf.store.markout_sql import MarkoutTables
from tradeperf.store.partials_sql import (
    ALL,
    CLOSED_SQL,
    KEPT_KEYS,
    PARTIALS_SCHEMA,
    SUM_COLUMNS,
    breakdown_key,
    grouped_trades_sql,
    local_day_sql,
    partials_select_sql,
    split_key,
)
from tradeperf.store.sqltypes import create_table_sql
from tradeperf.store.tracker_sql import TrackerTables
from tradeperf.timezones import resolve_timezone

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
        pa.field("digest_state", pa.string(), nullable=False),
        pa.field("end_line", pa.int64(), nullable=False),
        pa.field("options", pa.string(), nullable=False),
        pa.field("capital", pa.string(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
    ]
)


#: Record kinds whose old raw rows `SQLStore.prune` may delete, by their time column.
PRUNABLE: Final[dict[str, str]] = {
    "marks": "timestamp",
    "quotes": "timestamp",
    "public_trades": "timestamp",
    "fills": "timestamp",
    "funding": "timestamp",
}

#: Record kinds the books are kept from (a write of them books their symbols again).
BOOKED_KINDS: Final = (RecordKind.FILLS, RecordKind.MARKS, RecordKind.FUNDING)

#: The order records of a kind are booked in: time, then input order (file, line), then
#: the natural key, so that ties are broken the same way on every engine and every read.
_INPUT_ORDER: Final = {
    **{
        kind: ", ".join(dict.fromkeys(["timestamp", "source", "source_line", *NATURAL_KEYS[kind]]))
        for kind in RecordKind
    },
    RecordKind.TRADES: EXIT_ORDER_SQL,
    RecordKind.FX_RATES: "date, currency, base",
}

#: The order trades are read in (stored and booked): `tradeperf.records.EXIT_ORDER`.
_EXIT_ORDER: Final = EXIT_ORDER_SQL

#: Raw kinds the books are kept from: never pruned while fills are stored.
BOOKED_FROM: Final = frozenset({"fills", "marks", "funding"})

_CLOSED: Final = TradeStatus.CLOSED.value
#: The columns of each conflict table (those of its kind).
_CONFLICT_SCHEMAS: Final = {
    RecordKind.TRADES: TRADE_SCHEMA,
    RecordKind.FILLS: FILL_SCHEMA,
    RecordKind.MARKS: MARK_SCHEMA,
    RecordKind.FX_RATES: FX_RATE_SCHEMA,
    RecordKind.PUBLIC_TRADES: PUBLIC_TRADE_SCHEMA,
}

#: The reporting timezone whose partials every store maintains from the start.
DEFAULT_PARTIALS_TZ: Final = "UTC"

Migration = str | Callable[["SQLStore"], None]


def migrations(dialect: str) -> dict[int, list[Migration]]:
    """Numbered schema migrations for ``dialect``; each runs once, in order, on open.

    A step is a SQL statement or a function of the store (for data migrations). The tables
    they create are frozen as literal DDL (`tradeperf.store.frozen_ddl`): a record schema
    that grows needs a migration of its own.
    """
    t = DDL[dialect]
    v2: list[Migration] = [
        t["daily_partials@2"],
        "CREATE TABLE IF NOT EXISTS partial_timezones "
        "(timezone VARCHAR PRIMARY KEY, built_at TIMESTAMPTZ NOT NULL)",
        lambda store: store._build_partials(DEFAULT_PARTIALS_TZ),
    ]
    if dialect == "postgres":
        # DuckDB scans by zone maps; an ART index would only slow its bulk inserts
        v2[:0] = [
            "CREATE INDEX IF NOT EXISTS trades_exit_time ON trades (exit_time)",
            "CREATE INDEX IF NOT EXISTS trades_source ON trades (source)",
            "CREATE INDEX IF NOT EXISTS quarantine_source ON quarantine (source, line)",
        ]
    # every record kind's table from its record schema (until now created on first write),
    # and the alert history
    v3: list[Migration] = [
        t[f"{name}@3"] for name in ("fills", "marks", "funding", "cash_flows", "alert_history")
    ]
    return {
        1: [
            t["trades@1"],
            t["quarantine@1"],
            t["sources@1"],
        ],
        2: v2,
        3: v3,
        # what lets a grown log be read on without reading its first part again: the state
        # of its content digest at its last block, and its line count at the offset
        4: [
            "ALTER TABLE sources ADD COLUMN digest_state VARCHAR NOT NULL DEFAULT ''",
            "ALTER TABLE sources ADD COLUMN end_line BIGINT NOT NULL DEFAULT 0",
        ],
        # the reader options a file was read with: other options read it again
        5: ["ALTER TABLE sources ADD COLUMN options VARCHAR NOT NULL DEFAULT ''"],
        # every version of a natural key that arrived with conflicting content
        6: [t[f"conflicts_{name}@6"] for name in ("trades", "fills", "marks")],
        # the account a source states for itself (a freqtrade export's starting balance)
        7: [
            "ALTER TABLE sources ADD COLUMN capital VARCHAR NOT NULL DEFAULT ''",
            "ALTER TABLE sources ADD COLUMN currency VARCHAR NOT NULL DEFAULT ''",
        ],
        # a daily sum beyond the money range is stored as NULL (docs/store.md, range)
        8: [
            f'ALTER TABLE daily_partials ALTER COLUMN "{column}" DROP NOT NULL'
            for column in sorted(SUM_COLUMNS)
        ],
        # exchange rates to a base currency (a rates file, an IBKR statement's fxRateToBase)
        9: [t["fx_rates@9"], t["conflicts_fx_rates@9"]],
        # books kept at ingest: round trips derived from fills, daily books, and what they
        # were booked with (docs/store.md, books)
        10: [
            t["book_trades@10"],
            t["book_days@10"],
            "CREATE TABLE IF NOT EXISTS book_state (cost_basis VARCHAR NOT NULL, "
            "timezones VARCHAR NOT NULL, built_at TIMESTAMPTZ NOT NULL)",
        ],
        # checkpoints of the books (flat instants) that re-booking resumes from, the instants
        # pruned positions were pruned to, and the prune horizon; books kept before are
        # booked again at the next write (docs/store.md, books)
        11: [
            t["book_checkpoints@11"],
            "CREATE TABLE IF NOT EXISTS book_floors (account VARCHAR NOT NULL, "
            "symbol VARCHAR NOT NULL, timestamp TIMESTAMPTZ NOT NULL, "
            "PRIMARY KEY (account, symbol))",
            "ALTER TABLE book_state ADD COLUMN pruned_before TIMESTAMPTZ",
            "DELETE FROM book_state",
            "DROP TABLE book_trades",  # with the account of each round trip
            t["book_trades@11"],
        ],
        # checkpoints at the end of each write with every open lot and the open round trip
        # (docs/store.md, checkpoints)
        12: [
            "ALTER TABLE book_checkpoints ADD COLUMN IF NOT EXISTS lots VARCHAR",
            "ALTER TABLE book_checkpoints ADD COLUMN IF NOT EXISTS episode VARCHAR",
        ],
        # where a trade was made: its account and venue (a breakdown key each); the round
        # trips kept from fills take the venue of their opening fill (docs/store.md, books)
        13: [
            *(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} VARCHAR"
                for table in ("trades", "conflicts_trades")
                for column in ("account", "venue")
            ),
            "ALTER TABLE book_trades ADD COLUMN IF NOT EXISTS venue VARCHAR",
            "ALTER TABLE book_checkpoints ADD COLUMN IF NOT EXISTS lot_venue VARCHAR",
            "UPDATE book_trades SET venue = (SELECT min(f.venue) FROM fills f WHERE "
            "f.account = book_trades.account AND f.symbol = book_trades.symbol AND "
            "f.timestamp = book_trades.entry_time)",
        ],
        # the alerts' lifecycle: one row per rule and scope (its latest occurrence, as the
        # alerts' JSON) and the append-only log of what happened to each (docs/alerts.md)
        14: [
            "CREATE TABLE IF NOT EXISTS alert_state (key VARCHAR PRIMARY KEY, "
            "alert_id VARCHAR NOT NULL, rule VARCHAR NOT NULL, status VARCHAR NOT NULL, "
            "severity VARCHAR NOT NULL, state VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL)",
            "CREATE TABLE IF NOT EXISTS alert_events (seq BIGINT PRIMARY KEY, "
            "occurred_at TIMESTAMPTZ NOT NULL, alert_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
            "severity VARCHAR NOT NULL, value VARCHAR, message VARCHAR NOT NULL)",
        ],
        # silences of alerts: a rule pattern and scope, an interval and a reason
        15: [
            "CREATE TABLE IF NOT EXISTS alert_silences (seq BIGINT PRIMARY KEY, "
            "rule VARCHAR NOT NULL, strategy VARCHAR, symbol VARCHAR, "
            "starts_at TIMESTAMPTZ NOT NULL, ends_at TIMESTAMPTZ NOT NULL, "
            "reason VARCHAR NOT NULL)",
        ],
        # the alerts' outbox: each notification kept with its state, until every sink has it
        16: [
            "CREATE TABLE IF NOT EXISTS alert_outbox (seq BIGINT PRIMARY KEY, "
            "key VARCHAR NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL, "
            "notice VARCHAR NOT NULL, pending VARCHAR NOT NULL, attempts INTEGER NOT NULL, "
            "last_error VARCHAR, settled_at TIMESTAMPTZ)",
        ],
        # the live tracker: its state (open lots, totals, peak) as of its last flush, written
        # with the events of that flush, and its snapshots over time (docs/tracker.md)
        17: [
            "CREATE TABLE IF NOT EXISTS tracker_state (name VARCHAR PRIMARY KEY, "
            "format VARCHAR NOT NULL, sequence BIGINT NOT NULL, saved_at TIMESTAMPTZ NOT NULL, "
            "state VARCHAR NOT NULL)",
            "CREATE TABLE IF NOT EXISTS tracker_snapshots (name VARCHAR NOT NULL, "
            "resolution VARCHAR NOT NULL, timestamp TIMESTAMPTZ NOT NULL, "
            "snapshot VARCHAR NOT NULL, PRIMARY KEY (name, resolution, timestamp))",
        ],
        # the price a fill was intended or decided at, that slippage is measured against
        # (docs/metrics.md, slippage_bps)
        18: [
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS reference_price DECIMAL(38, 18)"
            for table in ("fills", "conflicts_fills")
        ],
        # market data for markouts: top-of-book quotes and public trades (docs/markouts.md)
        19: [
            t["quotes@19"],
            t["public_trades@19"],
            t["conflicts_public_trades@19"],
            *(
                ['CREATE INDEX IF NOT EXISTS quotes_symbol_time ON quotes (symbol, "timestamp")']
                if dialect == "postgres"
                else []
            ),
        ],
        # hourly markout partials and the instant up to which they are final (docs/markouts.md)
        20: [
            t["markout_partials@20"],
            "CREATE TABLE IF NOT EXISTS markout_state (reference VARCHAR PRIMARY KEY, "
            "horizons VARCHAR NOT NULL, built_through TIMESTAMPTZ NOT NULL, "
            "built_at TIMESTAMPTZ NOT NULL)",
        ],
    }


#: The schema version a store has once opened by this code.
SCHEMA_VERSION: Final = max(migrations("duckdb"))


class SQLStore(TrackerTables, MarkoutTables, Store):
    """A store on a SQL engine. Subclasses implement the connection hooks."""

    dialect: str
    #: The timezones this store object has seen kept partials of (`_have_partials`).
    _partials_seen: frozenset[str] = frozenset()

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

    def _fetch_arrow_small(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        """Run a query with a small result (aggregates) as Arrow, as `_fetch_arrow` does.

        An engine may run such a query another, cheaper way (DuckDB: see its store).
        """
        return self._fetch_arrow(sql, params)

    @abc.abstractmethod
    def _stage(self, name: str, table: pa.Table) -> None:
        """Make ``table`` queryable as the temporary table ``name`` (within the transaction)."""

    @abc.abstractmethod
    def _unstage(self, name: str) -> None:
        """Drop what `_stage` created."""

    @abc.abstractmethod
    def _transaction(self) -> Any:
        """Return a context manager that commits on success and rolls back on error."""

    def _lock(self) -> None:
        """Serialise writers: called first in every writing transaction, holds until its end.

        DuckDB allows one writing process per file, so nothing to do; PostgreSQL takes a
        transaction-scoped advisory lock.
        """

    # -- schema -------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Apply the migrations this store lacks, all in one transaction.

        This runs under the writers' lock, so processes opening a new store at once do not
        race.
        """
        try:
            with self._transaction():
                self._lock()
                self._exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                rows = self._fetch("SELECT max(version) FROM schema_version")
                current = (rows[0][0] if rows else None) or 0
                for version, steps in sorted(migrations(self.dialect).items()):
                    if version <= current:
                        continue
                    for step in steps:
                        if isinstance(step, str):
                            self._exec(step)
                        else:
                            step(self)
                    self._exec("INSERT INTO schema_version VALUES (?)", [version])
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.url}: migration failed: {exc}") from exc
        self.__dict__.pop("_column_cache", None)

    def schema_version(self) -> int:
        """Return the store's schema version (the last migration applied)."""
        rows = self._fetch("SELECT max(version) FROM schema_version")
        return int(rows[0][0] or 0) if rows else 0

    def _ensure_kind_table(self, kind: RecordKind, schema: pa.Schema) -> None:
        if not self._has_table(kind.value):
            sql = create_table_sql(kind.value, schema, key=NATURAL_KEYS[kind], dialect=self.dialect)
            self._exec(sql)

    def _columns(self, name: str) -> set[str]:
        """Return the columns of table ``name``.

        They are cached: tables only ever gain columns by migration.
        """
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
        """Tell whether table ``name`` exists (remembered once seen: tables are never dropped)."""
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
        """See `Store.write_sources`.

        Under the writers' lock, an item whose file is already stored with the same checksum
        (another process got there first) is skipped; a full read replaces what was stored
        from its file; an appended part replaces the rejects of its own lines. The partials
        of every day the write touches are recomputed in the same transaction.
        """
        if not items:
            return 0
        names = ", ".join(repr(w.entry.path) for w in items[:3])
        where = f"{names}{' and others' if len(items) > 3 else ''}"
        try:
            with self._transaction():
                self._lock()
                return self._write_sources_locked(items, where)
        except (StoreError, InputError, ConfigError):
            raise
        except Exception as exc:
            raise StoreError(f"cannot store {where}: {exc}") from exc

    def _write_sources_locked(self, items: Sequence[SourceWrite], where: str) -> int:
        """Run the body of `write_sources` in the caller's transaction and writers' lock."""
        inserted = 0
        items = self._not_yet_stored(items)
        if not items:
            return 0
        zones = self._partial_timezones()
        touched: dict[str, set[dt.date]] = {tz: set() for tz in zones}
        by_kind: dict[RecordKind, list[pa.Table]] = {}
        for w in items:
            parts = {**w.result.extra, w.result.kind: w.result.table}
            for kind, part in parts.items():
                if part.num_rows:
                    by_kind.setdefault(kind, []).append(_with_source(part, w.entry.path))
        batches = {kind: pa.concat_tables(tables) for kind, tables in by_kind.items()}
        replaced = [w.entry.path for w in items if w.replace]
        booked = self._booked_symbols(batches, replaced)
        if replaced:
            # rows a file read again gives as before are stored again, not new
            inserted -= self._stored_from(batches, replaced)
            self._trade_days(touched, "trades", "source IN ({})", replaced)
            self._delete_sources(replaced)
            self._restore_agreed(touched)
        # into no trades at all (a backfill), every partial is rebuilt, unfiltered
        rebuild = bool(zones) and not self._fetch("SELECT 1 FROM trades LIMIT 1")
        if rebuild:
            touched = {}
        for kind, batch in batches.items():
            inserted += self._insert_new(kind, batch, where, touched)
        stale: dict[str, int] = {}
        for w in items:
            if not w.replace and w.after_line is not None:
                stale[w.entry.path] = self._exec(
                    "DELETE FROM quarantine WHERE source = ? AND line > ?",
                    [w.entry.path, w.after_line],
                )
        rejects = [r for w in items for r in w.result.rejected]
        if rejects:
            self._stage("_rejects", _rejects_table(rejects))
            cols = ", ".join(f.name for f in QUARANTINE_SCHEMA)
            self._exec(f"INSERT INTO quarantine ({cols}) SELECT {cols} FROM _rejects")
            self._unstage("_rejects")
        entries = pa.Table.from_pylist(
            [_entry_row(w.entry, stale.get(w.entry.path, 0)) for w in items],
            schema=SOURCES_SCHEMA,
        )
        paths = [w.entry.path for w in items]
        self._exec(f"DELETE FROM sources WHERE path IN ({', '.join('?' for _ in paths)})", paths)
        self._stage("_entries", entries)
        cols = ", ".join(c for c in entries.column_names if c in self._columns("sources"))
        self._exec(f"INSERT INTO sources ({cols}) SELECT {cols} FROM _entries")
        self._unstage("_entries")
        for tz in zones:
            self._refresh_partials(tz, None if rebuild else touched[tz])
        if booked:
            self._rebook(booked, _day_keys(zones))
        return inserted

    # -- books kept at ingest ---------------------------------------------------------------
    def _booked_symbols(
        self, batches: dict[RecordKind, pa.Table], paths: list[str]
    ) -> dict[str, dt.datetime | None]:
        """Return the symbols whose books a write changes, each with the first instant it changes.

        The instant is None when the books change from the start. The symbols are those of the
        fills, marks and funding the write brings, and of those stored from ``paths``
        (replaced or forgotten); a mark of a fee currency changes the symbols whose fills paid
        fees in it.
        """
        out: dict[str, dt.datetime | None] = {}
        marked: dict[str, dt.datetime | None] = {}

        def earliest(
            into: dict[str, dt.datetime | None], symbol: str, at: dt.datetime | None
        ) -> None:
            """``into[symbol]``: the earliest instant, None (from the start) once one is."""
            if symbol in into:
                now = into[symbol]
                into[symbol] = None if now is None or at is None else min(now, at)
            else:
                into[symbol] = at

        for kind in BOOKED_KINDS:
            found: list[tuple[str, dt.datetime | None]] = []
            if kind in batches and batches[kind].num_rows:
                b = batches[kind]
                first = b.group_by("symbol").aggregate([("timestamp", "min")])
                found += zip(
                    first.column("symbol").to_pylist(),
                    first.column("timestamp_min").to_pylist(),
                    strict=True,
                )
            if paths and self._has_table(kind.value):
                marks = ", ".join("?" for _ in paths)
                found += self._fetch(
                    f'SELECT symbol, min(timestamp) FROM "{kind.value}" WHERE source IN '
                    f"({marks}) GROUP BY symbol",
                    paths,
                )
                # a version kept apart as a conflict may come back (`_restore_agreed`)
                if kind in CONFLICT_KINDS and self._has_table(conflict_table(kind)):
                    rows = self._fetch(f"SELECT DISTINCT symbol FROM {conflict_table(kind)}")
                    found += [(r[0], None) for r in rows]
            for symbol, at in found:
                earliest(out, symbol, _aware(at))
                if kind is RecordKind.MARKS:
                    earliest(marked, symbol, _aware(at))
        if marked and self._has_table("fills"):
            self._stage("_marked", pa.table({"symbol": pa.array(sorted(marked), pa.string())}))
            rows = self._fetch(
                "SELECT DISTINCT symbol, fee_currency FROM fills "
                "WHERE fee_currency IN (SELECT symbol FROM _marked)"
            )
            self._unstage("_marked")
            for symbol, fee_currency in rows:
                earliest(out, symbol, marked[fee_currency])
        return out

    def _book_state(self) -> tuple[str, list[str], dt.datetime | None] | None:
        """Return the cost basis, timezones and prune horizon of the kept books (None: none)."""
        state = self._fetch("SELECT cost_basis, timezones, pruned_before FROM book_state")
        if not state:
            return None
        return str(state[0][0]), list(json.loads(state[0][1])), _aware(state[0][2])

    def _rebook(self, changes: dict[str, dt.datetime | None], zones: list[str]) -> None:
        """Book again the positions of the symbols ``changes`` names (`booker`).

        Each is booked from its latest checkpoint before the symbol's first changed instant
        (from its first fill when there is none), replacing their stored books after it; with
        no booker, drop every kept book. What was done is left in `booking`.
        """
        state = self._book_state()
        pruned = state[2] if state else None
        if self.booker is None:
            if pruned is not None:
                raise ConfigError(
                    "this store's books are kept without the fills pruned before "
                    f"{pruned:%Y-%m-%d %H:%M} UTC: write to it with tradeperf (it books what "
                    "it writes), not without a booker"
                )
            self._exec("DELETE FROM book_state")
            return
        basis = str(self.booker.cost_basis.value)
        if state is not None and pruned is not None:
            if state[0] != basis:
                raise ConfigError(
                    f"this store's books are kept with the {state[0]} cost basis and its raw "
                    f"fills before {pruned:%Y-%m-%d %H:%M} UTC were pruned: they cannot be booked "
                    f"again with {basis} (a store keeps one cost basis once pruned)"
                )
            zones = state[1]  # a timezone added since pruning is not booked: its fills are gone
        if state is None or (state[0], state[1]) != (basis, zones):
            # none kept (a new store, or dropped by a write without a booker), or kept with
            # another basis or timezones: every symbol again, from the start
            changes = dict.fromkeys(self._all_booked_symbols())
        listed = sorted(changes)
        self._stage(
            "_touch",
            pa.table(
                {
                    "symbol": pa.array(listed, pa.string()),
                    "t0": pa.array([changes[s] for s in listed], pa.timestamp("us", tz="UTC")),
                }
            ),
        )
        inside = "symbol IN (SELECT symbol FROM _touch)"
        resume = self._fetch_arrow(
            "SELECT c.account, c.symbol, max(c.timestamp) AS resume_at FROM book_checkpoints c "
            "JOIN _touch t ON c.symbol = t.symbol WHERE t.t0 IS NOT NULL AND c.timestamp < t.t0 "
            "GROUP BY c.account, c.symbol ORDER BY 1, 2"
        )
        resume = pa.table(
            {
                "account": resume.column(0).cast(pa.string()),
                "symbol": resume.column(1).cast(pa.string()),
                "resume_at": resume.column(2).cast(pa.timestamp("us", tz="UTC")),
            }
        )
        self._stage("_resume", resume)
        if pruned is not None:
            self._refuse_pruned(changes)
        late = {
            str(symbol): _aware(at)
            for symbol, at in self._fetch(
                "SELECT t.symbol, t.t0 FROM _touch t WHERE t.t0 IS NOT NULL AND EXISTS (SELECT 1 "
                "FROM book_checkpoints c WHERE c.symbol = t.symbol AND c.timestamp >= t.t0)"
            )
        }
        ccols = ", ".join(f'c."{f.name}"' for f in BOOK_CHECKPOINT_SCHEMA)
        points = self._fetch_arrow(
            f"SELECT {ccols} FROM book_checkpoints c JOIN _resume r ON c.account = r.account "
            "AND c.symbol = r.symbol AND c.timestamp = r.resume_at ORDER BY c.account, c.symbol, "
            "c.scope"
        ).cast(BOOK_CHECKPOINT_SCHEMA)
        after = (
            "NOT EXISTS (SELECT 1 FROM _resume r WHERE r.account = {t}.account AND "
            "r.symbol = {t}.symbol AND {t}.{c} <= r.resume_at)"
        )
        # when every touched position resumes, nothing before the earliest checkpoint is
        # read: a bound the engine prunes storage by (rows arrive in time order)
        from_start = self._from_start()
        since = None
        if resume.num_rows and not from_start:
            since = _aware(pc.min(resume.column("resume_at")).as_py())
        tables = {}
        for kind, schema in (
            (RecordKind.FILLS, FILL_SCHEMA),
            (RecordKind.MARKS, MARK_SCHEMA),
            (RecordKind.FUNDING, FUNDING_SCHEMA),
        ):
            if not self._has_table(kind.value):
                tables[kind] = schema.empty_table()
                continue
            cols = ", ".join(f'"{f.name}"' for f in schema)
            where = f"{inside} AND {after.format(t=kind.value, c='timestamp')}"
            params: list[Any] = []
            if since is not None:
                where += " AND timestamp > ?"
                params.append(since)
            if kind is RecordKind.MARKS:
                where, params = self._marks_needed(from_start), []
            table = self._fetch_arrow(
                f'SELECT {cols} FROM "{kind.value}" WHERE {where} ORDER BY {_INPUT_ORDER[kind]}',
                params,
            )
            tables[kind] = table.cast(schema)
        days_from = self._resume_days(resume, zones)
        self._stage("_resume_days", days_from)
        self._exec(
            f"DELETE FROM book_days WHERE {inside} AND NOT EXISTS (SELECT 1 FROM _resume_days r "
            "WHERE r.timezone = book_days.timezone AND r.account = book_days.account AND "
            "r.symbol = book_days.symbol AND book_days.day < r.from_day)"
        )
        self._exec(
            f"DELETE FROM book_trades WHERE {inside} AND "
            + after.format(t="book_trades", c="exit_time")
        )
        self._exec(
            f"DELETE FROM book_checkpoints WHERE {inside} AND "
            + after.format(t="book_checkpoints", c="timestamp")
        )
        for name in ("_touch", "_resume", "_resume_days"):
            self._unstage(name)
        if self._has_table("marks"):
            self._unstage("_mark_from")
        fills = tables[RecordKind.FILLS]
        if fills.num_rows or points.num_rows:
            marks, funding = tables[RecordKind.MARKS], tables[RecordKind.FUNDING]
            booked = self.booker(
                fills,
                marks if marks.num_rows else None,
                funding if funding.num_rows else None,
                zones,
                resume=points if points.num_rows else None,
            )
            self._supersede(resume, booked.checkpoints)
            for name, table in (
                ("book_trades", booked.trades),
                ("book_days", booked.days),
                ("book_checkpoints", booked.checkpoints),
            ):
                if table.num_rows:
                    self._stage("_booked", table)
                    cols = ", ".join(f'"{c}"' for c in table.column_names)
                    self._exec(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM _booked")
                    self._unstage("_booked")
        self.booking = BookingNote(
            symbols=len(changes),
            resumed=resume.num_rows,
            fills=fills.num_rows,
            earliest=min((t for t in changes.values() if t is not None), default=None),
            from_start=sum(1 for t in changes.values() if t is None),
            late=late,
        )
        self._exec("DELETE FROM book_state")
        self._exec(
            "INSERT INTO book_state (cost_basis, timezones, built_at, pruned_before) "
            "VALUES (?, ?, ?, ?)",
            [basis, json.dumps(zones), dt.datetime.now(dt.UTC), pruned],
        )

    def _from_start(self) -> set[str]:
        """Return the touched symbols (`_touch` staged) with a position booked from its first fill.

        Such a position has a fill and no checkpoint resumed from (`_resume`).
        """
        if not self._has_table("fills"):
            return set()
        return {
            r[0]
            for r in self._fetch(
                "SELECT DISTINCT f.symbol FROM fills f WHERE f.symbol IN (SELECT symbol FROM "
                "_touch) AND NOT EXISTS (SELECT 1 FROM _resume q WHERE q.account = f.account "
                "AND q.symbol = f.symbol)"
            )
        }

    def _supersede(self, resume: pa.Table, points: pa.Table) -> None:
        """Delete the stored checkpoints of the resumed positions that the new ``points`` supersede.

        All stored ones are at or before the instant resumed from. Of the flat or one-lot
        kind, those of a UTC day a new one of that kind falls on are deleted (the last of each
        day is kept); of the kind that keeps every lot (``lots`` not null), all of a position
        any new one is booked for (one at most is kept, at the position's last fill, when no
        simpler one is there). A pruned position's floor stays.
        """
        if resume.num_rows == 0 or points.num_rows == 0:
            return
        day = 86_400_000_000
        resumed = set(
            zip(
                resume.column("account").to_pylist(),
                resume.column("symbol").to_pylist(),
                strict=True,
            )
        )
        gone: dict[str, list[Any]] = {"account": [], "symbol": [], "day": [], "ends": []}
        seen = set()
        for a, sym, t, lots in zip(
            points.column("account").to_pylist(),
            points.column("symbol").to_pylist(),
            pc.cast(points.column("timestamp"), pa.int64()).to_pylist(),
            points.column("lots").to_pylist(),
            strict=True,
        ):
            if (a, sym) not in resumed:
                continue
            keys = [(a, sym, -1, True)]  # any new checkpoint follows the old last-fill ones
            if lots is None:
                keys.append((a, sym, t // day, False))
            for key in keys:
                if key in seen:
                    continue
                seen.add(key)
                gone["account"].append(a)
                gone["symbol"].append(sym)
                gone["day"].append(key[2])
                gone["ends"].append(key[3])
        if not gone["account"]:
            return
        self._stage(
            "_superseded",
            pa.table(
                {
                    "account": pa.array(gone["account"], pa.string()),
                    "symbol": pa.array(gone["symbol"], pa.string()),
                    "day_from": pa.array([max(d, 0) * day for d in gone["day"]], pa.int64()).cast(
                        pa.timestamp("us", tz="UTC")
                    ),
                    "day_to": pa.array(
                        [(d + 1) * day if d >= 0 else 0 for d in gone["day"]], pa.int64()
                    ).cast(pa.timestamp("us", tz="UTC")),
                    "ends": pa.array(gone["ends"], pa.bool_()),
                }
            ),
        )
        self._exec(
            "DELETE FROM book_checkpoints WHERE EXISTS (SELECT 1 FROM _superseded g WHERE "
            "g.account = book_checkpoints.account AND g.symbol = book_checkpoints.symbol AND "
            "((g.ends AND book_checkpoints.lots IS NOT NULL) OR (NOT g.ends AND "
            "book_checkpoints.lots IS NULL AND book_checkpoints.timestamp >= g.day_from AND "
            "book_checkpoints.timestamp < g.day_to))) AND NOT EXISTS (SELECT 1 FROM book_floors "
            "f WHERE f.account = book_checkpoints.account AND f.symbol = book_checkpoints.symbol "
            "AND f.timestamp = book_checkpoints.timestamp)"  # a pruned position resumes there
        )
        self._unstage("_superseded")

    def _marks_needed(self, whole: set[str]) -> str:
        """Return the condition on the marks a re-booking reads (staging ``_mark_from``).

        These are the marks of the touched symbols (`_touch`) from the latest one at or before
        their earliest resumed checkpoint (`_resume`; all of them for the symbols of
        ``whole``, `_from_start`), and every mark of a fee currency (they convert fees).
        """
        since = [
            (symbol, at)
            for symbol, at in self._fetch(
                "SELECT m.symbol, max(m.timestamp) FROM marks m JOIN (SELECT symbol, "
                "min(resume_at) AS resume_at FROM _resume GROUP BY symbol) r "
                "ON m.symbol = r.symbol AND m.timestamp <= r.resume_at GROUP BY m.symbol"
            )
            if symbol not in whole
        ]
        self._stage(
            "_mark_from",
            pa.table(
                {
                    "symbol": pa.array([s for s, _ in since], pa.string()),
                    "since": pa.array([_aware(t) for _, t in since], pa.timestamp("us", "UTC")),
                }
            ),
        )
        return (
            "(symbol IN (SELECT symbol FROM _touch) AND NOT EXISTS (SELECT 1 FROM _mark_from b "
            "WHERE b.symbol = marks.symbol AND marks.timestamp < b.since)) OR symbol IN (SELECT "
            "fee_currency FROM fills WHERE fee_currency IS NOT NULL AND symbol IN (SELECT "
            "symbol FROM _touch))"
        )

    @staticmethod
    def _resume_days(resume: pa.Table, zones: list[str]) -> pa.Table:
        """Return, per timezone, the local day from which each resumed position is rebooked.

        That is the local day of its checkpoint; the position's rows are booked again from it.
        """
        out: dict[str, list[Any]] = {"timezone": [], "account": [], "symbol": [], "from_day": []}
        at = resume.column("resume_at").to_pylist()
        for tz in zones:
            zone = resolve_timezone(tz)
            for account, symbol, t in zip(
                resume.column("account").to_pylist(),
                resume.column("symbol").to_pylist(),
                at,
                strict=True,
            ):
                out["timezone"].append(zone.key)
                out["account"].append(account)
                out["symbol"].append(symbol)
                out["from_day"].append(t.astimezone(zone).date())
        return pa.table(
            out,
            schema=pa.schema(
                [
                    ("timezone", pa.string()),
                    ("account", pa.string()),
                    ("symbol", pa.string()),
                    ("from_day", pa.date32()),
                ]
            ),
        )

    def _refuse_pruned(self, changes: dict[str, dt.datetime | None]) -> None:
        """Refuse a change a pruned store cannot book.

        That is a change earlier than the checkpoint a position was pruned to (the raw
        records before it are gone).
        """
        rows = self._fetch(
            "SELECT p.account, p.symbol, p.timestamp FROM book_floors p JOIN _touch t "
            "ON p.symbol = t.symbol WHERE NOT EXISTS (SELECT 1 FROM _resume r WHERE "
            "r.account = p.account AND r.symbol = p.symbol) ORDER BY 2, 1"
        )
        if rows:
            account, symbol, floor = rows[0]
            at = changes.get(symbol)
            when = f" at {_aware(at):%Y-%m-%d %H:%M:%S} UTC" if at is not None else ""
            raise ConfigError(
                f"{symbol} (account {account}) changes{when}, before "
                f"{_aware(floor):%Y-%m-%d %H:%M:%S} UTC, the instant its books were pruned to: "
                "the raw fills that booking it again needs are gone (a late fill earlier than "
                "the prune horizon, or a source forgotten after pruning)"
            )

    def _all_booked_symbols(self) -> set[str]:
        out: set[str] = set()
        for kind in BOOKED_KINDS:
            if self._has_table(kind.value):
                out.update(r[0] for r in self._fetch(f'SELECT DISTINCT symbol FROM "{kind.value}"'))
        out.update(r[0] for r in self._fetch("SELECT DISTINCT symbol FROM book_days"))
        return out

    def stored_books(self, tz: str, cost_basis: str) -> tuple[pa.Table, pa.Table] | None:
        """See `Store.stored_books`."""
        if not self._has_table("book_state"):
            return None
        state = self._fetch("SELECT cost_basis, timezones FROM book_state")
        if not state or state[0][0] != cost_basis or tz not in json.loads(state[0][1]):
            return None
        cols = ", ".join(f'"{f.name}"' for f in BOOK_DAY_SCHEMA)
        days = self._fetch_arrow(
            f"SELECT {cols} FROM book_days WHERE timezone = ? ORDER BY scope, account, symbol, day",
            [tz],
        ).cast(BOOK_DAY_SCHEMA)
        tcols = ", ".join(f'"{f.name}"' for f in BOOK_TRADE_SCHEMA)
        sql = f"SELECT {tcols} FROM book_trades ORDER BY {_EXIT_ORDER}"
        trades = self._fetch_arrow(sql).cast(BOOK_TRADE_SCHEMA)
        return days, trades

    def _not_yet_stored(self, items: Sequence[SourceWrite]) -> list[SourceWrite]:
        """Return ``items`` less those whose file is stored already as it is now.

        A file is stored as it is now when its checksum, modification time and reader options
        are the same.
        """
        paths = [w.entry.path for w in items]
        marks = ", ".join("?" for _ in paths)
        options = "options" if "options" in self._columns("sources") else "''"  # before v5
        rows = self._fetch(
            f"SELECT path, checksum, mtime_ns, {options} FROM sources WHERE path IN ({marks})",
            paths,
        )
        stored = {r[0]: (r[1], r[2], r[3]) for r in rows}
        return [
            w
            for w in items
            if stored.get(w.entry.path) != (w.entry.checksum, w.entry.mtime_ns, w.entry.options)
        ]

    def _stored_from(self, batches: dict[RecordKind, pa.Table], paths: list[str]) -> int:
        """Count the rows of ``batches`` whose natural key is stored already from ``paths``.

        ``paths`` are the files read again in full: their rows are replaced, so these are not
        new.
        """
        marks = ", ".join("?" for _ in paths)
        had_rows = self._fetch(
            f"SELECT count(*) FROM sources WHERE path IN ({marks}) AND rows > 0", paths
        )[0][0]
        if not batches or not had_rows:
            return 0
        found = 0
        for kind, batch in batches.items():
            if not self._has_table(kind.value):
                continue
            keys = NATURAL_KEYS[kind]
            match = " AND ".join(f's."{k}" = b."{k}"' for k in keys)
            self._stage("_again", first_per_key(batch, keys).select(list(keys)))
            rows = self._fetch(
                f'SELECT count(*) FROM _again b WHERE EXISTS (SELECT 1 FROM "{kind.value}" s '
                f"WHERE {match} AND s.source IN ({marks}))",
                paths,
            )
            self._unstage("_again")
            found += int(rows[0][0])
        return found

    def _delete_sources(self, paths: list[str]) -> None:
        """Delete every record and reject read earlier from ``paths``."""
        marks = ", ".join("?" for _ in paths)
        for kind in RecordKind:
            if self._has_table(kind.value):
                self._exec(f'DELETE FROM "{kind.value}" WHERE source IN ({marks})', paths)
        for kind in CONFLICT_KINDS:
            if self._has_table(conflict_table(kind)):
                self._exec(f"DELETE FROM {conflict_table(kind)} WHERE source IN ({marks})", paths)
        self._exec(f"DELETE FROM quarantine WHERE source IN ({marks})", paths)

    def _insert_new(
        self,
        kind: RecordKind,
        table: pa.Table,
        where: str,
        touched: dict[str, set[dt.date]] | None = None,
    ) -> int:
        """Insert the rows of ``table`` whose natural key is not stored yet; return how many.

        For trades, the local days of the batch's closed trades are added to ``touched``.
        """
        self._ensure_kind_table(kind, table.schema)
        unknown = set(table.column_names) - self._columns(kind.value)
        if unknown:
            raise StoreError(
                f"cannot store {where}: no columns {sorted(unknown)} in table {kind.value}"
            )
        keys = NATURAL_KEYS[kind]
        if kind in CONFLICT_KINDS and self._has_table(conflict_table(kind)):
            return self._insert_checked(kind, table, touched)
        table = first_per_key(table, keys)
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        match = " AND ".join(f's."{k}" = b."{k}"' for k in keys)
        self._stage("_batch", table)
        # an anti-join, not ON CONFLICT: half the time on DuckDB, and the writers' lock
        # already keeps other processes out; the primary key still guards the table
        inserted = self._exec(
            f'INSERT INTO "{kind.value}" ({cols}) SELECT {cols} FROM _batch b '
            f'WHERE NOT EXISTS (SELECT 1 FROM "{kind.value}" s WHERE {match})'
        )
        if kind is RecordKind.TRADES and touched:
            self._trade_days(touched, "_batch", "TRUE", [])
        self._unstage("_batch")
        return inserted

    def _insert_checked(
        self, kind: RecordKind, table: pa.Table, touched: dict[str, set[dt.date]] | None
    ) -> int:
        """Do `_insert_new` for a kind whose key can repeat across sources (`identity`).

        An exact repeat is skipped, a conflicting one moves every version of its key to the
        conflict table and the quarantine. Returns the rows inserted.
        """
        keys = NATURAL_KEYS[kind]
        first = first_per_key(table, keys)
        repeats = first.num_rows != table.num_rows
        names = table.column_names
        cols = ", ".join(f'"{c}"' for c in names)
        main, ct = f'"{kind.value}"', conflict_table(kind)
        key_b = ", ".join(f'b."{k}"' for k in keys)
        key_m = ", ".join(f'm."{k}"' for k in keys)
        new_b, old_s = (content_sql(a, names, dialect=self.dialect) for a in ("b", "s"))
        self._stage("_batch", table if repeats else first)
        # one pass over the stored rows: the batch keys stored already, and whether the
        # content differs (hashed for those rows only)
        self._exec(
            f"CREATE TEMP TABLE _matched AS SELECT {key_b}, ({old_s} <> {new_b}) AS differs "
            f"FROM _batch b JOIN {main} s ON {match_sql('b', 's', keys)}"
        )
        found = [
            f"SELECT {key_b} FROM _batch b WHERE EXISTS "
            f"(SELECT 1 FROM {ct} c WHERE {match_sql('b', 'c', keys)})",
            f"SELECT {key_m} FROM _matched m WHERE m.differs",
        ]
        if repeats:
            found.append(
                f"SELECT {key_b} FROM _batch b GROUP BY {key_b} HAVING count(DISTINCT {new_b}) > 1"
            )
        # the usual batch (no repeats, no stored key with other content, no conflict kept)
        # needs no conflict table at all
        quiet = not repeats and not any(
            self._fetch(sql)
            for sql in (
                f"SELECT 1 FROM {ct} LIMIT 1",
                "SELECT 1 FROM _matched WHERE differs LIMIT 1",
            )
        )
        conflicted = 0
        if not quiet:
            self._exec(
                "CREATE TEMP TABLE _conflicted AS SELECT DISTINCT * FROM ("
                + " UNION ALL ".join(found)
                + ") q"
            )
            conflicted = int(self._fetch("SELECT count(*) FROM _conflicted")[0][0])

        def listed(alias: str) -> str:
            return f"EXISTS (SELECT 1 FROM _conflicted k WHERE {match_sql(alias, 'k', keys)})"

        now = dt.datetime.now(dt.UTC)
        if conflicted:
            if kind is RecordKind.TRADES and touched:
                self._trade_days(touched, main, listed(main), [])
            self._exec(f"INSERT INTO {ct} ({cols}) SELECT {cols} FROM {main} s WHERE {listed('s')}")
            self._exec(quarantine_sql(kind, main, keys, listed("r")), [now])
            self._exec(f"DELETE FROM {main} WHERE {listed(main)}")
            self._exec(f"INSERT INTO {ct} ({cols}) SELECT {cols} FROM _batch b WHERE {listed('b')}")
            self._exec(quarantine_sql(kind, "_batch", keys, listed("r")), [now])
        new = f"NOT EXISTS (SELECT 1 FROM _matched m WHERE {match_sql('b', 'm', keys)})"
        if conflicted:
            new += f" AND NOT {listed('b')}"
        if repeats:  # exact repeats within the batch: one of each, the same whatever the order
            select = (
                f"SELECT {cols} FROM (SELECT DISTINCT ON ({key_b}) {cols} FROM _batch b "
                f"WHERE {new} ORDER BY {key_b}, b.source, b.source_line) d"
            )
        else:
            select = f"SELECT {cols} FROM _batch b WHERE {new}"
        inserted = self._exec(f"INSERT INTO {main} ({cols}) {select}")
        if kind is RecordKind.TRADES and touched:
            self._trade_days(touched, "_batch", "TRUE", [])
        self._exec("DROP TABLE IF EXISTS _conflicted")
        self._exec("DROP TABLE IF EXISTS _matched")
        self._unstage("_batch")
        return inserted

    def _restore_agreed(self, touched: dict[str, set[dt.date]] | None) -> int:
        """Restore every conflicted key whose remaining versions all agree; count them.

        This follows the removal of versions; the count is of the keys that came back.
        """
        restored = 0
        for kind in CONFLICT_KINDS:
            ct = conflict_table(kind)
            if not self._has_table(ct) or not self._fetch(f"SELECT 1 FROM {ct} LIMIT 1"):
                continue
            keys = NATURAL_KEYS[kind]
            names = [f.name for f in _CONFLICT_SCHEMAS[kind]]
            cols = ", ".join(f'"{c}"' for c in names)
            key_c = ", ".join(f'c."{k}"' for k in keys)
            same = content_sql("c", names, dialect=self.dialect)
            self._exec(
                f"CREATE TEMP TABLE _agreed AS SELECT {key_c} FROM {ct} c "
                f"GROUP BY {key_c} HAVING count(DISTINCT {same}) = 1"
            )
            count = int(self._fetch("SELECT count(*) FROM _agreed")[0][0])
            if count:

                def agreed(alias: str, keys: Sequence[str] = keys) -> str:
                    return f"EXISTS (SELECT 1 FROM _agreed k WHERE {match_sql(alias, 'k', keys)})"

                main = f'"{kind.value}"'
                if kind is RecordKind.TRADES and touched:
                    self._trade_days(touched, ct, agreed(ct), [])
                self._exec(
                    f"INSERT INTO {main} ({cols}) SELECT {cols} FROM ("
                    f"SELECT DISTINCT ON ({key_c}) {cols} FROM {ct} c WHERE {agreed('c')} "
                    f"ORDER BY {key_c}, c.source, c.source_line) d"
                )
                self._exec(
                    "DELETE FROM quarantine WHERE reason LIKE ? AND EXISTS (SELECT 1 FROM "
                    f"{ct} c WHERE {agreed('c')} AND c.source = quarantine.source "
                    "AND c.source_line = quarantine.line)",
                    [f"{CONFLICT_REASON}%"],
                )
                self._exec(f"DELETE FROM {ct} WHERE {agreed(ct)}")
                restored += count
            self._exec("DROP TABLE IF EXISTS _agreed")
        return restored

    def forget(self, paths: Sequence[str]) -> dict[str, int]:
        """See `Store.forget`."""
        if not paths:
            return {}
        marks = ", ".join("?" for _ in paths)
        try:
            with self._transaction():
                self._lock()
                known = {
                    r[0]
                    for r in self._fetch(
                        f"SELECT path FROM sources WHERE path IN ({marks})", list(paths)
                    )
                }
                missing = [p for p in paths if p not in known]
                if missing:
                    raise InputError(
                        "not a source of this store (see `tradeperf store info`)", path=missing[0]
                    )
                zones = self._partial_timezones()
                touched: dict[str, set[dt.date]] = {tz: set() for tz in zones}
                removed: dict[str, int] = {}
                for kind in RecordKind:
                    if self._has_table(kind.value):
                        n = self._fetch(
                            f'SELECT count(*) FROM "{kind.value}" WHERE source IN ({marks})',
                            list(paths),
                        )[0][0]
                        if n:
                            removed[kind.value] = int(n)
                n = self._fetch(
                    f"SELECT count(*) FROM quarantine WHERE source IN ({marks})", list(paths)
                )[0][0]
                removed["quarantine"] = int(n)
                self._trade_days(touched, "trades", "source IN ({})", list(paths))
                booked = self._booked_symbols({}, list(paths))
                self._delete_sources(list(paths))
                self._exec(f"DELETE FROM sources WHERE path IN ({marks})", list(paths))
                removed["restored"] = self._restore_agreed(touched)
                for tz in zones:
                    self._refresh_partials(tz, touched[tz])
                if booked:
                    self._rebook(booked, _day_keys(zones))
        except (StoreError, InputError, ConfigError):
            raise
        except Exception as exc:
            raise StoreError(f"cannot forget {', '.join(paths[:3])}: {exc}") from exc
        return removed

    # -- partials -----------------------------------------------------------------------
    def _partial_timezones(self) -> list[str]:
        return [r[0] for r in self._fetch("SELECT timezone FROM partial_timezones ORDER BY 1")]

    def _trade_days(
        self, touched: dict[str, set[dt.date]], table: str, cond: str, params: list[Any]
    ) -> None:
        """Add to ``touched[tz]`` the local days of closed trades of ``table`` matching ``cond``.

        ``{}`` in ``cond`` stands for ``params``' placeholders.
        """
        cond = cond.format(", ".join("?" for _ in params))
        for tz, days in touched.items():
            day = local_day_sql("exit_time", split_key(tz)[0], dialect=self.dialect)
            rows = self._fetch(
                f"SELECT DISTINCT {day} FROM {table} WHERE {cond} "
                f"AND status = '{_CLOSED}' AND exit_time IS NOT NULL",
                params,
            )
            days.update(r[0] for r in rows)

    def _partials_sql(self, key: str, day_filter: str | None) -> str:
        """Build the SELECT of the kept partials ``key`` (a day key, or a `breakdown_key`)."""
        tz, by = split_key(key)
        if by is None:
            return partials_select_sql(tz, dialect=self.dialect, day_filter=day_filter)
        source = grouped_trades_sql((by,), tz, dialect=self.dialect, where="TRUE")
        # without roll-ups, one row per (day, label): a label "*" is a label like any other
        return partials_select_sql(
            tz, dialect=self.dialect, day_filter=day_filter, source=source, rollups=False, key=key
        )

    def _refresh_partials(self, tz: str, days: Iterable[dt.date] | None) -> None:
        """Recompute the partials of ``tz`` for ``days`` (all days when None)."""
        cols = ", ".join(f'"{f.name}"' for f in PARTIALS_SCHEMA)
        if days is None:
            self._exec("DELETE FROM daily_partials WHERE timezone = ?", [tz])
            select = self._partials_sql(tz, None)
            self._exec(f"INSERT INTO daily_partials ({cols}) {select}")
            return
        ordered = sorted(days)
        for i in range(0, len(ordered), 1000):
            chunk = ordered[i : i + 1000]
            listed = ", ".join(f"DATE '{d.isoformat()}'" for d in chunk)
            # a local day lies within a day and a half of its UTC date: a sargable prefilter
            lo = dt.datetime.combine(chunk[0], dt.time(0), dt.UTC) - dt.timedelta(days=2)
            hi = dt.datetime.combine(chunk[-1], dt.time(0), dt.UTC) + dt.timedelta(days=3)
            cond = (
                f"exit_time >= TIMESTAMPTZ '{lo.isoformat()}' "
                f"AND exit_time < TIMESTAMPTZ '{hi.isoformat()}' AND day IN ({listed})"
            )
            self._exec(f"DELETE FROM daily_partials WHERE timezone = ? AND day IN ({listed})", [tz])
            select = self._partials_sql(tz, cond)
            self._exec(f"INSERT INTO daily_partials ({cols}) {select}")

    def _build_partials(self, tz: str) -> None:
        """(Re)build every partial of ``tz`` and register ``tz`` (inside a transaction)."""
        self._refresh_partials(tz, None)
        self._exec("DELETE FROM partial_timezones WHERE timezone = ?", [tz])
        self._exec("INSERT INTO partial_timezones VALUES (?, ?)", [tz, dt.datetime.now(dt.UTC)])

    def ensure_partials(self, tz: str, *, rebuild: bool = False) -> int:
        """See `Store.ensure_partials`."""
        resolve_timezone(split_key(tz)[0])
        try:
            with self._transaction():
                self._lock()
                if rebuild or tz not in self._partial_timezones():
                    self._build_partials(tz)
                rows = self._fetch(
                    "SELECT count(DISTINCT day) FROM daily_partials WHERE timezone = ?", [tz]
                )
        except Exception as exc:
            raise StoreError(f"cannot build the daily partials for {tz}: {exc}") from exc
        return int(rows[0][0])

    def _have_partials(self, tz: str) -> None:
        """Run `ensure_partials` of ``tz`` unless this store has seen them kept.

        One query, no transaction, once per timezone (a store keeps a timezone's partials once
        built).
        """
        if tz in self._partials_seen:
            return
        if tz not in self._partial_timezones():
            self.ensure_partials(tz)
        self._partials_seen = self._partials_seen | {tz}

    def partials(
        self,
        tz: str,
        *,
        start: dt.date | None = None,
        end: dt.date | None = None,
        strategy: str = ALL,
        symbol: str = ALL,
    ) -> pa.Table:
        """See `Store.partials`."""
        self._have_partials(tz)
        where = "timezone = ? AND strategy = ? AND symbol = ?"
        return self._kept_partials(where, [tz, strategy, symbol], start, end, "day")

    def _kept_partials(
        self,
        where: str,
        params: list[Any],
        start: dt.date | None,
        end: dt.date | None,
        order: str,
    ) -> pa.Table:
        """Read the kept partials matching ``where``, on local days ``start``..``end``."""
        params = list(params)
        if start is not None:
            where += " AND day >= ?"
            params.append(start)
        if end is not None:
            where += " AND day <= ?"
            params.append(end)
        cols = ", ".join(f'"{f.name}"' for f in PARTIALS_SCHEMA)
        sql = f"SELECT {cols} FROM daily_partials WHERE {where} ORDER BY {order}"
        return self._fetch_arrow_small(sql, params).cast(PARTIALS_SCHEMA)

    def breakdown_partials(
        self, tz: str, key: str, *, start: dt.date | None = None, end: dt.date | None = None
    ) -> pa.Table:
        """See `Store.breakdown_partials`."""
        if key not in KEPT_KEYS:
            raise ConfigError(f"no kept partials by {key!r}: keys {sorted(KEPT_KEYS)}")
        kept = breakdown_key(resolve_timezone(tz).key, key)
        self._have_partials(kept)
        return self._kept_partials("timezone = ?", [kept], start, end, "strategy, day")

    def trade_partials(
        self, tz: str, query: TradeQuery, grouping: Grouping = Grouping()
    ) -> pa.Table:
        """See `Store.trade_partials`."""
        source, params = self._selection_sql(tz, query, grouping)
        select = partials_select_sql(
            tz, dialect=self.dialect, day_filter=None, source=source, rollups=False
        )
        cols = ", ".join(f'p."{f.name}"' for f in PARTIALS_SCHEMA)
        # without roll-ups there is one row per (day, label): a label "*" is kept as any other
        sql = f"SELECT {cols} FROM ({select}) p ORDER BY p.strategy, p.day"
        if not self._has_table("trades"):
            return PARTIALS_SCHEMA.empty_table()
        return self._fetch_arrow_small(sql, params).cast(PARTIALS_SCHEMA)

    def labelled_trades(
        self, tz: str, query: TradeQuery, grouping: Grouping = Grouping()
    ) -> pa.Table:
        """See `Store.labelled_trades`."""
        resolve_timezone(tz)
        if not self._has_table("trades"):
            return pa.table(
                {
                    "day": pa.array([], pa.date32()),
                    **{c: pa.array([], pa.string()) for c in ("strategy", "symbol")},
                    **{c: pa.array([], MONEY_TYPE) for c in ("net_pnl", "gross_pnl", "fees")},
                    **{c: pa.array([], TIMESTAMP_TYPE) for c in ("exit_time", "entry_time")},
                }
            )
        source, params = self._selection_sql(tz, query, grouping)
        day = local_day_sql("exit_time", tz, dialect=self.dialect)
        sql = (
            f"SELECT {day} AS day, strategy, symbol, net_pnl, gross_pnl, fees, exit_time, "
            f"entry_time FROM {source} WHERE {CLOSED_SQL} ORDER BY {_EXIT_ORDER}"
        )
        return self._fetch_arrow_small(sql, params)

    def _selection_sql(
        self,
        tz: str,
        query: TradeQuery,
        grouping: Grouping,
    ) -> tuple[str, list[Any]]:
        """Give the subquery of the labelled trades of a selection and its parameters."""
        resolve_timezone(tz)
        where, params = self._trade_filter(query)
        source = grouped_trades_sql(
            grouping.keys,
            tz,
            dialect=self.dialect,
            where=where.removeprefix(" WHERE ") or "TRUE",
            last=grouping.last,
            each=grouping.each,
            sessions=grouping.sessions,
        )
        return source, params

    def _closed_where(self, query: TradeQuery) -> tuple[str, list[Any]]:
        """Give the WHERE clause of the closed trades ``query`` selects and its parameters."""
        where, params = self._trade_filter(query)
        return (f"{where} AND {CLOSED_SQL}" if where else f" WHERE {CLOSED_SQL}"), params

    def closed_net_pnl(self, query: TradeQuery) -> tuple[int, Decimal]:
        """See `Store.closed_net_pnl`."""
        if not self._has_table("trades"):
            return 0, Decimal(0)
        where, params = self._closed_where(query)
        rows = self._fetch(f"SELECT count(*), sum(net_pnl) FROM trades{where}", params)
        n, total = rows[0]
        return int(n), Decimal(0) if total is None else Decimal(total)

    def nth_last_exit(self, query: TradeQuery, n: int) -> dt.datetime | None:
        """See `Store.nth_last_exit`."""
        if n < 1:
            raise ValueError(f"n must be >= 1, not {n}")
        if not self._has_table("trades"):
            return None
        where, params = self._closed_where(query)
        rows = self._fetch(
            f"SELECT exit_time FROM trades{where} ORDER BY exit_time DESC "
            f"LIMIT 1 OFFSET {int(n) - 1}",
            params,
        )
        return _aware(rows[0][0]) if rows else None

    def partial_labels(self, tz: str) -> tuple[list[str], list[str]]:
        """See `Store.partial_labels`."""
        self._have_partials(tz)
        out: tuple[list[str], list[str]] = ([], [])
        for i, column in enumerate(("strategy", "symbol")):
            rows = self._fetch(
                f"SELECT DISTINCT {column} FROM daily_partials "
                f"WHERE timezone = ? AND {column} <> ? ORDER BY 1",
                [tz, ALL],
            )
            out[i].extend(r[0] for r in rows)
        return out

    # -- retention ----------------------------------------------------------------------
    def prune(
        self, kinds: Sequence[str], *, older_than: dt.timedelta, now: dt.datetime | None = None
    ) -> dict[str, int]:
        """See `Store.prune`."""
        unknown = [k for k in kinds if k not in PRUNABLE]
        if unknown:
            raise ConfigError(
                f"cannot prune {', '.join(unknown)}: only raw {', '.join(PRUNABLE)} are pruned "
                "(trades feed the daily partials and are kept)"
            )
        if older_than <= dt.timedelta(0):
            raise ConfigError(f"--older-than must be positive, got {older_than}")
        booked = sorted(set(kinds) & BOOKED_FROM)
        with_books = bool(booked) and self.has_records(RecordKind.FILLS)
        if with_books and self._book_state() is None:
            raise ConfigError(
                f"cannot prune {', '.join(booked)}: this store keeps no books of its fills "
                "(written without tradeperf's booking); ingest into it with tradeperf first, or "
                "prune quotes"
            )
        cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
        out: dict[str, int] = {}
        self.pruned_kept = {}
        try:
            with self._transaction():
                self._lock()
                if with_books:
                    out.update(self._prune_booked(booked, cutoff))
                for kind in kinds:
                    if kind in out:
                        continue
                    if not self._has_table(kind):
                        out[kind] = 0
                        continue
                    if kind == "quotes":
                        out[kind] = self._prune_quotes(cutoff)
                        continue
                    column = PRUNABLE[kind]
                    out[kind] = self._exec(f'DELETE FROM "{kind}" WHERE "{column}" < ?', [cutoff])
        except (ConfigError, StoreError):
            raise
        except Exception as exc:
            raise StoreError(f"cannot prune {self.url}: {exc}") from exc
        return out

    def _prune_quotes(self, cutoff: dt.datetime) -> int:
        """Delete quotes older than ``cutoff`` that no markout still needs; return how many.

        With fills stored, quotes go only up to the hour the markout partials are final from
        (`markouts_built_through`, where their next build starts; none built: none go), and
        each symbol keeps its last quote rows before it, the book a later fill's markout
        starts from. The kept
        count goes to ``pruned_kept`` (docs/markouts.md, retention).
        """
        limit = cutoff
        if self.has_records(RecordKind.FILLS):
            built = self.markouts_built_through()
            if built is None:
                limit = dt.datetime.min.replace(tzinfo=dt.UTC)
            else:  # the next build starts at the hour of ``built`` (`tradeperf.mm.store_job`)
                hour = built.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
                limit = min(cutoff, hour)
        deleted = self._exec(
            "DELETE FROM quotes WHERE timestamp < ? AND NOT EXISTS (SELECT 1 FROM "
            "(SELECT symbol, max(timestamp) AS last FROM quotes WHERE timestamp < ? "
            "GROUP BY symbol) k WHERE k.symbol = quotes.symbol AND k.last = quotes.timestamp)",
            [limit, limit],
        )
        kept = int(self._fetch("SELECT count(*) FROM quotes WHERE timestamp < ?", [cutoff])[0][0])
        self.pruned_kept = {**self.pruned_kept, "quotes": kept}
        return deleted

    def _prune_booked(self, kinds: Sequence[str], cutoff: dt.datetime) -> dict[str, int]:
        """Prune booked kinds up to each position's floor, and record the floors and horizon.

        A position's floor is its latest checkpoint before ``cutoff`` (see `Store.prune`).
        """
        floors = self._fetch_arrow(
            "SELECT account, symbol, max(timestamp) AS floor FROM book_checkpoints "
            "WHERE timestamp < ? GROUP BY account, symbol",
            [cutoff],
        )
        self._stage("_floors", floors.cast(_FLOORS_SCHEMA))
        below = (
            "EXISTS (SELECT 1 FROM _floors f WHERE f.account = {t}.account AND "
            "f.symbol = {t}.symbol AND {t}.timestamp <= f.floor)"
        )
        out: dict[str, int] = {}
        if "marks" in kinds and self._has_table("marks"):
            # a symbol's marks value its positions and convert fees paid in it: they go up to
            # the last one before the earliest floor of those positions (every position of
            # the symbol needs a floor), and that one stays
            self._exec(
                "CREATE TEMP TABLE _mark_horizon AS SELECT u.mark_symbol AS symbol, "
                "min(f.floor) AS horizon, count(*) - count(f.floor) AS open_positions FROM "
                "(SELECT DISTINCT symbol AS mark_symbol, account, symbol FROM fills UNION "
                "SELECT DISTINCT fee_currency, account, symbol FROM fills WHERE fee_currency IS "
                "NOT NULL) u LEFT JOIN _floors f ON f.account = u.account AND f.symbol = u.symbol "
                "GROUP BY u.mark_symbol"
            )
            out["marks"] = self._exec(
                "DELETE FROM marks WHERE timestamp < ? AND timestamp < (SELECT max(m.timestamp) "
                "FROM marks m WHERE m.symbol = marks.symbol AND m.timestamp < least(?, "
                "coalesce((SELECT h.horizon FROM _mark_horizon h WHERE h.symbol = marks.symbol), "
                "?))) AND NOT EXISTS (SELECT 1 FROM _mark_horizon h WHERE h.symbol = marks.symbol "
                "AND (h.open_positions > 0 OR h.horizon IS NULL))",
                [cutoff, cutoff, cutoff],
            )
            self._exec("DROP TABLE _mark_horizon")
        for kind in ("fills", "funding"):
            if kind in kinds:
                out[kind] = (
                    self._exec(
                        f'DELETE FROM "{kind}" WHERE timestamp < ? AND {below.format(t=kind)}',
                        [cutoff],
                    )
                    if self._has_table(kind)
                    else 0
                )
        self._exec(
            "DELETE FROM book_checkpoints WHERE EXISTS (SELECT 1 FROM _floors f WHERE "
            "f.account = book_checkpoints.account AND f.symbol = book_checkpoints.symbol AND "
            "book_checkpoints.timestamp < f.floor)"
        )
        # the instants positions were pruned to: changes before them are refused
        self._exec(
            "DELETE FROM book_floors WHERE EXISTS (SELECT 1 FROM _floors f WHERE "
            "f.account = book_floors.account AND f.symbol = book_floors.symbol)"
        )
        self._exec(
            "INSERT INTO book_floors (account, symbol, timestamp) "
            "SELECT account, symbol, floor FROM _floors"
        )
        state = self._book_state()
        horizon = cutoff if state is None or state[2] is None else max(state[2], cutoff)
        self._exec("UPDATE book_state SET pruned_before = ?", [horizon])
        self._unstage("_floors")
        self.pruned_kept = {
            kind: int(
                self._fetch(f'SELECT count(*) FROM "{kind}" WHERE timestamp < ?', [cutoff])[0][0]
            )
            for kind in kinds
            if self._has_table(kind)
        }
        return out

    def latest_checkpoints(self) -> pa.Table | None:
        """See `Store.latest_checkpoints`."""
        if not self._has_table("book_state") or self._book_state() is None:
            return None
        cols = ", ".join(f'c."{f.name}"' for f in BOOK_CHECKPOINT_SCHEMA)
        return self._fetch_arrow(
            f"SELECT {cols} FROM book_checkpoints c JOIN (SELECT account, symbol, "
            "max(timestamp) AS latest FROM book_checkpoints WHERE scope = '' GROUP BY account, "
            "symbol) l ON c.account = l.account AND c.symbol = l.symbol AND c.timestamp = "
            "l.latest WHERE c.scope = '' ORDER BY c.account, c.symbol"
        ).cast(BOOK_CHECKPOINT_SCHEMA)

    def books_pruned(self) -> dt.datetime | None:
        """See `Store.books_pruned`."""
        if not self._has_table("book_state"):
            return None
        state = self._book_state()
        return state[2] if state else None

    # -- reads --------------------------------------------------------------------------
    def _trade_filter(
        self, query: TradeQuery | None, *, time: str = "exit_time", also: Sequence[str] = ()
    ) -> tuple[str, list[Any]]:
        """`` WHERE ...`` and its parameters for ``query``, its window on column ``time``.

        ``also`` are further conditions (without parameters) joined with AND.
        """
        q = query or TradeQuery()
        where: list[str] = list(also)
        params: list[Any] = []
        if q.start is not None:
            where.append(f"{time} >= ?")
            params.append(q.start)
        if q.end is not None:
            where.append(f"{time} < ?")
            params.append(q.end)
        for column, values in (
            ("strategy", q.strategies),
            ("symbol", q.symbols),
            ("source", q.sources),
        ):
            if values:
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        if q.currency is not None:
            where.append("coalesce(currency, ?) = ?")
            params.extend([q.currency[1], q.currency[0]])
        if q.session is not None:
            tz = resolve_timezone(q.session_tz).key
            where.append(q.session.sql_on(time, tz, dialect=self.dialect))
        return (" WHERE " + " AND ".join(where) if where else ""), params

    def currencies(self, account: str, sources: Sequence[str] = ()) -> dict[str, int]:
        """See `Store.currencies`."""
        only = f" WHERE source IN ({', '.join('?' for _ in sources)})" if sources else ""
        out: dict[str, int] = {}
        for kind in (RecordKind.TRADES, RecordKind.FILLS):
            if not self._has_table(kind.value):
                continue
            rows = self._fetch(
                f'SELECT coalesce(currency, ?), count(*) FROM "{kind.value}"{only} GROUP BY 1',
                [account, *sources],
            )
            for currency, n in rows:
                out[str(currency)] = out.get(str(currency), 0) + int(n)
        return out

    def trades(self, query: TradeQuery | None = None) -> pa.Table:
        """See `Store.trades`."""
        where, params = self._trade_filter(query)
        cols = ", ".join(f'"{f.name}"' for f in TRADE_SCHEMA)
        sql = f"SELECT {cols} FROM trades{where}"
        sql += f" ORDER BY {_EXIT_ORDER}"
        return self._fetch_arrow(sql, params).cast(TRADE_SCHEMA)

    def status_counts(self, query: TradeQuery | None = None) -> dict[str, int]:
        """See `Store.status_counts`."""
        where, params = self._trade_filter(query)
        rows = self._fetch(f"SELECT status, count(*) FROM trades{where} GROUP BY status", params)
        return {str(status): int(n) for status, n in rows}

    def records(self, kind: RecordKind, *, sources: Sequence[str] = ()) -> pa.Table:
        """See `Store.records`."""
        if not self._has_table(kind.value):
            return pa.table({})
        # records of one instant keep their input order (file, then line): simultaneous
        # fills are matched in that order, whichever order the engine scans them in
        order = _INPUT_ORDER[kind]
        where = f" WHERE source IN ({', '.join('?' for _ in sources)})" if sources else ""
        return self._fetch_arrow(
            f'SELECT * FROM "{kind.value}"{where} ORDER BY {order}', [*sources]
        )

    def latest_records(
        self, kind: RecordKind, *, limit: int, since: dt.datetime | None = None
    ) -> tuple[pa.Table, int]:
        """See `Store.latest_records`."""
        if not self._has_table(kind.value):
            return pa.table({}), 0
        order = ", ".join(f"{c} DESC" for c in _INPUT_ORDER[kind].split(", "))
        where, params = (" WHERE timestamp >= ?", [since]) if since is not None else ("", [])
        table = self._fetch_arrow(
            f'SELECT * FROM "{kind.value}" ORDER BY {order} LIMIT ?', [int(limit)]
        )
        rows = self._fetch(f'SELECT count(*) FROM "{kind.value}"{where}', params)
        return table, int(rows[0][0])

    def slippage(self, query: TradeQuery, *, day_key: str | None = None) -> SlippageSums:
        """See `Store.slippage`.

        Each fill's slippage and weight are `tradeperf.metrics.execution`'s, in float64 and
        in the same order of operations: b = s·((p − r)/r)·10⁴ (s = +1 BUY, −1 SELL),
        w = |q·p·m|; the engine sums w·b and w.
        """
        if not self._has_table(RecordKind.FILLS.value):
            return SlippageSums()
        where, params = self._trade_filter(
            query, time="timestamp", also=["reference_price IS NOT NULL"]
        )
        p, r = "CAST(price AS FLOAT8)", "CAST(reference_price AS FLOAT8)"
        q, m = "CAST(quantity AS FLOAT8)", "CAST(multiplier AS FLOAT8)"
        rows = (
            f"SELECT strategy, symbol, timestamp, abs({q} * {p} * {m}) AS w, "
            f"(CASE WHEN side = 'SELL' THEN -1 ELSE 1 END) * (({p} - {r}) / {r}) "
            f"* CAST(10000 AS FLOAT8) AS b FROM fills{where}"
        )
        sums = "sum(w * b), sum(w), count(*)"
        if day_key is None:
            sql = f"SELECT strategy, symbol, NULL, 0, {sums} FROM ({rows}) f GROUP BY 1, 2"
        else:  # the days too, in the same pass: one query
            day = local_day_sql("timestamp", day_key, dialect=self.dialect)
            sql = (
                f"SELECT strategy, symbol, day, GROUPING(strategy), {sums} FROM "
                f"(SELECT *, {day} AS day FROM ({rows}) d) f "
                "GROUP BY GROUPING SETS ((strategy, symbol), (day))"
            )
        found = self._fetch(sql, params)
        out = SlippageSums()
        for strategy, symbol, local_day, by_day, weighted, notional, n in found:
            total = SlippageSum(float(weighted), float(notional), int(n))
            if by_day:
                out.days[local_day] = total
            else:
                out.groups[(str(strategy), str(symbol))] = total
        return out

    def reject_counts(self, sources: Sequence[str] = ()) -> tuple[int, int]:
        """See `Store.reject_counts`."""
        marks = ", ".join("?" for _ in sources)
        only_q = f" WHERE q.source IN ({marks})" if sources else ""
        only_s = f" WHERE path IN ({marks})" if sources else ""
        rejected = self._fetch(
            "SELECT count(*) FROM quarantine q LEFT JOIN sources s ON q.source = s.path"
            + (only_q + " AND" if sources else " WHERE")
            + " (s.unreadable IS NULL OR NOT s.unreadable)",
            [*sources],
        )[0][0]
        unreadable = self._fetch(
            f"SELECT count(*) FROM sources{only_s}"
            + (" AND" if sources else " WHERE")
            + " unreadable",
            [*sources],
        )[0][0]
        return int(rejected), int(unreadable)

    def write_alerts(self, alerts: Sequence[Alert]) -> int:
        """See `Store.write_alerts`."""
        if not alerts:
            return 0
        table = alerts_to_table(list(alerts))
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        try:
            with self._transaction():
                self._stage("_alerts", table)
                inserted = self._exec(
                    f"INSERT INTO alert_history ({cols}) SELECT DISTINCT ON (alert_id) {cols} "
                    "FROM _alerts ORDER BY alert_id, fired_at ON CONFLICT DO NOTHING"
                )
                self._unstage("_alerts")
        except Exception as exc:
            raise StoreError(f"cannot store alerts: {exc}") from exc
        return inserted

    def alerts(self, since: dt.datetime | None = None) -> pa.Table:
        """See `Store.alerts`."""
        cols = ", ".join(f'"{f.name}"' for f in ALERT_SCHEMA)
        sql = f"SELECT {cols} FROM alert_history"
        params: list[Any] = []
        if since is not None:
            sql += " WHERE fired_at >= ?"
            params.append(since)
        table = self._fetch_arrow(sql + " ORDER BY fired_at, alert_id", params)
        return table.cast(ALERT_SCHEMA) if table.num_rows else ALERT_SCHEMA.empty_table()

    def alert_states(self) -> list[tuple[str, str]]:
        """See `Store.alert_states`."""
        return [(k, v) for k, v in self._fetch("SELECT key, state FROM alert_state ORDER BY key")]

    def save_alert_states(
        self,
        states: Sequence[AlertRow],
        events: Sequence[AlertEventRow],
        *,
        at: dt.datetime,
        notices: Sequence[NoticeRow] = (),
    ) -> None:
        """See `Store.save_alert_states`."""
        try:
            with self._transaction():
                self._lock()
                for row in states:
                    self._exec("DELETE FROM alert_state WHERE key = ?", [row.key])
                    self._exec(
                        "INSERT INTO alert_state VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [row.key, row.alert_id, row.rule, row.status, row.severity, row.state, at],
                    )
                first = int(self._fetch("SELECT coalesce(max(seq), 0) FROM alert_events")[0][0])
                for i, e in enumerate(events, start=first + 1):
                    self._exec(
                        "INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [i, e.at, e.alert_id, e.kind, e.severity, e.value, e.message],
                    )
                if notices:
                    self._add_notices(notices)
        except Exception as exc:
            raise StoreError(f"cannot store the alerts' state: {exc}") from exc

    def _add_notices(self, notices: Sequence[NoticeRow]) -> None:
        """Add ``notices`` to the outbox (in the caller's transaction); known keys are kept."""
        keys = [n.key for n in notices]
        marks = ", ".join("?" * len(keys))
        sql = f"SELECT key FROM alert_outbox WHERE key IN ({marks})"
        known = {r[0] for r in self._fetch(sql, keys)}
        seq = int(self._fetch("SELECT coalesce(max(seq), 0) FROM alert_outbox")[0][0])
        for n in notices:
            if n.key in known:
                continue
            known.add(n.key)
            seq += 1
            self._exec(
                "INSERT INTO alert_outbox VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [seq, n.key, n.created_at, n.notice, json.dumps(list(n.pending)), n.attempts,
                 n.last_error, n.settled_at],
            )  # fmt: skip

    def notices(self, *, pending: bool = True, key: str | None = None) -> list[NoticeRow]:
        """See `Store.notices`."""
        sql = (
            "SELECT key, created_at, notice, pending, attempts, last_error, settled_at, seq "
            "FROM alert_outbox WHERE true"
        )
        params: list[Any] = []
        if pending:
            sql += " AND settled_at IS NULL"
        if key is not None:
            sql += " AND key = ?"
            params.append(key)
        rows = self._fetch(sql + " ORDER BY seq", params)
        return [
            NoticeRow(r[0], r[1], r[2], tuple(json.loads(r[3])), int(r[4]), r[5], r[6], int(r[7]))
            for r in rows
        ]

    def settle_notices(self, rows: Sequence[NoticeRow], *, at: dt.datetime) -> None:
        """See `Store.settle_notices`."""
        try:
            with self._transaction():
                self._lock()
                for n in rows:
                    self._exec(
                        "UPDATE alert_outbox SET pending = ?, attempts = ?, last_error = ?, "
                        "settled_at = ? WHERE seq = ?",
                        [json.dumps(list(n.pending)), n.attempts, n.last_error,
                         None if n.pending else at, n.seq],
                    )  # fmt: skip
        except Exception as exc:
            raise StoreError(f"cannot store the alerts' deliveries: {exc}") from exc

    def add_silence(self, silence: SilenceRow) -> None:
        """See `Store.add_silence`."""
        try:
            with self._transaction():
                self._lock()
                seq = int(self._fetch("SELECT coalesce(max(seq), 0) FROM alert_silences")[0][0])
                self._exec(
                    "INSERT INTO alert_silences VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [seq + 1, silence.rule, silence.strategy, silence.symbol,
                     silence.starts_at, silence.ends_at, silence.reason],
                )  # fmt: skip
        except Exception as exc:
            raise StoreError(f"cannot store the silence: {exc}") from exc

    def silences(self, active_at: dt.datetime | None = None) -> list[SilenceRow]:
        """See `Store.silences`."""
        sql = "SELECT rule, strategy, symbol, starts_at, ends_at, reason FROM alert_silences"
        params: list[Any] = []
        if active_at is not None:
            sql += " WHERE starts_at <= ? AND ? < ends_at"
            params += [active_at, active_at]
        return [SilenceRow(*r) for r in self._fetch(sql + " ORDER BY seq", params)]

    def alert_events(self, since: dt.datetime | None = None) -> list[AlertEventRow]:
        """See `Store.alert_events`."""
        sql = "SELECT occurred_at, alert_id, kind, severity, value, message FROM alert_events"
        params: list[Any] = []
        if since is not None:
            sql += " WHERE occurred_at >= ?"
            params.append(since)
        rows = self._fetch(sql + " ORDER BY seq", params)
        return [AlertEventRow(*r) for r in rows]

    def has_records(self, kind: RecordKind) -> bool:
        """See `Store.has_records`."""
        if not self._has_table(kind.value):
            return False
        return bool(self._fetch(f'SELECT EXISTS (SELECT 1 FROM "{kind.value}")')[0][0])

    def quarantine(self, sources: Sequence[str] = (), limit: int | None = None) -> pa.Table:
        """See `Store.quarantine`."""
        names = ", ".join(f.name for f in QUARANTINE_SCHEMA)
        sql = f"SELECT {names} FROM quarantine"
        params: list[Any] = list(sources)
        if sources:
            sql += f" WHERE source IN ({', '.join('?' for _ in sources)})"
        sql += " ORDER BY source, line"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._fetch_arrow(sql, params).cast(QUARANTINE_SCHEMA)

    def _size_bytes(self) -> int | None:
        return None

    def info(self) -> StoreInfo:
        """See `Store.info`."""
        counts: dict[str, int] = {}
        for kind in RecordKind:
            if self._has_table(kind.value):
                counts[kind.value] = int(self._fetch(f'SELECT count(*) FROM "{kind.value}"')[0][0])
        counts["quarantine"] = int(self._fetch("SELECT count(*) FROM quarantine")[0][0])
        counts["alerts"] = int(self._fetch("SELECT count(*) FROM alert_history")[0][0])
        first, last = self._fetch("SELECT min(exit_time), max(exit_time) FROM trades")[0]
        n_sources = self._fetch("SELECT count(*) FROM sources")[0][0]
        rejected, unreadable = self.reject_counts()
        partial_days = {
            tz: (int(n), first_day, last_day)
            for tz, n, first_day, last_day in self._fetch(
                "SELECT timezone, count(DISTINCT day), min(day), max(day) FROM daily_partials "
                "GROUP BY timezone ORDER BY timezone"
            )
        }
        for tz in self._partial_timezones():
            partial_days.setdefault(tz, (0, None, None))
        recent = self._fetch(
            "SELECT path, kind, rows, rejected, ingested_at FROM sources "
            "ORDER BY ingested_at DESC, path LIMIT 5"
        )
        return StoreInfo(
            url=self.url,
            schema_version=self.schema_version(),
            counts=counts,
            first_exit=first,
            last_exit=last,
            sources=int(n_sources),
            unreadable_files=unreadable,
            rejected_rows=rejected,
            size_bytes=self._size_bytes(),
            partial_days=partial_days,
            recent_sources=[tuple(r) for r in recent],
            books=self._books_line(),
        )

    def _books_line(self) -> str | None:
        """How the books of the fills are kept, in words (`StoreInfo.books`)."""
        if not self._has_table("book_state"):
            return None
        state = self._book_state()
        if state is None:
            return None
        basis, zones, pruned = state
        trades = int(self._fetch("SELECT count(*) FROM book_trades WHERE scope = ''")[0][0])
        points = int(self._fetch("SELECT count(DISTINCT timestamp) FROM book_checkpoints")[0][0])
        line = f"{basis}, in {', '.join(zones)}; {trades:,} round trips, {points:,} checkpoints"
        if pruned is not None:
            line += f"; raw records pruned before {pruned:%Y-%m-%d %H:%M} UTC"
        return line


#: The floors a prune stages: per position, the checkpoint it is pruned to.
_FLOORS_SCHEMA: Final = pa.schema(
    [("account", pa.string()), ("symbol", pa.string()), ("floor", pa.timestamp("us", tz="UTC"))]
)


def _aware(at: Any) -> Any:
    """``at`` (a datetime from an engine, naive meaning UTC) as an aware UTC datetime."""
    if isinstance(at, dt.datetime):
        return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return at


def first_per_key(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """``table`` keeping only the first row of each natural key (rows stay in their order).

    >>> t = pa.table({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    >>> first_per_key(t, ["k"]).to_pylist()
    [{'k': 'a', 'v': 1}, {'k': 'b', 'v': 2}]
    """
    n = table.num_rows
    if len(keys) == 1 and pc.count_distinct(table.column(keys[0]), mode="all").as_py() == n:
        return table
    rows = table.select(list(keys)).append_column("_row", pa.array(np.arange(n)))
    first = rows.group_by(list(keys), use_threads=False).aggregate([("_row", "min")])
    if first.num_rows == n:
        return table
    return table.take(np.sort(first.column("_row_min").to_numpy()))


def _with_source(table: pa.Table, path: str) -> pa.Table:
    """Return ``table`` with its ``source`` column set to ``path`` (added if it has none)."""
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


def _entry_row(e: SourceEntry, stale_rejects: int = 0) -> dict[str, object]:
    """Return the index row of ``e``, less the ``stale_rejects`` an appended read replaced."""
    row = {f.name: getattr(e, f.name) for f in SOURCES_SCHEMA}
    row["rejected"] = max(e.rejected - stale_rejects, 0)
    return row


def _day_keys(keys: list[str]) -> list[str]:
    """Give the day keys among kept partials keys (books are kept per day key, not per group)."""
    return [k for k in keys if split_key(k)[1] is None]
