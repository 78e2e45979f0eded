"""The books at window ends, from the cash identity, equal the incremental ledger replayed."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger.test_properties import T0, streams
from tradeperf.ledger import CostBasis, Ledger, merge_events, run_ledger
from tradeperf.ledger.valuation import books_at
from tradeperf.records import fills_to_table, funding_to_table, marks_to_table


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=streams(),
    cost_basis=st.sampled_from(list(CostBasis)),
    offsets=st.lists(st.integers(min_value=0, max_value=130_000), min_size=1, max_size=6),
)
def test_books_at_each_instant_equal_the_ledger_replayed_up_to_it(data, cost_basis, offsets):
    fills, marks, funding = data
    funding_table = funding_to_table(funding)
    result = run_ledger(
        fills_to_table(fills), marks_to_table(marks), cost_basis=cost_basis, funding=funding_table
    )
    times = [T0 + timedelta(milliseconds=ms) for ms in offsets]
    got = books_at(
        fills_to_table(fills), marks_to_table(marks), result.realized_events, times, funding_table
    )
    for t, books in zip(times, got, strict=True):
        ledger = Ledger(cost_basis=cost_basis)
        before_fills = [f for f in fills if f.timestamp < t]
        before_marks = [m for m in marks if m.timestamp < t]
        before_funding = [f for f in funding if f.timestamp < t]
        ledger.apply_all(merge_events(before_fills, before_marks, before_funding))
        snap = ledger.snapshot()
        assert books.realized_pnl == snap.realized_pnl
        assert books.unrealized_pnl == snap.unrealized_pnl
        assert books.open_positions == sum(1 for p in snap.positions if p.quantity != 0)
        assert books.fees == snap.fees
        assert books.funding == snap.funding
        assert books.trading_pnl == snap.equity - snap.capital - snap.cash_flows
