"""A DuckDB file held by another process: a command waits for it (``TRADEPERF_STORE_WAIT``)
and then opens it, or says in one line which process holds it; never a lock traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tradeperf.errors import StoreError
from tradeperf.store import open_store

HOLD = (
    "import duckdb, sys, time\ncon = duckdb.connect(sys.argv[1])\n"
    "print('held', flush=True)\ntime.sleep(float(sys.argv[2]))\n"
)


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_store_held_for_a_moment_is_waited_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(f"duckdb://{path}"):
        pass
    monkeypatch.setenv("TRADEPERF_STORE_WAIT", "30")
    holder = _hold(path, 1.0)
    began = time.monotonic()
    with open_store(f"duckdb://{path}") as store:
        assert store.info().schema_version > 0
    assert time.monotonic() - began > 0.3  # it did wait
    holder.wait()


def test_a_store_held_longer_is_named_with_its_holder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.duckdb"
    monkeypatch.setenv("TRADEPERF_STORE_WAIT", "0.3")
    holder = _hold(path, 30)
    try:
        with pytest.raises(StoreError) as raised:
            open_store(f"duckdb://{path}")
        text = str(raised.value)
        assert f"PID {holder.pid}" in text
        assert "in use by another process" in text
        assert "TRADEPERF_STORE_WAIT" in text
        ran = subprocess.run([sys.executable, "-m", "tradeperf", "summary", "--store",
                              f"duckdb://{path}"], capture_output=True, text=True,
                             env={"TRADEPERF_STORE_WAIT": "0", "PATH": "/bin"})  # fmt: skip
        assert ran.returncode == 4
        assert "in use by another process" in ran.stderr
        assert "Traceback" not in ran.stderr
    finally:
        holder.kill()
        holder.wait()
    monkeypatch.setenv("TRADEPERF_STORE_WAIT", "later")
    with pytest.raises(StoreError, match="TRADEPERF_STORE_WAIT: seconds"):
        open_store(f"duckdb://{path}")
