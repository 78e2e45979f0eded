"""Shared by the format readers: column mappings, row validation into Arrow, and results.

A column mapping says which source column holds a canonical column: ``{"net_pnl":
"profit_usd"}`` (canonical = source). On the command line it is written
``pnl=profit_usd,qty=size``; in a file as a YAML or JSON object of the same pairs. A mapped
column wins over any other column that means the same thing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.errors import ConfigError, InputError
from tradeperf.ingest.base import ReadResult
from tradeperf.ingest.kinds import ColumnBatch, KindSpec, Mask, RowError
from tradeperf.ingest.options import DEFAULT_OPTIONS, Limits
from tradeperf.ingest.rows import LINE_KEY, SOURCE_KEY, canonical_name, normalize_name
from tradeperf.records import SCHEMAS, RecordKind, RejectedRow

#: Longest raw text kept with a rejected row.
RAW_LIMIT = 2000


def parse_mapping(spec: str | Path | Mapping[str, str] | None) -> dict[str, str]:
    """Read a column mapping from ``canonical=source`` pairs, a YAML/JSON file, or a dict.

    Parameters
    ----------
    spec
        ``"pnl=profit_usd,qty=size"``; or the path of a YAML or JSON file (``.json`` is
        read as JSON, anything else as YAML) holding an object of canonical -> source column;
        or such a mapping; or None. Text with ``=`` is pairs, text without is a file path.

    Returns
    -------
    dict of canonical column -> source column (empty for None).

    Raises
    ------
    ConfigError
        If the text is not ``name=column`` pairs or the file is missing or not an object of
        strings.

    Examples
    --------
    >>> parse_mapping("pnl=profit_usd, qty = size")
    {'pnl': 'profit_usd', 'qty': 'size'}
    """
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        loaded: object = dict(spec)
    else:
        text = str(spec)
        path = Path(text)
        if "=" not in text:
            loaded = _load_mapping_file(path)
        else:
            pairs: dict[str, str] = {}
            loaded = pairs
            for part in text.split(","):
                if not part.strip():
                    continue
                name, sep, column = part.partition("=")
                if not sep or not name.strip() or not column.strip():
                    raise ConfigError(f"bad column mapping {part.strip()!r}: use name=column")
                pairs[name.strip()] = column.strip()
    if not isinstance(loaded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
    ):
        raise ConfigError("a column mapping must map column names to column names")
    return dict(loaded)


def _load_mapping_file(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read mapping file {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        import yaml

        return yaml.safe_load(text)
    except (ValueError, ImportError) as exc:
        raise ConfigError(f"mapping file {path} is not valid: {exc}") from None
    except Exception as exc:  # yaml.YAMLError has no common base we can import lazily
        raise ConfigError(f"mapping file {path} is not valid: {exc}") from None


def apply_mapping(
    row: Mapping[str, object], mapping: Mapping[str, str], kind: RecordKind
) -> dict[str, object]:
    """Rename mapped source columns to their canonical names (the mapped column wins).

    Parameters
    ----------
    row
        Raw column -> value.
    mapping
        Canonical (or alias) name -> source column name, matched case-insensitively.
    kind
        The record kind whose aliases resolve the canonical names.
    """
    if not mapping:
        return dict(row)
    by_norm = {normalize_name(k): k for k in row}
    out = dict(row)
    for target_name, source_column in mapping.items():
        key = by_norm.get(normalize_name(source_column))
        if key is None or key not in out:
            continue
        value = out.pop(key)
        target = canonical_name(kind, target_name)
        for other in [k for k in out if k not in (SOURCE_KEY, LINE_KEY)]:
            if canonical_name(kind, other) == target:
                del out[other]
        out[target] = value
    return out


def check_mapping_columns(
    mapping: Mapping[str, str], columns: Iterable[str], *, source: str
) -> None:
    """Raise when a mapping names a source column the file does not have.

    Raises
    ------
    InputError
        Naming the missing column and the columns the file has.
    """
    have = {normalize_name(c) for c in columns}
    for column in mapping.values():
        if normalize_name(column) not in have:
            raise InputError(
                f"the column mapping names column {column!r}, which the file does not have "
                f"(columns: {', '.join(sorted(have)) or 'none'})",
                path=source,
                field=column,
            )


def mapped_columns(
    columns: Iterable[str], mapping: Mapping[str, str], kind: RecordKind
) -> list[str]:
    """Column names after applying ``mapping`` (for kind detection)."""
    return list(apply_mapping(dict.fromkeys(columns), mapping, kind))


def empty_result(source: str, *, kind: RecordKind = RecordKind.TRADES, fmt: str = "") -> ReadResult:
    """Make a result with no rows, in the schema of ``kind``.

    Parameters
    ----------
    source
        The name of the source.
    kind
        The record kind whose schema the empty table has.
    fmt
        The format name the result reports.
    """
    return ReadResult(source=source, kind=kind, table=SCHEMAS[kind].empty_table(), format=fmt)


def unreadable(
    source: str, reason: str, *, kind: RecordKind = RecordKind.TRADES, fmt: str = ""
) -> ReadResult:
    """Make the result of a file that could not be read at all: no rows, one whole-file reject.

    Parameters
    ----------
    source
        The name of the source.
    reason
        Why the file could not be read (the reason of its one reject).
    kind
        The record kind whose schema the empty table has.
    fmt
        The format name the result reports.
    """
    result = empty_result(source, kind=kind, fmt=fmt)
    result.unreadable = True
    result.rejected.append(RejectedRow(source=source, line=None, field=None, reason=reason))
    return result


def cut(raw: str | None) -> str | None:
    """Raw text as kept with a rejected row (at most `RAW_LIMIT` characters)."""
    return None if raw is None else raw[:RAW_LIMIT]


def in_line_order(rejected: Iterable[RejectedRow]) -> list[RejectedRow]:
    """Sort rejects by line, the whole-file ones (no line) last, ties kept in order.

    Parameters
    ----------
    rejected
        The rejects of one source.
    """
    return sorted(rejected, key=lambda r: (r.line is None, r.line or 0))


class RowCollector:
    """Validates rows of one source with a kind's spec, keeping good rows and rejects.

    Parameters
    ----------
    spec
        The record kind's spec.
    source
        The file the rows come from.
    mapping
        Canonical -> source column mapping applied before validation.
    limits
        A text value longer than ``limits.max_field_chars`` rejects its row.
    """

    def __init__(
        self,
        spec: KindSpec,
        source: str,
        mapping: Mapping[str, str],
        *,
        limits: Limits = DEFAULT_OPTIONS.limits,
    ) -> None:
        self.spec = spec
        self.source = source
        self.mapping = mapping
        self.limits = limits
        self.rows: list[dict[str, object]] = []
        self.lines: list[int | None] = []
        self.raws: list[str | None] = []
        self.rejected: list[RejectedRow] = []
        self._fills_source = "source" in spec.schema.names
        self._fills_line = "source_line" in spec.schema.names

    def reject(self, line: int | None, reason: str, *, field: str | None, raw: str | None) -> None:
        """Quarantine one row."""
        self.rejected.append(
            RejectedRow(source=self.source, line=line, field=field, reason=reason, raw=cut(raw))
        )

    def add(self, line: int | None, row: Mapping[str, object], raw: str | None) -> None:
        """Validate one raw row; keep it or quarantine it with its reason."""
        limit = self.limits.max_field_chars
        for key, value in row.items():
            if isinstance(value, str) and len(value) > limit:
                self.reject(
                    line,
                    f"value is {len(value):,} characters long, over the limit of {limit:,} "
                    "(max_field_chars)",
                    field=key,
                    raw=raw,
                )
                return
        data = apply_mapping(row, self.mapping, self.spec.kind)
        data[SOURCE_KEY] = self.source
        data[LINE_KEY] = line
        try:
            valid = self.spec.validate(data)
        except RowError as exc:
            self.reject(line, exc.reason, field=exc.field, raw=raw)
            return
        if self._fills_source and valid.get("source") is None:
            valid["source"] = self.source
        if self._fills_line and valid.get("source_line") is None:
            valid["source_line"] = line
        self.rows.append(valid)
        self.lines.append(line)
        self.raws.append(raw)

    def result(self, fmt: str, *, end_offset: int | None = None) -> ReadResult:
        """Return the good rows as an Arrow table in the kind's schema, with the rejects.

        Parameters
        ----------
        fmt
            The format name the result reports.
        end_offset
            For line-oriented text, the byte offset just past the last complete line (else
            None).
        """
        table, _, rejected = self.finish()
        return ReadResult(
            source=self.source,
            kind=self.spec.kind,
            table=table,
            rejected=rejected,
            format=fmt,
            end_offset=end_offset,
        )

    def finish(self) -> tuple[pa.Table, list[int | None], list[RejectedRow]]:
        """Return the good rows as a table, the line of each, and the rejects sorted by line."""
        schema = self.spec.schema
        try:
            table = pa.Table.from_pylist(self.rows, schema=schema)
            lines = self.lines
        except (pa.ArrowException, ValueError, TypeError, OverflowError):
            table, lines = self._table_row_by_row()
        rejected = in_line_order(self.rejected)
        return table, lines, rejected

    def _table_row_by_row(self) -> tuple[pa.Table, list[int | None]]:
        good: list[dict[str, object]] = []
        lines: list[int | None] = []
        for row, line, raw in zip(self.rows, self.lines, self.raws, strict=True):
            try:
                pa.Table.from_pylist([row], schema=self.spec.schema)
            except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
                self.reject(
                    line,
                    f"value does not fit the {self.spec.kind} schema: {exc}",
                    field=None,
                    raw=raw,
                )
                continue
            good.append(row)
            lines.append(line)
        return pa.Table.from_pylist(good, schema=self.spec.schema), lines


class FastPathDeclined(Exception):
    """The file is outside what a fast reader handles; read it by row."""


def merge_fast(
    fast: pa.Table, fast_lines: np.ndarray, collector: RowCollector, fmt: str
) -> ReadResult:
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


def run_fast(
    spec: KindSpec,
    columns: dict[str, pa.Array],
    lines: np.ndarray,
    source: str,
    max_field_chars: int,
) -> tuple[pa.Table, Mask]:
    """Run ``spec.fast_validate`` on ``columns`` (reserved keys left out).

    Rows with a text value longer than ``max_field_chars`` are left to the row path, which
    rejects them naming the field.

    Parameters
    ----------
    spec
        The kind's spec; it must have a ``fast_validate``.
    columns
        Source column name -> raw values.
    lines
        The 1-based line (or row) number of each row.
    source
        The name recorded with the rows.
    max_field_chars
        The longest text value allowed, in characters.

    Returns
    -------
    The rows the validator is sure of, and their mask.

    Raises
    ------
    FastPathDeclined
        If the validator breaks its contract (then the rows are read by row).
    """
    assert spec.fast_validate is not None
    named = {k: v for k, v in columns.items() if k not in (SOURCE_KEY, LINE_KEY)}
    table, ok = spec.fast_validate(ColumnBatch(columns=named, lines=lines, source=source))
    if table.num_rows != int(ok.sum()) or table.schema != spec.schema:
        raise FastPathDeclined("fast validator broke its contract")
    long = np.zeros(len(lines), dtype=bool)
    for values in named.values():
        text = pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
        # a value has at most as many characters as bytes: count them only when needed
        if text and (pc.max(pc.binary_length(values)).as_py() or 0) > max_field_chars:
            over = pc.fill_null(pc.greater(pc.utf8_length(values), max_field_chars), False)
            long |= np.asarray(over.to_numpy(zero_copy_only=False), bool)
    if (long & ok).any():  # the row path rejects them, naming the field
        table = table.filter(pa.array(~long[ok]))
        ok = ok & ~long
    return table, ok
