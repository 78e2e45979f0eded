"""Markouts from a store's tables (DuckDB ASOF JOIN, PostgreSQL LATERAL) equal those of files."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf import pipeline
from tradeperf.mm.generator import MMDayConfig, generate_mm_day, write_mm_day
from tradeperf.mm.job import MarkoutRequest, compute_markouts
from tradeperf.store import open_store


def _strip(doc: dict) -> list[dict]:
    return doc["markouts"]


@pytest.mark.parametrize("reference", ["mid", "micro_price"])
def test_store_markouts_equal_file_markouts(store_url: str, tmp_path: Path, reference: str) -> None:
    day = generate_mm_day(MMDayConfig(seed=3, hours=0.5, stress_start=0.2, stress_hours=0.1))
    files = write_mm_day(day, tmp_path / "day")
    # a few one-sided rows and a tie at the same instant, so both book rules are exercised
    quotes = day.quotes.to_pandas()
    extra = quotes.iloc[[10, 20]].copy()
    extra["ask"] = None
    extra["bid"] = extra["bid"] - 1.0
    one_sided = tmp_path / "day" / "more_quotes.parquet"
    pq.write_table(
        pa.Table.from_pandas(extra, schema=day.quotes.schema, preserve_index=False), one_sided
    )
    with open_store(store_url) as store:
        pipeline.ingest_paths(store, [files["quotes"], one_sided, files["fills"]])
    horizons = "100ms,1s,10s,1min"
    from_files = compute_markouts(
        MarkoutRequest(
            quotes=[files["quotes"], one_sided],
            fills=[files["fills"]],
            horizons=horizons,
            fee_bps=1.0,
            reference=reference,
        )
    )
    from_store = compute_markouts(
        MarkoutRequest(store=store_url, horizons=horizons, fee_bps=1.0, reference=reference)
    )
    assert from_store["reference"] == reference
    assert from_store["inputs"]["fills"]["rows"] == day.fills.num_rows
    a, b = _strip(from_files), _strip(from_store)
    assert len(a) == len(b) > 100
    for x, y in zip(a, b, strict=True):
        for key, value in x.items():
            if isinstance(value, float):
                assert y[key] == pytest.approx(value, abs=1e-9), key
            else:
                assert y[key] == value, key
    # the generator's informed flow: maker spread capture positive, 10 s markout below it
    rows = {
        (r["liquidity"], r["horizon"]): r
        for r in a
        if r["symbol"] == r["side"] == "*" and r["strategy"] == "*" and not r["net_of_fee"]
    }
    assert rows[("MAKER", "0s")]["mean_bps"] > 0
    assert rows[("MAKER", "10s")]["mean_bps"] < 0


def test_store_without_quotes_is_refused(store_url: str) -> None:
    from tradeperf.errors import InputError

    with open_store(store_url):
        pass
    with pytest.raises(InputError, match="no quotes"):
        compute_markouts(MarkoutRequest(store=store_url))
