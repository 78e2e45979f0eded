"""A tracker with a store: restart, SIGKILL, threads, object-store snapshots, history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from tests.tracker.events import T0, exact_view, feed, stream

from tradeperf.errors import ConfigError, StoreError
from tradeperf.records import Fill, Mark, RecordKind
from tradeperf.store import open_store
from tradeperf.tracker import Tracker, TrackerInputError

NOW = T0 + dt.timedelta(days=3)


def _memory(records: list[object]) -> dict[str, object]:
    with Tracker(capital=5000, flush_interval=0) as serial:
        feed(serial, records)
        return exact_view(serial.snapshot(now=NOW))


def test_a_restarted_tracker_goes_on_exactly(store_url: str) -> None:
    records = stream(1200)
    with Tracker(store_url, capital=5000, flush_interval=0, batch_size=97) as first:
        feed(first, records[:700])
    again = Tracker(store_url, capital=5000, flush_interval=0)
    try:
        assert exact_view(again.snapshot(now=NOW)) == _memory(records[:700])
        feed(again, records[700:])
        assert exact_view(again.snapshot(now=NOW)) == _memory(records)
        restarted = again.metrics()
    finally:
        again.close()
    with Tracker(capital=5000, flush_interval=0) as serial:
        feed(serial, records)
        assert restarted == serial.metrics()
    with open_store(store_url) as store:  # every record stored once
        fills = store.records(RecordKind.FILLS)
        assert fills.num_rows == sum(type(r) is Fill for r in records)
        assert store.records(RecordKind.MARKS).num_rows == sum(type(r) is Mark for r in records)


def test_a_restart_recognises_a_fill_sent_again(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    f = Fill("x1", T0, "X", "BUY", Decimal(1), Decimal(10))
    with Tracker(url, flush_interval=0) as first:
        first.record_fill(f)
    with Tracker(url, flush_interval=0) as again:
        again.record_fill(f)  # a bot retrying after its restart
        assert again.snapshot(now=NOW)["positions"][0]["quantity"] == 1
        with pytest.raises(Exception, match="known with other content"):
            again.record_fill(Fill("x1", T0, "X", "BUY", Decimal(2), Decimal(10)))


@pytest.mark.parametrize("field", ["symbol", "strategy", "fill_id"])
def test_a_control_character_is_refused_and_the_store_goes_on(tmp_path: Path, field: str) -> None:
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    good = {"symbol": "X", "side": "buy", "quantity": 1, "price": 10, "timestamp": T0}
    with Tracker(url, flush_interval=0) as tracker:
        tracker.record_fill(**good, fill_id="a")
        with pytest.raises(TrackerInputError, match=field):
            tracker.record_fill(**{**good, "fill_id": "b", field: "X\x00Y"})
        tracker.record_fill(**{**good, "timestamp": T0 + dt.timedelta(seconds=1)}, fill_id="c")
        assert tracker.flush() >= 0
    with open_store(url) as store:
        ids = sorted(store.records(RecordKind.FILLS).column("fill_id").to_pylist())
    assert ids == ["a", "c"]


def test_a_restart_with_other_books_is_refused(tmp_path: Path) -> None:
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    with Tracker(url, flush_interval=0, cost_basis="lifo") as first:
        feed(first, stream(20))
    with pytest.raises(ConfigError, match="keeps lifo books"):
        Tracker(url, flush_interval=0)
    with Tracker(url, flush_interval=0, cost_basis="lifo", name="other") as other:
        assert other.snapshot(now=NOW)["trades"] == 0  # another name, its own books


_CHILD = textwrap.dedent(
    """
    import sys
    from tests.tracker.events import feed, stream
    from tradeperf.tracker import Tracker, TrackerInputError

    url, n = sys.argv[1], int(sys.argv[2])
    records = stream(n)
    tracker = Tracker(url, capital=5000, flush_interval=0.02, batch_size=50)
    for i, r in enumerate(records, start=1):
        feed(tracker, [r])
        if i % 400 == 0:
            tracker.flush()
            print("flushed", i, flush=True)
    print("done", flush=True)
    import time
    time.sleep(60)  # killed before
    """
)


def test_sigkill_loses_at_most_the_unflushed_batch(store_url: str, tmp_path: Path) -> None:
    n = 3000
    script = tmp_path / "child.py"
    script.write_text(_CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    child = subprocess.Popen(
        [sys.executable, str(script), store_url, str(n)],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert child.stdout is not None
    flushed = 0
    for line in child.stdout:
        if line.startswith("flushed"):
            flushed = int(line.split()[1])
            if flushed >= 1600:
                break
    time.sleep(0.03)  # the background flusher may write some more
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert flushed >= 1600
    records = stream(n)
    with Tracker(store_url, capital=5000, flush_interval=0) as again:
        kept = again._sequence  # the records the store holds
        assert flushed <= kept <= n
        assert exact_view(again.snapshot(now=NOW)) == _memory(records[:kept])
        figures = again.metrics()  # the store reads whole: nothing half-written
        feed(again, records[kept:])
        assert exact_view(again.snapshot(now=NOW)) == _memory(records)
    assert figures["trades"] >= 1
    with open_store(store_url) as store:
        fills = store.records(RecordKind.FILLS).num_rows
        assert fills == sum(type(r) is Fill for r in records)


def test_many_threads_record_at_once_and_totals_equal_a_serial_run(store_url: str) -> None:
    """Eight threads, each its own symbols, the flusher writing meanwhile: every figure equals
    one thread's run, and the store holds each record once."""
    parts = [stream(400, seed=s, symbols=(f"S{s}a", f"S{s}b"), prefix=f"t{s}-") for s in range(8)]
    with Tracker(store_url, capital=5000, flush_interval=0.01, batch_size=64) as shared:
        barrier = threading.Barrier(len(parts))

        def run(records: list[object]) -> None:
            barrier.wait()
            feed(shared, records)

        threads = [threading.Thread(target=run, args=(p,)) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        live = shared.snapshot(now=NOW)
        live_figures = shared.metrics()
    with Tracker(capital=5000, flush_interval=0) as serial:
        for p in parts:
            feed(serial, p)
        ref = serial.snapshot(now=NOW)
        ref_figures = serial.metrics()
    for key in ("equity", "realized_pnl", "unrealized_pnl", "fees", "funding", "trades",
                "wins", "positions", "by_strategy", "by_symbol"):  # fmt: skip
        assert live[key] == ref[key], key
    assert live_figures["net_pnl"] == ref_figures["net_pnl"]
    assert live_figures["trades"] == ref_figures["trades"]
    with open_store(store_url) as store:
        fills = store.records(RecordKind.FILLS).num_rows
    assert fills == sum(type(r) is Fill for p in parts for r in p)


def test_threads_on_one_symbol_keep_cash_and_inventory_exact() -> None:
    """Interleaving changes which lots close, never the money: equity and fees are exact."""
    same = T0 + dt.timedelta(hours=1)  # a position's fills come in time order (docs/tracker.md)
    parts = [stream(300, seed=s, symbols=("X",), prefix=f"t{s}-") for s in range(4)]
    parts = [[dataclasses.replace(r, timestamp=same) for r in p if type(r) is Fill] for p in parts]
    final = Mark(T0 + dt.timedelta(days=2), "X", Decimal(150))
    with Tracker(capital=5000, flush_interval=0) as shared:
        threads = [threading.Thread(target=feed, args=(shared, p)) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        shared.mark(final)
        live = shared.snapshot(now=NOW)
    with Tracker(capital=5000, flush_interval=0) as serial:
        for p in parts:
            feed(serial, p)
        serial.mark(final)
        ref = serial.snapshot(now=NOW)
    assert live["equity"] == ref["equity"]
    assert live["fees"] == ref["fees"]
    assert live["positions"][0]["quantity"] == ref["positions"][0]["quantity"]


@pytest.mark.parametrize("where", ["memory", "folder"])
def test_state_to_an_object_store_and_back(where: str, tmp_path: Path) -> None:
    url = "memory://bots/state.json" if where == "memory" else f"file://{tmp_path}/state.json"
    records = stream(500)
    with Tracker(capital=5000, flush_interval=0) as first:
        feed(first, records[:300])
        first.save(url)
    import fsspec

    with fsspec.open(url, "r") as fh:
        doc = json.load(fh)
    assert doc["format"] == "tradeperf.tracker/1"
    assert doc["sequence"] == 300
    with Tracker.load(url, flush_interval=0) as again:
        assert again.capital == 5000
        feed(again, records[300:])
        assert exact_view(again.snapshot(now=NOW)) == _memory(records)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "pickle"}', encoding="utf-8")
    with pytest.raises(StoreError, match="not a tracker state"):
        Tracker.load(str(bad))


@pytest.mark.parametrize("how", ["arguments", "config file"])
def test_snapshots_over_time_with_retention(tmp_path: Path, how: str) -> None:
    clock = [dt.datetime(2024, 6, 1, 10, 0, 5, tzinfo=dt.UTC)]
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    options: dict[str, object] = {"flush_interval": 0, "retention": {"minute": "2h"}}
    if how == "config file":  # the [tracker] table, as a bot's tradeperf.toml gives it
        config = tmp_path / "tradeperf.toml"
        config.write_text(
            'capital = 100\n[tracker]\nflush_interval = 0\n[tracker.retention]\nminute = "2h"\n'
            'day = "forever"\n'
        )
        options = {"config_file": config}
    else:
        options["capital"] = 100
    with Tracker(url, clock=lambda: clock[0], **options) as tracker:  # type: ignore[arg-type]
        assert tracker._thread is None  # flush_interval = 0: no background flush
        for i in range(6):  # one record and a flush every 30 minutes
            tracker.mark("X", 10 + i, clock[0])
            if i == 0:
                tracker.record_fill(symbol="X", side="buy", quantity=1, price=10,
                                    timestamp=clock[0], fill_id="1")  # fmt: skip
            tracker.flush()
            clock[0] += dt.timedelta(minutes=30)
        minutes = tracker.history("minute")
        hours = tracker.history("hour")
        days = tracker.history("day")
    # flushes at 10:00:05 ... 12:30:05 and (history) 13:00:05: the minute snapshots of the
    # last 2 hours are those from 11:00:05 on
    assert [m["bucket"][11:16] for m in minutes] == ["11:30", "12:00", "12:30", "13:00"]
    assert [Decimal(m["equity"]) for m in minutes] == [103, 104, 105, 105]
    assert [h["bucket"][11:16] for h in hours] == ["10:00", "11:00", "12:00", "13:00"]
    assert [Decimal(h["equity"]) for h in hours] == [101, 103, 105, 105]  # each hour's last
    assert len(days) == 1
    assert Decimal(days[0]["equity"]) == 105


def test_an_in_memory_tracker_writes_its_records_when_needed(monkeypatch) -> None:
    from tradeperf.tracker import live

    monkeypatch.setattr(live, "MEMORY_BACKLOG", 8)

    def stored(tracker: Tracker) -> int:
        with tracker._store_lock:  # the flusher uses the store's connection too
            return tracker._store.records(RecordKind.FILLS).num_rows

    fills = [
        Fill(f"m{i}", T0 + dt.timedelta(seconds=i), "X", "BUY" if i % 2 == 0 else "SELL",
             Decimal(1), Decimal(100 + i))
        for i in range(20)
    ]  # fmt: skip
    with Tracker(flush_interval=0.01, capital=1000) as tracker:
        for f in fills[:5]:
            tracker.record_fill(f)
        time.sleep(0.2)  # flushes run: snapshots are taken, five records keep waiting
        assert stored(tracker) == 0
        assert tracker.history("minute")  # a query writes them
        assert stored(tracker) == 5
        for f in fills[5:]:
            tracker.record_fill(f)
        deadline = time.monotonic() + 10
        while stored(tracker) < 13:  # the backlog of 8
            assert time.monotonic() < deadline, "the backlog was not written"
            time.sleep(0.01)
        assert tracker.metrics()["trades"] == 10  # every round trip, the waiting ones too
