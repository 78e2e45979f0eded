"""Trading-day calendars (`tradeperf.calendars`): the daily rows, daily returns, Sharpe ratio
and empty daily windows of a Monday-to-Friday market with a holiday, against pandas' business
days; a weekend trade keeps its day; the engine's partials and the trades give the same figures;
bad settings are one line naming the value (and the file and line of a holidays file)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.calendars import EVERY_DAY, parse_calendar, parse_weekdays

CAPITAL = Decimal(10_000)
HOLIDAY = dt.date(2024, 5, 27)  # a Monday (Memorial Day)
T0 = dt.date(2024, 5, 13)  # a Monday
#: Weekend days with a trade (a crypto fill over the weekend): they keep their rows.
WEEKEND_TRADES = (dt.date(2024, 5, 18), dt.date(2024, 6, 2))


def _trades() -> list[dict[str, object]]:
    rng = random.Random(5)
    out = []
    days = [T0 + dt.timedelta(days=i) for i in range(26)]
    business = [d for d in days if d.weekday() < 5 and d != HOLIDAY and rng.random() < 0.7]
    for i, day in enumerate([*business, *WEEKEND_TRADES]):
        at = dt.datetime.combine(day, dt.time(15, rng.randrange(60)), tzinfo=dt.UTC)
        out.append(
            {
                "trade_id": f"t{i:03d}",
                "symbol": "SPY",
                "strategy": rng.choice(["a", "b"]),
                "entry_time": (at - dt.timedelta(hours=2)).isoformat(),
                "exit_time": at.isoformat(),
                "net_pnl": str(Decimal(rng.randrange(-9000, 10000)).scaleb(-2)),
            }
        )
    return out


@pytest.fixture
def calendar_store(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str
) -> tuple[pd.DataFrame, str]:
    trades = _trades()
    path = tmp_path / "trades.jsonl"
    path.write_text("\n".join(json.dumps(t) for t in trades) + "\n")
    assert tradeperf("ingest", str(path), "--store", store_url).code == 0
    monkeypatch.setenv("TRADEPERF_TRADING_DAYS", "mon-fri")
    monkeypatch.setenv("TRADEPERF_HOLIDAYS", HOLIDAY.isoformat())
    df = pd.DataFrame(trades)
    df["day"] = pd.to_datetime(df["exit_time"], utc=True).dt.date
    df["pnl"] = df["net_pnl"].map(Decimal)
    return df, store_url


def _summary(tradeperf: Tradeperf, store: str, *args: str) -> dict:
    ran = tradeperf(
        "summary", "--store", store, "--capital", str(CAPITAL), "--format", "json", *args
    )
    assert ran.code == 0, ran.err
    return json.loads(ran.out, parse_float=Decimal)  # type: ignore[no-any-return]


def _expected_days(df: pd.DataFrame) -> list[dt.date]:
    first, last = min(df["day"]), max(df["day"])
    business = pd.bdate_range(first, last, freq="C", holidays=[HOLIDAY]).date
    return sorted(set(business) | set(df["day"]))


def test_daily_rows_and_returns_are_those_of_the_trading_days(
    tradeperf: Tradeperf, calendar_store
) -> None:
    df, store = calendar_store
    doc = _summary(tradeperf, store)
    rows = doc["series"]["daily"]
    days = _expected_days(df)
    assert [r["day"] for r in rows] == [d.isoformat() for d in days]
    assert HOLIDAY.isoformat() not in [r["day"] for r in rows]
    for weekend in WEEKEND_TRADES:  # a day outside the calendar with a trade keeps its row
        assert weekend.isoformat() in [r["day"] for r in rows]
    pnl = df.groupby("day")["pnl"].sum()
    equity = CAPITAL
    returns = []
    for row, day in zip(rows, days, strict=True):
        x = pnl.get(day, Decimal(0))
        assert row["net_pnl"] == x
        returns.append(float(x) / float(equity))
        equity += x
        assert row["equity"] == equity
        assert float(row["return"]) == pytest.approx(returns[-1], rel=1e-12)
    # the Sharpe ratio of those days, annualised over the calendar's days a year
    per_year = round(365.2425 * 5 / 7 - 1)
    assert doc["periods_per_year"] == per_year == 260
    r = pd.Series(returns)
    sharpe = r.mean() / r.std() * math.sqrt(per_year)
    assert float(doc["overall"]["sharpe_ratio"]) == pytest.approx(sharpe, rel=1e-9)


def test_empty_daily_windows_are_the_trading_days(tradeperf: Tradeperf, calendar_store) -> None:
    df, store = calendar_store
    doc = _summary(tradeperf, store, "--window", "daily")
    labels = [w["window"] for w in doc["windows"]]
    assert labels == [d.isoformat() for d in _expected_days(df)]


def test_every_day_is_the_default_and_keeps_the_calendar_days(
    tradeperf: Tradeperf, calendar_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    df, store = calendar_store
    monkeypatch.delenv("TRADEPERF_TRADING_DAYS")
    monkeypatch.delenv("TRADEPERF_HOLIDAYS")
    doc = _summary(tradeperf, store)
    first, last = min(df["day"]), max(df["day"])
    assert len(doc["series"]["daily"]) == (last - first).days + 1
    assert doc["periods_per_year"] == 365


def test_the_engines_partials_give_the_trades_figures_on_a_calendar(calendar_store) -> None:
    from tradeperf.analytics.model import SummaryRequest
    from tradeperf.analytics.summary import summarize, summarize_trades
    from tradeperf.calendars import using
    from tradeperf.store import open_store

    _, url = calendar_store
    calendar = parse_calendar("mon-fri", HOLIDAY.isoformat())
    for asked in ({}, {"by": ("strategy",)}, {"since": dt.datetime(2024, 5, 20, tzinfo=dt.UTC)}):
        request = SummaryRequest(capital=CAPITAL, calendar=calendar, **asked)  # type: ignore[arg-type]
        with open_store(url) as store:
            merged = summarize(store, request)
            with using(calendar):
                direct = summarize_trades(store, request)
        for name in ("sharpe_ratio", "sortino_ratio", "max_drawdown", "return_pct"):
            a, b = float(merged.overall[name]), float(direct.overall[name])  # type: ignore[arg-type]
            assert a == pytest.approx(b, rel=1e-9, nan_ok=True), (asked, name)
        assert merged.series is not None
        assert direct.series is not None
        assert merged.series.day.tolist() == direct.series.day.tolist()


def test_weekday_and_holiday_settings_parse_and_refuse_bad_values(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sorted(parse_weekdays("fri-mon")) == [0, 4, 5, 6]
    assert parse_calendar("", "") == EVERY_DAY
    days = tmp_path / "holidays.txt"
    days.write_text("# NYSE\n2024-12-25\n2024-07-04, Independence Day\n\n")
    calendar = parse_calendar("mon-fri", f"@{days}")
    assert calendar.holidays == {dt.date(2024, 12, 25), dt.date(2024, 7, 4)}
    week = np.arange(np.datetime64("2024-07-01"), np.datetime64("2024-07-08"))
    assert calendar.trading(week).tolist() == [True, True, True, False, True, False, False]
    days.write_text("2024-12-25\nChristmas\n")
    for name, value, says in (
        ("TRADEPERF_TRADING_DAYS", "monday-friday-sunday", "trading_days"),
        ("TRADEPERF_TRADING_DAYS", "weekdays", "trading_days"),
        ("TRADEPERF_HOLIDAYS", "2024-13-01", "holidays: '2024-13-01' is not a date"),
        ("TRADEPERF_HOLIDAYS", f"@{days}", f"{days}, line 2: 'Christmas' is not a date"),
        ("TRADEPERF_HOLIDAYS", f"@{tmp_path / 'missing.txt'}", "cannot read"),
    ):
        monkeypatch.setenv(name, value)
        ran = tradeperf("summary")
        assert ran.code == 3, ran.text
        assert says in ran.err
        assert "Traceback" not in ran.text
        monkeypatch.delenv(name)
