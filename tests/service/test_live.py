"""The stream, /metrics, the CLI beside a running service, OpenAPI fuzzed by schemathesis."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import LiveService
from tests.service.test_api import ROUND_TRIP, fill


def read_events(service: LiveService, until: int, seen: list[tuple[str, Any]]) -> None:
    """Collect (event, data) from /v1/stream until ``until`` events arrived."""
    with httpx.stream("GET", service.url + "/v1/stream", timeout=30) as r:
        event, data = "", []
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and event:
                seen.append((event, json.loads("\n".join(data))))
                event, data = "", []
                if len(seen) >= until:
                    return


def test_stream_pushes_records_and_figures(live_service: LiveService) -> None:
    seen: list[tuple[str, Any]] = []
    reader = threading.Thread(target=read_events, args=(live_service, 5, seen), daemon=True)
    reader.start()
    time.sleep(1.0)
    posted = live_service.post("fills", ROUND_TRIP).json()
    reader.join(timeout=30)
    names = [e for e, _ in seen]
    assert names[0] == "hello"
    records = [d for e, d in seen if e == "records"]
    assert records
    assert records[0]["accepted"] == 2
    assert records[0]["version"] == posted["version"]
    assert [f["fill_id"] for f in records[0]["fills"]] == ["f2", "f1"]  # newest first
    assert records[0]["fills"][0]["price"] == 61000.25
    newest = [d for e, d in seen if e == "dashboard"][-1]
    assert newest["version"] == posted["version"]
    assert newest["headline"]["trades"] == 1
    assert [f["fill_id"] for f in newest["fills"]] == ["f2", "f1"]


def test_metrics_in_prometheus_text(live_service: LiveService) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    live_service.post("fills", ROUND_TRIP)
    live_service.post("fills", [fill("f3", "buy", "0.2", "61000", "2026-01-05T12:00:00Z")])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the figures are recomputed after the batch
        if live_service.get("/v1/dashboard").json()["version"] >= 2:
            break
        time.sleep(0.2)
    equity = live_service.get("/v1/equity").json()
    assert equity["snapshots"], "a write takes the minute's snapshot"
    assert set(equity["snapshots"][-1]) >= {"at", "equity", "drawdown", "net_pnl"}
    text = live_service.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    # closed round trips only (the open fill's fee goes with the trade that closes it)
    assert samples[("tradeperf_net_pnl", (("currency", "USD"),))] == pytest.approx(497.125)
    assert samples[("tradeperf_trades", ())] == 1
    position = ("tradeperf_position_quantity", (("account", "default"), ("symbol", "BTC-USD")))
    assert samples[position] == pytest.approx(0.2)
    assert samples[("tradeperf_strategy_trades", (("strategy", "mm"),))] == 1
    assert samples[("tradeperf_records_ingested_total", (("kind", "fills"),))] == 3
    assert samples[("tradeperf_alerts_firing", (("severity", "critical"),))] == 0
    posts = ("tradeperf_http_requests_total",
             (("method", "POST"), ("route", "/v1/fills"), ("status", "200")))  # fmt: skip
    assert samples[posts] == 2


def test_cli_goes_through_the_service(live_service: LiveService, tmp_path: Path) -> None:
    live_service.post("fills", ROUND_TRIP)
    run = subprocess.run(
        [sys.executable, "-m", "tradeperf", "summary", "--store", live_service.store,
         "--format", "json"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"TRADEPERF_STORE_WAIT": "0", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "held by the service" in run.stderr
    assert json.loads(run.stdout)["overall"]["trades"] == 1
    # a command with no way through the API says what holds the store: no traceback
    info = subprocess.run(
        [sys.executable, "-m", "tradeperf", "store", "info", "--store", live_service.store],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"TRADEPERF_STORE_WAIT": "0", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert info.returncode == 4
    assert "tradeperf serve" in info.stderr
    assert live_service.url in info.stderr
    assert "Traceback" not in info.stderr


def test_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    args = [sys.executable, "-m", "tradeperf", "serve", "--store",
            f"duckdb://{tmp_path / 's.duckdb'}", "--port", "0"]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin"}
    no = subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert no.returncode == 3
    assert "TRADEPERF_API_TOKEN" in no.stderr
    wide = subprocess.run(
        [*args, "--host", "0.0.0.0", "--insecure-no-token"],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert wide.returncode == 3
    assert "loopback" in wide.stderr


def test_openapi_fuzzed_finds_no_server_error(live_service: LiveService, tmp_path: Path) -> None:
    live_service.post("fills", ROUND_TRIP)
    tool = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert tool is not None, "schemathesis is a test dependency"
    run = subprocess.run(
        [tool, "run", f"{live_service.url}/openapi.json", "--checks", "not_a_server_error",
         "--max-examples", "12", "--seed", "21", "--exclude-path", "/v1/stream",
         "--header", f"Authorization: Bearer {live_service.token}"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:]
    assert "passed" in run.stdout
    assert "error answering" not in live_service.log.read_text()
