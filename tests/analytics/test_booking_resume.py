"""Re-booking resumes from checkpoints, and books exactly as booking everything at once.

Fills of whole lots go flat often, so the store keeps checkpoints (instants after which no
strategy holds any of a position) and a write books each touched position again from its
latest checkpoint before the change, not from its first fill. Hypothesis splits a stream of
fills (some of them late: earlier than fills already stored) into files appended one after
another; the stored daily books, round trips and checkpoints must equal those of a store
that took every file in one write, on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.booked import entry, examples, marks_and_funding, numbered
from tradeperf.analytics.booking import booker
from tradeperf.analytics.summary import SummaryRequest, summarize_trades
from tradeperf.ingest.base import ReadResult
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import (
    BOOK_CHECKPOINT_SCHEMA,
    Fill,
    FundingPayment,
    Mark,
    RecordKind,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)
from tradeperf.store import SourceWrite, open_store

T0 = dt.datetime(2024, 3, 29, 20, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "America/New_York")


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Fill], list[Mark], list[FundingPayment], list[int]]:
    n = draw(st.integers(2, 30))
    hours = sorted(draw(st.lists(st.integers(0, 120), min_size=n, max_size=n)))
    late = draw(st.sets(st.integers(0, n - 1), max_size=2))  # moved before the others
    fills = [
        Fill(
            f"f{i:03d}",
            T0 + dt.timedelta(hours=hours[i] if i not in late else draw(st.integers(0, 60))),
            draw(st.sampled_from(["X", "Y"])),
            draw(st.sampled_from(["BUY", "SELL"])),
            Decimal(draw(st.sampled_from([1, 1, 2]))),
            Decimal(draw(st.integers(95, 105))),
            draw(st.sampled_from([Decimal(0), Decimal("0.25")])),
            strategy=draw(st.sampled_from(["s1", "s2"])),
        )
        for i in range(n)
    ]
    marks, funding = marks_and_funding(draw, T0, 124, marks=12, payments=5)
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=4, unique=True)))
    return fills, marks, funding, cuts


def _kept(store, tz: str, basis: CostBasis) -> dict[str, list[dict[str, object]]]:  # type: ignore[no-untyped-def]
    kept = store.stored_books(tz, basis.value)
    assert kept is not None
    days, trades = kept
    cols = ", ".join(f'"{f.name}"' for f in BOOK_CHECKPOINT_SCHEMA)
    points = store._fetch_arrow(f"SELECT {cols} FROM book_checkpoints")
    points = points.cast(BOOK_CHECKPOINT_SCHEMA)

    def rows(t: pa.Table, keys: list[str]) -> list[dict[str, object]]:
        return t.take(pc.sort_indices(t, [(k, "ascending") for k in keys])).to_pylist()

    return {
        "days": rows(days, ["scope", "account", "symbol", "day"]),
        "trades": rows(trades, ["scope", "trade_id"]),
        "checkpoints": rows(points, ["account", "symbol", "timestamp", "scope"]),
    }


def _writes(run: str, parts: list[list[Fill]], marks: list[Mark], funding: list[FundingPayment]):  # type: ignore[no-untyped-def]
    out = []
    for i, part in enumerate(parts):
        path = f"/{run}/fills-{i}.csv"
        out.append((path, RecordKind.FILLS, fills_to_table(part)))
    out.append((f"/{run}/marks.csv", RecordKind.MARKS, marks_to_table(marks)))
    out.append((f"/{run}/funding.csv", RecordKind.FUNDING, numbered(funding_to_table(funding))))
    return out


def _first_difference(a: list[dict[str, object]], b: list[dict[str, object]]) -> str:
    if len(a) != len(b):
        keys = ("scope", "account", "symbol", "day", "timestamp", "trade_id")

        def key(row: dict[str, object]) -> tuple[object, ...]:
            return tuple(row[k] for k in keys if k in row)

        only_a = [r for r in a if key(r) not in {key(x) for x in b}]
        only_b = [r for r in b if key(r) not in {key(x) for x in a}]
        return f"{len(a)} rows != {len(b)} rows; only appended: {only_a}; only whole: {only_b}"
    for x, y in zip(a, b, strict=True):
        if x != y:
            fields = {k: (x[k], y.get(k)) for k in x if x[k] != y.get(k)}
            key = {k: x[k] for k in ("scope", "account", "symbol", "day", "timestamp") if k in x}
            return f"{key}: {fields}"
    return "equal"


@pytest.mark.slow
@examples(12)
@given(stream=streams(), basis=st.sampled_from(list(CostBasis)), marks_first=st.booleans())
def test_appending_books_as_booking_everything_at_once(
    store_pair, stream, basis: CostBasis, marks_first: bool
) -> None:  # type: ignore[no-untyped-def]
    appended, whole = store_pair
    fills, marks, funding, cuts = stream
    run = uuid.uuid4().hex[:8]
    for s in (appended, whole):
        s.booker = booker(basis)
        for path in list(s.source_entries()):
            s.forget([path])
    bounds = [0, *cuts, len(fills)]
    parts = [fills[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    writes = _writes(run, parts, marks, funding)
    if marks_first:  # marks and funding before the fills, or after them
        writes = writes[-2:] + writes[:-2]
    for path, kind, table in writes:
        appended.write_source(entry(path, kind.value), ReadResult(path, kind, table), replace=True)
    whole.write_sources(
        [
            SourceWrite(entry(path, kind.value), ReadResult(path, kind, table), replace=True)
            for path, kind, table in writes
        ]
    )
    for tz in ZONES:
        a, b = _kept(appended, tz, basis), _kept(whole, tz, basis)
        for name in a:
            assert a[name] == b[name], f"{tz} {name}: {_first_difference(a[name], b[name])}"
    # and the figures are those of booking every fill at summary time
    request = SummaryRequest(timezone="America/New_York", cost_basis=basis)
    kept = summarize_trades(appended, request)
    ref = summarize_trades(appended, request, stored_books=False)
    assert kept.overall["net_pnl"] == ref.overall["net_pnl"]
    assert kept.overall["trades"] == ref.overall["trades"]


def _fill(i: int, hours: float, side: str, strategy: str = "s1") -> Fill:
    return Fill(
        f"g{i:05d}",
        T0 + dt.timedelta(hours=hours),
        "X",
        side,
        Decimal(1),
        Decimal(100 + i % 7),
        Decimal("0.1"),
        strategy=strategy,
    )


def test_an_append_reads_only_the_fills_after_the_last_checkpoint(store_url: str) -> None:
    """Round trips of one lot each: an append after them reads its own fills (the lot open
    at the last checkpoint comes with it), not the whole history; a late fill books again
    from the checkpoint before it."""
    history = [_fill(i, i, "BUY" if i % 2 == 0 else "SELL") for i in range(400)]
    history.append(_fill(400, 400, "BUY"))  # left open
    with open_store(store_url) as store:
        store.booker = booker()
        path = "/h.csv"
        store.write_source(
            entry(path, "fills"),
            ReadResult(path, RecordKind.FILLS, fills_to_table(history)),
            replace=True,
        )
        assert store.booking is not None
        assert store.booking.fills == 401
        more = [_fill(401, 401, "SELL"), _fill(402, 402.5, "BUY", "s2")]
        store.write_source(
            entry("/m.csv", "fills"),
            ReadResult("/m.csv", RecordKind.FILLS, fills_to_table(more)),
            replace=True,
        )
        assert store.booking.resumed == 1
        assert store.booking.fills == 2  # the open lot comes from the checkpoint, not a fill
        late = [_fill(403, 100.5, "SELL", "s2"), _fill(404, 100.7, "BUY", "s2")]
        store.write_source(
            entry("/late.csv", "fills"),
            ReadResult("/late.csv", RecordKind.FILLS, fills_to_table(late)),
            replace=True,
        )
        assert store.booking.earliest == T0 + dt.timedelta(hours=100.5)
        assert store.booking.fills == 405 - 100  # from the checkpoint at hour 99
        request = SummaryRequest()
        kept = summarize_trades(store, request)
        ref = summarize_trades(store, request, stored_books=False)
        assert kept.overall["net_pnl"] == ref.overall["net_pnl"]
        assert kept.overall["trades"] == ref.overall["trades"] == 200 + 1 + 1


def test_an_append_to_positions_never_flat_reads_only_its_own_fills(store_url: str) -> None:
    """Two strategies that each build up a position never flat and seldom in one lot: the
    write keeps every open lot and open round trip at its last fill, so the next write reads
    its own fills only, and books the round trips, fees and P&L of booking everything again."""
    history = []
    for i in range(300):  # s1 buys 2, sells 1; s2 sells 1 now and then: lots pile up
        side = "SELL" if i % 3 == 2 else "BUY"
        history.append(_fill(i, i, side, "s2" if i % 5 == 4 else "s1"))
    with open_store(store_url) as store:
        store.booker = booker()
        store.write_source(
            entry("/h.csv", "fills"),
            ReadResult("/h.csv", RecordKind.FILLS, fills_to_table(history)),
            replace=True,
        )
        assert store.booking is not None
        assert store.booking.fills == 300
        more = [_fill(300 + i, 300 + i, "SELL", "s1") for i in range(250)]  # flat again
        store.write_source(
            entry("/m.csv", "fills"),
            ReadResult("/m.csv", RecordKind.FILLS, fills_to_table(more)),
            replace=True,
        )
        assert store.booking.resumed == 1
        assert store.booking.fills == 250
        for request in (SummaryRequest(), SummaryRequest(strategies=("s1",))):
            kept = summarize_trades(store, request)
            ref = summarize_trades(store, request, stored_books=False)
            for name in ("trades", "net_pnl", "fees", "largest_loss", "max_drawdown_abs"):
                assert kept.overall[name] == ref.overall[name], name
            assert kept.overall["trades"] >= 1
