"""The books at window ends, from the cash identity, equal the incremental ledger replayed."""

from __future__ import annotations

import bisect
import decimal
import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ledger.test_properties import T0, streams
from tradeperf.ledger import CostBasis, Ledger, merge_events, run_ledger
from tradeperf.ledger._exact import EXACT
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import (
    MONEY_TYPE,
    TIMESTAMP_TYPE,
    ZERO,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)


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


# -- the vectorised books_at equals the old per-instant loop ---------------------------------
def _cumulative(times: list, values: list[Decimal]) -> tuple[list, list[Decimal]]:
    order = sorted(range(len(times)), key=lambda i: times[i])
    ts = [times[i] for i in order]
    return ts, list(accumulate((values[i] for i in order), initial=ZERO))


def _naive_books_at(
    fills: pa.Table,
    marks: pa.Table | None,
    realized_events: pa.Table,
    times: Sequence[datetime],
    funding: pa.Table | None = None,
    context: decimal.Context | None = EXACT,
) -> list[BooksAt]:
    """The former `books_at` (a loop over instants × positions, bisect on Python lists of
    Decimals), in ``context``: `EXACT` by default; None is the old behaviour, the default
    context of 28 digits, which rounds large products and sums."""
    with decimal.localcontext(context or decimal.getcontext()):
        return _naive_loop(fills, marks, realized_events, times, funding)


def _naive_loop(fills, marks, realized_events, times, funding) -> list[BooksAt]:
    positions: dict[tuple[str, str], tuple[list, list[Decimal], list[Decimal], Decimal]] = {}
    rows = fills.select(
        ["timestamp", "account", "symbol", "side", "quantity", "price", "multiplier"]
    ).to_pylist()
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        grouped[(r["account"], r["symbol"])].append(r)
    for key, fs in grouped.items():
        fs.sort(key=lambda r: r["timestamp"])
        sign = [1 if r["side"] == "BUY" else -1 for r in fs]
        mult = fs[0]["multiplier"] or Decimal(1)
        ts = [r["timestamp"] for r in fs]
        q = list(
            accumulate((s * r["quantity"] for s, r in zip(sign, fs, strict=True)), initial=ZERO)
        )
        c = list(
            accumulate(
                (-s * r["quantity"] * r["price"] * mult for s, r in zip(sign, fs, strict=True)),
                initial=ZERO,
            )
        )
        positions[key] = (ts, q, c, mult)

    realized: dict[tuple[str, str], tuple[list, list[Decimal]]] = {}
    ev = realized_events.select(["timestamp", "account", "symbol", "realized_pnl"]).to_pylist()
    by_pos: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for e in ev:
        by_pos[(e["account"], e["symbol"])].append(e)
    for key, es in by_pos.items():
        realized[key] = _cumulative([e["timestamp"] for e in es], [e["realized_pnl"] for e in es])

    mark_series: dict[str, tuple[list, list[Decimal]]] = {}
    if marks is not None and marks.num_rows:
        by_symbol: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
        for m in marks.select(["timestamp", "symbol", "price"]).to_pylist():
            by_symbol[m["symbol"]].append((m["timestamp"], m["price"]))
        for symbol, ms in by_symbol.items():
            ms.sort(key=lambda x: x[0])  # stable: the later row of equal instants wins
            mark_series[symbol] = ([t for t, _ in ms], [p for _, p in ms])

    fee_ts, fee_cum = _cumulative(
        realized_events.column("timestamp").to_pylist(), realized_events.column("fees").to_pylist()
    )
    if funding is not None and funding.num_rows:
        fund_ts, fund_cum = _cumulative(
            funding.column("timestamp").to_pylist(), funding.column("amount").to_pylist()
        )
    else:
        fund_ts, fund_cum = [], [ZERO]

    out = []
    for t in times:
        total_realized = ZERO
        unrealized = ZERO
        open_count = unmarked = 0
        for key, (ts, q, c, mult) in positions.items():
            n = bisect.bisect_left(ts, t)
            r_ts, r_cum = realized.get(key, ([], [ZERO]))
            r = r_cum[bisect.bisect_left(r_ts, t)]
            total_realized += r
            if q[n] == 0:
                continue
            open_count += 1
            series = mark_series.get(key[1])
            k = 0 if series is None else bisect.bisect_left(series[0], t)
            if series is None or k == 0:
                unmarked += 1
                continue
            unrealized += q[n] * series[1][k - 1] * mult + c[n] - r
        fees = fee_cum[bisect.bisect_left(fee_ts, t)]
        paid = fund_cum[bisect.bisect_left(fund_ts, t)]
        out.append(BooksAt(t, total_realized, unrealized, open_count, fees, paid, unmarked))
    return out


def _dec(n: int, scale: int) -> Decimal:
    return Decimal(f"{n}E-{scale}")


def _money_array(values: list[Decimal]) -> pa.Array:
    return pa.array([v.quantize(Decimal("1E-18"), context=EXACT) for v in values], MONEY_TYPE)


