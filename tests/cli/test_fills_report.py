"""`tradeperf report` on fills and marks: trades derived by the ledger, P&L by day."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli.conftest import Tradeperf
from tradeperf.cli.app import app
from tradeperf.reports.schema import validate

FILLS = """fill_id,timestamp,symbol,side,quantity,price,fee,strategy
f1,2024-05-01T09:00:00Z,BTC-USD,buy,2,60000,6,mm
f2,2024-05-01T15:00:00Z,BTC-USD,sell,1,61000,3,mm
f3,2024-05-02T10:00:00Z,BTC-USD,sell,1,59500,3,mm
f4,2024-05-03T10:00:00Z,ETH-USD,sell,10,3000,1.5,mm
"""
MARKS = """timestamp,symbol,price
2024-05-03T20:00:00Z,ETH-USD,2950
2024-05-01T20:00:00Z,BTC-USD,60500
"""


def _report(tmp_path: Path, *extra: str) -> dict:
    (tmp_path / "fills.csv").write_text(FILLS)
    (tmp_path / "marks.csv").write_text(MARKS)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report", str(tmp_path / "fills.csv"), str(tmp_path / "marks.csv"), "--out", str(out),
            "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--capital", "100000", *extra,
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "summary.json").read_text())
    validate(doc, "summary")
    return doc


def test_fills_become_a_round_trip_and_a_partial_exit_is_booked_on_its_own_day(
    tmp_path: Path,
) -> None:
    doc = _report(tmp_path)
    overall = doc["overall"]
    # BTC: bought 2 @ 60000, sold 1 @ 61000 on May 1 and 1 @ 59500 on May 2 -> one round trip
    assert overall["trades"] == 1
    assert overall["gross_pnl"] == 500.0  # (61000 + 59500 - 2 * 60000)
    # every fee paid, the ETH short's opening fee (1.5) included; the round trip's own net
    # P&L carries its own fees only (6 + 3 + 3)
    assert overall["fees"] == 13.5
    assert overall["net_pnl"] == 488.0
    assert overall["realized_pnl"] == 500.0
    # ETH: short 10 @ 3000, marked at 2950 -> +500 open
    assert overall["unrealized_pnl"] == 500.0
    assert overall["open_positions"] == 1
    days = {w["window"]: w["figures"] for w in doc["windows"]["daily"]}
    assert list(days) == ["2024-05-01", "2024-05-02", "2024-05-03"]
    assert days["2024-05-01"]["realized_pnl"] == 1000.0  # the partial exit, on its own day
    assert days["2024-05-01"]["unrealized_pnl"] == 500.0  # 1 BTC left, marked at 60500
    assert days["2024-05-02"]["realized_pnl"] == -500.0
    assert days["2024-05-02"]["trades"] == 1
    assert days["2024-05-02"]["open_positions"] == 0
    assert days["2024-05-03"]["unrealized_pnl"] == 500.0
    # the fees of each day's fills, whether or not a round trip closed that day
    assert [days[d]["fees"] for d in days] == [9.0, 3.0, 1.5]
    assert days["2024-05-03"]["trades"] == 0


@pytest.mark.parametrize(
    ("basis", "day1", "day2"), [("fifo", 20.0, 20.0), ("lifo", 10.0, 30.0), ("average", 15.0, 25.0)]
)
def test_cost_basis_moves_realized_pnl_between_days_but_not_the_round_trip(
    tmp_path: Path, basis: str, day1: float, day2: float
) -> None:
    fills = tmp_path / "lots.csv"
    fills.write_text(
        "fill_id,timestamp,symbol,side,quantity,price,fee\n"
        "a,2024-05-01T09:00:00Z,X,buy,1,100,0\n"
        "b,2024-05-01T10:00:00Z,X,buy,1,110,0\n"
        "c,2024-05-01T11:00:00Z,X,sell,1,120,0\n"
        "d,2024-05-02T11:00:00Z,X,sell,1,130,0\n"
    )
    result = CliRunner().invoke(
        app,
        ["report", str(fills), "--out", str(tmp_path / "out"), "--cost-basis", basis,
         "--store", f"duckdb://{tmp_path / 's.duckdb'}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "summary.json").read_text())
    days = [w["figures"]["realized_pnl"] for w in doc["windows"]["daily"]]
    assert days == [day1, day2]
    assert doc["overall"]["net_pnl"] == 40.0  # the flat-to-flat round trip is the same


def test_returns_and_drawdown_of_books_from_fills_are_marked_to_market(tmp_path: Path) -> None:
    doc = _report(tmp_path)
    # end of May 1: realized 1000, 1 BTC open marked +500, fees 9 -> +1491
    # end of May 2: flat, realized 500, fees 12 -> +488 (the day lost 1003)
    # end of May 3: + ETH short marked +500, fees 13.5 -> +986.5
    overall = doc["overall"]
    assert overall["return_pct"] == pytest.approx(986.5 / 100_000, rel=1e-12)
    assert overall["max_drawdown"] == pytest.approx(1003 / 101_491, rel=1e-12)
    assert overall["equity_end"] == 100_986.5  # exact: capital + the books marked to market
    days = {w["window"]: w["figures"] for w in doc["windows"]["daily"]}
    assert days["2024-05-01"]["return_pct"] == pytest.approx(1491 / 100_000, rel=1e-12)
    assert days["2024-05-02"]["return_pct"] == pytest.approx(-1003 / 101_491, rel=1e-12)
    assert days["2024-05-02"]["equity_start"] == 101_491.0
    # the closed round trip's own P&L is unchanged: it closed on May 2
    assert days["2024-05-02"]["net_pnl"] == 488.0


def test_an_open_position_with_no_mark_has_no_unrealized_pnl_not_zero(tmp_path: Path) -> None:
    (tmp_path / "fills.csv").write_text(FILLS)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report", str(tmp_path / "fills.csv"), "--out", str(out),
            "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--capital", "100000",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    overall = json.loads((out / "summary.json").read_text())["overall"]
    # the ETH short is open and nothing marks it: its P&L is unknown
    assert overall["open_positions"] == 1
    assert overall["unrealized_pnl"] is None
    assert "no mark" in overall["null_reasons"]["unrealized_pnl"]
    assert overall["realized_pnl"] == 500.0
    assert "–" in (out / "summary.md").read_text()


def test_a_winning_day_is_judged_as_the_daily_returns_are(tmp_path: Path) -> None:
    # bought at 100 and marked at 110 on May 1 (+10), sold at 105 on May 2 (-5 that day):
    # one winning round trip, but a winning day and a losing day, as the returns say
    (tmp_path / "fills.csv").write_text(
        "fill_id,timestamp,symbol,side,quantity,price\n"
        "a,2024-05-01T09:00:00Z,X,buy,1,100\nb,2024-05-02T09:00:00Z,X,sell,1,105\n"
    )
    (tmp_path / "marks.csv").write_text("timestamp,symbol,price\n2024-05-01T20:00:00Z,X,110\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "report", str(tmp_path / "fills.csv"), str(tmp_path / "marks.csv"), "--out", str(out),
            "--store", f"duckdb://{tmp_path / 's.duckdb'}", "--capital", "1000",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "summary.json").read_text())
    overall = doc["overall"]
    assert overall["trades"] == 1
    assert overall["wins"] == 1
    assert (overall["winning_days"], overall["losing_days"]) == (1, 1)
    returns = [w["figures"]["return_pct"] for w in doc["windows"]["daily"]]
    assert returns[0] > 0 > returns[1]


TWO_STRATEGIES = """fill_id,timestamp,symbol,side,quantity,price,fee,strategy
a1,2024-05-01T09:00:00Z,BTC-USD,buy,2,60000,6,trend
a2,2024-05-01T15:00:00Z,BTC-USD,sell,1,61000,3,trend
a3,2024-05-02T10:00:00Z,BTC-USD,sell,1,59500,3,trend
b1,2024-05-01T10:00:00Z,ETH-USD,sell,10,3000,1.5,meanrev
b2,2024-05-03T10:00:00Z,ETH-USD,buy,4,2900,0.5,meanrev
c1,2024-05-02T11:00:00Z,BTC-USD,buy,1,59000,2,meanrev
"""
MORE_MARKS = """timestamp,symbol,price
2024-05-01T20:00:00Z,BTC-USD,60500
2024-05-01T20:00:00Z,ETH-USD,3050
2024-05-02T20:00:00Z,ETH-USD,2980
2024-05-02T20:00:00Z,BTC-USD,59800
2024-05-03T20:00:00Z,ETH-USD,2950
2024-05-03T20:00:00Z,BTC-USD,60100
"""
MTM = ("fees", "realized_pnl", "unrealized_pnl", "open_positions", "return_pct", "equity_end",
       "max_drawdown", "winning_days", "losing_days", "trades", "net_pnl")  # fmt: skip


def test_breakdowns_are_marked_to_market_like_the_overall_figures(tmp_path: Path) -> None:
    (tmp_path / "fills.csv").write_text(TWO_STRATEGIES)
    (tmp_path / "marks.csv").write_text(MORE_MARKS)

    def run(out: str, *extra: str) -> dict:
        result = CliRunner().invoke(
            app,
            ["report", str(tmp_path / "fills.csv"), str(tmp_path / "marks.csv"), "--out",
             str(tmp_path / out), "--store", f"duckdb://{tmp_path / 's.duckdb'}",
             "--capital", "100000", *extra],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return json.loads((tmp_path / out / "summary.json").read_text())

    doc = run("all")
    meanrev = doc["by_strategy"]["meanrev"]
    # by hand: short 10 ETH @ 3000 (fee 1.5), buy back 4 @ 2900 on May 3 (fee 0.5, realized
    # +400), 1 BTC bought @ 59000 on May 2 (fee 2); at the end ETH 2950, BTC 60100:
    # unrealized 6 × 50 + 1 × 1100 = 1400; fees 4; no round trip closed
    assert meanrev["realized_pnl"] == 400.0
    assert meanrev["unrealized_pnl"] == 1400.0
    assert meanrev["fees"] == 4.0
    assert meanrev["open_positions"] == 2
    assert meanrev["trades"] == 0
    assert meanrev["equity_end"] == 100_000 + 400 + 1400 - 4
    # each breakdown equals the summary of that strategy, or symbol, alone
    for column, flag in (("by_strategy", "--strategy"), ("by_symbol", "--symbol")):
        for label, figures in doc[column].items():
            alone = run(f"{column}-{label}", flag, label)["overall"]
            for name in MTM:
                assert figures[name] == alone[name], (column, label, name)
    # the strategies' books add up to the account's: fees, realized and unrealized P&L
    for name in ("fees", "realized_pnl", "unrealized_pnl"):
        total = sum(g[name] for g in doc["by_strategy"].values())
        assert total == pytest.approx(doc["overall"][name], abs=1e-9), name


def test_pruning_booked_fills_changes_no_figure_and_refuses_a_fill_it_could_not_book(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "fills.csv").write_text(FILLS)
    (tmp_path / "marks.csv").write_text(MARKS)
    assert tradeperf("ingest", "fills.csv", "marks.csv").code == 0
    before = json.loads(tradeperf("summary", "--format", "json").out)
    ran = tradeperf("store", "prune", "--older-than", "1d", "--kinds", "fills,marks,funding")
    assert ran.code == 0, ran.text
    # BTC went flat on May 2nd: its three fills go; the ETH short opened from flat is kept
    # as the lot of its checkpoint, so its sell goes too; the marks stay (ETH's values the
    # short, BTC's is the last one before its checkpoint)
    assert "fills: 4 rows older than 1d deleted\n" in ran.out
    assert "marks: 0 rows older than 1d deleted (2 older kept" in ran.out
    assert not tradeperf("positions", "--format", "json").code
    after = json.loads(tradeperf("summary", "--format", "json").out)
    before.pop("generated_at"), after.pop("generated_at")
    assert after == before
    (tmp_path / "late.csv").write_text(
        "fill_id,timestamp,symbol,side,quantity,price,fee,strategy\n"
        "f9,2024-05-01T12:00:00Z,BTC-USD,buy,1,60000,0,mm\n"
    )
    late = tradeperf("ingest", "late.csv")
    assert late.code == 3, late.text
    assert "BTC-USD (account default) changes at 2024-05-01 12:00:00 UTC" in late.err
    assert "Traceback" not in late.err
    assert json.loads(tradeperf("summary", "--format", "json").out)["overall"] == before["overall"]
    assert tradeperf("summary", "--cost-basis", "lifo").code == 3  # one basis, once pruned


def test_strategies_sharing_a_position_split_its_funding_and_add_up_to_the_account(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "fills.csv").write_text(
        TWO_STRATEGIES + "g1,2024-05-01T12:00:00Z,BTC-USD,sell,1,60200,1,meanrev\n"
        "g2,2024-05-03T09:00:00Z,BTC-USD,buy,1,59900,1,meanrev\n"
    )
    (tmp_path / "marks.csv").write_text(MORE_MARKS)
    # at 13:00 trend holds 2 BTC and meanrev -1: the net long 1 pays 3
    (tmp_path / "funding.csv").write_text(
        "timestamp,symbol,amount\n2024-05-01T13:00:00Z,BTC-USD,-3\n"
        "2024-05-02T12:00:00Z,BTC-USD,-0.7\n2024-05-03T12:00:00Z,ETH-USD,1.25\n"
    )
    ran = tradeperf(
        "report", "fills.csv", "marks.csv", "funding.csv", "--out", "rep", "--capital", "100000"
    )
    assert ran.code == 0, ran.err
    doc = json.loads((tmp_path / "rep" / "summary.json").read_text(), parse_float=Decimal)
    overall, groups = doc["overall"], doc["by_strategy"]

    def moved(f: dict) -> Decimal:
        return f["equity_end"] - f["equity_start"] - f["cash_flows"]

    # marked to market, the strategies' books add up to the account's to the last digit: cash,
    # positions at the same marks, every fee, and each funding payment shared exactly
    assert sum(moved(g) for g in groups.values()) == moved(overall)
    assert sum(g["fees"] for g in groups.values()) == overall["fees"]
    trend = tradeperf("report", "fills.csv", "marks.csv", "funding.csv", "--out", "t",
                      "--capital", "100000", "--strategy", "trend")  # fmt: skip
    assert trend.code == 0, trend.err
    alone = json.loads((tmp_path / "t" / "summary.json").read_text(), parse_float=Decimal)
    assert alone["overall"]["equity_end"] == groups["trend"]["equity_end"]
