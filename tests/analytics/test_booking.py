"""Books kept at ingest equal books kept from the fills at summary time, on both engines.

`Store.booker` books the fills, marks and funding of the symbols each write touches, in that
write's transaction; summaries then read the stored daily books (`StoredBooks`), not the
fills. The reference is `summarize_trades(..., stored_books=False)`, which books every stored
fill again. Hypothesis splits a stream of fills into files written one after another (and
writes one of them again), so appending is proven equal to booking everything at once, for
any selection of strategies and symbols (several strategies: the sum of their own books).
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
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.booked import entry, examples, numbered
from tradeperf.analytics.booking import booker
from tradeperf.analytics.books import load_books
from tradeperf.analytics.fx import FxRates
from tradeperf.analytics.summary import SummaryRequest, summarize_trades
from tradeperf.analytics.windows import WindowKind
from tradeperf.ingest.base import ReadResult
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import (
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    FX_RATE_SCHEMA,
    MARK_SCHEMA,
    Fill,
    FundingPayment,
    Mark,
    RecordKind,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)
from tradeperf.reports.json_report import summary_to_json
from tradeperf.store import open_store

T0 = dt.datetime(2024, 3, 29, 20, 0, tzinfo=dt.UTC)
qty = st.decimals(min_value="0.01", max_value=5, places=2)
price = st.decimals(min_value=90, max_value=110, places=1)
SYMBOLS = ["X", "Y", "Z"]


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Fill], list[Mark], list[FundingPayment], list[int]]:
    n = draw(st.integers(1, 24))
    fills = [
        Fill(
            f"f{i:03d}",
            T0 + dt.timedelta(hours=7 * draw(st.integers(0, 16))),
            draw(st.sampled_from(SYMBOLS)),
            draw(st.sampled_from(["BUY", "SELL"])),
            draw(qty),
            draw(price),
            draw(st.sampled_from([Decimal(0), Decimal("0.25")])),
            strategy=draw(st.sampled_from(["s1", "s2", "s3"])),
        )
        for i in range(n)
    ]
    marks = [
        Mark(T0 + dt.timedelta(hours=5 * k + 1), symbol, draw(price))
        for k in range(draw(st.integers(0, 24)))
        for symbol in [draw(st.sampled_from(SYMBOLS))]
    ]
    seen: set[tuple[str, dt.datetime]] = set()
    marks = [
        m
        for m in marks
        if (m.symbol, m.timestamp) not in seen and not seen.add((m.symbol, m.timestamp))
    ]  # type: ignore[func-returns-value]
    funding = [
        FundingPayment(
            T0 + dt.timedelta(hours=8 * k + 3), draw(st.sampled_from(SYMBOLS)), draw(price) - 100
        )
        for k in range(draw(st.integers(0, 6)))
    ]
    cuts = sorted(draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=3, unique=True)))
    return fills, marks, funding, cuts


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


def _same_doc(a: object, b: object, where: str) -> None:
    """The JSON documents ``a`` and ``b`` are equal (floats to 1e-9), ``generated_at`` aside."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), where
        for name in a:
            if name != "generated_at":
                _same_doc(a[name], b[name], f"{where}.{name}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_doc(x, y, f"{where}[{i}]")
    else:
        assert _close(a, b), f"{where}: {a!r} != {b!r}"


REQUESTS = [
    dict(timezone="UTC"),
    dict(timezone="America/New_York", strategies=("s1",)),
    dict(timezone="UTC", symbols=("Y",), start=dt.date(2024, 3, 31)),
    dict(timezone="America/New_York", end=dt.date(2024, 4, 1)),
    # several strategies (the sum of their own books), a strategy and a symbol, several
    # symbols, several of both
    dict(timezone="UTC", strategies=("s1", "s2")),
    dict(timezone="America/New_York", strategies=("s2",), symbols=("X",)),
    dict(timezone="UTC", symbols=("X", "Z"), start=dt.date(2024, 3, 31)),
    dict(timezone="America/New_York", strategies=("s3", "s1"), symbols=("Y", "X")),
]


@pytest.fixture
def bstore(store_url: str):  # type: ignore[no-untyped-def]
    with open_store(store_url) as store:
        store.ensure_partials("America/New_York")
        yield store


@pytest.mark.slow
@examples(10)
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
        bstore.write_source(entry(path, "fills"), result, replace=True)
        written.append((path, result))
    for path, kind, table in (
        (f"/{run}/marks.csv", RecordKind.MARKS, marks_to_table(marks)),
        (f"/{run}/funding.csv", RecordKind.FUNDING, numbered(funding_to_table(funding))),
    ):
        bstore.write_source(entry(path, kind.value), ReadResult(path, kind, table), replace=True)
    if again:  # the first file read again in full: its symbols are booked again
        path, result = written[0]
        bstore.write_source(entry(path, "fills"), result, replace=True)
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
        _same_doc(summary_to_json(kept), summary_to_json(ref), str(req))


def test_a_store_without_a_booker_drops_its_books_and_summaries_book_the_fills(
    store_url: str,
) -> None:
    fill = Fill("a", T0, "X", "BUY", Decimal(1), Decimal(100), Decimal(0))
    with open_store(store_url) as store:
        store.booker = booker()
        store.write_source(
            entry("/f1", "fills"),
            ReadResult("/f1", RecordKind.FILLS, fills_to_table([fill])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is not None
        assert store.stored_books("UTC", "lifo") is None  # booked FIFO only
        store.booker = None
        other = dataclasses.replace(fill, fill_id="b", side="SELL", price=Decimal(110))
        store.write_source(
            entry("/f2", "fills"),
            ReadResult("/f2", RecordKind.FILLS, fills_to_table([other])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is None  # out of date: dropped
        summary = summarize_trades(store, SummaryRequest())
        assert summary.overall["realized_pnl"] == Decimal(10)
        store.booker = booker()  # the next write books everything again
        store.write_source(
            entry("/m", "marks"),
            ReadResult("/m", RecordKind.MARKS, marks_to_table([Mark(T0, "Z", Decimal(1))])),
            replace=True,
        )
        assert store.stored_books("UTC", "fifo") is not None
        assert summarize_trades(store, SummaryRequest()).overall["realized_pnl"] == Decimal(10)


# the schemas the test tables are built with are the stored ones
assert {f.name for f in FILL_SCHEMA} >= {"fill_id", "strategy"}
assert pa.types.is_timestamp(MARK_SCHEMA.field("timestamp").type)
assert FUNDING_SCHEMA.field("amount") is not None


#: Selections a summary over fills answers from the stored books alone.
SELECTIONS = [
    {},
    {"strategies": ("a",)},
    {"symbols": ("X",)},
    {"strategies": ("a", "b")},
    {"strategies": ("b",), "symbols": ("X",)},
    {"symbols": ("X", "Y")},
    {"strategies": ("a", "b"), "symbols": ("X", "Y")},
    {"strategies": ("b", "c"), "symbols": ("Y",)},
]


@pytest.mark.parametrize("selection", SELECTIONS, ids=str)
def test_a_summary_over_booked_fills_reads_no_fill(
    store_url: str, monkeypatch: pytest.MonkeyPatch, selection: dict[str, tuple[str, ...]]
) -> None:
    day = dt.timedelta(days=1)
    fills = [
        Fill("a", T0, "X", "BUY", Decimal(2), Decimal(100), Decimal("0.5"), strategy="a"),
        Fill("b", T0 + day, "X", "SELL", Decimal(1), Decimal(104), Decimal(0), strategy="a"),
        Fill("c", T0 + day, "X", "SELL", Decimal(3), Decimal(103), Decimal("0.25"), strategy="b"),
        Fill("d", T0 + 2 * day, "X", "BUY", Decimal(1), Decimal(101), Decimal(0), strategy="b"),
        Fill("e", T0, "Y", "SELL", Decimal(5), Decimal(20), Decimal(0), strategy="b"),
        Fill("f", T0 + day, "Y", "BUY", Decimal(2), Decimal(19), Decimal("0.1"), strategy="c"),
        Fill("g", T0 + 3 * day, "Y", "BUY", Decimal(5), Decimal(18), Decimal(0), strategy="b"),
        Fill("h", T0 + 2 * day, "Z", "BUY", Decimal(1), Decimal(7), Decimal(0), strategy="a"),
    ]
    marks = [
        Mark(T0 + 2 * day, "X", Decimal(103)),
        Mark(T0 + 2 * day, "Y", Decimal("18.5")),
        Mark(T0 + 4 * day, "Z", Decimal(8)),
    ]
    funding = [
        FundingPayment(T0 + dt.timedelta(hours=12), "X", Decimal("-0.6")),
        FundingPayment(T0 + dt.timedelta(hours=36), "Y", Decimal("0.3")),
    ]
    with open_store(store_url) as store:
        store.booker = booker()
        for path, kind, table in (
            ("/f", RecordKind.FILLS, fills_to_table(fills)),
            ("/m", RecordKind.MARKS, marks_to_table(marks)),
            ("/u", RecordKind.FUNDING, numbered(funding_to_table(funding))),
        ):
            result = ReadResult(path, kind, table)
            store.write_source(entry(path, kind.value), result, replace=True)
        request = SummaryRequest(windows=(WindowKind.DAILY,), **selection)  # type: ignore[arg-type]
        ref = summarize_trades(store, request, stored_books=False)
        real = store.records

        def no_fills(kind: RecordKind, **kw: object) -> pa.Table:
            raw = (RecordKind.FILLS, RecordKind.MARKS, RecordKind.FUNDING)
            assert kind not in raw, "read raw records"
            return real(kind, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "records", no_fills)
        kept = summarize_trades(store, request)
    _same_doc(summary_to_json(kept), summary_to_json(ref), str(selection))
    assert kept.overall["trades"] or kept.overall["open_positions"]  # the selection holds some
    if not selection:
        assert kept.overall["realized_pnl"] == Decimal(17)  # X: 4 + 3 + 2; Y: 2 + 6
        # X short 1 @ 103 marked 103, Y long 2 @ 18 marked 18.5, Z 1 @ 7 marked 8
        assert kept.overall["unrealized_pnl"] == Decimal(2)


def test_several_strategies_are_the_sum_of_their_own_books_not_one_netted_account(
    store_url: str,
) -> None:
    # A buys 1 @ 100 and sells @ 110; B sells 1 @ 105 and buys back @ 103, in between.
    # Netted as one account (FIFO) the pairs are (100 -> 105: +5) and (short 110 -> 103: +7).
    hour = dt.timedelta(hours=1)
    fills = [
        Fill("1", T0, "X", "BUY", Decimal(1), Decimal(100), Decimal(0), strategy="A"),
        Fill("2", T0 + hour, "X", "SELL", Decimal(1), Decimal(105), Decimal(0), strategy="B"),
        Fill("3", T0 + 2 * hour, "X", "SELL", Decimal(1), Decimal(110), Decimal(0), strategy="A"),
        Fill("4", T0 + 3 * hour, "X", "BUY", Decimal(1), Decimal(103), Decimal(0), strategy="B"),
    ]
    own_a, own_b = Decimal(110 - 100), Decimal(105 - 103)  # each strategy's own round trip
    with open_store(store_url) as store:
        store.booker = booker()
        store.write_source(
            entry("/f", "fills"),
            ReadResult("/f", RecordKind.FILLS, fills_to_table(fills)),
            replace=True,
        )
        books = load_books(store, strategies=("A", "B"))
        assert books is not None
        trades = books.trades.sort_by("trade_id").to_pydict()
        assert trades["net_pnl"] == [own_a, own_b]
        assert trades["trade_id"] == ["default/A/X/1", "default/B/X/1"]
        assert ['"account":"default"' in m for m in trades["metadata_json"]] == [True, True]
        both = SummaryRequest(strategies=("A", "B"))
        for stored in (True, False):
            summary = summarize_trades(store, both, stored_books=stored)
            overall = summary.overall
            assert overall["realized_pnl"] == own_a + own_b
            assert overall["trades"] == 2
            assert overall["largest_win"] == own_a  # netted, the largest would be 7
            for name, own in (("A", own_a), ("B", own_b)):
                assert summary.by_strategy[name]["realized_pnl"] == own, (stored, name)
                alone = summarize_trades(store, SummaryRequest(strategies=(name,)))
                assert alone.overall["realized_pnl"] == own
        netted = summarize_trades(store, SummaryRequest()).overall
        assert netted["realized_pnl"] == Decimal(5 + 7)
        assert netted["largest_win"] == Decimal(7)


def test_selections_in_two_currencies_convert_like_the_fills_booked_now(store_url: str) -> None:
    day = dt.timedelta(days=1)
    eur = {"currency": "EUR"}
    fills = [
        Fill("1", T0, "E", "BUY", Decimal(2), Decimal(50), Decimal("0.2"), strategy="a", **eur),
        Fill("2", T0 + day, "E", "SELL", Decimal(3), Decimal(52), Decimal(0), strategy="b", **eur),
        Fill(
            "3", T0 + 2 * day, "E", "SELL", Decimal(2), Decimal(55), Decimal(0), strategy="a", **eur
        ),
        Fill(
            "4", T0 + 3 * day, "E", "BUY", Decimal(1), Decimal(51), Decimal(0), strategy="b", **eur
        ),
        Fill("5", T0, "U", "BUY", Decimal(1), Decimal(10), Decimal(0), strategy="a"),
        Fill("6", T0 + 2 * day, "U", "SELL", Decimal(1), Decimal(12), Decimal(0), strategy="b"),
    ]
    # a mark every day up to the last fill: the open positions' value converts at the rate
    # of the day before each instant in both (after it, the fills booked now take the last
    # fill day's rate, the stored books each position's last row's)
    marks = [
        Mark(T0 + k * day + dt.timedelta(hours=1), symbol, Decimal(price + k))
        for k in range(4)
        for symbol, price in (("E", 49), ("U", 11))
    ]
    dates = [(T0 + k * day).date() for k in range(-1, 6)]
    rates = pa.table(
        {
            "date": dates,
            "currency": ["EUR"] * len(dates),
            "base": ["USD"] * len(dates),
            "rate": [Decimal("1.08") + Decimal(k) / 100 for k in range(len(dates))],
            "source": [None] * len(dates),
            "source_line": list(range(1, len(dates) + 1)),
        },
        schema=FX_RATE_SCHEMA,
    )
    with open_store(store_url) as store:
        store.booker = booker()
        for path, kind, table in (
            ("/f", RecordKind.FILLS, fills_to_table(fills)),
            ("/m", RecordKind.MARKS, marks_to_table(marks)),
            ("/r", RecordKind.FX_RATES, rates),
        ):
            store.write_source(entry(path, kind.value), ReadResult(path, kind, table), replace=True)
        fx = FxRates.from_table(store.records(RecordKind.FX_RATES))
        for selection in ({}, {"strategies": ("a", "b")}, {"strategies": ("b",), "symbols": ("E",)},
                          {"symbols": ("E", "U")}):  # fmt: skip
            request = SummaryRequest(currency="USD", windows=(WindowKind.DAILY,), **selection)  # type: ignore[arg-type]
            kept = summarize_trades(store, request, rates=fx)
            ref = summarize_trades(store, request, rates=fx, stored_books=False)
            _same_doc(summary_to_json(kept), summary_to_json(ref), str(selection))
            assert kept.overall["realized_pnl"] != 0, selection  # converted amounts compared
