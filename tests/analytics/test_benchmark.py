"""An account beside a benchmark: the alignment, the benchmark's equity curve and the figures,
each against an independent reference (pandas, NumPy's least squares, plain statistics)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import statistics
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradeperf.analytics.benchmark import BenchmarkComparison, benchmark_figures, compare
from tradeperf.analytics.series import DailySeries, series_of_days
from tradeperf.analytics.summary import SummaryRequest, summarize
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.benchmark import BenchmarkFile, read_benchmark
from tradeperf.records import PositionSide, RecordKind, Trade, TradeStatus, trades_to_table
from tradeperf.reports.json_report import dumps, summary_to_json
from tradeperf.reports.markdown import render_summary
from tradeperf.reports.schema import validate
from tradeperf.store import SourceEntry, open_store

P = 365.0
FIRST = dt.date(2024, 1, 1)  # a Monday


def _account(days: int, *, seed: int = 3, capital: int = 10_000) -> DailySeries:
    """Every calendar day from FIRST, with random exact P&L, through the real series builder."""
    rng = np.random.default_rng(seed)
    pnl = [Decimal(str(round(x, 2))) for x in rng.normal(5, 60, days)]
    day = np.arange(np.datetime64(FIRST), np.datetime64(FIRST + dt.timedelta(days=days)))
    return series_of_days(
        day,
        pnl,
        day,
        equity_start=Decimal(capital),
        first_day=FIRST,
        last_day=FIRST + dt.timedelta(days=days - 1),
    )


def _weekday_prices(tmp_path: Path, start: str, periods: int, *, seed: int = 11) -> pd.Series:
    """A stock index's closes on weekdays only (no weekend rows), written to spy.csv."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range(start, periods=periods)
    prices = pd.Series(400 * np.cumprod(1 + rng.normal(0.0004, 0.009, periods)), index=index)
    lines = [f"{d:%Y-%m-%d},{p!r}" for d, p in zip(index, prices.tolist(), strict=True)]
    (tmp_path / "spy.csv").write_text("Date,Adj Close\n" + "\n".join(lines) + "\n")
    return prices


def _reference_alignment(ours: DailySeries, prices: pd.Series) -> pd.DataFrame:
    """Our days within the benchmark's dates, its pct_change reindexed onto them, gaps 0."""
    day = pd.DatetimeIndex(ours.day)
    mine = pd.Series(ours.daily_return, index=day)
    within = mine[(day >= prices.index[0]) & (day <= prices.index[-1])]
    bench = prices.pct_change().iloc[1:]  # the first close has no return
    within = within[within.index > prices.index[0]]
    aligned = bench.reindex(within.index).fillna(0.0)
    return pd.DataFrame({"r": within, "b": aligned}).dropna()


#: Our account, the benchmark's closes and the comparison of the two.
Pair = tuple[DailySeries, pd.Series, BenchmarkComparison]


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    ours = _account(90)
    prices = _weekday_prices(tmp_path, "2024-01-10", 50)  # starts after us, ends before us
    c = compare(ours, read_benchmark(tmp_path / "spy.csv"), periods_per_year=P)
    return ours, prices, c


def test_weekends_count_as_a_zero_benchmark_return_like_a_pandas_reindex(pair: Pair) -> None:
    ours, prices, c = pair
    ref = _reference_alignment(ours, prices)
    assert c.days.astype("datetime64[D]").tolist() == [d.date() for d in ref.index]
    np.testing.assert_array_equal(c.returns, ref["r"].to_numpy())
    np.testing.assert_array_equal(c.benchmark_returns, ref["b"].to_numpy())
    assert c.days_used == len(ref) > 60
    assert ours.day[0] < c.days[0]  # our days outside the benchmark's are left out
    assert c.days[-1] < ours.day[-1]
    saturdays = np.array([d.weekday() == 5 for d in ref.index])
    assert saturdays.any()
    assert np.all(c.benchmark_returns[saturdays] == 0.0)
    assert (c.name, c.kind, c.rejected_rows) == ("spy", "prices", 0)


