"""Books kept at ingest equal books kept from the fills at summary time, on both engines.

`Store.booker` books the fills, marks and funding of the symbols each write touches, in that
write's transaction; summaries then read the stored daily books (`StoredBooks`), not the
fills. The reference is `summarize_trades(..., stored_books=False)`, which books every stored
fill again. Hypothesis splits a stream of fills into files written one after another (and
writes one of them again), so appending is proven equal to booking everything at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import uuid
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.analytics.booking import booker
from tradeperf.analytics.summary import SummaryRequest, summarize_trades
from tradeperf.analytics.windows import WindowKind
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import (
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    MARK_SCHEMA,
    Fill,
    FundingPayment,
    Mark,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)
from tradeperf.store import SourceEntry, open_store

T0 = dt.datetime(2024, 3, 29, 20, 0, tzinfo=dt.UTC)
qty = st.decimals(min_value="0.01", max_value=5, places=2)
price = st.decimals(min_value=90, max_value=110, places=1)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Fill], list[Mark], list[FundingPayment], list[int]]:
    n = draw(st.integers(1, 24))
    fills = [
        Fill(
            f"f{i:03d}",
            T0 + dt.timedelta(hours=7 * draw(st.integers(0, 16))),
            draw(st.sampled_from(["X", "Y"])),
            draw(st.sampled_from(["BUY", "SELL"])),
            draw(qty),
            draw(price),
            draw(st.sampled_from([Decimal(0), Decimal("0.25")])),
            strategy=draw(st.sampled_from(["s1", "s2"])),
        )
        for i in range(n)
    ]
    marks = [
        Mark(T0 + dt.timedelta(hours=5 * k + 1), symbol, draw(price))
        for k in range(draw(st.integers(0, 24)))
        for symbol in [draw(st.sampled_from(["X", "Y"]))]
    ]
    seen: set[tuple[str, dt.datetime]] = set()
    marks = [
        m
        for m in marks
        if (m.symbol, m.timestamp) not in seen and not seen.add((m.symbol, m.timestamp))
    ]  # type: ignore[func-returns-value]
    funding = [
        FundingPayment(
            T0 + dt.timedelta(hours=8 * k + 3), draw(st.sampled_from(["X", "Y"])), draw(price) - 100
        )
        for k in range(draw(st.integers(0, 6)))
    ]
    cuts = sorted(draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=3, unique=True)))
    return fills, marks, funding, cuts


def _entry(path: str, kind: str) -> SourceEntry:
    return SourceEntry(
        path=path, size=1, mtime_ns=1, checksum=uuid.uuid4().hex, prefix_checksum="p",
        end_offset=1, format="csv", kind=kind, rows=1, rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _lines(table: pa.Table) -> pa.Table:
    """``table`` with its rows numbered as the lines of a file (funding is keyed by them)."""
    lines = pa.array(range(1, table.num_rows + 1), pa.int64())
    return table.set_column(table.column_names.index("source_line"), "source_line", lines)


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, Decimal) and isinstance(b, Decimal) and a.is_nan():
        return b.is_nan()
    return a == b


def _same(a: dict, b: dict, where: str) -> None:  # type: ignore[type-arg]
    assert a.keys() == b.keys(), where
    for name in a:
        assert _close(a[name], b[name]), f"{where} {name}: {a[name]!r} != {b[name]!r}"


REQUESTS = [
    dict(timezone="UTC"),
    dict(timezone="America/New_York", strategies=("s1",)),
    dict(timezone="UTC", symbols=("Y",), start=dt.date(2024, 3, 31)),
    dict(timezone="America/New_York", end=dt.date(2024, 4, 1)),
]


@pytest.fixture
def bstore(store_url: str):  # type: ignore[no-untyped-def]
    with open_store(store_url) as store:
        store.ensure_partials("America/New_York")
        yield store


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=streams(), basis=st.sampled_from(list(CostBasis)), again=st.booleans())
def test_books_kept_at_ingest_equal_books_kept_from_the_fills(
    bstore, stream, basis: CostBasis, again: bool
) -> None:  # type: ignore[no-untyped-def]
    fills, marks, funding, cuts = stream
    bstore.booker = booker(basis)
    run = uuid.uuid4().hex[:8]  # each example its own files: nothing of the last one counts
    for path in list(bstore.source_entries()):
        bstore.forget([path])
    bounds = [0, *cuts, len(fills)]
    parts = [fills[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    written = []
    for i, part in enumerate(parts):
        path = f"/{run}/fills-{i}.csv"
        result = ReadResult(path, RecordKind.FILLS, fills_to_table(part))
        bstore.write_source(_entry(path, "fills"), result, replace=True)
        written.append((path, result))
    for path, kind, table in (
        (f"/{run}/marks.csv", RecordKind.MARKS, marks_to_table(marks)),
        (f"/{run}/funding.csv", RecordKind.FUNDING, _lines(funding_to_table(funding))),
    ):
        bstore.write_source(_entry(path, kind.value), ReadResult(path, kind, table), replace=True)
    if again:  # the first file read again in full: its symbols are booked again
        path, result = written[0]
        bstore.write_source(_entry(path, "fills"), result, replace=True)
    assert bstore.stored_books("UTC", basis.value) is not None
    windows = (WindowKind.DAILY, WindowKind.WEEKLY)
    for req in REQUESTS:
        request = SummaryRequest(windows=windows, cost_basis=basis, **req)  # type: ignore[arg-type]
        kept = summarize_trades(bstore, request)
        ref = summarize_trades(bstore, request, stored_books=False)
        _same(kept.overall, ref.overall, f"{req} overall")
        for kind, ws in ref.windows.items():
            assert [w.label for w in kept.windows[kind]] == [w.label for w in ws], (req, kind)
            for wk, wr in zip(kept.windows[kind], ws, strict=True):
                _same(wk.figures, wr.figures, f"{req} {kind} {wr.label}")
        for name in ("by_strategy", "by_symbol"):
            a, b = getattr(kept, name), getattr(ref, name)
            assert a.keys() == b.keys(), (req, name)
            for label in a:
                _same(a[label], b[label], f"{req} {name} {label}")


def test_a_store_without_a_booker_drops_its_books_and_summaries_book_the_fills(
    store_url: str,
) -> None:
    fill = Fill("a", T0, "X", "BUY", Decimal(1), Decimal(100), Decimal(0))
    with open_store(store_url) as store:
        store.booker = booker()
        store.write_source(
            _entry("/f1", "fills"),
            ReadResult("/f1", RecordKind.FILLS, fills_to_table([fill])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is not None
        assert store.stored_books("UTC", "lifo") is None  # booked FIFO only
        store.booker = None
        other = dataclasses.replace(fill, fill_id="b", side="SELL", price=Decimal(110))
        store.write_source(
            _entry("/f2", "fills"),
            ReadResult("/f2", RecordKind.FILLS, fills_to_table([other])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is None  # out of date: dropped
        summary = summarize_trades(store, SummaryRequest())
        assert summary.overall["realized_pnl"] == Decimal(10)
        store.booker = booker()  # the next write books everything again
        store.write_source(
            _entry("/m", "marks"),
            ReadResult("/m", RecordKind.MARKS, marks_to_table([Mark(T0, "Z", Decimal(1))])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is not None
        assert summarize_trades(store, SummaryRequest()).overall["realized_pnl"] == Decimal(10)


# the schemas the test tables are built with are the stored ones
assert {f.name for f in FILL_SCHEMA} >= {"fill_id", "strategy"}
assert pa.types.is_timestamp(MARK_SCHEMA.field("timestamp").type)
assert FUNDING_SCHEMA.field("amount") is not None


def test_a_summary_over_booked_fills_reads_no_fill(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fills = [
        Fill("a", T0, "X", "BUY", Decimal(2), Decimal(100), Decimal("0.5")),
        Fill("b", T0 + dt.timedelta(days=1), "X", "SELL", Decimal(1), Decimal(104), Decimal(0)),
    ]
    marks = [Mark(T0 + dt.timedelta(days=2), "X", Decimal(103))]
    with open_store(store_url) as store:
        store.booker = booker()
        for path, kind, table in (
            ("/f", RecordKind.FILLS, fills_to_table(fills)),
            ("/m", RecordKind.MARKS, marks_to_table(marks)),
        ):
            result = ReadResult(path, kind, table)
            store.write_source(_entry(path, kind.value), result, replace=True)
        ref = summarize_trades(store, SummaryRequest(), stored_books=False)
        real = store.records

        def no_fills(kind: RecordKind, **kw: object) -> pa.Table:
            assert kind not in (RecordKind.FILLS, RecordKind.MARKS), "read raw records"
            return real(kind, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "records", no_fills)
        kept = summarize_trades(store, SummaryRequest())
    _same(kept.overall, ref.overall, "overall")
    assert kept.overall["realized_pnl"] == Decimal(4)
    assert kept.overall["unrealized_pnl"] == Decimal(3)  # 1 left at 100, marked 103
