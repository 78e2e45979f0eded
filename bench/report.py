"""Report benchmark: the whole ``tradeperf report`` process and its files, against quantstats.

Run: ``python bench/report.py`` (1k, 100k and 1M closed trades over 3 years, Parquet, from
`books.trades_table`), or ``python bench/report.py --sizes 1000,100000 --pdf``. Each size is
timed as the user runs it: a fresh ``tradeperf report FILE --out DIR`` process into a new
DuckDB store (start-up, ingest, summary, every file written; the PDF only with ``--pdf``,
and only where a Chromium is found), median of ``--runs`` runs. The reference is quantstats'
``reports.html`` on the same daily returns (the report's ``series.csv``), timed in-process
after its import. Goals of issue 18: 100k trades within 3 s and faster than quantstats on
the same days; the HTML of 1M trades under 3 MB and at most 1 MB larger than that of 1k.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from books import trades_table

DAYS = 3 * 365
MB = 1024 * 1024


def _run_report(source: Path, out: Path, outputs: str, env: dict[str, str]) -> float:
    store = out.parent / f"{out.name}.duckdb"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tradeperf", "report", str(source), "--out", str(out),
         "--store", f"duckdb://{store}", "--capital", "1000000", "--outputs", outputs],
        check=True, capture_output=True, env=env,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    store.unlink()
    return elapsed


def _tear_sheet(source: Path, root: Path) -> float:
    """Time the tear sheet alone, in-process: the summary's extras gathered and report.html
    written (what quantstats' reports.html does from its returns), after an untimed ingest
    and a warm-up."""
    from tradeperf import jobs
    from tradeperf.analytics.summary import summarize
    from tradeperf.config import load_config
    from tradeperf.reports.html_report import ROLLING
    from tradeperf.store import open_store

    config = load_config({"store": f"duckdb://{root / 'sheet.duckdb'}", "capital": "1000000"})
    jobs.run_report([source], root / "sheet", config, outputs=("md",))
    request = jobs.summary_request(
        config, trade_list=True, rolling=ROLLING, sources=(str(source.resolve()),)
    )
    times = []
    with open_store(config.store) as store:
        for _ in range(3):
            start = time.perf_counter()
            summary = summarize(store, request)
            extras = jobs.report_extras(store, summary)
            jobs.write_report(summary, root / "sheet", outputs=("html",), extras=extras)
            times.append(time.perf_counter() - start)
    (root / "sheet.duckdb").unlink()
    return statistics.median(times[1:])


def _quantstats(series_csv: Path, out: Path) -> float:
    import quantstats as qs

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # no Arial here

    frame = pd.read_csv(series_csv, parse_dates=["day"]).set_index("day")
    returns = frame["return"].fillna(0.0)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qs.reports.html(returns, output=str(out), title="quantstats")
    return time.perf_counter() - start


def main() -> None:
    """Time the reports of each size, print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pdf", action="store_true", help="also time the report with its PDF")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    env = dict(os.environ)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n in sizes:
            source = root / f"trades-{n}.parquet"
            pq.write_table(trades_table(n, days=DAYS, seed=4), source)
            env["TRADEPERF_CHROMIUM"] = "none"
            times = []
            for i in range(args.runs):
                times.append(_run_report(source, root / f"rep-{n}-{i}", "json,md,csv,html", env))
            out = root / f"rep-{n}-0"
            row = {
                "trades": n,
                "report_s": statistics.median(times),
                "html_mb": (out / "report.html").stat().st_size / MB,
                "trades_csv_mb": (out / "trades.csv").stat().st_size / MB,
                "days": len(pd.read_csv(out / "series.csv")),
                "pdf_s": None,
            }
            if args.pdf:
                env.pop("TRADEPERF_CHROMIUM")
                row["pdf_s"] = _run_report(source, root / f"pdf-{n}", "pdf", env)
            row["sheet_s"] = _tear_sheet(source, root)
            qs_times = [_quantstats(out / "series.csv", root / f"qs-{n}.html") for _ in range(2)]
            row["quantstats_s"] = min(qs_times)
            row["quantstats_mb"] = (root / f"qs-{n}.html").stat().st_size / MB
            rows.append(row)
    base = rows[0]["html_mb"]
    print(f"Report benchmark: whole `tradeperf report` process (median of {args.runs}), "
          f"{DAYS} days; reference quantstats reports.html on the same daily returns")  # fmt: skip
    head = (f"{'trades':>9} {'days':>5} {'report s':>9} {'sheet s':>8} {'quantstats s':>13} "
            f"{'ratio':>6} "
            f"{'html MB':>8} {'vs 1st MB':>9} {'qs MB':>6} {'trades.csv MB':>13} "
            f"{'pdf s':>6}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for r in rows:
        pdf = f"{r['pdf_s']:.2f}" if r["pdf_s"] is not None else "-"
        print(
            f"{r['trades']:>9,} {r['days']:>5} {r['report_s']:>9.2f} {r['sheet_s']:>8.2f} "
            f"{r['quantstats_s']:>13.2f} {r['quantstats_s'] / r['sheet_s']:>6.1f} "
            f"{r['html_mb']:>8.2f} "
            f"{r['html_mb'] - base:>+9.2f} {r['quantstats_mb']:>6.2f} "
            f"{r['trades_csv_mb']:>13.1f} {pdf:>6}"
        )
    print("report s: the whole process (start-up, ingest, summary, every file but the PDF); "
          "sheet s: the tear sheet alone in-process (summary, extras, report.html) beside "
          "quantstats s, reports.html from the returns; ratio = quantstats s / sheet s. Goals: "
          "100k report within 3 s; 1M html < 3 MB and <= 1 MB above the first size.")  # fmt: skip


if __name__ == "__main__":
    main()
