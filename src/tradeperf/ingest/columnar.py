"""The vectorised fast path: whole columns validated with `pyarrow.compute`, the rest by row.

The row path (`tradeperf.ingest.assemble.RowCollector`) validates each row in Python, about
20k rows/s. This module reads a CSV or Parquet file into Arrow columns and hands them to the
record kind's ``fast_validate`` (an optional field of `KindSpec`), which converts whole
columns at once. The contract is that the result is *exactly* the row path's:

- a fast validator returns only rows it is sure of, built exactly as the row validator would
  build them, and marks every other row as unsure;
- unsure rows, and every line the fast reader does not understand (quotes, non-ASCII text,
  wrong cell count, control characters), go to the row path, which keeps the row or
  quarantines it with its line, field and reason as it always did;
- the table is the fast rows and the row-path rows merged in source-line order.

When a file as a whole is outside what the fast reader handles (a quoted field spanning lines,
a lone ``\\r`` line break, a damaged Parquet file, an unknown layout), `read_csv_fast` and
`read_parquet_fast` return None and the caller reads the file by row.

The column helpers (`text_values`, `money_values`, `timestamp_values`, `lookup`) each return
the converted column (null where the value is missing) and a NumPy mask of the rows they are
not sure about; they accept what the row helpers of `tradeperf.ingest.rows` accept, or say
"unsure". Set ``TRADEPERF_INGEST_FAST=0`` (or pass ``fast=False`` to `read_source`) to force
the row path.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tradeperf.ingest.assemble import RowCollector, apply_mapping, check_mapping_columns
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.ingest.kinds import KindSpec
from tradeperf.ingest.rows import LINE_KEY, SOURCE_KEY
from tradeperf.records import MONEY_TYPE
from tradeperf.records.trade import TIMESTAMP_TYPE

#: Environment variable: ``0``/``false``/``no``/``off`` turns the fast path off.
FAST_ENV: Final = "TRADEPERF_INGEST_FAST"

Mask = np.ndarray  # 1-D bool, one entry per row


def fast_enabled(*, fast: bool | None = None) -> bool:
    """Whether to try the fast path: ``fast`` when given, else `FAST_ENV` (default on)."""
    if fast is not None:
        return fast
    return os.environ.get(FAST_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class ColumnBatch:
    """Raw columns of one source, for a kind's fast validator.

    Attributes
    ----------
    columns : source column name (after the column mapping, in file order) -> raw values:
        text for CSV, the stored type for Parquet.
    lines : the 1-based line (CSV) or row (Parquet) number of each row, int64.
    source : the file name recorded with rows.
    """

    columns: dict[str, pa.Array]
    lines: np.ndarray
    source: str

    @property
    def num_rows(self) -> int:
        return len(self.lines)


#: A kind's fast validator: the rows it is sure of, in the kind's schema and in input order,
#: and the mask of those rows (True = produced here; False = left to the row validator).
FastValidator = Callable[[ColumnBatch], tuple[pa.Table, Mask]]


# ---------------------------------------------------------------------------------------------
# Column helpers


#: What `str.strip` removes from ASCII text.
_ASCII_SPACE: Final = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_NULL_SPELLINGS: Final = pa.array(["", "null", "none", "nan", "n/a", "na"])
#: Plain decimals that `to_decimal` reads exactly and Arrow casts to the same value: at most
#: 20 integer and 18 fractional digits, no exponent, no ``_``.
_MONEY_RE: Final = r"^[+-]?(\d{1,20}(\.\d{0,18})?|\.\d{1,18})$"
#: ISO-8601 forms `datetime.fromisoformat` reads the way this module computes them.
_ISO_RE: Final = (
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:\d{2})?)?$"
)
_MONEY_ZERO: Final = pa.scalar(0, pa.int64()).cast(MONEY_TYPE)


def none_mask(n: int) -> Mask:
    """A mask with no row set."""
    return np.zeros(n, dtype=bool)


def to_mask(values: pa.Array | pa.ChunkedArray) -> Mask:
    """A boolean Arrow array as a NumPy mask (null counts as False)."""
    filled = pc.fill_null(values, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    return array


def _unknown(values: pa.Array, n: int, to: pa.DataType) -> tuple[pa.Array, Mask]:
    """Values of a type the fast path does not read: every present value is unsure."""
    return pa.nulls(n, to), to_mask(pc.is_valid(values))


def text_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Text as `rows.parse_text` reads it: trimmed, null where missing.

    Sure: ASCII text, integers (written as their digits), nulls.
    """
    if values is None:
        return pa.nulls(n, pa.string()), none_mask(n)
    array = _plain(values)
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(n, pa.string()), none_mask(n)
    if pa.types.is_integer(kind):
        return array.cast(pa.string()), none_mask(n)
    if not pa.types.is_string(kind):
        return _unknown(array, n, pa.string())
    ascii = pc.string_is_ascii(array)
    trimmed = pc.ascii_trim(array, characters=_ASCII_SPACE)
    missing = pc.is_in(pc.ascii_lower(trimmed), value_set=_NULL_SPELLINGS)
    keep = pc.and_(ascii, pc.invert(missing))
    return pc.if_else(keep, trimmed, pa.scalar(None, pa.string())), to_mask(pc.invert(ascii))


