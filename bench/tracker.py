"""Tracker benchmark: events per second and latency per event, in memory and with a store.

Run: ``python bench/tracker.py`` (1M mixed events of `tradeperf.sample.generate_events`:
fills, marks, funding), or ``python bench/tracker.py --events 200000``.

Each event is recorded as a bot records it (``record_fill``, ``mark``, ``record_funding``
with the record object), timed one by one with ``perf_counter_ns``; the structured log is at
its default level (WARNING: per-event lines are DEBUG and not formatted). Modes:

- ``memory``: ``Tracker()`` (its in-memory store, flushed by the background thread every second);
- ``duckdb``: ``Tracker("duckdb://FILE")``, flushed every second and at ``close``;
- ``reference``: the bare incremental ledger (`tradeperf.ledger.Ledger.apply`) over the same
  events: the floor the tracker's own work (equity, peak, periods, groups, queueing,
  listeners, the lock) adds to.

The table gives events/s (including the final flush for the stores), p50/p99/max latency in
µs, and the ratio of events/s to the issue's goals (100k/s in memory with p99 < 100 µs,
50k/s with a store) and to the reference.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "src"))

from tradeperf.ledger import Ledger
from tradeperf.records import Fill, FundingPayment, Mark
from tradeperf.sample import generate_events
from tradeperf.tracker import Tracker


def _run(tracker: Tracker, events: list[object]) -> tuple[float, np.ndarray]:
    lat = np.empty(len(events), dtype=np.int64)
    clock = time.perf_counter_ns
    record_fill, mark, funding = tracker.record_fill, tracker.mark, tracker.record_funding
    start = time.perf_counter()
    for i, e in enumerate(events):
        t = clock()
        kind = type(e)
        if kind is Fill:
            record_fill(e)
        elif kind is Mark:
            mark(e)
        else:
            funding(e)
        lat[i] = clock() - t
    tracker.close()  # the last flush counts
    return time.perf_counter() - start, lat


def _reference(events: list[object]) -> tuple[float, np.ndarray]:
    led = Ledger(keep_history=False)
    lat = np.empty(len(events), dtype=np.int64)
    clock = time.perf_counter_ns
    start = time.perf_counter()
    for i, e in enumerate(events):
        t = clock()
        led.apply(e)  # type: ignore[arg-type]
        lat[i] = clock() - t
    return time.perf_counter() - start, lat


def main() -> None:
    """Run the modes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    t = time.perf_counter()
    gc.disable()
    events = list(generate_events(args.events, seed=7))
    gc.enable()
    gc.freeze()  # the events live all run: the collector need not scan them
    made = time.perf_counter() - t
    kinds = {k.__name__: sum(type(e) is k for e in events) for k in (Fill, Mark, FundingPayment)}
    print(f"{len(events):,} events ({kinds}), generated in {made:.1f} s")
    ref_s, ref_lat = _reference(events)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        modes = {
            "memory": (lambda: Tracker(), 100_000),
            "duckdb": (lambda: Tracker(f"duckdb://{Path(tmp) / 'bench.duckdb'}"), 50_000),
        }
        for name, (make, goal) in modes.items():
            seconds, lat = _run(make(), events)
            rate = len(events) / seconds
            us = lat / 1000
            rows.append(
                f"| {name} | {rate:,.0f} | {np.percentile(us, 50):.1f} | "
                f"{np.percentile(us, 99):.1f} | {us.max():,.0f} | {rate / goal:.2f} | "
                f"{rate / (len(events) / ref_s):.2f} |"
            )
    ref_us = ref_lat / 1000
    rows.append(
        f"| reference (Ledger.apply) | {len(events) / ref_s:,.0f} | "
        f"{statistics.median(ref_us):.1f} | {np.percentile(ref_us, 99):.1f} | "
        f"{ref_us.max():,.0f} | | 1.00 |"
    )
    print("| mode | events/s | p50 µs | p99 µs | max µs | × goal | × reference |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
