"""CSV and Parquet files of records, with an optional column mapping.

CSV: the first line is the header (line 1); a record's line number is the line it starts on
(quoted fields may span lines). The delimiter is told from the header (``,``, ``;``, tab or
``|``). Empty cells are missing values; every cell is text and is read exactly (``"0.1"`` is
``Decimal("0.1")``). A row with a different number of cells than the header is quarantined.

Parquet: read with pyarrow in batches; a rejected row's ``line`` is its 1-based row number.
Decimal, timestamp and list columns arrive typed; float columns are read through their
shortest repr (`tradeperf.records.to_decimal`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tradeperf.ingest.assemble import RowCollector, check_mapping_columns, empty_result, unreadable
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.ingest.columnar import fast_enabled, read_csv_fast, read_parquet_fast
from tradeperf.ingest.detect import csv_delimiter, describe_signatures, detect_kind
from tradeperf.ingest.kinds import KindSpec, kind_spec


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


def _add_record(
    collector: RowCollector, line: int, header: list[str], cells: list[str], header_line: int
) -> None:
    """One non-blank CSV record: quarantined when its cell count is off, else validated."""
    raw = ",".join(cells)
    if len(cells) != len(header):
        collector.reject(
            line,
            f"row has {len(cells)} cells, the header (line {header_line}) has {len(header)}",
            field=None,
            raw=raw,
        )
        return
    collector.add(line, dict(zip(header, cells, strict=True)), raw)


def read_csv(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    mapping: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a delimited text file with a header line.

    Parameters
    ----------
    path : the file (UTF-8, optionally with a byte-order mark).
    source : the name recorded with rows and rejects (default ``str(path)``).
    kind : the record kind; detected from the header when None.
    mapping : canonical -> source column mapping.
    delimiter : the cell separator; told from the header when None.
    fast : try the columnar fast path (`tradeperf.ingest.columnar`); None follows the
        ``TRADEPERF_INGEST_FAST`` environment variable (on by default). Same result either way.

    Returns
    -------
    ReadResult with ``format="csv"``; an empty file gives zero rows; a file that is not UTF-8
    text is unreadable.

    Raises
    ------
    InputError
        If ``mapping`` names a column the header does not have.
    """
    name = source or str(path)
    mapping = mapping or {}
    if fast_enabled(fast=fast):
        result = read_csv_fast(
            path,
            source=name,
            mapping=mapping,
            delimiter=delimiter,
            detect=lambda header: _spec_for(header, kind, mapping),
            add_record=_add_record,
        )
        if result is not None:
            return result
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return unreadable(name, "not UTF-8 text", fmt="csv")
    if not text.strip():
        return empty_result(name, kind=kind or RecordKind.TRADES, fmt="csv")
    first_line = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter or csv_delimiter(first_line)
    )
    header: list[str] | None = None
    header_line = 0
    previous_end = 0
    collector: RowCollector | None = None
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip() for c in cells]
            header_line = start
            check_mapping_columns(mapping, header, source=name)
            spec = _spec_for(header, kind, mapping)
            if spec is None:
                return _no_kind(name, header, "csv")
            collector = RowCollector(spec, name, mapping)
            continue
        assert collector is not None
        _add_record(collector, start, header, cells, header_line)
    if collector is None:
        return empty_result(name, kind=kind or RecordKind.TRADES, fmt="csv")
    return collector.result("csv")


def read_parquet(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    mapping: Mapping[str, str] | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a Parquet file.

    Parameters
    ----------
    path : the file.
    source : the name recorded with rows and rejects (default ``str(path)``).
    kind : the record kind; detected from the column names when None.
    mapping : canonical -> source column mapping.
    fast : try the columnar fast path; None follows ``TRADEPERF_INGEST_FAST`` (see `read_csv`).

    Returns
    -------
    ReadResult with ``format="parquet"``; a corrupt file is unreadable.

    Raises
    ------
    InputError
        If ``mapping`` names a column the file does not have.
    """
    name = source or str(path)
    mapping = mapping or {}
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
        result = read_parquet_fast(path, source=name, spec=spec, mapping=mapping)
        if result is not None:
            return result
    collector = RowCollector(spec, name, mapping)
    row_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=65536):
            for row in batch.to_pylist():
                row_no += 1
                collector.add(row_no, row, None)
    except (pa.ArrowException, OSError) as exc:
        collector.reject(
            None, f"the file is damaged after row {row_no}: {exc}", field=None, raw=None
        )
    return collector.result("parquet")
