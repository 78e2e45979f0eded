"""``tradeperf alerts check``: exit 0 when no critical rule is breached, 5 when one is (for cron),
3 for a bad or missing targets file, JSON with the values a naive computation gives; --at sees
only the trades exited by then."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from tests.alerts.test_rules import START, _trades
from tests.cli.conftest import Tradeperf

PNLS = ["10"] * 30 + ["-12", "3", "-12", "-12", "-12", "-12", "-12", "4", "-12", "-12"]


def _store(tradeperf: Tradeperf, tmp_path: Path) -> None:
    _trades(PNLS).to_csv(tmp_path / "trades.csv", index=False)
    assert tradeperf("ingest", "trades.csv").code == 0


def test_check_delivers_once_exits_5_while_critical_and_0_once_acknowledged(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _store(tradeperf, tmp_path)
    (tmp_path / "t.yaml").write_text(
        "window: 10trades\nmin_trades: 5\nwin_rate:\n  min: 0.5\n  critical: 0.3\n"
    )
    calm = (START + dt.timedelta(hours=2 * 29, minutes=1)).isoformat()
    ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", calm)
    assert ran.code == 0, ran.text  # the end of the winning run: every rule holds
    assert "ok" in ran.out

    end = START + dt.timedelta(hours=2 * len(PNLS))
    ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", end.isoformat(),
                    "--format", "json")  # fmt: skip
    assert ran.code == 5, ran.text
    doc = json.loads(ran.out)
    (rule,) = doc["rules"]
    last10 = [Decimal(p) for p in PNLS[-10:]]
    assert rule["value"] == sum(p > 0 for p in last10) / 10
    assert (rule["breached"], rule["severity"], doc["critical"]) == (True, "critical", True)
    assert [n["kind"] for n in doc["notified"]] == ["fired"]
    log = tmp_path / "logs" / "performance-alerts.jsonl"
    (line,) = log.read_text().splitlines()
    alert_id = json.loads(line)["alert_id"]
    published = json.loads(tradeperf("schema", "alert").out)
    jsonschema.validate(json.loads(line), published)

    # the same breach a minute later: still exit 5, nothing delivered again
    later = (end + dt.timedelta(minutes=1)).isoformat()
    ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", later)
    assert ran.code == 5
    assert len(log.read_text().splitlines()) == 1

    listed = json.loads(tradeperf("alerts", "list", "--format", "json").out)
    assert [(a["alert_id"], a["status"], a["severity"]) for a in listed] == [
        (alert_id, "firing", "critical")
    ]
    assert tradeperf("alerts", "ack", alert_id).code == 0
    ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", later)
    assert ran.code == 0  # acknowledged: cron stops failing
    history = json.loads(tradeperf("alerts", "history", "--format", "json").out)
    assert [e["kind"] for e in history] == ["fired", "acknowledged"]
    assert tradeperf("alerts", "ack", "nope-1").code == 2


def test_a_warning_alone_exits_0_and_shows_in_the_table(tradeperf: Tradeperf, tmp_path) -> None:
    _store(tradeperf, tmp_path)
    (tmp_path / "t.toml").write_text("[targets]\nwindow = '10trades'\nwin_rate = 0.5\n")
    end = (START + dt.timedelta(hours=2 * len(PNLS))).isoformat()
    ran = tradeperf("alerts", "check", "--targets", "t.toml", "--at", end)
    assert ran.code == 0, ran.text
    assert "warning" in ran.out


def test_bad_or_missing_targets_exit_3_in_one_line(tradeperf: Tradeperf, tmp_path) -> None:
    _store(tradeperf, tmp_path)
    ran = tradeperf("alerts", "check")
    assert ran.code == 3
    assert "no targets" in ran.err
    (tmp_path / "t.yaml").write_text("win_rate: high\n")
    ran = tradeperf("alerts", "check", "--targets", "t.yaml")
    assert ran.code == 3
    assert "t.yaml: win_rate: expected a number" in ran.err
    assert "Traceback" not in ran.text


def test_the_repeat_interval_is_a_setting(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(tradeperf, tmp_path)
    (tmp_path / "t.yaml").write_text("window: 10trades\nwin_rate: 0.5\n")
    end = START + dt.timedelta(hours=2 * len(PNLS))
    log = tmp_path / "logs" / "performance-alerts.jsonl"
    monkeypatch.setenv("TRADEPERF_ALERT_REPEAT_INTERVAL", "2d")
    for hours in (0, 30, 49):  # fired, not yet repeated, repeated after two days
        at = (end + dt.timedelta(hours=hours)).isoformat()
        assert tradeperf("alerts", "check", "--targets", "t.yaml", "--at", at).code == 0
    kinds = [json.loads(x)["kind"] for x in log.read_text().splitlines()]
    assert kinds == ["fired", "repeated"]
    assert json.loads(log.read_text().splitlines()[0])["value"] == 0.2
    monkeypatch.setenv("TRADEPERF_ALERT_REPEAT_INTERVAL", "soon")
    ran = tradeperf("alerts", "check", "--targets", "t.yaml")
    assert ran.code == 3
    assert "TRADEPERF_ALERT_REPEAT_INTERVAL" in ran.err


def test_a_silenced_alert_is_kept_but_not_delivered_nor_failing_cron(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    _store(tradeperf, tmp_path)
    (tmp_path / "t.yaml").write_text(
        "window: 10trades\nmin_trades: 5\nwin_rate:\n  min: 0.5\n  critical: 0.3\n"
    )
    ran = tradeperf("alerts", "silence", "win_*", "--for", "1h", "--reason", "strategy redeploy")
    assert ran.code == 0, ran.text
    assert "strategy redeploy" in ran.out
    ran = tradeperf("alerts", "check", "--targets", "t.yaml")  # now, within the hour
    assert ran.code == 0, ran.text  # critical, but silenced
    assert not (tmp_path / "logs" / "performance-alerts.jsonl").exists()
    (alert,) = json.loads(tradeperf("alerts", "list", "--format", "json").out)
    assert (alert["status"], alert["severity"]) == ("silenced", "critical")
    bad = tradeperf("alerts", "silence", "win_rate", "--for", "0s")
    assert bad.code == 3


def test_a_failing_webhook_waits_in_the_outbox_and_is_delivered_by_the_next_check(
    tradeperf: Tradeperf, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.alerts.test_sinks import _Server

    _store(tradeperf, tmp_path)
    (tmp_path / "t.yaml").write_text("window: 10trades\nwin_rate: 0.5\n")
    end = START + dt.timedelta(hours=2 * len(PNLS))
    hook = _Server(500)
    try:
        monkeypatch.setenv("TRADEPERF_ALERT_WEBHOOK", hook.url)
        ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", end.isoformat())
        assert ran.code == 0
        assert "not delivered to webhook:http://127.0.0.1" in ran.err
        assert "SECRET" not in ran.text
        (waiting,) = json.loads(tradeperf("alerts", "outbox", "--format", "json").out)
        assert waiting["pending"][0].startswith("webhook:http://127.0.0.1")
        assert "HTTP 500" in waiting["last_error"]
        assert waiting["notice"]["kind"] == "fired"
        tries = len(hook.received)
        hook.status = 200  # the receiver is back: the next check delivers it, once
        later = (end + dt.timedelta(minutes=1)).isoformat()
        ran = tradeperf("alerts", "check", "--targets", "t.yaml", "--at", later)
        assert ran.code == 0
        assert len(hook.received) == tries + 1
        assert json.loads(hook.received[-1])["kind"] == "fired"
    finally:
        hook.close()
    (kept,) = json.loads(tradeperf("alerts", "outbox", "--all", "--format", "json").out)
    assert (kept["pending"], kept["last_error"], kept["attempts"]) == ([], None, 2)
    log = tmp_path / "logs" / "performance-alerts.jsonl"
    assert len(log.read_text().splitlines()) == 1  # the file had it once
    assert json.loads(tradeperf("alerts", "outbox", "--format", "json").out) == []