def test_the_benchmark_equity_starts_from_ours_and_compounds_like_pandas_cumprod(
    pair: Pair,
) -> None:
    ours, _, c = pair
    first = int(np.flatnonzero(ours.day == c.days[0])[0])
    assert first > 0  # the first day compared is not our first: start = the day before's end
    start = float(ours.equity[first - 1])
    want = start * (1 + pd.Series(c.benchmark_returns)).cumprod()
    np.testing.assert_allclose(c.benchmark_equity, want.to_numpy(), rtol=1e-12)
    # our own curve from the same start, compounded by our returns, is our equity
    ours_curve = start * np.cumprod(1 + c.returns)
    np.testing.assert_allclose(ours_curve[-1], float(ours.equity[first + c.days_used - 1]))


def test_alpha_and_beta_are_those_of_a_least_squares_line(pair: Pair) -> None:
    _, _, c = pair
    slope, intercept = np.polyfit(c.benchmark_returns, c.returns, 1)
    assert c.figures["beta"] == pytest.approx(slope, rel=1e-9)
    assert c.figures["alpha"] == pytest.approx((1 + intercept) ** P - 1, rel=1e-9)


def test_tracking_error_information_ratio_and_correlation_against_naive_references(
    pair: Pair,
) -> None:
    _, _, c = pair
    active = [r - b for r, b in zip(c.returns.tolist(), c.benchmark_returns.tolist(), strict=True)]
    te = statistics.stdev(active) * math.sqrt(P)
    assert c.figures["tracking_error"] == pytest.approx(te, rel=1e-9)
    ir = statistics.mean(active) / statistics.stdev(active)  # per period, as the registry
    assert c.figures["information_ratio"] == pytest.approx(ir, rel=1e-9)
    rho = pd.Series(c.returns).corr(pd.Series(c.benchmark_returns))
    assert c.figures["correlation"] == pytest.approx(rho, rel=1e-9)
    assert list(c.figures) == list(benchmark_figures())


def test_excess_and_benchmark_return_by_hand(tmp_path: Path) -> None:
    # four days of ours; the benchmark (returns) covers the 2nd to the 4th, with no row on the 3rd
    days = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-05"))
    ours = series_of_days(
        days,
        [Decimal(100), Decimal(-50), Decimal(202), Decimal(-10)],
        days,
        equity_start=Decimal(10_000),
        first_day=dt.date(2024, 1, 1),
        last_day=dt.date(2024, 1, 4),
    )
    (tmp_path / "idx.csv").write_text("date,return\n2024-01-02,0.5%\n2024-01-04,-0.01\n")
    c = compare(ours, read_benchmark(tmp_path / "idx.csv"), periods_per_year=P)

    # equity 10100 after day 1, then 10050, 10252, 10242
    r = [Fraction(-50, 10100), Fraction(202, 10050), Fraction(-10, 10252)]
    b = [Fraction(5, 1000), Fraction(0), Fraction(-1, 100)]
    ours_cum = (1 + r[0]) * (1 + r[1]) * (1 + r[2]) - 1  # = 10242 / 10100 - 1
    assert ours_cum == Fraction(10242, 10100) - 1
    bench_cum = (1 + b[0]) * (1 + b[1]) * (1 + b[2]) - 1
    assert c.days.astype(str).tolist() == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert c.figures["benchmark_return"] == pytest.approx(float(bench_cum), rel=1e-12)
    assert c.figures["excess_return"] == pytest.approx(float(ours_cum - bench_cum), rel=1e-12)
    assert c.benchmark_equity == pytest.approx(
        [10100 * 1.005, 10100 * 1.005, 10100 * 1.005 * 0.99], rel=1e-12
    )


def test_our_days_without_a_return_are_left_out(pair: Pair, tmp_path: Path) -> None:
    ours, prices, c = pair
    holes = ours.daily_return.copy()
    holes[[20, 21]] = np.nan  # equity not positive on those days
    damaged = dataclasses.replace(ours, daily_return=holes)
    d = compare(damaged, read_benchmark(tmp_path / "spy.csv"), periods_per_year=P)
    assert d.days_used == c.days_used - 2
    assert not set(d.days.tolist()) & set(ours.day[[20, 21]].tolist())
    ref = _reference_alignment(damaged, prices)
    np.testing.assert_array_equal(d.benchmark_returns, ref["b"].to_numpy())


def _returns_file(days: list[str], values: list[float]) -> BenchmarkFile:
    return BenchmarkFile(
        "idx",
        Path("idx.csv"),
        "returns",
        np.array(days, dtype="datetime64[D]"),
        np.array(values),
        ((7, "ret", "not a number: 'x'"),),
    )


