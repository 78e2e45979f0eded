"""Rules on a real series: freqtrade's backtest export (179 trades, ../shared/data), replayed
exit by exit. A healthy target raises nothing; a strict one fires and resolves exactly where
a naive rolling win rate over the raw JSON (computed here) crosses it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf import jobs
from tradeperf.alerts.lifecycle import Policy
from tradeperf.alerts.rules import evaluate
from tradeperf.alerts.state import advance
from tradeperf.alerts.targets import parse_targets
from tradeperf.config import load_config
from tradeperf.store import open_store

pytestmark = pytest.mark.slow

# no margin, no wait: an alert resolves at the first evaluation that holds, so the events are
# the crossings themselves; no repeat within the replay
EXACT = Policy(
    repeat_interval=dt.timedelta(days=3650), hysteresis=Decimal(0), cooldown=dt.timedelta(0)
)


def _instants(path: Path) -> list[tuple[dt.datetime, float | None]]:
    """Each distinct exit instant, and the naive win rate of the last 20 trades by then
    (None: fewer than 10 trades, or the 20th-last trade shares its instant with the 21st,
    so which trades are the last 20 depends on a tie order)."""
    doc = json.loads(path.read_text())
    (strategy,) = doc["strategy"].values()
    trades = sorted(strategy["trades"], key=lambda t: t["close_date"])
    out = []
    for n in range(1, len(trades) + 1):
        at = trades[n - 1]["close_date"]
        if n < len(trades) and trades[n]["close_date"] == at:
            continue
        last = trades[max(0, n - 20) : n]
        tied = n > 20 and trades[n - 21]["close_date"] == trades[n - 20]["close_date"]
        rate = None if n < 10 or tied else sum(t["profit_abs"] > 0 for t in last) / len(last)
        out.append((dt.datetime.fromisoformat(at), rate))
    return out


def _replay(tmp_path: Path, source: Path, threshold: float) -> list[tuple[dt.datetime, str]]:
    config = load_config({"store": f"duckdb://{tmp_path / 's.duckdb'}", "currency": "BTC",
                          "capital": "0.01"})  # fmt: skip
    rules = parse_targets({"window": "20trades", "min_trades": 10, "win_rate": threshold})
    notified = []
    with open_store(config.store) as store:
        jobs.ingest(store, [source])
        base = jobs.summary_request(config)
        for at, rate in _instants(source):
            if rate is None:
                continue
            now = at + dt.timedelta(microseconds=1)  # just after the exit: it counts
            (outcome,) = evaluate(store, base, rules, now=now)
            assert outcome.value == pytest.approx(rate, abs=1e-12), at
            done = advance(store, [outcome], now=now, policy=EXACT)
            notified += [(at, n["kind"]) for n in done.notifications]
    return notified


def _crossings(source: Path, threshold: float) -> list[tuple[dt.datetime, str]]:
    breached, out = False, []
    for at, rate in _instants(source):
        if rate is None or (rate < threshold) == breached:
            continue
        breached = not breached
        out.append((at, "fired" if breached else "resolved"))
    return out


def test_a_healthy_real_series_raises_nothing(tmp_path: Path, freqtrade_backtest: Path) -> None:
    assert _crossings(freqtrade_backtest, 0.8) == []
    assert _replay(tmp_path, freqtrade_backtest, 0.8) == []


def test_a_strict_target_on_a_real_series_alerts_exactly_at_the_crossings(
    tmp_path: Path, freqtrade_backtest: Path
) -> None:
    expected = _crossings(freqtrade_backtest, 0.95)
    assert len(expected) >= 4  # the series dips below 95 % and recovers several times
    got = _replay(tmp_path, freqtrade_backtest, 0.95)
    assert got == expected
    kinds = [k for _, k in got]
    assert kinds == ["fired", "resolved"] * (len(kinds) // 2) + ["fired"] * (len(kinds) % 2)
