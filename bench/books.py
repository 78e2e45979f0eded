"""Benchmark: the end-to-end figures of issue 15, each as a whole process beside its floor.

Run ``python bench/books.py`` (1M fills, 548k stored trades, 30k backfilled trades, 200k
ledger fills), ``--quick`` for small sizes while developing, ``--ten-million`` to add the
10M-fill report. Data is generated (seeded) in a temporary folder (one per row), never
committed; every store is an embedded DuckDB file (``--store duckdb://PATH``). A command is
timed with ``time.perf_counter`` around the child process; a peak RSS is that of the child
run under GNU time (``/usr/bin/time -f %M``; else its ``ru_maxrss`` from ``os.wait4``). The
children run without TRADEPERF_* variables and with ``--capital 100000``. Start-up figures
are the median of 5 runs (after one warm-up).

Rows and their floors (value / floor = ratio, or value - floor = margin):

1. ``tradeperf report fills.parquet`` on 1M fills (bench/ledger.py's `make_fills`: 20
   symbols, positions that flip, prices and quantities with 2 decimals, fees with 4; here
   with timestamps spread over a year, two strategies, one account) -> a whole ``python -c``
   process where bare DuckDB loads the same Parquet into a table of a DuckDB
   file and aggregates it (per symbol and day: signed quantity x price, fees, count).
   Goal: ratio <= 8; the report's peak RSS < 1 GB (its own row, the floor process's RSS
   beside it).
2. (``--ten-million``) the same on 10M fills. Goal: < 90 s. On this shared machine the
   child is killed (and the row shows it) beyond 1,800 s or 12 GB of RSS.
3. Append 1,000 later fills (a second Parquet file) to the store holding the 1M booked fills
   and report again, one process (``tradeperf report fills.parquet more.parquet``; the first
   file is unchanged and skipped) -> ``tradeperf --help`` start-up. Goal: under 1 s beyond it.
4. Peak RSS of ``tradeperf summary`` on the 1M-fill store -> the same on a 100k-fill store.
   Goal: flat in the number of fills, taken here as at most 1.2x.
5. CLI start-up, ``tradeperf --help`` -> ``python -c "import duckdb, pyarrow"``. Goal: <= 1.5x.
6. ``tradeperf summary --window weekly --format json`` over 5 years of stored closed trades
   (548k, ingested once, not timed) -> ``tradeperf --help`` start-up. Goal: within 50 ms of
   it; ``--window monthly`` (60 windows) within 150 ms. Medians of 5.
7. Backfill of 30k trades in 30 daily JSONL files, ``tradeperf ingest FOLDER`` into a new
   store -> a whole ``python -c`` process where bare DuckDB reads the same 30 files with
   ``read_json_auto`` into a table of a DuckDB file. Goal: ratio <= 3 (medians of 3).
8. The incremental `tradeperf.ledger.Ledger`, fills applied one by one (as bench/ledger.py
   drives it), in fills/s on 200k fills -> the goal itself, 200k fills/s.

A row that fails (a command exits non-zero, a flag is missing) is printed with its error.
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
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger import bench_incremental, make_fills  # bench/ledger.py

N_SYMBOLS = 20
YEAR_S = 365 * 86_400
#: Runs of each start-up figure (the median is reported).
STARTUP_RUNS = 5
CAPITAL = "100000"

_exe = Path(sys.executable).parent / "tradeperf"
TRADEPERF = [str(_exe)] if _exe.exists() else [sys.executable, "-m", "tradeperf"]

FLOOR_FILLS = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE fills AS SELECT * FROM read_parquet(?)", [sys.argv[2]])
con.execute('''
    SELECT symbol, CAST(timezone('UTC', "timestamp") AS DATE) AS day, count(*),
           sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END * price), sum(fee)
    FROM fills GROUP BY ALL
''').fetchall()
con.close()
"""

