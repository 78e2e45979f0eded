"""`report a b` and `report b a` give the same figures; `store forget` settles a conflict."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests.cli.conftest import Tradeperf


def _log(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = [
        json.dumps(
            {
                "trade_id": trade_id,
                "symbol": "BTCUSDT",
                "exit_time": "2024-03-01T11:00:00Z",
                "net_pnl": pnl,
            }
        )
        for trade_id, pnl in rows
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _net(out_dir: Path) -> tuple[Decimal, bool]:
    doc = json.loads((out_dir / "summary.json").read_text(), parse_float=Decimal)
    return Decimal(str(doc["overall"]["net_pnl"])), doc["partial"]


def test_report_figures_do_not_depend_on_the_order_of_the_files(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    a = _log(tmp_path / "a.jsonl", [("t1", "10"), ("t2", "5")])
    b = _log(tmp_path / "b.jsonl", [("t1", "20"), ("t3", "1")])
    ab = tradeperf("report", str(a), str(b), "--out", "ab", "--store", "duckdb://ab.duckdb")
    ba = tradeperf("report", str(b), str(a), "--out", "ba", "--store", "duckdb://ba.duckdb")
    assert (ab.code, ba.code) == (0, 0)
    assert _net(tmp_path / "ab") == _net(tmp_path / "ba") == (Decimal(6), True)


def test_store_forget_settles_a_conflict(tradeperf: Tradeperf, tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    a = _log(tmp_path / "logs" / "a.jsonl", [("t1", "10")])
    b = _log(tmp_path / "b.jsonl", [("t1", "20")])
    assert tradeperf("ingest", str(a), str(b)).code == 0
    quarantined = tradeperf("quarantine", "--format", "json")
    assert sum("conflicting" in r["reason"] for r in json.loads(quarantined.out)) == 2
    forgot = tradeperf("store", "forget", str(b))
    assert forgot.code == 0
    assert "1 conflicted record count again" in forgot.out
    assert json.loads(tradeperf("quarantine", "--format", "json").out) == []
    summary = json.loads(tradeperf("summary", "--format", "json").out, parse_float=Decimal)
    assert Decimal(str(summary["overall"]["net_pnl"])) == Decimal(10)
    # a folder forgets every source below it; a path the store never saw is an input error
    assert tradeperf("store", "forget", str(tmp_path / "logs")).code == 0
    missing = tradeperf("store", "forget", str(tmp_path / "nowhere.jsonl"))
    assert missing.code == 2
    assert "not a source of this store" in missing.err


def test_report_covers_what_its_paths_hold(tradeperf: Tradeperf, tmp_path: Path) -> None:
    old = _log(tmp_path / "old.jsonl", [("o1", "100"), ("o2", "-40")])
    new = _log(tmp_path / "new.jsonl", [("n1", "7.5")])
    assert tradeperf("ingest", str(old)).code == 0
    assert tradeperf("report", str(new), "--out", "rep").code == 0
    assert _net(tmp_path / "rep") == (Decimal("7.5"), False)
    # the store still holds both; summary covers the store, or the sources named
    whole = json.loads(tradeperf("summary", "--format", "json").out, parse_float=Decimal)
    assert Decimal(str(whole["overall"]["net_pnl"])) == Decimal("67.5")
    only = tradeperf("summary", "--format", "json", "--source", str(old))
    assert only.code == 0
    assert Decimal(str(json.loads(only.out)["overall"]["net_pnl"])) == Decimal(60)
    # a report's rejects are its own files' rejects
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"trade_id": "b1"})
        + "\n"
        + json.dumps(
            {"trade_id": "b2", "symbol": "X", "exit_time": "2024-03-02T00:00:00Z", "net_pnl": "1"}
        )
        + "\n"
    )
    assert tradeperf("report", str(bad), "--out", "bad").code == 0
    assert tradeperf("report", str(new), "--out", "rep2").code == 0
    assert _net(tmp_path / "rep2") == (Decimal("7.5"), False)
