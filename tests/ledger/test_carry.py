"""A batch ledger run resumed from the open lots and the open round trip of an earlier run
(``carry``) books what one run over every fill books (tests/ledger/test_properties.py's
random streams, cut anywhere)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.ledger import CostBasis, run_ledger
from tradeperf.ledger.round_trips import carry_marks
from tradeperf.records import (
    fills_to_table,
    funding_to_table,
    marks_to_table,
)

from .test_properties import streams

ZERO_FEE = pa.scalar(0, pa.decimal128(38, 18))


def _micros(column: pa.ChunkedArray) -> list[int]:
    return pc.cast(column, pa.int64()).to_pylist()


def resumed(fills, marks, funding, cut: int, cost_basis: CostBasis):  # type: ignore[no-untyped-def]
    """Book the fills up to the instant of fill ``cut`` in one run, the rest in another
    from the first run's open lots and round trips; the runs' trades and the second's
    realized events (its own fills)."""
    t = fills[cut].timestamp
    first = run_ledger(
        fills_to_table([f for f in fills if f.timestamp <= t]),
        marks_to_table([m for m in marks if m.timestamp <= t]),
        cost_basis=cost_basis,
        funding=funding_to_table([p for p in funding if p.timestamp <= t]),
    )
    head = fills_to_table([f for f in fills if f.timestamp <= t])
    until = int((t - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) / dt.timedelta(microseconds=1))
    marks_head = marks_to_table([m for m in marks if m.timestamp <= t])
    carry = {}
    for (account, symbol), ep in first.open_episodes.items():
        mine = marks_head.filter(pc.equal(marks_head.column("symbol"), symbol))
        carry[(account, symbol)] = carry_marks(ep, mine, until)
    lots = head.take(first.open_lots.column("row"))
    lots = lots.set_column(
        lots.column_names.index("quantity"),
        "quantity",
        first.open_lots.column("quantity").cast(lots.schema.field("quantity").type),
    )
    lots = lots.set_column(
        lots.column_names.index("fee"),
        "fee",
        pa.array([0] * lots.num_rows, lots.schema.field("fee").type),
    )
    lots = lots.set_column(
        lots.column_names.index("timestamp"),
        "timestamp",
        pa.array([t] * lots.num_rows, lots.schema.field("timestamp").type),
    )
    tail = fills_to_table([f for f in fills if f.timestamp > t])
    second = run_ledger(
        pa.concat_tables([lots.cast(tail.schema), tail]),
        marks_to_table([m for m in marks if m.timestamp > t]),
        cost_basis=cost_basis,
        funding=funding_to_table([p for p in funding if p.timestamp > t]),
        carry=carry,
    )
    return first, second, {r for r in tail.column("fill_id").to_pylist()}


def _numbered(trades: pa.Table, offsets: dict[str, int]) -> pa.Table:
    """``trades`` with their ids ``account/symbol/n`` numbered on from ``offsets``."""
    ids = []
    for i in trades.column("trade_id").to_pylist():
        head, n = i.rsplit("/", 1)
        ids.append(f"{head}/{int(n) + offsets.get(head, 0)}")
    return trades.set_column(0, "trade_id", pa.array(ids, pa.string())).cast(trades.schema)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=streams(),
    cost_basis=st.sampled_from([CostBasis.FIFO, CostBasis.LIFO]),
    where=st.floats(0, 1),
)
def test_resumed_run_books_as_one_run(data, cost_basis, where) -> None:
    fills, marks, funding = data
    cut = min(int(where * len(fills)), len(fills) - 1)
    whole = run_ledger(
        fills_to_table(fills),
        marks_to_table(marks),
        cost_basis=cost_basis,
        funding=funding_to_table(funding),
    )
    first, second, later = resumed(fills, marks, funding, cut, cost_basis)
    offsets: dict[str, int] = {}
    for i in first.trades.column("trade_id").to_pylist():
        head = i.rsplit("/", 1)[0]
        offsets[head] = offsets.get(head, 0) + 1
    assert pa.concat_tables([first.trades, _numbered(second.trades, offsets)]).equals(whole.trades)
    ev = whole.realized_events
    ev = ev.filter(pc.is_in(ev.column("fill_id"), pa.array(sorted(later), pa.string())))
    mine = second.realized_events.filter(
        pc.is_in(second.realized_events.column("fill_id"), pa.array(sorted(later), pa.string()))
    )
    assert mine.equals(ev)
    assert second.positions.equals(whole.positions)
    assert second.open_episodes.keys() == whole.open_episodes.keys()
    for key, ep in whole.open_episodes.items():  # the marks of neither run are in them
        got = dataclasses.replace(second.open_episodes[key], low=None, high=None)
        assert got == dataclasses.replace(ep, low=None, high=None)
    assert (
        json.loads(next(iter(second.open_episodes.values())).to_json())
        if second.open_episodes
        else True
    )


def test_carry_needs_the_lots_first() -> None:
    from decimal import Decimal

    from tradeperf.ledger.model import OpenEpisode

    fills = fills_to_table([])
    ep = OpenEpisode(
        0,
        "s",
        True,
        Decimal(1),
        Decimal(1),
        Decimal(1),
        Decimal(0),
        Decimal(0),
        Decimal(0),
        Decimal(0),
    )
    with pytest.raises(ValueError, match="open lots"):
        run_ledger(fills, None, carry={("a", "X"): ep})
