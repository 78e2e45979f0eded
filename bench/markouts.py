"""Benchmark: ``tradeperf mm report`` on Parquet files read in place, beside a bare DuckDB join.

Run ``python bench/markouts.py`` (10M fills x 4 horizons against 50M quotes), ``--quick`` for
a smoke run (200k fills, 1M quotes), or set the sizes with ``--fills``, ``--quotes`` and
``--ingest-quotes``. The data is generated (NumPy, seeded, vectorised, in chunks) into
``~/.cache/tradeperf-bench/markouts-<quotes>-<fills>/`` and reused when present
(``--regenerate`` rebuilds it; ``--cache`` moves it); never committed.

- ``quotes.parquet``: ``timestamp`` (timestamp[us, UTC], sorted over one day), ``symbol`` (4
  symbols), ``bid``/``ask`` (float64 on each symbol's tick, ask > bid by 1-3 ticks, a random
  walk per symbol), ``bid_size``/``ask_size`` (float64).
- ``fills.parquet``: ``fill_id``, ``timestamp`` (a quote's time plus 0-499 µs), ``symbol``,
  ``side`` BUY/SELL, ``quantity``, ``price`` (the quote's bid or ask: a maker buys at the bid,
  a taker at the ask), ``fee`` (a maker's rebate is negative), ``liquidity`` MAKER/TAKER,
  ``strategy`` (2).

Measured, each as a whole child process (wall time around it; peak RSS from GNU time,
``/usr/bin/time -f %M``, else ``ru_maxrss`` of the child), ``--repeat`` times (best and
median):

1. ``python -m tradeperf mm report --quotes Q --fills F --horizons 1s,5s,10s,1min --out DIR``:
   both files read in place (nothing is copied into a store). The report always adds the
   0 s horizon (spread capture), so the join takes 5 probe times per fill.
   Goal (the issue): 10M fills x 4 horizons against 50M quotes within 30 s on this 2-core
   machine.
2. The reference: bare DuckDB in a fresh ``python -c`` process, ``SET
   asof_loop_join_threshold = 0``, fills x 5 probe times (0, 1s, 5s, 10s, 1min) ``ASOF LEFT
   JOIN`` the quotes' mid on symbol and timestamp, aggregated to a count and a mean per
   horizon (so no result transfer dominates). Its join alone is timed inside the child (the
   issue: about 10-24 s at full size); the whole process is shown too. The ratio is
   tradeperf's wall time over the join alone.
3. Ingestion, measured separately: ``tradeperf ingest`` of a sample of the quotes (the first
   ``--ingest-quotes`` rows, 5M by default, as their own Parquet file) into a fresh DuckDB
   store file, in rows/s.
4. PostgreSQL (``--pg``, the database named by ``TRADEPERF_BENCH_PG`` or ``TRADEPERF_TEST_PG``;
   a throwaway schema is created and dropped): ``tradeperf ingest`` of 1M fills and 10M
   quotes (``--pg-fills``, ``--pg-quotes``; timed, not part of the rate), then ``mm report
   --store URL`` (a ``LATERAL`` index probe per fill and horizon), in fills/s and probes/s,
   against ``mm report`` on the same Parquet files read in place. The server's own CPU and
   memory are not in the client's figures. Without ``mm report --store`` (checked in its
   ``--help``) the benchmark prints one line saying the rate is not measured.

No timed assertions: the table gives the ratios. ``--timeout`` and ``--max-rss-gb`` kill a
child that runs away (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# siblings in bench/ (the script's folder is on sys.path, as bench/store.py imports ingest)
from books import session_rss_mb
from store import fresh_pg

#: The issue's goal for the whole ``mm report`` process, seconds.
GOAL_S = 30.0
#: The issue's figure for the bare DuckDB join at full size, seconds.
BARE_EXPECTED = "10-24 s"
HORIZONS = "1s,5s,10s,1min"
#: The probe offsets of the bare join in µs: 0 s (which the report adds) and HORIZONS.
PROBES_US = (0, 1_000_000, 5_000_000, 10_000_000, 60_000_000)
PROBE_LABELS = ("0s", "1s", "5s", "10s", "1min")

DAY_US = 86_400 * 10**6
T0 = np.datetime64("2024-03-01T00:00:00", "us")
#: Per symbol: name, tick, starting mid, daily volatility, typical size.
SYMBOLS = (
    ("BTC-USD", 0.01, 60_000.0, 0.03, 0.5),
    ("ETH-USD", 0.01, 3_000.0, 0.04, 5.0),
    ("ES", 0.25, 5_000.0, 0.01, 3.0),
    ("NQ", 0.25, 18_000.0, 0.015, 2.0),
)
STRATEGIES = ("mm-core", "mm-wide")
MAKER_SHARE = 0.7
MAKER_FEE_BPS = -0.2  # a rebate
TAKER_FEE_BPS = 0.5
CHUNK = 4_000_000  # quotes generated (and written) at a time

QUOTE_SCHEMA = pa.schema(
    [
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("symbol", pa.string()),
        ("bid", pa.float64()),
        ("ask", pa.float64()),
        ("bid_size", pa.float64()),
        ("ask_size", pa.float64()),
    ]
)
FILL_SCHEMA = pa.schema(
    [
        ("fill_id", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
        ("symbol", pa.string()),
        ("side", pa.string()),
        ("quantity", pa.float64()),
        ("price", pa.float64()),
        ("fee", pa.float64()),
        ("liquidity", pa.string()),
        ("strategy", pa.string()),
    ]
)

#: The reference, run as ``python -c BARE Q F``: prints {"join_s", "rows"} as JSON.
BARE = f"""
import json, sys, time, duckdb
con = duckdb.connect()
con.execute("SET asof_loop_join_threshold = 0")
con.execute("SET enable_progress_bar = false")  # it would print to stdout
probes = ", ".join(f"({{i}}, {{us}})" for i, us in enumerate({PROBES_US!r}))
sql = f'''
WITH h(hi, dus) AS (VALUES {{probes}}),
p AS (SELECT f.symbol, f.timestamp + to_microseconds(h.dus) AS t, h.hi
      FROM read_parquet(?) f, h),
q AS (SELECT symbol, timestamp, (bid + ask) / 2 AS mid FROM read_parquet(?))
SELECT p.hi, count(*), count(q.mid), avg(q.mid)
FROM p ASOF LEFT JOIN q ON p.symbol = q.symbol AND p.t >= q.timestamp
GROUP BY p.hi ORDER BY p.hi
'''
t = time.perf_counter()
rows = con.execute(sql, [sys.argv[2], sys.argv[1]]).fetchall()
print(json.dumps({{"join_s": time.perf_counter() - t, "rows": rows}}))
"""


# --- data ------------------------------------------------------------------------------


def _names(codes: np.ndarray, names: tuple[str, ...]) -> pa.Array:
    return pa.array(list(names), pa.string()).take(pa.array(codes))


def _chunk(
    rng: np.random.Generator, lo: int, hi: int, m: int, k: int, first_id: int, last: np.ndarray
) -> tuple[pa.Table, pa.Table]:
    """``m`` quotes in [lo, hi) µs of the day and ``k`` fills against them.

    ``last`` holds each symbol's mid in ticks; it is carried on to the next chunk.
    """
    ticks = np.array([s[1] for s in SYMBOLS])
    us = np.sort(rng.integers(lo, hi, m))
    sym = rng.integers(0, len(SYMBOLS), m).astype(np.int8)
    mid = np.empty(m, np.int64)
    for code, (_, tick, start, vol, _) in enumerate(SYMBOLS):
        idx = np.flatnonzero(sym == code)
        # a daily volatility of ``vol`` spread over the symbol's share of a day's quotes
        sigma = start * vol / tick / np.sqrt(max(len(idx), 1) * DAY_US / max(hi - lo, 1))
        steps = np.rint(rng.normal(0.0, sigma, len(idx))).astype(np.int64)
        walk = last[code] + np.cumsum(steps)
        mid[idx] = walk
        if len(idx):
            last[code] = walk[-1]
    bid_t = mid
    ask_t = mid + rng.integers(1, 4, m)
    tick = ticks[sym]
    bid = np.round(bid_t * tick, 2)
    ask = np.round(ask_t * tick, 2)
    size = np.array([s[4] for s in SYMBOLS])[sym]
    stamps = pa.array(T0 + us.astype("timedelta64[us]"), pa.timestamp("us", tz="UTC"))
    quotes = pa.table(
        [
            stamps,
            _names(sym, tuple(s[0] for s in SYMBOLS)),
            pa.array(bid),
            pa.array(ask),
            pa.array(np.round(rng.lognormal(0.0, 0.8, m) * size, 3)),
            pa.array(np.round(rng.lognormal(0.0, 0.8, m) * size, 3)),
        ],
        schema=QUOTE_SCHEMA,
    )
    # fills: at a quote's book, 0-499 µs after it
    at = np.sort(rng.integers(0, m, k))
    f_us = us[at] + rng.integers(0, 500, k)
    order = np.argsort(f_us, kind="stable")
    at, f_us = at[order], f_us[order]
    f_sym = sym[at]
    buy = rng.random(k) < 0.5
    maker = rng.random(k) < MAKER_SHARE
    price = np.where(buy == maker, bid[at], ask[at])  # a maker buys at the bid, a taker at the ask
    qty = np.round(np.maximum(rng.lognormal(0.0, 1.0, k) * size[at] * 0.2, 0.001), 3)
    fee = np.round(qty * price * np.where(maker, MAKER_FEE_BPS, TAKER_FEE_BPS) * 1e-4, 6)
    ids = pc.binary_join_element_wise(
        "F", pc.cast(pa.array(np.arange(first_id, first_id + k)), pa.string()), ""
    )
    fills = pa.table(
        [
            ids,
            pa.array(T0 + f_us.astype("timedelta64[us]"), pa.timestamp("us", tz="UTC")),
            _names(f_sym, tuple(s[0] for s in SYMBOLS)),
            _names(np.where(buy, 0, 1), ("BUY", "SELL")),
            pa.array(qty),
            pa.array(price),
            pa.array(fee),
            _names(np.where(maker, 0, 1), ("MAKER", "TAKER")),
            _names(rng.integers(0, len(STRATEGIES), k), STRATEGIES),
        ],
        schema=FILL_SCHEMA,
    )
    return quotes, fills


def generate(folder: Path, n_quotes: int, n_fills: int, seed: int = 7) -> None:
    """Write ``quotes.parquet`` and ``fills.parquet`` into ``folder`` (then ``done.json``)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "done.json").unlink(missing_ok=True)
    bounds = np.arange(0, n_quotes + CHUNK, CHUNK).clip(max=n_quotes)
    bounds = np.unique(np.append(bounds, n_quotes))
    fill_bounds = np.rint(bounds / max(n_quotes, 1) * n_fills).astype(np.int64)
    last = np.array([round(s[2] / s[1]) for s in SYMBOLS], np.int64)
    with (
        pq.ParquetWriter(folder / "quotes.parquet", QUOTE_SCHEMA) as qw,
        pq.ParquetWriter(folder / "fills.parquet", FILL_SCHEMA) as fw,
    ):
        for i in range(len(bounds) - 1):
            a, b = int(bounds[i]), int(bounds[i + 1])
            lo, hi = DAY_US * a // n_quotes, DAY_US * b // n_quotes
            fa, fb = int(fill_bounds[i]), int(fill_bounds[i + 1])
            quotes, fills = _chunk(rng, lo, max(hi, lo + 1), b - a, fb - fa, fa, last)
            qw.write_table(quotes)
            fw.write_table(fills)
    info = {"quotes": n_quotes, "fills": n_fills, "seed": seed}
    (folder / "done.json").write_text(json.dumps(info) + "\n")


