"""Several currencies converted to the account's base with the rate of each booking day."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import Tradeperf
from tradeperf.analytics.fx import MAX_RATE_AGE_DAYS, FxRates, MissingRate
from tradeperf.ingest.fx import validate_fx_rate
from tradeperf.ingest.kinds import RowError
from tradeperf.records import FX_RATE_SCHEMA

RATES = """date,currency,base,rate
2024-03-01,EUR,USD,1.10
2024-03-02,EUR,USD,1.20
2024-03-04,EUR,USD,1.05
2024-03-01,JPY,USD,0.0067
"""


def _log(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """Closed trades (net P&L, fees, currency, exit day of March 2024)."""
    lines = []
    for i, (pnl, fees, currency, day) in enumerate(rows):
        exit_time = f"2024-03-{day}T10:00:00Z"
        lines.append(
            json.dumps(
                {
                    "trade_id": f"t{i}",
                    "symbol": f"S{currency}",
                    "exit_time": exit_time,
                    "net_pnl": pnl,
                    "fees": fees,
                    "currency": currency,
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def _doc(path: Path) -> dict:
    return json.loads(path.read_text(), parse_float=Decimal)  # type: ignore[no-any-return]


TRADES = [
    ("10", "1", "USD", "01"),
    ("100", "2", "EUR", "01"),  # at 1.10
    ("-50", "0.5", "EUR", "02"),  # at 1.20
    ("20", "0", "EUR", "03"),  # no rate of the 3rd: the 2nd's (1.20)
    ("1000", "10", "JPY", "01"),  # at 0.0067
]


def _naive(rows: list[tuple[str, str, str, str]]) -> tuple[Decimal, Decimal]:
    """Net P&L and fees in USD, each at the rate of its day (or the latest earlier one)."""
    rates = {
        ("EUR", "01"): Decimal("1.10"),
        ("EUR", "02"): Decimal("1.20"),
        ("EUR", "03"): Decimal("1.20"),
        ("JPY", "01"): Decimal("0.0067"),
    }
    net = fees = Decimal(0)
    for pnl, fee, currency, day in rows:
        rate = Decimal(1) if currency == "USD" else rates[(currency, day)]
        net += Decimal(pnl) * rate
        fees += Decimal(fee) * rate
    return net, fees


def test_trades_in_three_currencies_convert_with_the_rate_of_their_exit_day(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _log(tmp_path / "mixed.jsonl", TRADES)
    (tmp_path / "rates.csv").write_text(RATES)
    ran = tradeperf("report", str(log), "rates.csv", "--out", "rep", "--currency", "USD")
    assert ran.code == 0, ran.err
    assert "converted to USD" in ran.err
    doc = _doc(tmp_path / "rep" / "summary.json")
    net, fees = _naive(TRADES)
    assert net == Decimal("90.7")  # 10 + 110 - 60 + 24 + 6.7
    assert doc["overall"]["net_pnl"] == net
    assert doc["overall"]["fees"] == fees
    assert doc["overall"]["trades"] == 5
    assert doc["converted_currencies"] == {"EUR": 3, "JPY": 1}
    assert doc["other_currencies"] == {}
    assert doc["conversion_missing"] is None
    days = {w["window"]: w["figures"]["net_pnl"] for w in doc["windows"]["daily"]}
    assert days == {
        "2024-03-01": Decimal("126.7"),
        "2024-03-02": Decimal("-60"),
        "2024-03-03": Decimal("24"),
    }
    assert doc["by_symbol"]["SEUR"]["net_pnl"] == Decimal("74")
    assert "Converted to USD" in (tmp_path / "rep" / "summary.md").read_text()
    # the order of the inputs changes nothing
    again = tradeperf("report", "rates.csv", str(log), "--out", "rep2", "--currency", "USD")
    assert again.code == 0
    assert _doc(tmp_path / "rep2" / "summary.json")["overall"] == doc["overall"]


def test_a_missing_rate_leaves_the_currency_out_and_names_the_rate(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    rows = [*TRADES, ("5", "0", "JPY", "20")]  # JPY's only rate is 19 days older
    log = _log(tmp_path / "mixed.jsonl", rows)
    (tmp_path / "rates.csv").write_text(RATES)
    ran = tradeperf("report", str(log), "rates.csv", "--out", "rep", "--currency", "USD")
    assert ran.code == 0, ran.err
    doc = _doc(tmp_path / "rep" / "summary.json")
    assert doc["conversion_missing"] == (
        f"no exchange rate of JPY to USD on or up to {MAX_RATE_AGE_DAYS} days before 2024-03-20"
    )
    assert doc["other_currencies"] == {"EUR": 3, "JPY": 2}
    assert doc["overall"]["net_pnl"] == Decimal(10)  # the USD trade alone, never a sum
    assert "no exchange rate of JPY to USD" in ran.err
    # without any rate (a store without the rates file), the reason says so
    alone = tradeperf(
        "report", str(log), "--out", "rep3", "--currency", "USD", "--store", "duckdb://new.duckdb"
    )
    assert "no exchange rates to USD are stored" in alone.err


def test_deposits_in_another_currency_are_converted_or_left_out(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    log = _log(tmp_path / "usd.jsonl", [("10", "0", "USD", "01"), ("5", "0", "EUR", "02")])
    (tmp_path / "flows.csv").write_text(
        "timestamp,amount,type,currency\n2024-03-02T00:00:00Z,1000,deposit,EUR\n"
    )
    (tmp_path / "rates.csv").write_text(RATES)
    ran = tradeperf(
        "report", str(log), "flows.csv", "--out", "rep", "--currency", "USD", "--capital", "1000"
    )
    doc = _doc(tmp_path / "rep" / "summary.json")
    # no rate: the EUR deposit is not added to USD equity
    assert doc["overall"]["cash_flows"] == 0
    assert doc["overall"]["equity_end"] == Decimal(1010)
    ran = tradeperf(
        "report", str(log), "flows.csv", "rates.csv", "--out", "rep2", "--currency", "USD",
        "--capital", "1000",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    doc = _doc(tmp_path / "rep2" / "summary.json")
    assert doc["overall"]["cash_flows"] == Decimal(1200)  # at the 2nd's 1.20
    assert doc["overall"]["equity_end"] == Decimal(1000 + 10 + 6 + 1200)


def test_a_rates_file_is_read_and_bad_rows_are_quarantined_by_field(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "rates.csv").write_text(
        "date,from,to,fx_rate\n2024-03-01,EUR,USD,1.1\n2024-03-02,EUR,USD,-1\n"
        "2024-03-03,EUR,EUR,1\nnot a day,EUR,USD,1\n"
    )
    ran = tradeperf("ingest", "rates.csv")
    assert ran.code == 0, ran.err
    quarantine = tradeperf("quarantine", "--format", "json")
    rows = json.loads(quarantine.out)
    assert sorted((r["line"], r["field"]) for r in rows) == [(3, "rate"), (4, "base"), (5, "date")]


def test_two_sources_giving_one_day_two_rates_are_a_conflict(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "a.csv").write_text("date,currency,base,rate\n2024-03-01,EUR,USD,1.10\n")
    (tmp_path / "b.csv").write_text("date,currency,base,rate\n2024-03-01,EUR,USD,1.11\n")
    log = _log(tmp_path / "t.jsonl", [("10", "0", "USD", "01"), ("100", "0", "EUR", "01")])
    ran = tradeperf("report", str(log), "a.csv", "b.csv", "--out", "rep", "--currency", "USD")
    assert ran.code == 0, ran.err
    doc = _doc(tmp_path / "rep" / "summary.json")
    # neither rate is used: the EUR trade cannot be converted, and both rows are quarantined
    assert doc["other_currencies"] == {"EUR": 1}
    assert doc["rejected_rows"] == 2
    assert doc["partial"] is True


def test_rates_are_looked_up_as_of_the_day_within_the_age_limit() -> None:
    table = FX_RATE_SCHEMA.empty_table().from_pylist(
        [
            {"date": np.datetime64("2024-03-01").item(), "currency": "EUR", "base": "USD",
             "rate": Decimal("1.1")},
            {"date": np.datetime64("2024-03-05").item(), "currency": "EUR", "base": "USD",
             "rate": Decimal("1.2")},
        ],
        schema=FX_RATE_SCHEMA,
    )  # fmt: skip
    rates = FxRates.from_table(table)
    days = np.array(["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-12"], "datetime64[D]")
    assert rates.rates("EUR", "USD", days) == [Decimal("1.1")] * 2 + [Decimal("1.2")] * 2
    assert rates.rates("USD", "USD", days) == [Decimal(1)] * 4
    with pytest.raises(MissingRate, match="2024-02-29"):
        rates.rates("EUR", "USD", np.array(["2024-02-29"], "datetime64[D]"))
    with pytest.raises(MissingRate, match="2024-03-13"):
        rates.rates("EUR", "USD", np.array(["2024-03-13"], "datetime64[D]"))
    with pytest.raises(MissingRate, match="GBP to USD"):
        rates.rates("GBP", "USD", days)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"date": "2024-03-01", "currency": "EUR", "base": "USD", "rate": "0"}, "rate"),
        ({"date": "2024-03-01", "currency": "EUR", "base": "USD"}, "rate"),
        ({"date": "2024-03-01", "currency": "EUR", "rate": "1"}, "base"),
        ({"currency": "EUR", "base": "USD", "rate": "1"}, "date"),
    ],
)
def test_a_bad_rate_row_names_its_field(row: dict[str, str], field: str) -> None:
    with pytest.raises(RowError) as caught:
        validate_fx_rate(row)
    assert caught.value.field == field


def test_books_from_fills_in_another_currency_are_marked_to_market_in_base(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    (tmp_path / "fills.csv").write_text(
        "fill_id,timestamp,symbol,side,quantity,price,fee,currency\n"
        "f1,2024-03-01T09:00:00Z,X,buy,10,100,1,EUR\n"
        "f2,2024-03-04T09:00:00Z,X,sell,10,120,1,EUR\n"
        "f3,2024-03-01T09:00:00Z,Y,buy,1,50,0,USD\n"
    )
    (tmp_path / "marks.csv").write_text(
        "timestamp,symbol,price\n2024-03-01T20:00:00Z,X,110\n2024-03-02T20:00:00Z,X,105\n"
        "2024-03-01T20:00:00Z,Y,50\n"
    )
    (tmp_path / "rates.csv").write_text(RATES)
    ran = tradeperf(
        "report", "fills.csv", "marks.csv", "rates.csv", "--out", "rep", "--currency", "USD",
        "--capital", "1000",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    doc = _doc(tmp_path / "rep" / "summary.json")
    # by hand, in USD: day 1 fee 1 × 1.10, position worth 10 × 10 EUR × 1.10 = 110;
    # day 2 worth 10 × 5 × 1.20 = 60; day 3 unchanged (the 2nd's rate);
    # day 4 realized 200 × 1.05 = 210, fee 1.05, the position's 60 gone
    day_pnl = {
        "2024-03-01": Decimal("108.9"),
        "2024-03-02": Decimal("-50"),
        "2024-03-04": Decimal("210") - Decimal("1.05") - Decimal("60"),
    }
    overall = doc["overall"]
    assert overall["equity_end"] == Decimal(1000) + sum(day_pnl.values())
    assert overall["realized_pnl"] == Decimal(210)
    assert overall["fees"] == Decimal("2.15")
    assert overall["net_pnl"] == Decimal("207.9")  # the round trip at its exit day's rate
    days = {w["window"]: w["figures"] for w in doc["windows"]["daily"]}
    # every day of the period is a window, the days without a trade too
    assert list(days) == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    assert [days[d]["trades"] for d in days] == [0, 0, 0, 1]
    # the mark's move on the 2nd is that day's P&L; the 3rd moves nothing
    after_two = Decimal(1000) + day_pnl["2024-03-01"] + day_pnl["2024-03-02"]
    assert days["2024-03-02"]["equity_end"] == after_two
    assert days["2024-03-03"]["equity_start"] == days["2024-03-03"]["equity_end"] == after_two
    assert days["2024-03-01"]["equity_end"] == Decimal(1000) + day_pnl["2024-03-01"]
    start = Decimal(1000) + day_pnl["2024-03-01"] + day_pnl["2024-03-02"]
    assert days["2024-03-04"]["equity_start"] == start
    assert days["2024-03-04"]["equity_end"] == start + day_pnl["2024-03-04"]
    assert days["2024-03-04"]["realized_pnl"] == Decimal(210)
    assert days["2024-03-04"]["fees"] == Decimal("1.05")
