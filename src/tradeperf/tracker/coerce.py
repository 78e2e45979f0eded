"""What a bot hands the tracker, made into records: plain values, dicts, records, table rows.

Each ``to_*`` function takes the record itself (`Fill`, `Trade`, ...), a mapping of field
names to values (any name the file readers accept: ``qty`` for ``quantity``, the news bot's
``asset``/``pnl`` layout for trades), a pandas ``Series`` or one-row ``DataFrame``, or a
Polars row (``df.row(i, named=True)``) or one-row ``DataFrame``, and validates it with the
readers' own row validators (`tradeperf.ingest.fills`, `tradeperf.ingest.trades`), so a value
is read the same way live as in a file. Times must be timezone-aware: a naive time is
refused (in a file it is read as UTC; live it is more likely a bug of the bot's clock).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final, TypeVar

from tradeperf.errors import InputError
from tradeperf.ingest.kinds import RowError
from tradeperf.records import CashFlow, Fill, FundingPayment, Mark, RecordKind, Trade

__all__ = ["TrackerInputError", "to_cash_flow", "to_fill", "to_funding", "to_mark", "to_trade"]

R = TypeVar("R")

_TIME_FIELDS: Final = ("timestamp", "entry_time", "exit_time")
_NUMERIC: Final = re.compile(r"^\s*[+-]?\d+(\.\d*)?([eE][+-]?\d+)?\s*$")


class TrackerInputError(InputError):
    """A record handed to the tracker is invalid: names the record kind and the field.

    Nothing of the record is applied.
    """

    def __init__(self, kind: str, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"{kind}: {reason}", field=field)
        self.kind = kind


def as_mapping(value: object, kind: str) -> dict[str, Any]:
    """Return a record given as a mapping, a pandas or a Polars row as a plain dict.

    Raises
    ------
    TrackerInputError
        For anything else, or a frame that does not hold exactly one row.
    """
    if isinstance(value, Mapping):
        return dict(value)
    module = type(value).__module__.split(".")[0]
    if module == "pandas":
        if hasattr(value, "to_dict") and hasattr(value, "index") and not hasattr(value, "columns"):
            return dict(value.to_dict())  # a Series: one row
        if hasattr(value, "to_dict") and hasattr(value, "columns"):
            rows = value.to_dict("records")
            if len(rows) != 1:
                raise TrackerInputError(kind, f"a DataFrame of {len(rows)} rows is not one record")
            return dict(rows[0])
    if module == "polars" and hasattr(value, "to_dicts"):
        rows = value.to_dicts()
        if len(rows) != 1:
            raise TrackerInputError(kind, f"a DataFrame of {len(rows)} rows is not one record")
        return dict(rows[0])
    if isinstance(value, tuple) and hasattr(value, "_asdict"):  # a named tuple (itertuples)
        return dict(value._asdict())
    raise TrackerInputError(kind, f"cannot read a record from {type(value).__name__}")


def _naive(value: object) -> bool:
    """Whether ``value`` is a time without a zone (a naive datetime or ISO text)."""
    if isinstance(value, datetime):
        return value.tzinfo is None or value.utcoffset() is None
    if isinstance(value, date):
        return True  # a date alone: midnight where?
    if hasattr(value, "dtype") and "datetime64" in str(getattr(value, "dtype", "")):
        return True  # a NumPy datetime64 carries no zone
    if isinstance(value, str):
        text = value.strip()
        if not text or _NUMERIC.match(text) or text[-1:] in ("Z", "z"):
            return False
        try:
            return datetime.fromisoformat(text).tzinfo is None
        except ValueError:
            return False  # the validator names it
    return False


def _check_zones(kind: RecordKind, row: dict[str, Any], label: str) -> dict[str, Any]:
    from tradeperf.ingest.rows import canonical_columns, resolve_row

    resolved = resolve_row(kind, row, canonical=canonical_columns(kind, row))
    for name in _TIME_FIELDS:
        value = resolved.get(name)
        if value is not None and _naive(value):
            raise TrackerInputError(
                label,
                f"{name} {value!r} has no timezone: give an aware time (UTC or with an offset)",
                field=name,
            )
    return resolved


def _validated(
    kind: RecordKind,
    label: str,
    value: object,
    fields: dict[str, Any],
    default_id: str | None = None,
) -> dict[str, Any]:
    row = as_mapping(value, label) if value is not None else {}
    row.update({k: v for k, v in fields.items() if v is not None})
    row = _check_zones(kind, row, label)
    if default_id is not None and row.get("fill_id") in (None, ""):
        row["fill_id"] = default_id
    from tradeperf.ingest import fills, trades

    validate = {
        RecordKind.FILLS: fills.validate_fill,
        RecordKind.MARKS: fills.validate_mark,
        RecordKind.FUNDING: fills.validate_funding,
        RecordKind.CASH_FLOWS: fills.validate_cash_flow,
        RecordKind.TRADES: trades.validate_trade,
    }[kind]
    try:
        return validate(row)
    except RowError as exc:
        raise TrackerInputError(label, exc.reason, field=exc.field) from None


def _build(cls: type[R], label: str, names: tuple[str, ...], row: dict[str, Any]) -> R:
    try:
        return cls(**{n: row[n] for n in names if n in row})
    except (TypeError, ValueError) as exc:
        raise TrackerInputError(label, str(exc)) from None


_FILL_FIELDS: Final = tuple(Fill.__dataclass_fields__)
_TRADE_FIELDS: Final = tuple(n for n in Trade.__dataclass_fields__ if n != "extra")


def to_fill(value: object = None, *, default_id: str | None = None, **fields: Any) -> Fill:
    """Return ``value`` (a `Fill`, a mapping or a table row) or ``fields`` as a `Fill`.

    ``fields`` given with a ``value`` override its fields. A fill without ``fill_id`` gets
    ``default_id`` (the tracker numbers it).

    Raises
    ------
    TrackerInputError
        Naming the field, for an invalid or naive value.

    Examples
    --------
    >>> f = to_fill(symbol="BTC-USD", side="buy", qty="0.5", price=64000,
    ...             timestamp="2024-05-01T12:00:00Z", fill_id="f1")
    >>> f.side.value, f.quantity == 0.5
    ('BUY', True)
    >>> to_fill(symbol="X", side="buy", qty=1, price=1, timestamp="2024-05-01T12:00:00")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tradeperf.tracker.coerce.TrackerInputError: fill: timestamp ... has no timezone: ...
    """
    if type(value) is Fill and not fields:
        return value
    if isinstance(value, Fill):
        value = {n: getattr(value, n) for n in _FILL_FIELDS}
    row = _validated(RecordKind.FILLS, "fill", value, fields, default_id)
    if row.get("tags") is not None:
        row["tags"] = tuple(row["tags"])
    extra = {}
    for name in _FILL_FIELDS:
        if name not in row and name in fields:
            extra[name] = fields[name]
    return _build(Fill, "fill", _FILL_FIELDS, {**row, **extra})


def to_trade(value: object = None, **fields: Any) -> Trade:
    """Return ``value`` (a `Trade`, a mapping or a table row) or ``fields`` as a `Trade`.

    Raises
    ------
    TrackerInputError
        Naming the field, for an invalid or naive value.

    Examples
    --------
    >>> t = to_trade({"asset": "ETH-USD", "pnl": 12.5, "exit_time": "2024-05-01T12:00:00Z"})
    >>> t.symbol, t.net_pnl == 12.5, t.status.value
    ('ETH-USD', True, 'CLOSED')
    """
    if type(value) is Trade and not fields:
        return value
    if isinstance(value, Trade):
        value = {n: getattr(value, n) for n in _TRADE_FIELDS}
    row = _validated(RecordKind.TRADES, "trade", value, fields)
    from tradeperf.records import PositionSide, TradeStatus

    row["side"] = PositionSide(row["side"])
    row["status"] = TradeStatus(row["status"])
    for name in ("tags", "news_event_ids"):
        row[name] = tuple(row.get(name) or ())
    return _build(Trade, "trade", _TRADE_FIELDS, row)


def to_mark(value: object = None, **fields: Any) -> Mark:
    """Return ``value`` or ``fields`` (symbol, price, timestamp) as a `Mark`.

    Raises
    ------
    TrackerInputError
        Naming the field, for an invalid or naive value.
    """
    return _to_record(Mark, RecordKind.MARKS, "mark", value, fields)


def to_funding(value: object = None, **fields: Any) -> FundingPayment:
    """Return ``value`` or ``fields`` (symbol, amount, timestamp, ...) as a `FundingPayment`.

    Raises
    ------
    TrackerInputError
        Naming the field, for an invalid or naive value.
    """
    return _to_record(FundingPayment, RecordKind.FUNDING, "funding", value, fields)


def to_cash_flow(value: object = None, **fields: Any) -> CashFlow:
    """Return ``value`` or ``fields`` (amount, timestamp, ...) as a `CashFlow`.

    Raises
    ------
    TrackerInputError
        Naming the field, for an invalid or naive value.
    """
    return _to_record(CashFlow, RecordKind.CASH_FLOWS, "cash flow", value, fields)


def _to_record(
    cls: type[R], kind: RecordKind, label: str, value: object, fields: dict[str, Any]
) -> R:
    """``value`` (a ``cls``, a mapping or a table row) or ``fields`` as a ``cls`` dataclass."""
    if type(value) is cls and not fields:
        return value
    names = tuple(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    if isinstance(value, cls):
        value = {n: getattr(value, n) for n in names}
    return _build(cls, label, names, _validated(kind, label, value, fields))
