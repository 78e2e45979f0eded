"""Figures merged from daily partials equal the direct summary over the same trades.

Three levels: the `Partial` monoid in pure Python against brute-force definitions, the
columnar merge (`DailyPartials.merged`) against the monoid, and the
engine's partials (DuckDB, PostgreSQL) merged by `summarize_partials` against
`summarize_trades` (the direct path).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import uuid
from decimal import Decimal

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.analytics.partials import DailyPartials, Partial, merge, summarize_partials
from tradeperf.analytics.summary import Summary, SummaryRequest, summarize_trades
from tradeperf.analytics.windows import WindowKind
from tradeperf.ingest.base import ReadResult
from tradeperf.metrics.trades import longest_streaks
from tradeperf.records import PositionSide, RecordKind, Trade, TradeStatus, trades_to_table
from tradeperf.store import SourceEntry
from tradeperf.store.partials_sql import PARTIALS_SCHEMA, SUM_COLUMNS

money = st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False, allow_infinity=False)
#: P&L where breakevens and repeated values are common, so streaks and ties are exercised.
pnl = st.one_of(money, st.sampled_from([Decimal(0), Decimal("1.5"), Decimal("-1.5")]))


def _brute(xs: list[Decimal]) -> dict[str, object]:
    prefix = [Decimal(0)]
    for x in xs:
        prefix.append(prefix[-1] + x)
    floats = [float(x) for x in xs]
    win, loss = longest_streaks(floats) if xs else (0, 0)
    return {
        "net": sum(xs, Decimal(0)),
        "wins": sum(1 for x in xs if x > 0),
        "best_win_run": win,
        "best_loss_run": loss,
        "max_prefix": max(prefix),
        "min_prefix": min(prefix),
        "max_drawdown": max(
            (prefix[i] - prefix[j] for i in range(len(prefix)) for j in range(i, len(prefix))),
        ),
        "max_win": max((x for x in xs if x > 0), default=None),
    }


@given(st.lists(pnl, max_size=40), st.lists(st.integers(0, 40), max_size=6))
def test_partials_merged_in_any_split_equal_the_whole(xs: list[Decimal], cuts: list[int]) -> None:
    bounds = sorted({0, len(xs), *(min(c, len(xs)) for c in cuts)})
    chunks = [xs[a:b] for a, b in itertools.pairwise(bounds)]
    parts = [merge(Partial.of_trade(x) for x in chunk) for chunk in chunks]
    total = merge(parts)
    want = _brute(xs)
    assert total.trades == len(xs)
    assert total.net_pnl == want["net"]
    assert total.wins == want["wins"]
    assert (total.best_win_run, total.best_loss_run) == (
        want["best_win_run"],
        want["best_loss_run"],
    )
    assert total.max_prefix == want["max_prefix"]
    assert total.min_prefix == want["min_prefix"]
    assert total.max_drawdown == want["max_drawdown"]
    assert total.max_win == want["max_win"]


@given(st.lists(pnl, max_size=12), st.lists(pnl, max_size=12), st.lists(pnl, max_size=12))
def test_merge_is_associative_with_an_identity(
    a: list[Decimal], b: list[Decimal], c: list[Decimal]
) -> None:
    pa_, pb, pc = (merge(Partial.of_trade(x) for x in xs) for xs in (a, b, c))
    left, right = (pa_ + pb) + pc, pa_ + (pb + pc)
    # the float sum of squares is associative only to rounding; every other part exactly
    assert math.isclose(left.net_sq_sum, right.net_sq_sum, rel_tol=1e-12)
    assert dataclasses.replace(left, net_sq_sum=0.0) == dataclasses.replace(right, net_sq_sum=0.0)
    assert Partial() + pa_ == pa_ + Partial() == pa_


# -- the columnar merge against the monoid ---------------------------------------------------

#: Amounts of every scale the store holds: cents, 18 decimals, and large enough that the
#: merge's sums leave int64 (then it runs on Python ints).
amounts = st.one_of(
    pnl,
    st.decimals(min_value=-(10**18), max_value=10**18, places=2),
    st.decimals(min_value=-1, max_value=1, places=18),
)
DAY0 = dt.date(2024, 1, 1)


@st.composite
def day_partials(draw: st.DrawFn) -> tuple[list[dt.date], list[Partial], list[frozenset[str]]]:
    """Days in order with the partial of their trades, and which sums the store could not
    hold on each (NULL: the day is out of range; its partial there has 0 and says so)."""
    scale = draw(st.sampled_from([pnl, amounts]))
    no_sum = st.just(frozenset[str]())
    if draw(st.booleans()):
        no_sum = no_sum | st.frozensets(st.sampled_from(sorted(SUM_COLUMNS)), min_size=1)
    days, parts, nulls = [], [], []
    day = DAY0
    for _ in range(draw(st.integers(0, 30))):
        day += dt.timedelta(days=draw(st.integers(1, 9)))
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        part = merge(
            Partial.of_trade(
                draw(scale),
                fees=draw(st.sampled_from([Decimal(0), Decimal("0.25")])),
                exit_time=midnight + dt.timedelta(minutes=i),
                # a holding time so long that a window's sum leaves int64
                holding_us=draw(st.sampled_from([None, 0, 30_000_000, 10**18])),
            )
            for i in range(draw(st.integers(1, 5)))
        )
        null = draw(no_sum)
        if null:
            zeros = dict.fromkeys(null, Decimal(0))
            part = dataclasses.replace(part, **zeros, out_of_range=True)  # type: ignore[arg-type]
        days.append(day)
        parts.append(part)
        nulls.append(null)
    return days, parts, nulls


def _partials_table(
    days: list[dt.date], parts: list[Partial], nulls: list[frozenset[str]]
) -> pa.Table:
    """The store's rows (`PARTIALS_SCHEMA`) of one scope holding ``parts``."""
    columns: dict[str, list[object]] = {
        "timezone": ["UTC"] * len(days),
        "day": list(days),
        "strategy": ["*"] * len(days),
        "symbol": ["*"] * len(days),
    }
    for field in PARTIALS_SCHEMA.names[4:]:
        columns[field] = [
            None if field in null else getattr(p, field)
            for p, null in zip(parts, nulls, strict=True)
        ]
    return pa.table(columns, schema=PARTIALS_SCHEMA)


