"""Row validators and KindSpecs of fills, marks, funding and cash flows."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from tradeperf.ingest.catalog import detect_kind, kind_spec
from tradeperf.ingest.fills import validate_cash_flow, validate_fill, validate_mark
from tradeperf.ingest.kinds import RowError
from tradeperf.records import RecordKind

ROW = {
    "fill_id": "1",
    "timestamp": "2024-01-02T09:30:00Z",
    "symbol": "ES",
    "side": "SELL",
    "quantity": "3",
    "price": "4800.25",
    "fee": "1.2",
}


def test_fill_row_validates_into_fill_schema() -> None:
    out = validate_fill(ROW)
    spec = kind_spec(RecordKind.FILLS)
    table = pa.Table.from_pylist([out], schema=spec.schema)
    assert table.column("price").to_pylist() == [Decimal("4800.25")]
    assert out["side"] == "SELL"
    assert out["account"] == "default"


@pytest.mark.parametrize("qty", ["0", 0, "0.000"])
def test_zero_size_fill_is_rejected_naming_quantity(qty) -> None:
    with pytest.raises(RowError) as err:
        validate_fill({**ROW, "quantity": qty})
    assert err.value.field == "quantity"


def test_bad_side_and_missing_price_name_their_field() -> None:
    with pytest.raises(RowError) as err:
        validate_fill({**ROW, "side": "hold"})
    assert err.value.field == "side"
    row = dict(ROW)
    del row["price"]
    with pytest.raises(RowError) as err:
        validate_fill(row)
    assert err.value.field == "price"


def _kind(columns: list[str], mapping: dict[str, str] | None = None) -> RecordKind | None:
    spec = detect_kind(columns, mapping=mapping)
    return None if spec is None else spec.kind


def test_a_fills_file_is_not_taken_for_marks() -> None:
    assert _kind(list(ROW)) is RecordKind.FILLS
    assert _kind(["time", "symbol", "side", "qty", "px"]) is RecordKind.FILLS
    assert _kind(["timestamp", "symbol", "price"]) is RecordKind.MARKS


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # fills: fill_id or symbol with timestamp, side, quantity, price (aliases, any case)
        (["Fill ID", "Time", "Side", "Size", "Price"], RecordKind.FILLS),
        (["TIMESTAMP", " Symbol ", "Side", "QTY", "Last-Px"], RecordKind.FILLS),
        # marks: timestamp, symbol, price
        (["ts", "ticker", "mid"], RecordKind.MARKS),
        (["date", "instrument", "mark_price"], RecordKind.MARKS),
        # funding: timestamp, symbol, amount
        (["ts", "pair", "funding_fee"], RecordKind.FUNDING),
        # cash flows: timestamp, amount, type
        (["date", "amount", "kind"], RecordKind.CASH_FLOWS),
        # FX rates: date, currency, base, rate
        (["day", "from", "to", "fx_rate"], RecordKind.FX_RATES),
        # trades: symbol with a P&L, prices, times, or id and status
        (["Asset", "PnL"], RecordKind.TRADES),
        (["pair", "open_rate", "close_rate"], RecordKind.TRADES),
        (["ticker", "opened_at", "closed_at"], RecordKind.TRADES),
        (["symbol", "id", "state"], RecordKind.TRADES),
        # nothing: no signature is complete
        (["foo", "bar"], None),
        ([], None),
        (["timestamp", "symbol"], None),
        (["time", "symbol", "side", "qty"], None),
    ],
)
def test_each_kind_is_detected_from_its_signature_and_aliases(columns, expected) -> None:
    assert _kind(columns) is expected


def test_the_highest_priority_kind_wins_when_several_match() -> None:
    # fills (20) > FX rates (10) > funding (5) > trades, cash flows (0) > marks (-10)
    assert _kind(["timestamp", "symbol", "side", "quantity", "price", "net_pnl"]) is (
        RecordKind.FILLS
    )
    assert _kind(["timestamp", "symbol", "price", "date", "currency", "base", "rate"]) is (
        RecordKind.FX_RATES
    )
    assert _kind(["timestamp", "symbol", "price", "amount"]) is RecordKind.FUNDING
    assert _kind(["timestamp", "symbol", "amount", "type", "pnl"]) is RecordKind.FUNDING


def test_at_equal_priority_the_largest_signature_group_wins() -> None:
    # trades match {symbol, net_pnl} ("ticker" is not a funding alias, so funding does not
    # match); cash flows match {timestamp, amount, type}, the larger group.
    assert _kind(["timestamp", "amount", "type", "ticker", "pnl"]) is RecordKind.CASH_FLOWS
    assert _kind(["ticker", "pnl"]) is RecordKind.TRADES


def test_the_column_mapping_is_applied_before_matching() -> None:
    assert _kind(["sym", "profit_usd"]) is None
    assert _kind(["sym", "profit_usd"], {"symbol": "sym", "pnl": "profit_usd"}) is (
        RecordKind.TRADES
    )
    mapping = {"timestamp": "when", "side": "Dir", "qty": "n", "px": "p"}
    assert _kind(["When", "Ticker", "Dir", "N", "P"], mapping) is RecordKind.FILLS
    # "amount" mapped to the quantity is no longer a funding amount: only the marks match
    assert _kind(["timestamp", "symbol", "price", "amount"], {"quantity": "amount"}) is (
        RecordKind.MARKS
    )


def test_mark_and_cash_flow_rows() -> None:
    assert validate_mark({"ts": 1704067200, "symbol": "X", "mid": "1.5"})["price"] == Decimal("1.5")
    out = validate_cash_flow({"timestamp": "2024-01-01", "amount": "100", "type": "WITH"})
    assert out["amount"] == Decimal(-100)


def test_a_negative_quantity_with_a_side_is_rejected_naming_the_field(tmp_path):
    from tradeperf.ingest.read import read_source

    path = tmp_path / "fills.csv"
    path.write_text(
        "fill_id,timestamp,symbol,side,quantity,price,fee\na,2024-01-01T00:00:00Z,X,buy,-1,10,0\n"
    )
    result = read_source(path)
    assert result.table.num_rows == 0
    assert [(r.line, r.field) for r in result.rejected] == [(2, "quantity")]
