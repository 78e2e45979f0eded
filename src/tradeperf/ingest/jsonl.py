"""JSON Lines logs (one JSON object per line) and JSON documents holding a list of records.

Numbers are parsed with ``parse_float=Decimal``, so ``0.1`` in the file is exactly
``Decimal("0.1")``. Blank lines are skipped. A line that is not valid JSON (a truncated write),
or valid JSON that is not an object, is quarantined with its line number; every other line is
kept.

Tailing a growing log: `read_jsonl` starts at ``start_offset`` (a byte offset at the start of a
line, usually the ``end_offset`` of the previous read) and reports ``end_offset``, the byte
offset just past the last newline-terminated line. A final line without a newline is read (a
file that is complete may lack the last newline) but ``end_offset`` stops before it, so the
next read from ``end_offset`` reads it again once it is complete; a derived trade id depends
only on the file and line number, so the store sees the same row twice and keeps one.
Line numbers count from the start of the file also when reading from an offset.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from tradeperf.errors import InputError
from tradeperf.ingest.assemble import (
    RowCollector,
    check_mapping_columns,
    cut,
    empty_result,
    unreadable,
)
from tradeperf.ingest.base import ReadResult, RecordKind
from tradeperf.ingest.columnar import fast_enabled, read_objects_fast
from tradeperf.ingest.detect import describe_signatures, detect_kind
from tradeperf.ingest.kinds import KindSpec, kind_spec
from tradeperf.ingest.rows import to_json_text
from tradeperf.records import RejectedRow

#: Objects whose keys are pooled to detect the record kind.
_DETECT_SAMPLE = 1000
#: Objects converted at a time when a log has no column mapping: bounds the memory a big log
#: needs (a parsed object is about a kilobyte; the converted rows are compact Arrow).
CHUNK_OBJECTS = 100_000
#: ``json.loads(text, parse_float=Decimal)`` without building a decoder for every line.
_decode = json.JSONDecoder(parse_float=Decimal).decode


def count_newlines(path: Path, end: int) -> int:
    """The number of line breaks in the first ``end`` bytes of ``path`` (read in 1 MiB blocks)."""
    count = 0
    with path.open("rb") as f:
        remaining = end
        while remaining > 0:
            chunk = f.read(min(remaining, 1 << 20))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
    return count


def _choose_spec(
    objects: list[tuple[int, dict[str, object], str]],
    *,
    kind: RecordKind | None,
    mapping: Mapping[str, str],
) -> KindSpec | None:
    if kind is not None:
        return kind_spec(kind)
    keys: dict[str, None] = {}
    for _, obj, _ in objects[:_DETECT_SAMPLE]:
        keys.update(dict.fromkeys(obj))
    return detect_kind(keys, mapping=mapping)


def _finish(
    source: str,
    fmt: str,
    objects: list[tuple[int, dict[str, object], str]],
    rejected: list[RejectedRow],
    *,
    kind: RecordKind | None,
    mapping: Mapping[str, str],
    end_offset: int | None,
    fast: bool | None = None,
) -> ReadResult:
    if not objects:
        result = empty_result(source, kind=kind or RecordKind.TRADES, fmt=fmt)
        result.rejected.extend(rejected)
        result.end_offset = end_offset
        return result
    if mapping:
        seen: dict[str, None] = {}
        for _, obj, _ in objects:
            seen.update(dict.fromkeys(obj))
        check_mapping_columns(mapping, seen, source=source)
    spec = _choose_spec(objects, kind=kind, mapping=mapping)
    if spec is None:
        keys = sorted({k for _, obj, _ in objects[:_DETECT_SAMPLE] for k in obj})
        result = unreadable(
            source,
            f"records with columns {', '.join(keys[:20])} match no known record kind "
            f"({describe_signatures()})",
            fmt=fmt,
        )
        result.end_offset = end_offset
        return result
    result = _convert(spec, source, mapping, objects, fmt, fast=fast)
    result.rejected = _by_line([*rejected, *result.rejected])
    result.end_offset = end_offset
    return result


def _by_line(rejected: list[RejectedRow]) -> list[RejectedRow]:
    """Rejects in line order (whole-file rejects last), as `RowCollector` gives them."""
    return sorted(rejected, key=lambda r: (r.line is None, r.line or 0))


def _convert(
    spec: KindSpec,
    source: str,
    mapping: Mapping[str, str],
    objects: list[tuple[int, dict[str, object], str]],
    fmt: str,
    *,
    fast: bool | None,
) -> ReadResult:
    """Validate parsed objects into records and rejects (by column where possible)."""
    collector = RowCollector(spec, source, mapping)
    if spec.fast_validate is not None and fast_enabled(fast=fast):
        return read_objects_fast(objects, collector, fmt)
    for line, obj, raw in objects:
        collector.add(line, obj, raw)
    return collector.result(fmt)


def _concat(parts: list[ReadResult], rejected: list[RejectedRow], end_offset: int) -> ReadResult:
    """One result from the results of a log's chunks (in line order) and its bad lines."""
    first = parts[0]
    table = pa.concat_tables([p.table for p in parts]) if len(parts) > 1 else first.table
    out = ReadResult(
        source=first.source,
        kind=first.kind,
        table=table,
        rejected=_by_line([*rejected, *(r for p in parts for r in p.rejected)]),
        format=first.format,
        end_offset=end_offset,
    )
    return out


