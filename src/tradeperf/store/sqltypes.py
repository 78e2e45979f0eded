"""Arrow types to SQL column types, per engine, so tables follow the record schemas."""

from __future__ import annotations

import pyarrow as pa

from tradeperf.errors import StoreError


def sql_type(arrow_type: pa.DataType, *, dialect: str) -> str:
    """Return the column type for ``arrow_type`` in ``dialect`` (``duckdb`` or ``postgres``).

    Raises
    ------
    StoreError
        For an Arrow type the store has no column type for.
    """
    pg = dialect == "postgres"
    if pa.types.is_decimal(arrow_type):
        kind = "NUMERIC" if pg else "DECIMAL"
        return f"{kind}({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "TEXT" if pg else "VARCHAR"
    if pa.types.is_float64(arrow_type) or pa.types.is_float32(arrow_type):
        return "DOUBLE PRECISION" if pg else "DOUBLE"
    if pa.types.is_integer(arrow_type):
        return "BIGINT"
    if pa.types.is_boolean(arrow_type):
        return "BOOLEAN"
    if pa.types.is_date32(arrow_type):
        return "DATE"
    if pa.types.is_list(arrow_type) and pa.types.is_string(arrow_type.value_type):
        return "TEXT[]" if pg else "VARCHAR[]"
    raise StoreError(f"no column type for Arrow type {arrow_type}")


def create_table_sql(name: str, schema: pa.Schema, *, key: tuple[str, ...], dialect: str) -> str:
    """``CREATE TABLE IF NOT EXISTS`` for ``schema`` with primary key ``key``."""
    cols = []
    for f in schema:
        null = " NOT NULL" if (not f.nullable or f.name in key) else ""
        cols.append(f'"{f.name}" {sql_type(f.type, dialect=dialect)}{null}')
    if key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in key) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{name}" (\n  ' + ",\n  ".join(cols) + "\n)"
