"""Large amounts: sums of amounts near the per-amount limit (1e20) never overflow the store's
partials; a sum the store cannot hold is a null figure with a reason, an amount out of range
is one rejected row."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.analytics.summary import SummaryRequest, summarize, summarize_trades
from tradeperf.pipeline import ingest_paths
from tradeperf.reports.json_report import OUT_OF_RANGE, dumps, summary_to_json
from tradeperf.reports.markdown import render_summary
from tradeperf.store import open_store

#: The largest amount a trade may carry: 20 integer digits.
BIG = "99999999999999999999"


def _trade(i: int, *, pnl: str, day: int, fees: str = "0", gross: str | None = None) -> dict:
    row = {
        "trade_id": f"b{i}",
        "strategy": "big",
        "symbol": "X",
        "side": "long",
        "status": "CLOSED",
        "entry_time": f"2024-03-{day:02d}T10:0{i}:00Z",
        "exit_time": f"2024-03-{day:02d}T11:0{i}:00Z",
        "quantity": "1",
        "entry_price": "100",
        "exit_price": "101",
        "fees": fees,
        "net_pnl": pnl,
    }
    if gross is not None:
        row["gross_pnl"] = gross
    return row


def _ingest(store_url: str, path: Path, rows: list[dict]) -> tuple:  # type: ignore[type-arg]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with open_store(store_url) as store:
        report = ingest_paths(store, [path])
        request = SummaryRequest(timezone="UTC", capital=Decimal(1000))
        merged = summarize(store, request)
        direct = summarize_trades(store, request)
        stored = store.trades().num_rows
    return report, stored, merged, direct


def test_two_largest_trades_on_one_day_are_stored_and_their_sum_is_null_with_a_reason(
    store_url: str, tmp_path: Path
) -> None:
    rows = [_trade(1, pnl=BIG, day=4), _trade(2, pnl=BIG, day=4), _trade(3, pnl="-5.5", day=5)]
    report, stored, merged, direct = _ingest(store_url, tmp_path / "big.jsonl", rows)
    assert stored == 3
    assert report.rejected_rows == 0
    doc = json.loads(dumps(summary_to_json(merged)), parse_float=Decimal)
    daily = {w["window"]: w["figures"] for w in doc["windows"]["daily"]}
    assert daily["2024-03-05"]["net_pnl"] == Decimal("-5.5")
    assert daily["2024-03-05"]["max_drawdown_abs"] == Decimal("5.5")
    # equity after the day out of range is unknown too
    assert daily["2024-03-05"]["equity_end"] is None
    overall = doc["overall"]
    # the day's sum (2e20 - 2) is beyond the partials' 38 digits: null with the reason
    for name in ("net_pnl", "gross_pnl", "fees", "max_drawdown_abs", "equity_end", "average_win"):
        assert overall[name] is None, name
        assert overall["null_reasons"][name] == OUT_OF_RANGE
    assert overall["trades"] == 3
    assert overall["wins"] == 2
    assert overall["largest_win"] == Decimal(BIG)
    assert "| Net P&L | – |" in render_summary(doc)
    # the direct path sums in Python: exact
    assert direct.overall["net_pnl"] == 2 * Decimal(BIG) - Decimal("5.5")


def test_largest_trades_on_different_days_total_exactly(store_url: str, tmp_path: Path) -> None:
    rows = [
        _trade(1, pnl=BIG, day=4, fees="0.000000000000000001"),
        _trade(2, pnl=BIG, day=5, fees="0.000000000000000001"),
        _trade(3, pnl="-" + BIG, day=6),
    ]
    _, stored, merged, direct = _ingest(store_url, tmp_path / "days.jsonl", rows)
    assert stored == 3
    text = dumps(summary_to_json(merged))
    overall = json.loads(text, parse_float=Decimal)["overall"]
    want_net = Decimal(BIG) * 2 - Decimal(BIG)
    assert overall["net_pnl"] == want_net == direct.overall["net_pnl"]
    # gross defaults to net + fees, summed without overflowing either
    assert overall["gross_pnl"] == Decimal(BIG + ".000000000000000002")
    assert overall["max_drawdown_abs"] == Decimal(BIG) == direct.overall["max_drawdown_abs"]
    assert overall["equity_end"] == 1000 + want_net
    assert '"net_pnl": 99999999999999999999,' in text
    md = render_summary(json.loads(text, parse_float=Decimal))
    assert "| Net P&L | 99,999,999,999,999,999,999.00 |" in md
    assert "| Equity at end | 100,000,000,000,000,000,999.00 |" in md


def test_a_day_summing_to_the_limit_is_kept(store_url: str, tmp_path: Path) -> None:
    rows = [
        _trade(1, pnl="99999999999999999998.5", day=4),
        _trade(2, pnl="0.499999999999999999", day=4),
    ]
    _, _, merged, _ = _ingest(store_url, tmp_path / "edge.jsonl", rows)
    assert merged.overall["net_pnl"] == Decimal("99999999999999999998.999999999999999999")


def _write(path: Path, rows: list[dict]) -> None:  # type: ignore[type-arg]
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif path.suffix == ".csv":
        with path.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_an_amount_out_of_range_is_one_rejected_row(
    store_url: str, tmp_path: Path, suffix: str
) -> None:
    rows = [
        _trade(1, pnl="10", day=4),
        _trade(2, pnl="100000000000000000000", day=4),
        _trade(3, pnl="-" + BIG, day=4, fees="1e21"),
        _trade(4, pnl="-3", day=5),
    ]
    path = tmp_path / f"range{suffix}"
    _write(path, rows)
    with open_store(store_url) as store:
        report = ingest_paths(store, [path])
        ids = sorted(store.trades().column("trade_id").to_pylist())
        reasons = store.quarantine().column("reason").to_pylist()
    assert ids == ["b1", "b4"]
    assert report.rejected_rows == 2
    assert all("out of range" in r for r in reasons), reasons


def test_a_store_made_before_the_wide_sums_takes_them_after_its_migration(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tradeperf.store import sql as store_sql
    from tradeperf.store.partials_sql import SUM_COLUMNS

    real = store_sql.migrations

    def before(dialect: str) -> dict[int, list[store_sql.Migration]]:
        # version 7 as it was: the partial sums NOT NULL
        steps = {v: list(s) for v, s in real(dialect).items() if v <= 7}
        steps[7] += [
            f'ALTER TABLE daily_partials ALTER COLUMN "{c}" SET NOT NULL' for c in SUM_COLUMNS
        ]
        return steps

    monkeypatch.setattr(store_sql, "migrations", before)
    with open_store(store_url) as store:
        assert store.schema_version() == 7  # type: ignore[attr-defined]
    monkeypatch.undo()
    rows = [_trade(1, pnl=BIG, day=4), _trade(2, pnl=BIG, day=4)]
    report, stored, merged, _ = _ingest(store_url, tmp_path / "big.jsonl", rows)
    assert (report.rows_new, stored) == (2, 2)
    assert merged.overall["net_pnl"].is_nan()
