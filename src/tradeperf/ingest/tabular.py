"""CSV and Parquet files of records, with an optional column mapping.

CSV: the header is the first readable non-blank line; a record's line number is the line it
starts on. The delimiter is told from the header (``,``, ``;``, tab or ``|``). Empty cells are
missing values; every cell is text and is read exactly (``"0.1"`` is ``Decimal("0.1")``).
Lines are judged one at a time, so damage costs the damaged line only: a line of binary junk
(NUL bytes, invalid UTF-8), over the line limit, with a cell over the field limit, with
another number of cells than the header, or with a quote that is never closed is one
rejected row. A quoted field may span lines (a note with a line break); a record that would
swallow a line which on its own is a plausible record (no quote, the header's cell count) is
taken for a stray quote instead, and only its first line is rejected.

Decimal commas (``1.170,50`` with ``;`` between cells, as European brokers write): with
``ReadOptions(decimal=",")`` the cells of numeric columns in that form are read with ``.``
grouping thousands and ``,`` as the decimal mark; with ``decimal=None`` this is detected when
unambiguous: the delimiter is not ``,``, every numeric cell of the first 2,000 plain lines has
that form, and one has a decimal comma.

Parquet: read with pyarrow; a rejected row's ``line`` is its 1-based row number. Decimal,
timestamp and list columns arrive typed; float columns are read through their shortest repr
(`tradeperf.records.to_decimal`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from tradeperf.ingest.assemble import (
    FastPathDeclined,
    RowCollector,
    apply_mapping,
    check_mapping_columns,
    cut,
    empty_result,
    merge_fast,
    run_fast,
    unreadable,
)
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.catalog import describe_signatures, detect_kind, kind_spec
from tradeperf.ingest.columns import fast_enabled
from tradeperf.ingest.kinds import KindSpec
from tradeperf.ingest.options import DEFAULT_OPTIONS, Limits, ReadOptions
from tradeperf.ingest.rows import canonical_name, normalize_name
from tradeperf.ingest.text import csv_delimiter, is_readable, load_text
from tradeperf.records import RecordKind

#: A number written with ``.`` grouping thousands and ``,`` as the decimal mark (ASCII blanks
#: around it allowed).
DECIMAL_COMMA_NUMBER: Final = r"^[ \t]*[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?[ \t]*$"
_DECIMAL_COMMA: Final = re.compile(DECIMAL_COMMA_NUMBER)
#: Plain data lines looked at to detect a decimal comma.
_DECIMAL_SAMPLE: Final = 2000
#: Input-only numeric columns (not in a kind's schema) that may hold decimal commas.
_NUMERIC_INPUTS: Final = frozenset({"return_percent", "funding_rate"})


def _spec_for(
    columns: list[str], kind: RecordKind | None, mapping: Mapping[str, str]
) -> KindSpec | None:
    if kind is not None:
        return kind_spec(kind)
    return detect_kind(columns, mapping=mapping)


def _no_kind(source: str, columns: list[str], fmt: str) -> ReadResult:
    return unreadable(
        source,
        f"columns {', '.join(columns[:20])} match no known record kind ({describe_signatures()})",
        fmt=fmt,
    )


@dataclass(slots=True)
class _Layout:
    """A CSV file split into physical lines, with its delimiter, header and decimal mark."""

    data: bytes
    starts: np.ndarray
    ends: np.ndarray  # line content ends (before ``\r\n`` or ``\n``)
    delimiter: str
    header: list[str] = field(default_factory=list)
    header_index: int = -1
    decimal: str = "."
    numeric: frozenset[int] = frozenset()

    def raw(self, i: int) -> bytes:
        return self.data[self.starts[i] : self.ends[i]]


class _LineReject(ValueError):
    """Why one physical CSV line is not a record (the reason of its rejected row)."""


def _split_lines(data: bytes) -> tuple[bytes, np.ndarray, np.ndarray]:
    if data.count(b"\r") != data.count(b"\r\n"):  # lone carriage returns end lines too
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == 0x0A)
    starts = np.concatenate([[0], newlines + 1]).astype(np.int64)
    ends = np.concatenate([newlines, [len(raw)]]).astype(np.int64)
    if starts[-1] == len(raw):  # the file ends with a line break
        starts, ends = starts[:-1], ends[:-1]
    ends = ends - ((ends > starts) & (raw[np.maximum(ends - 1, 0)] == 0x0D))
    return data, starts, ends


def _line_text(raw: bytes, limits: Limits) -> str:
    """One physical line as text, or `_LineReject` saying why it is not a line of text."""
    if len(raw) > limits.max_line_bytes:
        raise _LineReject(
            f"line is {len(raw):,} bytes long, over the limit of {limits.max_line_bytes:,} "
            "(max_line_bytes)"
        )
    if b"\x00" in raw:
        raise _LineReject("NUL bytes in the line (binary junk, as a crash or a full disk leaves)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineReject(f"not UTF-8 text (bad byte at column {exc.start + 1})") from None
    return text


def _parse(text: str, delimiter: str) -> tuple[list[str], bool]:
    """Parse the cells of ``text`` as `csv.reader` reads them.

    Returns
    -------
    The cells, and whether a quoted field is still open at the end of ``text``.

    Raises
    ------
    _LineReject
        If the csv module refuses the text (a cell over its field size limit).
    """
    reader = csv.reader(iter([text + "\n", "x\n"]), delimiter=delimiter)
    try:
        record = next(reader, [])
    except csv.Error as exc:
        raise _LineReject(f"not a CSV record ({exc})") from None
    return record, reader.line_num != 1


def _layout(
    data: bytes, delimiter: str | None, limits: Limits
) -> tuple[_Layout, list[tuple[int, str, str]]]:
    """Find the lines, delimiter and header of a CSV text.

    Returns
    -------
    The layout, and the junk lines before the header as (line, reason, raw) rejects.
    """
    data, starts, ends = _split_lines(data)
    lay = _Layout(data, starts, ends, delimiter or ",")
    junk: list[tuple[int, str, str]] = []
    for i in range(len(starts)):
        raw = lay.raw(i)
        if not raw.strip():
            continue
        try:
            text = _line_text(raw, limits)
            if not is_readable(text):
                raise _LineReject("control characters in the line (binary junk)")
            if delimiter is None:
                lay.delimiter = csv_delimiter(text)
            cells, _ = _parse(text, lay.delimiter)
        except _LineReject as exc:
            junk.append((i + 1, f"{exc} (before the header)", _shown(raw)))
            continue
        if cells and any(c.strip() for c in cells):
            lay.header, lay.header_index = [c.strip() for c in cells], i
            break
    return lay, junk


def _shown(raw: bytes) -> str:
    return raw[:2000].decode("utf-8", errors="backslashreplace")


def _numeric_columns(
    header: list[str], spec: KindSpec, mapping: Mapping[str, str]
) -> frozenset[int]:
    """Header positions of the columns that hold numbers (money or ratios) for ``spec``."""
    renamed = {normalize_name(source): target for target, source in mapping.items()}
    numeric: set[int] = set()
    for i, name in enumerate(header):
        target = canonical_name(spec.kind, renamed.get(normalize_name(name), name))
        index = spec.schema.get_field_index(target)
        if target in _NUMERIC_INPUTS or (
            index >= 0
            and (
                pa.types.is_decimal(spec.schema.field(index).type)
                or pa.types.is_floating(spec.schema.field(index).type)
            )
        ):
            numeric.add(i)
    return frozenset(numeric)


def _detect_decimal(lay: _Layout, options: ReadOptions) -> str:
    """Detect the decimal mark of the file (see the module docstring)."""
    if options.decimal is not None:
        return options.decimal
    if lay.delimiter == "," or not lay.numeric:
        return "."
    seen_comma = False
    width = len(lay.header)
    taken = 0
    for i in range(lay.header_index + 1, len(lay.starts)):
        raw = lay.raw(i)
        if b'"' in raw or not raw.strip():
            continue
        try:
            cells = raw.decode("utf-8").split(lay.delimiter)
        except UnicodeDecodeError:
            continue
        if len(cells) != width:
            continue
        for j in lay.numeric:
            cell = cells[j].strip(" \t")
            if not cell:
                continue
            if _DECIMAL_COMMA.match(cell) is None:
                return "."
            seen_comma = seen_comma or "," in cell
        taken += 1
        if taken >= _DECIMAL_SAMPLE:
            break
    return "," if seen_comma else "."


def _from_decimal_comma(cell: str) -> str:
    if _DECIMAL_COMMA.match(cell) is None:
        return cell
    return cell.strip(" \t").replace(".", "").replace(",", ".")


def _decimal_cells(cells: list[str], lay: _Layout) -> list[str]:
    if lay.decimal != ",":
        return cells
    return [_from_decimal_comma(c) if i in lay.numeric else c for i, c in enumerate(cells)]


def _decimal_columns(columns: dict[str, pa.Array], lay: _Layout) -> None:
    """`_from_decimal_comma` on the numeric columns, by column (in place)."""
    if lay.decimal != ",":
        return
    for i in lay.numeric:
        name = lay.header[i]
        values = columns[name]
        shaped = pc.match_substring_regex(values, DECIMAL_COMMA_NUMBER)
        plain = pc.replace_substring(
            pc.replace_substring(pc.utf8_trim(values, characters=" \t"), ".", ""), ",", "."
        )
        columns[name] = pc.if_else(shaped, plain, values)


def _add_cells(
    collector: RowCollector, line: int, lay: _Layout, cells: list[str], raw: str
) -> None:
    """One parsed CSV record: quarantined when its cell count or a cell is off, else validated."""
    if not cells or all(not c.strip() for c in cells):
        return
    if len(cells) != len(lay.header):
        collector.reject(
            line,
            f"row has {len(cells)} cells, the header (line {lay.header_index + 1}) has "
            f"{len(lay.header)}",
            field=None,
            raw=raw,
        )
        return
    limit = collector.limits.max_field_chars
    for name, cell in zip(lay.header, cells, strict=True):
        if len(cell) > limit:
            collector.reject(
                line,
                f"cell is {len(cell):,} characters long, over the limit of {limit:,} "
                "(max_field_chars)",
                field=name,
                raw=raw,
            )
            return
    collector.add(line, dict(zip(lay.header, _decimal_cells(cells, lay), strict=True)), raw)


def _plausible(lay: _Layout, i: int, limits: Limits) -> bool:
    """Whether physical line ``i`` on its own is a record: text, no quote, the header's cells."""
    raw = lay.raw(i)
    if b'"' in raw or len(raw) > limits.max_line_bytes:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(text.split(lay.delimiter)) == len(lay.header)


