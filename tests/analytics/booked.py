"""What the tests of the kept books share: index entries, file lines, writes, two stores."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal

import pyarrow as pa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tradeperf.ingest.base import ReadResult
from tradeperf.records import FundingPayment, Mark, RecordKind
from tradeperf.store import SourceEntry, Store


def entry(path: str, kind: str) -> SourceEntry:
    """An index entry for ``path`` (a new checksum each time: the file always changed)."""
    return SourceEntry(
        path=path, size=1, mtime_ns=1, checksum=uuid.uuid4().hex, prefix_checksum="p",
        end_offset=1, format="csv", kind=kind, rows=1, rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def numbered(table: pa.Table) -> pa.Table:
    """``table`` with its rows numbered as the lines of a file (funding is keyed by them)."""
    lines = pa.array(range(1, table.num_rows + 1), pa.int64())
    return table.set_column(table.column_names.index("source_line"), "source_line", lines)


def write(store: Store, path: str, kind: RecordKind, table: pa.Table) -> None:
    """Write ``table`` as the whole of file ``path`` (funding rows numbered)."""
    if kind is RecordKind.FUNDING:
        table = numbered(table)
    store.write_source(entry(path, kind.value), ReadResult(path, kind, table), replace=True)


def examples(n: int) -> settings:
    """Hypothesis settings of the store tests: ``n`` examples, no deadline.

    ``TRADEPERF_TEST_EXAMPLES=K`` runs K times as many (a thorough run; CI runs ``n``, each
    example being several stores written and summarised); with ``TRADEPERF_TEST_NO_SHRINK``
    set, a failing example is reported as found, unshrunk (the store tests shrink slowly).
    """
    return settings(
        max_examples=n * int(os.environ.get("TRADEPERF_TEST_EXAMPLES", "1")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        phases=(
            [Phase.explicit, Phase.reuse, Phase.generate]
            if os.environ.get("TRADEPERF_TEST_NO_SHRINK")
            else list(Phase)
        ),
    )


def marks_and_funding(
    draw: st.DrawFn, t0: dt.datetime, hours: int, *, marks: int, payments: int
) -> tuple[list[Mark], list[FundingPayment]]:
    """Up to ``marks`` marks (at half past an hour, one per symbol and instant) and up to
    ``payments`` funding payments (at a quarter past, in time order) of X and Y within
    ``hours`` hours of ``t0``."""
    drawn = {
        (s, h): Mark(t0 + dt.timedelta(hours=h, minutes=30), s, Decimal(draw(st.integers(95, 105))))
        for h in draw(st.lists(st.integers(0, hours), max_size=marks))
        for s in [draw(st.sampled_from(["X", "Y"]))]
    }
    funding = [
        FundingPayment(
            t0 + dt.timedelta(hours=h, minutes=15),
            draw(st.sampled_from(["X", "Y"])),
            Decimal(draw(st.integers(-3, 3))),
        )
        for h in sorted(draw(st.lists(st.integers(0, hours), max_size=payments, unique=True)))
    ]
    return list(drawn.values()), funding