def _assert_same_partial(got: Partial, want: Partial) -> None:
    # the float sum of squares adds in another order: equal to rounding; all else exactly
    assert math.isclose(got.net_sq_sum, want.net_sq_sum, rel_tol=1e-12)
    assert dataclasses.replace(got, net_sq_sum=0.0) == dataclasses.replace(want, net_sq_sum=0.0)


@settings(max_examples=300, deadline=None)
@given(day_partials(), st.lists(st.integers(1, 29), max_size=8))
def test_columnar_merge_of_any_windows_equals_the_monoid(
    days_parts: tuple[list[dt.date], list[Partial], list[frozenset[str]]], cuts: list[int]
) -> None:
    days, parts, nulls = days_parts
    daily = DailyPartials.from_table(_partials_table(days, parts, nulls))
    bounds = sorted({0, len(parts), *(c for c in cuts if c < len(parts))})
    merged = daily.merged(np.array(bounds[:-1])) if parts else []
    want = [merge(parts[a:b]) for a, b in itertools.pairwise(bounds)]
    assert len(merged) == len(want)
    for got, ref in zip(merged, want, strict=True):
        _assert_same_partial(got, ref)
    _assert_same_partial(daily.total(), merge(parts))
    # each day's net P&L as a float: float() of its Decimal, NaN out of range
    nets = [math.nan if p.out_of_range else float(p.net_pnl) for p in parts]
    assert np.array_equal(daily.day_net, np.array(nets, dtype=np.float64), equal_nan=True)
    if parts:
        mid = days[len(days) // 2]
        later = daily.between(mid, None)
        _assert_same_partial(later.total(), merge(parts[len(days) // 2 :]))
        assert later.days.tolist() == days[len(days) // 2 :]


# -- the engine's partials against the direct path -------------------------------------------

T0 = dt.datetime(2024, 3, 29, 20, 0, tzinfo=dt.UTC)  # the London DST change is in range


@st.composite
def trade_lists(draw: st.DrawFn) -> list[Trade]:
    n = draw(st.integers(0, 40))
    out = []
    for i in range(n):
        # exit times on a coarse grid so ties (same exit, same entry) happen
        exit_at = T0 + dt.timedelta(minutes=90 * draw(st.integers(0, 60)))
        held = draw(st.sampled_from([None, 0, 30, 600, 7200]))
        status = draw(
            st.sampled_from([TradeStatus.CLOSED] * 6 + [TradeStatus.OPEN, TradeStatus.CANCELLED])
        )
        net = draw(pnl)
        fees = draw(st.sampled_from([Decimal(0), Decimal("0.25")]))
        out.append(
            Trade(
                trade_id=f"h{i:03d}",
                symbol=draw(st.sampled_from(["X", "Y"])),
                side=PositionSide.LONG,
                status=status,
                entry_time=None if held is None else exit_at - dt.timedelta(seconds=held),
                exit_time=exit_at if status is TradeStatus.CLOSED else None,
                quantity=Decimal(1),
                entry_price=Decimal(100),
                exit_price=Decimal(101),
                fees=fees,
                net_pnl=net if status is TradeStatus.CLOSED else None,
                gross_pnl=draw(st.sampled_from([None, net + fees])),
                strategy=draw(st.sampled_from(["a", "b"])),
                source_line=i + 1,
            )
        )
    return out


def _entry(n: int) -> SourceEntry:
    return SourceEntry(
        path="/h", size=n, mtime_ns=n, checksum=f"c{n}", prefix_checksum=f"c{n}", end_offset=n,
        format="jsonl", kind="trades", rows=n, rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _close(a: object, b: object, scale: float) -> bool:
    """Equal, or floats within rounding: 1e-9 relative, or 1e-12 of the amounts' scale (the
    direct path sums floats from the starting equity, so its absolute error scales with it)."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12 * scale)
    if isinstance(a, Decimal) and isinstance(b, Decimal) and a.is_nan():
        return b.is_nan()  # undefined on both paths (exact money: otherwise equal digits)
    return a == b


def _assert_same_figures(direct: dict, merged: dict, scale: float, where: str) -> None:  # type: ignore[type-arg]
    assert direct.keys() == merged.keys(), where
    for name, value in direct.items():
        assert _close(value, merged[name], scale), f"{where} {name}: {value!r} != {merged[name]!r}"


def _assert_same_summary(a: Summary, b: Summary, scale: float) -> None:
    assert (a.first_exit, a.last_exit) == (b.first_exit, b.last_exit)
    assert a.status_counts == b.status_counts
    _assert_same_figures(a.overall, b.overall, scale, "overall")
    for kind, windows in a.windows.items():
        assert [w.label for w in windows] == [w.label for w in b.windows[kind]], kind
        for wa, wb in zip(windows, b.windows[kind], strict=True):
            assert (wa.start, wa.end) == (wb.start, wb.end)
            _assert_same_figures(wa.figures, wb.figures, scale, f"{kind} {wa.label}")
    for name, direct, merged in (
        ("strategy", a.by_strategy, b.by_strategy),
        ("symbol", a.by_symbol, b.by_symbol),
    ):
        assert direct.keys() == merged.keys(), name
        for label in direct:
            _assert_same_figures(direct[label], merged[label], scale, f"{name} {label}")


REQUESTS = [
    dict(timezone="UTC"),
    dict(timezone="Europe/London"),
    dict(timezone="America/New_York", strategies=("a",)),
    dict(timezone="Europe/London", symbols=("Y",), start=dt.date(2024, 3, 31)),
    dict(
        timezone="UTC",
        strategies=("b",),
        symbols=("X",),
        start=dt.date(2024, 3, 30),
        end=dt.date(2024, 4, 1),
    ),
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trades=trade_lists(), which=st.integers(0, len(REQUESTS) - 1))
def test_summary_from_partials_equals_the_direct_summary(
    hstore, trades: list[Trade], which: int
) -> None:  # type: ignore[no-untyped-def]
    # each example replaces the previous one's trades (same source), so the partials of the
    # days it leaves behind are recomputed too
    table = trades_to_table(trades)
    # a new checksum each example: the same one would be taken for the file stored already
    # and the write skipped, leaving the last example's trades in place
    entry = dataclasses.replace(_entry(len(trades) + 1), checksum=uuid.uuid4().hex)
    hstore.write_source(entry, ReadResult("/h", RecordKind.TRADES, table), replace=True)
    assert hstore.trades().num_rows == len(trades)
    windows = (WindowKind.DAILY, WindowKind.WEEKLY, WindowKind.MONTHLY)
    request = SummaryRequest(windows=windows, **REQUESTS[which])  # type: ignore[arg-type]
    scale = float(request.capital) + sum(float(abs(t.net_pnl or 0)) for t in trades)
    _assert_same_summary(
        summarize_trades(hstore, request), summarize_partials(hstore, request), scale
    )