def _stamps(us: list[int]) -> pa.Array:
    return pa.array([T0 + timedelta(microseconds=u) for u in us], TIMESTAMP_TYPE)


def _fills(rows: list[tuple]) -> pa.Table:
    """(µs, account, symbol, side, quantity, price, multiplier) rows, in the order given."""
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 7
    return pa.table(
        {
            "timestamp": _stamps(list(cols[0])),
            "account": pa.array(list(cols[1]), pa.string()),
            "symbol": pa.array(list(cols[2]), pa.string()),
            "side": pa.array(list(cols[3]), pa.string()),
            "quantity": _money_array(list(cols[4])),
            "price": _money_array(list(cols[5])),
            "multiplier": _money_array(list(cols[6])),
        }
    )


def _events(rows: list[tuple]) -> pa.Table:
    """(µs, account, symbol, realized_pnl, fees) rows."""
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    return pa.table(
        {
            "timestamp": _stamps(list(cols[0])),
            "account": pa.array(list(cols[1]), pa.string()),
            "symbol": pa.array(list(cols[2]), pa.string()),
            "realized_pnl": _money_array(list(cols[3])),
            "fees": _money_array(list(cols[4])),
        }
    )


def _marks(rows: list[tuple]) -> pa.Table:
    """(µs, symbol, price) rows."""
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 3
    return pa.table(
        {
            "timestamp": _stamps(list(cols[0])),
            "symbol": pa.array(list(cols[1]), pa.string()),
            "price": _money_array(list(cols[2])),
        }
    )


def _funding(rows: list[tuple]) -> pa.Table:
    """(µs, amount) rows."""
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 2
    return pa.table({"timestamp": _stamps(list(cols[0])), "amount": _money_array(list(cols[1]))})


#: Money of every size that `MONEY_TYPE` holds: few digits, 18 fractional digits, integers
#: that overflow int64 sums, and 38-digit values.
_BIG = 10**38 - 1
money = st.one_of(
    st.builds(_dec, st.integers(-(10**6), 10**6), st.sampled_from([0, 2, 4])),
    st.builds(_dec, st.integers(-(10**19), 10**19), st.just(0)),
    st.builds(_dec, st.integers(-_BIG, _BIG), st.just(18)),
)
positive = money.map(Decimal.copy_abs)
multiplier = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1), Decimal("0.5"), Decimal(50), Decimal("0.001")]),
    positive,
)
#: Microseconds from T0: a handful of seconds (equal timestamps are common), or any µs.
micros = st.one_of(
    st.integers(0, 6).map(lambda s: s * 1_000_000), st.integers(-1_000_000, 7_000_000)
)
accounts = st.sampled_from(["a1", "a2", "a3"])
symbols = st.sampled_from(["X", "Y", "Z", "W"])
zones = st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))])


@st.composite
def books_inputs(draw: st.DrawFn) -> tuple:
    fills = draw(
        st.lists(
            st.tuples(
                micros,
                accounts,
                symbols,
                st.sampled_from(["BUY", "SELL"]),
                positive,
                money,
                multiplier,
            ),
            max_size=25,
        )
    )
    # realized events: mostly of positions with fills, some of other (account, symbol)s
    events = draw(st.lists(st.tuples(micros, accounts, symbols, money, money), max_size=20))
    marks = draw(
        st.none() | st.lists(st.tuples(micros, st.sampled_from("XYZV"), money), max_size=20)
    )
    funding = draw(st.none() | st.lists(st.tuples(micros, money), max_size=8))
    instants = draw(
        st.lists(
            st.tuples(st.one_of(micros, st.sampled_from([-5_000_000, 9_000_000])), zones),
            min_size=0,
            max_size=8,
        )
    )
    times = [(T0 + timedelta(microseconds=u)).astimezone(z) for u, z in instants]
    times += draw(st.lists(st.sampled_from(times), max_size=3)) if times else []  # repeats
    return (
        _fills(fills),
        None if marks is None else _marks(marks),
        _events(events),
        times,
        None if funding is None else _funding(funding),
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=books_inputs())
def test_books_at_equals_the_naive_loop_exactly(args):
    got = books_at(*args)
    want = _naive_books_at(*args)
    assert got == want
    for g in got:
        for value in (g.realized_pnl, g.unrealized_pnl, g.fees, g.funding):
            assert isinstance(value, Decimal)
            assert value.as_tuple().exponent <= -18  # the stored scale, or finer when needed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=streams(),
    cost_basis=st.sampled_from(list(CostBasis)),
    offsets=st.lists(st.integers(-2_000, 130_000), max_size=8),
)
def test_books_at_equals_the_naive_loop_on_ledger_events(data, cost_basis, offsets):
    fills, marks, funding = data
    f, m, g = fills_to_table(fills), marks_to_table(marks), funding_to_table(funding)
    events = run_ledger(f, m, cost_basis=cost_basis, funding=g).realized_events
    times = [T0 + timedelta(milliseconds=ms) for ms in offsets]
    assert books_at(f, m, events, times, g) == _naive_books_at(f, m, events, times, g)
    assert books_at(f, None, events, times, None) == _naive_books_at(f, None, events, times)


