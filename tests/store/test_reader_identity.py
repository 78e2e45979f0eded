"""A file's reader options are part of its identity, and an appended read leaves no stale
rejects: what the store holds is what one clean read of the file as it is now would give."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc

from tradeperf.ingest.assemble import parse_mapping
from tradeperf.ingest.options import ReadOptions
from tradeperf.pipeline import ingest_paths
from tradeperf.store import Store, open_store


def _trade(i: int) -> str:
    return json.dumps(
        {
            "trade_id": f"t{i}",
            "symbol": "X",
            "side": "long",
            "entry_time": "2024-03-01T10:00:00Z",
            "exit_time": "2024-03-01T11:00:00Z",
            "quantity": "1",
            "entry_price": "100",
            "exit_price": "101",
            "fees": "0",
            "net_pnl": f"{i}.5",
        }
    )


def _net_pnl(store: Store) -> Decimal:
    return sum((Decimal(str(v)) for v in store.trades().column("net_pnl").to_pylist()), Decimal())


def test_unfinished_last_line_completed_later_leaves_no_stale_reject(
    store_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bot.jsonl"
    last = _trade(4)
    log.write_text("\n".join(_trade(i) for i in range(1, 4)) + "\n" + last[:25])
    with open_store(store_url) as store:
        first = ingest_paths(store, [log])
        assert (first.rows_read, first.rejected_rows) == (3, 1)
        assert [r["line"] for r in store.quarantine().to_pylist()] == [4]
        with log.open("a") as f:
            f.write(last[25:] + "\n")
        second = ingest_paths(store, [log])
        assert second.files_appended == 1
        assert (second.rows_read, second.rejected_rows) == (1, 0)
        assert store.quarantine().num_rows == 0
        entry = store.source_entry(str(log.resolve()))
        assert entry is not None
        assert (entry.rows, entry.rejected) == (4, 0)
        assert store.info().rejected_rows == 0
        assert _net_pnl(store) == Decimal("1.5") + Decimal("2.5") + Decimal("3.5") + Decimal("4.5")


def _csv(path: Path) -> Path:
    rows = ["trade_id,symbol,exit_time,net_pnl,alt_pnl"]
    rows += [f"c{i},X,2024-03-0{i}T12:00:00Z,{i}.25,{i * 10}" for i in range(1, 4)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_changed_column_mapping_reads_the_file_again(store_url: str, tmp_path: Path) -> None:
    path = _csv(tmp_path / "trades.csv")
    mapped = ReadOptions(mapping=parse_mapping("net_pnl=alt_pnl"))
    with open_store(store_url) as store:
        ingest_paths(store, [path])
        assert _net_pnl(store) == Decimal("6.75")
        again = ingest_paths(store, [path], options=mapped)
        assert (again.files_read, again.files_skipped) == (1, 0)
        assert store.trades().num_rows == 3
        assert _net_pnl(store) == Decimal("60")
        # the same options again: unchanged, skipped
        assert ingest_paths(store, [path], options=mapped).files_skipped == 1
        # back to no mapping: read again
        ingest_paths(store, [path])
        assert _net_pnl(store) == Decimal("6.75")


def test_changed_decimal_mark_reads_the_file_again(store_url: str, tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    # "1.170" alone is ambiguous: read with a decimal point unless told otherwise
    path.write_text(
        "trade_id;symbol;exit_time;net_pnl\nd1;X;2024-03-01T12:00:00Z;1.170\n"
        "d2;X;2024-03-02T12:00:00Z;2.500\n"
    )
    with open_store(store_url) as store:
        ingest_paths(store, [path])
        assert _net_pnl(store) == Decimal("3.67")
        ingest_paths(store, [path], options=ReadOptions(decimal=","))
        assert _net_pnl(store) == Decimal("3670")


def test_grown_utf16_log_is_read_again_whole(store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "bot.jsonl"
    log.write_bytes(("\n".join(_trade(i) for i in range(1, 3)) + "\n").encode("utf-16"))
    with open_store(store_url) as store:
        assert ingest_paths(store, [log]).rows_read == 2
        text = "\n".join(_trade(i) for i in range(1, 5)) + "\n"
        log.write_bytes(text.encode("utf-16"))
        grown = ingest_paths(store, [log])
        assert (grown.files_appended, grown.rejected_rows) == (0, 0)
        assert store.trades().num_rows == 4
        assert pc.sum(store.trades().column("quantity")).as_py() == 4