def money_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Money as `rows.parse_money` reads it, in ``decimal128(38, 18)``, null where missing.

    Sure: plain decimal text (`_MONEY_RE`), integers, floats whose shortest repr is plain,
    decimals with at most 18 fractional digits and under 1e20.
    """
    if values is None:
        return pa.nulls(n, MONEY_TYPE), none_mask(n)
    array = _plain(values)
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(n, MONEY_TYPE), none_mask(n)
    if pa.types.is_integer(kind):
        return array.cast(MONEY_TYPE), none_mask(n)
    if pa.types.is_floating(kind):
        # Arrow writes the shortest repr of a double, like Python's repr (maybe without ".0"
        # or in another exponent style: exponents are left unsure below).
        array = array.cast(pa.float64()).cast(pa.string())
        kind = array.type
    if pa.types.is_decimal128(kind) and 0 <= kind.scale <= 18:
        inside = (
            pc.less(pc.abs(array), pa.scalar(Decimal(10**20), kind))
            if (kind.precision - kind.scale > 20)
            else pc.is_valid(array)
        )
        kept = pc.if_else(inside, array, pa.scalar(None, kind))
        return kept.cast(MONEY_TYPE), to_mask(pc.and_(pc.is_valid(array), pc.invert(inside)))
    if not pa.types.is_string(kind):
        return _unknown(array, n, MONEY_TYPE)
    text, unsure = text_values(array, n)
    plain = pc.match_substring_regex(text, _MONEY_RE)
    unsure |= to_mask(pc.invert(plain))
    kept = pc.if_else(plain, text, pa.scalar(None, pa.string()))
    return kept.cast(MONEY_TYPE), unsure


def timestamp_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Times as `rows.parse_timestamp` reads them, in ``timestamp[us, UTC]``.

    Sure: ISO-8601 text ``YYYY-MM-DD[( |T)hh:mm[:ss[.ffffff]][Z|±hh:mm]]`` (years 2-9998),
    Arrow timestamps in s/ms/us (ns when whole microseconds), dates. Epoch numbers are unsure.
    """
    if values is None:
        return pa.nulls(n, TIMESTAMP_TYPE), none_mask(n)
    array = _plain(values)
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(n, TIMESTAMP_TYPE), none_mask(n)
    if pa.types.is_timestamp(kind):
        if kind.unit == "ns":
            nanos = np.asarray(pc.cast(array, pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
            whole = pa.array(nanos % 1000 == 0)
            kept = pc.if_else(whole, array, pa.scalar(None, kind))
            unsure = to_mask(pc.and_(pc.is_valid(array), pc.invert(whole)))
            return kept.cast(TIMESTAMP_TYPE), unsure
        return array.cast(TIMESTAMP_TYPE), none_mask(n)
    if pa.types.is_date(kind):
        return array.cast(TIMESTAMP_TYPE), none_mask(n)
    if not pa.types.is_string(kind):
        return _unknown(array, n, TIMESTAMP_TYPE)
    text, unsure = text_values(array, n)
    stamps = _iso_times_arrow(text)
    if stamps is not None:
        return stamps, unsure
    return _iso_times(text, unsure)


def _iso_times_arrow(text: pa.Array) -> pa.Array | None:
    """The common case in one Arrow cast: every present value has the ISO shape and Arrow's
    own ISO-8601 parser reads all of them (it rejects impossible dates, times and offsets, as
    the row path does), and their years as written are within 2-9998. None when any value
    needs the field-by-field path."""
    shaped = pc.all(pc.match_substring_regex(text, _ISO_RE), skip_nulls=True, min_count=0)
    if not shaped.as_py():
        return None
    try:
        stamps = text.cast(TIMESTAMP_TYPE)
    except pa.ArrowInvalid:
        try:  # no offset anywhere: the row path reads naive times as UTC
            stamps = text.cast(pa.timestamp("us")).cast(TIMESTAMP_TYPE)
        except pa.ArrowInvalid:
            return None
    years = pc.min_max(pc.utf8_slice_codeunits(text, 0, 4))  # four digits: text order
    lo, hi = years["min"].as_py(), years["max"].as_py()
    if lo is not None and (lo < "0002" or hi > "9998"):
        return None
    return stamps


def _ints(values: pa.Array, width: int) -> np.ndarray:
    padded = pc.utf8_rpad(values, width=width, padding="0")
    return np.asarray(padded.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _iso_times(text: pa.Array, unsure: Mask) -> tuple[pa.Array, Mask]:
    present = to_mask(pc.is_valid(text))
    parts = pc.extract_regex(text, _ISO_RE)
    good = to_mask(pc.is_valid(parts))
    unsure = unsure | (present & ~good)
    if not good.all():
        filler = pc.extract_regex(pa.array(["1970-01-01"]), _ISO_RE)[0]
        parts = pc.if_else(pa.array(good), parts, filler)
    field = {name: pc.struct_field(parts, name) for name in ("y", "mo", "d", "h", "mi", "s", "f")}
    y, mo, d = (_ints(field[k], 1) for k in ("y", "mo", "d"))
    h, mi, s = (_ints(field[k], 2) for k in ("h", "mi", "s"))
    frac = _ints(field["f"], 6)
    tz = pc.struct_field(parts, "tz")
    sign = np.where(to_mask(pc.starts_with(tz, "-")), -1, 1)
    oh = _ints(pc.utf8_slice_codeunits(tz, 1, 3), 2)
    om = _ints(pc.utf8_slice_codeunits(tz, 4, 6), 2)
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    dim = month_days[np.clip(mo, 1, 12) - 1] + ((mo == 2) & leap)
    valid = (
        (y >= 2)
        & (y <= 9998)
        & (mo >= 1)
        & (mo <= 12)
        & (d >= 1)
        & (d <= dim)
        & (h <= 23)
        & (mi <= 59)
        & (s <= 59)
        & (oh <= 23)
        & (om <= 59)
    )
    # days from the civil date (H. Hinnant's algorithm), then microseconds since the epoch
    yy = y - (mo <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doy = (153 * np.where(mo > 2, mo - 3, mo + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days = era * 146097 + doe - 719468
    seconds = days * 86400 + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60)
    micros = seconds * 1_000_000 + frac
    unsure = unsure | (present & good & ~valid)
    keep = present & good & valid
    stamps = pa.array(micros, type=pa.int64()).view(TIMESTAMP_TYPE)
    return pc.if_else(pa.array(keep), stamps, pa.scalar(None, TIMESTAMP_TYPE)), unsure


_FLOAT_RE: Final = r"^[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})([eE][+-]?\d{1,2})?$"


def float_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Ratios as `rows.parse_float` reads them (float64), null where missing.

    Sure: plain decimal text with a short exponent (Arrow and Python both round correctly),
    floats and integers.
    """
    if values is None:
        return pa.nulls(n, pa.float64()), none_mask(n)
    array = _plain(values)
    kind = array.type
    if pa.types.is_null(kind):
        return pa.nulls(n, pa.float64()), none_mask(n)
    if pa.types.is_floating(kind) or pa.types.is_integer(kind):
        out = array.cast(pa.float64(), safe=False)
        finite = pc.is_finite(out)
        missing_nan = pc.is_nan(out)  # NaN is a missing value; infinities are errors
        unsure = pc.and_(pc.invert(finite), pc.invert(missing_nan))
        return pc.if_else(finite, out, pa.scalar(None, pa.float64())), to_mask(unsure)
    if not pa.types.is_string(kind):
        return _unknown(array, n, pa.float64())
    text, unsure = text_values(array, n)
    plain = pc.match_substring_regex(text, _FLOAT_RE)
    unsure |= to_mask(pc.invert(plain))
    kept = pc.if_else(plain, text, pa.scalar(None, pa.string()))
    return kept.cast(pa.float64()), unsure


def list_present(values: pa.Array | pa.ChunkedArray | None, n: int) -> Mask:
    """Rows holding a non-empty list or text (`rows.parse_text_list` is left to the row path)."""
    if values is None:
        return none_mask(n)
    array = _plain(values)
    if pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        return to_mask(pc.greater(pc.list_value_length(array), 0))
    text, unsure = text_values(array, n)
    return unsure | to_mask(pc.is_valid(text))


_WIDE: Final = pa.decimal256(40, 18)
_LIMIT: Final = pa.scalar(Decimal(10**20), _WIDE)


def money_sum(a: pa.Array, b: pa.Array, *, subtract: bool) -> tuple[pa.Array, Mask]:
    """``a + b`` or ``a - b`` exactly; null (and out of range, in the mask) past 1e20."""
    wide = (pc.subtract if subtract else pc.add)(a.cast(_WIDE), b.cast(_WIDE))
    inside = pc.less(pc.abs(wide), _LIMIT.cast(wide.type))
    kept = pc.if_else(inside, wide, pa.scalar(None, wide.type))
    return kept.cast(MONEY_TYPE), to_mask(pc.invert(inside))


def lookup(text: pa.Array, table: Mapping[str, str]) -> tuple[pa.Array, Mask]:
    """Map trimmed text through ``table`` (keys lower case), case-insensitively.

    Returns the mapped values (null where ``text`` is null) and the mask of present values
    not in the table.
    """
    keys = pa.array(list(table))
    index = pc.index_in(pc.ascii_lower(text), value_set=keys)
    mapped = pc.take(pa.array(list(table.values()), pa.string()), index)
    unknown = pc.and_(pc.is_valid(text), pc.is_null(index))
    return mapped, to_mask(unknown)


def money_constant(value: int, n: int) -> pa.Array:
    """``n`` copies of an integer amount as money."""
    return pa.array(np.full(n, value, dtype=np.int64)).cast(MONEY_TYPE)


def is_positive(money: pa.Array) -> Mask:
    """Rows whose amount is > 0 (null is False)."""
    return to_mask(pc.greater(money, _MONEY_ZERO))


def is_negative(money: pa.Array) -> Mask:
    """Rows whose amount is < 0 (null is False)."""
    return to_mask(pc.less(money, _MONEY_ZERO))


def origin_columns(batch: ColumnBatch, ok: Mask) -> dict[str, pa.Array]:
    """The ``source`` and ``source_line`` columns of the kept rows."""
    lines = batch.lines[ok]
    return {
        "source": pa.array([batch.source] * len(lines), pa.string()),
        "source_line": pa.array(lines, pa.int64()),
    }


def fill_ids(
    ids: pa.Array, batch: ColumnBatch, ok: Mask, make_id: Callable[[str, int], str]
) -> pa.Array:
    """``ids`` of the kept rows, with ``make_id(source, line)`` where an id is missing."""
    kept = ids.filter(pa.array(ok))
    missing = np.flatnonzero(to_mask(pc.is_null(kept)))
    if not len(missing):
        return kept
    values = kept.to_pylist()
    lines = batch.lines[ok]
    for i in missing.tolist():
        values[i] = make_id(batch.source, int(lines[i]))
    return pa.array(values, pa.string())


def resolve_columns(
    batch: ColumnBatch, kind: RecordKind, canonical: frozenset[str]
) -> dict[str, pa.Array]:
    """The batch's columns under their canonical names, by `rows.resolve_row`'s rules."""
    from tradeperf.ingest.rows import resolve_row

    resolved = resolve_row(kind, batch.columns, canonical=canonical)
    return {k: v for k, v in resolved.items() if isinstance(v, pa.Array | pa.ChunkedArray)}


# ---------------------------------------------------------------------------------------------
# Readers


class _WholeFile(Exception):
    """The file is outside what the fast reader handles; read it by row."""


def _merge(fast: pa.Table, fast_lines: np.ndarray, collector: RowCollector, fmt: str) -> ReadResult:
    """Fast rows and the row path's rows in line order, with the row path's rejects."""
    slow, slow_lines, rejected = collector.finish()
    if slow.num_rows == 0:
        table = fast
    elif fast.num_rows == 0:
        table = slow
    else:
        table = pa.concat_tables([fast, slow])
        lines = np.concatenate([fast_lines, np.asarray(slow_lines, dtype=np.int64)])
        table = table.take(pa.array(np.argsort(lines, kind="stable")))
    return ReadResult(
        source=collector.source,
        kind=collector.spec.kind,
        table=table,
        rejected=rejected,
        format=fmt,
    )


def _run_fast(
    spec: KindSpec, columns: dict[str, pa.Array], lines: np.ndarray, source: str
) -> tuple[pa.Table, Mask]:
    assert spec.fast_validate is not None
    named = {k: v for k, v in columns.items() if k not in (SOURCE_KEY, LINE_KEY)}
    table, ok = spec.fast_validate(ColumnBatch(columns=named, lines=lines, source=source))
    if table.num_rows != int(ok.sum()) or table.schema != spec.schema:
        raise _WholeFile("fast validator broke its contract")
    return table, ok


def read_parquet_fast(
    path: Path, *, source: str, spec: KindSpec, mapping: Mapping[str, str]
) -> ReadResult | None:
    """Read a Parquet file by column; None when it must be read by row.

    ``spec`` must have a ``fast_validate``; the caller has checked the mapping and the kind.
    """
    if spec.fast_validate is None:
        return None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError):
        return None
    names = table.column_names
    if len(set(names)) != len(names):
        return None
    columns = apply_mapping(dict(zip(names, table.columns, strict=True)), mapping, spec.kind)
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)
    try:
        fast, ok = _run_fast(spec, columns, lines, source)
    except _WholeFile:
        return None
    collector = RowCollector(spec, source, mapping)
    unsure = np.flatnonzero(~ok)
    if len(unsure):
        for index, row in zip(unsure, table.take(pa.array(unsure)).to_pylist(), strict=True):
            collector.add(int(index) + 1, row, None)
    return _merge(fast, lines[ok], collector, "parquet")


_QUOTE: Final = 0x22
_ODD: Final = 1  # byte classes: control, non-ASCII or quote; space or tab; the delimiter
_SPACE: Final = 2
_DELIM: Final = 3


def _odd_quotes(
    raw: np.ndarray, starts: np.ndarray, ends: np.ndarray, delims: np.ndarray, delim: int
) -> np.ndarray:
    """Per line, 1 where quotes are not simple (``"..."`` wrapping a whole cell, holding no
    quote or delimiter), else 0. Simply quoted cells read the same in Arrow and `csv`."""
    quotes = np.flatnonzero(raw == _QUOTE)
    if not len(quotes):
        return np.zeros(len(starts), dtype=np.int64)
    line = np.searchsorted(starts, quotes, side="right") - 1
    k = np.arange(len(quotes)) - np.searchsorted(quotes, starts)[line]  # index within its line
    before = raw[np.maximum(quotes - 1, 0)]
    after = raw[np.minimum(quotes + 1, len(raw) - 1)]
    opens = (quotes == starts[line]) | (before == delim)
    closes = (quotes == ends[line] - 1) | (after == delim)
    good = np.where(k % 2 == 0, opens & ~closes, closes & ~opens)
    # an opening quote needs its closing quote on the same line with no delimiter between
    same_line = np.concatenate([line[1:] == line[:-1], [False]])
    delims_before = np.searchsorted(delims, quotes)  # and the next quote's is the next entry
    between = np.concatenate([delims_before[1:], [len(delims)]]) - delims_before
    good &= (k % 2 == 1) | (same_line & (between == 0))
    return np.bincount(line[~good], minlength=len(starts)).astype(np.int64)


def _one_line_record(text: str, delimiter: str) -> list[str]:
    """The cells of one physical line, as `csv.reader` reads them within the whole file.

    Raises
    ------
    _WholeFile
        If a quoted field goes on past the end of the line.
    """
    reader = csv.reader(iter([text + "\n", "x\n"]), delimiter=delimiter)
    record = next(reader, [])
    if reader.line_num != 1:
        raise _WholeFile("a quoted field spans lines")
    return record


def read_csv_fast(
    path: Path,
    *,
    source: str,
    mapping: Mapping[str, str],
    delimiter: str | None,
    detect: Callable[[list[str]], KindSpec | None],
    add_record: Callable[[RowCollector, int, list[str], list[str], int], None],
) -> ReadResult | None:
    """Read a CSV file: plain lines by column, the others by row; None to read it all by row.

    Parameters
    ----------
    path, source, mapping, delimiter : as `tabular.read_csv`.
    detect : header -> the kind's spec (or None: no kind matches).
    add_record : the row path's handling of one parsed record (cell count check, then
        `RowCollector.add`), shared with `tabular.read_csv`.
    """
    try:
        return _read_csv_fast(path, source, mapping, delimiter, detect, add_record)
    except (_WholeFile, UnicodeDecodeError, csv.Error, pa.ArrowException):
        return None


def _read_csv_fast(
    path: Path,
    source: str,
    mapping: Mapping[str, str],
    delimiter: str | None,
    detect: Callable[[list[str]], KindSpec | None],
    add_record: Callable[[RowCollector, int, list[str], list[str], int], None],
) -> ReadResult | None:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        raise _WholeFile("NUL bytes or a lone carriage return")
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 0x0A)
    starts = np.concatenate([[0], newlines + 1]).astype(np.int64)
    ends = np.concatenate([newlines, [len(raw)]]).astype(np.int64)
    if starts[-1] == len(raw):  # the file ends with a line break
        starts, ends = starts[:-1], ends[:-1]
    content_ends = ends - ((ends > starts) & (raw[np.maximum(ends - 1, 0)] == 0x0D))

    def line_text(i: int) -> str:
        return data[starts[i] : content_ends[i]].decode("utf-8")

    # The delimiter, from the first non-empty line as `tabular.read_csv` finds it.
    if delimiter is None:
        first = next((i for i in range(len(starts)) if content_ends[i] > starts[i]), None)
        if first is None:
            return None
        from tradeperf.ingest.detect import csv_delimiter

        delimiter = csv_delimiter(line_text(first).splitlines()[0])
    if delimiter not in (",", ";", "\t", "|"):
        return None
    # The header: the first record with a non-blank cell (each record up to it on one line).
    header: list[str] | None = None
    header_index = 0
    for i in range(len(starts)):
        cells = _one_line_record(line_text(i), delimiter)
        if cells and any(c.strip() for c in cells):
            header, header_index = [c.strip() for c in cells], i
            break
    if header is None or len(header) < 2:
        return None
    check_mapping_columns(mapping, header, source=source)
    spec = detect(header)
    if spec is None or spec.fast_validate is None:
        return None

    # Classify the data lines by counting byte classes per line (positions, binary search).
    classes = np.zeros(256, dtype=np.uint8)
    classes[:0x20] = _ODD
    classes[0x7F:] = _ODD
    classes[_QUOTE] = 0  # quotes are judged per line below
    classes[[0x20, 0x09]] = _SPACE
    classes[ord(delimiter)] = _DELIM
    kinds = classes[raw]

    def per_line(positions: np.ndarray) -> np.ndarray:
        found = np.searchsorted(positions, content_ends) - np.searchsorted(positions, starts)
        return np.asarray(found, dtype=np.int64)

    n_odd = per_line(np.flatnonzero(kinds == _ODD))
    delims = np.flatnonzero(kinds == _DELIM)
    n_delim = per_line(delims)
    n_odd += _odd_quotes(raw, starts, content_ends, delims, ord(delimiter))
    n_empty = per_line(np.flatnonzero(kinds >= _SPACE))
    data_lines = np.arange(len(starts)) > header_index
    blank = data_lines & (n_empty == content_ends - starts)
    plain = data_lines & ~blank & (n_odd == 0) & (n_delim == len(header) - 1)
    by_row = data_lines & ~blank & ~plain

    names = [f"c{i}" for i in range(len(header))]
    plain_index = np.flatnonzero(plain)
    if len(plain_index):
        if len(plain_index) == len(starts) - header_index - 1:
            body = data[starts[plain_index[0]] :]
        else:
            lengths = np.concatenate([starts[1:], [len(raw)]]) - starts
            keep = np.repeat(plain, lengths)
            body = raw[keep].tobytes()
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', escape_char=False, double_quote=True
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
                true_values=[],
                false_values=[],
            ),
        )
        if table.num_rows != len(plain_index):
            raise _WholeFile("the CSV reader saw another number of rows")
        raw_columns: dict[str, pa.Array] = {}
        for name, column in zip(header, table.columns, strict=True):
            raw_columns[name] = column
        columns = apply_mapping(raw_columns, mapping, spec.kind)
        lines = plain_index.astype(np.int64) + 1
        fast, ok = _run_fast(spec, columns, lines, source)
        by_row[plain_index[~ok]] = True
        fast_lines = lines[ok]
    else:
        fast, fast_lines = spec.schema.empty_table(), np.zeros(0, dtype=np.int64)

    collector = RowCollector(spec, source, mapping)
    for index in np.flatnonzero(by_row).tolist():
        i = int(index)
        record = _one_line_record(line_text(i), delimiter)
        if not record or all(not c.strip() for c in record):
            continue
        add_record(collector, i + 1, header, record, header_index + 1)
    return _merge(fast, fast_lines, collector, "csv")


#: Value types of a JSON object the fast path reads (as text); ``bool`` is not among them.
_JSON_SCALARS: Final = frozenset((str, int, Decimal, type(None)))
#: Objects sharing one key sequence are read by column only when at least this many do; the
#: rest are read by row (a file of ever-changing layouts would make many tiny batches).
JSON_MIN_GROUP = 16


def read_objects_fast(
    objects: list[tuple[int, dict[str, object], str]],
    collector: RowCollector,
    fmt: str,
) -> ReadResult:
    """Validate parsed JSON objects: plain ones by column, the others by row.

    ``objects`` holds (line, object, raw line) as `tradeperf.ingest.jsonl` parses them
    (``parse_float=Decimal``), in line order. An object is plain when its raw line has no
    escape (``\\``), no key starts with ``@``, and every value is text, an integer, a
    Decimal or null. Plain objects are grouped by their exact key sequence (so alias and
    mapping resolution, which depend on key order, match the row path's); each group of at
    least `JSON_MIN_GROUP` objects becomes a batch of text columns (numbers as ``str(value)``,
    which keeps every digit) for the kind's fast validator. Everything else, and every row the
    validator is unsure of, goes to ``collector`` (which may already hold rejects).
    """
    spec = collector.spec
    by_row = np.zeros(len(objects), dtype=bool)
    groups: dict[tuple[str, ...], list[int]] = {}
    plain = _JSON_SCALARS.issuperset
    for i, (_, obj, raw) in enumerate(objects):
        if "\\" in raw or not plain(map(type, obj.values())):
            by_row[i] = True
            continue
        groups.setdefault(tuple(obj), []).append(i)
    fast_tables: list[pa.Table] = []
    fast_lines: list[np.ndarray] = []
    for keys, members in groups.items():
        if len(members) < JSON_MIN_GROUP or any(k.startswith("@") for k in keys):
            by_row[members] = True
            continue
        index = np.asarray(members, dtype=np.int64)
        lines = np.asarray([objects[i][0] for i in members], dtype=np.int64)
        values = list(zip(*[objects[i][1].values() for i in members], strict=True))
        raw_columns: dict[str, object] = {}
        for key, column in zip(keys, values, strict=True):
            text = [v if v is None or v.__class__ is str else str(v) for v in column]
            raw_columns[key] = pa.array(text, pa.string())
        columns = apply_mapping(raw_columns, collector.mapping, spec.kind)
        try:
            table, ok = _run_fast(spec, columns, lines, collector.source)  # type: ignore[arg-type]
        except _WholeFile:
            by_row[index] = True
            continue
        by_row[index[~ok]] = True
        fast_tables.append(table)
        fast_lines.append(lines[ok])
    for i in np.flatnonzero(by_row).tolist():
        line, obj, raw = objects[i]
        collector.add(line, obj, raw)
    if fast_tables:
        fast = pa.concat_tables(fast_tables)
        all_lines = np.concatenate(fast_lines)
        if len(fast_tables) > 1:
            order = pa.array(np.argsort(all_lines, kind="stable"))
            fast, all_lines = fast.take(order), all_lines[order.to_numpy()]
    else:
        fast, all_lines = spec.schema.empty_table(), np.zeros(0, dtype=np.int64)
    return _merge(fast, all_lines, collector, fmt)
