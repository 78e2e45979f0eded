"""The dashboard's arrangements of the figures, against naive references."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from tradeperf.service.figures import _intraday, _periods, _rolling


def daily(n: int) -> list[dict[str, object]]:
    start = dt.date(2026, 11, 1)
    rows, total = [], Decimal(0)
    for i in range(n):
        pnl = Decimal(i % 7) - Decimal("2.5")
        total += pnl
        rows.append({"day": (start + dt.timedelta(days=i)).isoformat(), "net_pnl": pnl,
                     "cumulative_pnl": total, "trades": i % 3})  # fmt: skip
    return rows


def test_rolling_pnl_is_the_trailing_sum() -> None:
    rows = daily(40)
    sharpe = {"sharpe_ratio:7d": [{"at": rows[10]["day"], "value": 1.5}]}
    got = _rolling(rows, sharpe)
    for days in (7, 30, 90):
        for i, point in enumerate(got[f"{days}d"]):
            naive = sum((r["net_pnl"] for r in rows[max(0, i - days + 1) : i + 1]), Decimal(0))
            assert point["pnl"] == naive  # exact decimals
    assert got["7d"][10]["sharpe_ratio"] == 1.5
    assert got["7d"][11]["sharpe_ratio"] is None


def test_periods_sum_the_days_of_today_week_and_month() -> None:
    rows = daily(33)  # 2026-11-01 .. 2026-12-03
    now = dt.datetime(2026, 12, 3, 15, tzinfo=dt.UTC)  # a Thursday
    got = _periods(rows, now, ZoneInfo("UTC"))

    def naive(first: str) -> Decimal:
        return sum((r["net_pnl"] for r in rows if r["day"] >= first), Decimal(0))

    assert got["today"]["pnl"] == naive("2026-12-03")
    assert got["week"]["pnl"] == naive("2026-11-30")  # Monday
    assert got["month"]["pnl"] == naive("2026-12-01")
    assert got["month"]["trades"] == sum(int(r["trades"]) for r in rows if r["day"] >= "2026-12-01")


def test_intraday_moves_to_the_store_level_and_keeps_the_shape() -> None:
    snaps = [{"bucket": f"t{i}", "equity": str(e)} for i, e in enumerate([100, 110, 105, 120])]
    got = _intraday(snaps, Decimal("1020"))
    assert [p["equity"] for p in got] == [1000, 1010, 1005, 1020]
    assert [p["drawdown"] for p in got] == [0, 0, -5, 0]
    assert _intraday([], Decimal(1)) == []