def _read_line(collector: RowCollector, lay: _Layout, i: int, *, spanning: bool) -> int:
    """Read the record starting at physical line ``i``; return the index of the line after it.

    ``spanning`` False (the fast path's lines): a quoted field running past the line raises
    `FastPathDeclined`, so the file is read by row.
    """
    limits = collector.limits
    raw = lay.raw(i)
    if not raw.strip():
        return i + 1
    try:
        text = _line_text(raw, limits)
        cells, still_open = _parse(text, lay.delimiter)
    except _LineReject as exc:
        collector.reject(i + 1, str(exc), field=None, raw=_shown(raw))
        return i + 1
    if not still_open:
        _add_cells(collector, i + 1, lay, cells, text)
        return i + 1
    if not spanning:
        raise FastPathDeclined("a quoted field spans lines")
    parts, size = [text], len(raw)
    for j in range(i + 1, len(lay.starts)):
        more = lay.raw(j)
        size += len(more) + 1
        if size > limits.max_line_bytes or _plausible(lay, j, limits):
            break
        try:
            parts.append(_line_text(more, limits))
            if b'"' not in more:  # the field can only close on a line with a quote
                continue
            cells, still_open = _parse("\n".join(parts), lay.delimiter)
        except _LineReject:
            break
        if not still_open:
            joined = "\n".join(parts)
            _add_cells(collector, i + 1, lay, cells, joined)
            return j + 1
    collector.reject(
        i + 1, "a quoted field is never closed (a stray or cut-off quote)", field=None, raw=text
    )
    return i + 1