def read_jsonl(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    mapping: Mapping[str, str] | None = None,
    start_offset: int = 0,
    start_line: int | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a JSON Lines file from a byte offset.

    Parameters
    ----------
    path : the file.
    source : the name recorded with rows and rejects (default ``str(path)``).
    kind : the record kind; detected from the objects' keys when None.
    mapping : canonical -> source column mapping.
    start_offset : byte offset to start at (0 = the beginning); must be at a line start. An
        offset past the end of the file reads nothing and reports the file size as
        ``end_offset``, so a caller can tell that the file shrank (was rotated).
    start_line : the number of lines before ``start_offset`` (the previous ``end_line``), so
        rejects keep their line numbers from the start of the file; None counts them (which
        reads the file up to ``start_offset``).
    fast : validate plain objects by column (`tradeperf.ingest.columnar.read_objects_fast`);
        None follows ``TRADEPERF_INGEST_FAST`` (on by default). Same result either way.

    Returns
    -------
    ReadResult with ``format="jsonl"`` and ``end_offset`` in bytes.

    Raises
    ------
    InputError
        If ``mapping`` names a column that no record of the file has, or ``start_offset`` is
        negative.
    """
    name = source or str(path)
    mapping = mapping or {}
    if start_offset < 0:
        raise InputError(f"start offset must not be negative: {start_offset}", path=name)
    size = path.stat().st_size
    if start_offset >= size:
        result = empty_result(name, kind=kind or RecordKind.TRADES, fmt="jsonl")
        result.end_offset = size
        result.end_line = start_line
        return result
    with _gc_paused():
        return _read_lines(path, name, kind, mapping, start_offset, start_line, fast=fast)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a big log makes millions of small objects (no
    cycles), and collections triggered by their count would take a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_lines(
    path: Path,
    name: str,
    kind: RecordKind | None,
    mapping: Mapping[str, str],
    start_offset: int,
    start_line: int | None,
    *,
    fast: bool | None,
) -> ReadResult:
    if start_line is None:
        start_line = count_newlines(path, start_offset) if start_offset else 0
    line_no = end_line = start_line
    with path.open("rb") as f:
        f.seek(start_offset)
        data = f.read()
    objects: list[tuple[int, dict[str, object], str]] = []
    rejected: list[RejectedRow] = []
    parts: list[ReadResult] = []
    spec: KindSpec | None = None
    position = start_offset
    end_offset = start_offset
    for chunk in data.split(b"\n"):
        line_no += 1
        complete = position + len(chunk) < start_offset + len(data)
        position += len(chunk) + 1
        if complete:
            end_offset, end_line = position, line_no
        elif not chunk:
            break
        raw_bytes = chunk.rstrip(b"\r")
        if line_no == 1 and raw_bytes.startswith(b"\xef\xbb\xbf"):
            raw_bytes = raw_bytes[3:]
        if not raw_bytes.strip():
            continue
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            rejected.append(
                RejectedRow(name, line_no, None, "not UTF-8 text", cut(repr(raw_bytes)))
            )
            continue
        try:
            obj = _decode(raw)
        except json.JSONDecodeError as exc:
            reason = f"malformed JSON ({exc.msg} at column {exc.colno})"
            if not complete:
                reason += "; the last line has no newline (still being written?)"
            rejected.append(RejectedRow(name, line_no, None, reason, cut(raw)))
            continue
        if not isinstance(obj, dict):
            rejected.append(
                RejectedRow(
                    name, line_no, None, f"expected a JSON object, got {_json_type(obj)}", cut(raw)
                )
            )
            continue
        objects.append((line_no, obj, raw))
        if len(objects) >= CHUNK_OBJECTS and not mapping:
            if spec is None:
                spec = _choose_spec(objects, kind=kind, mapping=mapping)
                if spec is None:  # no kind: the whole file is unreadable, say so now
                    break
            parts.append(_convert(spec, name, mapping, objects, "jsonl", fast=fast))
            objects = []
    if not parts:
        result = _finish(
            name,
            "jsonl",
            objects,
            rejected,
            kind=kind,
            mapping=mapping,
            end_offset=end_offset,
            fast=fast,
        )
    else:
        assert spec is not None
        if objects:
            parts.append(_convert(spec, name, mapping, objects, "jsonl", fast=fast))
        result = _concat(parts, rejected, end_offset)
    result.end_line = end_line
    return result


def _json_type(obj: object) -> str:
    if isinstance(obj, list):
        return "a list"
    if isinstance(obj, str):
        return "a string"
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "a boolean"
    return "a number"


def read_json_records(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    mapping: Mapping[str, str] | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a JSON document holding records: a list of objects or ``{"trades": [...]}``.

    ``line`` of a rejected row is the 1-based position of the record in the list.

    Parameters
    ----------
    path : the file.
    source : the name recorded with rows and rejects (default ``str(path)``).
    kind : the record kind; detected from the records' keys when None.
    mapping : canonical -> source column mapping.
    fast : validate plain records by column (as `read_jsonl`).

    Returns
    -------
    ReadResult with ``format="json"``; unreadable when the file is not JSON or holds no list.

    Raises
    ------
    InputError
        If ``mapping`` names a column that no record has.
    """
    name = source or str(path)
    try:
        doc = json.loads(path.read_bytes(), parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return unreadable(name, f"not a valid JSON document: {exc}", fmt="json")
    records = doc.get("trades") if isinstance(doc, dict) else doc
    if not isinstance(records, list):
        return unreadable(name, "a JSON document holding no list of records", fmt="json")
    objects: list[tuple[int, dict[str, object], str]] = []
    rejected: list[RejectedRow] = []
    for index, obj in enumerate(records, start=1):
        if isinstance(obj, dict):
            objects.append((index, obj, _dump(obj)))
        else:
            rejected.append(
                RejectedRow(
                    name, index, None, f"expected a JSON object, got {_json_type(obj)}", None
                )
            )
    return _finish(
        name,
        "json",
        objects,
        rejected,
        kind=kind,
        mapping=mapping or {},
        end_offset=None,
        fast=fast,
    )


def _dump(obj: object) -> str:
    try:
        return to_json_text(obj)
    except (TypeError, ValueError):
        return repr(obj)
