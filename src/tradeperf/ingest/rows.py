"""Helpers shared by row validators: column aliases, row origin, and parsing of raw values.

Format readers hand each row to a kind's validator as a plain mapping of column name to raw
value. Two reserved keys carry where the row came from, so that a validator can fill the
``source``/``source_line`` columns and derive stable ids: `SOURCE_KEY` (the file, as a string)
and `LINE_KEY` (the 1-based line or row number). Readers set them after applying the column mapping,
replacing any source column of the same name (an ``@`` prefix does not occur in real logs).

Column names are matched case-insensitively, with surrounding whitespace removed; each record
kind's aliases (source name -> canonical name) are in `tradeperf.ingest.aliases`.
"""

from __future__ import annotations

import decimal
import functools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final

from tradeperf.ingest.aliases import ALIASES
from tradeperf.ingest.kinds import RowError
from tradeperf.records import RecordKind, to_decimal
from tradeperf.records.text import CONTROL_CHARACTER

#: Reserved row key: the source file the row came from (a string).
SOURCE_KEY: Final = "@source"
#: Reserved row key: the 1-based line (or row) number of the row in its source.
LINE_KEY: Final = "@line"

_SEPARATORS: Final = re.compile(r"[\s\-]+")


@functools.lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """Normalise a column name for matching: trimmed, lower case, spaces and dashes as ``_``.

    Cached: a file repeats the same few column names on every row.
    """
    return _SEPARATORS.sub("_", name.strip().lower())


@functools.cache
def _normalized_aliases(kind: RecordKind) -> dict[str, str]:
    return {normalize_name(a): normalize_name(c) for a, c in ALIASES.get(kind, {}).items()}


def canonical_name(kind: RecordKind, name: str) -> str:
    """Return the canonical column name of ``name`` for ``kind``.

    That is the name ``name`` is an alias of (aliases from `tradeperf.ingest.aliases.ALIASES`),
    else the normalised name itself.

    Parameters
    ----------
    kind
        The record kind whose aliases apply.
    name
        A source column name (any case and separators).
    """
    key = normalize_name(name)
    return _normalized_aliases(kind).get(key, key)


def canonical_columns(kind: RecordKind, names: Iterable[str]) -> frozenset[str]:
    """Canonical names of a set of source columns, for signature matching."""
    return frozenset(canonical_name(kind, n) for n in names)


def resolve_row(
    kind: RecordKind, row: Mapping[str, object], *, canonical: frozenset[str]
) -> dict[str, object]:
    """Rename a row's keys to canonical names.

    A column that already carries a canonical name wins over an alias of it; among several
    aliases of one name, the first in the row wins. Reserved keys (`SOURCE_KEY`, `LINE_KEY`)
    are passed through unchanged.

    Parameters
    ----------
    kind
        The record kind whose aliases apply.
    row
        Raw column name -> value.
    canonical
        The kind's canonical column names.

    Returns
    -------
    dict of canonical (or normalised unknown) name -> value.
    """
    out: dict[str, object] = {}
    exact: set[str] = set()
    for key, value in row.items():
        if key in (SOURCE_KEY, LINE_KEY):
            out[key] = value
            continue
        norm = normalize_name(key)
        if norm in canonical:
            out[norm] = value
            exact.add(norm)
            continue
        target = canonical_name(kind, norm)
        if target in exact or target in out:
            continue
        out[target] = value
    return out


#: How a missing value is spelt in text (compared stripped and lower-cased); the columnar
#: readers use the same set (`tradeperf.ingest.columns`).
NULL_SPELLINGS: Final = frozenset(("", "null", "none", "nan", "n/a", "na"))


def is_missing(value: object) -> bool:
    """Tell whether ``value`` is missing: None, blank, a null spelling of logs and CSV, or NaN.

    The null spellings are `NULL_SPELLINGS`, compared stripped and lower-cased; a float NaN
    is missing too.
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in NULL_SPELLINGS
    return isinstance(value, float) and value != value


def parse_money(value: object, field: str) -> Decimal | None:
    """Read an exact amount (JSON number, Decimal or decimal string); None when missing.

    A float NaN (a typed column, as pandas writes one) is not an amount: missing money is
    an empty cell or null, never NaN, so a NaN rejects the row rather than turning into a
    default.

    Raises
    ------
    RowError
        If the value is present but not a finite number, or a float NaN.
    """
    if isinstance(value, float) and value != value:
        raise RowError("NaN is not an amount (leave a missing amount empty or null)", field=field)
    if is_missing(value):
        return None
    try:
        return to_decimal(value)
    except ValueError as exc:
        detail = str(exc)
        reason = detail if repr(value) in detail else f"not a number: {value!r} ({detail})"
        raise RowError(reason, field=field) from None


def parse_float(value: object, field: str) -> float | None:
    """Read a ratio or score as float64; None when missing.

    Raises
    ------
    RowError
        If the value is present but not a finite number.
    """
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise RowError(f"expected a number, got {value!r}", field=field)
    try:
        result = float(value)  # type: ignore[arg-type]  # any other type raises, caught below
    except (TypeError, ValueError):
        raise RowError(f"not a number: {value!r}", field=field) from None
    if result != result or result in (float("inf"), float("-inf")):
        raise RowError(f"not a finite number: {value!r}", field=field)
    return result


def parse_text(value: object, field: str) -> str | None:
    """Read a text field; numbers are written as their text; None when missing.

    Raises
    ------
    RowError
        If the value is a list or an object, or holds a control character inside it
        (NUL and the other ASCII control codes but tab, LF and CR; surrounding whitespace is
        trimmed first): junk from a damaged file, never part of a symbol or an id.
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if CONTROL_CHARACTER.search(text):
            raise RowError(f"control character in text: {value!r}", field=field)
        return text
    if isinstance(value, bool | dict | list | tuple):
        raise RowError(f"expected text, got {type(value).__name__}", field=field)
    return str(value)