def test_old_28_digit_rounding_is_gone_the_exact_value_is_kept():
    # q × M needs 44 digits: the default context rounded it (and the cash) to 28 digits
    q = Decimal("123456789.123456789123456789")
    p = Decimal("98765.432109876543210987")
    mark = p + Decimal("1E-18")
    fills = _fills([(0, "a", "X", "BUY", q, p, Decimal(1))])
    marks = _marks([(1, "X", mark)])
    args = (fills, marks, _events([]), [T0 + timedelta(seconds=1)], None)
    exact = q * Decimal("1E-18")  # q × (M − p): 1.23456789123456789123456789E-10
    (books,) = books_at(*args)
    assert books.unrealized_pnl == exact
    assert books.unrealized_pnl.as_tuple().exponent == -36
    assert _naive_books_at(*args) == [books]
    (old,) = _naive_books_at(*args, context=None)
    assert old.unrealized_pnl != exact  # the former result, rounded


def test_wide_sums_and_a_column_whose_sample_misses_its_finest_value():
    # 3000 fills at 2 decimals, one at 18 not in the sampled rows; integer quantities whose
    # int64 sum would overflow; realized P&L of 38 digits
    rows = []
    for i in range(3000):
        q = Decimal(9 * 10**17 + i) if i % 7 else Decimal(i + 1).scaleb(-2)
        p = Decimal(1000 + i % 13).scaleb(-2)
        rows.append((i * 1000, "a", "XY"[i % 2], "BUY" if i % 3 else "SELL", q, p, Decimal(2)))
    rows[1001] = (*rows[1001][:5], Decimal("12.345678901234567891"), Decimal(2))
    fills = _fills(rows)
    big = Decimal("12345678901234567890.123456789012345678")
    events = _events(
        [(i * 997, "a", "XY"[i % 2], big, (big / 3).quantize(Decimal(1))) for i in range(3000)]
    )
    marks = _marks([(i * 5000, "XY"[i % 2], Decimal(i).scaleb(-2)) for i in range(600)])
    times = [T0 + timedelta(milliseconds=ms) for ms in (3000, -1, 0, 1500, 1500, 2999, 10**4)]
    assert books_at(fills, marks, events, times) == _naive_books_at(fills, marks, events, times)
    chunked = pa.concat_tables([fills.slice(0, 1700), fills.slice(1700)])
    chunked_events = pa.concat_tables([events.slice(0, 10), events.slice(10)])
    assert books_at(chunked, marks, chunked_events, times) == books_at(fills, marks, events, times)


def test_no_fills_or_no_instants():
    events = _events([(5, "a", "X", Decimal(3), Decimal("0.5"))])
    t = [T0, T0 + timedelta(seconds=1)]
    assert books_at(_fills([]), None, events, t) == _naive_books_at(_fills([]), None, events, t)
    assert books_at(_fills([]), None, events, []) == []


def test_sums_that_overflow_int64_are_exact():
    # integer amounts near 2**63: each fits int64, their sums do not (two-limb prefix sums)
    big = Decimal(9 * 10**18)
    fills = _fills(
        [
            (i, "a", "XY"[i % 2], "SELL" if i % 5 == 4 else "BUY", big, Decimal(1), Decimal(1))
            for i in range(40)
        ]
    )
    events = _events([(i, "a", "XY"[i % 2], big, big) for i in range(40)])
    marks = _marks([(3, "X", Decimal(2)), (30, "Y", Decimal(3))])
    funding = _funding([(i, big) for i in range(40)])
    times = [T0 + timedelta(microseconds=u) for u in (41, 0, 10, 31, 20)]
    got = books_at(fills, marks, events, times, funding)
    assert got == _naive_books_at(fills, marks, events, times, funding)
    assert got[0].realized_pnl == 40 * big
    assert got[0].funding == 40 * big


def test_ties_keep_row_order_the_last_mark_and_the_first_fills_multiplier():
    # many rows at one instant: only a stable sort keeps their order
    rng = random.Random(3)
    fills = _fills(
        [
            (
                1_000 * rng.randrange(3),
                "a",
                rng.choice("XY"),
                rng.choice(["BUY", "SELL"]),
                Decimal(rng.randrange(1, 100)),
                Decimal(rng.randrange(1, 100)),
                Decimal(rng.randrange(1, 9)),
            )
            for _ in range(300)
        ]
    )
    marks = _marks(
        [
            (
                1_000 * rng.randrange(3),
                rng.choice("XY"),
                Decimal(rng.randrange(1, 10**6)).scaleb(-2),
            )
            for _ in range(300)
        ]
    )
    events = _events([])
    times = [T0 + timedelta(microseconds=u) for u in (1, 1_000, 1_001, 2_001, 0)]
    assert books_at(fills, marks, events, times) == _naive_books_at(fills, marks, events, times)