FLOOR_JSON = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE trades AS SELECT * FROM read_json_auto(?)", [sys.argv[2]])
con.close()
"""


class Failed(RuntimeError):
    """A child process exited non-zero or was killed (time or memory limit)."""


@dataclass
class Run:
    seconds: float
    rss_mb: float | None
    stdout: str


#: GNU time, to read a child's peak RSS: the child of a big process (this one holds the data)
#: inherits its high-water mark through fork and exec, a child of GNU time does not.
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def session_rss_mb(sid: int) -> float:
    """The summed RSS of the processes of session ``sid`` (Linux /proc), MB."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # fields[3] is the session (the 6th field of stat)
            total += int(fields[21])  # rss, pages
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(
    cmd: list[str],
    *,
    rss: bool = False,
    timeout: float | None = None,
    max_rss_mb: float | None = None,
) -> Run:
    """Run ``cmd`` as a whole process: its wall time, and with ``rss`` its peak RSS.

    The peak is measured under GNU time (which adds ~7 ms of its own start to the time, so
    the start-up rows do not use it); without it, the child's ``ru_maxrss`` from ``os.wait4``
    (which can include this process's RSS at the fork). A child (its process group) still
    running after ``timeout`` seconds, or above ``max_rss_mb`` (polled), is killed and the
    run fails (the machine is shared).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEPERF_")}
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        full = [GNU_TIME, "-f", "%M", "-o", peak.name, *cmd] if rss and GNU_TIME else cmd
        t = time.perf_counter()
        p = subprocess.Popen(full, stdout=out, stderr=err, env=env, start_new_session=True)
        done = threading.Event()
        killed: list[str] = []

        def watch() -> None:
            while not done.wait(0.5):
                if timeout and time.perf_counter() - t > timeout:
                    killed.append(f"after {timeout:g} s")
                elif max_rss_mb and (mb := session_rss_mb(p.pid)) > max_rss_mb:
                    elapsed = time.perf_counter() - t
                    killed.append(
                        f"at {mb:,.0f} MB RSS after {elapsed:.0f} s (limit {max_rss_mb:,.0f} MB)"
                    )
                else:
                    continue
                os.killpg(p.pid, signal.SIGKILL)
                return

        watcher = threading.Thread(target=watch, daemon=True)
        if timeout or max_rss_mb:
            watcher.start()
        _, status, usage = os.wait4(p.pid, 0)
        took = time.perf_counter() - t
        done.set()
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        kib = usage.ru_maxrss  # KiB on Linux
        if rss and GNU_TIME:
            lines = [x for x in peak.read().split() if x.isdigit()]
            kib = int(lines[-1]) if lines else 0
    args = ["<script>" if "\n" in a else Path(a).name if "/" in a else a for a in cmd[1:3]]
    what = " ".join([Path(cmd[0]).name, *args])
    if killed:
        raise Failed(f"`{what} ...` killed {killed[0]}")
    if p.returncode != 0:
        text = (stderr.strip() or stdout.strip()).splitlines()
        lines = [x.strip(" ╭╮╰╯│─") for x in text]  # without the boxes of typer's errors
        tail = [x for x in lines if x and x != "Error"][-3:]
        raise Failed(f"`{what} ...` exited {p.returncode}: {' | '.join(tail)}")
    return Run(took, kib / 1024 if rss else None, stdout)


def median_run(cmd: list[str], runs: int, *, warm: bool = True) -> float:
    if warm:
        run(cmd)
    return statistics.median(run(cmd).seconds for _ in range(runs))


def tp(*args: str | Path) -> list[str]:
    return [*TRADEPERF, *map(str, args)]


# --- data ------------------------------------------------------------------------------


def _decimal(values: np.ndarray, scale: int) -> pa.Array:
    """int64 units of 10^-scale as an Arrow decimal128(18, scale) (no float on the way)."""
    buf = np.empty(2 * len(values), np.int64)
    buf[0::2] = values
    buf[1::2] = values >> 63
    arr = pa.Array.from_buffers(pa.decimal128(38, scale), len(values), [None, pa.py_buffer(buf)])
    return arr.cast(pa.decimal128(18, scale))


def fills_parquet(
    path: Path, n: int, *, seed: int, prefix: str = "f", start_s: int = 0, span_s: int = YEAR_S
) -> int:
    """Write ``n`` fills (the FILL columns) to ``path``; returns the last timestamp (s).

    The symbols, sides, quantities, prices and fees are those of bench/ledger.py's
    `make_fills` (random buys and sells over 20 symbols, so positions flip); the timestamps
    are spread over ``span_s`` seconds from 2024-01-01 + ``start_s`` instead of 1 ms apart.
    """
    _, raw = make_fills(n, seed)
    rng = np.random.default_rng(seed + 1)
    us = np.sort(rng.integers(0, span_s * 10**6, n)) + start_s * 10**6
    ts = np.datetime64("2024-01-01T00:00:00", "us") + us.astype("timedelta64[us]")
    names = pa.array([f"SYM{i:02d}" for i in range(N_SYMBOLS)])
    strategies = pa.array(["mm", "trend"])
    ids = pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n)), pa.string()), "")
    table = pa.table(
        {
            "fill_id": ids,
            "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "symbol": names.take(pa.array(raw["sym"])),
            "side": pa.array(np.where(raw["buy"], "BUY", "SELL")),
            "quantity": _decimal(raw["qty"], 2),
            "price": _decimal(raw["price"], 2),
            "fee": _decimal(raw["fee"], 4),
            "strategy": strategies.take(pa.array(rng.integers(0, 2, n))),
            "account": pa.array(["acc-1"] * n),
        }
    )
    pq.write_table(table, path)
    return int(us[-1]) // 10**6 + 1 if n else start_s


def trades_table(n: int, *, days: int, seed: int, prefix: str = "t") -> pa.Table:
    """``n`` closed trades (trade_id, symbol, strategy, times, net_pnl, fees) over ``days``."""
    rng = np.random.default_rng(seed)
    exits_us = np.sort(rng.integers(0, days * 86_400 * 10**6, n))
    held_us = rng.integers(5, 7_200, n) * 10**6
    t0 = np.datetime64("2020-01-01T00:00:00", "us")
    exits = t0 + exits_us.astype("timedelta64[us]")
    entries = exits - held_us.astype("timedelta64[us]")
    pnl = np.round(rng.standard_t(3, n) * 1_200).astype(np.int64)  # cents
    fees = rng.integers(5, 200, n).astype(np.int64)  # cents
    syms = pa.array(["BTC-USD", "ETH-USD", "SOL-USD", "AAPL", "TSLA"])
    strategies = pa.array(["mr", "bo", "nm"])
    ids = pc.binary_join_element_wise(prefix, pc.cast(pa.array(np.arange(n)), pa.string()), "")
    return pa.table(
        {
            "trade_id": ids,
            "symbol": syms.take(pa.array(rng.integers(0, 5, n))),
            "strategy": strategies.take(pa.array(rng.integers(0, 3, n))),
            "entry_time": pa.array(entries, pa.timestamp("us", tz="UTC")),
            "exit_time": pa.array(exits, pa.timestamp("us", tz="UTC")),
            "net_pnl": _decimal(pnl, 2),
            "fees": _decimal(fees, 2),
        }
    )


def write_jsonl(path: Path, table: pa.Table) -> None:
    """One trade a line, times as ISO-8601 with Z, money as decimal strings."""
    cols = {
        "trade_id": table["trade_id"].to_pylist(),
        "symbol": table["symbol"].to_pylist(),
        "strategy": table["strategy"].to_pylist(),
        "entry_time": pc.strftime(table["entry_time"], "%Y-%m-%dT%H:%M:%SZ").to_pylist(),
        "exit_time": pc.strftime(table["exit_time"], "%Y-%m-%dT%H:%M:%SZ").to_pylist(),
        "net_pnl": pc.cast(table["net_pnl"], pa.string()).to_pylist(),
        "fees": pc.cast(table["fees"], pa.string()).to_pylist(),
    }
    with path.open("w") as f:
        for i in range(len(table)):
            f.write(json.dumps({k: v[i] for k, v in cols.items()}) + "\n")


# --- table -----------------------------------------------------------------------------


@dataclass
class Row:
    measure: str
    value: str = "-"
    floor: str = "-"
    ratio: str = "-"
    goal: str = "-"
    met: str = "-"
    error: str | None = None


def yes(ok: bool) -> str:
    return "yes" if ok else "no"


def ratio_row(measure: str, v: float, f: float, floor_name: str, limit: float, unit: str) -> Row:
    fmt = (lambda x: f"{x:.2f} s") if unit == "s" else (lambda x: f"{x * 1e3:.0f} ms")
    r = v / f
    return Row(
        measure, fmt(v), f"{fmt(f)} {floor_name}", f"{r:.2f}x", f"<= {limit:g}x", yes(r <= limit)
    )


def margin_row(measure: str, v: float, start: float, limit: float, unit: str) -> Row:
    if unit == "s":
        value, floor, margin = f"{v:.2f} s", f"{start:.2f} s start-up", f"+{v - start:.2f} s"
        goal = f"<= +{limit:g} s"
    else:
        value, floor = f"{v * 1e3:.0f} ms", f"{start * 1e3:.0f} ms start-up"
        margin, goal = f"{(v - start) * 1e3:+.0f} ms", f"<= +{limit * 1e3:.0f} ms"
    return Row(measure, value, floor, margin, goal, yes(v - start <= limit))


def run_guarded(rows: list[Row], measure: str, fn: Callable[[], list[Row]]) -> None:
    """Append ``fn``'s rows, or one row with the error when it fails."""
    try:
        rows.extend(fn())
    except Exception as exc:  # the table goes on
        text = (
            str(exc)
            if isinstance(exc, Failed)
            else "".join(traceback.format_exception_only(exc)).strip()
        )
        rows.append(Row(measure, error=text))


