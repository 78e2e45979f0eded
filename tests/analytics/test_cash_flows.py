"""Deposits and withdrawals change equity but are neither P&L nor returns nor drawdown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradeperf.analytics.partials import summarize_partials
from tradeperf.analytics.summary import SummaryRequest, summarize_trades
from tradeperf.analytics.windows import WindowKind
from tradeperf.cli.app import app
from tradeperf.store import open_store

TRADES = """trade_id,symbol,side,entry_time,exit_time,net_pnl,status
t1,X,long,2024-05-01T09:00:00Z,2024-05-01T10:00:00Z,100,CLOSED
t2,X,long,2024-05-02T09:00:00Z,2024-05-02T10:00:00Z,100,CLOSED
"""
FLOWS = """timestamp,amount,type
2024-05-02T08:00:00Z,-500,withdrawal
"""


def test_a_withdrawal_is_not_a_loss(tmp_path: Path) -> None:
    (tmp_path / "trades.csv").write_text(TRADES)
    (tmp_path / "flows.csv").write_text(FLOWS)
    store = f"duckdb://{tmp_path / 's.duckdb'}"
    result = CliRunner().invoke(
        app,
        ["report", str(tmp_path / "trades.csv"), str(tmp_path / "flows.csv"),
         "--out", str(tmp_path / "out"), "--store", store, "--capital", "1000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    overall = json.loads((tmp_path / "out" / "summary.json").read_text())["overall"]
    assert overall["net_pnl"] == 200.0
    assert overall["cash_flows"] == -500.0
    assert overall["equity_end"] == 700.0  # 1000 - 500 + 200
    # day 1: 100 on 1000; day 2: 100 on 1100 - 500 = 600 (the flow arrives at the start)
    assert overall["return_pct"] == pytest.approx(1.1 * (1 + 100 / 600) - 1, rel=1e-12)
    assert overall["max_drawdown"] == 0.0  # equity fell by 400, but only by withdrawing

    with open_store(store) as st:
        request = SummaryRequest(capital=1000)
        direct, merged = summarize_trades(st, request), summarize_partials(st, request)
    for name in ("return_pct", "max_drawdown", "sharpe_ratio"):
        assert direct.overall[name] == pytest.approx(merged.overall[name], rel=1e-12), name
    for name in ("cash_flows", "equity_start", "equity_end"):  # money: exact
        assert direct.overall[name] == merged.overall[name], name
    daily = {w.label: w.figures for w in direct.windows[WindowKind.DAILY]}
    assert daily["2024-05-02"]["equity_start"] == 1100  # before the day's withdrawal
    assert daily["2024-05-02"]["cash_flows"] == -500
    assert daily["2024-05-02"]["equity_end"] == 700
    assert daily["2024-05-02"]["return_pct"] == pytest.approx(100 / 600, rel=1e-12)
