"""Column converters of the vectorised fast path: whole columns read with `pyarrow.compute`.

The row path (`tradeperf.ingest.assemble.RowCollector`) validates each row in Python, about
20k rows/s. The CSV, Parquet and JSONL readers hand whole columns (a
`tradeperf.ingest.kinds.ColumnBatch`) to the record kind's ``fast_validate``, which converts
them with the helpers here. The contract is that the result is *exactly* the row path's:

- a fast validator returns only rows it is sure of, built exactly as the row validator would
  build them, and marks every other row as unsure;
- unsure rows, and every line the fast reader does not understand (quotes, non-ASCII text,
  wrong cell count, control characters), go to the row path, which keeps the row or
  quarantines it with its line, field and reason as it always did;
- the table is the fast rows and the row-path rows merged in source-line order
  (`tradeperf.ingest.assemble.merge_fast`).

The column helpers (`text_values`, `money_values`, `timestamp_values`, `lookup`) each return
the converted column (null where the value is missing) and a NumPy mask of the rows they are
not sure about; they accept what the row helpers of `tradeperf.ingest.rows` accept, or say
"unsure". Set ``TRADEPERF_INGEST_FAST=0`` (or pass ``fast=False`` to `read_source`) to force
the row path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.ingest.kinds import ColumnBatch, Mask
from tradeperf.ingest.rows import NULL_SPELLINGS, resolve_row
from tradeperf.records import MONEY_TYPE, RecordKind
from tradeperf.records.text import CONTROL_CHARACTER
from tradeperf.records.trade import TIMESTAMP_TYPE

#: Environment variable: ``0``/``false``/``no``/``off`` turns the fast path off.
FAST_ENV: Final = "TRADEPERF_INGEST_FAST"


def fast_enabled(*, fast: bool | None = None) -> bool:
    """Whether to try the fast path: ``fast`` when given, else `FAST_ENV` (default on)."""
    if fast is not None:
        return fast
    return os.environ.get(FAST_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


# ---------------------------------------------------------------------------------------------
# Column helpers


#: What `str.strip` removes from ASCII text.
_ASCII_SPACE: Final = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_CONTROL_PATTERN: Final = CONTROL_CHARACTER.pattern
_NULL_SPELLINGS: Final = pa.array(sorted(NULL_SPELLINGS))  # the row reader's, as Arrow
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
    """Return a mask of ``n`` rows with no row set."""
    return np.zeros(n, dtype=bool)


def to_mask(values: pa.Array | pa.ChunkedArray) -> Mask:
    """Turn a boolean Arrow array into a NumPy mask (null counts as False)."""
    filled = pc.fill_null(values, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    return array


def _present(values: pa.Array | pa.ChunkedArray | None) -> pa.Array | None:
    """Return a column as one plain array, or None when it is absent or of Arrow's null type.

    Either way every row of the column is missing, and sure.

    Parameters
    ----------
    values
        The raw values of a column, None when the source has no such column.
    """
    if values is None:
        return None
    array = _plain(values)
    return None if pa.types.is_null(array.type) else array


def _unknown(values: pa.Array, n: int, to: pa.DataType) -> tuple[pa.Array, Mask]:
    """Values of a type the fast path does not read: every present value is unsure."""
    return pa.nulls(n, to), to_mask(pc.is_valid(values))


def text_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Text as `rows.parse_text` reads it: trimmed, null where missing.

    Sure: ASCII text, integers (written as their digits), nulls.
    """
    array = _present(values)
    if array is None:
        return pa.nulls(n, pa.string()), none_mask(n)
    kind = array.type
    if pa.types.is_integer(kind):
        return array.cast(pa.string()), none_mask(n)
    if not pa.types.is_string(kind):
        return _unknown(array, n, pa.string())
    trimmed = pc.ascii_trim(array, characters=_ASCII_SPACE)
    # control characters inside are refused by the row path (NUL separates booking keys)
    ascii = pc.and_kleene(
        pc.string_is_ascii(array),
        pc.invert(pc.match_substring_regex(trimmed, _CONTROL_PATTERN)),
    )
    missing = pc.is_in(pc.ascii_lower(trimmed), value_set=_NULL_SPELLINGS)
    keep = pc.and_(ascii, pc.invert(missing))
    return pc.if_else(keep, trimmed, pa.scalar(None, pa.string())), to_mask(pc.invert(ascii))


def money_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Money as `rows.parse_money` reads it, in ``decimal128(38, 18)``, null where missing.

    Sure: plain decimal text (`_MONEY_RE`), integers, floats whose shortest repr is plain,
    decimals with at most 18 fractional digits and under 1e20.
    """
    array = _present(values)
    if array is None:
        return pa.nulls(n, MONEY_TYPE), none_mask(n)
    kind = array.type
    if pa.types.is_integer(kind):
        return array.cast(MONEY_TYPE), none_mask(n)
    nan = none_mask(n)
    if pa.types.is_floating(kind):
        # NaN is no amount (the row path rejects it); Arrow writes the shortest repr of a
        # double, like Python's repr (maybe without ".0" or in another exponent style:
        # exponents are left unsure below)
        nan = to_mask(pc.is_nan(array.cast(pa.float64())))
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
    unsure |= to_mask(pc.invert(plain)) | nan
    kept = pc.if_else(plain, text, pa.scalar(None, pa.string()))
    return kept.cast(MONEY_TYPE), unsure


def timestamp_values(values: pa.Array | pa.ChunkedArray | None, n: int) -> tuple[pa.Array, Mask]:
    """Read times as `rows.parse_timestamp` reads them, in ``timestamp[us, UTC]``.

    Sure: ISO-8601 text ``YYYY-MM-DD[( |T)hh:mm[:ss[.ffffff]][Z|±hh:mm]]`` (years 2-9998),
    Arrow timestamps in s/ms/us (ns when whole microseconds), dates. Epoch numbers are unsure.
    """
    array = _present(values)
    if array is None:
        return pa.nulls(n, TIMESTAMP_TYPE), none_mask(n)
    kind = array.type
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
    """Read the times of ``text`` in one Arrow cast, or None when that does not apply.

    This is the common case: every present value has the ISO shape and Arrow's own ISO-8601
    parser reads all of them (it rejects impossible dates, times and offsets, as the row path
    does), and their years as written are within 2-9998. None when any value needs the
    field-by-field path.
    """
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
    array = _present(values)
    if array is None:
        return pa.nulls(n, pa.float64()), none_mask(n)
    kind = array.type
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
    return np.asarray(unsure | to_mask(pc.is_valid(text)))


_WIDE: Final = pa.decimal256(40, 18)
_LIMIT: Final = pa.scalar(Decimal(10**20), _WIDE)


def money_sum(a: pa.Array, b: pa.Array, *, subtract: bool) -> tuple[pa.Array, Mask]:
    """Compute ``a + b`` or ``a - b`` exactly; null (and out of range, in the mask) past 1e20."""
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
    """Build the ``source`` and ``source_line`` columns of the rows kept in ``ok``."""
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
    """Rename the batch's columns to their canonical names, by `rows.resolve_row`'s rules."""
    resolved = resolve_row(kind, batch.columns, canonical=canonical)
    return {k: v for k, v in resolved.items() if isinstance(v, pa.Array | pa.ChunkedArray)}
