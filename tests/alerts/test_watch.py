"""``tradeperf watch`` end to end: a bot's log grows while it runs; it is stopped by SIGTERM,
restarted, killed with SIGKILL and restarted again. Each alert reaches the sink once, every
trade is stored once, and other commands use the store while it runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from tradeperf.alerts.targets import alerts_schema

pytestmark = pytest.mark.slow

START = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
TARGETS = "window: 10trades\nmin_trades: 5\nwin_rate:\n  min: 0.5\n  critical: 0.3\n"


def _line(i: int, pnl: str) -> str:
    exit_at = START + dt.timedelta(hours=2 * i)
    return json.dumps(
        {"trade_id": f"t{i}", "strategy": "s", "symbol": "BTC-USD", "side": "long",
         "status": "CLOSED", "entry_time": (exit_at - dt.timedelta(minutes=30)).isoformat(),
         "exit_time": exit_at.isoformat(), "net_pnl": pnl, "fees": "0"}
    ) + "\n"  # fmt: skip


class _Watch:
    """A ``tradeperf watch`` process; its JSON cycle lines collected as they come."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tradeperf", "watch", "logs", "--every", "200ms",
             "--targets", "t.yaml", "--format", "json"],
            cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.cycles: list[dict] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for text in self.proc.stdout:
            self.cycles.append(json.loads(text))

    def wait_cycles(self, n: int, timeout: float = 60) -> None:
        """Wait for ``n`` more cycles than now."""
        goal = len(self.cycles) + n
        _until(lambda: len(self.cycles) >= goal, timeout, self)

    def stop(self, sig: int) -> tuple[int, str]:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.reader.join(timeout=10)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


def _until(ok: Callable[[], bool], timeout: float, watch: _Watch) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if watch.proc.poll() is not None:
            raise AssertionError(f"watch ended: {watch.proc.stderr.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; cycles: {watch.cycles[-3:]}")
        time.sleep(0.05)


@pytest.fixture
def bot(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    (tmp_path / "logs").mkdir()
    (tmp_path / "t.yaml").write_text(TARGETS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEPERF_")}
    env |= {"TRADEPERF_STORE": f"duckdb://{tmp_path / 'store.duckdb'}",
            "TRADEPERF_CAPITAL": "10000", "TRADEPERF_CHROMIUM": "none"}  # fmt: skip
    return tmp_path, env


def _alerts(tmp_path: Path) -> list[dict]:
    path = tmp_path / "logs" / "alerts.jsonl"
    return [json.loads(t) for t in path.read_text().splitlines()] if path.exists() else []


def _summary(cwd: Path, env: dict[str, str]) -> dict:
    ran = subprocess.run(
        [sys.executable, "-m", "tradeperf", "summary", "--format", "json"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


def test_watch_follows_a_growing_log_through_sigterm_and_sigkill_sending_each_alert_once(
    bot: tuple[Path, dict[str, str]],
) -> None:
    tmp_path, env = bot
    log = tmp_path / "logs" / "bot.jsonl"
    # the alert sink's file sits in logs/ too: watch must not read it as records
    env["TRADEPERF_ALERT_LOG"] = str(tmp_path / "logs" / "alerts.jsonl")
    first = _Watch(tmp_path, env)
    with log.open("a") as f:
        f.writelines(_line(i, "10") for i in range(10))
    _until(lambda: sum(c["rows_new"] for c in first.cycles) >= 10, 60, first)
    first.wait_cycles(2)
    assert _alerts(tmp_path) == []  # a healthy series raises nothing

    # another command while watch runs: it gets the store between cycles
    assert _summary(tmp_path, env)["overall"]["trades"] == 10

    # six losses: the last 10 trades win 40 %: a warning; and a line cut mid-way
    seventh = _line(16, "-10")
    with log.open("a") as f:
        f.writelines(_line(i, "-10") for i in range(10, 16))
        f.write(seventh[:40])
    _until(lambda: len(_alerts(tmp_path)) >= 1, 60, first)
    code, err = first.stop(signal.SIGTERM)
    assert code == 0, err
    assert "stopped after" in err

    # while it is stopped the line is finished and an eighth loss comes: 20 % is critical
    with log.open("a") as f:
        f.write(seventh[40:])
        f.write(_line(17, "-10"))
    second = _Watch(tmp_path, env)
    _until(lambda: len(_alerts(tmp_path)) >= 2, 60, second)
    second.wait_cycles(5)  # nothing more: the firing alert is not repeated within 4 h
    code, _ = second.stop(signal.SIGKILL)
    assert code == -signal.SIGKILL

    third = _Watch(tmp_path, env)
    third.wait_cycles(3)
    code, err = third.stop(signal.SIGINT)
    assert code == 0, err

    alerts = _alerts(tmp_path)
    assert [(a["kind"], a["severity"]) for a in alerts] == [
        ("fired", "warning"),
        ("escalated", "critical"),
    ]
    assert alerts[0]["alert_id"] == alerts[1]["alert_id"]  # one alert, escalated
    assert (alerts[0]["value"], alerts[1]["value"]) == (0.4, 0.2)
    for a in alerts:
        jsonschema.validate(a, alerts_schema("alert"))
    doc = _summary(tmp_path, env)
    assert (doc["partial"], doc["unreadable_files"]) == (False, 0)  # nor its own alert log
    assert doc["overall"]["trades"] == 18  # every trade once: none lost, none twice
    assert str(doc["overall"]["net_pnl"]) == "20"  # 10 × 10 − 8 × 10


def test_watch_once_with_no_targets_ingests_only_and_a_missing_path_exits_3(
    bot: tuple[Path, dict[str, str]],
) -> None:
    tmp_path, env = bot
    (tmp_path / "logs" / "bot.jsonl").write_text("".join(_line(i, "5") for i in range(3)))
    ran = subprocess.run(
        [sys.executable, "-m", "tradeperf", "watch", "logs", "--once"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "no targets: ingesting only" in ran.stderr
    assert "3 new records" in ran.stdout
    ran = subprocess.run(
        [sys.executable, "-m", "tradeperf", "watch", "nowhere", "--once"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 3
    assert "no such file or folder: nowhere" in ran.stderr
    assert "Traceback" not in ran.stderr
