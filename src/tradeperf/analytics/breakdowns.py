"""Breakdowns of the closed trades by any of their attributes, alone or in combination.

A breakdown groups the closed round trips of a summary by one or more keys (`KEYS`) and gives
each group the summary's figures, computed as if the group traded the whole account
(`group_figures`, from the same starting equity). The labels of every trade are computed on
the columns at once (Arrow, NumPy); only the groups are iterated.

A trade with several tags counts in the group of each of its tags, so with ``tag`` among the
keys the groups need not add up to the total (`Breakdown.overlapping`). A trade without the
attribute is in the group `NONE`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.figures import ClosedTrades, Figure, group_figures
from tradeperf.analytics.windows import local_days, local_minutes
from tradeperf.calendars import weekdays
from tradeperf.errors import ConfigError
from tradeperf.sessions import Session
from tradeperf.store.partials_sql import LABEL_SEP, NONE_LABEL

#: What a breakdown can group by, and what each means.
KEYS: Final = {
    "strategy": "the trade's strategy",
    "symbol": "the traded symbol",
    "side": "long or short",
    "hour": "the hour of the exit, 00 to 23, in the reporting timezone",
    "entry_hour": "the hour of the entry, 00 to 23, in the reporting timezone",
    "weekday": "the weekday of the exit in the reporting timezone, Mon to Sun",
    "exit_reason": "why the trade was closed (freqtrade's exit_reason, a bot's reason)",
    "tag": "each of the trade's tags (freqtrade's enter_tag is a tag); a trade counts once per tag",
    "signal": "the signal_id that opened the trade",
    "session": "each named session (the `sessions` setting) the exit falls in, local time",
    "account": "the account traded in (a round trip from fills: that of its position)",
    "venue": "the venue or exchange (a round trip from fills: that of its opening fill)",
}
#: The keys that can put one trade in several groups (the groups then overlap).
SPLITTING: Final = frozenset({"tag", "session"})
#: The label of a trade without the attribute.
NONE: Final = NONE_LABEL
#: The labels of ``weekday``, Monday first.
WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_COLUMN: Final = {"signal": "signal_id"}


def check_keys(keys: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Return ``keys`` checked and without repeats, in the order given.

    Parameters
    ----------
    keys
        Names from `KEYS`, e.g. ``("strategy", "symbol")``.

    Raises
    ------
    ConfigError
        If a key is unknown.

    Examples
    --------
    >>> check_keys(["strategy", "hour", "strategy"])
    ('strategy', 'hour')
    """
    out: list[str] = []
    for key in keys:
        k = key.strip().lower()
        if k not in KEYS:
            raise ConfigError(f"--by {key!r}: expected one of {', '.join(KEYS)}")
        if k not in out:
            out.append(k)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Group:
    """One group of a breakdown: its label per key and its figures."""

    key: tuple[str, ...]
    figures: dict[str, Figure]


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The figures of the closed trades per group of ``by``.

    Attributes
    ----------
    by
        The keys grouped by (`KEYS`), in order.
    groups
        One `Group` per combination of labels that some trade has, sorted by label (hours
        and weekdays in their natural order).
    overlapping
        True when a trade can be in several groups (a key of `SPLITTING`): the groups then
        need not add up to the total.
    last
        When set, each group holds only its last ``last`` closed trades.
    """

    by: tuple[str, ...]
    groups: list[Group]
    overlapping: bool
    last: int | None = None


def labels(
    table: pa.Table, key: str, tz: ZoneInfo, sessions: tuple[Session, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Give the label(s) of each trade of ``table`` for ``key``, as (row, label) pairs.

    Parameters
    ----------
    table
        Closed trades (`TRADE_SCHEMA`), in exit order.
    key
        One of `KEYS`.
    tz
        The reporting timezone (hours and weekdays are local).
    sessions
        The named sessions, for ``session``.

    Returns
    -------
    tuple
        ``rows`` (int64, ascending) and ``labels`` (object array of str): one pair per trade,
        or one per tag of a trade for ``tag`` (a trade without a tag: one pair, `NONE`).

    Examples
    --------
    >>> t = dt.datetime(2024, 5, 1, 23, 30, tzinfo=dt.UTC)
    >>> table = pa.table({"exit_time": pa.array([t], pa.timestamp("us", tz="UTC"))})
    >>> labels(table, "hour", ZoneInfo("Europe/Berlin"))[1].tolist()
    ['01']
    """
    n = table.num_rows
    rows = np.arange(n, dtype=np.int64)
    if key == "tag":
        tags = table.column("tags").combine_chunks()
        flat = pc.list_flatten(tags)
        parents = np.asarray(pc.list_parent_indices(tags).to_numpy(zero_copy_only=False))
        none = np.setdiff1d(rows, parents)
        all_rows = np.concatenate((parents.astype(np.int64), none))
        all_labels = np.concatenate(
            (np.array(flat.to_pylist(), dtype=object), np.full(len(none), NONE, dtype=object))
        )
        order = np.argsort(all_rows, kind="stable")
        return all_rows[order], all_labels[order]
    # hours and sessions are read on the clock, a weekday is that of the (trading) day
    if key == "session":
        minutes = local_minutes(table.column("exit_time"), tz)
        member = [s.contains(minutes) & (minutes >= 0) for s in sessions]
        pair_rows = [np.flatnonzero(m) for m in member]
        pair_names = [
            np.full(len(r), s.name, dtype=object) for r, s in zip(pair_rows, sessions, strict=True)
        ]
        outside = np.flatnonzero(~np.logical_or.reduce(member)) if member else rows
        all_rows = np.concatenate([*pair_rows, outside]).astype(np.int64)
        all_names = np.concatenate([*pair_names, np.full(len(outside), NONE, dtype=object)])
        order = np.argsort(all_rows, kind="stable")
        return all_rows[order], all_names[order]
    if key in ("hour", "entry_hour", "weekday"):
        column = table.column("entry_time" if key == "entry_hour" else "exit_time")
        if key == "weekday":
            days = local_days(column, tz)
            names = np.array(WEEKDAYS, dtype=object)
            valid = ~np.isnat(days)
            out = np.full(n, NONE, dtype=object)
            out[valid] = names[weekdays(days[valid])]
            return rows, out
        minutes = local_minutes(column, tz)
        hour_names = np.array([f"{h:02d}" for h in range(24)], dtype=object)
        out = np.full(n, NONE, dtype=object)
        out[minutes >= 0] = hour_names[minutes[minutes >= 0] // 60]
        return rows, out
    values = table.column(_COLUMN.get(key, key)).to_pylist()
    return rows, np.array([NONE if v in (None, "") else str(v) for v in values], dtype=object)


def sort_key(key: str, label: str) -> tuple[int, str]:
    """Give the sort key of a group label: labels in order, weekdays Mon..Sun, `NONE` last.

    Parameters
    ----------
    key
        The breakdown key.
    label
        The group's label for it.
    """
    if label == NONE:
        return (1, "")
    if key == "weekday":
        return (0, str(WEEKDAYS.index(label)))
    return (0, label)


def breakdown(
    trades: ClosedTrades,
    table: pa.Table,
    by: tuple[str, ...],
    *,
    tz: ZoneInfo,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    last: int | None = None,
    sessions: tuple[Session, ...] = (),
) -> Breakdown:
    """Compute the figures of each group of the closed trades by the keys ``by``.

    Parameters
    ----------
    trades
        The closed trades, in exit order.
    table
        The same trades as a `TRADE_SCHEMA` table, row for row.
    by
        Keys from `KEYS` (checked with `check_keys`).
    tz
        The reporting timezone.
    equity_start
        The equity each group starts from (currency), as for the overall figures.
    first_day, last_day
        The days daily returns are taken over (None without trades).
    last
        Keep only the last ``last`` closed trades of each group (None: all).
    sessions
        The named sessions, for the key ``session``.

    Returns
    -------
    Breakdown
        The groups with their figures.
    """
    n = len(trades)
    pair_rows = np.arange(n, dtype=np.int64)
    pair_labels: list[np.ndarray] = []
    overlapping = bool(SPLITTING & set(by))
    for key in by:
        rows, names = labels(table, key, tz, sessions)
        # join the pairs so far with this key's pairs on the row
        counts = np.bincount(rows, minlength=n)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        reps = counts[pair_rows]
        take = np.repeat(starts[pair_rows], reps) + _ranges(reps)
        pair_labels = [a[np.repeat(np.arange(len(pair_rows)), reps)] for a in pair_labels]
        pair_labels.append(names[take])
        pair_rows = np.repeat(pair_rows, reps)
    # the rows of each combination of labels, in exit order, found on the columns
    groups: dict[tuple[str, ...], np.ndarray] = {}
    if pair_labels and len(pair_rows):
        joined = pc.binary_join_element_wise(
            *(pa.array(a, pa.string()) for a in pair_labels), LABEL_SEP
        ).dictionary_encode()
        codes = np.asarray(joined.indices.to_numpy(zero_copy_only=False), np.int64)
        order = np.argsort(codes, kind="stable")
        cuts = np.flatnonzero(np.diff(codes[order])) + 1
        for part in np.split(order, cuts):
            combo = tuple(str(joined.dictionary[int(codes[part[0]])]).split(LABEL_SEP))
            groups[combo] = pair_rows[part]
    out = []
    for combo in sorted(groups, key=lambda c: [sort_key(k, v) for k, v in zip(by, c, strict=True)]):
        rows = groups[combo]
        if last is not None:
            rows = rows[-last:]
        group = trades.take(rows)
        lo, hi = first_day, last_day
        if last is not None and len(rows):
            lo = max(first_day, group.day.min().item()) if first_day else group.day.min().item()
        figures = group_figures(group, equity_start=equity_start, first_day=lo, last_day=hi)
        out.append(Group(combo, figures))
    return Breakdown(by, out, overlapping, last)


def _ranges(counts: np.ndarray) -> np.ndarray:
    """Give 0..c-1 for each count c, concatenated (``[2, 0, 3]`` → ``[0, 1, 0, 1, 2]``)."""
    if not len(counts):
        return np.zeros(0, np.int64)
    ends = np.cumsum(counts)
    return np.asarray(np.arange(int(ends[-1]), dtype=np.int64) - np.repeat(ends - counts, counts))
