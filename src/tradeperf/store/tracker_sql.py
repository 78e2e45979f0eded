"""The live tracker's tables in a SQL store: its state and its snapshots over time.

A tracker (`tradeperf.tracker.Tracker`) flushes its recorded events as appends to its own
source (``tracker://NAME``) together with its state as of the last of them and the snapshots
taken since, in one transaction (`TrackerTables.write_tracker`): a crash leaves the store
before the flush or fully after it, never with events whose state is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tradeperf.errors import ConfigError, InputError, StoreError

if TYPE_CHECKING:
    from tradeperf.store.base import SourceWrite


@dataclass(frozen=True, slots=True)
class TrackerStateRow:
    """A tracker's saved state.

    Its format tag, the sequence number of its last record, the time it was saved and the
    state document (JSON, docs/tracker.md).
    """

    name: str
    format: str
    sequence: int
    saved_at: dt.datetime
    state: str


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One snapshot of a tracker at ``timestamp`` for ``resolution`` (``minute``, ``day``...).

    ``snapshot`` is the JSON document of `tradeperf.tracker.Tracker.snapshot`.
    """

    name: str
    resolution: str
    timestamp: dt.datetime
    snapshot: str


class TrackerTables:
    """What a SQL store provides for the tracker (a mixin of `tradeperf.store.sql.SQLStore`)."""

    # provided by the SQL store
    _exec: Any
    _fetch: Any
    _transaction: Any
    _lock: Any
    _write_sources_locked: Any

    def write_tracker(
        self,
        items: Sequence[SourceWrite],
        state: TrackerStateRow,
        snapshots: Sequence[SnapshotRow] = (),
        keep: dict[str, dt.timedelta | None] | None = None,
    ) -> int:
        """Store a tracker's events, its state and its snapshots in one transaction.

        Parameters
        ----------
        items
            The events as appends to the tracker's source (`Store.write_sources`).
        state
            Its state as of the last of them; it replaces the one saved before.
        snapshots
            Snapshots taken since the last flush (a snapshot already stored at the same
            name, resolution and time is replaced).
        keep
            Retention per resolution: snapshots older than ``saved_at − keep`` are deleted
            (None: kept forever).

        Returns
        -------
        int, the number of new records stored.

        Raises
        ------
        StoreError
            If the write fails; then nothing of it is stored.
        """
        try:
            with self._transaction():
                self._lock()
                inserted = self._write_sources_locked(items, repr(state.name)) if items else 0
                self._exec("DELETE FROM tracker_state WHERE name = ?", [state.name])
                self._exec(
                    "INSERT INTO tracker_state VALUES (?, ?, ?, ?, ?)",
                    [state.name, state.format, state.sequence, state.saved_at, state.state],
                )
                for snap in snapshots:
                    self._exec(
                        "DELETE FROM tracker_snapshots WHERE name = ? AND resolution = ? "
                        "AND timestamp = ?",
                        [snap.name, snap.resolution, snap.timestamp],
                    )
                    self._exec(
                        "INSERT INTO tracker_snapshots VALUES (?, ?, ?, ?)",
                        [snap.name, snap.resolution, snap.timestamp, snap.snapshot],
                    )
                for resolution, span in (keep or {}).items():
                    if span is not None:
                        self._exec(
                            "DELETE FROM tracker_snapshots WHERE name = ? AND resolution = ? "
                            "AND timestamp < ?",
                            [state.name, resolution, state.saved_at - span],
                        )
        except (StoreError, InputError, ConfigError):
            raise
        except Exception as exc:
            raise StoreError(f"cannot store the tracker {state.name!r}: {exc}") from exc
        return inserted

    def tracker_state(self, name: str) -> TrackerStateRow | None:
        """Return the state the tracker ``name`` saved last, or None if it never flushed."""
        rows = self._fetch(
            "SELECT name, format, sequence, saved_at, state FROM tracker_state WHERE name = ?",
            [name],
        )
        if not rows:
            return None
        n, fmt, seq, at, state = rows[0]
        return TrackerStateRow(n, fmt, int(seq), _utc(at), state)

    def tracker_snapshots(
        self,
        name: str,
        resolution: str,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[SnapshotRow]:
        """Return the tracker's snapshots of ``resolution`` in [since, until), in time order."""
        sql = "SELECT name, resolution, timestamp, snapshot FROM tracker_snapshots "
        sql += "WHERE name = ? AND resolution = ?"
        params: list[Any] = [name, resolution]
        if since is not None:
            sql += " AND timestamp >= ?"
            params.append(since)
        if until is not None:
            sql += " AND timestamp < ?"
            params.append(until)
        rows = self._fetch(sql + " ORDER BY timestamp", params)
        return [SnapshotRow(n, r, _utc(t), s) for n, r, t, s in rows]


def _utc(at: dt.datetime) -> dt.datetime:
    """Return a stored TIMESTAMPTZ as an aware UTC datetime."""
    if at.tzinfo is None:
        return at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC)
