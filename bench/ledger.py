"""Ledger benchmark: fills/s of the batch kernel and the incremental ledger, peak memory.

Run: ``python bench/ledger.py`` (1M fills) or ``python bench/ledger.py --ten-million``.
Reports, on 20 symbols of random buys and sells (quantities with 2 decimals, prices with 2):
the Numba matching kernel alone, the whole `run_ledger` (matching + exact money + Arrow
tables), the incremental `Ledger` on a prefix, and vectorbt ``Portfolio.from_orders`` with
its trade records when vectorbt is importable.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa

from tradeperf.ledger import CostBasis, Ledger, run_ledger
from tradeperf.ledger._kernel import compiled
from tradeperf.ledger._kernel import match_lots as _match_lots
from tradeperf.records import FILL_SCHEMA, MONEY_TYPE, Fill

match_lots = compiled(_match_lots, 10**9)  # always compiled

N_SYMBOLS = 20


def _money(values: np.ndarray, scale: int) -> pa.Array:
    buf = np.empty(2 * len(values), np.int64)
    buf[0::2] = values
    buf[1::2] = values >> 63
    a = pa.Array.from_buffers(pa.decimal128(38, scale), len(values), [None, pa.py_buffer(buf)])
    return a.cast(MONEY_TYPE)


def make_fills(n: int, seed: int = 7) -> tuple[pa.Table, dict[str, np.ndarray]]:
    """n random fills over 20 symbols, as a `FILL_SCHEMA` table and the raw arrays."""
    rng = np.random.default_rng(seed)
    sym = rng.integers(0, N_SYMBOLS, n)
    buy = rng.random(n) < 0.5
    qty = rng.integers(1, 10_000, n).astype(np.int64)  # hundredths
    base = rng.integers(1_000, 100_000, N_SYMBOLS)  # cents
    price = (base[sym] + rng.integers(-500, 500, n)).astype(np.int64)
    fee = (qty * price // 10_000).astype(np.int64)  # 1 bp, in 1e-4
    ts = np.datetime64("2024-01-01T00:00:00", "us") + np.arange(n).astype("timedelta64[ms]")
    names = np.array([f"SYM{i:02d}" for i in range(N_SYMBOLS)])
    table = pa.table(
        {
            "fill_id": pa.array(np.char.add("f", np.arange(n).astype(str))),
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "account": pa.array(["acc"] * n),
            "venue": pa.nulls(n, pa.string()),
            "strategy": pa.array(["s"] * n),
            "symbol": pa.array(names[sym]),
            "side": pa.array(np.where(buy, "BUY", "SELL")),
            "quantity": _money(qty, 2),
            "price": _money(price, 2),
            "fee": _money(fee, 4),
            "fee_currency": pa.nulls(n, pa.string()),
            "liquidity": pa.nulls(n, pa.string()),
            "order_id": pa.nulls(n, pa.string()),
            "multiplier": _money(np.ones(n, np.int64), 0),
            "currency": pa.nulls(n, pa.string()),
            "tags": pa.nulls(n, pa.list_(pa.string())),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
        },
        schema=FILL_SCHEMA,
    )
    return table, {"sym": sym, "buy": buy, "qty": qty, "price": price, "fee": fee}


def bench_kernel(raw: dict[str, np.ndarray]) -> float:
    codes = raw["sym"].astype(np.int64)
    gorder = np.argsort(codes, kind="stable")
    sq = np.where(raw["buy"], raw["qty"], -raw["qty"]).astype(np.int64)
    small = np.arange(4, dtype=np.int64)
    match_lots(small, small * 0, np.array([1, -1, 2, -2], np.int64), False)  # compile
    t = time.perf_counter()
    match_lots(gorder, codes, sq, False)
    return time.perf_counter() - t


def bench_batch(table: pa.Table) -> tuple[float, int]:
    run_ledger(table.slice(0, 1000))  # warm up
    t = time.perf_counter()
    run_ledger(table, cost_basis=CostBasis.FIFO)
    dt = time.perf_counter() - t
    # peak traced memory on a tenth (tracemalloc slows object arithmetic too much to time)
    part = table.slice(0, len(table) // 10)
    tracemalloc.start()
    run_ledger(part, cost_basis=CostBasis.FIFO)
    peak = tracemalloc.get_traced_memory()[1] * 10
    tracemalloc.stop()
    return dt, peak


def bench_incremental(raw: dict[str, np.ndarray], n: int) -> float:
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    fills = [
        Fill(
            f"f{i}",
            t0 + timedelta(milliseconds=i),
            f"SYM{int(raw['sym'][i]):02d}",
            "BUY" if raw["buy"][i] else "SELL",
            Decimal(int(raw["qty"][i])).scaleb(-2),
            Decimal(int(raw["price"][i])).scaleb(-2),
            Decimal(int(raw["fee"][i])).scaleb(-4),
        )
        for i in range(n)
    ]
    led = Ledger()
    t = time.perf_counter()
    for f in fills:
        led.apply(f)
    return time.perf_counter() - t


def bench_vectorbt(raw: dict[str, np.ndarray]) -> tuple[float | None, str]:
    try:
        import pandas as pd
        import vectorbt as vbt
    except ImportError as exc:
        return None, f"vectorbt not importable ({exc.name}); `pip install vectorbt` failed here"
    n = len(raw["sym"])
    # one column per symbol, one row per fill time: the same orders, same sizes and prices
    price = np.full((n, N_SYMBOLS), np.nan)
    size = np.full((n, N_SYMBOLS), np.nan)
    rows = np.arange(n)
    price[rows, raw["sym"]] = raw["price"] / 100
    size[rows, raw["sym"]] = np.where(raw["buy"], 1, -1) * raw["qty"] / 100
    price = pd.DataFrame(price).ffill().bfill().to_numpy()
    t = time.perf_counter()
    pf = vbt.Portfolio.from_orders(price, size, fees=0.0001, init_cash=np.inf)
    pf.trades.records  # noqa: B018  (force the trade records)
    return time.perf_counter() - t, "from_orders + trades.records (float64)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ten-million", action="store_true", help="also run 10M fills")
    ap.add_argument("--incremental", type=int, default=200_000, help="fills for Ledger")
    args = ap.parse_args()
    sizes = [1_000_000] + ([10_000_000] if args.ten_million else [])
    rows = []
    for n in sizes:
        table, raw = make_fills(n)
        k = bench_kernel(raw)
        rows.append((f"batch matching kernel (Numba), {n:,}", n / k, None, ""))
        b, peak = bench_batch(table)
        rows.append(
            (
                f"run_ledger FIFO, exact money, {n:,}",
                n / b,
                peak,
                "incl. Arrow tables; peak: 10 x that of 1/10",
            )
        )
        if n == sizes[0]:
            m = min(args.incremental, n)
            inc = bench_incremental(raw, m)
            rows.append((f"incremental Ledger.apply, {m:,}", m / inc, None, "Decimal, live path"))
            if n <= 1_000_000:
                v, note = bench_vectorbt(raw)
                rows.append((f"vectorbt, {n:,}", None if v is None else n / v, None, note))
    # the reference a user might otherwise use: vectorbt when it is installed, else our kernel
    vbt = next((r[1] for r in rows if r[0].startswith("vectorbt") and r[1]), None)
    ref = vbt if vbt is not None else rows[0][1]
    ref_name = "vectorbt's" if vbt is not None else "the matching kernel's"
    print(f"{'what':48} {'fills/s':>14} {'ratio':>8} {'peak MB':>9}  note")
    for name, rate, peak, note in rows:
        r = "-" if rate is None else f"{rate:14,.0f}"
        ratio = "-" if rate is None else f"{rate / ref:8.3f}"
        pk = "-" if peak is None else f"{peak / 2**20:9.0f}"
        print(f"{name:48} {r:>14} {ratio:>8} {pk:>9}  {note}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS: {rss:.0f} MB; ratio = fills/s over {ref_name}")


if __name__ == "__main__":
    main()
