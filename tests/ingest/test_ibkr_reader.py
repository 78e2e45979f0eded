"""The IBKR Flex reader keeps the reader contract: bad rows are quarantined, never raised;
damaged XML is unreadable; executions become fills validated like any other source's."""

from __future__ import annotations

import os
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from tradeperf.ingest import read_source
from tradeperf.ingest.ibkr import read_flex

_TRADE = (
    '<Trade accountId="U1" currency="USD" assetCategory="FUT" symbol="{symbol}" '
    'multiplier="5" tradeDate="20181109" tradeTime="{time}" quantity="{qty}" '
    'tradePrice="{price}" ibCommission="-2.05" ibCommissionCurrency="USD" buySell="{side}" '
    'ibOrderID="{n}" ibExecID="exec{n}" exchange="ECBOT" levelOfDetail="EXECUTION" />'
)


def _statement(path: Path, trades: list[str]) -> Path:
    body = "\n".join(trades)
    path.write_text(
        '<FlexQueryResponse queryName="q" type="AF">\n<FlexStatements count="1">\n'
        '<FlexStatement accountId="U1" fromDate="20181109" toDate="20181109">\n'
        f"<Trades>\n{body}\n</Trades>\n</FlexStatement>\n</FlexStatements>\n"
        "</FlexQueryResponse>\n"
    )
    return path


def _trade(n: int, *, qty: str = "1", price: str = "25900", side: str = "BUY") -> str:
    return _TRADE.format(symbol="YMZ8", time=f"10{n:02d}00", qty=qty, price=price, side=side, n=n)


def test_flex_executions_are_read_as_fills(tmp_path: Path) -> None:
    path = _statement(
        tmp_path / "flex.xml",
        [_trade(1), _trade(2, qty="-1", price="25950.5", side="SELL")],
    )
    result = read_source(path)
    assert (result.format, result.kind.value, result.rejected) == ("ibkr-flex", "fills", [])
    rows = result.table.to_pylist()
    assert [r["fill_id"] for r in rows] == ["exec1", "exec2"]
    assert [r["side"] for r in rows] == ["BUY", "SELL"]
    assert [r["quantity"] for r in rows] == [Decimal(1), Decimal(1)]
    assert rows[1]["price"] == Decimal("25950.5")
    assert rows[0]["fee"] == Decimal("2.05")  # IBKR writes a commission paid as negative
    assert rows[0]["multiplier"] == Decimal(5)
    # 10:01:00 in New York on 2018-11-09 (EST, UTC-5)
    assert rows[0]["timestamp"].isoformat() == "2018-11-09T15:01:00+00:00"


def test_bad_flex_trade_row_costs_that_row(tmp_path: Path) -> None:
    path = _statement(
        tmp_path / "flex.xml",
        [_trade(1), _trade(2, qty="lots"), _trade(3, qty="0"), _trade(4)],
    )
    result = read_source(path)
    assert not result.unreadable
    assert [r["fill_id"] for r in result.table.to_pylist()] == ["exec1", "exec4"]
    assert sorted(r.line for r in result.rejected) == [2, 3]
    flex = read_flex(path)[0]  # the library parse quarantines too, it does not raise
    assert [r.line for r in flex.rejected] == [2, 3]


def test_cut_off_flex_file_is_unreadable_not_an_error(tmp_path: Path) -> None:
    whole = _statement(tmp_path / "whole.xml", [_trade(1), _trade(2)]).read_text()
    path = tmp_path / "cut.xml"
    path.write_text(whole[: len(whole) // 2])
    result = read_source(path)
    assert result.unreadable
    assert result.format == "ibkr-flex"
    assert "Flex XML" in result.rejected[0].reason


def test_multi_currency_flex_statement_keeps_each_fill_in_its_currency() -> None:
    root = os.environ.get("TRADEPERF_SHARED_DATA")
    if not root:
        pytest.skip("TRADEPERF_SHARED_DATA is not set: real-data checks need the shared data")
    path = Path(root) / "ibkr-flex-gabbersepp" / "TestForCoding.xml"
    result = read_source(path)
    assert not result.unreadable
    assert result.rejected == []
    by_currency = Counter(result.table.column("currency").to_pylist())
    flex = read_flex(path)[0]
    assert by_currency == Counter(f.currency for f in flex.fills)
    assert set(by_currency) == {"EUR", "GBP", "USD"}
