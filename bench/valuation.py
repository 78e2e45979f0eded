"""Valuation benchmark: `books_at` at every local midnight of a long history.

Run: ``python bench/valuation.py`` (1M fills, about 2 minutes, most of it the old algorithm)
or ``python bench/valuation.py --old-fills 100000`` to time the old algorithm on the first
100k fills only (it is then compared with the new one on that same slice).

Builds 1M fills over 20 symbols (random buys and sells, so positions flip through zero; two
symbols with multiplier 50) spread over 5 years, one mark per symbol per day, one funding
payment per perpetual symbol per day; runs `run_ledger` for the realized events, then times
`books_at` just before every local midnight (America/New_York, 1826 instants): the vectorised
`tradeperf.ledger.valuation.books_at` against the old algorithm (a loop over instants ×
positions with bisect on Python lists of Decimals, `old_books_at`: the tests' copy). The
results are checked equal (exact Decimals). The average cost run gives realized P&L with 18
fractional digits, so its sums take the wide-integer path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa

from tradeperf.analytics.windows import local_midnight
from tradeperf.ledger import CostBasis, run_ledger
from tradeperf.ledger.valuation import BooksAt, books_at
from tradeperf.records import FILL_SCHEMA, FUNDING_SCHEMA, MARK_SCHEMA, MONEY_TYPE

N_SYMBOLS = 20
FUTURES = (3, 11)  # symbols with multiplier 50
PERPETUALS = range(10, 20)  # symbols with daily funding
FIRST_DAY = dt.date(2019, 1, 1)
N_DAYS = 1826  # 2019-01-01 .. 2023-12-31
TZ = ZoneInfo("America/New_York")
ZERO = Decimal(0)


# -- the old algorithm (tradeperf 87b73b0), the reference: the tests' copy of it, run in
# the default 28-digit context as it was
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.ledger.test_valuation import _naive_books_at  # noqa: E402


def old_books_at(
    fills: pa.Table,
    marks: pa.Table | None,
    realized_events: pa.Table,
    times: Sequence[dt.datetime],
    funding: pa.Table | None = None,
) -> list[BooksAt]:
    """The former per-instant, per-position loop (tests/ledger/test_valuation.py)."""
    return _naive_books_at(fills, marks, realized_events, times, funding, context=None)


def _money(values: np.ndarray, scale: int) -> pa.Array:
    buf = np.empty(2 * len(values), np.int64)
    buf[0::2] = values
    buf[1::2] = values >> 63
    a = pa.Array.from_buffers(pa.decimal128(38, scale), len(values), [None, pa.py_buffer(buf)])
    return a.cast(MONEY_TYPE)


def _utc(us: np.ndarray) -> pa.Array:
    return pa.array(us.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))


def make_books(n: int, seed: int = 11) -> tuple[pa.Table, pa.Table, pa.Table, int]:
    """n fills over 20 symbols and 5 years, daily marks and funding; and the sign flips."""
    rng = np.random.default_rng(seed)
    t0 = int(np.datetime64(FIRST_DAY, "us").astype(np.int64))
    span = N_DAYS * 86_400_000_000
    ts = t0 + np.sort(rng.integers(0, span, n))
    sym = rng.integers(0, N_SYMBOLS, n)
    buy = rng.random(n) < 0.5
    qty = rng.integers(1, 10_000, n).astype(np.int64)  # hundredths
    base = rng.integers(1_000, 100_000, N_SYMBOLS)  # cents
    price = (base[sym] + rng.integers(-500, 500, n)).astype(np.int64)
    fee = (qty * price // 10_000).astype(np.int64)  # 1 bp, in 1e-4
    mult = np.where(np.isin(sym, FUTURES), 50, 1).astype(np.int64)
    names = np.array([f"SYM{i:02d}" for i in range(N_SYMBOLS)])
    fills = pa.table(
        {
            "fill_id": pa.array(np.char.add("f", np.arange(n).astype(str))),
            "timestamp": _utc(ts),
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
            "multiplier": _money(mult, 0),
            "currency": pa.nulls(n, pa.string()),
            "tags": pa.nulls(n, pa.list_(pa.string())),
            "source": pa.nulls(n, pa.string()),
            "source_line": pa.nulls(n, pa.int64()),
        },
        schema=FILL_SCHEMA,
    )
    # sign flips: a position that goes from long to short or back in one fill
    flips = 0
    for s in range(N_SYMBOLS):
        pos = np.cumsum(np.where(buy[sym == s], qty[sym == s], -qty[sym == s]))
        flips += int(np.count_nonzero(np.sign(pos[1:]) * np.sign(pos[:-1]) < 0))
    # one mark per symbol per day at 21:00 UTC, one funding payment per perpetual per day
    day = np.arange(N_DAYS, dtype=np.int64)
    m_ts = np.repeat(t0 + day * 86_400_000_000 + 21 * 3_600_000_000, N_SYMBOLS)
    m_sym = np.tile(np.arange(N_SYMBOLS), N_DAYS)
    m_price = (base[m_sym] + rng.integers(-500, 500, len(m_sym))).astype(np.int64)
    marks = pa.table(
        {
            "timestamp": _utc(m_ts),
            "symbol": pa.array(names[m_sym]),
            "price": _money(m_price, 2),
            "source": pa.nulls(len(m_sym), pa.string()),
            "source_line": pa.nulls(len(m_sym), pa.int64()),
        },
        schema=MARK_SCHEMA,
    )
    perps = np.array(list(PERPETUALS))
    g_ts = np.repeat(t0 + day * 86_400_000_000 + 8 * 3_600_000_000, len(perps))
    g_sym = np.tile(perps, N_DAYS)
    funding = pa.table(
        {
            "timestamp": _utc(g_ts),
            "account": pa.array(["acc"] * len(g_sym)),
            "symbol": pa.array(names[g_sym]),
            "amount": _money(rng.integers(-100_000, 100_000, len(g_sym)).astype(np.int64), 6),
            "currency": pa.nulls(len(g_sym), pa.string()),
            "source": pa.nulls(len(g_sym), pa.string()),
            "source_line": pa.nulls(len(g_sym), pa.int64()),
        },
        schema=FUNDING_SCHEMA,
    )
    return fills, marks, funding, flips


def _timed(fn: Callable[..., list[BooksAt]], *args: object) -> tuple[float, list[BooksAt]]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fills", type=int, default=1_000_000, help="fills (default 1M)")
    ap.add_argument(
        "--old-fills", type=int, default=None, help="time the old algorithm on this many fills"
    )
    args = ap.parse_args()
    n = args.fills
    fills, marks, funding, flips = make_books(n)
    times = [local_midnight(FIRST_DAY + dt.timedelta(days=i), TZ) for i in range(N_DAYS)]
    t = time.perf_counter()
    result = run_ledger(fills, marks, cost_basis=CostBasis.FIFO, funding=funding)
    ledger_s = time.perf_counter() - t
    events = result.realized_events
    print(
        f"{n:,} fills, {N_SYMBOLS} symbols, {flips:,} flips, {marks.num_rows:,} marks, "
        f"{funding.num_rows:,} funding, {events.num_rows:,} realized events (FIFO), "
        f"{len(times):,} instants; run_ledger {ledger_s:.1f} s"
    )

    books_at(fills.slice(0, 1000), marks, events.slice(0, 100), times[:10], funding)  # warm up
    rows: list[tuple[str, float, str]] = []
    new_s, new = _timed(books_at, fills, marks, events, times, funding)
    rows.append((f"books_at, {n:,} fills x {len(times):,} instants", new_s, "FIFO events"))
    avg = run_ledger(fills, marks, cost_basis=CostBasis.AVERAGE, funding=funding)
    avg_events = avg.realized_events
    avg_s, avg_new = _timed(books_at, fills, marks, avg_events, times, funding)
    some = times[::40]  # the old algorithm on 1 instant in 40 only, to check the results
    assert avg_new[::40] == old_books_at(fills, marks, avg_events, some, funding)
    rows.append(
        (
            f"books_at, {n:,} fills x {len(times):,} instants",
            avg_s,
            "AVERAGE events (checked on 1 instant in 40)",
        )
    )

    m = n if args.old_fills is None else min(args.old_fills, n)
    if m == n:
        old_s, old = _timed(old_books_at, fills, marks, events, times, funding)
        assert new == old, "books_at differs from the old algorithm"
        ref_s, ref_note = old_s, "the reference"
    else:
        part = fills.slice(0, m)
        part_events = run_ledger(part, marks, cost_basis=CostBasis.FIFO).realized_events
        old_s, old = _timed(old_books_at, part, marks, part_events, times, funding)
        part_s, part_new = _timed(books_at, part, marks, part_events, times, funding)
        assert part_new == old, "books_at differs from the old algorithm"
        rows.append((f"books_at, {m:,} fills x {len(times):,} instants", part_s, "FIFO events"))
        ref_s, ref_note = old_s, f"the reference, on the first {m:,} fills only"
    rows.append((f"old algorithm, {m:,} fills x {len(times):,} instants", old_s, ref_note))
    print(f"{'what':52} {'seconds':>9} {'ratio':>9}  note")
    for name, secs, note in rows:
        print(f"{name:52} {secs:9.3f} {ref_s / secs:9.1f}  {note}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"process max RSS: {rss:.0f} MB; ratio = speed over the old algorithm's "
        f"(its seconds / these); results checked equal"
    )


if __name__ == "__main__":
    main()
