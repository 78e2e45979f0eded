"""The columnar fast path gives exactly the row path's result.

Generated CSV and Parquet files mix clean rows with the edge cases the fast path must leave to
the row validator (blanks, null spellings, exponents, 19+ fractional digits, epoch and bad
times, offsets, negative and zero quantities, unknown sides, quoted cells, non-ASCII text,
wrong cell counts, blank lines, aliases, missing columns). Each file is read twice,
``fast=True`` and ``fast=False``, and the two `ReadResult`s must be equal: the same rows in the
same order with the same types, and the same rejects with line, field and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeperf.ingest import ReadResult, read_source
from tradeperf.ingest.assemble import RowCollector
from tradeperf.ingest.columns import FAST_ENV, fast_enabled
from tradeperf.records import RecordKind

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TIMES = st.one_of(
    st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1)).flatmap(
        lambda t: st.sampled_from(
            [
                t.isoformat() + "Z",
                t.isoformat(),
                t.isoformat(sep=" "),
                t.isoformat(timespec="seconds") + "+02:00",
                t.isoformat(timespec="minutes") + "-05:30",
                t.isoformat(timespec="milliseconds") + "z",
                t.isoformat(timespec="hours"),
                t.date().isoformat(),
                t.isoformat(timespec="microseconds") + "7Z",
                str(int(t.replace(tzinfo=dt.UTC).timestamp())),
                str(int(t.replace(tzinfo=dt.UTC).timestamp() * 1000)),
                f" {t.isoformat()}Z ",
            ]
        )
    ),
    st.sampled_from(
        [
            "",
            "null",
            "NaN",
            "2024-02-30T00:00:00Z",
            "2024-13-01",
            "2024-02-29T23:59:59.999999+23:59",
            "2023-02-29",
            "2024-03-01T24:00:00",
            "2024-03-01T12:00:60Z",
            "2024-03-01T12:00:00+24:00",
            "0001-01-01T00:00:00+01:00",
            "yesterday",
            "1.5e9",
        ]
    ),
)
MONEY = st.one_of(
    st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), allow_nan=False, places=2).map(
        str
    ),
    st.integers(-(10**6), 10**6).map(str),
    st.decimals(min_value=Decimal(0), max_value=Decimal(1), allow_nan=False, places=20).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "null",
            "None",
            "N/A",
            "nan",
            "1e2",
            "1E-3",
            "+1",
            ".5",
            "-.5",
            "1.",
            "1_000",
            "abc",
            "Infinity",
            "0",
            "-0",
            "0.000000000000000001",
            "0.0000000000000000005",
            "99999999999999999999.5",
            "100000000000000000000",
            "000000000000000000000001",
            " 12.5 ",
            "1,5",
            "٣",
        ]
    ),
)
SIDES = st.sampled_from(
    ["buy", "sell", "B", "s", "LONG", "short", "1", "-1", "", "null", "x", " Buy ", "bot"]
)
TEXT = st.one_of(
    st.sampled_from(
        [
            "ES",
            " NQ ",
            "BTC-USD",
            "",
            "null",
            "n/a",
            "a b",
            "€UR",
            'q"t',
            "x,y",
            "X\x00Y",
            "a\x1fb",
            " \tZ\r",
        ]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=4),
)
LIQUIDITY = st.sampled_from(["", "maker", "T", "add", "REMOVE", "x", "null"])

FILL_COLUMNS = {
    "fill_id": (["fill_id", "id", "exec_id", "Fill ID"], TEXT),
    "timestamp": (["timestamp", "ts", "time", "Exec-Time"], TIMES),
    "symbol": (["symbol", "pair", "ticker"], TEXT),
    "side": (["side", "direction", "buy_sell"], SIDES),
    "quantity": (["quantity", "qty", "size"], MONEY),
    "price": (["price", "px", "fill_price"], MONEY),
    "fee": (["fee", "commission"], MONEY),
    "liquidity": (["liquidity", "maker_taker"], LIQUIDITY),
    "multiplier": (["multiplier"], st.sampled_from(["", "1", "2.5", "0", "-1", "1e1"])),
    "account": (["account"], TEXT),
    "venue": (["venue", "exchange"], TEXT),
    "order_id": (["order_id"], TEXT),
    "tags": (["tags", "tag"], st.sampled_from(["", "a", "a;b", '["x"]', "null"])),
    "reference_price": (["reference_price", "arrival_price", "decision_price"], MONEY),
}
MARK_COLUMNS = {
    "timestamp": (["timestamp", "ts", "date"], TIMES),
    "symbol": (["symbol", "ticker"], TEXT),
    "price": (["price", "mark", "close"], MONEY),
}
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "2.5", "-1e3", "1e400", "abc", "1_0", " 3 ", ".5", "5.", "null"]),
)
TRADE_COLUMNS = {
    "symbol": (["symbol", "asset", "pair"], TEXT),
    "exit_time": (["exit_time", "close_time"], TIMES),
    "net_pnl": (["net_pnl", "pnl", "profit"], MONEY),
    "trade_id": (["trade_id", "id"], TEXT),
    "strategy": (["strategy"], TEXT),
    "side": (["side", "direction"], SIDES),
    "status": (
        ["status"],
        st.sampled_from(["", "CLOSED", "open", "Cancelled", "failed", "x", "null", " closed "]),
    ),
    "entry_time": (["entry_time", "open_time"], TIMES),
    "quantity": (["quantity", "position_size", "qty"], MONEY),
    "entry_price": (["entry_price", "open_price"], MONEY),
    "exit_price": (["exit_price", "close_price"], MONEY),
    "fees": (["fees", "fee", "commission"], MONEY),
    "gross_pnl": (["gross_pnl"], MONEY),
    "return_pct": (["return_pct", "profit_ratio"], FLOATS),
    "return_percent": (["pnl_percentage"], FLOATS),
    "risk_reward": (["risk_reward", "rr"], FLOATS),
    "signal_id": (["signal_id"], TEXT),
    "exit_reason": (["exit_reason"], TEXT),
    "currency": (["currency"], TEXT),
    "tags": (["tags"], st.sampled_from(["", "a", "null", "a;b"])),
    "news_event_ids": (["news_events"], st.sampled_from(["", '["n1"]', "null"])),
    "sentiment_json": (["sentiment_scores"], st.sampled_from(["", '{"a": 0.5}', "null"])),
    "metadata_json": (["metadata"], st.sampled_from(["", '{"side": "short"}', "null", "x"])),
    "is_short": (["is_short"], st.sampled_from(["", "true", "false"])),
}
QUOTE_COLUMNS = {
    "timestamp": (["timestamp", "ts", "time"], TIMES),
    "symbol": (["symbol", "pair"], TEXT),
    "bid": (["bid", "bid_price", "best_bid"], FLOATS),
    "ask": (["ask", "ask_price", "offer"], FLOATS),
    "bid_size": (["bid_size", "bid_qty"], FLOATS),
    "ask_size": (["ask_size", "ask_qty"], FLOATS),
    "venue": (["venue", "exchange"], TEXT),
}
REQUIRED = {
    RecordKind.QUOTES: ["timestamp", "symbol", "bid", "ask"],
    RecordKind.TRADES: ["symbol", "exit_time", "net_pnl"],
    RecordKind.FILLS: ["timestamp", "symbol", "side", "quantity", "price"],
    RecordKind.MARKS: ["timestamp", "symbol", "price"],
}
CLEAN = {
    "exit_time": "2024-03-01T15:00:00Z",
    "entry_time": "2024-03-01T14:00:00+01:00",
    "net_pnl": "12.5",
    "status": "CLOSED",
    "entry_price": "100.5",
    "exit_price": "101",
    "return_pct": "0.012",
    "timestamp": "2024-03-01T14:05:00.25Z",
    "symbol": "ES",
    "side": "buy",
    "quantity": "2",
    "price": "4800.25",
    "fee": "0.5",
    "bid": "4800",
    "ask": "4800.5",
    "bid_size": "3",
    "ask_size": "0",
}


@st.composite
def layouts(draw: st.DrawFn, kind: RecordKind) -> tuple[list[str], list[list[str]]]:
    """A header (aliases, optional columns, maybe a duplicate) and rows of raw cells."""
    spec = {
        RecordKind.FILLS: FILL_COLUMNS,
        RecordKind.MARKS: MARK_COLUMNS,
        RecordKind.TRADES: TRADE_COLUMNS,
        RecordKind.QUOTES: QUOTE_COLUMNS,
    }[kind]
    optional = [c for c in spec if c not in REQUIRED[kind]]
    chosen = list(REQUIRED[kind])
    if optional:
        chosen += draw(st.lists(st.sampled_from(optional), unique=True))
    if draw(st.booleans()):
        chosen.remove(draw(st.sampled_from(REQUIRED[kind][1:])))  # a missing column
    header = [draw(st.sampled_from(spec[c][0])) for c in chosen]
    if draw(st.integers(0, 5)) == 0:
        chosen.append(chosen[-1])
        header.append(draw(st.sampled_from(spec[chosen[-1]][0])))
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):  # a clean row: most rows of a real file
            rows.append([CLEAN.get(c, "") for c in chosen])
        else:
            rows.append([draw(spec[c][1]) for c in chosen])
    return header, rows


def _assert_same(fast: ReadResult, slow: ReadResult) -> None:
    assert fast.kind == slow.kind
    assert fast.format == slow.format
    assert fast.unreadable == slow.unreadable
    assert fast.table.schema == slow.table.schema
    assert fast.table.combine_chunks().to_pylist() == slow.table.to_pylist()
    assert fast.table.combine_chunks().equals(slow.table.combine_chunks())
    assert fast.rejected == slow.rejected


def _compare(path: Path, **kwargs: object) -> ReadResult:
    fast = read_source(path, fast=True, **kwargs)  # type: ignore[arg-type]
    slow = read_source(path, fast=False, **kwargs)  # type: ignore[arg-type]
    _assert_same(fast, slow)
    return fast


def _write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    delimiter: str,
    noise: list[int],
    quoting: int = csv.QUOTE_MINIMAL,
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n", quoting=quoting)
    writer.writerow(header)
    for i, row in enumerate(rows):
        kind = noise[i % len(noise)] if noise else 0
        if kind == 1:
            out.write("\n")
        elif kind == 2:
            out.write(f" {delimiter} \n")
        elif kind == 3:
            writer.writerow(row[:-1])  # too few cells
            continue
        writer.writerow(row)
    path.write_bytes(out.getvalue().encode("utf-8"))


@pytest.mark.parametrize(
    "kind", [RecordKind.FILLS, RecordKind.MARKS, RecordKind.TRADES, RecordKind.QUOTES]
)
@SETTINGS
@given(data=st.data())
def test_csv_fast_equals_row_path(tmp_path: Path, kind: RecordKind, data: st.DataObject) -> None:
    header, rows = data.draw(layouts(kind))
    delimiter = data.draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    noise = data.draw(st.lists(st.integers(0, 6), max_size=4))
    path = tmp_path / "fills.csv"
    quoting = data.draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    _write_csv(path, header, rows, delimiter=delimiter, noise=noise, quoting=quoting)
    if data.draw(st.booleans()):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    _compare(path, kind=kind if data.draw(st.booleans()) else None)


def _typed(values: list[str], how: str) -> pa.Array:
    """A column of raw cells in another Parquet type (cells that do not convert are null)."""

    def convert(v: str) -> object:
        try:
            if how == "float":
                return float(v)
            if how == "int":
                return int(v) if abs(int(v)) < 2**63 else None
            if how == "decimal":
                d = Decimal(v)
                return d if d.is_finite() and abs(d) < 10**20 else None
            if how == "timestamp":
                t = dt.datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
                return t.astimezone(dt.UTC) if t.tzinfo else t.replace(tzinfo=dt.UTC)
        except (ValueError, ArithmeticError):
            return None
        return v

    converted = [convert(v) for v in values]
    if how == "decimal":
        return pa.array(
            [None if d is None else Decimal(d).quantize(Decimal("1e-6")) for d in converted],
            pa.decimal128(30, 6),
        )
    if how == "timestamp":
        return pa.array(converted, pa.timestamp("us", tz="UTC"))
    return pa.array(converted)


@pytest.mark.parametrize(
    "kind", [RecordKind.FILLS, RecordKind.MARKS, RecordKind.TRADES, RecordKind.QUOTES]
)
@SETTINGS
@given(data=st.data())
def test_parquet_fast_equals_row_path(
    tmp_path: Path, kind: RecordKind, data: st.DataObject
) -> None:
    header, rows = data.draw(layouts(kind))
    if len(set(header)) != len(header):
        header = [f"{h}{i}" if h in header[:i] else h for i, h in enumerate(header)]
    columns: dict[str, pa.Array] = {}
    for i, name in enumerate(header):
        values = [row[i] for row in rows]
        how = data.draw(st.sampled_from(["text", "text", "float", "int", "decimal", "timestamp"]))
        columns[name] = pa.array(values, pa.string()) if how == "text" else _typed(values, how)
    path = tmp_path / "fills.parquet"
    pq.write_table(pa.table(columns), path)
    _compare(path, kind=kind if data.draw(st.booleans()) else None)


def test_fast_path_reads_a_plain_file_by_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "fills.csv"
    lines = ["fill_id,timestamp,symbol,side,qty,price,fee"]
    lines += [f"f{i},2024-03-01T14:05:{i % 60:02d}Z,ES,buy,1.5,4800.25,0.1" for i in range(50)]
    lines += ["f50,2024-03-01T14:05:00Z,ES,buy,1e3,4800.25,0.1"]  # left to the row path
    path.write_text("\n".join(lines) + "\n")
    by_row: list[int | None] = []
    add = RowCollector.add
    monkeypatch.setattr(
        RowCollector,
        "add",
        lambda self, line, row, raw: (by_row.append(line), add(self, line, row, raw)),
    )
    result = read_source(path, fast=True)
    assert by_row == [52]
    assert result.table.num_rows == 51
    assert result.table.column("quantity")[50].as_py() == Decimal(1000)
    pq.write_table(read_source(path, fast=False).table, tmp_path / "fills.parquet")
    by_row.clear()
    assert read_source(tmp_path / "fills.parquet", fast=True).table.num_rows == 51
    assert by_row == []


def test_the_environment_variable_turns_the_fast_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert fast_enabled()
    monkeypatch.setenv(FAST_ENV, "0")
    assert not fast_enabled()
    assert fast_enabled(fast=True)


_TIME_SHAPES = (
    lambda t: t.isoformat() + "Z",
    lambda t: t.isoformat(),
    lambda t: t.isoformat(sep=" "),
    lambda t: t.isoformat(timespec="seconds") + "+02:00",
    lambda t: t.isoformat(timespec="minutes") + "-05:30",
    lambda t: t.isoformat(timespec="milliseconds") + "+23:59",
    lambda t: t.date().isoformat(),
)


@SETTINGS
@given(
    times=st.lists(
        st.datetimes(min_value=dt.datetime(2, 1, 2), max_value=dt.datetime(9998, 12, 30)),
        min_size=1,
        max_size=20,
    ),
    shape=st.sampled_from(range(len(_TIME_SHAPES))),
    extra=st.sampled_from(
        [
            None,
            "",
            "0001-12-31T23:00:00-01:00",
            "9998-12-31T23:59:59-00:01",
            "2024-02-30",
            "2024-03-01T12:00:00+24:00",
        ]
    ),
)
def test_whole_column_time_cast_equals_field_by_field(
    times: list[dt.datetime], shape: int, extra: str | None
) -> None:
    """A column of one ISO shape is read by one Arrow cast; it must give what the
    field-by-field parser gives, including at the ends of the year range."""
    from tradeperf.ingest.columns import _iso_times, text_values, timestamp_values

    values = [_TIME_SHAPES[shape](t) for t in times] + ([] if extra is None else [extra])
    array = pa.array(values)
    text, unsure = text_values(array, len(values))
    expected, expected_unsure = _iso_times(text, unsure)
    got, got_unsure = timestamp_values(array, len(values))
    assert got.to_pylist() == expected.to_pylist()
    assert (got_unsure == expected_unsure).all()
