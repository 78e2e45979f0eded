"""Benchmark: the store on DuckDB and PostgreSQL against a bare DuckDB scan of Parquet.

Run ``python bench/store.py`` (PostgreSQL from ``TRADEPERF_BENCH_PG`` or ``TRADEPERF_TEST_PG``,
a throwaway schema is created and dropped; without either only DuckDB runs). Data is generated
(seeded) in a temporary folder, never committed. Measures:

- backfill of 30k trades from one JSONL, CSV and Parquet file (read, validate, write, and
  the daily partials), in rows/s;
- the floor: a bare DuckDB query scanning and aggregating the same Parquet file
  (count and sum of net P&L per strategy, symbol and day);
- summaries from 5 years of stored partials (about 55k trades): one week, one month, and the
  whole `summarize_partials` with weekly or monthly windows (median of repeats), beside the
  direct `summarize_trades` that loads every trade;
- the backfill of a 1M-line log (``--log-lines``), the re-ingest after appending 1,000 lines
  to it, and the re-ingest of it unchanged;
- ingest of 1M fills (``--fills N``; add ``--ten-million`` for 10M) from Parquet, CSV and
  JSONL into the store, in rows/s.

Goals (issue 5): backfill of 30k trades < 0.3 s on DuckDB; a window summary from partials
< 20 ms median. Prints one table; the ratio column is the time over the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ingest import fills_table, write_table
from tradeperf.analytics.partials import DailyPartials, figures, summarize_partials
from tradeperf.analytics.summary import SummaryRequest, summarize_trades
from tradeperf.analytics.windows import WindowKind
from tradeperf.pipeline import ingest_paths
from tradeperf.store import open_store

T0 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
#: Backfills of the 30k trades per format and backend (the median is reported).
BACKFILL_REPEATS = 5


def trade_rows(n: int, *, days: int, seed: int, prefix: str = "t") -> list[dict[str, str]]:
    """``n`` closed trades in the canonical layout spread over ``days`` days, in exit order."""
    rng = np.random.default_rng(seed)
    exits = np.sort(rng.integers(0, days * 86_400, n))
    held = rng.integers(5, 7200, n)
    pnl = np.round(rng.standard_t(3, n) * 12.0, 2)
    strategies = rng.choice(["mr", "bo", "nm"], n)
    symbols = rng.choice(["BTC-USD", "ETH-USD", "SOL-USD", "AAPL", "TSLA"], n)
    out = []
    for i in range(n):
        exit_at = T0 + dt.timedelta(seconds=int(exits[i]))
        out.append(
            {
                "trade_id": f"{prefix}{i}",
                "strategy": str(strategies[i]),
                "symbol": str(symbols[i]),
                "side": "long",
                "status": "CLOSED",
                "entry_time": (exit_at - dt.timedelta(seconds=int(held[i]))).isoformat(),
                "exit_time": exit_at.isoformat(),
                "quantity": "1.5",
                "entry_price": "100.25",
                "exit_price": "101.5",
                "fees": "0.35",
                "net_pnl": f"{pnl[i]:.2f}",
            }
        )
    return out


def write_jsonl(path: Path, rows: list[dict[str, str]], mode: str = "w") -> None:
    with path.open(mode) as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def median_ms(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def fresh_pg(base: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as con:
        con.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fills", type=int, default=1_000_000, help="fills to ingest (0: skip)")
    ap.add_argument("--ten-million", action="store_true", help="also ingest 10M fills")
    ap.add_argument(
        "--log-lines", type=int, default=1_000_000, help="lines of the log appended to (0: skip)"
    )
    ap.add_argument("--backend", choices=["duckdb", "postgres", "both"], default="both")
    args = ap.parse_args()
    pg = os.environ.get("TRADEPERF_BENCH_PG") or os.environ.get("TRADEPERF_TEST_PG")
    work = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    rows = trade_rows(30_000, days=365, seed=1)
    table = pa.Table.from_pylist(rows)
    files = {
        "jsonl": work / "trades.jsonl",
        "csv": work / "trades.csv",
        "parquet": work / "trades.parquet",
    }
    write_jsonl(files["jsonl"], rows)
    pacsv.write_csv(table, files["csv"])
    typed = table.set_column(
        table.column_names.index("net_pnl"),
        "net_pnl",
        table.column("net_pnl").cast(pa.decimal128(18, 2)),
    )
    pq.write_table(typed, files["parquet"])
    history = trade_rows(55_000, days=5 * 365 + 1, seed=2, prefix="h")
    write_jsonl(work / "history.jsonl", history)
    big = work / "big.jsonl"
    if args.log_lines:
        write_jsonl(big, trade_rows(args.log_lines, days=365, seed=3, prefix="b"))
    log_label = f"{args.log_lines / 1e6:g}M" if args.log_lines >= 1e6 else f"{args.log_lines:,}"
    extra = trade_rows(1_000, days=1, seed=4, prefix="x")

    results: list[tuple[str, str, float, str]] = []  # (what, backend, ms, note)

    con = duckdb.connect()
    floor_sql = (
        f"SELECT strategy, symbol, CAST(exit_time AS DATE) AS day, count(*), sum(net_pnl) "
        f"FROM read_parquet('{files['parquet']}') GROUP BY ALL"
    )
    floor = median_ms(lambda: con.sql(floor_sql).fetchall(), 7)
    results.append(("floor: DuckDB scan+aggregate of the Parquet file", "duckdb", floor, "30k"))

    backends: list[tuple[str, Callable[[], tuple[str, Callable[[], None]]]]] = []
    if args.backend in ("duckdb", "both"):
        backends.append(
            ("duckdb", lambda: (f"duckdb://{work / f'{uuid.uuid4().hex}.duckdb'}", lambda: None))
        )
    if pg and args.backend in ("postgres", "both"):
        backends.append(("postgres", lambda: fresh_pg(pg)))

    for name, make in backends:
        for fmt, path in files.items():
            times = []
            for _ in range(BACKFILL_REPEATS):  # each into a new store
                url, drop = make()
                with open_store(url) as store:
                    t = time.perf_counter()
                    report = ingest_paths(store, [path])
                    times.append((time.perf_counter() - t) * 1e3)
                drop()
            took = statistics.median(times)
            rate = report.rows_new / (took / 1e3)
            note = f"{rate:,.0f} rows/s; min {min(times):.0f}, max {max(times):.0f} ms"
            results.append((f"backfill 30k trades from {fmt} (median)", name, took, note))

        url, drop = make()
        with open_store(url) as store:
            t = time.perf_counter()
            ingest_paths(store, [work / "history.jsonl"])
            took = (time.perf_counter() - t) * 1e3
            results.append(("backfill 55k trades over 5 years (jsonl)", name, took, ""))
            last_week = (dt.date(2024, 12, 23), dt.date(2024, 12, 29))
            last_month = (dt.date(2024, 12, 1), dt.date(2024, 12, 31))
            for label, (lo, hi) in (("one week", last_week), ("one month", last_month)):

                def one(lo: dt.date = lo, hi: dt.date = hi) -> object:
                    daily = DailyPartials.from_table(store.partials("UTC", start=lo, end=hi))
                    return figures(daily, equity_start=Decimal(10_000), first_day=lo, last_day=hi)

                ms = median_ms(one, 21)
                results.append((f"summary of {label} from partials", name, ms, "goal < 20 ms"))
            for kind in (WindowKind.WEEKLY, WindowKind.MONTHLY):
                request = SummaryRequest(windows=(kind,))
                ms = median_ms(lambda r=request: summarize_partials(store, r), 5)
                n = len(summarize_partials(store, request).windows[kind])
                results.append(
                    (f"5 years, all {kind.value} windows from partials", name, ms, f"{n} windows")
                )
                ms = median_ms(lambda r=request: summarize_trades(store, r), 3)
                results.append((f"5 years, all {kind.value} windows, direct", name, ms, ""))
            if args.log_lines:
                t = time.perf_counter()
                ingest_paths(store, [big])
                took = (time.perf_counter() - t) * 1e3
                results.append((f"backfill the {log_label}-line log (jsonl)", name, took, ""))
                write_jsonl(big, extra, mode="a")
                t = time.perf_counter()
                report = ingest_paths(store, [big])
                took = (time.perf_counter() - t) * 1e3
                results.append(
                    (
                        f"re-ingest after appending 1,000 lines to the {log_label}-line log",
                        name,
                        took,
                        f"{report.rows_read} rows read, appended={report.files_appended}",
                    )
                )
                old = time.time() - 3600  # as a log left alone for an hour
                os.utime(big, (old, old))
                ingest_paths(store, [big])  # records the old time (an unchanged file, hashed)
                t = time.perf_counter()
                report = ingest_paths(store, [big])
                took = (time.perf_counter() - t) * 1e3
                results.append(
                    (
                        f"re-ingest of the unchanged {log_label}-line log",
                        name,
                        took,
                        f"skipped={report.files_skipped}",
                    )
                )
        drop()

        sizes = [n for n in (args.fills, 10_000_000 if args.ten_million else 0) if n]
        for n in sizes:
            fills = fills_table(n)
            for fmt in ("parquet", "csv", "jsonl"):
                path = work / f"fills-{n}.{fmt}"
                if not path.exists():
                    write_table(path, fills, fmt)
                url, drop = make()
                with open_store(url) as store:
                    t = time.perf_counter()
                    report = ingest_paths(store, [path])
                    took = (time.perf_counter() - t) * 1e3
                drop()
                rate = report.rows_new / (took / 1e3)
                results.append(
                    (f"ingest {n / 1e6:g}M fills from {fmt}", name, took, f"{rate:,.0f} rows/s")
                )

    width = max(len(r[0]) for r in results)
    print(f"{'measure':<{width}}  {'backend':<8}  {'ms':>9}  {'x floor':>8}  note")
    for what, backend, ms, note in results:
        print(f"{what:<{width}}  {backend:<8}  {ms:9.1f}  {ms / floor:8.1f}  {note}")
    print(f"(floor = {floor:.2f} ms; python {sys.version.split()[0]}, duckdb {duckdb.__version__})")


if __name__ == "__main__":
    main()
