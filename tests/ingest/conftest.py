"""Fixtures for the ingest tests: writing small source files and finding the shared real data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    """Write objects (dicts) or raw lines (str) as a JSONL file and return its path."""

    def write(rows: list[object], name: str = "trades.jsonl") -> Path:
        path = tmp_path / name
        lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    return write


@pytest.fixture
def freqtrade_export() -> Path:
    """The real freqtrade backtest export, read in place from ``$TRADEPERF_SHARED_DATA``."""
    base = os.environ.get("TRADEPERF_SHARED_DATA")
    if not base:
        pytest.skip("TRADEPERF_SHARED_DATA is not set; the real freqtrade export is not available")
    path = Path(base) / "freqtrade-backtest" / "backtest-result.json"
    if not path.is_file():
        pytest.fail(f"TRADEPERF_SHARED_DATA={base} is set but {path} is missing")
    return path
