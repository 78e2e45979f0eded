"""`tradeperf report statement.xml` on a real IBKR Flex statement, read in place from
``$TRADEPERF_SHARED_DATA``: base-currency figures equal IBKR's own totals.

The expected values are read from the statement's cash report with the standard library, not
through tradeperf's reader.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.conftest import Tradeperf


def _statement() -> Path:
    root = os.environ.get("TRADEPERF_SHARED_DATA")
    if not root:
        pytest.skip("TRADEPERF_SHARED_DATA is not set: real-data checks need the shared data")
    path = Path(root, "ibkr-flex-gabbersepp", "TestForCoding.xml")
    assert path.exists(), f"TRADEPERF_SHARED_DATA is set but {path} is missing"
    return path


def _cash_report(path: Path) -> dict[str, dict[str, Decimal]]:
    out = {}
    for row in ET.parse(path).getroot().iter("CashReportCurrency"):
        out[row.get("currency", "")] = {
            k: Decimal(v) for k, v in row.attrib.items() if k in ("cashSettlingMtm", "commissions")
        }
    return out


def _doc(path: Path) -> dict:
    return json.loads(path.read_text(), parse_float=Decimal)  # type: ignore[no-any-return]


def test_base_currency_realized_pnl_and_commissions_equal_ibkr_totals(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    path = _statement()
    cash = _cash_report(path)
    ran = tradeperf("report", str(path), "--out", "rep")
    assert ran.code == 0, ran.err
    doc = _doc(tmp_path / "rep" / "summary.json")
    assert doc["currency"] == "EUR"  # the statement's base: EUR executions convert at 1
    assert doc["converted_currencies"] == {"GBP": 1, "USD": 9}
    overall = doc["overall"]
    base = cash["BASE_SUMMARY"]
    # futures settle their P&L in cash every day: the realized P&L of the round trips
    assert overall["realized_pnl"] == base["cashSettlingMtm"] == Decimal("135.3613")
    # every commission paid, the opening ones of the options and stock still held included;
    # IBKR writes base amounts to 9 decimals
    assert overall["fees"].quantize(Decimal("1e-9")) == -base["commissions"]
    assert overall["open_positions"] == 7
    assert overall["unrealized_pnl"] is None  # the statement has no marks after the fills
    assert overall["equity_end"] == (
        doc["capital"] + overall["realized_pnl"] - overall["fees"]
    )  # the open positions valued at cost


def test_each_currency_side_by_side_equals_its_cash_report_line(
    tradeperf: Tradeperf, tmp_path: Path
) -> None:
    path = _statement()
    cash = _cash_report(path)
    assert tradeperf("ingest", str(path)).code == 0
    ran = tradeperf("compare", "--by", "currency", "--format", "json")
    assert ran.code == 0, ran.err
    groups = json.loads(ran.out, parse_float=Decimal)["groups"]
    assert sorted(groups) == ["EUR", "GBP", "USD"]
    for currency, group in groups.items():
        figures = group["figures"]
        assert figures["realized_pnl"] == cash[currency]["cashSettlingMtm"], currency
        assert figures["fees"] == -cash[currency]["commissions"], currency
    # an account in USD: no rates to USD are stored, so the USD records alone, and why
    ran = tradeperf("summary", "--format", "json", "--currency", "USD")
    doc = json.loads(ran.out, parse_float=Decimal)
    assert doc["conversion_missing"] == "no exchange rates to USD are stored"
    assert doc["overall"]["realized_pnl"] == cash["USD"]["cashSettlingMtm"]


def _round_trips_by_account_and_venue(path: Path) -> dict[tuple[str, str], int]:
    """Flat-to-flat round trips per (account, venue of the opening execution), from the XML."""
    executions = sorted(
        (t.get("dateTime", ""), int(t.get("transactionID", "0")), t.attrib)
        for t in ET.parse(path).getroot().iter("Trade")
        if t.get("levelOfDetail") == "EXECUTION"
    )
    held: dict[tuple[str, str], tuple[Decimal, str]] = {}  # position -> (quantity, venue)
    out: dict[tuple[str, str], int] = {}
    for _, _, t in executions:
        position = (t["accountId"], t["conid"])
        quantity = Decimal(t["quantity"])  # signed: a sale is negative
        before, venue = held.get(position, (Decimal(0), t["exchange"]))
        after = before + quantity
        if before and (after == 0 or (after > 0) != (before > 0)):  # closed (or flipped)
            key = (t["accountId"], venue)
            out[key] = out.get(key, 0) + 1
            venue = t["exchange"]  # a flip opens the next one here
        held[position] = (after, venue if before else t["exchange"])
    return out


def test_round_trips_per_account_and_venue_follow_the_opening_executions(
    tradeperf: Tradeperf,
) -> None:
    path = _statement()
    assert tradeperf("ingest", str(path)).code == 0
    ran = tradeperf("summary", "--by", "account,venue", "--format", "json")
    assert ran.code == 0, ran.err
    groups = json.loads(ran.out, parse_float=Decimal)["breakdown"]["groups"]
    got = {(g["key"]["account"], g["key"]["venue"]): g["figures"]["trades"] for g in groups}
    expected = _round_trips_by_account_and_venue(path)
    assert got == expected
    assert {a for a, _ in got} == {"U1234567", "U1234567F"}  # the futures account apart
