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
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa

from tradeperf.errors import InputError
from tradeperf.ingest.assemble import (
    RAW_LIMIT,
    FastPathDeclined,
    RowCollector,
    apply_mapping,
    check_mapping_columns,
    cut,
    empty_result,
    in_line_order,
    merge_fast,
    run_fast,
    unreadable,
)
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.catalog import describe_signatures, detect_kind, kind_spec
from tradeperf.ingest.columns import fast_enabled
from tradeperf.ingest.kinds import KindSpec
from tradeperf.ingest.options import DEFAULT_OPTIONS, Limits, ReadOptions
from tradeperf.ingest.rows import to_json_text
from tradeperf.ingest.text import Text, json_depth_exceeds, json_or_none, load_text
from tradeperf.records import RecordKind, RejectedRow

#: Objects whose keys are pooled to detect the record kind.
_DETECT_SAMPLE = 1000
#: Objects converted at a time when a log has no column mapping: bounds the memory a big log
#: needs (a parsed object is about a kilobyte; the converted rows are compact Arrow).
CHUNK_OBJECTS = 100_000


def count_newlines(path: Path, end: int) -> int:
    """Count the line breaks in the first ``end`` bytes of ``path`` (read in 1 MiB blocks).

    Parameters
    ----------
    path
        The file.
    end
        How many bytes from the start of the file to count in.
    """
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
    limits: Limits = DEFAULT_OPTIONS.limits,
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
    result = _convert(spec, source, mapping, objects, fmt, fast=fast, limits=limits)
    result.rejected = in_line_order([*rejected, *result.rejected])
    result.end_offset = end_offset
    return result


def _convert(
    spec: KindSpec,
    source: str,
    mapping: Mapping[str, str],
    objects: list[tuple[int, dict[str, object], str]],
    fmt: str,
    *,
    fast: bool | None,
    limits: Limits,
) -> ReadResult:
    """Validate parsed objects into records and rejects (by column where possible)."""
    collector = RowCollector(spec, source, mapping, limits=limits)
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
        rejected=in_line_order([*rejected, *(r for p in parts for r in p.rejected)]),
        format=first.format,
        end_offset=end_offset,
    )
    return out


def read_jsonl(
    path: Path,
    *,
    source: str | None = None,
    kind: RecordKind | None = None,
    options: ReadOptions = DEFAULT_OPTIONS,
    start_offset: int = 0,
    start_line: int | None = None,
    fast: bool | None = None,
) -> ReadResult:
    """Read a JSON Lines file from a byte offset.

    Each line is judged alone (`parse_line`): a line of binary junk, invalid UTF-8, malformed
    or non-standard JSON (NaN, Infinity), nesting deeper than the limit, a line or text value
    over its size limit, or a lone surrogate is one rejected row with its reason; every other
    line is kept. A file with no readable line at all is unreadable.

    Parameters
    ----------
    path
        The file (UTF-8, or UTF-16 with a byte-order mark).
    source
        The name recorded with rows and rejects (default ``str(path)``).
    kind
        The record kind; detected from the objects' keys when None.
    options
        The reader options (``mapping``: canonical -> source column; ``limits``).
    start_offset
        Byte offset to start at (0 = the beginning); must be at a line start. An
        offset past the end of the file reads nothing and reports the file size as
        ``end_offset``, so a caller can tell that the file shrank (was rotated).
    start_line
        The number of lines before ``start_offset`` (the previous ``end_line``), so
        rejects keep their line numbers from the start of the file; None counts them (which
        reads the file up to ``start_offset``).
    fast
        Validate plain objects by column (`read_objects_fast`); None follows
        ``TRADEPERF_INGEST_FAST`` (on by default). Same result either way.

    Returns
    -------
    ReadResult with ``format="jsonl"`` and ``end_offset`` in bytes (None for a UTF-16 file,
    which is read whole every time).

    Raises
    ------
    InputError
        If ``mapping`` names a column that no record of the file has, or ``start_offset`` is
        negative.
    """
    name = source or str(path)
    if start_offset < 0:
        raise InputError(f"start offset must not be negative: {start_offset}", path=name)
    size = path.stat().st_size
    if start_offset >= size:
        result = empty_result(name, kind=kind or RecordKind.TRADES, fmt="jsonl")
        result.end_offset = size
        result.end_line = start_line
        return result
    text = load_text(path, start_offset=start_offset)
    if not text.offsets:
        start_offset, start_line = 0, 0
    with _gc_paused():
        result = _read_lines(text, name, kind, options, start_offset, start_line, path, fast=fast)
    if not text.offsets:
        result.end_offset = None
    return result


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block runs.

    A big log makes millions of small objects (no cycles), and collections triggered by their
    count would take a third of the time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class LineError(ValueError):
    """Why one line is not a record (the reason a rejected row gives).

    Parameters
    ----------
    reason
        The reason, as the rejected row gives it.
    binary
        True when the line is not text at all.
    """

    def __init__(self, reason: str, *, binary: bool = False) -> None:
        super().__init__(reason)
        self.binary = binary


