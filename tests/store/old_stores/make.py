"""Write the checked-in old-version store dumps (run once per new checked-in version).

``python -m tests.store.old_stores.make`` (needs ``TRADEPERF_TEST_PG`` for the PostgreSQL
dumps). For each version ``N`` in `VERSIONS` and each engine it:

1. lists the DDL migrations 1..N executed (they are frozen literals, so this is what version
   ``N`` created) and the columns those tables had, from an empty store opened with the
   migrations cut at ``N``;
2. ingests `write_inputs` into a store of the current version and keeps, of each table
   version ``N`` had, the columns it had. Derived tables keep what that version could hold:
   checkpoints only of the flat kind (``lots`` came with version 12).

The rows are written as literals; paths under the temporary folder become ``/data/old/``.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.store.old_stores import HERE, VERSIONS, write_inputs
from tradeperf.cli.app import app
from tradeperf.store import open_store
from tradeperf.store import sql as store_sql

_COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
)


def literal(value: Any, dialect: str) -> str:
    """``value`` as a SQL literal ``dialect`` reads back as the same value."""
    if isinstance(value, list):
        items = ", ".join(literal(v, dialect) for v in value)
        return f"{'ARRAY' if dialect == 'postgres' else ''}[{items}]::VARCHAR[]"
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None
        return f"TIMESTAMPTZ '{value.astimezone(dt.UTC).isoformat()}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no literal for {type(value).__name__}")


@contextmanager
def _pg_schema(base: str) -> Iterator[str]:
    import uuid

    import psycopg

    schema = f"old_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def _store_url(dialect: str, folder: Path, name: str) -> Iterator[str]:
    if dialect == "duckdb":
        yield f"duckdb://{folder / name}.duckdb"
    else:
        with _pg_schema(os.environ["TRADEPERF_TEST_PG"]) as url:
            yield url


def _tables(url: str) -> dict[str, list[str]]:
    with open_store(url) as store:
        rows = store._fetch(_COLUMNS)  # type: ignore[attr-defined]
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def dump(dialect: str, version: int, folder: Path) -> str:
    """The dump of a version-``version`` store on ``dialect`` (see the module docstring)."""
    real = store_sql.migrations
    steps = {v: s for v, s in real(dialect).items() if v <= version}
    ddl = ["CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"]
    ddl += [s for v in sorted(steps) for s in steps[v] if isinstance(s, str)]
    store_sql.migrations = lambda d: {v: s for v, s in real(d).items() if v <= version}
    try:
        with _store_url(dialect, folder, f"empty{version}") as url:
            old = _tables(url)
    finally:
        store_sql.migrations = real
    inputs = folder / f"in{version}"
    paths = write_inputs(inputs, with_fills=version >= 3)
    lines = [f"-- tradeperf store, schema version {version}, {dialect} (tests/store/old_stores)"]
    lines += [f"{s};" for s in ddl]
    with _store_url(dialect, folder, f"full{version}") as url:
        result = CliRunner().invoke(app, ["ingest", *map(str, paths), "--store", url])
        assert result.exit_code == 0, result.output
        with open_store(url) as store:
            current = _tables(url)
            for table, columns in old.items():
                if table == "schema_version":
                    continue
                missing = set(columns) - set(current[table])
                assert not missing, f"{table}: {missing} no longer exist"
                where = " WHERE lots IS NULL" if table == "book_checkpoints" else ""
                names = ", ".join(f'"{c}"' for c in columns)
                order = ", ".join(str(i + 1) for i in range(len(columns)))
                rows = store._fetch(  # type: ignore[attr-defined]
                    f'SELECT {names} FROM "{table}"{where} ORDER BY {order}'
                )
                for row in rows:
                    values = ", ".join(
                        literal(
                            v.replace(str(inputs), "/data/old") if isinstance(v, str) else v,
                            dialect,
                        )
                        for v in row
                    )
                    lines.append(f'INSERT INTO "{table}" ({names}) VALUES ({values});')
    lines += [f"INSERT INTO schema_version VALUES ({v});" for v in sorted(steps)]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write every dump next to this module."""
    with tempfile.TemporaryDirectory() as tmp:
        for version in VERSIONS:
            for dialect in ("duckdb", "postgres"):
                text = dump(dialect, version, Path(tmp))
                (HERE / f"v{version}.{dialect}.sql").write_text(text, encoding="utf-8")
                print(f"v{version}.{dialect}.sql: {len(text.splitlines())} lines")


if __name__ == "__main__":
    main()
