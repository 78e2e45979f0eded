"""The command line end to end: outputs, filters, bad input without tracebacks, exit codes.

The commands run in-process through the real entry point (the ``tradeperf`` fixture); only
``python -m tradeperf`` itself, which is what a subprocess proves, spawns an interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradeperf.cli.app import app
from tradeperf.reports.schema import validate

from .conftest import Tradeperf

GOOD = [
    {"trade_id": "a1", "symbol": "BTC-USD", "strategy": "trend", "side": "long",
     "entry_time": "2024-05-01T08:00:00Z", "exit_time": "2024-05-01T09:30:00Z",
     "entry_price": "60000", "exit_price": "60300", "quantity": "0.1", "fees": "1.20",
     "net_pnl": "28.80", "status": "CLOSED"},
    {"trade_id": "a2", "symbol": "ETH-USD", "strategy": "revert", "side": "short",
     "entry_time": "2024-05-02T08:00:00Z", "exit_time": "2024-05-02T23:30:00Z",
     "entry_price": "3000", "exit_price": "3030", "quantity": "1", "fees": "0.60",
     "net_pnl": "-30.60", "status": "CLOSED"},
    {"trade_id": "a3", "symbol": "BTC-USD", "strategy": "trend", "side": "long",
     "entry_time": "2024-05-08T08:00:00Z", "exit_time": "2024-05-08T10:00:00Z",
     "entry_price": "61000", "exit_price": "61500", "quantity": "0.1", "fees": "1.22",
     "net_pnl": "48.78", "status": "CLOSED"},
    {"trade_id": "a4", "symbol": "BTC-USD", "strategy": "trend", "side": "long",
     "entry_time": "2024-05-09T08:00:00Z", "status": "OPEN", "entry_price": "61000",
     "quantity": "0.1"},
]  # fmt: skip


def _write_logs(folder: Path, extra_lines: list[str] = ()) -> Path:
    logs = folder / "logs"
    logs.mkdir(parents=True)
    lines = [json.dumps(r) for r in GOOD] + list(extra_lines)
    (logs / "2024-05-01.jsonl").write_text("\n".join(lines) + "\n")
    return logs


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEPERF_")}
    return subprocess.run(
        [sys.executable, "-m", "tradeperf", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_writes_valid_files_and_prints_a_table(tradeperf: Tradeperf, tmp_path: Path) -> None:
    logs = _write_logs(tmp_path)
    proc = tradeperf("report", str(logs), "--out", "out", "--capital", "1000")
    assert proc.code == 0, proc.err
    assert "Traceback" not in proc.err
    assert "overall" in proc.out
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir() if p.suffix != ".csv")
    assert names == sorted(
        [f"{n}.{e}" for n in ("summary", "daily", "weekly", "monthly") for e in ("json", "md")]
        + ["report.html"]  # no report.pdf: the tests' TRADEPERF_CHROMIUM is none
    )
    summary = json.loads((out / "summary.json").read_text())
    validate(summary, "summary")
    for kind in ("daily", "weekly", "monthly"):
        validate(json.loads((out / f"{kind}.json").read_text()), "window")
    assert summary["overall"]["trades"] == 3
    assert summary["overall"]["net_pnl"] == pytest.approx(28.80 - 30.60 + 48.78)
    assert summary["status_counts"]["OPEN"] == 1
    assert summary["partial"] is False
    assert [w["window"] for w in summary["windows"]["weekly"]] == ["2024-W18", "2024-W19"]
    # the default store is ./tradeperf.duckdb
    assert (tmp_path / "tradeperf.duckdb").is_file()
    assert "| Net P&L | 46.98 |" in (out / "summary.md").read_text()


def test_bad_lines_are_quarantined_and_the_summary_is_partial(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    logs = _write_logs(
        tmp_path,
        [
            '{"trade_id": "b1", "symbol": "BTC-USD", "exit_time": "2024-05-03T10:00:00Z", "net_',
            '{"trade_id": "b2", "symbol": "BTC-USD", "exit_time": "2024-05-03T10:00:00Z", '
            '"entry_time": "2024-05-03T09:00:00Z", "net_pnl": "twelve", "status": "CLOSED"}',
            '{"trade_id": "b3", "symbol": "BTC-USD", "net_pnl": "5", "status": "CLOSED"}',
        ],
    )
    (logs / "garbage.log").write_bytes(bytes(range(256)) * 4)
    (logs / "empty.jsonl").write_text("")
    proc = tradeperf("report", str(logs), "--out", "out")
    assert proc.code == 0, proc.err
    assert "Traceback" not in proc.err
    assert "partial" in proc.err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["partial"] is True
    assert summary["rejected_rows"] == 3
    assert summary["unreadable_files"] == 1
    assert summary["overall"]["trades"] == 3  # every good row kept

    q = tradeperf("quarantine", "--format", "json")
    rows = json.loads(q.out)
    by_line = {(Path(r["source"]).name, r["line"]): r for r in rows}
    assert by_line[("2024-05-01.jsonl", 5)]["reason"]
    assert by_line[("2024-05-01.jsonl", 6)]["field"] == "net_pnl"
    assert by_line[("2024-05-01.jsonl", 7)]["field"] == "exit_time"
    assert by_line[("garbage.log", None)]["reason"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["report", "missing-folder"], 2, "no such file or folder"),
        (["report", "empty-folder"], 2, "no trade files"),
        (["summary", "--tz", "Mars/Olympus"], 3, "unknown timezone"),
        (["summary", "--start", "yesterday"], 3, "YYYY-MM-DD"),
        (["summary", "--format", "xml"], 3, "table, json or md"),
        (["report", "logs", "--input-format", "xlsx"], 3, "unknown input format"),
        (["report", "logs", "--map", "net_pnl"], 3, "mapping"),
        (["report", "logs", "--map", "net_pnl=,x"], 3, "name=column"),
        (["summary", "--store", "mysql://x/y"], 4, "unknown store URL scheme"),
        (["schema", "nope"], 3, "no schema"),
        (["report", "logs", "--bogus"], 2, "No such option"),
        (["summary", "--window", "hourly"], 2, "hourly"),
    ],
)
def test_bad_input_gives_one_line_and_an_exit_code(
    tradeperf: Tradeperf, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    (tmp_path / "empty-folder").mkdir()
    _write_logs(tmp_path)
    proc = tradeperf(*args)
    assert proc.code == code, proc.err
    assert message in proc.err
    assert "Traceback" not in proc.text
    assert proc.err.strip().count("\n") <= 1 or "Usage" in proc.err  # one line, or Click usage


def test_summary_filters_and_formats(tmp_path: Path) -> None:
    logs = _write_logs(tmp_path)
    store = f"duckdb://{tmp_path / 's.duckdb'}"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(logs), "--store", store]).exit_code == 0
    js = runner.invoke(
        app, ["summary", "--store", store, "--strategy", "trend", "--format", "json"]
    )
    doc = json.loads(js.stdout)
    validate(doc, "summary")
    assert doc["overall"]["trades"] == 2
    assert set(doc["by_symbol"]) == {"BTC-USD"}
    weekly = runner.invoke(
        app, ["summary", "--store", store, "--window", "daily", "--tz", "Europe/Berlin",
              "--format", "json"],
    )  # fmt: skip
    windows = json.loads(weekly.stdout)["windows"]
    # every day from the first to the last exit is a window; 23:30 UTC on May 2 is 01:30 on
    # May 3 in Berlin
    assert [w["window"] for w in windows] == [f"2024-05-0{d}" for d in range(1, 9)]
    assert [w["figures"]["trades"] for w in windows] == [1, 0, 1, 0, 0, 0, 0, 1]
    empty = windows[1]["figures"]
    assert empty["win_rate"] is None
    assert empty["null_reasons"]["win_rate"] == "no closed trades"
    md = runner.invoke(
        app, ["summary", "--store", store, "--start", "2024-05-08", "--format", "md"]
    )
    assert "| Closed trades | 1 |" in md.stdout


def test_schema_command_prints_the_shipped_schema() -> None:
    result = CliRunner().invoke(app, ["schema", "summary"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "tradeperf performance summary"
    assert "overall" in schema["required"]


@pytest.mark.slow
def test_python_dash_m_is_the_same_command(tmp_path: Path) -> None:
    proc = _run("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for command in ("report", "ingest", "summary", "quarantine", "schema", "demo", "store"):
        assert command in proc.stdout


@pytest.mark.slow
def test_demo_writes_a_year_of_logs_and_reports_on_them(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    logs = sorted((tmp_path / "demo" / "logs").glob("*.jsonl"))
    assert len(logs) == 365
    summary = json.loads((tmp_path / "demo" / "report" / "summary.json").read_text())
    validate(summary, "summary")
    assert summary["overall"]["trades"] > 5000
    assert len(summary["by_strategy"]) >= 3
    assert len(summary["windows"]["monthly"]) == 12
    # real logs have a few malformed lines: they are quarantined, the rest is kept
    assert summary["partial"] is True
    assert 0 < summary["rejected_rows"] < 100
    assert summary["status_counts"]["OPEN"] + summary["status_counts"]["CANCELLED"] > 0
