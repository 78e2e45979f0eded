"""`tradeperf report` on freqtrade's real backtest export gives freqtrade's own figures."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tradeperf.cli.app import app
from tradeperf.metrics.drawdown import equity_drawdown
from tradeperf.metrics.trades import trade_outcomes
from tradeperf.reports.schema import validate

REL = 1e-8


@pytest.fixture
def ft(freqtrade_backtest: Path) -> dict:
    doc = json.loads(freqtrade_backtest.read_text(), parse_float=Decimal)
    return doc["strategy"]["StrategyTestV3"]


@pytest.fixture
def report(freqtrade_backtest: Path, tmp_path: Path) -> dict[str, dict]:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report",
            str(freqtrade_backtest),
            "--out",
            str(out),
            "--store",
            f"duckdb://{tmp_path / 's.duckdb'}",
        ],
    )
    assert result.exit_code == 0, result.output
    docs = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert set(docs) == {"summary", "daily", "weekly", "monthly"}
    return docs


def test_totals_equal_freqtrades(report: dict, ft: dict) -> None:
    s = report["summary"]
    validate(s, "summary")
    overall = s["overall"]
    assert overall["trades"] == ft["total_trades"] == 179
    assert overall["net_pnl"] == pytest.approx(float(ft["profit_total_abs"]), rel=REL)
    assert overall["equity_end"] == pytest.approx(float(ft["final_balance"]), rel=REL)
    assert overall["profit_factor"] == pytest.approx(float(ft["profit_factor"]), rel=REL)
    assert s["capital"] == float(ft["starting_balance"])
    assert s["currency"] == ft["stake_currency"] == "BTC"
    assert overall["winning_days"] == ft["winning_days"]
    assert overall["losing_days"] == ft["losing_days"]
    assert overall["trading_days"] == len(ft["daily_profit"]) == 21


def test_each_utc_day_equals_freqtrades_daily_profit(report: dict, ft: dict) -> None:
    ours = {w["window"]: w["figures"]["net_pnl"] for w in report["daily"]["windows"]}
    theirs = {day: value for day, value in ft["daily_profit"]}
    assert set(ours) == set(theirs)
    for day, value in theirs.items():
        # freqtrade rounds daily_profit to 10 decimals; ours rounded the same way is equal
        assert round(Decimal(repr(ours[day])), 10) == value, day


def test_each_pair_equals_freqtrades_results_per_pair(report: dict, ft: dict) -> None:
    by_symbol = report["summary"]["by_symbol"]
    pairs = {r["key"]: r for r in ft["results_per_pair"] if r["key"] != "TOTAL"}
    assert set(by_symbol) == set(pairs)
    for pair, r in pairs.items():
        ours = by_symbol[pair]
        assert ours["trades"] == r["trades"], pair
        assert ours["net_pnl"] == pytest.approx(float(r["profit_total_abs"]), rel=REL), pair
        assert (ours["wins"], ours["losses"]) == (r["wins"], r["losses"]), pair


def test_win_counts_differ_from_freqtrades_only_by_counting_on_profit_ratio(
    report: dict, ft: dict
) -> None:
    overall = report["summary"]["overall"]
    # we count outcomes on net P&L (profit_abs): 170 wins, 0 breakevens, 9 losses
    assert (overall["wins"], overall["breakevens"], overall["losses"]) == (170, 0, 9)
    # the same function on freqtrade's profit_ratio (fees included) gives freqtrade's counts
    ratios = np.array([float(t["profit_ratio"]) for t in ft["trades"]])
    assert trade_outcomes(ratios) == (ft["wins"], ft["losses"], ft["draws"]) == (48, 9, 122)


def test_drawdown_differs_from_freqtrades_only_by_the_order_of_simultaneous_closes(
    report: dict, ft: dict
) -> None:
    trades = ft["trades"]
    capital = float(ft["starting_balance"])

    def drawdown(order: list[dict]) -> float:
        pnl = np.array([float(t["profit_abs"]) for t in order])
        return equity_drawdown(capital + np.concatenate(([0.0], np.cumsum(pnl)))).max_drawdown_abs

    # our documented tie-break: exit time, then entry time, then trade id
    ours = sorted(trades, key=lambda t: (t["close_date"], t["open_date"]))
    assert report["summary"]["overall"]["max_drawdown_abs"] == pytest.approx(
        drawdown(ours), rel=REL
    )
    # freqtrade's unstable sort happened to close the winners of a tied instant first
    theirs = sorted(trades, key=lambda t: (t["close_date"], -t["profit_abs"]))
    assert drawdown(theirs) == pytest.approx(float(ft["max_drawdown_abs"]), rel=REL)
    assert drawdown(ours) > drawdown(theirs)


def test_reingesting_the_same_file_adds_nothing(freqtrade_backtest: Path, tmp_path: Path) -> None:
    store = f"duckdb://{tmp_path / 's.duckdb'}"
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(freqtrade_backtest), "--store", store])
    again = runner.invoke(app, ["ingest", str(freqtrade_backtest), "--store", store])
    assert "179 new records" in first.output
    assert "1 unchanged" in again.output
    assert "0 new records" in again.output


def _breakdown(freqtrade_backtest: Path, tmp_path: Path, key: str) -> dict[str, dict]:
    store = f"duckdb://{tmp_path / 'by.duckdb'}"
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(freqtrade_backtest), "--store", store]).exit_code == 0
    result = runner.invoke(app, ["summary", "--store", store, "--by", key, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout, parse_float=Decimal)
    validate(json.loads(result.stdout), "summary")
    return {g["key"][key]: g["figures"] for g in doc["breakdown"]["groups"]}


def test_breakdown_by_exit_reason_equals_freqtrades_exit_reason_summary(
    freqtrade_backtest: Path, tmp_path: Path, ft: dict
) -> None:
    groups = _breakdown(freqtrade_backtest, tmp_path, "exit_reason")
    theirs = {r["exit_reason"]: r for r in ft["exit_reason_summary"]}
    assert set(groups) == set(theirs) == {"roi", "stop_loss", "force_exit"}
    for reason, row in theirs.items():
        ours = groups[reason]
        assert ours["trades"] == row["trades"]
        # freqtrade counts wins and losses on the absolute profit, as tradeperf does
        assert (ours["wins"], ours["losses"]) == (row["wins"], row["losses"])
        assert float(ours["net_pnl"]) == pytest.approx(float(row["profit_total_abs"]), rel=REL)


def test_breakdown_by_tag_equals_freqtrades_results_per_enter_tag(
    freqtrade_backtest: Path, tmp_path: Path, ft: dict
) -> None:
    groups = _breakdown(freqtrade_backtest, tmp_path, "tag")
    theirs = {r["key"]: r for r in ft["results_per_enter_tag"]}
    total = theirs.pop("TOTAL")
    assert set(theirs) <= set(groups)
    for tag, row in theirs.items():
        ours = groups[tag]
        assert (ours["trades"], ours["wins"], ours["losses"]) == (
            row["trades"],
            row["wins"],
            row["losses"],
        )
        assert float(ours["net_pnl"]) == pytest.approx(float(row["profit_total_abs"]), rel=REL)
    # the trades without an enter tag are the rest of freqtrade's TOTAL
    assert sum(g["trades"] for g in groups.values()) == total["trades"]
    assert float(sum(g["net_pnl"] for g in groups.values())) == pytest.approx(
        float(total["profit_total_abs"]), rel=REL
    )
