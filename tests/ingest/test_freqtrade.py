"""freqtrade backtest exports: a hand-made one, and the real export in ../shared/data."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf.ingest import freqtrade_summary, read_source
from tradeperf.ingest.freqtrade import freqtrade_trade_id

TRADE = {
    "pair": "ETH/USDT",
    "amount": 0.5,
    "open_date": "2024-01-01 10:00:00+00:00",
    "close_date": "2024-01-01 12:00:00+00:00",
    "open_timestamp": 1704103200000,
    "open_rate": 2000.0,
    "close_rate": 2100.0,
    "fee_open": 0.001,
    "fee_close": 0.001,
    "profit_abs": 48.95,
    "profit_ratio": 0.04895,
    "exit_reason": "roi",
    "is_short": False,
    "is_open": False,
    "enter_tag": "breakout",
    "stake_amount": 1000.0,
}


def _export(trades: list[object]) -> dict[str, object]:
    return {
        "strategy": {
            "MyStrat": {
                "trades": trades,
                "stake_currency": "USDT",
                "starting_balance": 1000,
                "final_balance": 1048.95,
                "profit_total_abs": 48.95,
                "total_trades": 1,
            }
        }
    }


def test_fields_are_mapped_as_documented(tmp_path: Path) -> None:
    short = {**TRADE, "pair": "BTC/USDT", "is_short": True, "enter_tag": None}
    path = tmp_path / "backtest.json"
    path.write_text(json.dumps(_export([TRADE, short, {"pair": "X/Y"}])))
    result = read_source(path)
    assert result.format == "freqtrade"
    rows = result.table.to_pylist()
    assert len(rows) == 2
    row = rows[0]
    assert row["trade_id"] == freqtrade_trade_id("MyStrat", "ETH/USDT", 1704103200000)
    assert row["strategy"] == "MyStrat"
    assert row["symbol"] == "ETH/USDT"
    assert row["net_pnl"] == Decimal("48.95")  # profit_abs as given
    assert row["fees"] == Decimal("0.5") * 2000 * Decimal("0.001") + Decimal(
        "0.5"
    ) * 2100 * Decimal("0.001")
    assert row["gross_pnl"] == row["net_pnl"] + row["fees"]
    assert row["return_pct"] == pytest.approx(0.04895)
    assert row["currency"] == "USDT"
    assert row["tags"] == ["breakout"]
    assert row["exit_reason"] == "roi"
    assert rows[1]["side"] == "short"
    assert [(r.line, r.field) for r in result.rejected] == [(3, "open_date")]


def test_bare_list_of_trades(tmp_path: Path) -> None:
    path = tmp_path / "trades.json"
    path.write_text(json.dumps([TRADE], indent=1))
    result = read_source(path)
    assert result.format == "freqtrade"
    assert result.table.column("strategy").to_pylist() == ["freqtrade"]
    assert freqtrade_summary(path) == {}


def test_summary_figures_are_exposed(tmp_path: Path) -> None:
    path = tmp_path / "backtest.json"
    path.write_text(json.dumps(_export([TRADE])))
    summary = freqtrade_summary(path)["MyStrat"]
    assert summary.stake_currency == "USDT"
    assert summary.starting_balance == Decimal(1000)
    assert summary.final_balance == Decimal("1048.95")
    assert summary.profit_total_abs == Decimal("48.95")
    assert "trades" not in summary.figures


@pytest.mark.shared_data
def test_real_export_matches_freqtrade_own_figures(freqtrade_export: Path) -> None:
    result = read_source(freqtrade_export)
    assert result.format == "freqtrade"
    assert result.rejected == []
    rows = result.table.to_pylist()
    assert len(rows) == 179
    assert {r["status"] for r in rows} == {"CLOSED"}
    assert len({r["trade_id"] for r in rows}) == 179

    summary = freqtrade_summary(freqtrade_export)["StrategyTestV3"]
    assert summary.total_trades == 179
    assert summary.stake_currency == "BTC"
    assert summary.starting_balance == Decimal("0.01")
    total = sum(r["net_pnl"] for r in rows)
    assert summary.profit_total_abs is not None
    assert abs(total - summary.profit_total_abs) <= abs(summary.profit_total_abs) * Decimal("1e-12")

    per_pair = summary.figures["results_per_pair"]
    assert isinstance(per_pair, list)
    counts = Counter(r["symbol"] for r in rows)
    for entry in per_pair:
        if entry["key"] == "TOTAL":
            continue
        assert counts[entry["key"]] == entry["trades"]
        pnl = sum(r["net_pnl"] for r in rows if r["symbol"] == entry["key"])
        expected = Decimal(entry["profit_total_abs"])
        assert abs(pnl - expected) <= abs(expected) * Decimal("1e-12") + Decimal("1e-17")
    assert sum(counts.values()) == 179


def test_two_backtests_of_one_strategy_are_two_runs(tmp_path: Path) -> None:
    from tradeperf.pipeline import ingest_paths
    from tradeperf.store import open_store

    paths = []
    for name, run in (("a", "2024-03-01 10:00:00+00:00"), ("b", "2024-03-02 09:00:00+00:00")):
        doc = _export([TRADE])
        doc["strategy"]["MyStrat"]["backtest_run_start_ts"] = run  # type: ignore[index]
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        paths.append(path)
    copy = tmp_path / "copy-of-a.json"
    copy.write_text(paths[0].read_text())
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        ingest_paths(store, [*paths, copy])
        trades = store.trades().to_pylist()
        # one trade per run: the copy of run a repeats it exactly and counts once
        assert len({t["trade_id"] for t in trades}) == 2
        runs = sorted(json.loads(t["metadata_json"])["run"] for t in trades)
        assert runs == ["2024-03-01 10:00:00+00:00", "2024-03-02 09:00:00+00:00"]
        assert store.quarantine().num_rows == 0
