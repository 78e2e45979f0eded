"""Quotes and public trades as record kinds: detection, validation, identity in the store."""

from __future__ import annotations

from pathlib import Path

from tradeperf import pipeline
from tradeperf.ingest import read_source
from tradeperf.records import RecordKind
from tradeperf.store import open_store

TRADES = "timestamp,symbol,trade_id,price,quantity,aggressor\n"


def test_quotes_file_is_detected_and_bad_rows_named(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        "time,instrument,bid_price,ask_price,bid_qty,ask_qty\n"
        "2026-01-01T00:00:00Z,X,10,11,1,2\n"
        "2026-01-01T00:00:01Z,X,0,11.5,0,2\n"  # a one-sided row: the bid is absent
        "2026-01-01T00:00:02Z,X,-1,11,1,1\n"
        "2026-01-01T00:00:03Z,X,0,0,1,1\n"
        "2026-01-01T00:00:04,X,10,11,1,1\n",  # a naive time in a file: read as UTC
        encoding="utf-8",
    )
    read = read_source(path)
    assert read.kind is RecordKind.QUOTES
    assert read.table.column("bid").to_pylist() == [10.0, None, 10.0]
    assert [(r.line, r.field) for r in read.rejected] == [(4, "bid"), (5, "bid")]


def test_repeated_public_trade_is_one_record_and_a_conflict_is_never_silent(
    store_url: str, tmp_path: Path
) -> None:
    a, b, c = (tmp_path / n for n in ("a.csv", "b.csv", "c.csv"))
    row = "2026-01-01T00:00:00Z,X,7,100.5,2,BUY\n"
    a.write_text(TRADES + row, encoding="utf-8")
    b.write_text(TRADES + row, encoding="utf-8")
    c.write_text(TRADES + row.replace("100.5", "100.6"), encoding="utf-8")
    with open_store(store_url) as store:
        pipeline.ingest_paths(store, [a, b])
        assert store._fetch("SELECT count(*) FROM public_trades")[0][0] == 1
        pipeline.ingest_paths(store, [c])
        assert store._fetch("SELECT count(*) FROM public_trades")[0][0] == 0
        # the stored version and the new one, each quarantined at its own file and line
        assert store._fetch("SELECT count(*) FROM conflicts_public_trades")[0][0] == 2
        where = store._fetch("SELECT source, line, reason FROM quarantine ORDER BY source")
        assert [Path(s).name for s, _, _ in where] == ["a.csv", "c.csv"]
        assert all(line == 2 and "conflicting" in reason for _, line, reason in where)
