"""The store interface: what every backend (DuckDB, PostgreSQL) provides.

The store only keeps records; it knows nothing of figures. A source file's rows, its rejected
rows and its ingestion-index entry are written in one transaction (`Store.write_source`), so a
crash leaves the store as it was before that file or fully after it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa

from tradeperf.ingest.base import ReadResult
from tradeperf.records import Alert, RecordKind
from tradeperf.sessions import Session

#: Natural key of each record kind: a row whose key is already stored is not stored again.
NATURAL_KEYS: Final[dict[RecordKind, tuple[str, ...]]] = {
    RecordKind.TRADES: ("trade_id",),
    RecordKind.FILLS: ("fill_id",),
    RecordKind.MARKS: ("symbol", "timestamp"),
    RecordKind.FUNDING: ("source", "source_line"),
    RecordKind.CASH_FLOWS: ("source", "source_line"),
    RecordKind.FX_RATES: ("date", "currency", "base"),
    RecordKind.QUOTES: ("source", "source_line"),
    RecordKind.PUBLIC_TRADES: ("symbol", "trade_id"),
}


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """The ingestion-index entry of one source file.

    ``end_offset`` is the byte offset just past the last complete line read (line-oriented
    formats) or the file size (whole-file formats); ``checksum`` is the content digest and
    ``prefix_checksum`` the fingerprint of the first ``end_offset`` bytes, by which a grown log
    is recognised as the same log; ``digest_state`` lets the digest of a grown log go on
    from its last whole block (all three defined in `tradeperf.pipeline`); ``end_line``
    is the number of lines before ``end_offset`` (0: not known); ``options`` is the
    `tradeperf.ingest.options.ReadOptions.identity` the file was read with (a file read with
    other options is read again in full); ``capital`` and ``currency`` are the account the
    source states for itself (`ReadResult.capital`), empty when none.
    """

    path: str
    size: int
    mtime_ns: int
    checksum: str
    prefix_checksum: str
    end_offset: int
    format: str
    kind: str
    rows: int
    rejected: int
    unreadable: bool
    ingested_at: datetime
    digest_state: str = ""
    end_line: int = 0
    options: str = ""
    capital: str = ""
    currency: str = ""


@dataclass(frozen=True, slots=True)
class SourceWrite:
    """One source to write: its index entry, what was read, and how to store it.

    ``replace`` True: it replaces the source's earlier rows; False: it adds to them.
    An appended part (``replace=False``) was read from line ``after_line + 1`` on: the rejects
    stored earlier for those lines (a last line that was still being written) are replaced
    by what this read found. ``after_line`` None: nothing was read again (an entry update).
    """

    entry: SourceEntry
    result: ReadResult
    replace: bool
    after_line: int | None = None


@dataclass(frozen=True, slots=True)
class TradeQuery:
    """Which trades to load: all filters optional, times are UTC, ``end`` exclusive."""

    start: datetime | None = None
    end: datetime | None = None
    strategies: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    #: (currency, account currency): only trades in ``currency``, a trade without one being
    #: in the account currency; None: every currency.
    currency: tuple[str, str] | None = None
    #: Only the trades exiting in this session of the local clock of ``session_tz``.
    session: Session | None = None
    session_tz: str = "UTC"


@dataclass(frozen=True, slots=True)
class Grouping:
    """How `Store.trade_partials` groups the trades it selects.

    Attributes
    ----------
    keys : breakdown keys (`tradeperf.analytics.breakdowns.KEYS`); a trade with several tags
        counts in each tag's group. None: one group.
    last : keep the last ``last`` closed trades (exit order), or all.
    each : with ``last``: the last of each group (True), or the last of all, grouped.
    sessions : the named sessions, for the key ``session``.
    """

    keys: tuple[str, ...] = ()
    last: int | None = None
    each: bool = True
    sessions: tuple[Session, ...] = ()


@dataclass(frozen=True, slots=True)
class SlippageSum:
    """Sums over the fills that carry a reference price, of which a mean slippage is made.

    ``weighted_bps`` is Σ w·b and ``notional`` Σ w over the ``fills``, with b each fill's
    slippage in basis points and w its absolute notional, ``|quantity × price × multiplier|``
    (`tradeperf.metrics.execution`, whose ``mean_slippage_bps`` is Σ w·b / Σ w). Sums add.
    """

    weighted_bps: float
    notional: float
    fills: int

    def __add__(self, other: SlippageSum) -> SlippageSum:
        """Give the sums of both sets of fills."""
        return SlippageSum(
            self.weighted_bps + other.weighted_bps,
            self.notional + other.notional,
            self.fills + other.fills,
        )


#: No fill: the sums' zero.
NO_SLIPPAGE: Final = SlippageSum(0.0, 0.0, 0)


@dataclass(frozen=True, slots=True)
class SlippageSums:
    """What `Store.slippage` gives: the sums per (strategy, symbol) and per reporting day.

    ``groups`` has a key for every (strategy, symbol) with a fill that carries a reference
    price; ``days`` one for every local day with one (empty when no day key was asked for).
    Both cover the same fills, so the groups' sums and the days' sums agree.
    """

    groups: dict[tuple[str, str], SlippageSum] = field(default_factory=dict)
    days: dict[date, SlippageSum] = field(default_factory=dict)

    def total(self) -> SlippageSum:
        """Give the sums over every fill."""
        out = NO_SLIPPAGE
        for s in self.groups.values():
            out = out + s
        return out


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What a store holds: rows per table, the trade date range, sources and rejects.

    ``url`` is the store's URL with its password masked; ``rejected_rows`` counts the
    rejected rows of readable files (an unreadable file counts once, in
    ``unreadable_files``).

    ``partial_days`` maps each maintained reporting timezone to (days with partials, first
    day, last day); ``recent_sources`` lists the last files ingested as (path, kind, rows,
    rejected, ingested_at); ``books`` says how the books of the fills are kept (cost basis,
    timezones, round trips, checkpoints, prune horizon), None when they are not.
    """

    url: str
    schema_version: int
    counts: dict[str, int]
    first_exit: datetime | None
    last_exit: datetime | None
    sources: int
    unreadable_files: int
    rejected_rows: int
    size_bytes: int | None
    partial_days: dict[str, tuple[int, date | None, date | None]] = field(default_factory=dict)
    recent_sources: list[tuple[object, ...]] = field(default_factory=list)
    books: str | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert's lifecycle state as the store keeps it (`tradeperf.alerts.lifecycle`).

    ``state`` is the whole state as the alerts' JSON; the other fields are copies of it the
    store can filter on.
    """

    key: str
    alert_id: str
    rule: str
    status: str
    severity: str
    state: str


@dataclass(frozen=True, slots=True)
class AlertEventRow:
    """One entry of the alerts' append-only event log (value as exact decimal text)."""

    at: datetime
    alert_id: str
    kind: str
    severity: str
    value: str | None
    message: str