@pytest.mark.parametrize(
    ("days", "used"),
    [
        (["2023-06-01", "2023-06-30"], 0),  # entirely before our days
        (["2024-01-10"], 1),  # one day
    ],
)
def test_fewer_than_two_days_leave_the_ratios_undefined(days: list[str], used: int) -> None:
    c = compare(_account(30), _returns_file(days, [0.01] * len(days)), periods_per_year=P)
    assert c.days_used == used
    assert c.rejected_rows == 1
    for name in ("alpha", "beta", "tracking_error", "information_ratio", "correlation"):
        assert math.isnan(c.figures[name]), name
    cumulative = [c.figures["excess_return"], c.figures["benchmark_return"]]
    if used == 0:
        assert all(math.isnan(x) for x in cumulative)
        assert c.benchmark_equity == []
    else:  # one day: each cumulative return is that day's
        assert c.figures["benchmark_return"] == pytest.approx(0.01)
        assert c.figures["excess_return"] == pytest.approx(float(c.returns[0]) - 0.01)


def _trade(i: int, when: dt.datetime, net: Decimal) -> Trade:
    return Trade(
        trade_id=f"t{i}",
        symbol="SPY",
        side=PositionSide.LONG,
        status=TradeStatus.CLOSED,
        entry_time=when - dt.timedelta(hours=2),
        exit_time=when,
        quantity=Decimal(1),
        entry_price=Decimal(100),
        exit_price=Decimal(101),
        fees=Decimal(0),
        net_pnl=net,
        strategy="s",
        source_line=i + 1,
    )


def test_the_json_round_trip_is_valid_and_carries_the_figures(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    start = dt.datetime(2024, 1, 2, 15, 0, tzinfo=dt.UTC)
    trades = [
        _trade(i, start + dt.timedelta(days=i), Decimal(str(round(float(x), 2))))
        for i, x in enumerate(rng.normal(10, 80, 40))
    ]
    entry = SourceEntry(
        path="/t", size=1, mtime_ns=1, checksum="c", prefix_checksum="c", end_offset=1,
        format="jsonl", kind="trades", rows=len(trades), rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    with open_store(f"duckdb://{tmp_path / 'store.duckdb'}") as store:
        table = trades_to_table(trades)
        store.write_source(entry, ReadResult("/t", RecordKind.TRADES, table), replace=False)
        summary = summarize(store, SummaryRequest(timezone="UTC", capital=Decimal(10_000)))
    plain = summary_to_json(summary)
    assert plain["benchmark"] is None
    assert "## Benchmark" not in render_summary(plain)

    _weekday_prices(tmp_path, "2024-01-01", 35)
    assert summary.series is not None
    summary.benchmark = compare(
        summary.series, read_benchmark(tmp_path / "spy.csv"), periods_per_year=P
    )
    doc = json.loads(dumps(summary_to_json(summary)))
    validate(doc, "summary")
    block = doc["benchmark"]
    c = summary.benchmark
    assert (block["name"], block["kind"], block["days"], block["rejected_rows"]) == (
        "spy",
        "prices",
        c.days_used,
        0,
    )
    for name, value in c.figures.items():
        assert block["figures"][name] == pytest.approx(value, rel=1e-15), name
    assert [row["day"] for row in block["series"]] == c.days.astype(str).tolist()
    assert [row["benchmark_equity"] for row in block["series"]] == c.benchmark_equity
    assert [row["benchmark_return"] for row in block["series"]] == c.benchmark_returns.tolist()
    markdown = render_summary(doc)
    assert "## Benchmark" in markdown
    assert "| Beta |" in markdown
    assert "| Excess return (ours − benchmark's) |" in markdown

    # an undefined figure is null with its reason; a document without the key (older) is valid
    summary.benchmark = compare(
        summary.series, _returns_file(["2024-01-03"], [0.01]), periods_per_year=P
    )
    one_day = json.loads(dumps(summary_to_json(summary)))["benchmark"]
    assert one_day["figures"]["beta"] is None
    assert "fewer than 2 days" in one_day["figures"]["null_reasons"]["beta"]
    assert "| Beta | – |" in render_summary({**doc, "benchmark": one_day})
    del doc["benchmark"]
    validate(doc, "summary")
