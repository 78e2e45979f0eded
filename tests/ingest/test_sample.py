"""The demo sample: deterministic, realistic in shape, with the malformed lines of real logs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tradeperf.ingest import discover, read_source
from tradeperf.sample import write_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_sample(tmp_path_factory.mktemp("sample"), days=120)


def test_same_seed_gives_identical_files(tmp_path: Path, sample: list[Path]) -> None:
    again = write_sample(tmp_path / "a", days=120)
    assert [p.name for p in again] == [p.name for p in sample]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(again, sample, strict=True))
    other = write_sample(tmp_path / "b", days=120, seed=8)
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(other, sample, strict=True))


def test_daily_files_are_found_by_discover(sample: list[Path]) -> None:
    folder = sample[0].parent.parent
    assert discover(folder) == [p.resolve() for p in sample]
    assert sample[0].name == "2024-01-01.jsonl"
    assert sample[-1].name == "2024-04-29.jsonl"


def test_sample_contains_each_kind_of_malformed_line(sample: list[Path]) -> None:
    results = [read_source(p) for p in sample]
    assert not any(r.unreadable for r in results)
    rejected = [row for r in results for row in r.rejected]
    reasons = Counter("truncated" if "malformed JSON" in r.reason else r.field for r in rejected)
    assert reasons["truncated"] >= 1
    assert reasons["entry_price"] >= 1  # text where a number should be
    assert reasons["exit_time"] >= 1  # CLOSED without exit time
    assert sum(reasons.values()) <= 12


def test_sample_looks_like_a_real_bot(sample: list[Path]) -> None:
    table = pa.concat_tables([read_source(p).table for p in sample])
    per_day = table.num_rows / len(sample)
    assert 20 <= per_day <= 40
    statuses = Counter(table.column("status").to_pylist())
    assert statuses["CANCELLED"] > 0
    assert statuses["FAILED"] > 0
    assert statuses["CLOSED"] > 0.95 * table.num_rows
    assert set(table.column("strategy").to_pylist()) == {
        "news_momentum",
        "mean_reversion",
        "breakout",
    }
    assert {"BTC-USD", "ETH-USD", "AAPL"} <= set(table.column("symbol").to_pylist())
    assert set(table.column("side").to_pylist()) == {"long", "short"}
    text = "".join(p.read_text() for p in sample[:10])
    lines = [json.loads(x) for x in text.splitlines() if x.endswith("}")]
    assert any("asset" in row for row in lines)  # news-bot layout
    assert any("symbol" in row for row in lines)  # canonical layout
    values = [row.get("net_pnl", row.get("pnl")) for row in lines]
    assert any(isinstance(v, str) for v in values)
    assert any(isinstance(v, float) for v in values)
    # Fat tails: returns have more kurtosis than a normal distribution (3).
    closed = [r for r in table.to_pylist() if r["status"] == "CLOSED"]
    returns = np.array([float(r["net_pnl"] / (r["entry_price"] * r["quantity"])) for r in closed])
    z = (returns - returns.mean()) / returns.std()
    assert float(np.mean(z**4)) > 4.0
    # Holding times from minutes to days.
    held = np.array([(r["exit_time"] - r["entry_time"]).total_seconds() for r in closed])
    assert np.percentile(held, 5) < 30 * 60
    assert np.percentile(held, 95) > 12 * 3600