@dataclass(frozen=True, slots=True)
class SilenceRow:
    """A silence of alerts: a rule pattern and scope, from ``starts_at`` to ``ends_at``."""

    rule: str
    strategy: str | None
    symbol: str | None
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """A notification in the alerts' outbox, kept until every sink it is for has it.

    ``key`` is unique (a notice is kept once); ``notice`` is the event as JSON; ``pending``
    the names of the sinks still to deliver to; ``attempts`` the deliveries tried; ``settled_at``
    when nothing was left to deliver (delivered, or given up: ``last_error`` says why).
    ``seq`` is given by the store (0 for a new row).
    """

    key: str
    created_at: datetime
    notice: str
    pending: tuple[str, ...]
    attempts: int = 0
    last_error: str | None = None
    settled_at: datetime | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True)
class BookingNote:
    """What a write booked.

    ``symbols`` whose books changed, ``resumed`` positions booked again from a checkpoint,
    ``from_start`` symbols booked from their first fill, ``fills`` read to do it, and
    ``earliest``, the first instant the write changed (a fill earlier than those already
    booked re-books its position from there; ``late`` names those symbols, each with the
    instant it was booked again from).
    """

    symbols: int
    resumed: int
    fills: int
    earliest: datetime | None
    from_start: int
    late: dict[str, datetime] = field(default_factory=dict)


