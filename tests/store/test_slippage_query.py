"""`Store.slippage`: the sums of the fills' slippage made in the engine, on both backends.

Against a naive reference kept here: a plain loop in exact Decimals over the fills written,
of each fill's |quantity × price × multiplier| and that times s·(p − r)/r·10⁴, per (strategy,
symbol) and per local day, within the query's bounds and selection.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.booked import entry, examples
from tradeperf.ingest.base import ReadResult
from tradeperf.records import Fill, RecordKind, fills_to_table
from tradeperf.store import TradeQuery, open_store
from tradeperf.store.base import SlippageSum
from tradeperf.timezones import resolve_timezone

T0 = dt.datetime(2024, 3, 8, 20, 0, tzinfo=dt.UTC)  # the weekend of a DST change in New York


@st.composite
def fills(draw: st.DrawFn) -> list[Fill]:
    out = []
    for i in range(draw(st.integers(0, 25))):
        price = Decimal(draw(st.integers(1, 10**7))) / 1000
        reference = draw(
            st.one_of(st.none(), st.integers(1, 10**7).map(lambda n: Decimal(n) / 1000))
        )
        out.append(
            Fill(
                f"f{i}",
                T0 + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 5))),
                draw(st.sampled_from(["X", "Y"])),
                draw(st.sampled_from(["BUY", "SELL"])),
                Decimal(draw(st.integers(1, 5000))) / 100,
                price,
                strategy=draw(st.sampled_from(["a", "b"])),
                multiplier=draw(st.sampled_from([Decimal(1), Decimal(5), Decimal("0.1")])),
                currency=draw(st.sampled_from([None, "USD", "EUR"])),
                reference_price=reference,
            )
        )
    return out


def naive(
    written: list[Fill], query: TradeQuery, day_key: str | None
) -> tuple[dict[tuple[str, str], tuple[Decimal, Decimal, int]], dict[dt.date, Any]]:
    """The sums in exact Decimals: per (strategy, symbol) and per local day of ``day_key``."""
    groups: dict[Any, list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    days: dict[Any, list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    zone = resolve_timezone(day_key) if day_key else None
    for f in written:
        if f.reference_price is None:
            continue
        if query.start is not None and f.timestamp < query.start:
            continue
        if query.end is not None and f.timestamp >= query.end:
            continue
        if query.strategies and f.strategy not in query.strategies:
            continue
        if query.symbols and f.symbol not in query.symbols:
            continue
        if query.currency is not None and (f.currency or query.currency[1]) != query.currency[0]:
            continue
        r = f.reference_price
        w = abs(f.quantity * f.price * f.multiplier)
        b = f.side.sign * (f.price - r) / r * 10_000
        keys = [(groups, (f.strategy, f.symbol))]
        if zone is not None:
            keys.append((days, f.timestamp.astimezone(zone).date()))
        for table, key in keys:
            table[key][0] += w * b
            table[key][1] += w
            table[key][2] += 1
    return {k: tuple(v) for k, v in groups.items()}, {k: tuple(v) for k, v in days.items()}  # type: ignore[misc]


def same(got: dict[Any, SlippageSum], want: dict[Any, tuple[Decimal, Decimal, int]]) -> None:
    assert got.keys() == want.keys()
    for key, s in got.items():
        weighted, notional, n = want[key]
        assert s.fills == n, key
        assert s.notional == pytest.approx(float(notional), rel=1e-12), key
        # the weighted sum of costs and improvements can cancel: compare on the scale of its terms
        scale = float(notional) * 20_000
        assert abs(s.weighted_bps - float(weighted)) <= 1e-9 * max(scale, 1.0), key


QUERIES = [
    TradeQuery(),
    TradeQuery(strategies=("a",)),
    TradeQuery(symbols=("Y",), strategies=("a", "b")),
    TradeQuery(start=T0 + dt.timedelta(days=1), end=T0 + dt.timedelta(days=3, hours=5)),
    TradeQuery(currency=("USD", "USD")),
]


@examples(15)
@given(written=fills(), day_key=st.sampled_from([None, "UTC", "America/New_York@17:00"]))
def test_the_engine_sums_equal_the_naive_decimal_sums(
    hstore: Any, written: list[Fill], day_key: str | None
) -> None:
    for path in list(hstore.source_entries()):
        hstore.forget([path])
    path = f"/{uuid.uuid4().hex[:8]}/fills.csv"
    result = ReadResult(path, RecordKind.FILLS, fills_to_table(written))
    hstore.write_source(entry(path, "fills"), result, replace=True)
    for query in QUERIES:
        sums = hstore.slippage(query, day_key=day_key)
        groups, days = naive(written, query, day_key)
        same(sums.groups, groups)
        same(sums.days, days)
        assert sums.total().fills == sum(n for _, _, n in groups.values())


def test_a_store_without_fills_or_references_sums_nothing(store_url: str) -> None:
    t = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    with open_store(store_url) as store:
        empty = store.slippage(TradeQuery(), day_key="UTC")
        assert (empty.groups, empty.days) == ({}, {})
        plain = [Fill("1", t, "X", "BUY", Decimal(1), Decimal(10))]
        result = ReadResult("/p", RecordKind.FILLS, fills_to_table(plain))
        store.write_source(entry("/p", "fills"), result, replace=True)
        assert store.slippage(TradeQuery()).groups == {}
        assert store.slippage(TradeQuery()).total() == SlippageSum(0.0, 0.0, 0)


def test_a_fill_with_a_reference_reads_back_and_identity_compares_it(store_url: str) -> None:
    # the same fill id from two files: equal with the same reference, a conflict with another
    t = dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    one = Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price=Decimal("9.5"))
    other = Fill("1", t, "X", "BUY", Decimal(1), Decimal(10), reference_price=Decimal("9.6"))
    with open_store(store_url) as store:
        for path, fill in (("/a", one), ("/b", one)):
            result = ReadResult(path, RecordKind.FILLS, fills_to_table([fill]))
            store.write_source(entry(path, "fills"), result, replace=True)
        stored = store.records(RecordKind.FILLS).to_pylist()
        assert [r["reference_price"] for r in stored] == [Decimal("9.5")]
        assert store.quarantine().num_rows == 0
        result = ReadResult("/c", RecordKind.FILLS, fills_to_table([other]))
        store.write_source(entry("/c", "fills"), result, replace=True)
        assert store.records(RecordKind.FILLS).num_rows == 0  # every version in conflict
        assert store.quarantine().num_rows == 2  # /a's (the repeat in /b was skipped) and /c's
        store.forget(["/c"])  # the versions left agree: the fill counts again
        stored = store.records(RecordKind.FILLS).to_pylist()
        assert [r["reference_price"] for r in stored] == [Decimal("9.5")]
        assert store.slippage(TradeQuery()).total().fills == 1
