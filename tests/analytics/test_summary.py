"""The summary's figures equal a naive recomputation, per window, strategy and symbol."""

from __future__ import annotations

import datetime as dt
import math
import statistics
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.analytics.summary import SummaryRequest, summarize
from tradeperf.analytics.windows import WindowKind
from tradeperf.errors import ConfigError
from tradeperf.ingest.base import ReadResult
from tradeperf.records import PositionSide, RecordKind, Trade, TradeStatus, trades_to_table
from tradeperf.store import SourceEntry, open_store

T0 = dt.datetime(2024, 3, 25, 6, 0, tzinfo=dt.UTC)


def _trade(i: int, exit_time: dt.datetime, pnl: Decimal, **kw: object) -> Trade:
    args: dict[str, object] = {
        "trade_id": f"t{i:05d}",
        "symbol": "BTC-USD",
        "side": PositionSide.LONG,
        "status": TradeStatus.CLOSED,
        "entry_time": exit_time - dt.timedelta(minutes=45),
        "exit_time": exit_time,
        "quantity": Decimal(1),
        "fees": Decimal("0.25"),
        "net_pnl": pnl,
        "gross_pnl": pnl + Decimal("0.25"),
    }
    args.update(kw)
    return Trade(**args)  # type: ignore[arg-type]


def _store_with(tmp_path: Path, trades: list[Trade]) -> str:
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    entry = SourceEntry(
        "/x", 1, 1, "c", "c", 1, "jsonl", "trades", len(trades), 0, False, dt.datetime.now(dt.UTC)
    )
    with open_store(url) as store:
        store.write_source(
            entry,
            ReadResult("/x", RecordKind.TRADES, trades_to_table(trades), format="jsonl"),
            replace=True,
        )
    return url


def _naive_streaks(pnls: list[Decimal]) -> tuple[int, int]:
    best_w = best_l = w = l_ = 0
    for p in pnls:
        w = w + 1 if p > 0 else 0
        l_ = l_ + 1 if p < 0 else 0
        best_w, best_l = max(best_w, w), max(best_l, l_)
    return best_w, best_l


def _naive_figures(
    trades: list[Trade], capital: Decimal, first: dt.date, last: dt.date, tz
) -> dict:
    pnls = [t.net_pnl for t in trades]
    wins = [p for p in pnls if p > 0]
    losses = [p for p in pnls if p < 0]
    # the currency drawdown follows the trades one by one
    equity, peak, max_dd = capital, capital, Decimal(0)
    for p in pnls:
        equity += p
        peak = max(peak, equity)
        max_dd = max(max_dd, peak - equity)
    by_day: dict[dt.date, Decimal] = {}
    for t in trades:
        d = t.exit_time.astimezone(tz).date()
        by_day[d] = by_day.get(d, Decimal(0)) + t.net_pnl
    # returns and the fractional drawdown follow end-of-day equity, every calendar day
    rets, eq, eod_peak, max_dd_frac = [], capital, capital, 0.0
    day = first
    while day <= last:
        p = by_day.get(day, Decimal(0))
        rets.append(float(p) / float(eq))
        eq += p
        eod_peak = max(eod_peak, eq)
        max_dd_frac = max(max_dd_frac, float((eod_peak - eq) / eod_peak))
        day += dt.timedelta(days=1)
    sharpe = (
        statistics.fmean(rets) / statistics.stdev(rets) * math.sqrt(365)
        if len(rets) > 1 and statistics.stdev(rets) > 0
        else math.nan
    )
    return {
        "trades": len(pnls),
        "wins": len(wins),
        "losses": len(losses),
        "net_pnl": sum(pnls, Decimal(0)),
        "fees": Decimal("0.25") * len(pnls),
        "win_rate": len(wins) / len(pnls) if pnls else math.nan,  # a window without trades
        "profit_factor": (
            float(sum(wins)) / -float(sum(losses)) if losses else (math.inf if wins else math.nan)
        ),
        "largest_win": max(wins) if wins else None,
        "largest_loss": min(losses) if losses else None,
        "streaks": _naive_streaks(pnls),
        "max_drawdown_abs": float(max_dd),
        "max_drawdown": max_dd_frac,
        "sharpe_ratio": sharpe,
        "winning_days": sum(1 for v in by_day.values() if v > 0),
    }


def _check(figures: dict, naive: dict) -> None:
    for key in ("trades", "wins", "losses", "net_pnl", "fees", "largest_win", "largest_loss"):
        assert figures[key] == naive[key], key
    assert (figures["longest_win_streak"], figures["longest_loss_streak"]) == naive["streaks"]
    for key in ("win_rate", "profit_factor", "max_drawdown_abs", "max_drawdown", "sharpe_ratio"):
        a, b = float(figures[key]), float(naive[key])
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12), key
    assert figures["winning_days"] == naive["winning_days"]


