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


def test_the_default_capital_is_never_assumed_in_silence(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = tmp_path / "bot.jsonl"
    log.write_text(
        json.dumps(
            {"trade_id": "a", "symbol": "X", "exit_time": "2024-03-01T10:00:00Z", "net_pnl": "5"}
        )
        + "\n"
    )
    plain = tradeperf("report", str(log), "--out", "rep")
    assert plain.code == 0
    assert "assume the default capital of 10000 USD" in plain.err
    given = tradeperf("report", str(log), "--out", "rep2", "--capital", "2500")
    assert "default capital" not in given.err
    summary = tradeperf("summary")
    assert "assume the default capital" in summary.err
