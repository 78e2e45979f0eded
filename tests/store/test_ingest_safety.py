"""Ingestion is atomic, idempotent and incremental: killed at random points, re-run, grown,
rewritten, or run by several processes at once, the store ends as one clean ingest would."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tradeperf import pipeline as loader
from tradeperf.ingest.read import discover
from tradeperf.pipeline import content_digest, ingest_paths
from tradeperf.sample import write_sample
from tradeperf.store import Store, open_store

SRC = str(Path(__file__).resolve().parents[2] / "src")

#: The subprocess that ingests a folder in small batches (many transactions to kill).
INGEST_SCRIPT = """
import sys
from pathlib import Path
from tradeperf.ingest.read import discover
from tradeperf.store import open_store
from tradeperf import pipeline as loader
loader.BATCH_FILES = int(sys.argv[3])
def progress(_path):
    sys.stdout.write(".")
    sys.stdout.flush()
with open_store(sys.argv[1]) as store:
    files = [p for arg in sys.argv[2].split(",") for p in discover(Path(arg))]
    loader.ingest_paths(store, files, on_file=progress)
"""


def _line(i: int, *, pnl: str = "1.25", day: int = 1, prefix: str = "g") -> str:
    hour, minute = divmod(i % 1440, 60)
    return json.dumps(
        {
            "trade_id": f"{prefix}{i}",
            "strategy": "grow",
            "symbol": "X",
            "side": "long",
            "status": "CLOSED",
            "entry_time": f"2024-03-{day:02d}T{hour:02d}:{minute:02d}:00Z",
            "exit_time": f"2024-03-{day:02d}T{hour:02d}:{minute:02d}:30Z",
            "quantity": "1",
            "entry_price": "100",
            "exit_price": "101",
            "fees": "0.25",
            "net_pnl": pnl,
        }
    )


def _log_lines(start: int, stop: int, *, bad_every: int = 97, prefix: str = "g") -> list[str]:
    """Lines ``start``..``stop - 1`` (0-based index i is file line i + 1); every
    ``bad_every``-th line is a truncated JSON object."""
    out = []
    for i in range(start, stop):
        text = _line(i, pnl=f"{(i % 7) - 3}.5", day=1 + (i // 1440) % 28, prefix=prefix)
        out.append(text[:40] if (i + 1) % bad_every == 0 else text)
    return out


def _snapshot(store: Store) -> dict[str, Any]:
    """What must be equal between two stores holding the same files."""
    trades = store.trades()
    partials = store.partials("UTC")
    return {
        "trade_ids": sorted(trades.column("trade_id").to_pylist()),
        "net": sum((x for x in trades.column("net_pnl").to_pylist() if x is not None), Decimal(0)),
        "quarantine": sorted(
            (r["source"], r["line"], r["field"], r["reason"])
            for r in store.quarantine().to_pylist()
        ),
        "sources": sorted(
            (e.path, e.checksum, e.end_offset, e.rows, e.rejected)
            for e in store.source_entries().values()
        ),
        "partials": [
            (r["day"], r["trades"], r["net_pnl"], r["best_win_run"], r["max_drawdown"])
            for r in partials.to_pylist()
        ],
    }


def _index_is_complete(store: Store, folder: Path) -> None:
    entries = store.source_entries()
    for path in discover(folder):
        data = path.resolve().read_bytes()
        entry = entries[str(path.resolve())]
        assert entry.checksum == content_digest(path.resolve(), len(data)).hexdigest
        assert entry.size == len(data)


def _run_ingest(url: str, folders: list[Path], batch_files: int = 2) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": SRC}
    args = [url, ",".join(str(f) for f in folders), str(batch_files)]
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _wait_for_progress(proc: subprocess.Popen[bytes], files: int) -> None:
    """Block until the process has read ``files`` files (one ``.`` each) or has ended."""
    assert proc.stdout is not None
    seen = 0
    while seen < files and proc.stdout.read(1):
        seen += 1


def _mutate(folder: Path, rng: random.Random, step: int) -> None:
    """Grow one log, rewrite another, or leave the folder alone."""
    files = sorted(folder.glob("*.jsonl"))
    target = rng.choice(files)
    action = rng.choice(["grow", "rewrite", "none"])
    if action == "grow":
        with target.open("a") as f:
            for line in _log_lines(step * 1000, step * 1000 + 40, prefix=f"k{step}-"):
                f.write(line + "\n")
    elif action == "rewrite":
        lines = target.read_text().splitlines()
        keep = [x for j, x in enumerate(lines) if j % 3 != step % 3]
        target.write_text("\n".join(keep) + "\n")


@pytest.mark.slow
def test_killed_ingestion_ends_as_one_clean_ingest(store_url: str, tmp_path: Path) -> None:
    postgres = store_url.startswith("postgresql")
    kills = 8 if postgres else 16
    rng = random.Random(20240607)
    folder = tmp_path / "data"
    write_sample(folder, days=90, seed=3)
    logs = folder / "logs"
    n_files = len(discover(logs))
    interrupted = 0
    for step in range(kills):
        if step % 2:
            _mutate(logs, rng, step)
        proc = _run_ingest(store_url, [logs])
        # kill at a random point: after a random number of files, a random moment later
        _wait_for_progress(proc, rng.randint(1, n_files - 10))
        time.sleep(rng.uniform(0.0, 0.02))
        interrupted += proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    final = _run_ingest(store_url, [logs])
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err.decode()
    # the kills land while the process still works (files remain after the chosen point)
    assert interrupted >= kills * 3 // 4, interrupted

    with open_store(f"duckdb://{tmp_path / 'clean.duckdb'}") as clean:
        ingest_paths(clean, discover(logs))
        expected = _snapshot(clean)
    with open_store(store_url) as store:
        assert _snapshot(store) == expected
        _index_is_complete(store, logs)
        again = ingest_paths(store, discover(logs))
        assert (again.rows_new, again.files_read) == (0, 0)
        assert again.files_skipped == len(discover(logs))
        assert _snapshot(store) == expected


def test_grown_log_reads_only_the_appended_lines(store_url: str, tmp_path: Path) -> None:
    log = tmp_path / "bot.jsonl"
    log.write_text("\n".join(_log_lines(0, 5000)) + "\n")
    with open_store(store_url) as store:
        first = ingest_paths(store, [log])
        assert first.rows_read == 5000 - 5000 // 97
        with log.open("a") as f:
            f.write("\n".join(_log_lines(5000, 6000)) + "\n")
        grown = ingest_paths(store, [log])
        assert (grown.files_appended, grown.files_read) == (1, 1)
        bad_new = [i + 1 for i in range(5000, 6000) if (i + 1) % 97 == 0]
        assert grown.rows_read == 1000 - len(bad_new)
        assert grown.rejected_rows == len(bad_new)
        # rejects of the appended part carry their line numbers from the start of the file
        lines = sorted(r["line"] for r in store.quarantine().to_pylist())
        assert lines == [i for i in range(1, 6001) if i % 97 == 0]
        assert store.trades().num_rows == 6000 - 6000 // 97
        entry = store.source_entry(str(log.resolve()))
        assert entry is not None
        assert entry.end_offset == log.stat().st_size
        assert entry.end_line == 6000  # so the next append is numbered without a recount
        assert entry.rows == 6000 - 6000 // 97
        # the partials follow: one day's roll-up holds every trade of that day
        partials = store.partials("UTC").to_pylist()
        assert sum(r["trades"] for r in partials) == store.trades().num_rows
        assert ingest_paths(store, [log]).rows_read == 0
        # the digest of a log read in two parts is the digest of the whole file
        assert entry.checksum == content_digest(log.resolve(), log.stat().st_size).hexdigest


def test_unchanged_old_file_is_skipped_without_reading_it(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "old.jsonl"
    log.write_text("\n".join(_log_lines(0, 50)) + "\n")
    an_hour_ago = time.time() - 3600
    os.utime(log, (an_hour_ago, an_hour_ago))
    fresh = tmp_path / "fresh.jsonl"
    fresh.write_text("\n".join(_log_lines(50, 60)) + "\n")
    with open_store(store_url) as store:
        ingest_paths(store, [log, fresh])
        digested: list[Path] = []
        real = loader.content_digest

        def spy(path: Path, size: int, resume: str = "") -> loader.ContentDigest:
            digested.append(path)
            return real(path, size, resume)

        monkeypatch.setattr(loader, "content_digest", spy)
        again = ingest_paths(store, [log, fresh])
        assert (again.files_skipped, again.files_read) == (2, 0)
        # size and time as stored, long before the ingestion: not even hashed; the file
        # written just now is checked by its content (its time may not show a new change)
        assert digested == [fresh.resolve()]
        # touched an hour later, not changed: hashed once, then known by its new time
        os.utime(log, (an_hour_ago + 60, an_hour_ago + 60))
        digested.clear()
        for _ in range(2):
            touched = ingest_paths(store, [log])
            assert (touched.files_skipped, touched.rows_new) == (1, 0)
        assert digested == [log.resolve()]
        entry = store.source_entry(str(log.resolve()))
        assert entry is not None
        assert entry.mtime_ns == log.stat().st_mtime_ns
        assert entry.rows == 50 - 50 // 97


def test_log_rewritten_before_its_offset_is_read_again_and_replaced(
    store_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "bot.jsonl"
    lines = _log_lines(0, 3000)
    log.write_text("\n".join(lines) + "\n")
    with open_store(store_url) as store:
        ingest_paths(store, [log])
        # rotated: lines 100-199 gone, one P&L changed, a bad line fixed, 50 lines added
        changed = lines[:100] + lines[200:]
        changed[0] = _line(0, pnl="99")
        changed[96 - 1] = _line(96)  # was line 97, bad; now a valid trade
        changed += _log_lines(3000, 3050)
        log.write_text("\n".join(changed) + "\n")
        report = ingest_paths(store, [log])
        assert (report.files_appended, report.files_read) == (0, 1)
        trades = store.trades()
        ids = trades.column("trade_id").to_pylist()
        assert len(ids) == len(set(ids))
        expected = {json.loads(x)["trade_id"] for x in changed if x.endswith("}")}
        assert set(ids) == expected
        assert "g150" not in ids
        net = dict(zip(ids, trades.column("net_pnl").to_pylist(), strict=True))
        assert net["g0"] == Decimal(99)
        assert store.quarantine().num_rows == sum(1 for x in changed if not x.endswith("}"))
        partials = store.partials("UTC").to_pylist()
        assert sum(r["trades"] for r in partials) == len(ids)
        assert sum(r["net_pnl"] for r in partials) == sum(net.values())


@pytest.mark.slow
def test_concurrent_writers_lose_and_duplicate_nothing(pg_store_url: str, tmp_path: Path) -> None:
    store_url = pg_store_url
    folder = tmp_path / "data"
    write_sample(folder, days=48, seed=11)
    files = sorted((folder / "logs").glob("*.jsonl"))
    groups = [tmp_path / f"g{i}" for i in range(5)]
    for g in groups:
        g.mkdir()
    for i, f in enumerate(files):
        (groups[i % 4] / f.name).symlink_to(f)
    shared = groups[4]
    for f in files[::6]:
        (shared / f.name).symlink_to(f)
    # every process writes its own files and the shared ones, all opening a new schema at once
    procs = [_run_ingest(store_url, [groups[i], shared], batch_files=3) for i in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    with open_store(f"duckdb://{tmp_path / 'clean.duckdb'}") as clean:
        ingest_paths(clean, files)
        expected = _snapshot(clean)
    with open_store(store_url) as store:
        got = _snapshot(store)
        # symlinks resolve to the same files: one index entry per real file
        assert got == expected
        before = store.partials("UTC")
        store.ensure_partials("UTC", rebuild=True)
        after = store.partials("UTC")
        # every figure equal; the float sum of squares up to the order of its additions
        exact = [c for c in before.column_names if c != "net_sq_sum"]
        assert after.select(exact).equals(before.select(exact))
        assert after.column("net_sq_sum").to_pylist() == pytest.approx(
            before.column("net_sq_sum").to_pylist(), rel=1e-12
        )
