"""A benchmark file: the daily returns or prices of an index or a fund, to set an account beside.

CSV (any file not named ``*.parquet``) or Parquet (``*.parquet``, read with pyarrow), one row
per date, with a header. Column names are matched case-insensitively:

- the **date**: ``date``, ``day``, ``timestamp``, ``time`` or ``datetime``. ISO-8601 text
  (``2024-03-01``); a time with a time of day or an offset (``2024-03-01T23:30:00-05:00``)
  gives its date **as written**, in its own offset, never converted to UTC; eight digits are
  a compact date (``20240301``); any other number is an epoch time whose unit is told by its
  magnitude as for trades (seconds below 1e11, then milliseconds, microseconds, nanoseconds),
  and gives its UTC date. A Parquet date column is taken as it is, a timestamp column by the
  date in its own timezone.
- the **value**: returns in ``return``, ``returns``, ``ret``, ``daily_return`` or
  ``pct_change``, simple returns as fractions (0.01 = 1 %; a value written with a trailing
  ``%`` is a percent: ``1.5%`` is 0.015); or prices in ``adj_close``, ``adj close``,
  ``close``, ``price``, ``value``, ``nav`` or ``equity`` (the first of these the file has,
  in this order). When a file has both, the **returns win**: they are what the file states,
  a price column may be unadjusted. A file with no known column but exactly two is read as
  date, then prices.

The return of a date of a prices file is its price over the previous date's price, minus 1;
the first date has none (NaN). A missing date (a weekend, a holiday) is not filled in: the
next price's return spans it.

Hostile input costs the bad row only, as with every reader of the project: each line is judged
on its own (`csv` module, one line at a time, no quoted field spans lines) and a line over
``max_line_bytes``, with NUL bytes or invalid UTF-8, with another number of cells than the
header, with an unclosed quote, an unparseable date or value, a price that is not positive,
a return below −100 %, or a date that another row gives another value, is **quarantined**
(listed in `BenchmarkFile.rejected` as line, field, reason) while every good row is kept. A
date written twice with one value is kept once. A last line without a line break (a file
still being written) is judged like any other; its reason says so when it is rejected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Final, Literal

import numpy as np

from tradeperf.errors import InputError
from tradeperf.ingest.kinds import RowError
from tradeperf.ingest.options import Limits
from tradeperf.ingest.rows import parse_timestamp
from tradeperf.ingest.text import csv_delimiter, has_utf16_bom, is_readable, load_text

__all__ = [
    "DATE_COLUMNS",
    "PRICE_COLUMNS",
    "RETURN_COLUMNS",
    "BenchmarkFile",
    "BenchmarkKind",
    "RejectedRow",
    "read_benchmark",
]

BenchmarkKind = Literal["returns", "prices"]
#: A quarantined row: its 1-based line (Parquet: row), its column as the file names it (None
#: for a line that is not a row at all) and the reason.
RejectedRow = tuple[int, str | None, str]

#: Names of the date column (lower case), any of them.
DATE_COLUMNS: Final = ("date", "day", "timestamp", "time", "datetime")
#: Names of a column of simple returns, in order of preference.
RETURN_COLUMNS: Final = ("return", "returns", "ret", "daily_return", "pct_change")
#: Names of a column of prices, in order of preference (the adjusted close first).
PRICE_COLUMNS: Final = ("adj_close", "adj close", "close", "price", "value", "nav", "equity")

_NUMBER: Final = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_COMPACT_DATE: Final = re.compile(r"[0-9]{8}", re.ASCII)
_UTF8_BOM: Final = b"\xef\xbb\xbf"
_BREAK: Final = re.compile(rb"\r\n|\r|\n")
#: Bytes read at a time.
_BLOCK: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class BenchmarkFile:
    """A benchmark's daily returns, as read from its file.

    Attributes
    ----------
    name : the file's stem (``spy`` for ``spy.csv``).
    path : the file.
    kind : ``"returns"`` or ``"prices"``: what the file holds.
    days : the dates of the good rows, ``datetime64[D]``, sorted, each once (read-only).
    returns : the simple return of each date, float64 (0.01 = 1 %; read-only); NaN for the
        first date of a prices file, which has no previous price.
    rejected : the quarantined rows, (line, field, reason), in line order.
    """

    name: str
    path: Path
    kind: BenchmarkKind
    days: np.ndarray
    returns: np.ndarray
    rejected: tuple[RejectedRow, ...]


class _Reject(ValueError):
    """Why one row is quarantined, and the column at fault (None: the whole line)."""

    def __init__(self, reason: str, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column


@dataclass(frozen=True, slots=True)
class _Columns:
    date: int
    value: int
    kind: BenchmarkKind
    names: tuple[str, ...]


def read_benchmark(path: Path, *, limits: Limits | None = None) -> BenchmarkFile:
    r"""Read a benchmark file of dates with returns or prices (see the module docstring).

    Parameters
    ----------
    path
        A CSV file, or a Parquet file when its name ends in ``.parquet``.
    limits
        Size limits of a line (`Limits.max_line_bytes`; None: the defaults).

    Returns
    -------
    BenchmarkFile
        The good rows' dates and returns, and the rows quarantined.

    Raises
    ------
    InputError
        If the file is missing or unreadable, has no header, no date or value column (the
        error names the columns it has), or no good row (it names the first rejected one).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "spy.csv").write_text("Date,Close\n2024-01-03,110\n2024-01-02,100\n")
    >>> b = read_benchmark(folder / "spy.csv")
    >>> b.name, b.kind, b.days.astype(str).tolist(), b.returns.round(4).tolist()
    ('spy', 'prices', ['2024-01-02', '2024-01-03'], [nan, 0.1])
    """
    limits = limits or Limits()
    if not path.exists():
        raise InputError("no such benchmark file", path=str(path))
    if path.is_dir():
        raise InputError("a folder, not a benchmark file", path=str(path))
    rows: list[tuple[int, dt.date, float]] = []
    rejected: list[RejectedRow] = []
    try:
        if path.suffix.lower() == ".parquet":
            cols = _read_parquet(path, rows, rejected)
        else:
            cols = _read_csv(path, limits, rows, rejected)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", path=str(path)) from None
    days, values = _one_value_a_day(rows, rejected, cols)
    rejected.sort(key=lambda r: r[0])
    if not days:
        if rejected:
            line, column, reason = rejected[0]
            raise InputError(
                f"no usable row: {len(rejected)} rejected, the first: {reason}",
                path=str(path),
                line=line,
                field=column,
            )
        raise InputError("no rows after the header", path=str(path))
    day_array = np.array(days, dtype="datetime64[D]")
    value_array = np.array(values, dtype=np.float64)
    if cols.kind == "prices":
        returns = np.full(value_array.size, np.nan)
        returns[1:] = value_array[1:] / value_array[:-1] - 1.0
    else:
        returns = value_array
    day_array.setflags(write=False)
    returns.setflags(write=False)
    return BenchmarkFile(path.stem, path, cols.kind, day_array, returns, tuple(rejected))


def _read_csv(
    path: Path, limits: Limits, rows: list[tuple[int, dt.date, float]], rejected: list[RejectedRow]
) -> _Columns:
    cols: _Columns | None = None
    delimiter = ","
    with path.open("rb") as f:
        head = f.read(4)
        f.seek(0)
        source: BinaryIO = io.BytesIO(load_text(path).data) if has_utf16_bom(head) else f
        for line, raw, complete in _lines(source, limits.max_line_bytes):
            try:
                text = _line_text(raw, limits)
                if not text.strip():
                    continue
                if cols is None:
                    if not is_readable(text):
                        raise _Reject("not a line of text (control characters)")
                    delimiter = csv_delimiter(text)
                    cols = _columns(_cells(text, delimiter), path, line)
                    continue
                cells = _cells(text, delimiter)
                if len(cells) != len(cols.names):
                    raise _Reject(
                        f"{len(cells)} cells, the header has {len(cols.names)}"
                        + ("" if len(cells) > 1 else f" (delimiter {delimiter!r})")
                    )
                day, value = _row(cells[cols.date], cells[cols.value], cols)
            except _Reject as exc:
                reason = exc.reason
                if not complete:
                    reason += "; the last line has no line break (cut short?)"
                rejected.append((line, exc.column, reason))
                continue
            rows.append((line, day, value))
    if cols is None:
        raise InputError("no header line: the file holds no readable line", path=str(path))
    return cols


def _lines(f: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | None, bool]]:
    r"""Yield (line number, content or None when over ``max_bytes``, ended by a line break).

    Lines end at ``\n``, ``\r\n`` or a lone ``\r``. The file is read in blocks, and
    at most ``max_bytes`` + 1 bytes of an unfinished line are held (the rest of a longer one
    is dropped as it is read).
    """
    number = 0
    pending = b""
    over = False  # the line being read is already over the limit
    head = True
    while True:
        block = f.read(_BLOCK)
        if head:
            block = block.removeprefix(_UTF8_BOM)
            head = False
        final = not block
        data = pending + block
        start = 0
        for m in _BREAK.finditer(data):
            if not final and m.end() == len(data) and m.group() == b"\r":
                break  # the next block may start with the \n of this \r\n
            number += 1
            yield number, None if over else data[start : m.start()], True
            over = False
            start = m.end()
        pending = data[start:]
        if final:
            if pending or over:
                yield number + 1, None if over else pending, False
            return
        if len(pending) > max_bytes + 1:
            over = True
            pending = pending[-1:] if pending.endswith(b"\r") else b""


def _line_text(raw: bytes | None, limits: Limits) -> str:
    if raw is None or len(raw) > limits.max_line_bytes:
        raise _Reject(f"line over the limit of {limits.max_line_bytes:,} bytes (max_line_bytes)")
    if b"\x00" in raw:
        raise _Reject("NUL bytes in the line (binary junk, as a crash or a full disk leaves)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Reject(f"not UTF-8 text (bad byte at column {exc.start + 1})") from None


def _cells(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=delimiter, strict=True), [])
    except csv.Error as exc:  # an unclosed quote, a field over the csv module's limit
        raise _Reject(f"not a CSV row: {exc}") from None


def _columns(header: Sequence[str], path: Path, line: int | None) -> _Columns:
    """Choose the date and value columns of a header (see the module docstring)."""
    names = tuple(str(h) for h in header)
    lower = [n.strip().lower() for n in names]
    date = next((i for i, n in enumerate(lower) if n in DATE_COLUMNS), None)
    known = [n for n in lower if n in DATE_COLUMNS + RETURN_COLUMNS + PRICE_COLUMNS]
    if date is None and len(names) == 2:
        date = 0
    if date is None:
        raise InputError(
            f"no date column ({', '.join(DATE_COLUMNS)}) among {_listed(names)}",
            path=str(path),
            line=line,
        )
    if not known:
        try:
            _day(names[date])
        except _Reject:
            pass  # a name, not a date: the line is a header
        else:
            raise InputError(
                f"the first line ({_listed(names)}) is a row, not a header: start the file "
                "with the names of its columns, such as date,close",
                path=str(path),
                line=line,
            )
    choices: tuple[tuple[BenchmarkKind, tuple[str, ...]], ...] = (
        ("returns", RETURN_COLUMNS),
        ("prices", PRICE_COLUMNS),
    )
    for kind, wanted in choices:
        for name in wanted:
            if name in lower and lower.index(name) != date:
                return _Columns(date, lower.index(name), kind, names)
    if len(names) == 2:
        return _Columns(date, 1 - date, "prices", names)
    raise InputError(
        f"no column of returns ({', '.join(RETURN_COLUMNS)}) or prices "
        f"({', '.join(PRICE_COLUMNS)}) among {_listed(names)}",
        path=str(path),
        line=line,
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n[:40]) for n in names[:20])
    return shown + (f" and {len(names) - 20} more" if len(names) > 20 else "")


def _row(date: object, value: object, cols: _Columns) -> tuple[dt.date, float]:
    date_name, value_name = cols.names[cols.date], cols.names[cols.value]
    try:
        day = _day(date)
    except _Reject as exc:
        raise _Reject(exc.reason, date_name) from None
    try:
        number = _value(value, cols.kind)
    except _Reject as exc:
        raise _Reject(exc.reason, value_name) from None
    return day, number


def _day(value: object) -> dt.date:
    """Give the date of a date cell (see the module docstring); `_Reject` when there is none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Reject("missing date")
    if isinstance(value, dt.datetime):
        return value.date()  # as written, in its own timezone
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Reject(f"not a date: {value!r}")
    text = value.strip() if isinstance(value, str) else repr(value)
    if not text.isascii():
        raise _Reject(f"not a date: {_shown(text)}")
    try:
        if _COMPACT_DATE.fullmatch(text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if _NUMBER.fullmatch(text):
            when = parse_timestamp(Decimal(text), "date")
            assert when is not None  # a number is never missing
            return when.date()
        iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        return dt.datetime.fromisoformat(iso).date()
    except (ValueError, OverflowError, RowError):
        raise _Reject(f"not an ISO-8601 date or epoch number: {_shown(text)}") from None


def _value(value: object, kind: BenchmarkKind) -> float:
    """Give the return (a fraction) or price of a value cell; `_Reject` when it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Reject(f"missing {'return' if kind == 'returns' else 'price'}")
    percent = False
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Reject(f"not a number: {value!r}")
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        if percent:
            text = text[:-1].rstrip()
        if not _NUMBER.fullmatch(text):
            raise _Reject(f"not a number: {_shown(value)}")
        value = text
    try:
        number = float(value)
    except (OverflowError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise _Reject(f"not a finite number: {_shown(str(value))}")
    if kind == "prices":
        if percent:
            raise _Reject(f"a price written as a percent: {_shown(str(value))}%")
        if number <= 0:
            raise _Reject(f"a price must be positive, got {number!r}")
        return number
    if percent:
        number /= 100.0
    if number < -1.0:
        raise _Reject(f"a return below -100 %: {number!r}")
    return number


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:60] + "…")


def _read_parquet(
    path: Path, rows: list[tuple[int, dt.date, float]], rejected: list[RejectedRow]
) -> _Columns:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, ValueError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", path=str(path)) from None
    cols = _columns(table.column_names, path, None)
    try:
        dates = table.column(cols.date).to_pylist()
        values = table.column(cols.value).to_pylist()
    except (pa.ArrowException, ValueError, OverflowError) as exc:
        raise InputError(f"a column cannot be read: {exc}", path=str(path)) from None
    for line, (date, value) in enumerate(zip(dates, values, strict=True), start=1):
        try:
            day, number = _row(date, value, cols)
        except _Reject as exc:
            rejected.append((line, exc.column, exc.reason))
            continue
        rows.append((line, day, number))
    return cols


def _one_value_a_day(
    rows: list[tuple[int, dt.date, float]], rejected: list[RejectedRow], cols: _Columns
) -> tuple[list[dt.date], list[float]]:
    """Sort the good rows by date; keep a date written twice with one value once.

    A date that rows give different values is quarantined in every row of it: which of them
    is right, the file does not say.
    """
    by_day: dict[dt.date, list[tuple[int, float]]] = {}
    for line, day, value in rows:
        by_day.setdefault(day, []).append((line, value))
    days: list[dt.date] = []
    values: list[float] = []
    column = cols.names[cols.value]
    for day in sorted(by_day):
        entries = by_day[day]
        if len({v for _, v in entries}) == 1:
            days.append(day)
            values.append(entries[0][1])
            continue
        for line, value in entries:
            other = next(k for k, v in entries if v != value)
            rejected.append((line, column, f"date {day} has another value on line {other}"))
    return days, values
