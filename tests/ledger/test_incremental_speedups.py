"""The fast paths of `Ledger.apply` give exactly what the general path and the batch kernel give.

`Ledger._fill` books most fills inline: (1) a fill that only opens or adds to a position,
(2) with FIFO/LIFO lots and flat-to-flat trades, a fill that closes less than the position.
Everything else, and every fill when ``_fast_paths`` is off, takes `Ledger._fill_general`.
The streams here are built to hit those paths and their edges: few prices (equal entry and
exit prices give zero gross, so signed zeros), short lots, closes that take whole lots and a
part of one, −0 and negative fees, fees in a currency with and without a mark.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.ledger import (
    CostBasis,
    Ledger,
    RoundTrip,
    merge_events,
    positions_to_table,
    realized_events_to_table,
    run_ledger,
)
from tradeperf.records import (
    Fill,
    FundingPayment,
    Mark,
    fills_to_table,
    funding_to_table,
    marks_to_table,
    trades_to_table,
)

T0 = datetime(2024, 5, 1, tzinfo=UTC)
MULT = {"A": Decimal(1), "B": Decimal(50)}
CONFIGS = [
    (CostBasis.FIFO, RoundTrip.FLAT_TO_FLAT),
    (CostBasis.LIFO, RoundTrip.FLAT_TO_FLAT),
    (CostBasis.AVERAGE, RoundTrip.FLAT_TO_FLAT),
    (CostBasis.FIFO, RoundTrip.PER_LOT),
    (CostBasis.LIFO, RoundTrip.PER_LOT),
]

# few values, so that lots close whole and in part, and prices repeat (zero gross)
quantity = st.sampled_from(["1", "2", "3", "0.5", "1.25", "7"]).map(Decimal)
price = st.sampled_from(["0", "10", "10.5", "11", "9.999", "100"]).map(Decimal)
fee = st.sampled_from(["0", "-0", "0.01", "-0.02", "1.5", "0.0003"]).map(Decimal)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Fill], list[Mark], list[FundingPayment]]:
    """Fills mostly on the side of the position (adds) or against it (partial closes)."""
    n = draw(st.integers(min_value=1, max_value=50))
    fills: list[Fill] = []
    marks: list[Mark] = []
    funding: list[FundingPayment] = []
    t = T0
    for i in range(n):
        t += timedelta(seconds=draw(st.integers(min_value=0, max_value=2)))
        sym = draw(st.sampled_from(["A", "B"]))
        acct = draw(st.sampled_from(["acc1", "acc2"]))
        ccy = draw(st.sampled_from([None, None, None, "EUR", "JPY"]))
        fills.append(
            Fill(
                fill_id=f"f{i}",
                timestamp=t,
                symbol=sym,
                side=draw(st.sampled_from(["BUY", "SELL"])),
                quantity=draw(quantity),
                price=draw(price),
                fee=draw(fee),
                account=acct,
                strategy=draw(st.sampled_from(["s1", "s2"])),
                fee_currency=ccy,
                multiplier=MULT[sym],
            )
        )
        if draw(st.integers(0, 5)) == 0:
            marks.append(Mark(t, draw(st.sampled_from(["A", "B", "EUR"])), draw(price)))
        if draw(st.integers(0, 6)) == 0:
            funding.append(FundingPayment(t, sym, draw(fee), account=acct))
    return fills, marks, funding


def _books(led: Ledger, returned: list[object]) -> str:
    """Every result of a ledger, as text: equal text is equal Decimals (exponents, −0)."""
    return repr(
        (
            returned,
            led.trades,
            led.realized_events,
            led.snapshot(),
            led.inventory_value(),
            led.realized_pnl,
            led.fees,
            led.fees_other,
            led.funding,
            led.cash,
        )
    )


def _run(events: list, cost_basis: CostBasis, round_trip: RoundTrip, fast: bool) -> Ledger:
    led = Ledger(cost_basis=cost_basis, round_trip=round_trip)
    led._fast_paths = fast
    led.returned = [led.apply(e) for e in events]  # type: ignore[attr-defined]
    return led


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(), config=st.sampled_from(CONFIGS))
def test_fast_paths_equal_general_path(data, config) -> None:
    fills, marks, funding = data
    events = merge_events(fills, marks, funding)
    fast = _run(events, *config, fast=True)
    general = _run(events, *config, fast=False)
    assert _books(fast, fast.returned) == _books(general, general.returned)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(), config=st.sampled_from(CONFIGS))
def test_fast_paths_equal_batch_kernel(data, config) -> None:
    fills, marks, funding = data
    cost_basis, round_trip = config
    led = _run(merge_events(fills, marks, funding), cost_basis, round_trip, fast=True)
    snap = led.snapshot()
    res = run_ledger(
        fills_to_table(fills),
        marks_to_table(marks),
        cost_basis=cost_basis,
        round_trip=round_trip,
        funding=funding_to_table(funding),
    )
    assert res.trades.equals(trades_to_table(led.trades))
    assert res.realized_events.equals(realized_events_to_table(led.realized_events))
    assert res.positions.equals(positions_to_table(snap.positions))
    assert res.realized_pnl == snap.realized_pnl
    assert res.unrealized_pnl == snap.unrealized_pnl
    assert res.fees == snap.fees
    assert res.fees_other == snap.fees_other
    assert res.funding == snap.funding
    assert res.cash == snap.cash
    assert res.inventory_value == led.inventory_value()
    assert res.equity == snap.equity


def _fill(i: int, side: str, qty: str, px: str, sym: str = "A") -> Fill:
    return Fill(f"f{i}", T0 + timedelta(seconds=i), sym, side, Decimal(qty), Decimal(px))


@pytest.mark.parametrize("cost_basis", [CostBasis.FIFO, CostBasis.LIFO])
@pytest.mark.parametrize("first", ["BUY", "SELL"])
def test_fast_paths_are_taken(monkeypatch, cost_basis, first) -> None:
    """Adds and partial closes (whole lots and part of one) never reach the general path."""
    other = "SELL" if first == "BUY" else "BUY"
    general: list[str] = []
    real = Ledger._fill_general

    def spy(self, pos, fill, fee, sign):
        general.append(fill.fill_id)
        return real(self, pos, fill, fee, sign)

    monkeypatch.setattr(Ledger, "_fill_general", spy)
    led = Ledger(cost_basis=cost_basis)
    stream = [
        _fill(0, first, "3", "10"),  # opens (fast 1)
        _fill(1, first, "2", "11"),  # adds (fast 1)
        _fill(2, first, "1", "12"),  # adds (fast 1)
        _fill(3, other, "4", "12"),  # closes two lots and part of a third (fast 2)
        _fill(4, other, "0.5", "12"),  # part of one lot (fast 2)
        _fill(5, other, "1.5", "9"),  # the rest: flat, a trade (general)
        _fill(6, other, "1", "9"),  # opens the other way (fast 1)
        _fill(7, first, "3", "9"),  # reverses (general)
    ]
    trades = [led.apply(f) for f in stream]
    assert general == ["f5", "f7"]
    assert [len(t) for t in trades] == [0, 0, 0, 0, 0, 1, 0, 1]
    sign = 1 if first == "BUY" else -1
    # f0..f5 is one round trip: entry 3@10 + 2@11 + 1@12 = 64, exit 4@12 + .5@12 + 1.5@9 = 67.5
    assert trades[5][0].gross_pnl == sign * Decimal("3.5")
    assert led.snapshot().positions[0].quantity == sign * Decimal(2)


def test_fast_path_one_lot_in_part_keeps_the_rest() -> None:
    led = Ledger()
    led.apply(_fill(0, "BUY", "10", "100"))
    led.apply(_fill(1, "SELL", "4", "101"))
    led.apply(_fill(2, "SELL", "4", "99"))
    (pos,) = led.positions()
    assert pos.quantity == Decimal(2)
    assert pos.avg_cost == Decimal(100)
    assert [e.realized_pnl for e in led.realized_events] == [0, 4, -4]


def test_realized_events_are_built_on_read_into_one_list() -> None:
    fills = [_fill(i, "BUY" if i % 3 else "SELL", "1", str(10 + i)) for i in range(9)]
    once = Ledger()
    for f in fills:
        once.apply(f)
    often = Ledger()
    seen = often.realized_events
    for f in fills:
        often.apply(f)
        assert often.realized_events is seen
        assert [e.fill_id for e in seen] == [g.fill_id for g in fills[: len(seen)]]
    assert repr(once.realized_events) == repr(often.realized_events)
    assert len(seen) == len(fills)
