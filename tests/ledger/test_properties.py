"""Property tests: incremental ledger == batch kernel == a deliberately simple reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.ledger import CostBasis, Ledger, RoundTrip, merge_events, run_ledger
from tradeperf.records import (
    Fill,
    FundingPayment,
    Mark,
    fills_to_table,
    funding_to_table,
    marks_to_table,
    trades_to_table,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)
MULT = {"A": Decimal(1), "B": Decimal(25)}


# -- the reference: lists of lots and Fractions, no cleverness ----------------------------
def reference(fills: list[Fill], marks: list[Mark], cost_basis: CostBasis) -> dict:
    """Realized P&L per fill, open position and flat-to-flat gross per trade, exactly."""
    events = sorted(
        [(m.timestamp, 0, i, m) for i, m in enumerate(marks)]
        + [(f.timestamp, 1, i, f) for i, f in enumerate(fills)],
        key=lambda e: e[:3],
    )
    lots: dict[tuple[str, str], list[list[Fraction]]] = {}
    last_mark: dict[str, Fraction] = {}
    realized: dict[str, Fraction] = {}
    trade_gross: list[Fraction] = []
    running: dict[tuple[str, str], Fraction] = {}
    cash = Fraction(0)
    for _, _, _, e in events:
        if isinstance(e, Mark):
            last_mark[e.symbol] = Fraction(e.price)
            continue
        key = (e.account, e.symbol)
        book = lots.setdefault(key, [])  # each lot: [signed qty, price]
        m = Fraction(e.multiplier)
        q = Fraction(e.signed_quantity)
        p = Fraction(e.price)
        cash -= q * p * m
        r = Fraction(0)
        had_position = bool(book)
        if cost_basis is CostBasis.AVERAGE and book and (book[0][0] > 0) != (q > 0):
            held = sum(lot[0] for lot in book)
            cost = sum(abs(lot[0]) * lot[1] for lot in book)
            close = min(abs(q), abs(held))
            sign = 1 if held > 0 else -1
            if close == abs(held):
                removed = cost
            else:  # the documented rounding: half-even to 18 digits
                removed = Fraction(round(cost * close / abs(held) * 10**18), 10**18)
            r = sign * (p * close - removed) * m
            rest = abs(held) - close
            book.clear()
            if rest:
                book.append([sign * rest, (cost - removed) / rest])
            q -= -sign * close
        else:
            while q != 0 and book and (book[0][0] > 0) != (q > 0):
                lot = book[0] if cost_basis is not CostBasis.LIFO else book[-1]
                take = min(abs(q), abs(lot[0]))
                sign = 1 if lot[0] > 0 else -1
                r += sign * (p - lot[1]) * take * m
                lot[0] -= sign * take
                q += sign * take
                if lot[0] == 0:
                    book.remove(lot)
        realized[e.fill_id] = r
        running[key] = running.get(key, Fraction(0)) + r
        if had_position and not book:  # back to flat: a round trip ends
            trade_gross.append(running.pop(key))
        if q != 0:
            book.append([q, p])
    inventory = Fraction(0)
    unrealized = Fraction(0)
    position = {}
    for (acct, sym), book in lots.items():
        if not book:
            continue
        held = sum(lot[0] for lot in book)
        position[(acct, sym)] = held
        m = Fraction(MULT[sym])
        mark = last_mark.get(sym)
        if mark is not None:
            inventory += held * mark * m
            unrealized += sum(lot[0] * (mark - lot[1]) for lot in book) * m
    return {
        "realized": realized,
        "trade_gross": sorted(trade_gross),
        "cash": cash,
        "inventory": inventory,
        "unrealized": unrealized,
        "position": position,
    }


# -- random streams ------------------------------------------------------------------------
amount = st.integers(min_value=1, max_value=2000).map(lambda n: Decimal(n).scaleb(-2))
price = st.integers(min_value=1, max_value=50000).map(lambda n: Decimal(n).scaleb(-3))
fee = st.integers(min_value=-50, max_value=500).map(lambda n: Decimal(n).scaleb(-4))


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[Fill], list[Mark], list[FundingPayment]]:
    n = draw(st.integers(min_value=1, max_value=40))
    fills, marks, funding = [], [], []
    t = T0
    for i in range(n):
        t += timedelta(seconds=draw(st.integers(min_value=0, max_value=3)))
        sym = draw(st.sampled_from(["A", "B"]))
        acct = draw(st.sampled_from(["acc1", "acc2"]))
        fills.append(
            Fill(
                fill_id=f"f{i}",
                timestamp=t,
                symbol=sym,
                side=draw(st.sampled_from(["BUY", "SELL"])),
                quantity=draw(amount),
                price=draw(price),
                fee=draw(fee),
                account=acct,
                strategy=draw(st.sampled_from(["s1", "s2"])),
                multiplier=MULT[sym],
            )
        )
        if draw(st.booleans()):
            marks.append(Mark(t + timedelta(milliseconds=500), sym, draw(price)))
        if draw(st.integers(0, 4)) == 0:
            funding.append(FundingPayment(t, sym, draw(fee), account=acct))
    for sym in ("A", "B"):
        marks.append(Mark(t + timedelta(seconds=1), sym, draw(price)))
    return fills, marks, funding


def _frac(d: Decimal) -> Fraction:
    return Fraction(d)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(), cost_basis=st.sampled_from(list(CostBasis)))
def test_incremental_equals_batch_equals_reference(data, cost_basis) -> None:
    fills, marks, funding = data
    led = Ledger(cost_basis=cost_basis)
    led.apply_all(merge_events(fills, marks, funding))
    snap = led.snapshot()
    res = run_ledger(
        fills_to_table(fills),
        marks_to_table(marks),
        cost_basis=cost_basis,
        funding=funding_to_table(funding),
    )
    ref = reference(fills, marks, cost_basis)

    # reference == incremental, to the last decimal (exact Fractions)
    inc_realized = {e.fill_id: _frac(e.realized_pnl) for e in led.realized_events}
    assert inc_realized == ref["realized"]
    assert _frac(snap.unrealized_pnl) == ref["unrealized"]
    assert sorted(_frac(t.gross_pnl) for t in led.trades) == ref["trade_gross"]
    assert {(p.account, p.symbol): _frac(p.quantity) for p in snap.positions} == ref["position"]

    # the invariant: realized + unrealized − fees + funding == cash change + inventory × mark
    lhs = snap.realized_pnl + snap.unrealized_pnl - snap.fees + snap.funding
    assert _frac(lhs) == ref["cash"] - _frac(snap.fees) + _frac(snap.funding) + ref["inventory"]
    assert lhs == snap.cash + led.inventory_value()

    # batch == incremental, everything
    assert res.trades.equals(trades_to_table(led.trades))
    assert res.realized_pnl == snap.realized_pnl
    assert res.unrealized_pnl == snap.unrealized_pnl
    assert res.fees == snap.fees
    assert res.funding == snap.funding
    assert res.cash == snap.cash
    assert res.inventory_value == led.inventory_value()
    assert res.equity == snap.equity
    from tradeperf.ledger import positions_to_table, realized_events_to_table

    assert res.positions.equals(positions_to_table(snap.positions))
    assert res.realized_events.equals(realized_events_to_table(led.realized_events))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(), cost_basis=st.sampled_from([CostBasis.FIFO, CostBasis.LIFO]))
def test_per_lot_trades_incremental_equals_batch(data, cost_basis) -> None:
    fills, marks, funding = data
    led = Ledger(cost_basis=cost_basis, round_trip=RoundTrip.PER_LOT)
    led.apply_all(merge_events(fills, marks, funding))
    res = run_ledger(
        fills_to_table(fills),
        marks_to_table(marks),
        cost_basis=cost_basis,
        round_trip=RoundTrip.PER_LOT,
    )
    assert res.trades.equals(trades_to_table(led.trades))
    # per-lot gross sums to realized; fee shares never exceed the fees paid
    assert sum(t.gross_pnl for t in led.trades) == sum(e.realized_pnl for e in led.realized_events)


@settings(max_examples=150, deadline=None)
@given(data=streams())
def test_flat_trades_do_not_depend_on_cost_basis_and_fees_add_up(data) -> None:
    fills, marks, _ = data
    tables = []
    for cb in CostBasis:
        led = Ledger(cost_basis=cb)
        led.apply_all(merge_events(fills, marks))
        tables.append(trades_to_table(led.trades))
        # each closed trade: entry fee share + exit fee share == fees; net = gross - fees
        for t in led.trades:
            meta = json.loads(t.metadata_json)
            assert Decimal(meta["entry_fees"]) + Decimal(meta["exit_fees"]) == t.fees
            assert t.net_pnl == t.gross_pnl - t.fees
    assert tables[0].equals(tables[1])
    assert tables[0].equals(tables[2])


def test_zero_quantity_fill_is_rejected() -> None:
    with pytest.raises(ValueError, match="quantity"):
        Fill("x", T0, "A", "BUY", Decimal(0), Decimal(1))