def print_table(rows: list[Row]) -> None:
    head = Row("measure", "value", "floor/reference", "ratio/margin", "goal", "met?")
    cells = [[r.measure, r.value, r.floor, r.ratio, r.goal, r.met] for r in [head, *rows]]
    for r, c in zip([head, *rows], cells, strict=True):
        if r.error is not None:
            c[1:] = [f"ERROR: {r.error[:60]}", "-", "-", "-", "no"]
    widths = [max(len(c[i]) for c in cells) for i in range(6)]
    for i, c in enumerate(cells):
        print(
            " | ".join(
                x.ljust(w) if j in (0, 2) else x.rjust(w)
                for j, (x, w) in enumerate(zip(c, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            print("-+-".join("-" * w for w in widths))
    errors = [r for r in rows if r.error is not None]
    for r in errors:
        print(f"error in {r.measure!r}: {r.error}")


# --- rows ------------------------------------------------------------------------------


def label(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.startup: float | None = None  # tradeperf --help, s
        self.stores: dict[int, tuple[Path, str, int]] = {}  # n -> (parquet, store url, last s)

    def dir(self, name: str) -> Path:
        d = self.work / name
        d.mkdir()
        return d

    def startup_rows(self) -> list[Row]:
        helps = median_run(tp("--help"), STARTUP_RUNS)
        self.startup = helps
        imports = median_run([sys.executable, "-c", "import duckdb, pyarrow"], STARTUP_RUNS)
        return [
            ratio_row(
                "CLI start-up: tradeperf --help (median of 5)",
                helps,
                imports,
                "python -c 'import duckdb, pyarrow'",
                1.5,
                "ms",
            )
        ]

    def need_startup(self) -> float:
        if self.startup is None:
            self.startup = median_run(tp("--help"), STARTUP_RUNS)
        return self.startup

    def report_rows(self, n: int, goal_s: float | None = None) -> list[Row]:
        d = self.dir(f"report-{n}")
        parquet = d / "fills.parquet"
        last = fills_parquet(parquet, n, seed=7)
        url = f"duckdb://{d / 'store.duckdb'}"
        floor_runs = [
            run(
                [sys.executable, "-c", FLOOR_FILLS, str(d / f"floor{i}.duckdb"), str(parquet)],
                rss=True,
            )
            for i in range(1 if n > 2_000_000 else 3)
        ]
        floor = statistics.median(r.seconds for r in floor_runs)
        floor_rss = max(r.rss_mb or 0.0 for r in floor_runs)
        cmd = tp("report", parquet, "--store", url, "--out", d / "out", "--capital", CAPITAL)
        limits = {} if goal_s is None else {"timeout": 20 * goal_s, "max_rss_mb": 12_000}
        rep = run(cmd, rss=True, **limits)
        rep_rss = rep.rss_mb or 0.0
        self.stores[n] = (parquet, url, last)
        what = f"report {label(n)} fills (Parquet), whole process"
        if goal_s is None:
            first = ratio_row(what, rep.seconds, floor, "bare DuckDB load+aggregate", 8, "s")
        else:
            first = Row(
                what,
                f"{rep.seconds:.2f} s",
                f"{floor:.2f} s bare DuckDB load+aggregate",
                f"{rep.seconds / floor:.2f}x",
                f"< {goal_s:g} s",
                yes(rep.seconds < goal_s),
            )
        rss = Row(
            f"  peak RSS of that report ({label(n)} fills)",
            f"{rep_rss:.0f} MB",
            f"{floor_rss:.0f} MB the floor process",
            f"{rep_rss / floor_rss:.2f}x",
            "< 1024 MB" if goal_s is None else "-",
            yes(rep_rss < 1024) if goal_s is None else "-",
        )
        return [first, rss]

    def append_rows(self, n: int) -> list[Row]:
        if n not in self.stores:
            raise RuntimeError(f"no store of {label(n)} booked fills (its report row failed)")
        parquet, url, last = self.stores[n]
        more = parquet.parent / "more.parquet"
        fills_parquet(more, 1_000, seed=11, prefix="g", start_s=last + 60, span_s=3_600)
        start = self.need_startup()
        rep = run(
            tp(
                "report",
                parquet,
                more,
                "--store",
                url,
                "--out",
                parquet.parent / "out2",
                "--capital",
                CAPITAL,
            )
        )
        return [
            margin_row(
                f"append 1,000 fills to {label(n)} booked + report", rep.seconds, start, 1.0, "s"
            )
        ]

    def summary_rss_rows(self, big: int, small: int) -> list[Row]:
        if small not in self.stores:
            d = self.dir(f"report-{small}")
            parquet = d / "fills.parquet"
            last = fills_parquet(parquet, small, seed=7)
            url = f"duckdb://{d / 'store.duckdb'}"
            run(tp("ingest", parquet, "--store", url))
            self.stores[small] = (parquet, url, last)
        if big not in self.stores:
            raise RuntimeError(f"no store of {label(big)} booked fills (its report row failed)")
        peaks = {}
        for n in (small, big):
            url = self.stores[n][1]
            cmd = tp("summary", "--store", url, "--capital", CAPITAL)
            run(cmd)  # warm
            peaks[n] = run(cmd, rss=True).rss_mb or 0.0
        r = peaks[big] / peaks[small]
        return [
            Row(
                f"peak RSS of tradeperf summary, {label(big)}-fill store",
                f"{peaks[big]:.0f} MB",
                f"{peaks[small]:.0f} MB the {label(small)}-fill store",
                f"{r:.2f}x",
                "<= 1.2x (flat)",
                yes(r <= 1.2),
            )
        ]

    def window_rows(self, n: int) -> list[Row]:
        d = self.dir("windows")
        trades = d / "trades.parquet"
        pq.write_table(trades_table(n, days=5 * 365 + 1, seed=2), trades)
        url = f"duckdb://{d / 'store.duckdb'}"
        run(tp("ingest", trades, "--store", url))
        start = self.need_startup()
        rows = []
        for kind, limit in (("weekly", 0.050), ("monthly", 0.150)):
            cmd = tp(
                "summary",
                "--window",
                kind,
                "--format",
                "json",
                "--store",
                url,
                "--capital",
                CAPITAL,
            )
            windows = count_windows(run(cmd).stdout)
            took = median_run(cmd, STARTUP_RUNS, warm=False)
            rows.append(
                margin_row(
                    f"{kind} summary, 5 years, {label(n)} trades ({windows} windows, median of 5)",
                    took,
                    start,
                    limit,
                    "ms",
                )
            )
        return rows

    def backfill_rows(self, n: int) -> list[Row]:
        d = self.dir("backfill")
        logs = d / "logs"
        logs.mkdir()
        table = trades_table(n, days=30, seed=3, prefix="b")
        day = pc.floor_temporal(table["exit_time"], unit="day")
        for i, value in enumerate(pc.unique(day).to_pylist()):
            part = table.filter(pc.equal(day, pa.scalar(value, day.type)))
            write_jsonl(logs / f"trades-{i + 1:02d}.jsonl", part)
        files = len(list(logs.iterdir()))
        ingests, floors = [], []
        for i in range(3):
            url = f"duckdb://{d / f'store{i}.duckdb'}"
            ingests.append(run(tp("ingest", logs, "--store", url)).seconds)
            floor = [
                sys.executable,
                "-c",
                FLOOR_JSON,
                str(d / f"floor{i}.duckdb"),
                str(logs / "*.jsonl"),
            ]
            floors.append(run(floor).seconds)
        return [
            ratio_row(
                f"backfill {label(n)} trades in {files} daily JSONL files (median of 3)",
                statistics.median(ingests),
                statistics.median(floors),
                "bare DuckDB read_json_auto",
                3,
                "s",
            )
        ]

    def ledger_rows(self, n: int) -> list[Row]:
        _, raw = make_fills(n)
        bench_incremental(raw, min(n, 2_000))  # warm up
        rate = n / bench_incremental(raw, n)
        goal = 200_000
        return [
            Row(
                f"incremental Ledger.apply, {label(n)} fills (in process)",
                f"{rate:,.0f} fills/s",
                f"{goal:,} fills/s (the goal)",
                f"{rate / goal:.2f}x",
                f">= {goal:,} fills/s",
                yes(rate >= goal),
            )
        ]


def count_windows(stdout: str) -> str:
    """The number of windows in a summary's JSON, or '?' when the layout is not known."""
    try:
        doc = json.loads(stdout)
    except ValueError:
        return "?"
    found = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "windows" and isinstance(v, list):
                    found.append(len(v))
                elif k == "windows" and isinstance(v, dict):
                    found.extend(len(w) for w in v.values() if isinstance(w, list))
                else:
                    walk(v)
        elif isinstance(x, list) and x and isinstance(x[0], dict) and "window" in str(x[0])[:200]:
            found.append(len(x))

    walk(doc)
    return str(max(found)) if found else "?"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (for development)")
    ap.add_argument("--ten-million", action="store_true", help="add the 10M-fill report row")
    ap.add_argument(
        "--rows",
        default="",
        help="only these rows of the table, by number (e.g. 1,3; 2 needs --ten-million)",
    )
    args = ap.parse_args()
    wanted = {int(x) for x in args.rows.split(",") if x.strip()} or set(range(1, 9))
    q = args.quick
    fills, small, big = (50_000, 5_000, 500_000) if q else (1_000_000, 100_000, 10_000_000)
    trades, backfill, ledger = (30_000, 3_000, 20_000) if q else (548_000, 30_000, 200_000)

    work = Path(tempfile.mkdtemp(prefix="tp-books-"))
    bench = Bench(work)
    found: dict[int, list[Row]] = {i: [] for i in range(1, 9)}
    t0 = time.perf_counter()

    def guarded(rows: list[Row], measure: str, fn: Callable[[], list[Row]]) -> None:
        number = next(i for i, r in found.items() if r is rows)
        if number in wanted:
            run_guarded(rows, measure, fn)

    try:
        guarded(found[5], "CLI start-up: tradeperf --help", bench.startup_rows)
        guarded(
            found[1], f"report {label(fills)} fills (Parquet)", lambda: bench.report_rows(fills)
        )
        guarded(
            found[3],
            f"append 1,000 fills to {label(fills)} booked + report",
            lambda: bench.append_rows(fills),
        )
        guarded(
            found[4],
            f"peak RSS of tradeperf summary, {label(fills)}-fill store",
            lambda: bench.summary_rss_rows(fills, small),
        )
        guarded(
            found[6], "weekly/monthly summary, 5 years of trades", lambda: bench.window_rows(trades)
        )
        guarded(
            found[7],
            f"backfill {label(backfill)} trades in 30 JSONL files",
            lambda: bench.backfill_rows(backfill),
        )
        guarded(found[8], "incremental Ledger.apply", lambda: bench.ledger_rows(ledger))
        if args.ten_million:
            guarded(
                found[2],
                f"report {label(big)} fills (Parquet)",
                lambda: bench.report_rows(big, goal_s=90),
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table([r for i in range(1, 9) for r in found[i]])
    print(
        f"(whole processes: {' '.join(TRADEPERF)}; python {sys.version.split()[0]}, "
        f"duckdb {duckdb.__version__}, pyarrow {pa.__version__}, {os.cpu_count()} cores; "
        f"{time.perf_counter() - t0:.0f} s in all{'; --quick sizes' if q else ''})"
    )


if __name__ == "__main__":
    main()
