"""Record identity: an exact repeat counts once, a conflict is never silent and never depends
on the order in which files are read; `Store.forget` settles a conflict."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import _pg_schema_url
from tradeperf.pipeline import ingest_paths
from tradeperf.records import RecordKind
from tradeperf.store import Store, open_store


def _trade(trade_id: str, pnl: str, day: int = 1) -> dict[str, str]:
    return {
        "trade_id": trade_id,
        "symbol": "BTCUSDT",
        "side": "long",
        "entry_time": f"2024-03-{day:02d}T10:00:00Z",
        "exit_time": f"2024-03-{day:02d}T11:00:00Z",
        "net_pnl": pnl,
    }


def _log(path: Path, trades: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in trades))
    return path


def _pnl(store: Store) -> dict[str, Decimal]:
    t = store.trades()
    return dict(zip(t.column("trade_id").to_pylist(), t.column("net_pnl").to_pylist(), strict=True))


def _partials_pnl(store: Store) -> Decimal:
    return sum((r["net_pnl"] for r in store.partials("UTC").to_pylist()), Decimal(0))


def _conflicts(store: Store) -> list[tuple[str, int]]:
    rows = store.quarantine().to_pylist()
    return sorted((Path(r["source"]).name, r["line"]) for r in rows if "conflicting" in r["reason"])


@pytest.fixture(params=["duckdb", "postgres"])
def store_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Three fresh stores on one backend."""
    if request.param == "duckdb":
        yield [f"duckdb://{tmp_path / f'store{i}.duckdb'}" for i in range(3)]
        return
    schemas = [_pg_schema_url() for _ in range(3)]
    urls = [next(s) for s in schemas]
    yield urls
    for s in schemas:
        next(s, None)


def test_conflicting_duplicate_is_left_out_in_every_order(
    store_urls: list[str], tmp_path: Path
) -> None:
    a = _log(tmp_path / "a.jsonl", [_trade("t1", "10"), _trade("t2", "5")])
    b = _log(tmp_path / "b.jsonl", [_trade("t3", "1", day=2), _trade("t1", "20")])
    # a then b, b then a (separate runs), and both in one run
    plans = [[[a], [b]], [[b], [a]], [[a, b]]]
    for url, plan in zip(store_urls, plans, strict=True):
        with open_store(url) as store:
            for files in plan:
                ingest_paths(store, files)
            # neither version of t1 counts; each is quarantined at its own place
            assert _pnl(store) == {"t2": Decimal(5), "t3": Decimal(1)}
            assert _partials_pnl(store) == Decimal(6)
            assert _conflicts(store) == [("a.jsonl", 1), ("b.jsonl", 2)]
            assert store.info().rejected_rows == 2  # so a summary says it is partial


def test_exact_repeat_in_a_rotated_log_counts_once(store_url: str, tmp_path: Path) -> None:
    a = _log(tmp_path / "bot.log.1", [_trade("t1", "10"), _trade("t2", "5")])
    b = _log(tmp_path / "bot.log", [_trade("t2", "5"), _trade("t3", "1"), _trade("t3", "1")])
    with open_store(store_url) as store:
        ingest_paths(store, [a, b])
        assert _pnl(store) == {"t1": Decimal(10), "t2": Decimal(5), "t3": Decimal(1)}
        assert store.quarantine().num_rows == 0
        assert _partials_pnl(store) == Decimal(16)


def test_forget_settles_a_conflict(store_url: str, tmp_path: Path) -> None:
    a = _log(tmp_path / "a.jsonl", [_trade("t1", "10"), _trade("t2", "5")])
    b = _log(tmp_path / "b.jsonl", [_trade("t1", "20")])
    with open_store(store_url) as store:
        ingest_paths(store, [a, b])
        assert "t1" not in _pnl(store)
        removed = store.forget([str(b.resolve())])
        assert removed["restored"] == 1
        assert removed["quarantine"] == 1
        assert _pnl(store) == {"t1": Decimal(10), "t2": Decimal(5)}
        assert _partials_pnl(store) == Decimal(15)
        assert store.quarantine().num_rows == 0
        assert store.source_entry(str(b.resolve())) is None
        # ingesting it again brings the conflict back
        ingest_paths(store, [b])
        assert _pnl(store) == {"t2": Decimal(5)}
        assert _conflicts(store) == [("a.jsonl", 1), ("b.jsonl", 1)]


def test_a_corrected_file_read_again_ends_the_conflict(store_url: str, tmp_path: Path) -> None:
    a = _log(tmp_path / "a.jsonl", [_trade("t1", "10")])
    b = _log(tmp_path / "b.csv.jsonl", [_trade("t1", "20"), _trade("t2", "3")])
    with open_store(store_url) as store:
        ingest_paths(store, [a, b])
        assert _pnl(store) == {"t2": Decimal(3)}
        _log(b, [_trade("t1", "10"), _trade("t2", "3"), _trade("t4", "1")])
        ingest_paths(store, [b])
        assert _pnl(store) == {"t1": Decimal(10), "t2": Decimal(3), "t4": Decimal(1)}
        assert store.quarantine().num_rows == 0
        assert _partials_pnl(store) == Decimal(14)


def test_a_later_copy_of_a_conflicted_record_joins_the_conflict(
    store_url: str, tmp_path: Path
) -> None:
    a = _log(tmp_path / "a.jsonl", [_trade("t1", "10")])
    b = _log(tmp_path / "b.jsonl", [_trade("t1", "20")])
    c = _log(tmp_path / "c.jsonl", [_trade("t1", "10"), _trade("t9", "2")])
    with open_store(store_url) as store:
        ingest_paths(store, [a, b])
        ingest_paths(store, [c])
        assert _pnl(store) == {"t9": Decimal(2)}
        assert _conflicts(store) == [("a.jsonl", 1), ("b.jsonl", 1), ("c.jsonl", 1)]
        # taking out the odd one out leaves two versions that agree: t1 counts again
        assert store.forget([str(b.resolve())])["restored"] == 1
        assert _pnl(store) == {"t1": Decimal(10), "t9": Decimal(2)}
        assert store.quarantine().num_rows == 0


def test_conflicting_fills_are_left_out(store_url: str, tmp_path: Path) -> None:
    header = "fill_id,timestamp,symbol,side,quantity,price\n"
    a = tmp_path / "a.csv"
    a.write_text(
        header + "f1,2024-03-01T10:00:00Z,ES,BUY,1,100\nf2,2024-03-01T11:00:00Z,ES,SELL,1,101\n"
    )
    b = tmp_path / "b.csv"
    b.write_text(header + "f2,2024-03-01T11:00:00Z,ES,SELL,1,105\n")
    for order in itertools.permutations([a, b]):
        with open_store(store_url) as store:
            for path in order:
                ingest_paths(store, [path])
            fills = store.records(RecordKind.FILLS)
            assert fills.column("fill_id").to_pylist() == ["f1"]
            assert _conflicts(store) == [("a.csv", 3), ("b.csv", 2)]
            store.forget([str(p.resolve()) for p in order])