def sample(src: Path, dst: Path, n: int) -> int:
    """Write the first ``n`` rows of ``src`` to ``dst`` (kept when present); returns its rows."""
    if dst.exists() and pq.ParquetFile(dst).metadata.num_rows == n:
        return n
    tmp = dst.with_suffix(".tmp")
    rows = 0
    with pq.ParquetWriter(tmp, QUOTE_SCHEMA) as w:
        for batch in pq.ParquetFile(src).iter_batches(batch_size=1_000_000):
            batch = batch.slice(0, n - rows)
            w.write_batch(batch)
            rows += batch.num_rows
            if rows >= n:
                break
    tmp.replace(dst)
    return rows


# --- processes -------------------------------------------------------------------------

#: GNU time, for a child's peak RSS (a plain child inherits this process's high-water mark).
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


class Limits(TypedDict):
    """When a child is killed: after ``timeout`` seconds, above ``max_rss_mb``."""

    timeout: float
    max_rss_mb: float


class Failed(RuntimeError):
    """A child exited non-zero or was killed (time or memory limit)."""


@dataclass
class Run:
    seconds: float
    rss_mb: float
    stdout: str


def run(cmd: list[str], *, timeout: float, max_rss_mb: float) -> Run:
    """Run ``cmd`` in its own session: wall time, peak RSS, stdout.

    The child (its session) is killed beyond ``timeout`` seconds or ``max_rss_mb`` (polled
    every 0.5 s): the machine is shared.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEPERF_")}
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        full = [GNU_TIME, "-f", "%M", "-o", peak.name, *cmd] if GNU_TIME else cmd
        start = time.perf_counter()
        p = subprocess.Popen(full, stdout=out, stderr=err, env=env, start_new_session=True)
        done = threading.Event()
        killed: list[str] = []

        def watch() -> None:
            while not done.wait(0.5):
                took = time.perf_counter() - start
                if took > timeout:
                    killed.append(f"after {timeout:g} s")
                elif (mb := session_rss_mb(p.pid)) > max_rss_mb:
                    killed.append(f"at {mb:,.0f} MB RSS after {took:.0f} s")
                else:
                    continue
                os.killpg(p.pid, signal.SIGKILL)
                return

        threading.Thread(target=watch, daemon=True).start()
        _, status, usage = os.wait4(p.pid, 0)
        took = time.perf_counter() - start
        done.set()
        code = os.waitstatus_to_exitcode(status)
        kib = usage.ru_maxrss
        if GNU_TIME:
            digits = [x for x in peak.read().split() if x.isdigit()]
            kib = int(digits[-1]) if digits else kib
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    what = " ".join(a if len(a) < 40 else "..." for a in cmd[1:5])
    if killed:
        raise Failed(f"`{what}` killed {killed[0]}")
    if code != 0:
        tail = [x.strip(" ╭╮╰╯│─") for x in stderr.strip().splitlines()][-3:]
        raise Failed(f"`{what}` exited {code}: {' | '.join(x for x in tail if x)}")
    return Run(took, kib / 1024, stdout)


def tradeperf(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "tradeperf", *map(str, args)]


# --- measures --------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    seconds: str = "-"
    rate: str = "-"
    rss: str = "-"
    ratio: str = "-"
    goal: str = "-"


def label(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


def gb(mb: float) -> str:
    return f"{mb / 1024:.2f} GB"


def markout_counts(doc: dict[str, object]) -> dict[str, int]:
    """Fills with a (gross) markout per horizon, over all fills (the ``*`` group)."""
    counts: dict[str, int] = {}
    for r in doc["markouts"]:  # type: ignore[attr-defined]
        groups = ("symbol", "side", "liquidity", "strategy")
        if not r["net_of_fee"] and all(r[g] == "*" for g in groups):
            counts[r["horizon"]] = int(r["count"])
    return counts


def print_table(rows: list[Row]) -> None:
    head = Row("measure", "seconds", "rows/s", "peak RSS", "ratio", "goal")
    cells = [[r.measure, r.seconds, r.rate, r.rss, r.ratio, r.goal] for r in [head, *rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(6)]
    for i, c in enumerate(cells):
        line = " | ".join(
            x.ljust(w) if j == 0 else x.rjust(w)
            for j, (x, w) in enumerate(zip(c, widths, strict=True))
        )
        print(f"| {line} |")
        if i == 0:
            print(
                "|"
                + "|".join("-" * (w + 1) + (":" if j else "-") for j, w in enumerate(widths))
                + "|"
            )


def store_flag_available() -> bool:
    """Whether ``tradeperf mm report`` takes ``--store`` (for the PostgreSQL rate)."""
    help_text = subprocess.run(
        tradeperf("mm", "report", "--help"),
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    ).stdout
    return "--store" in help_text


def dataset(cache: Path, nq: int, nf: int, regenerate: bool) -> tuple[Path, Path]:
    """The cached ``quotes.parquet`` and ``fills.parquet`` of these sizes (generated if absent)."""
    folder = cache / f"markouts-{nq}-{nf}"
    quotes, fills = folder / "quotes.parquet", folder / "fills.parquet"
    if regenerate or not (folder / "done.json").exists():
        t = time.perf_counter()
        generate(folder, nq, nf)
        took = time.perf_counter() - t
        mb = (quotes.stat().st_size + fills.stat().st_size) / 2**20
        print(
            f"generated {label(nq)} quotes and {label(nf)} fills in {took:.1f} s "
            f"({mb:,.0f} MB of Parquet) into {folder}"
        )
    else:
        print(f"data: {folder} (cached; --regenerate to rebuild)")
    return quotes, fills


@dataclass
class Report:
    """The runs of one ``mm report`` command and what its last run found."""

    runs: list[Run]
    counts: dict[str, int]
    progress_bar: bool = False

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda r: r.seconds)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)


def mm_report(
    source: list[str | Path], nq: int, nf: int, work: Path, repeat: int, limits: Limits, name: str
) -> Report:
    """Run ``tradeperf mm report SOURCE --horizons HORIZONS`` ``repeat`` times; check its inputs."""
    runs: list[Run] = []
    counts: dict[str, int] = {}
    bar = False
    for i in range(repeat):
        out = work / f"report-{name}-{i}"
        cmd = tradeperf("mm", "report", *source, "--horizons", HORIZONS, "--out", out)
        runs.append(run(cmd, **limits))
        print(
            f"  {name} run {i + 1}: {runs[-1].seconds:.2f} s, {gb(runs[-1].rss_mb)}",
            file=sys.stderr,
        )
        doc = json.loads((out / "markouts.json").read_text())
        got = {k: int(v["rows"]) for k, v in doc["inputs"].items()}
        if got != {"quotes": nq, "fills": nf}:
            raise Failed(f"mm report ({name}) read {got}, expected {nq} quotes and {nf} fills")
        counts = markout_counts(doc)
        bar = bar or "\u2595" in runs[-1].stdout  # DuckDB's progress bar: "▕"
        shutil.rmtree(out)
    return Report(runs, counts, bar)


def postgres_rows(
    base: str, nq: int, nf: int, args: argparse.Namespace, limits: Limits, work: Path
) -> tuple[list[Row], str]:
    """Ingest ``nq`` quotes and ``nf`` fills into a throwaway schema, run ``mm report --store``.

    The reference is ``mm report`` on the same Parquet files read in place (DuckDB).
    """
    quotes, fills = dataset(args.cache, nq, nf, args.regenerate)
    size = f"{label(nf)} fills x 4 horizons (+0s) vs {label(nq)} quotes"
    url, drop = fresh_pg(base)
    try:
        q = run(tradeperf("ingest", quotes, "--store", url), **limits)
        print(f"  PostgreSQL ingest of {label(nq)} quotes: {q.seconds:.2f} s", file=sys.stderr)
        f = run(tradeperf("ingest", fills, "--store", url), **limits)
        print(f"  PostgreSQL ingest of {label(nf)} fills: {f.seconds:.2f} s", file=sys.stderr)
        pg = mm_report(["--store", url], nq, nf, work, args.repeat, limits, "pg")
    finally:
        drop()
    files = mm_report(
        ["--quotes", quotes, "--fills", fills], nq, nf, work, args.repeat, limits, "pg-files"
    )
    best, ref = pg.best, files.best
    probes = nf * len(PROBES_US)
    rows = [
        Row(
            f"PostgreSQL: mm report --store, {size}",
            f"{best.seconds:.2f}",
            f"{nf / best.seconds:,.0f} fills/s ({probes / best.seconds:,.0f} probes/s)",
            gb(best.rss_mb) + " client",
            f"{best.seconds / ref.seconds:.2f}x same files in place",
        ),
        Row(
            "  reference: mm report on the same Parquet files in place (DuckDB)",
            f"{ref.seconds:.2f}",
            f"{nf / ref.seconds:,.0f} fills/s",
            gb(ref.rss_mb),
            "1.00x",
        ),
        Row(
            f"  PostgreSQL: tradeperf ingest of the {label(nq)} quotes (not in the rate)",
            f"{q.seconds:.2f}",
            f"{nq / q.seconds:,.0f} quotes/s",
            gb(q.rss_mb) + " client",
        ),
        Row(
            f"  PostgreSQL: tradeperf ingest of the {label(nf)} fills (not in the rate)",
            f"{f.seconds:.2f}",
            f"{nf / f.seconds:,.0f} fills/s",
            gb(f.rss_mb) + " client",
        ),
    ]
    same = "same" if pg.counts == files.counts else f"DIFFERENT: files {files.counts}"
    check = f"PostgreSQL fills with a markout: {pg.counts} ({same} as the files)"
    return rows, check


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotes", type=int, default=50_000_000, help="quotes (default 50M)")
    ap.add_argument("--fills", type=int, default=10_000_000, help="fills (default 10M)")
    ap.add_argument(
        "--ingest-quotes", type=int, default=5_000_000, help="quotes ingested (default 5M)"
    )
    ap.add_argument("--pg", action="store_true", help="also PostgreSQL (TRADEPERF_*_PG)")
    ap.add_argument("--pg-quotes", type=int, default=10_000_000, help="default 10M")
    ap.add_argument("--pg-fills", type=int, default=1_000_000, help="default 1M")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measure (best, median)")
    ap.add_argument(
        "--quick", action="store_true", help="1M quotes, 200k fills, 500k ingested; PG 500k x 50k"
    )
    ap.add_argument("--regenerate", action="store_true", help="rebuild the cached data")
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tradeperf-bench")
    ap.add_argument("--timeout", type=float, default=1800.0, help="kill a child after (s)")
    ap.add_argument("--max-rss-gb", type=float, default=16.0, help="kill a child above (GB)")
    args = ap.parse_args(argv)
    if args.quick:
        args.quotes, args.fills, args.ingest_quotes = 1_000_000, 200_000, 500_000
        args.pg_quotes, args.pg_fills = 500_000, 50_000
    nq, nf = args.quotes, args.fills
    n_ingest = min(args.ingest_quotes, nq)
    limits: Limits = {"timeout": args.timeout, "max_rss_mb": args.max_rss_gb * 1024}
    pg_base = os.environ.get("TRADEPERF_BENCH_PG") or os.environ.get("TRADEPERF_TEST_PG")
    has_store = store_flag_available()

    quotes, fills = dataset(args.cache, nq, nf, args.regenerate)
    ingest_file = quotes.parent / f"quotes-sample-{n_ingest}.parquet"
    sample(quotes, ingest_file, n_ingest)
    size = f"{label(nf)} fills x 4 horizons (+0s) vs {label(nq)} quotes"
    pg_rows: list[Row] = []
    pg_line = ""
    with tempfile.TemporaryDirectory(prefix="tradeperf-markouts-") as work_dir:
        work = Path(work_dir)
        # 1. the whole user process, both files read in place
        rep = mm_report(
            ["--quotes", quotes, "--fills", fills], nq, nf, work, args.repeat, limits, "mm report"
        )
        # 2. the reference: the bare DuckDB join
        bare: list[tuple[Run, float]] = []
        bare_counts: dict[str, int] = {}
        errors: dict[str, str] = {}
        try:
            for i in range(args.repeat):
                r = run([sys.executable, "-c", BARE, str(quotes), str(fills)], **limits)
                result = json.loads(r.stdout.strip().splitlines()[-1])
                bare.append((r, float(result["join_s"])))
                bare_counts = {PROBE_LABELS[int(h)]: int(c) for h, _, c, _ in result["rows"]}
                print(
                    f"  bare join run {i + 1}: {bare[-1][1]:.2f} s ({r.seconds:.2f} s process)",
                    file=sys.stderr,
                )
        except (Failed, ValueError, KeyError, IndexError) as exc:  # the table goes on
            errors["bare"] = f"{type(exc).__name__}: {exc}"
        # 3. ingestion of a sample of the quotes into a fresh DuckDB store
        ingests: list[Run] = []
        try:
            for i in range(args.repeat):
                store = work / f"store-{i}.duckdb"
                cmd = tradeperf("ingest", ingest_file, "--store", f"duckdb://{store}")
                ingests.append(run(cmd, **limits))
                print(f"  ingest run {i + 1}: {ingests[-1].seconds:.2f} s", file=sys.stderr)
                store.unlink(missing_ok=True)
        except Failed as exc:
            errors["ingest"] = str(exc)
        # 4. PostgreSQL
        if not has_store:
            pg_line = (
                f"PostgreSQL rate ({label(args.pg_fills)} fills x {label(args.pg_quotes)} quotes) "
                "not measured: `tradeperf mm report --store` is not available."
            )
        elif not args.pg:
            pg_line = (
                "PostgreSQL rate not measured: add --pg "
                "(with TRADEPERF_BENCH_PG or TRADEPERF_TEST_PG)."
            )
        elif not pg_base:
            pg_line = (
                "PostgreSQL rate not measured: --pg needs TRADEPERF_BENCH_PG or TRADEPERF_TEST_PG."
            )
        else:
            try:
                pg_rows, pg_line = postgres_rows(
                    pg_base, args.pg_quotes, args.pg_fills, args, limits, work
                )
            except Failed as exc:  # the table goes on
                pg_line = f"PostgreSQL: FAILED: {exc}"

    best, med = rep.best, rep.median
    join = min((s for _, s in bare), default=None)
    vs_bare = f"{best.seconds / join:.2f}x bare join" if join else "-"
    rows = [
        Row(
            f"tradeperf mm report, Parquet in place: {size}",
            f"{best.seconds:.2f}",
            f"{nf / best.seconds:,.0f} fills/s",
            gb(best.rss_mb),
            vs_bare,
            f"<= {GOAL_S:g} s: {best.seconds / GOAL_S:.2f}x",
        )
    ]
    if len(rep.runs) > 1:
        join_med = statistics.median(s for _, s in bare) if bare else None
        rows.append(
            Row(
                f"  median of {len(rep.runs)}",
                f"{med:.2f}",
                f"{nf / med:,.0f} fills/s",
                gb(max(r.rss_mb for r in rep.runs)) + " max",
                f"{med / join_med:.2f}x bare join (median)" if join_med else "-",
                f"<= {GOAL_S:g} s: {med / GOAL_S:.2f}x",
            )
        )
    if join:
        bare_proc = min(bare, key=lambda x: x[0].seconds)[0]
        rows += [
            Row(
                f"  reference: bare DuckDB ASOF join alone, {len(PROBES_US)} probes a fill",
                f"{join:.2f}",
                f"{nf / join:,.0f} fills/s",
                "-",
                "1.00x",
                f"issue: {BARE_EXPECTED}",
            ),
            Row(
                "  bare DuckDB: its whole python -c process",
                f"{bare_proc.seconds:.2f}",
                f"{nf / bare_proc.seconds:,.0f} fills/s",
                gb(bare_proc.rss_mb),
                f"{bare_proc.seconds / join:.2f}x bare join",
            ),
        ]
    else:
        rows.append(Row("  reference: bare DuckDB ASOF join alone", "FAILED"))
    ing = min(ingests, key=lambda r: r.seconds) if ingests else None
    ingest_what = f"tradeperf ingest, {label(n_ingest)}-quote sample -> new DuckDB store"
    if ing:
        rows.append(
            Row(
                ingest_what,
                f"{ing.seconds:.2f}",
                f"{n_ingest / ing.seconds:,.0f} quotes/s",
                gb(ing.rss_mb),
                "-",
                f"{label(nq)} at this rate: ~{nq * ing.seconds / n_ingest:.0f} s",
            )
        )
    else:
        rows.append(Row(ingest_what, "FAILED"))
    rows += pg_rows
    print()
    print_table(rows)
    print()
    print(
        "4 horizons: the report always adds 0s (spread capture), so the join takes 5 probe "
        "times a fill (the bare join too). rows/s: fills a second (x5 for probe rows). "
        "Peak RSS: GNU time of the child (PostgreSQL's server not included). "
        f"Times: the best of {args.repeat} run(s) (--repeat)."
    )
    print(f"fills with a markout, tradeperf: {rep.counts}")
    print(f"fills with a quote at or before t+h, bare join (no end-of-data cut): {bare_counts}")
    if rep.progress_bar:
        print("note: mm report's stdout carried DuckDB's progress bar (printed to stdout).")
    print(pg_line)
    for what, error in errors.items():
        print(f"error ({what}): {error}")
    bare_text = (
        f"{best.seconds / join:.2f}x the bare DuckDB join ({join:.1f} s)"
        if join
        else "no bare join"
    )
    ingest_text = f"{n_ingest / ing.seconds:,.0f} quotes/s" if ing else "FAILED"
    print(
        f"Summary: {size} in {best.seconds:.1f} s (peak RSS {gb(best.rss_mb)}), {bare_text}, "
        f"{best.seconds / GOAL_S:.2f}x the {GOAL_S:g} s goal; ingest {ingest_text} "
        f"({label(n_ingest)} sample)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
