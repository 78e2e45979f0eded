"""Pruning raw fills, marks and funding never changes a figure, on DuckDB and PostgreSQL.

The store prunes a position's raw records only up to its latest checkpoint before the
horizon (the last instant it was flat in every scope), and a symbol's marks up to the last
one before the earliest such checkpoint. Hypothesis draws streams of whole-lot fills (so
positions go flat), marks and funding, and a horizon; every summary (JSON document, whole)
is the same before and after pruning, and after appending more fills to the pruned store
it is that of a store that was never pruned. What pruning makes impossible is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.booked import examples, marks_and_funding, write
from tradeperf.analytics.booking import booker
from tradeperf.analytics.summary import SummaryRequest, summarize
from tradeperf.analytics.windows import WindowKind
from tradeperf.errors import ConfigError
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import (
    Fill,
    Mark,
    RecordKind,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)
from tradeperf.reports.json_report import summary_to_json
from tradeperf.store import open_store

T0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=40)

REQUESTS = [
    dict(timezone="UTC"),
    dict(timezone="America/New_York", strategies=("s1",)),
    dict(timezone="UTC", strategies=("s1", "s2"), symbols=("X",)),
    dict(timezone="America/New_York", start=dt.date(2024, 3, 10), end=dt.date(2024, 3, 25)),
]


def _fills(draw: st.DrawFn, n: int, first: int, span: int, tag: str) -> list[Fill]:
    """``n`` round trips of whole lots (opened, then closed by the same strategy; one in
    five left open), from hour ``first`` over ``span`` hours: positions go flat often."""
    out = []
    for i in range(n):
        opened = draw(st.integers(first, first + span))
        side, other = draw(st.sampled_from([("BUY", "SELL"), ("SELL", "BUY")]))
        qty = Decimal(draw(st.sampled_from([1, 2])))
        symbol = draw(st.sampled_from(["X", "Y"]))
        strategy = draw(st.sampled_from(["s1", "s2"]))
        legs = [(opened, side)]
        if draw(st.integers(0, 4)):
            legs.append((opened + draw(st.integers(0, 72)), other))
        for k, (h, leg) in enumerate(legs):
            out.append(
                Fill(
                    f"{tag}{i:03d}{k}",
                    T0 + dt.timedelta(hours=h),
                    symbol,
                    leg,
                    qty,
                    Decimal(draw(st.integers(95, 105))),
                    draw(st.sampled_from([Decimal(0), Decimal("0.5")])),
                    strategy=strategy,
                )
            )
    return sorted(out, key=lambda f: f.timestamp)


@st.composite
def histories(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    fills = _fills(draw, draw(st.integers(1, 15)), 0, 28 * 24, "f")
    later = _fills(draw, draw(st.integers(1, 4)), 31 * 24, 6 * 24, "g")
    marks, funding = marks_and_funding(draw, T0, 39 * 24, marks=30, payments=6)
    keep_days = draw(st.integers(11, 39))  # the horizon: NOW minus this
    return fills, later, marks, funding, keep_days


def _documents(store, basis: CostBasis) -> list[object]:  # type: ignore[no-untyped-def]
    out = []
    for req in REQUESTS:
        request = SummaryRequest(
            windows=(WindowKind.DAILY, WindowKind.WEEKLY),
            cost_basis=basis,
            **req,  # type: ignore[arg-type]
        )
        doc = summary_to_json(summarize(store, request))
        doc.pop("generated_at", None)
        out.append(doc)
    return out


def _difference(a: object, b: object, where: str = "") -> str:
    """The path of the first difference between two JSON documents, and both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _difference(a.get(k), b.get(k), f"{where}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _difference(x, y, f"{where}[{i}]")
    return f"{where}: {a!r} != {b!r}"


@pytest.mark.slow
@examples(10)
@given(history=histories(), basis=st.sampled_from(list(CostBasis)))
def test_pruning_changes_no_figure_before_or_after_an_append(store_pair, history, basis) -> None:  # type: ignore[no-untyped-def]
    pruned, kept = store_pair
    fills, later, marks, funding, keep_days = history
    run = uuid.uuid4().hex[:8]
    for s in (pruned, kept):
        _reset(s)
        s.booker = booker(basis)
    writes = [
        (f"/{run}/fills.csv", RecordKind.FILLS, fills_to_table(fills)),
        (f"/{run}/marks.csv", RecordKind.MARKS, marks_to_table(marks)),
        (f"/{run}/funding.csv", RecordKind.FUNDING, funding_to_table(funding)),
    ]
    for s in (pruned, kept):
        for w in writes:
            write(s, *w)
    before = _documents(pruned, basis)
    deleted = pruned.prune(
        ["fills", "marks", "funding"], older_than=dt.timedelta(days=keep_days), now=NOW
    )
    after = _documents(pruned, basis)
    assert after == before, f"pruned {deleted}: {_difference(after, before)}"
    for s in (pruned, kept):
        write(s, f"/{run}/later.csv", RecordKind.FILLS, fills_to_table(later))
    appended, whole = _documents(pruned, basis), _documents(kept, basis)
    assert appended == whole, f"pruned {deleted}, appended: {_difference(appended, whole)}"


def _reset(store) -> None:  # type: ignore[no-untyped-def]
    """A store as new (a pruned one cannot forget its sources: its books would need the
    pruned fills), for the next example."""
    for table in ("book_floors", "book_checkpoints", "book_days", "book_trades", "book_state"):
        store._exec(f"DELETE FROM {table}")
    for path in list(store.source_entries()):
        store.forget([path])


def test_a_pruned_store_refuses_what_it_could_no_longer_book(store_url: str) -> None:
    fills = [
        Fill(f"a{i}", T0 + dt.timedelta(days=i), "X", "BUY" if i % 2 == 0 else "SELL",
             Decimal(1), Decimal(100 + i), Decimal(0))
        for i in range(20)
    ]  # fmt: skip
    with open_store(store_url) as store:
        store.booker = booker()
        write(store, "/f.csv", RecordKind.FILLS, fills_to_table(fills))
        before = summary_to_json(summarize(store, SummaryRequest()))
        deleted = store.prune(
            ["fills"], older_than=dt.timedelta(days=10), now=T0 + dt.timedelta(days=20)
        )
        assert deleted["fills"] == 10  # up to the flat instant after the sell of day 9
        assert store.books_pruned() == T0 + dt.timedelta(days=10)
        books = store.info().books
        assert books is not None
        assert books.startswith("fifo, in UTC; 10 round trips")
        assert books.endswith("pruned before 2024-03-11 12:00 UTC")
        after = summary_to_json(summarize(store, SummaryRequest()))
        before.pop("generated_at"), after.pop("generated_at")
        assert after == before
        late = [
            Fill(
                "late",
                T0 + dt.timedelta(days=3, hours=1),
                "X",
                "BUY",
                Decimal(1),
                Decimal(1),
                Decimal(0),
            )
        ]
        with pytest.raises(ConfigError, match="pruned to"):
            write(store, "/late.csv", RecordKind.FILLS, fills_to_table(late))
        store.booker = booker(CostBasis.LIFO)
        more = dataclasses.replace(late[0], fill_id="more", timestamp=T0 + dt.timedelta(days=25))
        with pytest.raises(ConfigError, match="one cost basis"):
            write(store, "/more.csv", RecordKind.FILLS, fills_to_table([more]))
        store.booker = booker()
        with pytest.raises(ConfigError, match="were pruned"):
            summarize(store, SummaryRequest(cost_basis=CostBasis.AVERAGE))
        with pytest.raises(ConfigError, match="were pruned"):
            summarize(store, SummaryRequest(timezone="Asia/Tokyo"))
        # an open round trip keeps its fills: the buy of day 18 stays though older than 1 day
        store.prune(
            ["fills"], older_than=dt.timedelta(hours=1), now=T0 + dt.timedelta(days=19, hours=6)
        )
        assert store.pruned_kept["fills"] == 0
        assert store.records(RecordKind.FILLS).num_rows == 0  # day 19's sell closed it


def test_positions_come_from_the_checkpoints_and_survive_pruning(store_url: str) -> None:
    """`tradeperf positions` books each position from its latest checkpoint: the same open
    positions as booking every fill, before and after the fills behind them are pruned."""
    fills = [
        Fill("b1", T0, "X", "BUY", Decimal(2), Decimal(100), Decimal("0.3")),
        Fill("s1", T0 + dt.timedelta(days=1), "X", "SELL", Decimal(5), Decimal(110), Decimal(1)),
        Fill("b2", T0 + dt.timedelta(days=2), "X", "BUY", Decimal(1), Decimal(104), Decimal(0)),
        Fill("y1", T0 + dt.timedelta(days=1), "Y", "BUY", Decimal(3), Decimal(50), Decimal(0)),
        Fill("y2", T0 + dt.timedelta(days=2), "Y", "BUY", Decimal(1), Decimal(54), Decimal(0)),
        Fill("z1", T0 + dt.timedelta(days=1), "Z", "BUY", Decimal(3), Decimal(20), Decimal(0)),
    ]
    marks = [Mark(T0 + dt.timedelta(days=3), "X", Decimal(107))]
    with open_store(store_url) as store:
        store.booker = booker()
        write(store, "/f.csv", RecordKind.FILLS, fills_to_table(fills))
        write(store, "/m.csv", RecordKind.MARKS, marks_to_table(marks))
        kept = store.latest_checkpoints()
        assert kept is not None
        assert kept.num_rows == 3  # X flipped short on day 1; Y and Z opened from flat then
        reference = open_positions_of(store, use_checkpoints=False)
        assert open_positions_of(store) == reference
        # X short 2 @110 after the flip; Y long 4 at (3x50 + 54) / 4
        assert [(p.symbol, p.quantity, p.average_cost) for p in reference] == [
            ("X", Decimal(-2), Decimal(110)),
            ("Y", Decimal(4), Decimal(51)),
            ("Z", Decimal(3), Decimal(20)),  # its only fill is pruned: the lot stays
        ]
        store.prune(["fills"], older_than=dt.timedelta(days=1), now=T0 + dt.timedelta(days=3))
        assert store.records(RecordKind.FILLS).num_rows < len(fills)
        assert open_positions_of(store) == reference


def open_positions_of(store, *, use_checkpoints: bool = True):  # type: ignore[no-untyped-def]
    from tradeperf.analytics.positions import open_positions

    if use_checkpoints:
        return open_positions(store)
    return open_positions(store, sources=tuple(store.source_entries()))


def test_a_lot_stays_open_when_every_fill_behind_it_is_pruned(store_url: str) -> None:
    buy = Fill("z1", T0, "Z", "BUY", Decimal(3), Decimal(20), Decimal("0.1"))
    with open_store(store_url) as store:
        store.booker = booker()
        write(store, "/z.csv", RecordKind.FILLS, fills_to_table([buy]))
        reference = open_positions_of(store, use_checkpoints=False)
        store.prune(["fills"], older_than=dt.timedelta(days=1), now=T0 + dt.timedelta(days=5))
        assert store.records(RecordKind.FILLS).num_rows == 0
        assert open_positions_of(store) == reference
        assert [(p.symbol, p.quantity) for p in reference] == [("Z", Decimal(3))]
