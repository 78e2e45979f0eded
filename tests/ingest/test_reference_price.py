"""A fill's reference price read from JSONL, CSV and Parquet under each of its names.

A fill file may carry, beside each execution, the price the bot intended or decided at; it is
read exactly like the price, and a bad value quarantines the row naming ``reference_price``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeperf.ingest import read_source
from tradeperf.ingest.fills import validate_fill
from tradeperf.ingest.kinds import RowError
from tradeperf.records import RecordKind

NAMES = ["reference_price", "decision_price", "intended_price", "arrival_price", "expected_price"]
ROWS = [
    {"fill_id": "1", "timestamp": "2024-03-01T10:00:00Z", "symbol": "ES", "side": "buy",
     "qty": "1", "price": "4800.25", "ref": "4800"},
    {"fill_id": "2", "timestamp": "2024-03-01T11:00:00Z", "symbol": "ES", "side": "sell",
     "qty": "1", "price": "4801", "ref": ""},
    {"fill_id": "3", "timestamp": "2024-03-01T12:00:00Z", "symbol": "ES", "side": "buy",
     "qty": "2", "price": "4802", "ref": "0.000000000000000001"},
]  # fmt: skip
EXPECTED = [Decimal("4800"), None, Decimal("0.000000000000000001")]


def _rows(name: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{(name if k == "ref" else k): v for k, v in r.items()} for r in rows]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    names = list(rows[0])
    if path.suffix == ".csv":
        lines = [",".join(names)] + [",".join(r[n] for n in names) for r in rows]
        path.write_text("\n".join(lines) + "\n")
    elif path.suffix == ".jsonl":
        # an empty cell is no value: a JSON line leaves the key out
        path.write_text("".join(json.dumps({k: v for k, v in r.items() if v}) + "\n" for r in rows))
    else:
        columns = {n: pa.array([r[n] or None for r in rows], pa.string()) for n in names}
        pq.write_table(pa.table(columns), path)
    return path


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize("name", NAMES)
def test_every_name_of_the_reference_price_is_read_exactly(
    tmp_path: Path, name: str, suffix: str, fast: bool
) -> None:
    path = _write(tmp_path / f"fills{suffix}", _rows(name, ROWS))
    result = read_source(path, fast=fast)
    assert result.kind is RecordKind.FILLS
    assert result.rejected == []
    assert result.table.column("reference_price").to_pylist() == EXPECTED
    assert result.table.column("price").to_pylist() == [
        Decimal("4800.25"),
        Decimal(4801),
        Decimal(4802),
    ]


BAD = [
    ("0", "reference_price must be > 0"),
    ("-4800", "reference_price must be > 0"),
    ("abc", "not a number"),
    ("1e30", ""),
]


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
@pytest.mark.parametrize(("value", "says"), BAD)
def test_a_bad_reference_price_quarantines_its_row_naming_the_field(
    tmp_path: Path, suffix: str, fast: bool, value: str, says: str
) -> None:
    rows = _rows("arrival_price", ROWS)
    rows[1]["arrival_price"] = value
    path = _write(tmp_path / f"fills{suffix}", rows)
    result = read_source(path, fast=fast)
    assert [r.field for r in result.rejected] == ["reference_price"]
    assert says in result.rejected[0].reason
    # the row with the bad value is the only one lost
    assert result.table.column("fill_id").to_pylist() == ["1", "3"]


@pytest.mark.parametrize("fast", [True, False])
def test_a_typed_nan_reference_price_quarantines_its_row(tmp_path: Path, fast: bool) -> None:
    # a missing amount is empty or null, never NaN (as for every money column)
    table = pa.table(
        {
            "timestamp": ["2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z"],
            "symbol": ["ES", "ES"],
            "side": ["buy", "sell"],
            "quantity": [1.0, 1.0],
            "price": [4800.5, 4801.0],
            "arrival_price": [4800.0, float("nan")],
        }
    )
    pq.write_table(table, tmp_path / "typed.parquet")
    result = read_source(tmp_path / "typed.parquet", fast=fast)
    assert [r.field for r in result.rejected] == ["reference_price"]
    assert result.table.column("reference_price").to_pylist() == [Decimal(4800)]


def test_a_file_without_the_column_reads_fills_without_a_reference(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "ref"} for r in ROWS]
    for suffix in (".csv", ".parquet", ".jsonl"):
        result = read_source(_write(tmp_path / f"plain{suffix}", rows))
        assert result.table.column("reference_price").to_pylist() == [None, None, None]


def test_the_row_validator_reads_a_json_number_and_refuses_a_reference_not_positive() -> None:
    row = {"timestamp": "2024-03-01T10:00:00Z", "symbol": "X", "side": "b", "qty": 1, "px": 10}
    assert validate_fill({**row, "Decision Price": 9.95})["reference_price"] == Decimal("9.95")
    assert validate_fill(row)["reference_price"] is None
    with pytest.raises(RowError) as err:
        validate_fill({**row, "expected_price": -1})
    assert err.value.field == "reference_price"
