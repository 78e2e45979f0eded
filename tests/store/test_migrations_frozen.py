"""The migrations create frozen DDL (`tradeperf.store.frozen_ddl`), and the tables they leave
on a new store, on DuckDB and PostgreSQL, have exactly the columns of the current record
schemas: a column added to a schema without a migration of its own fails here."""

from __future__ import annotations

import pyarrow as pa

from tradeperf.records import (
    ALERT_SCHEMA,
    BOOK_CHECKPOINT_SCHEMA,
    BOOK_DAY_SCHEMA,
    BOOK_TRADE_SCHEMA,
    CASH_FLOW_SCHEMA,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    FX_RATE_SCHEMA,
    MARK_SCHEMA,
    QUARANTINE_SCHEMA,
    TRADE_SCHEMA,
    RecordKind,
)
from tradeperf.store import open_store
from tradeperf.store.frozen_ddl import DDL
from tradeperf.store.partials_sql import PARTIALS_SCHEMA
from tradeperf.store.sql import SOURCES_SCHEMA, conflict_table, migrations

CURRENT: dict[str, pa.Schema] = {
    "trades": TRADE_SCHEMA,
    "quarantine": QUARANTINE_SCHEMA,
    "sources": SOURCES_SCHEMA,
    "daily_partials": PARTIALS_SCHEMA,
    "fills": FILL_SCHEMA,
    "marks": MARK_SCHEMA,
    "funding": FUNDING_SCHEMA,
    "cash_flows": CASH_FLOW_SCHEMA,
    "alert_history": ALERT_SCHEMA,
    conflict_table(RecordKind.TRADES): TRADE_SCHEMA,
    conflict_table(RecordKind.FILLS): FILL_SCHEMA,
    conflict_table(RecordKind.MARKS): MARK_SCHEMA,
    "fx_rates": FX_RATE_SCHEMA,
    conflict_table(RecordKind.FX_RATES): FX_RATE_SCHEMA,
    "book_trades": BOOK_TRADE_SCHEMA,
    "book_days": BOOK_DAY_SCHEMA,
    "book_checkpoints": BOOK_CHECKPOINT_SCHEMA,
}


def test_every_frozen_table_is_created_by_its_migration() -> None:
    for dialect in ("duckdb", "postgres"):
        steps = migrations(dialect)
        for key, ddl in DDL[dialect].items():
            version = int(key.split("@")[1])
            assert ddl in steps[version], f"{dialect} {key}"
        assert DDL[dialect].keys() == DDL["duckdb"].keys()


def test_the_migrated_tables_have_the_columns_of_the_current_schemas(store_url: str) -> None:
    with open_store(store_url) as store:
        for table, schema in CURRENT.items():
            if store.dialect == "postgres":  # type: ignore[attr-defined]
                rows = store._fetch(  # type: ignore[attr-defined]
                    "SELECT column_name, is_nullable FROM information_schema.columns WHERE "
                    "table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                    [table],
                )
            else:
                rows = [
                    (r[0], r[2])
                    for r in store._fetch(f'DESCRIBE "{table}"')  # type: ignore[attr-defined]
                ]
            assert [r[0] for r in rows] == schema.names, table
            nullable = {r[0]: r[1] == "YES" for r in rows}
            for field in schema:
                if not field.nullable:
                    assert not nullable[field.name], f"{table}.{field.name} should be NOT NULL"
