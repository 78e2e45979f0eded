"""One account whichever command asks: a source's own account is stored at ingest, and the
default capital is never assumed in silence."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Tradeperf


def test_ingest_then_summary_gives_the_figures_of_report(
    tradeperf: Tradeperf, freqtrade_backtest: Path, tmp_path: Path
) -> None:
    report = tradeperf(
        "report", str(freqtrade_backtest), "--out", "rep", "--store", "duckdb://r.duckdb"
    )
    assert report.code == 0
    assert "default capital" not in report.err
    reported = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert tradeperf("ingest", str(freqtrade_backtest), "--store", "duckdb://s.duckdb").code == 0
    summary = tradeperf("summary", "--format", "json", "--store", "duckdb://s.duckdb")
    assert summary.code == 0
    assert "default capital" not in summary.err
    summarised = json.loads(summary.out)
    # the export's starting balance and stake currency, read from the store
    assert (summarised["capital"], summarised["currency"]) == (reported["capital"], "BTC")
    assert str(summarised["capital"]) in ("0.01", "0.010000000000000000")
    assert summarised["overall"] == reported["overall"]
    # a flag still overrides
    flagged = tradeperf(
        "summary", "--format", "json", "--capital", "5", "--store", "duckdb://s.duckdb"
    )
    assert str(json.loads(flagged.out)["capital"]).startswith("5")


def _one_trade(path: Path) -> Path:
    row = {"trade_id": "a", "symbol": "X", "exit_time": "2024-03-01T10:00:00Z", "net_pnl": "5"}
    path.write_text(json.dumps(row) + "\n")
    return path


def test_the_default_capital_is_never_assumed_in_silence(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _one_trade(tmp_path / "bot.jsonl")
    plain = tradeperf("report", str(log), "--out", "rep")
    assert plain.code == 0
    assert "assume the default capital of 10000 USD" in plain.err
    given = tradeperf("report", str(log), "--out", "rep2", "--capital", "2500")
    assert "default capital" not in given.err
    summary = tradeperf("summary")
    assert "assume the default capital" in summary.err


def _export(path: Path, run: str, profit: float, currency: str) -> Path:
    trade = {
        "pair": "ETH/BTC", "amount": 1.0, "open_rate": 0.05, "close_rate": 0.051,
        "open_date": "2024-01-01 10:00:00+00:00", "close_date": "2024-01-01 12:00:00+00:00",
        "open_timestamp": 1704103200000, "fee_open": 0.0, "fee_close": 0.0,
        "profit_abs": profit, "profit_ratio": 0.02, "is_open": False,
    }  # fmt: skip
    doc = {
        "strategy": {
            "S": {
                "trades": [trade],
                "stake_currency": currency,
                "starting_balance": 1,
                "backtest_run_start_ts": run,
            }
        }
    }
    path.write_text(json.dumps(doc))
    return path


def test_compare_puts_two_runs_side_by_side(tradeperf: Tradeperf, tmp_path: Path) -> None:
    a = _export(tmp_path / "run-a.json", "2024-02-01 00:00:00+00:00", 0.001, "BTC")
    b = _export(tmp_path / "run-b.json", "2024-02-02 00:00:00+00:00", -0.002, "BTC")
    log = tmp_path / "bot.jsonl"
    log.write_text(
        json.dumps(
            {"trade_id": "u", "symbol": "X", "exit_time": "2024-01-03T10:00:00Z", "net_pnl": "7"}
        )
        + "\n"
    )
    assert tradeperf("ingest", str(a), str(b), str(log)).code == 0
    ran = tradeperf("compare", "--format", "json")
    assert ran.code == 0
    groups = json.loads(ran.out)["groups"]
    got = {
        Path(k).name: (g["currency"], g["figures"]["trades"], g["figures"]["net_pnl"])
        for k, g in groups.items()
    }
    assert got == {
        "run-a.json": ("BTC", 1, 0.001),
        "run-b.json": ("BTC", 1, -0.002),
        "bot.jsonl": ("USD", 1, 7),
    }
    # by strategy, within each account: the runs' S in BTC, the bot's default in USD
    by_strategy = json.loads(tradeperf("compare", "--by", "strategy", "--format", "json").out)
    cur = {k: (g["currency"], g["figures"]["trades"]) for k, g in by_strategy["groups"].items()}
    assert cur == {"S": ("BTC", 2), "default": ("USD", 1)}
    assert tradeperf("compare", "--by", "pair").code == 3


def test_summary_json_says_which_sources_it_covers_and_whether_capital_was_assumed(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _one_trade(tmp_path / "bot.jsonl")
    assert tradeperf("report", str(log), "--out", "rep").code == 0
    doc = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert doc["filters"]["sources"] == [str(log.resolve())]
    assert doc["capital_assumed"] is True
    assert "(the default: none given" in (tmp_path / "rep" / "summary.md").read_text()
    assert tradeperf("report", str(log), "--out", "rep2", "--capital", "100").code == 0
    assert json.loads((tmp_path / "rep2" / "summary.json").read_text())["capital_assumed"] is False
    whole = json.loads(tradeperf("summary", "--format", "json", "--capital", "100").out)
    assert (whole["filters"]["sources"], whole["capital_assumed"]) == ([], False)


def test_one_window_kind_with_the_default_capital_says_so_without_a_traceback(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = tmp_path / "t.jsonl"
    log.write_text(
        '{"trade_id": "a", "symbol": "X", "exit_time": "2024-03-01T10:00:00Z", "net_pnl": 5}\n'
    )
    assert tradeperf("ingest", str(log)).code == 0
    for fmt in ("json", "table", "md"):
        ran = tradeperf("summary", "--window", "weekly", "--format", fmt)
        assert ran.code == 0, ran.err
        assert "assume the default capital of 10000 USD" in ran.err
        assert "Traceback" not in ran.text
