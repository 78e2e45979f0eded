"""Batches of records, all or nothing: the checks `Tracker.record_batch` runs before it books.

A batch (the body of a ``POST /v1/fills`` to the service, or a list a bot hands the tracker)
is **accepted or rejected whole**:

1. every row is validated as the readers validate a line (`tradeperf.tracker.coerce`); a row
   with an unknown field is invalid too. Any invalid row rejects the batch, and the error
   names each bad row (its index from 0) and field (`BatchRejected`, ``reason="invalid"``);
2. ids are checked: a fill or trade id the tracker knows (`Tracker` ``dedup_window``) with the
   same content is a **repeat** (a retry: counted, not booked again); a known id with other
   content, or one id twice in the batch with two contents, rejects the batch naming the ids
   (``reason="conflict"``). A mark repeats or conflicts by its symbol and time; a funding
   payment or cash flow by its whole content within the batch and the dedup window;
3. the books' rules are checked on the whole batch, in its order: a position's fills in time
   order, one feed (fills or logged trades) per strategy and symbol, one multiplier per
   position. A breach rejects the batch (``reason="invalid"``);
4. only then are the records booked, under the tracker's lock, so no other record comes in
   between and none of a rejected batch is ever kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from tradeperf.records import CashFlow, Fill, FundingPayment, Mark, RecordKind, Trade
from tradeperf.tracker.coerce import (
    TrackerInputError,
    to_cash_flow,
    to_fill,
    to_funding,
    to_mark,
    to_trade,
)

__all__ = ["BATCH_KINDS", "MAX_PROBLEMS", "BatchRejected", "BatchResult", "Problem", "coerce_rows"]

#: The kinds a batch may hold (the service's paths: ``/v1/fills``, ``/v1/cash-flows``...).
BATCH_KINDS: Final = ("fills", "trades", "marks", "funding", "cash_flows")
#: At most this many problems are named in one rejection (the count says how many in all).
MAX_PROBLEMS: Final = 100

_RECORD_KINDS: Final = {
    "fills": RecordKind.FILLS,
    "trades": RecordKind.TRADES,
    "marks": RecordKind.MARKS,
    "funding": RecordKind.FUNDING,
    "cash_flows": RecordKind.CASH_FLOWS,
}
_LABELS: Final = {
    "fills": "fill",
    "trades": "trade",
    "marks": "mark",
    "funding": "funding",
    "cash_flows": "cash flow",
}
_ID_FIELDS: Final = {"fills": "fill_id", "trades": "trade_id"}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one row of a batch is refused: its index (from 0), the field and the reason."""

    index: int
    field: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Return ``{"index", "field", "reason"}``."""
        return {"index": self.index, "field": self.field, "reason": self.reason}


class BatchRejected(TrackerInputError):
    """A batch refused whole: nothing of it was booked.

    Attributes
    ----------
    error : ``"invalid"`` (a row fails validation or the books' rules) or ``"conflict"``
        (a known id with other content).
    problems : the first `MAX_PROBLEMS` problems, in row order.
    count : how many problems in all.
    ids : the conflicting ids (``reason="conflict"``).
    """

    def __init__(
        self,
        kind: str,
        reason: str,
        problems: Sequence[Problem],
        *,
        count: int | None = None,
        ids: Sequence[str] = (),
    ) -> None:
        self.problems = list(problems[:MAX_PROBLEMS])
        self.count = len(problems) if count is None else count
        self.ids = list(ids)
        first = self.problems[0] if self.problems else None
        where = f"row {first.index}: {first.reason}" if first else "no row"
        more = f" (and {self.count - 1} more)" if self.count > 1 else ""
        super().__init__(
            _LABELS.get(kind, kind),
            f"batch of {kind} rejected whole ({reason}): {where}{more}; nothing was kept",
            field=first.field if first else None,
        )
        self.batch_kind = kind
        self.error = reason

    def to_json(self) -> dict[str, Any]:
        """Return the rejection as a JSON-able document (the service's error body)."""
        doc: dict[str, Any] = {
            "error": self.error,
            "message": str(self),
            "kind": self.batch_kind,
            "kept": 0,
            "problems": [p.to_json() for p in self.problems],
            "problem_count": self.count,
        }
        if self.ids:
            doc["ids"] = self.ids
        return doc


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What a batch did: received rows, records booked, repeats ignored, the records' ids.

    ``ids`` holds each row's id in order (fill or trade id; a mark's ``SYMBOL@TIME``; none
    for funding and cash flows).
    """

    kind: str
    received: int
    accepted: int
    repeated: int
    ids: list[str] = field(default_factory=list)
    #: the records booked (repeats left out), in order
    records: list[Any] = field(default_factory=list, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return the result as a JSON-able document (the service's 200 body)."""
        return {
            "kind": self.kind,
            "received": self.received,
            "accepted": self.accepted,
            "repeated": self.repeated,
            "ids": self.ids,
        }


def _known_names(kind: RecordKind) -> Callable[[str], bool]:
    from tradeperf.ingest.rows import canonical_name
    from tradeperf.records.kinds import SCHEMAS

    names = set(SCHEMAS[kind].names) - {"source", "source_line"}
    if kind is RecordKind.TRADES:
        names |= {"extra", "news_event_ids", "sentiment_scores"}

    def known(key: str) -> bool:
        return canonical_name(kind, key) in names

    return known


def coerce_rows(
    kind: str,
    rows: Sequence[object],
    *,
    require_id: bool = False,
    within: tuple[dt.datetime, dt.datetime] | None = None,
) -> list[Fill | Trade | Mark | FundingPayment | CashFlow]:
    """Validate every row of a batch of ``kind``; return the records, or raise for them all.

    Parameters
    ----------
    kind
        One of `BATCH_KINDS`.
    rows
        Mappings (JSON objects), in the batch's order.
    require_id
        Refuse a fill or trade without its id (the service: a retry is safe only by id).
    within
        The earliest and latest time a record may carry (the service refuses a fill dated
        in year 1 or 2999: every day between it and the rest would be a window).

    Raises
    ------
    BatchRejected
        Naming every invalid row (index) and field, unknown fields included.
    """
    if kind not in _RECORD_KINDS:
        raise TrackerInputError(kind, f"unknown kind: choose one of {', '.join(BATCH_KINDS)}")
    record_kind = _RECORD_KINDS[kind]
    label = _LABELS[kind]
    known = _known_names(record_kind)
    makers: dict[str, Callable[..., Any]] = {
        "fills": to_fill,
        "trades": to_trade,
        "marks": to_mark,
        "funding": to_funding,
        "cash_flows": to_cash_flow,
    }
    make = makers[kind]
    id_field = _ID_FIELDS.get(kind)
    records: list[Any] = []
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append(Problem(index, None, f"a {label} is a JSON object, not {_what(row)}"))
            continue
        unknown = [str(k) for k in row if not isinstance(k, str) or not known(k)]
        if unknown:
            problems.append(Problem(index, unknown[0], f"unknown field(s) {unknown[:5]}"))
            continue
        if require_id and id_field and row.get(id_field) in (None, ""):
            problems.append(
                Problem(index, id_field, f"{id_field} is required: a retry is safe only by id")
            )
            continue
        try:
            record = make(row)
        except TrackerInputError as exc:
            problems.append(Problem(index, exc.field, exc.reason))
            continue
        except (TypeError, ValueError, ArithmeticError) as exc:  # a value no reader expects
            problems.append(Problem(index, None, f"{type(exc).__name__}: {exc}"))
            continue
        if within is not None:
            late = _out_of(record, within)
            if late is not None:
                problems.append(Problem(index, late[0], late[1]))
                continue
        records.append(record)
    if problems:
        raise BatchRejected(kind, "invalid", problems)
    return records


def _out_of(record: object, within: tuple[dt.datetime, dt.datetime]) -> tuple[str, str] | None:
    """Return the field of ``record`` whose time is outside ``within``, and why; or None."""
    first, last = within
    for name in ("timestamp", "entry_time", "exit_time"):
        at = getattr(record, name, None)
        if at is not None and not first <= at <= last:
            return name, (
                f"{name} {at.isoformat()} is outside {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                "(older records go in as files: tradeperf ingest)"
            )
    return None


def _what(value: object) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def record_key(record: object) -> str | None:
    """Return the identity of ``record`` in the tracker's memory of what it saw.

    ``f:ID`` (a fill), ``t:ID`` (a trade), ``m:SYMBOL@TIME`` (a mark), ``u:CONTENT`` (a
    funding payment or cash flow: its whole content).
    """
    if isinstance(record, Fill):
        return "f:" + record.fill_id
    if isinstance(record, Trade):
        return "t:" + record.trade_id
    if isinstance(record, Mark):
        return f"m:{record.symbol}@{record.timestamp.isoformat()}"
    if isinstance(record, FundingPayment):
        return f"u:funding|{record.account}|{record.symbol}|{record.timestamp.isoformat()}|" + (
            f"{record.amount}|{record.currency}"
        )
    if isinstance(record, CashFlow):
        return (
            f"u:cash|{record.account}|{record.timestamp.isoformat()}|{record.amount}|"
            f"{record.currency}"
        )
    return None


def shown_id(key: str) -> str:
    """Return the id a user gave from a `record_key` (``f:ID`` -> ``ID``)."""
    return key.split(":", 1)[1]


@dataclass(slots=True)
class _Rules:
    """The books' rules, simulated over a batch before any of it is booked."""

    last_fill: dict[tuple[str, str], dt.datetime]
    feeds: dict[tuple[str, str], str]
    multipliers: dict[tuple[str, str], Decimal]


def check_rules(
    kind: str,
    records: Sequence[object],
    *,
    last_fill: Mapping[tuple[str, str], dt.datetime],
    feeds: Mapping[tuple[str, str], str],
    multiplier_of: Callable[[str, str], Decimal | None],
    skip: frozenset[int] = frozenset(),
) -> list[Problem]:
    """Return the rows of a batch the books would refuse (order, feed, multiplier).

    ``last_fill`` (the time of each position's last fill), ``feeds`` (which feed each
    strategy and symbol has) and ``multiplier_of`` come from the tracker's books; rows at
    ``skip`` (repeats) are not booked and not checked.
    """
    rules = _Rules(dict(last_fill), dict(feeds), {})
    problems: list[Problem] = []
    for index, r in enumerate(records):
        if index in skip:
            continue
        if isinstance(r, Fill):
            key = (r.account, r.symbol)
            last = rules.last_fill.get(key)
            if last is not None and r.timestamp < last:
                problems.append(
                    Problem(
                        index,
                        "timestamp",
                        f"{r.symbol}: its last fill is at {last.isoformat()}, this one at "
                        f"{r.timestamp.isoformat()}; a position's fills are booked in time order",
                    )
                )
                continue
            known = rules.multipliers.get(key) or multiplier_of(*key)
            if known is not None and known != r.multiplier:
                problems.append(
                    Problem(
                        index,
                        "multiplier",
                        f"multiplier {r.multiplier} differs from {known} of {r.account}/{r.symbol}",
                    )
                )
                continue
            rules.multipliers[key] = r.multiplier
            rules.last_fill[key] = r.timestamp
            feed = "fills"
        elif isinstance(r, Trade):
            feed = "trades"
        else:
            continue
        had = rules.feeds.setdefault((r.strategy, r.symbol), feed)
        if had != feed:
            problems.append(
                Problem(
                    index,
                    "symbol",
                    f"{r.symbol} of strategy {r.strategy!r} is fed by {had}; a {feed[:-1]} would "
                    "count its P&L twice (record one or the other per strategy and symbol)",
                )
            )
    return problems
