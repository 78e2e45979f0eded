"""How the tracker's records reach the store: as appends to its own source, with its state.

A tracker named NAME writes to the source ``tracker://NAME``. Each flush is one
`tradeperf.store.tracker_sql.TrackerTables.write_tracker` transaction: the records recorded
since the last flush (fills, marks, funding, cash flows, logged trades, each with its sequence
number as ``source_line``), the state document as of the last of them, and the snapshots due.
The store books the fills as it does for a file (the books kept at ingest), so `tradeperf
summary` on the store gives the figures of what the tracker recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

import pyarrow as pa

from tradeperf.ingest.base import ReadResult
from tradeperf.records import (
    CashFlow,
    Fill,
    FundingPayment,
    Mark,
    RecordKind,
    Trade,
    cash_flows_to_table,
    fills_to_table,
    funding_to_table,
    marks_to_table,
    trades_to_table,
)
from tradeperf.store.base import SourceEntry, SourceWrite

#: The scheme of a tracker's source in the store's index.
SOURCE_SCHEME: Final = "tracker://"

Record = Fill | Mark | FundingPayment | CashFlow | Trade

_KINDS: Final = (
    (Fill, RecordKind.FILLS, fills_to_table),
    (Mark, RecordKind.MARKS, marks_to_table),
    (FundingPayment, RecordKind.FUNDING, funding_to_table),
    (CashFlow, RecordKind.CASH_FLOWS, cash_flows_to_table),
    (Trade, RecordKind.TRADES, trades_to_table),
)


def source_of(name: str) -> str:
    """Return the source path of the tracker ``name`` (``tracker://NAME``)."""
    return f"{SOURCE_SCHEME}{name}"


def source_write(
    name: str,
    records: Sequence[tuple[int, Record]],
    *,
    sequence: int,
    stored_rows: int,
    capital: Decimal,
    currency: str,
    now: dt.datetime,
) -> SourceWrite:
    """Return the records (each with its sequence number) as an append to the tracker's source.

    Parameters
    ----------
    name
        The tracker's name.
    records
        (sequence number, record) in the order recorded.
    sequence
        The sequence number of the last record recorded (the source's "size").
    stored_rows
        How many records the source holds with these.
    capital, currency
        The account the tracker keeps: the source states it, so a summary of the store
        without ``--capital`` uses it (`tradeperf.jobs.account_for`).
    now
        When the flush happens.
    """
    parts: dict[RecordKind, pa.Table] = {}
    for cls, kind, to_table in _KINDS:
        chosen = [(n, r) for n, r in records if type(r) is cls]
        if not chosen:
            continue
        table = to_table([r for _, r in chosen])  # type: ignore[misc]  # all of type cls
        lines = pa.array([n for n, _ in chosen], type=pa.int64())
        table = table.set_column(table.schema.get_field_index("source_line"), "source_line", lines)
        parts[kind] = table
    main = parts.pop(RecordKind.FILLS, None)
    if main is None:
        main = fills_to_table([])
    path = source_of(name)
    entry = SourceEntry(
        path=path,
        size=sequence,
        mtime_ns=sequence,
        checksum=f"tracker:{sequence}",
        prefix_checksum="",
        end_offset=sequence,
        format="tracker",
        kind=RecordKind.FILLS.value,
        rows=stored_rows,
        rejected=0,
        unreadable=False,
        ingested_at=now,
        end_line=sequence,
        capital=str(capital),
        currency=currency,
    )
    result = ReadResult(
        source=path, kind=RecordKind.FILLS, table=main, format="tracker", extra=parts
    )
    return SourceWrite(entry, result, replace=False)
