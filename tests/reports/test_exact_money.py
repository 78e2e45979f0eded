"""Money leaves the program exactly: JSON numbers from the Decimal's digits, Markdown and the
terminal in the currency's decimals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from tradeperf.analytics.summary import SummaryRequest, summarize, summarize_trades
from tradeperf.ingest.base import ReadResult
from tradeperf.metrics.trades import TradeTotals
from tradeperf.records import PositionSide, RecordKind, Trade, TradeStatus, trades_to_table
from tradeperf.reports.json_report import dumps, summary_to_json
from tradeperf.store import SourceEntry, open_store

T0 = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)
#: Net P&L per trade: amounts a float running sum from 10,000 cannot hold exactly, and one
#: with 18 fractional digits and 17 integer ones, which a float cannot hold at all.
NETS = [
    Decimal("120.35"),
    Decimal("-478.12"),
    Decimal("0.07"),
    Decimal("-33.33"),
    Decimal("12345678901234567.123456789012345678"),
    Decimal("-12345678901234567.123456789012345679"),
]


def _trades(nets: list[Decimal]) -> list[Trade]:
    return [
        Trade(
            trade_id=f"t{i}",
            symbol="BTC/USDT",
            side=PositionSide.LONG,
            status=TradeStatus.CLOSED,
            entry_time=T0 + dt.timedelta(hours=i),
            exit_time=T0 + dt.timedelta(hours=i, minutes=30),
            quantity=Decimal(1),
            entry_price=Decimal(100),
            exit_price=Decimal(101),
            fees=Decimal("0.01"),
            net_pnl=x,
            strategy="s",
            source_line=i + 1,
        )
        for i, x in enumerate(nets)
    ]


def _entry(n: int) -> SourceEntry:
    return SourceEntry(
        path="/m", size=n, mtime_ns=n, checksum=f"c{n}", prefix_checksum=f"c{n}", end_offset=n,
        format="jsonl", kind="trades", rows=n, rejected=0, unreadable=False,
        ingested_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def _naive_drawdown(capital: Fraction, nets: list[Decimal]) -> Fraction:
    """The trade-by-trade drawdown of capital + running net P&L, in Fractions."""
    equity = peak = capital
    worst = Fraction(0)
    for x in nets:
        equity += Fraction(x)
        peak = max(peak, equity)
        worst = max(worst, peak - equity)
    return worst


def _float_drawdown(capital: float, nets: list[Decimal]) -> float:
    """What a rebuild of the equity curve from floats gives."""
    equity = capital + np.concatenate(([0.0], np.cumsum([float(x) for x in nets])))
    return float(np.max(np.maximum.accumulate(equity) - equity))


@pytest.mark.parametrize("path", ["direct", "partials"])
def test_json_money_is_written_from_the_decimal_digits(store_url: str, path: str) -> None:
    with open_store(store_url) as store:
        table = trades_to_table(_trades(NETS))
        store.write_source(
            _entry(len(NETS)), ReadResult("/m", RecordKind.TRADES, table), replace=False
        )
        request = SummaryRequest(timezone="UTC", capital=Decimal("10000.01"))
        summary = (summarize_trades if path == "direct" else summarize)(store, request)
    text = dumps(summary_to_json(summary))
    doc = json.loads(text, parse_float=Decimal)
    overall = doc["overall"]

    want_dd = _naive_drawdown(Fraction("10000.01"), NETS)
    # the float rebuild would print a long tail: the case this test is about
    assert repr(_float_drawdown(10000.01, NETS)) != str(
        Decimal(want_dd.numerator) / want_dd.denominator
    )
    assert Fraction(overall["max_drawdown_abs"]) == want_dd
    assert Fraction(overall["net_pnl"]) == sum((Fraction(x) for x in NETS), Fraction(0))
    assert overall["largest_win"] == Decimal("12345678901234567.123456789012345678")
    assert overall["largest_loss"] == Decimal("-12345678901234567.123456789012345679")
    assert Fraction(overall["equity_end"]) == Fraction("10000.01") + sum(map(Fraction, NETS))
    assert doc["capital"] == Decimal("10000.01")
    # the text itself holds the digits, no float tail and no trailing zeros of the scale
    assert '"largest_win": 12345678901234567.123456789012345678,' in text
    assert '"capital": 10000.01,' in text


@pytest.mark.parametrize("path", ["direct", "partials"])
def test_average_win_loss_and_expectancy_are_exact_money(store_url: str, path: str) -> None:
    nets = [Decimal("0.1"), Decimal("0.2"), Decimal("-0.3"), Decimal("0.1"), Decimal("-0.2")]
    with open_store(store_url) as store:
        table = trades_to_table(_trades(nets))
        result = ReadResult("/m", RecordKind.TRADES, table)
        store.write_source(_entry(len(nets)), result, replace=False)
        summary = (summarize_trades if path == "direct" else summarize)(store, SummaryRequest())
    text = dumps(summary_to_json(summary))
    overall = json.loads(text, parse_float=Decimal)["overall"]
    # the float statistics (what was written before) carry a tail
    floats = TradeTotals.of([float(x) for x in nets])
    assert repr(floats.expectancy) == "-0.01999999999999999"
    assert overall["average_win"] == Decimal("0.133333333333333333")  # half-even, 18 places
    assert overall["average_loss"] == Decimal("-0.25")
    assert overall["expectancy"] == Decimal("-0.02")
    assert '"expectancy": -0.02,' in text


@pytest.mark.parametrize("path", ["direct", "partials"])
def test_an_average_of_no_trade_is_undefined_not_out_of_range(store_url: str, path: str) -> None:
    """Only winning trades: the average loss is null because there is no losing trade, and
    nothing claims a sum beyond the store's range (it once did, for every null beside it)."""
    nets = [Decimal("5"), Decimal("7")]
    with open_store(store_url) as store:
        table = trades_to_table(_trades(nets))
        store.write_source(
            _entry(len(nets)), ReadResult("/w", RecordKind.TRADES, table), replace=False
        )
        summary = (summarize_trades if path == "direct" else summarize)(store, SummaryRequest())
    overall = summary_to_json(summary)["overall"]
    assert overall["average_win"] == Decimal(6)
    assert overall["average_loss"] is None
    reasons = overall["null_reasons"]
    assert reasons["average_loss"] == "no losing trades"
    assert not [name for name, why in reasons.items() if why.startswith("out of range")]


