"""Records (dataclass instances) to an Arrow table of one schema."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from decimal import Decimal

import pyarrow as pa


def records_to_table(
    records: Iterable[object],
    schema: pa.Schema,
    *,
    decimals: Callable[[Decimal], Decimal] | None = None,
) -> pa.Table:
    """Build a ``schema`` table from records, one column per schema field, input order kept.

    Each field is read as the record's attribute of that name (None where it has none); an
    enum stands as its value and a tuple as a list. Money stays exact unless ``decimals``
    says otherwise.

    Parameters
    ----------
    records
        The records (trades, fills, marks, alerts, the ledger's events and positions, ...).
    schema
        The Arrow schema of the table; its field names are the attributes read.
    decimals
        Applied to every Decimal value (e.g. rounding to the stored 18 digits), or None.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Row:
    ...     amount: Decimal
    >>> schema = pa.schema([("amount", pa.decimal128(38, 2))])
    >>> table = records_to_table([Row(Decimal("1.004"))], schema, decimals=lambda d: round(d, 2))
    >>> table.column("amount").to_pylist()
    [Decimal('1.00')]
    """
    if decimals is None:
        return _fast_table(list(records), schema)
    columns: dict[str, list[object]] = {f.name: [] for f in schema}
    for r in records:
        for name, values in columns.items():
            value = getattr(r, name, None)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            elif decimals is not None and isinstance(value, Decimal):
                value = decimals(value)
            values.append(value)
    return pa.table(columns, schema=schema)


def _converted(values: list[object]) -> list[object]:
    out: list[object] = []
    for value in values:
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        out.append(value)
    return out


def _fast_table(records: list[object], schema: pa.Schema) -> pa.Table:
    """`records_to_table` without ``decimals``: one column at a time.

    Arrow takes a text enum as its text and a tuple as a list; a column it refuses as it
    is (an enum of numbers) is converted as the general path converts it.
    """
    arrays = []
    for f in schema:
        name = f.name
        values = [getattr(r, name, None) for r in records]
        try:
            arrays.append(pa.array(values, type=f.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays.append(pa.array(_converted(values), type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
