"""The shared store on a PostgreSQL server, for several bots on several hosts.

Writes go through COPY (the native bulk path) into a temporary table, then one
``INSERT ... ON CONFLICT DO NOTHING`` on the natural key, all inside the file's transaction, so
concurrent writers neither lose nor duplicate rows.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tradeperf.errors import StoreError
from tradeperf.store import redact_message, redact_url
from tradeperf.store.sql import SQLStore
from tradeperf.store.sqltypes import create_table_sql

#: psycopg's own lead-in to a connection error, which "cannot connect to URL" already says.
_CONNECT_LEAD = re.compile(r"^(?:connection failed|connection is bad):\s*")


def _pg_sql(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (literal ``%`` escaped)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _pg_array_literal(values: list[str] | None) -> str | None:
    if values is None:
        return None
    quoted = ('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return "{" + ",".join(quoted) + "}"


def _csv_ready(table: pa.Table) -> pa.Table:
    """Make ``table`` ready for CSV: lists become PostgreSQL array literals.

    Timestamps with a timezone become text (``%Y-%m-%dT%H:%M:%S+00:00``); everything else is
    CSV-able as it is.
    """
    for i, field in enumerate(table.schema):
        if pa.types.is_list(field.type):
            literals = [_pg_array_literal(v) for v in table.column(i).to_pylist()]
            table = table.set_column(i, field.name, pa.array(literals, pa.string()))
        elif pa.types.is_timestamp(field.type) and field.type.tz:
            text = pc.strftime(table.column(i), format="%Y-%m-%dT%H:%M:%S+00:00")
            table = table.set_column(i, field.name, text)
    return table


class PostgresStore(SQLStore):
    """A store in a PostgreSQL database (the schema comes from the URL's ``search_path``).

    ``url`` is any libpq connection URI; the password is best kept out of it (``PGPASSWORD``,
    a password file, or a service file and ``postgresql:///?service=NAME``). ``self.url``,
    the store's messages and `info` show the URL with its password masked (`redact_url`).

    Raises
    ------
    StoreError
        If the server cannot be reached or the migrations fail.
    """

    dialect = "postgres"

    def __init__(self, url: str) -> None:
        self.url = redact_url(url)
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            reason = _CONNECT_LEAD.sub("", redact_message(str(exc), url))
            raise StoreError(f"cannot connect to {self.url}: {reason}") from None
        self.con.execute("SET TIME ZONE 'UTC'")
        self._in_tx = False
        self._migrate()

    def _exec(self, sql: str, params: list[Any] | None = None) -> int:
        cur = self.con.execute(_pg_sql(sql), params or None)
        return max(cur.rowcount, 0)

    def _fetch(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        cur = self.con.execute(_pg_sql(sql), params or None)
        return cur.fetchall()

    def _fetch_arrow(self, sql: str, params: list[Any] | None = None) -> pa.Table:
        cur = self.con.execute(_pg_sql(sql), params or None)
        names = [d.name for d in cur.description or []]
        rows = cur.fetchall()
        columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
        return pa.table(columns) if names else pa.table({})

    def _stage(self, name: str, table: pa.Table) -> None:
        ddl = create_table_sql(name, table.schema, key=(), dialect="postgres")
        self._exec(ddl.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE", 1))
        buf = io.BytesIO()
        # one chunk per column: a table concatenated from parts with empty, sliced chunks
        # was written with NUL bytes in its text (seen on the booked round trips)
        pacsv.write_csv(
            _csv_ready(table.combine_chunks()),
            buf,
            write_options=pacsv.WriteOptions(include_header=False),
        )
        cols = ", ".join(f'"{c}"' for c in table.column_names)
        with self.con.cursor().copy(f'COPY "{name}" ({cols}) FROM STDIN WITH (FORMAT csv)') as cp:
            cp.write(buf.getvalue())

    def _unstage(self, name: str) -> None:
        self._exec(f'DROP TABLE IF EXISTS "{name}"')

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def _lock(self) -> None:
        """Allow one writer at a time per schema: take a transaction-scoped advisory lock.

        So concurrent writers, and processes migrating a new schema at once, wait for each
        other instead of racing on DDL, on the index rows or on the partials of a shared day.
        Reading and parsing files happens before, outside the lock.
        """
        self._exec("SELECT pg_advisory_xact_lock(hashtext('tradeperf:' || current_schema()))")

    def _size_bytes(self) -> int | None:
        rows = self._fetch(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        return int(rows[0][0])

    def close(self) -> None:
        """See `Store.close`."""
        self.con.close()


__all__ = ["PostgresStore"]