def read_csv(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    delimiter: str | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a delimited text file with a header line (see the module docstring).

    Parameters
    ----------
    path
        The file (UTF-8, optionally with a byte-order mark; or UTF-16 with one).
    source
        The name recorded with rows and rejects (default ``str(path)``).
    kind
        The record kind; detected from the header when None.
    options
        The reader options (``mapping``, ``decimal``, ``limits``).
    delimiter
        The cell separator; told from the header when None.
    fast
        Try the columnar fast path; None follows the ``TRADEPERF_INGEST_FAST`` environment
        variable (on by default). Same result either way.

    Returns
    -------
    ReadResult with ``format="csv"``; an empty file gives zero rows; a file without a single
    readable line is unreadable.

    Raises
    ------
    InputError
        If ``mapping`` names a column the header does not have.
    """
    name = source or str(path)
    mapping = options.mapping
    # our own limits bound a record; the csv module's field limit (128 KiB) must not cut in
    if csv.field_size_limit() < options.limits.max_line_bytes:
        csv.field_size_limit(options.limits.max_line_bytes)
    text = load_text(path)
    lay, junk = _layout(text.data, delimiter, options.limits)
    if lay.header_index < 0:
        if junk:
            return unreadable(name, "binary content: no readable line of text", fmt="csv")
        return empty_result(name, kind=kind or RecordKind.TRADES, fmt="csv")
    check_mapping_columns(mapping, lay.header, source=name)
    spec = _spec_for(lay.header, kind, mapping)
    if spec is None:
        return _no_kind(name, lay.header, "csv")
    lay.numeric = _numeric_columns(lay.header, spec, mapping)
    lay.decimal = _detect_decimal(lay, options)
    result = None
    if fast_enabled(fast=fast) and spec.fast_validate is not None and len(lay.header) >= 2:
        try:
            result = _read_csv_fast(lay, spec, name, options, junk)
        except (FastPathDeclined, pa.ArrowException):
            result = None
    if result is None:
        collector = _collector(spec, name, options, junk)
        i = lay.header_index + 1
        while i < len(lay.starts):
            i = _read_line(collector, lay, i, spanning=True)
        result = collector.result("csv")
    return result


def _collector(
    spec: KindSpec, name: str, options: ReadOptions, junk: list[tuple[int, str, str]]
) -> RowCollector:
    collector = RowCollector(spec, name, options.mapping, limits=options.limits)
    for line, reason, raw in junk:
        collector.reject(line, reason, field=None, raw=cut(raw))
    return collector


def read_parquet(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    fast: bool | None = None,
) -> ReadResult:
    """Read a Parquet file.

    Parameters
    ----------
    path
        The file.
    source
        The name recorded with rows and rejects (default ``str(path)``).
    kind
        The record kind; detected from the column names when None.
    options
        The reader options (``mapping``, ``limits``).
    fast
        Try the columnar fast path; None follows ``TRADEPERF_INGEST_FAST`` (see `read_csv`).

    Returns
    -------
    ReadResult with ``format="parquet"``; a corrupt file is unreadable, or keeps the rows
    before the damage with one reject saying where it is.

    Raises
    ------
    InputError
        If ``mapping`` names a column the file does not have.
    """
    name = source or str(path)
    mapping = options.mapping
    try:
        parquet = pq.ParquetFile(path)
        columns = list(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        return unreadable(name, f"not a readable Parquet file: {exc}", fmt="parquet")
    check_mapping_columns(mapping, columns, source=name)
    spec = _spec_for(columns, kind, mapping)
    if spec is None:
        return _no_kind(name, columns, "parquet")
    if fast_enabled(fast=fast):
        result = read_parquet_fast(
            path, source=name, spec=spec, mapping=mapping, limits=options.limits
        )
        if result is not None:
            return result
    collector = RowCollector(spec, name, mapping, limits=options.limits)
    row_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=65536):
            for row in _batch_rows(batch):
                row_no += 1
                if isinstance(row, str):
                    collector.reject(row_no, row, field=None, raw=None)
                else:
                    collector.add(row_no, row, None)
    except (pa.ArrowException, OSError) as exc:
        collector.reject(
            None, f"the file is damaged after row {row_no}: {exc}", field=None, raw=None
        )
    return collector.result("parquet")


def _batch_rows(batch: pa.RecordBatch) -> list[dict[str, object] | str]:
    """Return the rows of a Parquet batch, each as a dict or, if unreadable, the reason.

    A row whose values a damaged page garbled is given as the reason it cannot be read.
    """
    try:
        batch.validate(full=True)
        whole: list[dict[str, object] | str] = batch.to_pylist()
        return whole
    except (pa.ArrowException, ValueError):
        rows: list[dict[str, object] | str] = []
        for i in range(batch.num_rows):
            one = batch.slice(i, 1)
            try:
                one.validate(full=True)
                rows.extend(one.to_pylist())
            except (pa.ArrowException, ValueError) as exc:
                rows.append(f"a damaged value in this row ({exc})")
        return rows


def read_parquet_fast(
    path: Path, *, source: str, spec: KindSpec, mapping: Mapping[str, str], limits: Limits
) -> ReadResult | None:
    """Read a Parquet file by column; None when it must be read by row.

    ``spec`` must have a ``fast_validate``; the caller has checked the mapping and the kind.
    """
    if spec.fast_validate is None:
        return None
    try:
        table = pq.read_table(path)
        table.validate(full=True)  # damaged pages can hold text that is not UTF-8
    except (pa.ArrowException, OSError):
        return None
    names = table.column_names
    if len(set(names)) != len(names):
        return None
    columns = apply_mapping(dict(zip(names, table.columns, strict=True)), mapping, spec.kind)
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)
    try:
        fast, ok = run_fast(spec, columns, lines, source, limits.max_field_chars)
    except FastPathDeclined:
        return None
    collector = RowCollector(spec, source, mapping, limits=limits)
    unsure = np.flatnonzero(~ok)
    if len(unsure):
        for index, row in zip(unsure, table.take(pa.array(unsure)).to_pylist(), strict=True):
            collector.add(int(index) + 1, row, None)
    return merge_fast(fast, lines[ok], collector, "parquet")


_QUOTE: Final = 0x22
_ODD: Final = 1  # byte classes: control, non-ASCII or quote; space or tab; the delimiter
_SPACE: Final = 2
_DELIM: Final = 3


def _odd_quotes(
    raw: np.ndarray, starts: np.ndarray, ends: np.ndarray, delims: np.ndarray, delim: int
) -> np.ndarray:
    """Mark each line 1 where its quotes are not simple, else 0.

    Simple quotes are ``"..."`` wrapping a whole cell, holding no quote or delimiter; simply
    quoted cells read the same in Arrow and `csv`.
    """
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


def _read_csv_fast(
    lay: _Layout,
    spec: KindSpec,
    source: str,
    options: ReadOptions,
    junk: list[tuple[int, str, str]],
) -> ReadResult:
    """Plain lines by column, the others by row (`_read_line`), merged in line order.

    Raises
    ------
    FastPathDeclined
        If a quoted field spans lines (the caller reads the file by row).
    """
    mapping = options.mapping
    limits = options.limits
    raw = np.frombuffer(lay.data, dtype=np.uint8)
    # Classify the data lines by counting byte classes per line (positions, binary search).
    classes = np.zeros(256, dtype=np.uint8)
    classes[:0x20] = _ODD
    classes[0x7F:] = _ODD
    classes[_QUOTE] = 0  # quotes are judged per line below
    classes[[0x20, 0x09]] = _SPACE
    classes[ord(lay.delimiter)] = _DELIM
    kinds = classes[raw]
    starts, content_ends = lay.starts, lay.ends

    def per_line(positions: np.ndarray) -> np.ndarray:
        found = np.searchsorted(positions, content_ends) - np.searchsorted(positions, starts)
        return np.asarray(found, dtype=np.int64)

    n_odd = per_line(np.flatnonzero(kinds == _ODD))
    delims = np.flatnonzero(kinds == _DELIM)
    n_delim = per_line(delims)
    n_odd += _odd_quotes(raw, starts, content_ends, delims, ord(lay.delimiter))
    n_empty = per_line(np.flatnonzero(kinds >= _SPACE))
    data_lines = np.arange(len(starts)) > lay.header_index
    blank = data_lines & (n_empty == content_ends - starts)
    plain = data_lines & ~blank & (n_odd == 0) & (n_delim == len(lay.header) - 1)
    # long lines go by row, where the line and field limits are checked
    plain &= (content_ends - starts) <= min(limits.max_field_chars, limits.max_line_bytes)
    by_row = data_lines & ~blank & ~plain

    names = [f"c{i}" for i in range(len(lay.header))]
    plain_index = np.flatnonzero(plain)
    if len(plain_index):
        if len(plain_index) == len(starts) - lay.header_index - 1:
            body = lay.data[starts[plain_index[0]] :]
        else:
            lengths = np.concatenate([starts[1:], [len(raw)]]) - starts
            keep = np.repeat(plain, lengths)
            body = raw[keep].tobytes()
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=lay.delimiter, quote_char='"', escape_char=False, double_quote=True
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
            raise FastPathDeclined("the CSV reader saw another number of rows")
        raw_columns: dict[str, pa.Array] = {}
        for name, column in zip(lay.header, table.columns, strict=True):
            raw_columns[name] = column
        _decimal_columns(raw_columns, lay)
        columns = apply_mapping(raw_columns, mapping, spec.kind)
        lines = plain_index.astype(np.int64) + 1
        fast, ok = run_fast(spec, columns, lines, source, limits.max_field_chars)
        by_row[plain_index[~ok]] = True
        fast_lines = lines[ok]
    else:
        fast, fast_lines = spec.schema.empty_table(), np.zeros(0, dtype=np.int64)

    collector = _collector(spec, source, options, junk)
    for index in np.flatnonzero(by_row).tolist():
        _read_line(collector, lay, int(index), spanning=False)
    return merge_fast(fast, fast_lines, collector, "csv")
