"""Live equals batch: random record streams through `Tracker` and through `tradeperf report`.

The batch side writes the same records as JSONL files and reads them with the file readers
into a store of its own (`tradeperf.generate_report`, what ``tradeperf report`` runs); every
figure of the summary, overall and per strategy and symbol, must be the same.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.analytics.summary import summarize
from tradeperf.config import load_config
from tradeperf.jobs import ingest, summary_request
from tradeperf.ledger import run_ledger
from tradeperf.records import Fill, FundingPayment, Mark, fills_to_table, marks_to_table
from tradeperf.store import open_store
from tradeperf.tracker import Tracker, TrackerInputError

T0 = dt.datetime(2024, 3, 29, 20, tzinfo=dt.UTC)  # a weekend and a month end ahead


@st.composite
def streams(draw: st.DrawFn) -> list[object]:
    """Time-ordered fills, marks and funding on two symbols and two strategies."""
    n = draw(st.integers(1, 40))
    out: list[object] = []
    t = T0
    prices = {"X": 100, "Y": 20}
    for i in range(n):
        t += dt.timedelta(minutes=draw(st.sampled_from([0, 1, 37, 300, 1440])))
        symbol = draw(st.sampled_from(["X", "Y"]))
        prices[symbol] = max(1, prices[symbol] + draw(st.integers(-3, 3)))
        price = Decimal(prices[symbol]) + Decimal(draw(st.integers(0, 99))) / 100
        kind = draw(st.sampled_from(["fill", "fill", "fill", "mark", "funding"]))
        if kind == "fill":
            out.append(
                Fill(
                    f"f{i}",
                    t,
                    symbol,
                    draw(st.sampled_from(["BUY", "SELL"])),
                    Decimal(draw(st.integers(1, 5))),
                    price,
                    fee=Decimal(draw(st.integers(0, 30))) / 100,
                    strategy=draw(st.sampled_from(["a", "b"])),
                )
            )
        elif kind == "mark":
            out.append(Mark(t, symbol, price))
        else:
            out.append(FundingPayment(t, symbol, Decimal(draw(st.integers(-50, 50))) / 100))
    return out


def _jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, default=str) + "\n" for r in rows), encoding="utf-8")


def _write_files(folder: Path, records: list[object]) -> list[Path]:
    fills = [r for r in records if type(r) is Fill]
    marks = [r for r in records if type(r) is Mark]
    funding = [r for r in records if type(r) is FundingPayment]
    files = []
    if fills:
        _jsonl(folder / "fills.jsonl", [
            {"fill_id": f.fill_id, "timestamp": f.timestamp.isoformat(), "symbol": f.symbol,
             "side": f.side.value, "quantity": str(f.quantity), "price": str(f.price),
             "fee": str(f.fee), "strategy": f.strategy}
            for f in fills
        ])  # fmt: skip
        files.append(folder / "fills.jsonl")
    if marks:
        _jsonl(folder / "marks.jsonl", [
            {"timestamp": m.timestamp.isoformat(), "symbol": m.symbol, "price": str(m.price)}
            for m in marks
        ])  # fmt: skip
        files.append(folder / "marks.jsonl")
    if funding:
        _jsonl(folder / "funding.jsonl", [
            {"timestamp": p.timestamp.isoformat(), "symbol": p.symbol,
             "amount": str(p.amount)}
            for p in funding
        ])  # fmt: skip
        files.append(folder / "funding.jsonl")
    return files


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _diff(live: dict[str, object], batch: dict[str, object]) -> dict[str, tuple[object, object]]:
    return {
        k: (live.get(k), batch.get(k))
        for k in set(live) | set(batch)
        if not _same(live.get(k), batch.get(k))
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=streams())
def test_every_figure_of_the_tracker_equals_the_batch_report(
    tmp_path_factory, records: list[object]
) -> None:
    folder = tmp_path_factory.mktemp("batch")
    with Tracker(capital=10_000, timezone="Europe/Berlin", flush_interval=0) as tracker:
        accepted = []
        refusals: list[tuple[type, bool]] = []
        for r in records:
            try:
                if type(r) is Fill:
                    tracker.record_fill(r)
                elif type(r) is Mark:
                    tracker.mark(r)
                else:
                    tracker.record_funding(r)
            except TrackerInputError as refused:  # a mark of a known key at another price
                refusals.append((type(r), "marked at" in str(refused)))
                continue
            accepted.append(r)
        records = accepted
        assert all(kind is Mark and said for kind, said in refusals)
        live = tracker.metrics()
        live_by = tracker.metrics(by="strategy")
        live_symbols = tracker.metrics(by="symbol")
        snap = tracker.snapshot(now=T0 + dt.timedelta(days=60))

    files = _write_files(folder, records)
    config = load_config(
        {"store": f"duckdb://{folder / 'b.duckdb'}", "capital": "10000",
         "timezone": "Europe/Berlin"}
    )  # fmt: skip
    with open_store(config.store) as store:
        ingest(store, files)
        from tradeperf.records import RecordKind

        kinds = {RecordKind.FILLS: Fill, RecordKind.MARKS: Mark, RecordKind.FUNDING: FundingPayment}
        for kind, cls in kinds.items():  # every record was read as what it is
            assert store.records(kind).num_rows == sum(type(r) is cls for r in records)
        summary = summarize(store, summary_request(config, windows=(), series=False))
    assert _diff(live, summary.overall) == {}
    for name, figures in summary.by_strategy.items():
        assert _diff(live_by[name], figures) == {}, name
    for name, figures in summary.by_symbol.items():
        assert _diff(live_symbols[name], figures) == {}, name

    # the live books, against the batch kernel over the same records
    fills = [r for r in records if type(r) is Fill]
    marks = [r for r in records if type(r) is Mark]
    funding = [r for r in records if type(r) is FundingPayment]
    from tradeperf.records import funding_to_table

    batch = run_ledger(
        fills_to_table(fills), marks_to_table(marks), capital=Decimal(10_000),
        funding=funding_to_table(funding),
    )  # fmt: skip
    assert snap["realized_pnl"] == batch.realized_pnl
    assert snap["unrealized_pnl"] == batch.unrealized_pnl
    assert snap["equity"] == batch.equity
    assert snap["funding"] == batch.funding
