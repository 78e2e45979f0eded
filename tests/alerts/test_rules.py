"""Rules on a store's trades: a healthy series raises nothing, a degrading one exactly the expected
breaches, in order, with the values a naive computation in the test gives (last N trades, the
local day, a trailing 24 hours, one strategy), and too few trades hold a rate-based rule back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tradeperf import jobs
from tradeperf.alerts.rules import evaluate
from tradeperf.alerts.targets import parse_targets
from tradeperf.config import load_config
from tradeperf.records.alert import Severity
from tradeperf.store import open_store

START = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)


def _trades(pnls: list[str], strategies: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for i, pnl in enumerate(pnls):
        exit_at = START + dt.timedelta(hours=2 * i)
        rows.append(
            {"trade_id": f"t{i}", "strategy": (strategies or ["s"] * len(pnls))[i],
             "symbol": "BTC-USD", "side": "long", "status": "CLOSED",
             "entry_time": (exit_at - dt.timedelta(minutes=30)).isoformat(),
             "exit_time": exit_at.isoformat(), "net_pnl": pnl, "fees": "0"}
        )  # fmt: skip
    return pd.DataFrame(rows)


def _evaluate(tmp_path: Path, frame: pd.DataFrame, doc: dict, now: dt.datetime):
    frame.to_csv(tmp_path / "trades.csv", index=False)
    config = load_config({"store": f"duckdb://{tmp_path / 's.duckdb'}", "capital": "10000"})
    with open_store(config.store) as store:
        jobs.ingest(store, [tmp_path / "trades.csv"])
        return evaluate(store, jobs.summary_request(config), parse_targets(doc), now=now)


DOC = {
    "win_rate": {"min": 0.55, "critical": 0.4},
    "profit_factor": 1.2,
    "daily_loss_limit": 100,
    "max_consecutive_losses": 4,
}


def test_a_healthy_series_raises_nothing(tmp_path: Path) -> None:
    pnls = ["12.5", "-3", "8", "7.25"] * 15  # 60 trades, 3 wins in 4
    now = START + dt.timedelta(hours=2 * 60)
    outcomes = _evaluate(tmp_path, _trades(pnls), DOC, now)
    assert [o.breached for o in outcomes] == [False] * 4
    assert all(o.reason is None for o in outcomes[:2])


def test_a_degrading_series_raises_exactly_the_expected_breaches(tmp_path: Path) -> None:
    pnls = ["10"] * 40 + ["-20", "5", "-20", "-20", "-20", "-20", "-20"] + ["-15", "4"] * 6 + ["-9"]
    frame = _trades(pnls)
    last_exit = START + dt.timedelta(hours=2 * (len(pnls) - 1))
    now = last_exit + dt.timedelta(minutes=1)
    outcomes = {o.target.rule: o for o in _evaluate(tmp_path, frame, DOC, now)}

    last20 = [Decimal(p) for p in pnls[-20:]]  # the naive reference
    wins = sum(1 for p in last20 if p > 0)
    gains = sum(p for p in last20 if p > 0)
    losses = -sum(p for p in last20 if p < 0)
    rate = outcomes["win_rate"]
    assert rate.breached
    assert rate.value == pytest.approx(wins / 20)
    assert rate.severity is Severity.CRITICAL  # below 0.4 too
    assert rate.window == "the last 20 trades"
    pf = outcomes["profit_factor"]
    assert pf.breached
    assert pf.value == pytest.approx(float(gains / losses))
    assert pf.severity is Severity.WARNING

    exits = pd.to_datetime(frame["exit_time"], utc=True)
    today = exits.dt.date == now.date()
    day = sum((Decimal(p) for p, t in zip(pnls, today, strict=True) if t), Decimal(0))
    loss = outcomes["daily_loss_limit"]
    assert loss.value == day
    assert loss.breached is (day < -100)
    assert loss.window == now.date().isoformat()

    streak = outcomes["max_consecutive_losses"]  # the run of losses at the end: just one
    assert (streak.value, streak.breached) == (-1, False)
    assert [o.target.rule for o in outcomes.values()] == list(DOC)  # in the rules' order


def test_a_long_losing_run_breaches_the_consecutive_losses_limit(tmp_path: Path) -> None:
    pnls = ["10"] * 10 + ["-1"] * 5
    now = START + dt.timedelta(days=3)
    (streak,) = _evaluate(tmp_path, _trades(pnls), {"max_consecutive_losses": 4}, now)
    assert (streak.value, streak.breached, streak.severity) == (-5, True, Severity.WARNING)


def test_trailing_windows_strategies_and_too_few_trades(tmp_path: Path) -> None:
    pnls = ["5", "-8", "6", "-7", "-9", "4", "-2", "-6", "3", "-1"]
    strategies = ["a", "b"] * 5
    now = START + dt.timedelta(hours=2 * 9, minutes=1)
    doc = {
        "net_pnl": {"min": 0, "window": "6h"},
        "strategy": {"b": {"win_rate": {"min": 0.5, "window": "all", "min_trades": 3}}},
        "expectancy": {"min": 0.0, "window": "all"},
        "sharpe_ratio": {"min": 1.0, "window": "all", "min_trades": 30},
    }
    outcomes = _evaluate(tmp_path, _trades(pnls, strategies), doc, now)
    # the account's rules first, then each strategy's and symbol's
    assert [o.target.rule for o in outcomes] == [
        "net_pnl", "expectancy", "sharpe_ratio", "strategy.b.win_rate"
    ]  # fmt: skip
    net, expectancy, sharpe, b_rate = outcomes
    exits = [START + dt.timedelta(hours=2 * i) for i in range(len(pnls))]
    recent = sum(
        Decimal(p) for p, t in zip(pnls, exits, strict=True) if t >= now - dt.timedelta(hours=6)
    )
    assert net.value == recent
    assert net.breached is (recent < 0)
    b = [Decimal(p) for p, s in zip(pnls, strategies, strict=True) if s == "b"]
    assert b_rate.value == pytest.approx(sum(p > 0 for p in b) / len(b))
    assert b_rate.breached
    assert b_rate.target.strategy == "b"
    assert expectancy.target.min_trades == 0  # money: no minimum of trades
    mean = float(sum(Decimal(p) for p in pnls) / len(pnls))
    assert float(expectancy.value) == pytest.approx(mean)
    assert expectancy.breached
    assert sharpe.reason == "10 trades, fewer than the 30 the rule needs"
    assert not sharpe.breached
    assert "not evaluated" in sharpe.message


def test_now_must_be_aware(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="aware"):
        _evaluate(tmp_path, _trades(["1"]), {"win_rate": 0.5}, dt.datetime(2024, 5, 1))