class Store(abc.ABC):
    """A place that keeps records. Backends: `DuckDBStore` (default), `PostgresStore`.

    ``url`` is the store's URL as it may be shown: a password in it is masked
    (`tradeperf.store.redact_url`).
    """

    url: str
    #: Books what a write brings (`tradeperf.analytics.booking.booker`): called as
    #: ``booker(fills, marks, funding, timezones, resume=checkpoints)`` inside the write's
    #: transaction with the fills, marks and funding of the positions the write touches that
    #: follow each one's latest checkpoint before the change (all of them for a position with
    #: none), it returns the round trips, daily books and checkpoints to keep (``.trades``,
    #: ``.days``, ``.checkpoints``); its ``cost_basis`` (an enum, ``.value`` its name) is
    #: recorded with them. None: the store keeps no books, and a write of fills, marks or
    #: funding drops any it kept (summaries then book the fills themselves).
    booker: Any = None
    #: What the last write booked (`BookingNote`), None before one.
    booking: BookingNote | None = None
    #: After `prune`: per booked kind, the rows older than the horizon kept because a round
    #: trip open then still needs them.
    pruned_kept: dict[str, int] = {}  # noqa: RUF012 (replaced, never mutated)

    def __repr__(self) -> str:
        """Show the store's class and its (password-masked) URL."""
        return f"{type(self).__name__}({self.url!r})"

    def stored_books(self, tz: str, cost_basis: str) -> tuple[pa.Table, pa.Table] | None:
        """Return the books kept at ingest for reporting timezone ``tz`` with ``cost_basis``.

        The books are (daily rows of every scope, round trips), or None when none are kept for
        them (default).
        """
        del tz, cost_basis
        return None

    def latest_checkpoints(self) -> pa.Table | None:
        """Return the latest checkpoint of the account's books of each position.

        These are `tradeperf.records.BOOK_CHECKPOINT_SCHEMA` rows of scope ``""``, or None when
        the store keeps no books (default).
        """
        return None

    def books_pruned(self) -> datetime | None:
        """Return the prune horizon of the kept books.

        Raw fills, marks and funding before it may be gone, so the books can no longer be
        booked again from the fills (None: nothing booked was pruned; the default).
        """
        return None

    @abc.abstractmethod
    def source_entry(self, path: str) -> SourceEntry | None:
        """Return the index entry of ``path`` (absolute), or None if it was never ingested."""

    @abc.abstractmethod
    def source_entries(self) -> dict[str, SourceEntry]:
        """Every index entry, by path."""

    @abc.abstractmethod
    def write_sources(self, items: Sequence[SourceWrite]) -> int:
        """Store several sources' rows, rejects and index entries in one transaction.

        Each item either replaces what was read earlier from its source (the file was
        rewritten: ``replace=True``) or adds to it (a grown log read from its offset). Rows
        whose natural key is already stored are skipped, so re-reading never counts twice.

        Returns
        -------
        int, the number of new rows stored: a row whose natural key was stored before this
        write is not new, also when its file was read again in full and its rows replaced.

        Raises
        ------
        StoreError
            If the write fails; then nothing of any of the items is stored.
        """

    def write_source(self, entry: SourceEntry, result: ReadResult, *, replace: bool) -> int:
        """`write_sources` for one source."""
        return self.write_sources([SourceWrite(entry, result, replace=replace)])

    @abc.abstractmethod
    def trades(self, query: TradeQuery | None = None) -> pa.Table:
        """Return the stored trades (every status) matching ``query``.

        They come as a `TRADE_SCHEMA` table sorted by exit time, entry time and trade id.
        """

    @abc.abstractmethod
    def status_counts(self, query: TradeQuery | None = None) -> dict[str, int]:
        """Count the stored trades matching ``query`` per status (counted in the engine)."""

    @abc.abstractmethod
    def records(self, kind: RecordKind, *, sources: Sequence[str] = ()) -> pa.Table:
        """Return all stored records of ``kind`` (fills, marks, ...) in timestamp order.

        Records of one instant come in their input order (source path, then line), so
        simultaneous fills are matched the same way whatever order the engine scans them in;
        only those read from ``sources`` (absolute paths) when given.
        """

    @abc.abstractmethod
    def latest_records(
        self, kind: RecordKind, *, limit: int, since: datetime | None = None
    ) -> tuple[pa.Table, int]:
        """Return the newest ``limit`` records of ``kind`` (newest first) and how many there are.

        The count is of the records at or after ``since`` (all of them when None); a kind
        without a ``timestamp`` column (trades, rates) is not asked for.
        """

    @abc.abstractmethod
    def currencies(self, account: str, sources: Sequence[str] = ()) -> dict[str, int]:
        """Return the currencies of the trades and fills, with how many records each.

        Only those of ``sources`` count, or all when empty; a record without a currency is in
        ``account``.
        """

    @abc.abstractmethod
    def reject_counts(self, sources: Sequence[str] = ()) -> tuple[int, int]:
        """Return (rejected rows, unreadable files) of ``sources``.

        Of the whole store when ``sources`` is empty; an unreadable file counts once, as an
        unreadable file.
        """

    @abc.abstractmethod
    def write_alerts(self, alerts: Sequence[Alert]) -> int:
        """Add alerts to the alert history and return how many were new.

        One already stored (same ``alert_id``) is not stored again.

        Raises
        ------
        StoreError
            If the write fails (then none of them is stored).
        """

    @abc.abstractmethod
    def alerts(self, since: datetime | None = None) -> pa.Table:
        """Return the alert history (`ALERT_SCHEMA`), oldest first, fired at or after ``since``."""

    @abc.abstractmethod
    def alert_states(self) -> list[tuple[str, str]]:
        """Return the alerts' lifecycle state: (key, state as the alerts' JSON), by key."""

    @abc.abstractmethod
    def save_alert_states(
        self,
        states: Sequence[AlertRow],
        events: Sequence[AlertEventRow],
        *,
        at: datetime,
        notices: Sequence[NoticeRow] = (),
    ) -> None:
        """Replace the state of the alerts in ``states``, append ``events``, atomically.

        ``notices`` go into the outbox in the same transaction (one whose key is already
        there is not added again), so that a notification is kept exactly when the state
        that made it is.

        Raises
        ------
        StoreError
            If the write fails (then nothing of it is stored).
        """

    @abc.abstractmethod
    def add_silence(self, silence: SilenceRow) -> None:
        """Keep a silence of alerts.

        Raises
        ------
        StoreError
            If the write fails.
        """

    @abc.abstractmethod
    def silences(self, active_at: datetime | None = None) -> list[SilenceRow]:
        """Return the silences, in the order kept; only those active at ``active_at``."""

    @abc.abstractmethod
    def notices(self, *, pending: bool = True, key: str | None = None) -> list[NoticeRow]:
        """Return the outbox, oldest first: the notices not settled (``pending``), or all.

        ``key`` gives only the notice of that key.
        """

    @abc.abstractmethod
    def settle_notices(self, rows: Sequence[NoticeRow], *, at: datetime) -> None:
        """Write what delivering ``rows`` did (their ``pending``, ``attempts``, ``last_error``).

        A row with nothing pending is settled at ``at`` (also when ``last_error`` is set: given
        up). Rows are found by ``seq``.

        Raises
        ------
        StoreError
            If the write fails.
        """

    @abc.abstractmethod
    def alert_events(self, since: datetime | None = None) -> list[AlertEventRow]:
        """Return the alerts' event log, in the order written, at or after ``since``."""

    @abc.abstractmethod
    def has_records(self, kind: RecordKind) -> bool:
        """Tell whether at least one record of ``kind`` is stored."""

    @abc.abstractmethod
    def quarantine(self, sources: Sequence[str] = (), limit: int | None = None) -> pa.Table:
        """Return the quarantined rows (`QUARANTINE_SCHEMA`), by source and line.

        Only those of ``sources`` (absolute paths; empty: every source), at most ``limit``.
        """

    @abc.abstractmethod
    def ensure_partials(self, tz: str, *, rebuild: bool = False) -> int:
        """Make sure the daily partials of reporting timezone ``tz`` exist and are kept.

        The first call for a timezone builds its partials from every stored trade (in one
        transaction) and registers it, so later writes keep them up to date; ``rebuild``
        forces a rebuild. A store keeps UTC partials from the start.

        Returns
        -------
        int, the number of local days with partials in ``tz``.

        Raises
        ------
        InputError
            If ``tz`` is not an IANA timezone name.
        StoreError
            If the partials cannot be built.
        """

    @abc.abstractmethod
    def partials(
        self,
        tz: str,
        *,
        start: date | None = None,
        end: date | None = None,
        strategy: str = "*",
        symbol: str = "*",
    ) -> pa.Table:
        """Return the daily partials (`PARTIALS_SCHEMA`) of ``tz`` for one strategy and symbol.

        ``"*"`` for either means all of them, rolled up over the interleaved trades; local
        days ``start``..``end`` inclusive, in day order. Builds the timezone's partials first if
        needed (see `ensure_partials`).
        """

    @abc.abstractmethod
    def trade_partials(
        self, tz: str, query: TradeQuery, grouping: Grouping = Grouping()
    ) -> pa.Table:
        r"""Compute daily partials now, from the stored closed trades ``query`` selects, per group.

        The rows are `PARTIALS_SCHEMA` rows of ``tz`` (not kept), one per local day and group:
        ``strategy`` holds the group's labels for the grouping's keys joined by ``"\x1f"``
        (empty without keys; `tradeperf.analytics.breakdowns`), ``symbol`` is empty.
        ``query``'s ``start`` and ``end`` bound the exits to the microsecond. Sorted by group,
        then day.

        Parameters
        ----------
        tz
            IANA name of the reporting timezone.
        query
            The trades to aggregate (strategies, symbols, sources, currency, exit bounds).
        grouping
            The groups and the last trades of each (`Grouping`).
        """

    @abc.abstractmethod
    def labelled_trades(
        self, tz: str, query: TradeQuery, grouping: Grouping = Grouping()
    ) -> pa.Table:
        """Return the closed trades `trade_partials` would aggregate, with their group and day.

        The columns are ``day`` (the local day of the exit in ``tz``), ``strategy`` (the
        group's labels, as in `trade_partials`), ``symbol`` (empty), ``net_pnl``,
        ``gross_pnl``, ``fees``, ``exit_time`` and ``entry_time``, one row per trade and
        group (a trade with several tags once per tag), in exit order. The parameters are
        those of `trade_partials`; `tradeperf.analytics.few_trades` folds a few such rows
        into the same partials.
        """

    @abc.abstractmethod
    def breakdown_partials(
        self, tz: str, key: str, *, start: date | None = None, end: date | None = None
    ) -> pa.Table:
        """Return the kept daily partials of every closed trade per group of one breakdown key.

        The rows are those `trade_partials` computes for ``keys=(key,)`` over every stored
        trade (the same SQL), kept under `partials_sql.breakdown_key` and refreshed with the
        daily partials on every write; built the first time they are asked for. Local days
        ``start``..``end`` inclusive; sorted by group, then day.

        Parameters
        ----------
        tz
            The day key of the reporting days (`tradeperf.timezones.day_key`).
        key
            One of `partials_sql.KEPT_KEYS`.
        start, end
            Local days bounding the rows (None: unbounded).

        Raises
        ------
        StoreError
            If the partials cannot be built.
        """

    @abc.abstractmethod
    def closed_net_pnl(self, query: TradeQuery) -> tuple[int, Decimal]:
        """Count and sum exactly the net P&L of the closed trades ``query`` selects.

        Parameters
        ----------
        query
            The trades (``start``/``end`` bound their exits).
        """

    @abc.abstractmethod
    def slippage(self, query: TradeQuery, *, day_key: str | None = None) -> SlippageSums:
        """Sum in the engine the slippage of the stored fills that carry a reference price.

        One aggregate query: nothing is read into Python but the sums (`SlippageSums`),
        per (strategy, symbol) and, with ``day_key``, per reporting day.

        Parameters
        ----------
        query
            The fills: ``start``/``end`` bound their timestamps ([start, end), UTC);
            ``strategies``, ``symbols``, ``sources`` and ``currency`` select as for trades.
        day_key
            A timezone or day key (``America/New_York@17:00``) whose local days the fills
            are also summed by; None: not by day.
        """

    @abc.abstractmethod
    def nth_last_exit(self, query: TradeQuery, n: int) -> datetime | None:
        """Return the exit time of the ``n``-th last closed trade ``query`` selects.

        The last ``n`` closed trades in exit order all exit at or after it, so a query
        bounded below by it holds them (and those tied with it); None when fewer than ``n``
        closed trades are selected.

        Parameters
        ----------
        query
            The trades.
        n
            How many, >= 1.
        """

    @abc.abstractmethod
    def partial_labels(self, tz: str) -> tuple[list[str], list[str]]:
        """Return the strategies and the symbols that have partials in ``tz``, sorted."""

    @abc.abstractmethod
    def prune(
        self, kinds: Sequence[str], *, older_than: timedelta, now: datetime | None = None
    ) -> dict[str, int]:
        """Delete raw records of ``kinds`` whose timestamp is older than ``now - older_than``.

        ``kinds`` are among marks, quotes, fills and funding; trades, the daily partials and
        the kept books stay.

        Fills, marks and funding are pruned only once booked, and never so that a figure
        changes: a position's fills and funding go up to its latest checkpoint before the
        horizon (the last instant it was flat in every scope; those of a round trip still
        open then stay), a symbol's marks up to the last one before the earliest such
        checkpoint of the positions valued or converted with them (that one stays). The
        store then keeps its cost basis and timezones (`books_pruned`).

        Returns
        -------
        dict, rows deleted per kind (0 for a kind with no table).

        Raises
        ------
        ConfigError
            For a kind that cannot be pruned (trades, quarantine...), a non-positive age, or
            fills, marks or funding of a store that keeps no books of its fills.
        StoreError
            If the delete fails (then nothing is deleted).
        """

    @abc.abstractmethod
    def forget(self, paths: Sequence[str]) -> dict[str, int]:
        """Take sources out of the store: their records, rejects and index entries.

        This is done in one transaction with the partials of the days they touched.

        A conflict they were part of (`tradeperf.store.identity`) is settled when the
        versions left agree: that record counts again.

        Parameters
        ----------
        paths
            Source paths as stored (absolute).

        Returns
        -------
        dict of rows removed per table (``trades``, ``fills``, ..., ``quarantine``) and
        ``restored``, the conflicted keys that count again.

        Raises
        ------
        InputError
            If a path is not a source of the store (then nothing is removed).
        StoreError
            If the store cannot be written.
        """

    @abc.abstractmethod
    def info(self) -> StoreInfo:
        """Describe what is stored."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> Store:
        """Return the store itself, to be closed on leaving the ``with`` block."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
        self.close()