#: Epoch magnitudes: below 1e11 seconds (until year 5138), below 1e14 milliseconds,
#: below 1e17 microseconds, else nanoseconds.
_EPOCH_LIMITS: Final = ((Decimal("1e11"), 0), (Decimal("1e14"), 3), (Decimal("1e17"), 6))
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$")


def parse_timestamp(value: object, field: str) -> datetime | None:
    """Read a point in time as a timezone-aware UTC datetime; None when missing.

    Accepted: ISO-8601 text with ``Z`` or an offset (``2024-03-01T14:05:00Z``,
    ``2024-03-01 14:05:00+01:00``); naive ISO text is taken as UTC; a date alone is midnight
    UTC; a datetime object (naive -> UTC); an epoch number or numeric string, whose unit is
    told by its magnitude: below 1e11 seconds, below 1e14 milliseconds, below 1e17
    microseconds, otherwise nanoseconds. Precision is kept to the microsecond.

    Raises
    ------
    RowError
        If the value is present but not a recognisable time, or out of the range of datetime.
    """
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise RowError(f"not a time: {value!r}", field=field)
    try:
        if isinstance(value, int | float | Decimal):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            return _from_epoch(number)
        if not isinstance(value, str):
            raise RowError(f"not a time: {value!r}", field=field)
        text = value.strip()
        if _NUMERIC.match(text):
            return _from_epoch(Decimal(text))
        iso = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            raise RowError(
                f"not an ISO-8601 time or epoch number: {value!r}", field=field
            ) from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (OverflowError, decimal.InvalidOperation):
        raise RowError(f"time out of range: {value!r}", field=field) from None


def _from_epoch(number: Decimal) -> datetime:
    digits = 9
    for limit, scale in _EPOCH_LIMITS:
        if abs(number) < limit:
            digits = scale
            break
    micros = int((number.scaleb(6 - digits)).to_integral_value())
    return _EPOCH + timedelta(microseconds=micros)


def parse_text_list(value: object, field: str) -> list[str]:
    """Read a list of short texts (tags, ids) from ``value``.

    The value is a JSON list, a JSON-list string, or a comma-, semicolon- or ``|``-separated
    string. Objects in a list give their ``id``/``event_id`` (or their JSON).

    Raises
    ------
    RowError
        If the value is neither a list nor text.
    """
    if is_missing(value):
        return []
    items: list[object]
    if isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text, parse_float=Decimal)
            except json.JSONDecodeError:
                raise RowError(f"malformed list: {value!r}", field=field) from None
            items = loaded if isinstance(loaded, list) else [loaded]
        else:
            items = [p for p in re.split(r"[,;|]", text) if p.strip()]
    else:
        raise RowError(f"expected a list, got {type(value).__name__}", field=field)
    out: list[str] = []
    for item in items:
        if is_missing(item):
            continue
        if isinstance(item, dict):
            ident = item.get("id", item.get("event_id"))
            out.append(str(ident) if ident is not None else to_json_text(item))
        else:
            out.append(str(item).strip())
    return out


def to_json_text(value: object) -> str:
    """Serialise a value to compact JSON with sorted keys (Decimals written as numbers)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_json_default)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def parse_json_field(value: object, field: str) -> tuple[str | None, object]:
    """Read a free-form JSON field (an object, or text holding JSON).

    Returns
    -------
    (compact JSON text or None when missing, the parsed value). Text that is not JSON is
    kept as a JSON string.
    """
    if is_missing(value):
        return None, None
    if isinstance(value, str):
        try:
            parsed: object = json.loads(value, parse_float=Decimal)
        except json.JSONDecodeError:
            parsed = value
    else:
        parsed = value
    try:
        return to_json_text(parsed), parsed
    except (TypeError, ValueError):
        raise RowError(f"cannot be written as JSON: {value!r}", field=field) from None


def row_origin(r: Mapping[str, object]) -> tuple[str | None, int | None]:
    """Return the source and line a reader attached to a resolved row (None where unknown)."""
    source = r.get(SOURCE_KEY)
    line = r.get(LINE_KEY)
    return (None if source is None else str(source)), (line if isinstance(line, int) else None)


def required_time(r: Mapping[str, object]) -> datetime:
    """Return the row's ``timestamp``, aware.

    Raises
    ------
    RowError
        If it is missing or not a time.
    """
    ts = parse_timestamp(r.get("timestamp"), "timestamp")
    if ts is None:
        raise RowError("missing timestamp", field="timestamp")
    return ts
