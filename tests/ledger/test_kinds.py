"""Row validators and KindSpecs of fills, marks, funding and cash flows."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from tradeperf.ingest.base import RecordKind
from tradeperf.ingest.catalog import KINDS, kind_spec
from tradeperf.ingest.fills import validate_cash_flow, validate_fill, validate_mark
from tradeperf.ingest.kinds import RowError
from tradeperf.ingest.rows import canonical_columns

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


def _detect(columns: list[str]) -> RecordKind | None:
    for spec in KINDS:
        canon = canonical_columns(spec.kind, columns)
        if any(group <= canon for group in spec.signature):
            return spec.kind
    return None


def test_a_fills_file_is_not_taken_for_marks() -> None:
    assert _detect(list(ROW)) is RecordKind.FILLS
    assert _detect(["time", "symbol", "side", "qty", "px"]) is RecordKind.FILLS
    assert _detect(["timestamp", "symbol", "price"]) is RecordKind.MARKS


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
