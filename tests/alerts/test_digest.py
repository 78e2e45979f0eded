"""The digest: the figures of the last local day or week equal those of ``tradeperf summary``
over the same days; ``alerts digest`` sends it once per period (cron may run it twice), as the
published schema says; ``watch`` sends it at its local time."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pandas as pd

from tests.cli.conftest import Tradeperf
from tradeperf.alerts.targets import alerts_schema

DAY = dt.date(2024, 5, 2)  # a Thursday


def _trades(tmp_path: Path) -> None:
    rows = []
    # Berlin days: trades exiting on 1, 2 (four: 22:30 UTC is already 3 May in Berlin) and 3 May
    for i, (exit_at, pnl) in enumerate(
        [("2024-05-01T12:00Z", "50"), ("2024-05-02T07:00Z", "120.25"),
         ("2024-05-02T09:00Z", "-40.10"), ("2024-05-02T15:00Z", "15"),
         ("2024-05-02T22:30Z", "-999"), ("2024-05-03T09:00Z", "7")]
    ):  # fmt: skip
        end = pd.Timestamp(exit_at)
        rows.append({"trade_id": f"t{i}", "strategy": "s", "symbol": "ETH-USD", "side": "long",
                     "status": "CLOSED", "entry_time": (end - pd.Timedelta("1h")).isoformat(),
                     "exit_time": end.isoformat(), "net_pnl": pnl, "fees": "1.5"})  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "trades.csv", index=False)


def test_the_daily_digest_is_the_summary_of_yesterday_sent_once(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _trades(tmp_path)
    assert tradeperf("ingest", "trades.csv").code == 0
    morning = "2024-05-03T08:00"  # local, Berlin: the digest is of 2 May
    args = ("alerts", "digest", "--tz", "Europe/Berlin", "--at", morning, "--format", "json")
    ran = tradeperf(*args)
    assert ran.code == 0, ran.text
    digest = json.loads(ran.out)
    jsonschema.validate(digest, alerts_schema("alert"))
    assert (digest["label"], digest["start"], digest["end"]) == ("2024-05-02",) * 3
    summary = json.loads(tradeperf("summary", "--tz", "Europe/Berlin", "--start", "2024-05-02",
                                   "--end", "2024-05-02", "--format", "json").out)  # fmt: skip
    naive = Decimal("120.25") + Decimal("-40.10") + Decimal("15")
    stated = Decimal(str(summary["overall"]["net_pnl"]))
    assert Decimal(digest["figures"]["net_pnl"]) == naive == stated
    assert digest["figures"]["trades"] == 3
    assert digest["figures"]["win_rate"] == summary["overall"]["win_rate"] == 2 / 3
    assert "net P&L +95.15 USD over 3 trades, win rate 66.7 %" in digest["message"]
    log = tmp_path / "logs" / "performance-alerts.jsonl"
    (line,) = log.read_text().splitlines()
    assert json.loads(line) == digest

    again = tradeperf(*args)  # cron ran it twice: not sent again
    assert again.code == 0
    assert "sent before" in again.err
    assert len(log.read_text().splitlines()) == 1
    week = json.loads(
        tradeperf("alerts", "digest", "--period", "week", "--tz", "Europe/Berlin", "--at",
                  "2024-05-06T08:00", "--dry-run", "--format", "json").out
    )  # fmt: skip
    assert (week["label"], week["start"], week["end"]) == ("2024-W18", "2024-04-29", "2024-05-05")
    assert week["figures"]["trades"] == 6
    assert len(log.read_text().splitlines()) == 1  # a dry run sends nothing


def test_watch_sends_the_digest_at_its_local_time_once(tmp_path: Path) -> None:
    from tradeperf import jobs
    from tradeperf.alerts.settings import AlertSettings
    from tradeperf.alerts.watch import Watch
    from tradeperf.config import load_config
    from tradeperf.ingest.options import ReadOptions

    _trades(tmp_path)
    store = f"duckdb://{tmp_path / 'w.duckdb'}"
    config = load_config({"store": store, "timezone": "Europe/Berlin"})
    settings = AlertSettings(log=tmp_path / "alerts.jsonl", digest_at=dt.time(8))
    clock = [dt.datetime(2024, 5, 3, 5, 50, tzinfo=dt.UTC)]  # 07:50 in Berlin
    w = Watch(
        config, [tmp_path / "trades.csv"], [], every=dt.timedelta(seconds=1),
        options=jobs.read_options(config), settings=settings, clock=lambda: clock[0],
    )  # fmt: skip
    assert isinstance(w.options, ReadOptions)
    assert w.cycle().digest is None  # not yet 08:00
    clock[0] += dt.timedelta(minutes=15)
    assert w.cycle().digest == "2024-05-02"
    clock[0] += dt.timedelta(hours=3)
    assert w.cycle().digest is None  # sent
    lines = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert [(x["kind"], x["label"], x["figures"]["trades"]) for x in lines] == [
        ("digest", "2024-05-02", 3)
    ]
