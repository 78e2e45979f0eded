"""The columnar fast path for JSONL gives exactly the row path's result.

Generated JSONL files hold the cells of `test_columnar`'s layouts written as JSON strings or,
where the text is a valid JSON number, as raw number literals (long ones like
``0.1234567890123456789``, exponents like ``1e-3``), plus nulls, booleans, missing and extra
keys, reordered keys, nested metadata and lists, escapes, and noise lines (blank, truncated,
not an object, not UTF-8, a last line without newline). Each file is read ``fast=True`` and
``fast=False`` (also from a line-start offset, with a column mapping) and the two
`ReadResult`s must be equal, ``end_offset`` included.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.ingest.test_columnar import SETTINGS, _assert_same, layouts
from tradeperf.ingest import ReadResult, jsonl, read_source
from tradeperf.ingest.assemble import RowCollector
from tradeperf.records import RecordKind

_JSON_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?")
NUMBER_LITERALS = st.sampled_from(
    [
        "0.1234567890123456789",
        "1e-3",
        "1E+2",
        "2.5e1",
        "-0",
        "0",
        "12",
        "1.50",
        "-7.25",
        "123456789012345678901234567890",
        "0.000000000000000001",
        "1e-19",
        "100000000000000000000",
        "99999999999999999999.999999999999999999",
    ]
)
ODD_VALUES = st.sampled_from(
    [
        "null",
        "true",
        "false",
        '{"side": "short", "note": "x"}',
        '["n1", "n2"]',
        "[]",
        "{}",
        '"a\\u00e9b"',
        '"ES\\n"',
        '"\\u0045S"',
        "NaN",
        "Infinity",
        '{"a": 0.5, "b": -1e-3}',
    ]
)
NEWS_BOT = [
    "trade_id",
    "signal_id",
    "asset",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "position_size",
    "pnl",
    "pnl_percentage",
    "status",
    "news_events",
    "sentiment_scores",
    "fees",
    "metadata",
]


@st.composite
def literal(draw: st.DrawFn, cell: str, *, odd: bool = True) -> str:
    """One JSON value for a cell: its text as a string, or as a number, or (``odd``)
    something odd."""
    how = draw(st.integers(0, 9) if odd else st.sampled_from([0, 6]))
    if how <= 3 and _JSON_NUMBER.fullmatch(cell):
        return cell
    if how == 4:
        return draw(NUMBER_LITERALS)
    if how == 5:
        return draw(ODD_VALUES)
    return json.dumps(cell, ensure_ascii=draw(st.booleans()))


@st.composite
def news_bot_row(draw: st.DrawFn) -> list[str]:
    """A row of the news-bot layout, as JSON literals in `NEWS_BOT` order."""
    if draw(st.booleans()):  # a clean row without news, sentiment or metadata
        plain = st.sampled_from(["12.5", '"12.5"', "-3", "0.1234", "1e-3", '"0.25"', "100"])
        return [
            json.dumps(f"t{draw(st.integers(0, 99))}"),
            draw(st.sampled_from(['"s1"', "null"])),
            draw(st.sampled_from(['"BTC-USD"', '"ES"'])),
            draw(st.sampled_from(['"2024-03-01T14:00:00Z"', '"2024-03-01T14:00:00.5+01:00"'])),
            draw(st.sampled_from(['"2024-03-01T15:00:00Z"', '"2024-03-01 15:00:00"'])),
            draw(plain),
            draw(plain),
            draw(st.sampled_from(["1.5", '"2"', "3"])),
            draw(plain),
            draw(st.sampled_from(["1.5", '"2.5"', "null", "-0.25"])),
            draw(st.sampled_from(['"CLOSED"', '"closed"', "null"])),
            "null",
            "null",
            draw(st.sampled_from(["0.5", '"0.35"', "null", "0"])),
            draw(st.sampled_from(["null", '""'])),
        ]
    money = st.one_of(NUMBER_LITERALS, st.sampled_from(['"12.5"', '"-3"', "null", '"x"']))
    return [
        draw(st.sampled_from(['"t1"', '"t2"', "7", "null"])),
        draw(st.sampled_from(['"s1"', "null", "3"])),
        draw(st.sampled_from(['"BTC-USD"', '"ES"', "null", '""'])),
        draw(st.sampled_from(['"2024-03-01T14:00:00Z"', "1709301600", "null"])),
        draw(st.sampled_from(['"2024-03-01T15:00:00Z"', '"2024-03-01 15:00:00"', '"x"'])),
        draw(money),
        draw(money),
        draw(money),
        draw(money),
        draw(st.sampled_from(["1.5", '"2.5"', "null", "-0.25", '"abc"'])),
        draw(st.sampled_from(['"CLOSED"', '"closed"', "null", '"x"'])),
        draw(st.sampled_from(["[]", '["n1"]', "null", '[{"id": "e1"}]'])),
        draw(st.sampled_from(["{}", '{"n1": 0.5}', "null"])),
        draw(money),
        draw(st.sampled_from(["{}", '{"side": "short"}', "null", '{"side": "long", "x": 1}'])),
    ]


def _object(keys: list[str], values: list[str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in zip(keys, values, strict=True)) + "}"


@st.composite
def jsonl_files(draw: st.DrawFn, kind: RecordKind) -> bytes:
    """A JSONL file (bytes) of ``kind`` rows with per-row key sets and noise lines."""
    if kind is RecordKind.TRADES and draw(st.integers(0, 2)) == 0:
        header = list(NEWS_BOT)
        rows = draw(st.lists(news_bot_row(), max_size=12))
    else:
        header, cells = draw(layouts(kind))
        rows = []
        for row in cells:
            odd = draw(st.booleans())  # else every cell is its text, as a string or number
            rows.append([draw(literal(c, odd=odd)) for c in row])
    lines: list[bytes] = []
    for values in rows:
        keys, vals = list(header), list(values)
        shape = draw(st.integers(0, 9))
        if shape == 1 and keys:  # a missing key
            i = draw(st.integers(0, len(keys) - 1))
            del keys[i], vals[i]
        elif shape == 2:  # an extra key
            keys.append(draw(st.sampled_from(["extra", "note", "tags", "@line"])))
            vals.append(draw(st.one_of(NUMBER_LITERALS, ODD_VALUES)))
        elif shape == 3:  # another key order
            order = draw(st.permutations(range(len(keys))))
            keys, vals = [keys[i] for i in order], [vals[i] for i in order]
        text = _object(keys, vals)
        noise = draw(st.integers(0, 14))
        if noise == 1:
            lines.append(b"")
        elif noise == 2:
            lines.append(b"   \t")
        elif noise == 3:
            text = text[: draw(st.integers(0, max(len(text) - 1, 0)))]  # truncated write
        elif noise == 4:
            text = draw(st.sampled_from(["[1, 2]", "3", '"x"', "null", "true"]))
        elif noise == 5:
            lines.append(b'{"symbol": "\xff"}')
        elif noise == 6:
            text = text.replace("{", ' {"symbol": "dup", ', 1)  # a duplicate key
        lines.append(text.encode("utf-8"))
    crlf = draw(st.booleans())
    body = b"".join(line + (b"\r\n" if crlf else b"\n") for line in lines)
    if body and draw(st.booleans()):
        body = body.rstrip(b"\r\n")  # the last line has no newline (or is cut)
    if draw(st.integers(0, 3)) == 0:
        body = b"\xef\xbb\xbf" + body
    return body


def _compare(path: Path, **kwargs: object) -> ReadResult:
    fast = read_source(path, fast=True, **kwargs)  # type: ignore[arg-type]
    slow = read_source(path, fast=False, **kwargs)  # type: ignore[arg-type]
    _assert_same(fast, slow)
    assert fast.end_offset == slow.end_offset
    return fast


@pytest.mark.parametrize("kind", [RecordKind.FILLS, RecordKind.MARKS, RecordKind.TRADES])
@SETTINGS
@given(data=st.data())
def test_jsonl_fast_equals_row_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: RecordKind, data: st.DataObject
) -> None:
    monkeypatch.setattr(jsonl, "JSON_MIN_GROUP", data.draw(st.sampled_from([1, 1, 2, 16])))
    body = data.draw(jsonl_files(kind))
    path = tmp_path / "2024-03-01.jsonl"
    path.write_bytes(body)
    starts = [0] + [m.end() for m in re.finditer(b"\n", body)]
    offset = data.draw(st.sampled_from(starts)) if data.draw(st.booleans()) else 0
    mapping = None
    if kind is RecordKind.TRADES and data.draw(st.integers(0, 3)) == 0:
        mapping = data.draw(st.sampled_from(["net_pnl=fees", "symbol=trade_id", "pnl=extra"]))
    kwargs: dict[str, object] = {"format": "jsonl", "start_offset": offset}
    if data.draw(st.booleans()):
        kwargs["kind"] = kind
    if mapping is not None:
        kwargs["mapping"] = mapping
    try:
        slow = read_source(path, fast=False, **kwargs)  # type: ignore[arg-type]
    except Exception as exc:  # a mapping naming a missing column: both paths raise alike
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            read_source(path, fast=True, **kwargs)  # type: ignore[arg-type]
        return
    fast = _compare(path, **kwargs)
    assert fast.format == slow.format


def test_jsonl_fast_path_reads_plain_lines_by_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        f'{{"fill_id": "f{i}", "timestamp": "2024-03-01T14:05:{i % 60:02d}Z", "symbol": "ES", '
        f'"side": "buy", "qty": 1.5, "price": "4800.25", '
        f'"fee": {"0.1234567890123456789" if i == 7 else "1e-3"}}}'
        for i in range(40)
    ]
    lines[3] = lines[3][:20]  # truncated: quarantined by the row path
    lines[9] = lines[9][:-1] + ', "tags": ["a"]}'  # a list: by row
    path = tmp_path / "fills.jsonl"
    path.write_text("\n".join(lines) + "\n")
    by_row: list[int | None] = []
    add = RowCollector.add
    monkeypatch.setattr(
        RowCollector,
        "add",
        lambda self, line, row, raw: (by_row.append(line), add(self, line, row, raw)),
    )
    result = read_source(path, fast=True)
    assert by_row == [8, 10]  # 19 fractional digits, and the list
    assert result.table.num_rows == 39
    assert [r.line for r in result.rejected] == [4]
    assert result.table.column("source_line").to_pylist() == [i + 1 for i in range(40) if i != 3]
    assert result.end_offset == path.stat().st_size
    assert result.table.column("fee")[0].as_py() == Decimal("0.001")
    by_row.clear()
    _compare(path)
