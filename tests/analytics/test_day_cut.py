"""The day cut (``--day-start 17:00``): trading days, weeks and months, against zoneinfo.

The reference trading day of an exit is computed here from its wall time in the zone read
through zoneinfo, with the convention written down in the issue and docs/metrics.md: a day
starting after noon at ``cut`` is labelled by the next calendar day, so an exit at or after
the cut on day D belongs to D+1, an exit before it to D. Trades crowd the cut (minutes on
either side, and on it) on the days around both daylight-saving changes of New York.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cli.conftest import Tradeperf
from tradeperf.analytics.windows import local_days, local_midnight
from tradeperf.errors import ConfigError
from tradeperf.timezones import TradingDayZone, resolve_timezone

NY = "America/New_York"
CUT = dt.time(17)
CAPITAL = Decimal(10_000)
#: Days around the spring (10 March) and autumn (3 November) changes of 2024.
DAYS = [dt.date(2024, 3, 1) + dt.timedelta(days=i) for i in range(20)] + [
    dt.date(2024, 10, 25) + dt.timedelta(days=i) for i in range(20)
]


def _reference_day(utc: dt.datetime, zone: str = NY, cut: dt.time = CUT) -> dt.date:
    """The trading day of ``utc``: the calendar day of its wall time, +1 from the cut on."""
    wall = utc.astimezone(ZoneInfo(zone))
    after_noon = (cut.hour, cut.minute) > (12, 0)
    if after_noon:
        return wall.date() + dt.timedelta(days=1) if wall.time() >= cut else wall.date()
    return wall.date() if wall.time() >= cut else wall.date() - dt.timedelta(days=1)


def _reference_start(day: dt.date, zone: str = NY, cut: dt.time = CUT) -> dt.datetime:
    """The first instant of trading day ``day``: the cut on its calendar day (or the day before).

    A cut the clock skips starts the day at the first instant after the gap.
    """
    calendar = day - dt.timedelta(days=1) if (cut.hour, cut.minute) > (12, 0) else day
    wall = dt.datetime.combine(calendar, cut, tzinfo=ZoneInfo(zone))
    there = wall.astimezone(dt.UTC)
    if there.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != wall.replace(tzinfo=None):
        # skipped: the first minute whose wall clock reads the cut or later (the gap's end),
        # stepping from the cut read at the offset after the gap (an instant before it)
        at = wall.replace(fold=1).astimezone(dt.UTC)
        while at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) < wall.replace(tzinfo=None):
            at += dt.timedelta(minutes=1)
        return at
    return there


def _trades(seed: int = 3) -> list[dict[str, object]]:
    rng = random.Random(seed)
    zone = ZoneInfo(NY)
    out = []
    for i, day in enumerate(d for d in DAYS for _ in range(6)):
        offset = rng.choice([-90, -1, 0, 0, 1, 45, 600])  # minutes from the cut
        wall = dt.datetime.combine(day, CUT, tzinfo=zone) + dt.timedelta(minutes=offset)
        exit_at = wall.astimezone(dt.UTC)
        out.append(
            {
                "trade_id": f"t{i:04d}",
                "strategy": rng.choice(["carry", "momentum"]),
                "symbol": rng.choice(["EURUSD", "USDJPY"]),
                "side": rng.choice(["long", "short"]),
                "status": "CLOSED",
                "entry_time": (exit_at - dt.timedelta(minutes=rng.randrange(1, 900))).isoformat(),
                "exit_time": exit_at.isoformat(),
                "entry_price": "1",
                "exit_price": "1.01",
                "quantity": "1000",
                "fees": "0",
                "net_pnl": str(Decimal(rng.randrange(-4000, 5000)).scaleb(-2)),
            }
        )
    return out


@pytest.fixture
def stored(tradeperf: Tradeperf, tmp_path: Path, store_url: str) -> tuple[pd.DataFrame, str]:
    """The trades ingested into a store (DuckDB, PostgreSQL), with their reference days."""
    trades = _trades()
    (tmp_path / "trades.jsonl").write_text("\n".join(json.dumps(t) for t in trades) + "\n")
    ran = tradeperf("ingest", str(tmp_path / "trades.jsonl"), "--store", store_url)
    assert ran.code == 0, ran.err
    df = pd.DataFrame(trades)
    df["exit"] = [dt.datetime.fromisoformat(str(t)) for t in df["exit_time"]]
    df["day"] = [_reference_day(t) for t in df["exit"]]
    df["pnl"] = df["net_pnl"].map(Decimal)
    return df, store_url


def _windows(tradeperf: Tradeperf, store: str, kind: str, *extra: str) -> list[dict]:
    ran = tradeperf(
        "summary", "--store", store, "--tz", NY, "--day-start", "17:00", "--window", kind,
        "--capital", str(CAPITAL), "--format", "json", *extra,
    )  # fmt: skip
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out, parse_float=Decimal)
    assert doc["day_start"] == "17:00"
    return [w for w in doc["windows"] if w["figures"]["trades"]]


def _sums(df: pd.DataFrame, label: pd.Series) -> dict[str, tuple[int, Decimal]]:
    return {str(k): (len(g), sum(g["pnl"], Decimal(0))) for k, g in df.groupby(label, sort=True)}


def test_daily_windows_are_trading_days_across_both_dst_changes(
    tradeperf: Tradeperf, stored
) -> None:
    df, store = stored
    got = _windows(tradeperf, store, "daily")
    expect = _sums(df, df["day"].map(dt.date.isoformat))
    assert {w["window"]: (w["figures"]["trades"], w["figures"]["net_pnl"]) for w in got} == expect
    for w in got:  # each day starts at 17:00 New York time on the calendar day before
        day = dt.date.fromisoformat(w["window"])
        assert dt.datetime.fromisoformat(w["start"]) == _reference_start(day)
        assert dt.datetime.fromisoformat(w["end"]) == _reference_start(day + dt.timedelta(1))
        assert dt.datetime.fromisoformat(w["start"]).astimezone(ZoneInfo(NY)).time() == CUT
    # the trading day of the spring change is 23 hours long, that of the autumn one 25
    lengths = {
        w["window"]: dt.datetime.fromisoformat(w["end"]) - dt.datetime.fromisoformat(w["start"])
        for w in got
    }
    assert lengths.get("2024-03-10") == dt.timedelta(hours=23)
    assert lengths.get("2024-11-03") == dt.timedelta(hours=25)


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("weekly", lambda d: f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"),
        ("monthly", lambda d: f"{d.year:04d}-{d.month:02d}"),
    ],
)
def test_weeks_and_months_are_those_of_the_trading_days(
    tradeperf: Tradeperf, stored, kind: str, label
) -> None:
    df, store = stored
    got = _windows(tradeperf, store, kind)
    expect = _sums(df, df["day"].map(label))
    assert {w["window"]: (w["figures"]["trades"], w["figures"]["net_pnl"]) for w in got} == expect


def test_the_series_and_the_direct_path_use_the_trading_days(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    for extra in ((), ("--by", "side")):  # the stored partials, then the trades themselves
        ran = tradeperf(
            "summary", "--store", store, "--tz", NY, "--day-start", "17:00", "--format", "json",
            *extra,
        )  # fmt: skip
        assert ran.code == 0, ran.err
        doc = json.loads(ran.out, parse_float=Decimal)
        rows = {r["day"]: (r["trades"], r["net_pnl"]) for r in doc["series"]["daily"]}
        expect = _sums(df, df["day"].map(dt.date.isoformat))
        assert {k: v for k, v in rows.items() if v[0]} == expect
        first, last = min(df["day"]), max(df["day"])
        assert len(rows) == (last - first).days + 1  # no holes


def test_weekday_breakdown_is_that_of_the_trading_day_and_hours_of_the_clock(
    tradeperf: Tradeperf, stored
) -> None:
    df, store = stored
    ran = tradeperf(
        "summary", "--store", store, "--tz", NY, "--day-start", "17:00", "--format", "json",
        "--by", "weekday,hour",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out, parse_float=Decimal)
    got = {
        (g["key"]["weekday"], g["key"]["hour"]): (g["figures"]["trades"], g["figures"]["net_pnl"])
        for g in doc["breakdown"]["groups"]
    }
    weekday = df["day"].map(lambda d: d.strftime("%a"))
    hour = df["exit"].map(lambda t: f"{t.astimezone(ZoneInfo(NY)).hour:02d}")
    expect = {
        k: (len(g), sum(g["pnl"], Decimal(0))) for k, g in df.groupby([weekday, hour], sort=True)
    }
    assert got == expect


def test_calendar_days_and_trading_days_are_kept_apart(tradeperf: Tradeperf, stored) -> None:
    df, store = stored
    cut = _windows(tradeperf, store, "daily")
    ran = tradeperf(
        "summary", "--store", store, "--tz", NY, "--window", "daily", "--format", "json"
    )
    calendar = json.loads(ran.out, parse_float=Decimal)
    assert calendar["day_start"] == "00:00"
    wall_day = df["exit"].map(lambda t: t.astimezone(ZoneInfo(NY)).date().isoformat())
    got = {
        w["window"]: (w["figures"]["trades"], w["figures"]["net_pnl"])
        for w in calendar["windows"]
        if w["figures"]["trades"]
    }
    assert got == _sums(df, wall_day)
    # and the trading days again, from the partials kept for them
    assert _windows(tradeperf, store, "daily") == cut


def test_the_day_start_is_a_setting(tradeperf: Tradeperf, stored, monkeypatch) -> None:
    _, store = stored
    flagged = _windows(tradeperf, store, "daily")
    monkeypatch.setenv("TRADEPERF_DAY_START", "17:00")
    ran = tradeperf(
        "summary", "--store", store, "--tz", NY, "--window", "daily", "--format", "json",
        "--capital", str(CAPITAL),
    )  # fmt: skip
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out, parse_float=Decimal)
    assert doc["day_start"] == "17:00"
    assert [w for w in doc["windows"] if w["figures"]["trades"]] == flagged


def test_books_from_fills_close_round_trips_on_trading_days(
    tradeperf: Tradeperf, tmp_path: Path, store_url: str
) -> None:
    zone = ZoneInfo(NY)
    rows, expect = [], {}
    rng = random.Random(5)
    for i, day in enumerate(DAYS):
        offset = rng.choice([-1, 0, 1])  # the closing fill a minute either side of the cut
        close = dt.datetime.combine(day, CUT, tzinfo=zone) + dt.timedelta(minutes=offset)
        opened = close - dt.timedelta(hours=3)
        price = Decimal(rng.randrange(90, 110))
        for n, (at, side, px) in enumerate(((opened, "buy", 100), (close, "sell", price))):
            rows.append({
                "kind": "fill", "fill_id": f"f{i}-{n}", "strategy": "s", "symbol": "EURUSD",
                "side": side, "timestamp": at.astimezone(dt.UTC).isoformat(), "price": str(px),
                "quantity": "10", "fee": "0",
            })  # fmt: skip
        label = _reference_day(close.astimezone(dt.UTC)).isoformat()
        expect[label] = expect.get(label, Decimal(0)) + (price - 100) * 10
    (tmp_path / "fills.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ran = tradeperf("ingest", str(tmp_path / "fills.jsonl"), "--store", store_url)
    assert ran.code == 0, ran.err
    got = _windows(tradeperf, store_url, "daily")
    assert {w["window"]: w["figures"]["net_pnl"] for w in got} == expect


@pytest.mark.parametrize("text", ["25:00", "5pm", "17", "17:60", ""])
def test_a_bad_day_start_is_one_line(tradeperf: Tradeperf, stored, text: str) -> None:
    _, store = stored
    ran = tradeperf("summary", "--store", store, "--day-start", text)
    assert ran.code == 3  # a configuration error
    assert "day start" in ran.err
    assert "Traceback" not in ran.err


# -- the zone itself, against zoneinfo ----------------------------------------------------------
ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]


@settings(max_examples=400, deadline=None)
@given(
    at=st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2060, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    zone=st.sampled_from(ZONES),
    # a cut is read from HH:MM, never with fold=1: a cut the clock shows twice (a fall-back
    # night) starts the day at its first showing, as the reference's fold=0 does
    cut=st.times().map(lambda t: t.replace(second=0, microsecond=0, fold=0)),
)
def test_an_instants_trading_day_and_the_days_start_agree_with_zoneinfo(
    at: dt.datetime, zone: str, cut: dt.time
) -> None:
    tz = resolve_timezone(f"{zone}@{cut:%H:%M}")
    day = at.astimezone(tz).date()
    assert day == _reference_day(at, zone, cut)
    start = local_midnight(day, tz)
    assert start.astimezone(dt.UTC) == _reference_start(day, zone, cut)
    assert start <= at < local_midnight(day + dt.timedelta(days=1), tz)


def test_a_midnight_cut_is_the_plain_zone_and_keys_name_the_cut() -> None:
    assert resolve_timezone("Europe/London@00:00") is resolve_timezone("Europe/London")
    tz = resolve_timezone("Europe/London@17:30")
    assert isinstance(tz, TradingDayZone)
    assert tz.key == "Europe/London@17:30"
    assert resolve_timezone(tz.key) is tz


def test_a_cut_too_far_from_utc_is_refused() -> None:
    with pytest.raises(ConfigError, match="not supported"):
        resolve_timezone("Pacific/Kiritimati@14:00")


@pytest.mark.parametrize("cut", ["02:00", "02:30", "02:59"])
def test_a_cut_the_clock_skips_starts_the_day_where_the_gap_ends(cut: str) -> None:
    # 14 March 2010, New York: 01:59:59 EST is followed by 03:00 EDT (07:00 UTC)
    tz = resolve_timezone(f"{NY}@{cut}")
    day = dt.date(2010, 3, 14)
    start = local_midnight(day, tz).astimezone(dt.UTC)  # (aware arithmetic is on the wall)
    assert start == dt.datetime(2010, 3, 14, 7, tzinfo=dt.UTC)
    for at in (start, start + dt.timedelta(minutes=10)):
        assert at.astimezone(tz).date() == day  # the instants from there are in the day
    before = start - dt.timedelta(microseconds=1)
    assert before.astimezone(tz).date() == day - dt.timedelta(days=1)
    # and the engine's days agree (Arrow, as the direct path assigns them)
    times = pa.array([before, start], pa.timestamp("us", tz="UTC"))
    assert local_days(times, tz).tolist() == [day - dt.timedelta(days=1), day]
