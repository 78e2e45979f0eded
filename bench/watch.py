"""Watch benchmark: one ``tradeperf watch`` cycle, against cron running two commands.

Run: ``python bench/watch.py`` (the demo's year of daily JSONL logs, and a store of
``--trades`` closed trades, 1M by default, with a growing JSONL log beside it), or
``python bench/watch.py --trades 100000 --runs 5``.

For each store, after an untimed first ingest, it times (median of ``--runs``):

- ``idle``: a cycle with nothing appended;
- ``append``: a cycle after 100 trades were appended to a log;

as ``watch`` runs them (in-process: `tradeperf.alerts.watch.Watch.cycle`, six rules, the
store opened, written, closed, the outbox flushed) and as the reference, the cron way:
``tradeperf ingest PATHS`` then ``tradeperf alerts check``, each a fresh process (start-up
included). It also gives how long a cycle holds the store (the time other commands may have
to wait), the whole cycle less the delivery.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).parent))
from books import trades_table

TARGETS = """
window: 20trades
win_rate: 0.3
max_drawdown_pct: 50
daily_loss_limit: 100000
max_consecutive_losses: 12
profit_factor:
  min: 0.5
  window: 7d
sharpe_ratio:
  min: -10
  window: all
"""


def _lines(first: int, n: int, at: dt.datetime) -> str:
    rows = []
    for i in range(first, first + n):
        exit_at = at + dt.timedelta(seconds=i)
        rows.append(json.dumps({
            "trade_id": f"w{i}", "strategy": "bench", "symbol": "BTC-USD", "side": "long",
            "status": "CLOSED", "entry_time": (exit_at - dt.timedelta(minutes=5)).isoformat(),
            "exit_time": exit_at.isoformat(), "net_pnl": str(10 - i % 7 * 3), "fees": "0.5",
        }))  # fmt: skip
    return "\n".join(rows) + "\n"


def _cron(paths: list[Path], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tradeperf", "ingest", *map(str, paths)],
                   check=True, capture_output=True, env=env, cwd=cwd)  # fmt: skip
    ran = subprocess.run([sys.executable, "-m", "tradeperf", "alerts", "check", "--targets",
                          str(cwd / "t.yaml")], capture_output=True, env=env, cwd=cwd)  # fmt: skip
    assert ran.returncode in (0, 5), ran.stderr
    return time.perf_counter() - start


def _case(name: str, root: Path, paths: list[Path], log: Path, runs: int) -> list[str]:
    from tradeperf import jobs
    from tradeperf.alerts.settings import AlertSettings
    from tradeperf.alerts.targets import parse_targets, read_targets_file
    from tradeperf.alerts.watch import Watch
    from tradeperf.config import load_config
    from tradeperf.store import open_store

    (root / "t.yaml").write_text(TARGETS)
    store = f"duckdb://{root / 'store.duckdb'}"
    env = {**os.environ, "TRADEPERF_STORE": store, "TRADEPERF_CAPITAL": "1000000",
           "TRADEPERF_ALERT_LOG": str(root / "alerts.jsonl")}  # fmt: skip
    config = load_config({"store": store, "capital": "1000000"})
    with open_store(store) as st:
        jobs.ingest(st, paths)  # untimed: the first ingest
    rules = parse_targets(read_targets_file(root / "t.yaml"))
    settings = AlertSettings(log=root / "alerts.jsonl")
    watch = Watch(config, paths, rules, every=dt.timedelta(seconds=10),
                  options=jobs.read_options(config), settings=settings)  # fmt: skip
    watch.cycle()  # warm: imports, first evaluation
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    n = 0
    times: dict[str, list[float]] = {k: [] for k in ("idle", "append", "cron idle", "cron append",
                                                      "hold")}  # fmt: skip
    for _ in range(runs):
        done = watch.cycle()
        times["idle"].append(done.seconds)
        with log.open("a") as f:
            f.write(_lines(n, 100, at))
        n += 100
        began = time.perf_counter()
        done = watch.cycle()
        times["append"].append(time.perf_counter() - began)
        assert done.ingest is not None, done
        assert done.ingest.rows_new == 100, done
        times["cron idle"].append(_cron(paths, env, root))
        with log.open("a") as f:
            f.write(_lines(n, 100, at))
        n += 100
        times["cron append"].append(_cron(paths, env, root))
    # the store is held for the cycle less delivery: time it with nothing to deliver
    for _ in range(runs):
        began = time.perf_counter()
        with open_store(store) as st:
            jobs.ingest(st, paths)
            from tradeperf.alerts.check import advance_rules

            advance_rules(st, config, rules, now=dt.datetime.now(dt.UTC), settings=settings,
                          sinks=watch.sinks)  # fmt: skip
        times["hold"].append(time.perf_counter() - began)
    med = {k: statistics.median(v) for k, v in times.items()}
    return [
        f"| {name} | {med['idle']:.3f} | {med['cron idle']:.3f} | "
        f"{med['cron idle'] / med['idle']:.1f}× | {med['append']:.3f} | {med['cron append']:.3f} | "
        f"{med['cron append'] / med['append']:.1f}× | {med['hold']:.3f} |"
    ]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from tradeperf.sample import write_sample

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        files = write_sample(demo)
        log = demo / "logs" / "zz-live.jsonl"
        log.write_text("")
        rows += _case(f"demo year ({len(files)} logs)", demo, [demo / "logs"], log, args.runs)
        big = Path(tmp) / "big"
        big.mkdir()
        pq.write_table(trades_table(args.trades, days=3 * 365, seed=3), big / "history.parquet")
        live = big / "live.jsonl"
        live.write_text("")
        rows += _case(f"{args.trades:,} trades + a live log", big,
                      [big / "history.parquet", live], live, args.runs)  # fmt: skip
    print("seconds, median of", args.runs, "runs; reference: cron's `ingest` + `alerts check`")
    print("| store | idle cycle | cron | ratio | append 100 | cron | ratio | store held |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