PNL = st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False, allow_infinity=False)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.tuples(st.integers(1, 60 * 30), PNL), min_size=1, max_size=60),
    tz_name=st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Tokyo"]),
)
def test_figures_equal_a_naive_recomputation(tmp_path_factory, steps, tz_name) -> None:
    tz = zoneinfo.ZoneInfo(tz_name)
    t = T0
    trades = []
    for i, (minutes, pnl) in enumerate(steps):
        t = t + dt.timedelta(minutes=minutes * 7)
        trades.append(_trade(i, t, pnl, strategy="ab"[i % 2], symbol="XYZ"[i % 3]))
    url = _store_with(tmp_path_factory.mktemp("s"), trades)
    capital = Decimal(10_000)
    with open_store(url) as store:
        s = summarize(store, SummaryRequest(timezone=tz_name, capital=capital))
    days = sorted({tr.exit_time.astimezone(tz).date() for tr in trades})
    _check(s.overall, _naive_figures(trades, capital, days[0], days[-1], tz))

    # every window: the trades whose local exit day falls in it, equity carried forward
    equity = capital
    for w in s.windows[WindowKind.WEEKLY]:
        inside = [tr for tr in trades if w.start <= tr.exit_time < w.end]
        local = [tr.exit_time.astimezone(tz).date() for tr in inside]
        first = max(w.start.astimezone(tz).date(), days[0])
        last = min((w.end.astimezone(tz) - dt.timedelta(days=1)).date(), days[-1])
        _check(w.figures, _naive_figures(inside, equity, first, last, tz))
        assert all(first <= d <= last for d in local)
        equity += w.figures["net_pnl"]

    # partitions add up exactly
    for kind in WindowKind:
        assert (
            sum((w.figures["net_pnl"] for w in s.windows[kind]), Decimal(0)) == s.overall["net_pnl"]
        )
        assert sum(w.figures["trades"] for w in s.windows[kind]) == len(trades)
    assert sum((f["net_pnl"] for f in s.by_strategy.values()), Decimal(0)) == s.overall["net_pnl"]
    assert sum(f["trades"] for f in s.by_symbol.values()) == len(trades)


def test_only_closed_trades_count_and_other_statuses_are_counted(tmp_path: Path) -> None:
    trades = [
        _trade(1, T0, Decimal(5)),
        _trade(2, T0 + dt.timedelta(hours=1), Decimal(-3)),
        Trade("o1", "BTC-USD", PositionSide.LONG, TradeStatus.OPEN, T0, None, Decimal(1)),
        Trade("c1", "BTC-USD", PositionSide.SHORT, TradeStatus.CANCELLED, T0, None, Decimal(1)),
        Trade("f1", "BTC-USD", PositionSide.SHORT, TradeStatus.FAILED, T0, None, Decimal(1)),
    ]
    with open_store(_store_with(tmp_path, trades)) as store:
        s = summarize(store, SummaryRequest())
    assert s.overall["trades"] == 2
    assert s.overall["net_pnl"] == Decimal(2)
    assert s.status_counts == {"OPEN": 1, "CLOSED": 2, "CANCELLED": 1, "FAILED": 1}


def test_a_trade_belongs_to_the_local_day_of_its_exit(tmp_path: Path) -> None:
    # exits at 23:30 UTC: the same day in UTC, the next day in Berlin
    trades = [
        _trade(1, dt.datetime(2024, 6, 3, 23, 30, tzinfo=dt.UTC), Decimal(1)),
        _trade(2, dt.datetime(2024, 6, 4, 12, 0, tzinfo=dt.UTC), Decimal(2)),
    ]
    url = _store_with(tmp_path, trades)
    with open_store(url) as store:
        utc = summarize(store, SummaryRequest(timezone="UTC"))
        berlin = summarize(store, SummaryRequest(timezone="Europe/Berlin"))
    assert [w.label for w in utc.windows[WindowKind.DAILY]] == ["2024-06-03", "2024-06-04"]
    assert [w.label for w in berlin.windows[WindowKind.DAILY]] == ["2024-06-04"]
    assert berlin.windows[WindowKind.DAILY][0].figures["net_pnl"] == Decimal(3)


def test_start_and_end_select_local_days_and_carry_earlier_pnl_into_equity(tmp_path: Path) -> None:
    trades = [_trade(i, T0 + dt.timedelta(days=i), Decimal(100)) for i in range(10)]
    with open_store(_store_with(tmp_path, trades)) as store:
        s = summarize(
            store,
            SummaryRequest(
                capital=Decimal(1000), start=dt.date(2024, 3, 28), end=dt.date(2024, 3, 30)
            ),
        )
    assert s.overall["trades"] == 3
    assert s.overall["equity_start"] == Decimal(1300)
    assert s.overall["return_pct"] == pytest.approx(300 / 1300)


def test_start_after_end_is_a_config_error(tmp_path: Path) -> None:
    with (
        open_store(_store_with(tmp_path, [_trade(1, T0, Decimal(1))])) as store,
        pytest.raises(ConfigError, match="after"),
    ):
        summarize(store, SummaryRequest(start=dt.date(2024, 2, 1), end=dt.date(2024, 1, 1)))


def test_an_empty_store_gives_an_empty_but_valid_summary(tmp_path: Path) -> None:
    with open_store(f"duckdb://{tmp_path / 'e.duckdb'}") as store:
        s = summarize(store, SummaryRequest())
    assert s.overall["trades"] == 0
    assert math.isnan(s.overall["win_rate"])
    assert s.windows[WindowKind.DAILY] == []
