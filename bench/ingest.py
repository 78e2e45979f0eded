"""Benchmark: reading sources with the columnar fast path, the row path, and a bare Arrow read.

Run ``python bench/ingest.py`` (add ``--10m`` for 10M fills, ``--rows-limit N`` to cap the
row path, which is slow: above it the row path is timed on the first N rows and scaled).
Data is generated (seeded) in a temporary folder, never committed. For each file it prints
rows/s of `read_source` with ``fast=True`` and ``fast=False`` and of the floor (a bare
`pyarrow.csv.read_csv` / `pyarrow.parquet.read_table` of the same file, or for JSONL
``json.loads(line, parse_float=Decimal)`` of every line, no validation), and
the ratios fast/row and floor/fast. Both paths are checked to give the same table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tradeperf.ingest import read_source

_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def _times(rng: np.random.Generator, n: int) -> list[str]:
    start = np.datetime64("2024-01-01T00:00:00", "us")
    stamps = start + np.sort(rng.integers(0, 86_400 * 365 * 10**6, n)).astype("timedelta64[us]")
    return [s + "Z" for s in np.datetime_as_string(stamps, unit="us")]


def fills_table(n: int, seed: int = 1) -> pa.Table:
    """``n`` fills as text columns (a market maker's export)."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "fill_id": [f"f{i}" for i in range(n)],
            "timestamp": _times(rng, n),
            "symbol": rng.choice(["BTC-USD", "ETH-USD", "ES", "NQ"], n),
            "side": rng.choice(["BUY", "SELL"], n),
            "quantity": np.char.mod("%.4f", rng.uniform(0.001, 5, n)),
            "price": np.char.mod("%.2f", rng.uniform(100, 50_000, n)),
            "fee": np.char.mod("%.6f", rng.uniform(0, 1, n)),
            "liquidity": rng.choice(["MAKER", "TAKER"], n),
        }
    )


def trades_table(n: int, seed: int = 2) -> pa.Table:
    """``n`` closed trades in the canonical layout."""
    rng = np.random.default_rng(seed)
    exits = _times(rng, n)
    return pa.table(
        {
            "trade_id": [f"t{i}" for i in range(n)],
            "strategy": rng.choice(["mr", "bo", "nm"], n),
            "symbol": rng.choice(["BTC-USD", "ETH-USD", "SOL-USD", "AAPL", "TSLA"], n),
            "side": rng.choice(["long", "short"], n),
            "status": ["CLOSED"] * n,
            "entry_time": [t[:10] + "T00:00:00Z" for t in exits],
            "exit_time": exits,
            "quantity": ["1.5"] * n,
            "entry_price": ["100.25"] * n,
            "exit_price": ["101.5"] * n,
            "fees": ["0.35"] * n,
            "net_pnl": np.char.mod("%.2f", rng.standard_t(3, n) * 12.0),
        }
    )


def _clock(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _parse_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        for line in f:
            json.loads(line, parse_float=Decimal)
            count += 1
    return count


def _row_path_seconds(path: Path, table: pa.Table, fmt: str, limit: int, tmp: Path) -> float:
    """The row path's time for the whole file, measured on at most ``limit`` rows."""
    if table.num_rows <= limit:
        return _clock(lambda: read_source(path, fast=False))
    part = tmp / f"part.{fmt}"
    write_table(part, table.slice(0, limit), fmt)
    return _clock(lambda: read_source(part, fast=False)) * table.num_rows / limit


def write_table(path: Path, table: pa.Table, fmt: str) -> None:
    if fmt == "csv":
        pacsv.write_csv(table, path)
    elif fmt == "jsonl":
        _write_jsonl(path, table)
    else:
        pq.write_table(table, path)


def _write_jsonl(path: Path, table: pa.Table) -> None:
    """One object a line; decimal-looking cells as JSON numbers, the rest as strings."""
    names = [json.dumps(n) for n in table.column_names]
    columns = []
    for column in table.columns:
        values = column.to_pylist()
        if all(_NUMBER.fullmatch(v) for v in values[:100]):
            columns.append(values)
        else:
            columns.append([json.dumps(v) for v in values])
    with path.open("w", encoding="utf-8") as f:
        for row in zip(*columns, strict=True):
            f.write("{" + ", ".join(f"{k}: {v}" for k, v in zip(names, row, strict=True)) + "}\n")


def bench(name: str, table: pa.Table, fmt: str, tmp: Path, limit: int) -> list[str]:
    path = tmp / f"{name}.{fmt}"
    write_table(path, table, fmt)
    n = table.num_rows
    if fmt == "csv":
        opts = pacsv.ConvertOptions(column_types=dict.fromkeys(table.column_names, pa.string()))
        floor = _clock(lambda: pacsv.read_csv(path, convert_options=opts))
    elif fmt == "jsonl":  # the floor: parsing each line exactly, no validation
        floor = _clock(lambda: _parse_lines(path))
    else:
        floor = _clock(lambda: pq.read_table(path))
    fast_result = read_source(path, fast=True)  # warm-up and the check below
    fast = _clock(lambda: read_source(path, fast=True))
    slow = _row_path_seconds(path, table, fmt, limit, tmp)
    if n <= limit:
        same = read_source(path, fast=False).table.equals(fast_result.table.combine_chunks())
        check = "same" if same else "DIFFERENT"
    else:
        check = "(row path scaled)"
    assert fast_result.table.num_rows == n
    assert not fast_result.rejected
    return [
        f"{name} ({n:,})",
        fmt,
        f"{fast:.3f}",
        f"{n / fast:,.0f}",
        f"{n / slow:,.0f}",
        f"{n / floor:,.0f}",
        f"{slow / fast:.1f}x",
        f"{fast / floor:.1f}x",
        check,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--10m", dest="ten", action="store_true", help="also 10M fills")
    parser.add_argument("--fills", type=int, default=1_000_000)
    parser.add_argument("--trades", type=int, default=30_000)
    parser.add_argument("--rows-limit", type=int, default=100_000)
    args = parser.parse_args(argv)
    cases = [("trades", trades_table(args.trades)), ("fills", fills_table(args.fills))]
    if args.ten:
        cases.append(("fills", fills_table(10_000_000)))
    header = [
        "source",
        "format",
        "fast s",
        "fast rows/s",
        "row rows/s",
        "floor rows/s",
        "fast/row",
        "fast/floor",
        "check",
    ]
    rows = [header]
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, table in cases:
            for fmt in ("csv", "parquet", "jsonl"):
                rows.append(bench(name, table, fmt, tmp, args.rows_limit))
                print(" | ".join(rows[-1]), file=sys.stderr)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
