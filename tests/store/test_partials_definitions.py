"""The partials SQL (`tradeperf.store.partials_sql`) agrees, day by day, with the one definition
of each figure: a win, a loss and a breakeven (`metrics.trades.trade_outcomes`), a streak
(`metrics.trades.longest_streaks`) and the trade-by-trade drawdown
(`analytics.figures.max_drawdown_abs`), on DuckDB and PostgreSQL.

The store does not import analytics or metrics; this test is what ties its SQL to them.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.test_partials import _entry, trade_lists
from tradeperf.analytics.figures import max_drawdown_abs
from tradeperf.ingest.base import ReadResult
from tradeperf.metrics.trades import longest_streaks, trade_outcomes
from tradeperf.records import RecordKind, Trade, TradeStatus, trades_to_table
from tradeperf.store.partials_sql import ALL


def _run(xs: list[float], sign: int, at_start: bool) -> int:
    """Length of the run of wins (sign 1) or losses (-1) at the start or the end of ``xs``."""
    seq = xs if at_start else list(reversed(xs))
    return sum(1 for _ in itertools.takewhile(lambda x: (x > 0) - (x < 0) == sign, seq))


def _reference(trades: list[Trade], tz: str) -> dict[tuple[object, str, str], dict[str, object]]:
    """Each (day, strategy, symbol) group's figures from the metric definitions, the groups
    of every strategy and every symbol (``ALL``) included, trades in exit order."""
    closed = [t for t in trades if t.status is TradeStatus.CLOSED and t.net_pnl is not None]
    closed.sort(key=lambda t: (t.exit_time, t.entry_time is not None, t.entry_time, t.trade_id))
    groups: dict[tuple[object, str, str], list[Trade]] = defaultdict(list)
    zone = ZoneInfo(tz)
    for t in closed:
        assert t.exit_time is not None
        day = t.exit_time.astimezone(zone).date()
        for strategy, symbol in itertools.product((t.strategy, ALL), (t.symbol, ALL)):
            groups[(day, strategy, symbol)].append(t)
    out = {}
    for key, group in groups.items():
        nets = [t.net_pnl for t in group if t.net_pnl is not None]
        floats = [float(x) for x in nets]
        wins, losses, breakevens = trade_outcomes(floats)
        best_win, best_loss = longest_streaks(floats)
        prefix = list(itertools.accumulate(nets, initial=Decimal(0)))
        out[key] = {
            "trades": len(nets),
            "wins": wins,
            "losses": losses,
            "breakevens": breakevens,
            "net_pnl": sum(nets, Decimal(0)),
            "win_sum": sum((x for x in nets if x > 0), Decimal(0)),
            "loss_sum": sum((x for x in nets if x < 0), Decimal(0)),
            "max_win": max((x for x in nets if x > 0), default=None),
            "min_loss": min((x for x in nets if x < 0), default=None),
            "best_win_run": best_win,
            "best_loss_run": best_loss,
            "lead_win": _run(floats, 1, True),
            "trail_win": _run(floats, 1, False),
            "lead_loss": _run(floats, -1, True),
            "trail_loss": _run(floats, -1, False),
            "max_drawdown": max_drawdown_abs(nets),
            "max_prefix": max(prefix),
            "min_prefix": min(prefix),
        }
    return out


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(trades=trade_lists(), tz=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]))
def test_each_days_partials_equal_the_metric_definitions(
    hstore,
    trades: list[Trade],
    tz: str,
) -> None:  # type: ignore[no-untyped-def]
    # a new checksum each example, so that each write replaces the last one's trades
    entry = dataclasses.replace(_entry(len(trades) + 1), checksum=uuid.uuid4().hex)
    hstore.write_source(
        entry,
        ReadResult("/h", RecordKind.TRADES, trades_to_table(trades)),
        replace=True,
    )
    hstore.ensure_partials(tz)
    want = _reference(trades, tz)
    rows = []
    for strategy, symbol in itertools.product(("a", "b", ALL), ("X", "Y", ALL)):
        rows += hstore.partials(tz, strategy=strategy, symbol=symbol).to_pylist()
    got = {(r["day"], r["strategy"], r["symbol"]): r for r in rows}
    assert set(got) == set(want)
    for key, figures in want.items():
        for name, value in figures.items():
            assert got[key][name] == value, (key, name)
