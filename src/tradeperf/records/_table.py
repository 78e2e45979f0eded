"""Records (dataclass instances) to an Arrow table of one schema."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import pyarrow as pa


def records_to_table(records: Iterable[object], schema: pa.Schema) -> pa.Table:
    """Build a ``schema`` table from records, one column per schema field, input order kept.

    Each field is read as the record's attribute of that name (None where it has none); an
    enum stands as its value and a tuple as a list. Money stays exact.

    Parameters
    ----------
    records
        The records (trades, fills, marks, alerts, ...).
    schema
        The Arrow schema of the table; its field names are the attributes read.
    """
    columns: dict[str, list[object]] = {f.name: [] for f in schema}
    for r in records:
        for name, values in columns.items():
            value = getattr(r, name, None)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            values.append(value)
    return pa.table(columns, schema=schema)
