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
    fees = Fraction(0)  # in the P&L currency: a foreign fee at its last rate, half-even
    fees_other: dict[str, Fraction] = {}
    realized: dict[str, Fraction] = {}
    trade_gross: list[Fraction] = []
    running: dict[tuple[str, str], Fraction] = {}
    cash = Fraction(0)
    for _, _, _, e in events:
        if isinstance(e, Mark):
            last_mark[e.symbol] = Fraction(e.price)
            continue
        if e.fee_currency is None or e.fee == 0:
            fees += Fraction(e.fee)
        elif e.fee_currency in last_mark:
            fees += Fraction(round(Fraction(e.fee) * last_mark[e.fee_currency] * 10**18), 10**18)
        else:
            fees_other[e.fee_currency] = fees_other.get(e.fee_currency, 0) + Fraction(e.fee)
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
        "fees": fees,
        "fees_other": fees_other,
    }


# -- random streams ------------------------------------------------------------------------
amount = st.integers(min_value=1, max_value=2000).map(lambda n: Decimal(n).scaleb(-2))
price = st.integers(min_value=1, max_value=50000).map(lambda n: Decimal(n).scaleb(-3))
fee = st.integers(min_value=-50, max_value=500).map(lambda n: Decimal(n).scaleb(-4))


#: Quantities whose scaled integers (10**2) lie about the int64 limit, 2**63: from 2**61,
#: where the batch kernel switches to Python integers, to beyond it.
huge_amount = st.integers(min_value=2**61 - 10**4, max_value=2**63 + 10**4).map(
    lambda n: Decimal(n).scaleb(-2)
)
small_price = st.integers(min_value=1, max_value=5000).map(lambda n: Decimal(n).scaleb(-3))
#: Rates of the fee currency (marks of the symbol BNB), with up to 16 decimals: a fee (4
#: decimals) times a rate needs the half-even rounding to 18 digits.
rate = st.integers(min_value=1, max_value=10**19).map(lambda n: Decimal(n).scaleb(-16))


@st.composite
def streams(
    draw: st.DrawFn, *, huge: bool = False, foreign_fees: bool = False
) -> tuple[list[Fill], list[Mark], list[FundingPayment]]:
    """Random fills, marks and funding of symbols A and B in two accounts.

    ``huge``: symbol A only (multiplier 1), quantities about the int64 limit once scaled,
    prices up to 5, at most 12 fills (every amount stays within the 20 integer digits of
    money). ``foreign_fees``: some fees are paid in BNB, whose marks (rates, 16 decimals)
    arrive now and then, so that some fees find no rate yet.
    """
    n = draw(st.integers(min_value=1, max_value=12 if huge else 40))
    fills, marks, funding = [], [], []
    t = T0
    for i in range(n):
        t += timedelta(seconds=draw(st.integers(min_value=0, max_value=3)))
        sym = "A" if huge else draw(st.sampled_from(["A", "B"]))
        acct = draw(st.sampled_from(["acc1", "acc2"]))
        fee_ccy = draw(st.sampled_from([None, "BNB"])) if foreign_fees else None
        if foreign_fees and draw(st.integers(0, 3)) == 0:
            marks.append(Mark(t, "BNB", draw(rate)))  # at the fill's instant: before it
        fills.append(
            Fill(
                fill_id=f"f{i}",
                timestamp=t,
                symbol=sym,
                side=draw(st.sampled_from(["BUY", "SELL"])),
                quantity=draw(st.one_of(amount, huge_amount) if huge else amount),
                price=draw(small_price if huge else price),
                fee=draw(fee),
                fee_currency=fee_ccy,
                account=acct,
                strategy=draw(st.sampled_from(["s1", "s2"])),
                multiplier=MULT[sym],
            )
        )
        if draw(st.booleans()):
            marks.append(Mark(t + timedelta(milliseconds=500), sym, draw(price)))
        if draw(st.integers(0, 4)) == 0:
            funding.append(FundingPayment(t, sym, draw(fee), account=acct))
    for sym in ("A",) if huge else ("A", "B"):
        marks.append(Mark(t + timedelta(seconds=1), sym, draw(small_price if huge else price)))
    return fills, marks, funding


def _frac(d: Decimal) -> Fraction:
    return Fraction(d)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(), cost_basis=st.sampled_from(list(CostBasis)))
def test_incremental_equals_batch_equals_reference(data, cost_basis) -> None:
    _assert_ledgers_agree(data, cost_basis)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(foreign_fees=True), cost_basis=st.sampled_from(list(CostBasis)))
def test_fees_in_another_currency_convert_alike_in_both_ledgers(data, cost_basis) -> None:
    res = _assert_ledgers_agree(data, cost_basis)
    assert res.fees_other == {
        c: Decimal(v.numerator) / Decimal(v.denominator)
        for c, v in reference(data[0], data[1], cost_basis)["fees_other"].items()
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=streams(huge=True), cost_basis=st.sampled_from(list(CostBasis)))
def test_quantities_about_the_int64_limit_book_alike_in_both_ledgers(data, cost_basis) -> None:
    _assert_ledgers_agree(data, cost_basis)


def _assert_ledgers_agree(data: tuple, cost_basis: CostBasis):
    """Assert reference == incremental == batch on one stream; return the batch result."""
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
    # fees, converted at the last rate before each fill, from the reference
    assert _frac(snap.fees) == ref["fees"]
    assert res.fees_other == snap.fees_other
    return res


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
