"""Hourly markout partials: built incrementally, merged into rolling windows, quotes pruned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tradeperf import pipeline
from tradeperf.mm.generator import MMDayConfig, generate_mm_day
from tradeperf.mm.horizons import parse_horizons
from tradeperf.mm.job import MarkoutRequest
from tradeperf.mm.store_job import build_partials, markouts_from_store, rolling_document
from tradeperf.store import open_store

HORIZONS = "1s,10s,1min"
DAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def _split(table: pa.Table, at: dt.datetime) -> tuple[pa.Table, pa.Table]:
    before = pc.less(table.column("timestamp"), pa.scalar(at, table.schema.field("timestamp").type))
    return table.filter(before), table.filter(pc.invert(before))


def _write(folder: Path, name: str, table: pa.Table) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)
    return folder / name


def _key(row: dict) -> tuple:
    return (
        row["symbol"],
        row["side"],
        row["liquidity"],
        row["strategy"],
        row["horizon"],
        row["net_of_fee"],
    )


def _compare(rolling: list[dict], full: list[dict]) -> None:
    by_key = {_key(r): r for r in full}
    assert len(rolling) == len(full)
    for row in rolling:
        want = by_key[_key(row)]
        assert (row["count"], row["missing"]) == (want["count"], want["missing"])
        for name in (
            "mean_bps",
            "notional_weighted_mean_bps",
            "spread_capture_bps",
            "adverse_selection_bps",
            "std_bps",
        ):
            if want[name] is None:
                assert row[name] is None
            else:
                assert row[name] == pytest.approx(want[name], rel=1e-6, abs=1e-9), name
        assert row["median_bps"] is None


def test_partials_incremental_rolling_and_prune(store_url: str, tmp_path: Path) -> None:
    day = generate_mm_day(MMDayConfig(seed=5, hours=3.0, stress_start=0.5, stress_hours=0.25))
    noon = DAY + dt.timedelta(hours=2)
    quotes1, quotes2 = _split(day.quotes, noon)
    fills1, fills2 = _split(day.fills, noon)
    first = [
        _write(tmp_path / "a", "quotes.parquet", quotes1),
        _write(tmp_path / "a", "fills.parquet", fills1),
    ]
    second = [
        _write(tmp_path / "b", "quotes.parquet", quotes2),
        _write(tmp_path / "b", "fills.parquet", fills2),
    ]
    with open_store(store_url) as store:
        pipeline.ingest_paths(store, first)
    done = build_partials(store_url, horizons=HORIZONS)
    assert done["since"] is None
    assert done["fills"] == fills1.num_rows
    with open_store(store_url) as store:
        pipeline.ingest_paths(store, second)
    again = build_partials(store_url, horizons=HORIZONS)
    # the second build starts at the hour its first one was final from, not at the start
    assert again["since"] is not None
    assert again["fills"] < day.fills.num_rows
    end = DAY + dt.timedelta(hours=3)
    rolled = rolling_document(store_url, windows="24h,7d", at=end)
    full = markouts_from_store(MarkoutRequest(store=store_url), parse_horizons(HORIZONS))
    all_rows = full["markouts"]
    for window in ("24h", "7d"):
        _compare([r for r in rolled["markouts"] if r["window"] == window], all_rows)
    # a window that holds only the first hour: its fills only
    early = rolling_document(store_url, windows="1h", at=DAY + dt.timedelta(minutes=30))
    top = [
        r
        for r in early["markouts"]
        if r["symbol"] == r["side"] == r["liquidity"] == "*"
        and r["strategy"] == "*"
        and r["horizon"] == "0s"
        and not r["net_of_fee"]
    ]
    first_hour, _ = _split(day.fills, DAY + dt.timedelta(hours=1))
    assert top[0]["count"] + top[0]["missing"] == first_hour.num_rows
    # prune the quotes: the rolling figures stay, and the next build still agrees
    with open_store(store_url) as store:
        deleted = store.prune(["quotes"], older_than=dt.timedelta(minutes=30), now=end)
        assert deleted["quotes"] > 0
        assert store.pruned_kept["quotes"] > 0  # each symbol's last quote and the last hour's
    after = rolling_document(store_url, windows="24h", at=end)
    assert after["markouts"] == [r for r in rolled["markouts"] if r["window"] == "24h"]
    build_partials(store_url, horizons=HORIZONS)
    rebuilt = rolling_document(store_url, windows="24h", at=end)
    _compare(rebuilt["markouts"], all_rows)


def test_quotes_stay_while_no_partials_exist(store_url: str, tmp_path: Path) -> None:
    day = generate_mm_day(MMDayConfig(seed=6, hours=0.2, stress_start=0.1, stress_hours=0.05))
    paths = [
        _write(tmp_path, "quotes.parquet", day.quotes),
        _write(tmp_path, "fills.parquet", day.fills),
    ]
    with open_store(store_url) as store:
        pipeline.ingest_paths(store, paths)
        deleted = store.prune(
            ["quotes"], older_than=dt.timedelta(hours=1), now=DAY + dt.timedelta(days=30)
        )
        assert deleted["quotes"] == 0
        assert store.pruned_kept["quotes"] == day.quotes.num_rows


def test_rolling_without_partials_says_what_to_run(store_url: str) -> None:
    from tradeperf.errors import ConfigError

    with open_store(store_url):
        pass
    with pytest.raises(ConfigError, match="tradeperf mm partials"):
        rolling_document(store_url)
