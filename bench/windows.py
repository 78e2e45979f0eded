"""Windows, breakdowns and series benchmark: in-process times over 5 years of stored trades.

Run: ``python bench/windows.py`` (548k closed trades over 5 years, ingested once into a
DuckDB store under a temporary folder, not timed) or ``python bench/windows.py --trades
50000``. Each row is the median of 5 calls of `tradeperf.analytics.summary.summarize` in one
process after one warm-up call (the store open), against the goal of issue 17: ``--last 20``
and a trailing day within 50 ms, a 30-day rolling Sharpe series within 50 ms, a breakdown
by hour or weekday within 200 ms (over whole days: from kept partials). The
reference row is the summary merged from the partials (no trade read), the floor a summary
with an edge inside a day cannot go below without reading trades.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from books import trades_table
from tradeperf.analytics.summary import SummaryRequest, summarize
from tradeperf.pipeline import ingest_paths
from tradeperf.store import open_store

RUNS = 5


def _median(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    """Ingest the trades, time each summary, print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trades", type=int, default=548_000, help="closed trades over 5 years")
    n = ap.parse_args().trades
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trades.parquet"
        table = trades_table(n, days=5 * 365 + 1, seed=2)
        pq.write_table(table, path)
        end = table.column("exit_time")[-1].as_py() + dt.timedelta(seconds=1)
        url = f"duckdb://{Path(tmp) / 'store.duckdb'}"
        with open_store(url) as store:
            ingest_paths(store, [path])
            lean = {"windows": (), "breakdowns": False, "series": False}
            rows = [
                ("summary from the partials (reference)", SummaryRequest(**lean), None),
                ("--last 20", SummaryRequest(last=20, **lean), 0.050),
                (
                    "--since 24h (the last day of the data)",
                    SummaryRequest(since=end - dt.timedelta(hours=24), until=end, **lean),
                    0.050,
                ),
                ("--by hour", SummaryRequest(by=("hour",), **lean), 0.200),
                ("--by weekday", SummaryRequest(by=("weekday",), **lean), 0.200),
                ("--by exit_reason", SummaryRequest(by=("exit_reason",), **lean), None),
                (
                    "--by hour --since 30d (engine partials)",
                    SummaryRequest(
                        by=("hour",), since=end - dt.timedelta(days=30), until=end, **lean
                    ),
                    None,
                ),
                (
                    "--rolling sharpe_ratio:30d (series)",
                    SummaryRequest(windows=(), breakdowns=False, rolling=("sharpe_ratio:30d",)),
                    0.050,
                ),
                (
                    "summary with the daily series (partials)",
                    SummaryRequest(windows=(), breakdowns=True, series=True),
                    None,
                ),
            ]
            # the first ask of a breakdown the store keeps partials of builds them (once)
            t = time.perf_counter()
            summarize(store, SummaryRequest(by=("hour",), **lean))
            built = time.perf_counter() - t
            took = {label: _median(lambda r=req: summarize(store, r)) for label, req, _ in rows}
    ref = took[rows[0][0]]
    print(f"{'measure':<48} | {'ms':>9} | {'ratio to reference':>18} | {'goal':>8} | met?")
    print("-" * 48 + "-+-" + "-" * 9 + "-+-" + "-" * 18 + "-+-" + "-" * 8 + "-+-----")
    for label, _, goal in rows:
        t = took[label]
        met = "" if goal is None else ("yes" if t <= goal else "no")
        g = "" if goal is None else f"{goal * 1000:.0f} ms"
        print(f"{label:<48} | {t * 1000:9.1f} | {t / ref:17.2f}x | {g:>8} | {met}")
    print(f"({n:,} closed trades over 5 years, DuckDB store, in-process median of {RUNS}; the")
    print(f" first --by hour built the kept partials by hour in {built * 1000:.0f} ms, once)")


if __name__ == "__main__":
    main()
