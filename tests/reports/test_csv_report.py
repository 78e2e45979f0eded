"""`tradeperf report` writes CSV exports that read back (pandas) into the figures of its JSON,
exactly for money; the drawdown periods equal an independent computation on the series' equity
(pandas cummax), on a generated bot sample with a breakdown."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.reports.csv_report import cell
from tradeperf.sample import write_sample

CAPITAL = "25000"


@pytest.fixture
def report(tradeperf: Tradeperf, tmp_path: Path) -> tuple[dict, Path]:
    write_sample(tmp_path / "bot", days=60, seed=3)
    ran = tradeperf(
        "report", str(tmp_path / "bot" / "logs"), "--out", "rep", "--capital", CAPITAL,
        "--by", "exit_reason,side", "--tz", "Europe/London",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    out = tmp_path / "rep"
    return json.loads((out / "summary.json").read_text(), parse_float=Decimal), out


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _same(text: str, value: object) -> bool:
    """A CSV cell holds the JSON value: the same decimal, float or text; empty for null."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, Decimal):
        return Decimal(text) == value
    if isinstance(value, float):
        return float(text) == value
    return text == str(value)


def test_windows_groups_and_breakdown_read_back_into_the_json_figures(report) -> None:
    doc, out = report
    for kind, windows in doc["windows"].items():
        df = _csv(out / f"{kind}.csv")
        assert list(df["window"]) == [w["window"] for w in windows]
        for (_, row), w in zip(df.iterrows(), windows, strict=True):
            assert row["start"] == w["start"]
            for name, value in w["figures"].items():
                assert _same(row[name], value), (kind, w["window"], name)
    for block, file, label in (
        ("by_strategy", "strategies.csv", "strategy"),
        ("by_symbol", "symbols.csv", "symbol"),
    ):
        df = _csv(out / file).set_index(label)
        assert sorted(df.index) == sorted(doc[block])
        for group, figures in doc[block].items():
            for name, value in figures.items():
                assert _same(df.loc[group, name], value), (file, group, name)
    df = _csv(out / "breakdown.csv")
    groups = doc["breakdown"]["groups"]
    assert [(r["exit_reason"], r["side"]) for _, r in df.iterrows()] == [
        (g["key"]["exit_reason"], g["key"]["side"]) for g in groups
    ]
    for (_, row), g in zip(df.iterrows(), groups, strict=True):
        for name, value in g["figures"].items():
            assert _same(row[name], value), (g["key"], name)
    # money is the exact decimal: the groups' net P&L adds up to the total, digit for digit
    total = sum((Decimal(x) for x in _csv(out / "strategies.csv")["net_pnl"]), Decimal(0))
    assert total == doc["overall"]["net_pnl"]


def test_the_daily_series_and_its_drawdown_periods(report) -> None:
    doc, out = report
    daily = doc["series"]["daily"]
    df = _csv(out / "series.csv")
    assert list(df["day"]) == [r["day"] for r in daily]
    for (_, row), r in zip(df.iterrows(), daily, strict=True):
        for name in ("trades", "net_pnl", "cumulative_pnl", "equity", "return", "drawdown"):
            assert _same(row[name], r[name]), (r["day"], name)
    # the drawdown periods from the equity path (the start first), with pandas
    equity = pd.Series([Decimal(CAPITAL), *(r["equity"] for r in daily)]).astype(float)
    under = equity / equity.cummax() - 1.0
    periods = []
    i, n = 1, len(equity)
    while i < n:
        if under[i] < 0:
            j = i
            while j < n and under[j] < 0:
                j += 1
            valley = int(under[i:j].idxmin())
            periods.append((float(under[valley]), i - 1, valley, j if j < n else -1))
            i = j
        else:
            i += 1
    periods.sort(key=lambda p: p[0])
    days = ["", *(r["day"] for r in daily)]
    got = _csv(out / "drawdowns.csv")
    assert len(got) == min(10, len(periods))
    assert len(got) >= 3
    for (_, row), (depth, peak, valley, recovery) in zip(got.iterrows(), periods, strict=False):
        assert float(row["depth"]) == pytest.approx(depth, rel=1e-9)
        assert row["peak"] == days[peak]
        assert row["valley"] == days[valley]
        assert row["recovery"] == ("" if recovery < 0 else days[recovery])
    assert float(got["depth"].astype(float).min()) == pytest.approx(
        -float(doc["overall"]["max_drawdown"]), rel=1e-9
    )


def test_outputs_csv_alone_and_cells() -> None:
    assert cell(Decimal("-0.000")) == "0"
    big = Decimal("12345678901234567890.123456789012345678")
    assert cell(big) == "12345678901234567890.123456789012345678"  # every digit
    assert cell(float("nan")) == ""