class _Unusual(Exception):
    """A line the quick path leaves to `parse_line`."""


def _no_constant(name: str) -> object:
    raise LineError(f"{name} is not a JSON number (write null, or the value as text)")


#: ``json.loads(text, parse_float=Decimal)``, strict: NaN and Infinity are errors.
_DECODER: Final = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)
_decode = _DECODER.decode
#: The scan without `json.JSONDecoder.decode`'s whitespace handling (a third of its time).
_raw_decode = _DECODER.raw_decode
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _strings(obj: object) -> Iterator[str]:
    """Yield every string in a parsed JSON value, keys included.

    This uses no recursion: depth is bounded by the caller, but a stack costs nothing.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _too_long_text(obj: object, limit: int) -> bool:
    """Tell whether a string in ``obj`` (keys included) is longer than ``limit`` characters."""
    return any(len(text) > limit for text in _strings(obj))


def _has_surrogate(obj: object) -> bool:
    """Tell whether a string in ``obj`` holds a lone surrogate (not encodable as UTF-8)."""
    for text in _strings(obj):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return True
    return False


def _malformed(exc: json.JSONDecodeError) -> str:
    """Give the reason of a JSON error as ``malformed JSON (Expecting value at column 3)``.

    A message of json's ending in "... starting at" keeps one "at".
    """
    return f"malformed JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})"


def parse_line(raw_bytes: bytes, limits: Limits) -> tuple[object, str]:
    """One JSONL line (without its line break) as a parsed JSON value and its text.

    Raises
    ------
    LineError
        Naming why the line is not a JSON value within the limits: longer than
        ``max_line_bytes``, NUL bytes, not UTF-8, nested deeper than ``max_depth``, malformed or
        non-standard JSON, a text value longer than ``max_field_chars``, a lone surrogate.
    """
    if len(raw_bytes) > limits.max_line_bytes:
        raise LineError(
            f"line is {len(raw_bytes):,} bytes long, over the limit of "
            f"{limits.max_line_bytes:,} (max_line_bytes)"
        )
    if b"\x00" in raw_bytes:
        raise LineError(
            "NUL bytes in the line (binary junk, as a crash or a full disk leaves)", binary=True
        )
    try:
        raw = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineError(
            f"not UTF-8 text (bad byte at column {exc.start + 1})", binary=True
        ) from None
    if json_depth_exceeds(raw, limits.max_depth):
        raise LineError(f"JSON nested deeper than {limits.max_depth} levels (max_depth)")
    try:
        obj = _decode(raw)
    except json.JSONDecodeError as exc:
        raise LineError(_malformed(exc)) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise LineError(f"JSON nested deeper than {limits.max_depth} levels") from None
    if len(raw) > limits.max_field_chars and _too_long_text(obj, limits.max_field_chars):
        raise LineError(
            f"a text value is longer than {limits.max_field_chars:,} characters (max_field_chars)"
        )
    if "\\u" in raw and _SURROGATE_ESCAPE.search(raw) and _has_surrogate(obj):
        raise LineError("text holds a lone surrogate escape (not a Unicode character)")
    return obj, raw


def _read_lines(
    text: Text,
    name: str,
    kind: RecordKind | None,
    options: ReadOptions,
    start_offset: int,
    start_line: int | None,
    path: Path,
    *,
    fast: bool | None,
) -> ReadResult:
    mapping = options.mapping
    limits = options.limits
    quick_max = min(limits.max_line_bytes, limits.max_field_chars)
    max_depth = limits.max_depth
    if start_line is None:
        start_line = count_newlines(path, start_offset) if start_offset else 0
    line_no = end_line = start_line
    data = text.data
    objects: list[tuple[int, dict[str, object], str]] = []
    rejected: list[RejectedRow] = []
    parts: list[ReadResult] = []
    spec: KindSpec | None = None
    position = text.base
    stop = text.base + len(data)
    end_offset = start_offset
    readable = 0
    for chunk in data.split(b"\n"):
        line_no += 1
        complete = position + len(chunk) < stop
        position += len(chunk) + 1
        if complete:
            end_offset, end_line = position, line_no
        elif not chunk:
            break
        raw_bytes = chunk[:-1] if chunk.endswith(b"\r") else chunk
        if not raw_bytes.strip():
            continue
        failure: LineError | None = None
        try:
            # the common line in a few C calls; anything unusual gets `parse_line`'s checks
            # (a NUL byte fails the strict scan; characters never outnumber bytes)
            raw = raw_bytes.decode("utf-8")
            if (
                len(raw_bytes) > quick_max
                or raw.count("[") + raw.count("{") > max_depth
                or "\\u" in raw
            ):
                raise _Unusual
            obj, end = _raw_decode(raw)
            if end != len(raw):  # blanks around it, or more after it: `parse_line` tells
                raise _Unusual
        except (UnicodeDecodeError, json.JSONDecodeError, LineError, _Unusual):
            try:
                obj, raw = parse_line(raw_bytes, limits)
            except LineError as exc:
                failure = exc
        if failure is not None:
            readable += not failure.binary
            reason = str(failure)
            if not complete:
                reason += "; the last line has no newline (still being written?)"
            shown = raw_bytes[:RAW_LIMIT].decode("utf-8", errors="backslashreplace")
            rejected.append(RejectedRow(name, line_no, None, reason, cut(shown)))
            continue
        readable += 1
        if not isinstance(obj, dict):
            rejected.append(_not_an_object(name, line_no, obj, raw))
            continue
        objects.append((line_no, obj, raw))
        if len(objects) >= CHUNK_OBJECTS and not mapping:
            if spec is None:
                spec = _choose_spec(objects, kind=kind, mapping=mapping)
                if spec is None:  # no kind: the whole file is unreadable, say so now
                    break
            parts.append(_convert(spec, name, mapping, objects, "jsonl", fast=fast, limits=limits))
            objects = []
    if not readable and rejected and start_offset == 0:
        result = unreadable(name, "binary content: no readable line of JSON", fmt="jsonl")
    elif not parts:
        result = _finish(
            name,
            "jsonl",
            objects,
            rejected,
            kind=kind,
            mapping=mapping,
            end_offset=end_offset,
            fast=fast,
            limits=limits,
        )
    else:
        assert spec is not None
        if objects:
            parts.append(_convert(spec, name, mapping, objects, "jsonl", fast=fast, limits=limits))
        result = _concat(parts, rejected, end_offset)
    result.end_offset = end_offset
    result.end_line = end_line
    return result


def _not_an_object(source: str, line: int, value: object, raw: str) -> RejectedRow:
    """Return the reject of a record that is valid JSON but not an object, naming its type.

    Parameters
    ----------
    source
        The name recorded with the reject.
    line
        The line (JSONL) or the 1-based position in the list (JSON) of the record.
    value
        The parsed record.
    raw
        Its text, kept cut to `RAW_LIMIT` characters.
    """
    return RejectedRow(
        source, line, None, f"expected a JSON object, got {_json_type(value)}", cut(raw)
    )


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
    options: ReadOptions = DEFAULT_OPTIONS,
    fast: bool | None = None,
) -> ReadResult:
    """Read a JSON document holding records: a list of objects or ``{"trades": [...]}``.

    The list is read record by record (`iter_json_records`), so a hostile record (nested
    deeper than the limit, NaN, a value over the size limit) is one rejected row, and a
    document cut short (a crash while it was written) keeps every record before the cut.
    ``line`` of a rejected row is the 1-based position of the record in the list.

    Parameters
    ----------
    path
        The file (UTF-8, or UTF-16 with a byte-order mark).
    source
        The name recorded with rows and rejects (default ``str(path)``).
    kind
        The record kind; detected from the records' keys when None.
    options
        The reader options (``mapping``, ``limits``).
    fast
        Validate plain records by column (as `read_jsonl`).

    Returns
    -------
    ReadResult with ``format="json"``; unreadable when the file is not JSON or holds no list.

    Raises
    ------
    InputError
        If ``mapping`` names a column that no record has.
    """
    name = source or str(path)
    text = load_text(path).data.decode("utf-8", errors="replace")
    objects: list[tuple[int, dict[str, object], str]] = []
    rejected: list[RejectedRow] = []
    start = _records_start(text)
    if start is None:
        return unreadable(name, "a JSON document holding no list of records", fmt="json")
    for index, item in enumerate(iter_json_records(text, start, options.limits), start=1):
        if isinstance(item, LineError):
            rejected.append(RejectedRow(name, index, None, str(item), None))
            continue
        obj, raw = item
        if isinstance(obj, dict):
            objects.append((index, obj, raw))
        else:
            rejected.append(_not_an_object(name, index, obj, raw))
    return _finish(
        name,
        "json",
        objects,
        rejected,
        kind=kind,
        mapping=options.mapping,
        end_offset=None,
        fast=fast,
        limits=options.limits,
    )


_WRAPPER: Final = re.compile(r'\{\s*"trades"\s*:\s*\[')
_SPACE: Final = re.compile(r"[\s\ufeff]*")


def _records_start(text: str) -> int | None:
    """Find the index just past the ``[`` that opens the list of records, or None."""
    at = _SPACE.match(text).end()  # type: ignore[union-attr]  # \s* always matches
    if text.startswith("[", at):
        return at + 1
    wrapper = _WRAPPER.match(text, at)
    if wrapper is not None:
        return wrapper.end()
    doc = json_or_none(text)
    if isinstance(doc, dict) and isinstance(doc.get("trades"), list):
        found = re.search(r'"trades"\s*:\s*\[', text)
        return found.end() if found else None
    return None


def _element_end(text: str, at: int) -> int | None:
    """Find the index just past the list element starting at ``at``, or None if the text ends.

    Brackets are balanced and strings skipped.
    """
    depth = 0
    for token in _ELEMENT_TOKENS.finditer(text, at):
        char = token.group()
        if char in "[{":
            depth += 1
        elif char in "]}":
            if depth == 0:
                return token.start()
            depth -= 1
            if depth == 0:
                return token.end()
        elif char == "," and depth == 0:
            return token.start()
    return None


_ELEMENT_TOKENS: Final = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def _check_record(raw: str, value: object, limits: Limits) -> None:
    if len(raw) > limits.max_line_bytes:
        raise LineError(
            f"record is {len(raw):,} characters long, over the limit of "
            f"{limits.max_line_bytes:,} (max_line_bytes)"
        )
    if json_depth_exceeds(raw, limits.max_depth):
        raise LineError(f"JSON nested deeper than {limits.max_depth} levels (max_depth)")
    if len(raw) > limits.max_field_chars and _too_long_text(value, limits.max_field_chars):
        raise LineError(
            f"a text value is longer than {limits.max_field_chars:,} characters (max_field_chars)"
        )
    if "\\u" in raw and _has_surrogate(value):
        raise LineError("text holds a lone surrogate escape (not a Unicode character)")


def _element_error(raw: str, limits: Limits) -> LineError:
    """Tell why a list element that does not parse is bad.

    Depth is checked first: it explains a RecursionError.
    """
    if json_depth_exceeds(raw, limits.max_depth):
        return LineError(f"JSON nested deeper than {limits.max_depth} levels (max_depth)")
    try:
        _decode(raw)
    except json.JSONDecodeError as exc:
        return LineError(_malformed(exc))
    except LineError as exc:
        return exc
    except RecursionError:
        return LineError("JSON nested too deep for the parser")
    return LineError("malformed JSON")


def iter_json_records(
    text: str, start: int, limits: Limits
) -> Iterator[tuple[object, str] | LineError]:
    """Yield the elements of the JSON list that opens just before ``start``, one at a time.

    Yields ``(value, raw text)`` for each element within the limits, or a `LineError` for an
    element that is not (its position still counts). A document that breaks off (text ends,
    or junk where a ``,`` or ``]`` belongs) yields one `LineError` saying where, and stops.
    """
    decoder = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constant)
    at = start
    n = len(text)
    while True:
        at = _SPACE.match(text, at).end()  # type: ignore[union-attr]  # \s* always matches
        if at >= n:
            yield LineError(f"the document ends inside the list (at character {at})")
            return
        if text[at] == "]":
            return
        try:
            value, end = decoder.raw_decode(text, at)
            raw = text[at:end]
            _check_record(raw, value, limits)
            yield value, raw
        except (json.JSONDecodeError, RecursionError, LineError) as exc:
            # find where this element ends by its brackets, and go on from there
            skip = _element_end(text, at)
            if skip is None:
                yield LineError(f"the document ends inside a record (at character {n})")
                return
            end = skip
            yield exc if isinstance(exc, LineError) else _element_error(text[at:end], limits)
        at = _SPACE.match(text, end).end()  # type: ignore[union-attr]  # \s* always matches
        if at < n and text[at] == ",":
            at += 1
        elif at < n and text[at] == "]":
            return
        else:
            yield LineError(f"the list breaks off at character {at}: no ',' or ']'")
            return


def _dump(obj: object) -> str:
    try:
        return to_json_text(obj)
    except (TypeError, ValueError):
        return repr(obj)


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
    r"""Validate parsed JSON objects: plain ones by column, the others by row.

    ``objects`` holds (line, object, raw line) as `tradeperf.ingest.jsonl` parses them
    (``parse_float=Decimal``), in line order. An object is plain when its raw line has no
    escape (``\``), no key starts with ``@``, and every value is text, an integer, a
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
            table, ok = run_fast(
                spec, columns, lines, collector.source, collector.limits.max_field_chars
            )
        except FastPathDeclined:
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
    return merge_fast(fast, all_lines, collector, fmt)
