"""The partials of a few trades folded from their rows (`tradeperf.analytics.few_trades`) equal
the engine's partials SQL (`Store.trade_partials`) over the same selection, row for row, on
DuckDB and PostgreSQL: groups by strategy and by tags (a trade in several), the last N of
all and of each group, a day cut, amounts near the stored range, ties in exit time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.test_partials import T0, _entry, trade_lists
from tradeperf.analytics.few_trades import partials_of_trades
from tradeperf.ingest.base import ReadResult
from tradeperf.records import RecordKind, Trade, trades_to_table
from tradeperf.store import Grouping, TradeQuery

#: Near the stored range (|sum| < 1e20): a day of two such trades leaves it.
HUGE = Decimal("6" + "0" * 19)

asks = st.sampled_from(
    [
        {},
        {"keys": ("strategy",)},
        {"keys": ("tag", "side")},
        {"last": 5, "each": False},
        {"keys": ("symbol",), "last": 3, "each": False},
        {"keys": ("tag",), "last": 2},
    ]
)


@st.composite
def tagged(draw: st.DrawFn) -> list[Trade]:
    """Trades of `trade_lists` with tags, and some near the stored range."""
    trades = draw(trade_lists())
    out = []
    for t in trades:
        tags = draw(st.sampled_from([(), ("x",), ("x", "y")]))
        if t.net_pnl is not None and draw(st.integers(0, 9)) == 0:
            t = dataclasses.replace(t, net_pnl=HUGE, gross_pnl=None, fees=Decimal(0))
        out.append(dataclasses.replace(t, tags=tags))
    return out


def _rows(table) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [
        {k: (pytest.approx(v, rel=1e-12) if k == "net_sq_sum" else v) for k, v in r.items()}
        for r in table.to_pylist()
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    trades=tagged(),
    ask=asks,
    tz=st.sampled_from(["UTC", "Europe/London", "America/New_York@17:00"]),
    since=st.sampled_from([None, T0 + dt.timedelta(hours=30)]),
)
def test_folded_partials_equal_the_engines(hstore, trades, ask, tz, since) -> None:  # type: ignore[no-untyped-def]
    entry = dataclasses.replace(_entry(len(trades) + 1), checksum=uuid.uuid4().hex)
    hstore.write_source(
        entry, ReadResult("/h", RecordKind.TRADES, trades_to_table(trades)), replace=True
    )
    query = TradeQuery(start=since)
    engine = hstore.trade_partials(tz, query, Grouping(**ask))
    rows = hstore.labelled_trades(tz, query, Grouping(**ask))
    folded = partials_of_trades(rows, tz)
    if folded is None:  # a trade's own gross beyond the range: the engine's split sums
        assert any(t.net_pnl == HUGE for t in trades)
        return
    assert _rows(folded) == _rows(engine)


def test_a_day_beyond_the_stored_range_has_null_sums_as_the_engines(hstore) -> None:  # type: ignore[no-untyped-def]
    exit_at = T0 + dt.timedelta(hours=1)
    trades = [
        Trade(
            trade_id=f"t{i}", symbol="X", side="long", status="CLOSED",  # type: ignore[arg-type]
            entry_time=None, exit_time=exit_at + dt.timedelta(minutes=i), quantity=Decimal(1),
            net_pnl=HUGE, gross_pnl=HUGE,
        )
        for i in range(2)
    ]  # fmt: skip
    hstore.write_source(
        _entry(3), ReadResult("/h", RecordKind.TRADES, trades_to_table(trades)), replace=True
    )
    folded = partials_of_trades(hstore.labelled_trades("UTC", TradeQuery()), "UTC")
    assert folded is not None
    row = folded.to_pylist()[0]
    assert row["trades"] == 2
    assert row["net_pnl"] is None  # 1.2e20 does not fit the store's decimals
    assert _rows(folded) == _rows(hstore.trade_partials("UTC", TradeQuery()))