def test_json_layout_is_that_of_json_dumps() -> None:
    doc = {"a": [1, {"b": None, "c": 'x\u00e9"'}], "d": {}, "e": [], "f": 0.25, "g": True}
    assert dumps(doc) == json.dumps(doc, indent=2) + "\n"


# -- Markdown and the terminal: the currency's decimals ----------------------------------------

SMALL = [Decimal("1234.5678"), Decimal("-0.000012345"), Decimal("-0.005")]


@pytest.mark.parametrize(
    ("currency", "net", "largest_loss"),
    [
        ("JPY", "1,235", "-0"),
        ("USD", "1,234.56", "-0.00"),
        ("USDT", "1,234.56", "-0.00"),
        ("EUR", "1,234.56", "-0.00"),
        ("BTC", "1,234.56278766", "-0.00500000"),
        ("ETH", "1,234.56278766", "-0.00500000"),
        ("XYZ", "1,234.56", "-0.00"),
    ],
)
def test_markdown_money_has_the_currency_decimals(
    tmp_path: Path, currency: str, net: str, largest_loss: str
) -> None:
    from tradeperf.reports.markdown import render_summary

    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        table = trades_to_table(_trades(SMALL))
        store.write_source(_entry(3), ReadResult("/m", RecordKind.TRADES, table), replace=False)
        summary = summarize(store, SummaryRequest(timezone="UTC", currency=currency))
    # the exact sum, rounded half-even to the currency's places (-0.005 to -0.00, to even)
    assert sum(SMALL) == Decimal("1234.562787655")
    md = render_summary(json.loads(dumps(summary_to_json(summary)), parse_float=Decimal))
    assert f"| Net P&L | {net} |" in md
    assert f"| Largest loss | {largest_loss} |" in md


def test_freqtrade_btc_report_shows_satoshis(freqtrade_backtest: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tradeperf.cli.app import app

    result = CliRunner().invoke(
        app,
        [
            "report",
            str(freqtrade_backtest),
            "--out",
            str(tmp_path / "out"),
            "--store",
            f"duckdb://{tmp_path / 's.duckdb'}",
        ],
    )
    assert result.exit_code == 0, result.output
    ft = json.loads(freqtrade_backtest.read_text(), parse_float=Decimal)["strategy"]
    ft = ft["StrategyTestV3"]
    assert ft["stake_currency"] == "BTC"
    md = (tmp_path / "out" / "summary.md").read_text()
    net = Decimal(str(ft["profit_total_abs"])).quantize(Decimal("1E-8"))
    assert f"| Net P&L | {net:,} |" in md
    assert (
        f"Starting capital: {Decimal(str(ft['starting_balance'])).quantize(Decimal('1E-8'))}" in md
    )
    # the JSON beside it carries every digit: the exact sum of freqtrade's own amounts, each
    # kept at the store's 18 fractional digits
    doc = json.loads((tmp_path / "out" / "summary.json").read_text(), parse_float=Decimal)
    atto = Decimal("1E-18")
    kept = (t["profit_abs"].quantize(atto, rounding=ROUND_HALF_EVEN) for t in ft["trades"])
    want = ft["starting_balance"] + sum(kept, Decimal(0))
    assert doc["overall"]["equity_end"] == want


def test_window_equity_is_carried_exactly_from_partials(store_url: str) -> None:
    # 35 significant digits: the default Decimal context (28) would round the carried equity
    nets = [Decimal("12345678901234567.123456789012345678"), Decimal("-0.000000000000000001")]
    trades = _trades(nets)
    trades[1] = dataclasses.replace(
        trades[1],
        entry_time=T0 + dt.timedelta(days=1),
        exit_time=T0 + dt.timedelta(days=1, hours=1),
    )
    with open_store(store_url) as store:
        table = trades_to_table(trades)
        store.write_source(_entry(2), ReadResult("/m", RecordKind.TRADES, table), replace=False)
        summary = summarize(store, SummaryRequest(timezone="UTC", capital=Decimal("10000.01")))
    doc = json.loads(dumps(summary_to_json(summary)), parse_float=Decimal)
    second = doc["windows"]["daily"][1]["figures"]
    want = Fraction("10000.01") + Fraction(nets[0])
    assert Fraction(second["equity_start"]) == want
    assert Fraction(second["equity_end"]) == want + Fraction(nets[1])


def test_documents_are_validated_against_their_schema_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import jsonschema

    from tradeperf.reports import json_report

    bad = {"schema_version": 1, "kind": "daily"}  # a window document without its windows
    monkeypatch.setenv(json_report.VALIDATE_ENV, "1")
    with pytest.raises(jsonschema.ValidationError):
        json_report._check(bad, "window")
    monkeypatch.setenv(json_report.VALIDATE_ENV, "0")  # a user's run: no cost
    json_report._check(bad, "window")
