"""`Tracker`: live P&L, drawdown and positions in a bot's own process, on the batch path's books.

Each record is applied at once to the incremental ledger (`tradeperf.tracker.books`), so
`Tracker.snapshot` is live; it is also queued for the store, which a background thread
flushes every ``flush_interval`` seconds (and `flush`/`close` at once) as appends to the
tracker's source, with the tracker's state, in one transaction
(`tradeperf.tracker.persist`). The figures of `Tracker.metrics` are the store's summary
(`tradeperf.analytics.summary.summarize`), the same function `tradeperf summary` runs: live
figures equal batch figures by construction. Rules: ``docs/tracker.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, TypeVar

from tradeperf.errors import ConfigError, StoreError
from tradeperf.ledger._exact import round18
from tradeperf.ledger.basis import CostBasis
from tradeperf.records import CashFlow, Fill, FundingPayment, Mark, Trade, TradeStatus
from tradeperf.tracker.base import PerformanceTracker
from tradeperf.tracker.batch import BatchResult
from tradeperf.tracker.books import PERIODS, LiveBooks, OutOfOrder, exact
from tradeperf.tracker.coerce import (
    TrackerInputError,
    to_cash_flow,
    to_fill,
    to_funding,
    to_mark,
    to_trade,
)
from tradeperf.tracker.settings import DEFAULT_RETENTION

__all__ = ["EVENTS", "Tracker", "TrackerEvent"]

#: The events a listener can subscribe to (`Tracker.on`).
EVENTS: Final = ("fill", "trade_opened", "trade_closed", "equity", "alert")
#: The format tag of the tracker's state document (`Tracker.save`, docs/tracker.md).
STATE_FORMAT: Final = "tradeperf.tracker/1"

_Flow = TypeVar("_Flow", FundingPayment, CashFlow)
_T = TypeVar("_T")
#: Records an in-memory tracker (no store, no targets) keeps waiting before it writes them
#: to its store (sooner when a query needs them): this bounds the memory they take.
MEMORY_BACKLOG: Final = 200_000
_LEVELS: Final = {
    "fill": logging.DEBUG,
    "equity": logging.DEBUG,
    "mark": logging.DEBUG,
    "trade_opened": logging.INFO,
    "trade_closed": logging.INFO,
    "alert": logging.WARNING,
}
_PERIOD_NAMES: Final = {"all", *PERIODS}


@dataclass(frozen=True, slots=True)
class TrackerEvent:
    """What a listener receives: the event's name, its time and its data.

    ``data`` holds the record (``fill``: the `Fill`, ``trade_closed``: the `Trade`), and the
    event's figures as exact Decimals (``equity``, ``realized_pnl``, ``slippage_bps``...).
    """

    name: str
    timestamp: dt.datetime | None
    data: dict[str, Any] = field(default_factory=dict)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        names = value.__dataclass_fields__
        return {k: getattr(value, k) for k in names if k != "extra"}
    return str(value)


class Tracker(PerformanceTracker):
    """The live tracker a bot embeds.

    Parameters
    ----------
    store
        A store URL (``duckdb://PATH``, ``postgresql://...``): every record is kept there
        and a new Tracker on it goes on from the state saved at the last flush. None: an
        in-memory store (nothing survives the process).
    capital
        The starting capital, in ``currency`` (the account's equity before any P&L).
    currency
        The account (P&L) currency. Records in another currency are stored, and summarised
        as the summaries do (converted where rates are stored, else named apart).
    timezone
        The reporting timezone of the day, week and month P&L and of `metrics` periods.
    cost_basis
        ``fifo`` (default), ``lifo`` or ``average``: which open lot a reducing fill closes.
    name
        The tracker's name in the store (its source is ``tracker://NAME``): several bots may
        share one PostgreSQL store, each under its own name.
    day_start
        The local time a reporting day starts at (``"08:00"``; None: midnight).
    flush_interval
        Seconds between flushes to the store by the background thread (0: only at
        `flush`, `close` and every ``batch_size`` records).
    batch_size
        A flush starts when this many records wait.
    logger
        Where the structured JSON event lines go; None: ``logging.getLogger("tradeperf")``.
        Per-event lines (fill, mark, equity) are DEBUG, trades INFO, alerts WARNING.
    targets
        A targets file (TOML/YAML, `tradeperf.alerts.targets`): its rules are evaluated on
        the tracker's figures after a flush, at most every ``check_every`` seconds, and each
        notification is an ``alert`` event (and goes to the configured sinks).
    check_every
        Seconds between evaluations of ``targets``.
    retention
        How long the snapshots of each resolution (``minute``, ``hour``, ``day``) are kept:
        a duration (``"24h"``) or None (forever); default `DEFAULT_RETENTION`.
    dedup_window
        How far back (by record time) a repeated fill or trade id is recognised in memory:
        the same record again is ignored; another record under a known id is refused.
    config_file
        A config file for the settings not given here (``TRADEPERF_CONFIG`` or
        ``./tradeperf.toml`` when None): store, timezone, capital, currency and day start
        as the commands read them, and the ``[tracker]`` table for ``flush_interval``,
        ``batch_size``, ``check_every``, ``dedup_window`` and ``retention``
        (`tradeperf.tracker.settings`). An argument given here wins; None takes the file's
        value, else the default (1 s, 10,000, 10 s, ``"24h"``, `DEFAULT_RETENTION`).
    clock
        Gives "now" (aware UTC); for tests.

    Raises
    ------
    ConfigError
        For a bad setting (timezone, cost basis, retention).
    StoreError
        If the store cannot be opened, or holds a state this version cannot read.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    >>> with Tracker(capital=1000, timezone="UTC", flush_interval=0) as tracker:
    ...     _ = tracker.record_fill(symbol="BTC-USD", side="buy", quantity="0.01", price=60000,
    ...                             fee="0.3", timestamp=t0, fill_id="a")
    ...     _ = tracker.mark("BTC-USD", 61000, t0.replace(minute=5))
    ...     snap = tracker.snapshot(now=t0.replace(minute=6))
    ...     _ = tracker.record_fill(symbol="BTC-USD", side="sell", quantity="0.01", price=62000,
    ...                             fee="0.31", timestamp=t0.replace(minute=10), fill_id="b")
    ...     figures = tracker.metrics()
    >>> snap["unrealized_pnl"] == 10, snap["equity"] == Decimal("1009.7")
    (True, True)
    >>> figures["net_pnl"] == Decimal("19.39"), figures["trades"]
    (True, 1)
    """

    def __init__(
        self,
        store: str | None = None,
        *,
        capital: Decimal | int | str | float | None = None,
        currency: str | None = None,
        timezone: str | None = None,
        cost_basis: str | CostBasis = "fifo",
        name: str = "default",
        day_start: str | None = None,
        flush_interval: float | None = None,
        batch_size: int | None = None,
        logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
        targets: str | Path | None = None,
        check_every: float | None = None,
        retention: dict[str, str | None] | None = None,
        dedup_window: str | None = None,
        config_file: str | Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        from tradeperf.config import load_config
        from tradeperf.durations import parse_duration
        from tradeperf.jobs import keep_books, summary_request
        from tradeperf.store import open_store
        from tradeperf.timezones import resolve_timezone
        from tradeperf.tracker.settings import load_tracker_settings

        if not name or "/" in name:
            raise ConfigError(f"tracker name {name!r}: give a non-empty name without '/'")
        try:
            basis = CostBasis(str(cost_basis).lower())
        except ValueError:
            raise ConfigError(f"cost_basis {cost_basis!r}: use fifo, lifo or average") from None
        url = store or "duckdb://:memory:"
        flags = {
            "store": url,
            "timezone": timezone,
            "capital": None if capital is None else str(capital),
            "currency": currency,
            "day_start": day_start,
        }
        self.config = load_config(flags, config_file=Path(config_file) if config_file else None)
        self.name = name
        self.cost_basis = basis
        self.currency = self.config.currency
        self.capital = Decimal(self.config.capital)
        self._request = summary_request(self.config, cost_basis=basis)
        self._zone = resolve_timezone(self._request.day_key)
        self._clock = clock or _utc_now
        self._log = logger if logger is not None else logging.getLogger("tradeperf")
        settings = load_tracker_settings(
            Path(config_file) if config_file else None,
            given={
                "flush_interval": flush_interval, "batch_size": batch_size,
                "check_every": check_every, "dedup_window": dedup_window,
                "retention": retention,
            },
        )  # fmt: skip
        self._flush_interval = settings.flush_interval
        self._batch_size = settings.batch_size
        self._check_every = settings.check_every
        self._retention = {
            k: (None if v is None else parse_duration(v)) for k, v in settings.retention.items()
        }
        self._dedup = parse_duration(settings.dedup_window)
        self._targets = None
        if targets is not None:
            from tradeperf.alerts.targets import load_targets

            self._targets = load_targets(Path(targets))
        self._lock = threading.RLock()
        self._flush_lock = threading.Lock()  # one flush at a time, in sequence order
        self._store_lock = threading.Lock()  # the store's connection, one user at a time
        self._listeners: dict[str, list[Callable[[TrackerEvent], object]]] = {e: [] for e in EVENTS}
        self._pending: list[tuple[int, Any]] = []
        self._seen: dict[str, tuple[dt.datetime, object]] = {}  # id -> (time, record)
        self._seen_order: deque[tuple[dt.datetime, str]] = deque()
        self._last_marks: dict[str, Mark] = {}  # the latest mark of each symbol
        self._sequence = 0
        self._stored_rows = 0
        self._last_check = 0.0
        self._closed = False
        self._flush_error: Exception | None = None
        self._store = open_store(url)
        # an in-memory store only answers queries: its records are written when one needs
        # them (metrics, trades, report, flush, close), not every flush interval; targets
        # read the store's figures, so with targets every flush writes them
        self._write_each_flush = store is not None or self._targets is not None
        self._backlog = self._batch_size if self._write_each_flush else MEMORY_BACKLOG
        try:
            keep_books(self._store, basis)
            self._books = self._restore()
        except BaseException:
            self._store.close()
            raise
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if self._flush_interval > 0:
            self._thread = threading.Thread(
                target=self._run_flusher, name=f"tradeperf-tracker-{name}", daemon=True
            )
            self._thread.start()

    # -- state ----------------------------------------------------------------------------
    def _restore(self) -> LiveBooks:
        from tradeperf.tracker.persist import source_of

        row = self._store.tracker_state(self.name)  # type: ignore[attr-defined]
        if row is None:
            return LiveBooks(self.cost_basis, self.capital, self._zone)
        if row.format != STATE_FORMAT:
            raise StoreError(
                f"tracker {self.name!r}: its saved state is {row.format!r}; this version reads "
                f"{STATE_FORMAT!r}"
            )
        doc = json.loads(row.state)
        self._check_doc(doc)
        books = LiveBooks.from_doc(doc["books"], self._zone)
        self._sequence = int(doc["sequence"])
        self._stored_rows = int(doc["stored_rows"])
        self._load_seen(source_of(self.name), books.last_time)
        return books

    def _check_doc(self, doc: dict[str, Any]) -> None:
        if doc.get("format") != STATE_FORMAT:
            raise StoreError(f"not a tracker state of format {STATE_FORMAT!r}")
        basis = doc["books"]["account"]["cost_basis"]
        if basis != self.cost_basis.value:
            raise ConfigError(
                f"tracker {self.name!r} keeps {basis} books; it cannot go on as "
                f"{self.cost_basis.value} (start another name, or keep cost_basis={basis!r})"
            )
        if doc["currency"] != self.currency:
            raise ConfigError(
                f"tracker {self.name!r} keeps its books in {doc['currency']}, not {self.currency}"
            )

    def _load_seen(self, source: str, last: dt.datetime | None) -> None:
        """Recognise the ids of the fills and trades stored in the last ``dedup_window``."""
        if last is None:
            return
        since = last - self._dedup
        from tradeperf.records import RecordKind

        kinds = ((RecordKind.FILLS, "fill_id", "f:"), (RecordKind.TRADES, "trade_id", "t:"))
        for kind, column, prefix in kinds:
            table = self._store.records(kind, sources=[source])
            if not table.num_rows:
                continue
            time_col = "timestamp" if kind is RecordKind.FILLS else "exit_time"
            import pyarrow.compute as pc

            times = pc.fill_null(table.column(time_col), since)
            table = table.filter(pc.greater_equal(times, since))
            convert = to_fill if kind is RecordKind.FILLS else to_trade
            for row in table.to_pylist():
                row.pop("source", None)
                row.pop("source_line", None)
                try:
                    record = convert(row)
                except TrackerInputError:
                    continue
                at = getattr(record, "timestamp", None) or getattr(record, "exit_time", None)
                self._remember(prefix + row[column], at or since, record)

    def _state_doc(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "name": self.name,
            "currency": self.currency,
            "sequence": self._sequence,
            "stored_rows": self._stored_rows,
            "books": self._books.to_doc(),
        }

    def save(self, url: str) -> None:
        """Write the tracker's state to ``url`` through fsspec (a path, ``memory://``, S3...).

        The document is JSON (`STATE_FORMAT`, docs/tracker.md), never pickle; `Tracker.load`
        reads it back. Unflushed records are in it (the state is of the last one recorded).

        Raises
        ------
        StoreError
            If the file cannot be written.
        """
        import fsspec

        with self._lock:
            text = json.dumps(self._state_doc(), sort_keys=True)
        try:
            with fsspec.open(url, "w", encoding="utf-8") as fh:
                fh.write(text)
        except Exception as exc:
            raise StoreError(f"cannot write the tracker state to {url}: {exc}") from exc

    @classmethod
    def load(cls, url: str, **options: Any) -> Tracker:
        """Make a tracker (in memory unless ``store=`` is given) from a state `save` wrote.

        Raises
        ------
        StoreError
            If the document cannot be read or is not a tracker state.
        """
        import fsspec

        try:
            with fsspec.open(url, "r", encoding="utf-8") as fh:
                doc = json.load(fh)
        except Exception as exc:
            raise StoreError(f"cannot read a tracker state from {url}: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
            raise StoreError(f"{url}: not a tracker state of format {STATE_FORMAT!r}")
        options.setdefault("name", doc["name"])
        options.setdefault("currency", doc["currency"])
        options.setdefault("capital", doc["books"]["account"]["capital"])
        options.setdefault("cost_basis", doc["books"]["account"]["cost_basis"])
        tracker = cls(**options)
        tracker._check_doc(doc)
        with tracker._lock:
            tracker._books = LiveBooks.from_doc(doc["books"], tracker._zone)
            tracker._sequence = int(doc["sequence"])
        return tracker

    # -- listeners and log lines -----------------------------------------------------------
    def on(self, event: str, callback: Callable[[TrackerEvent], object]) -> Callable[[], None]:
        """Call ``callback(TrackerEvent)`` on each ``event`` (`EVENTS`); return an unsubscriber.

        Listeners run in the recording thread, in order, after the books changed. One that
        raises is logged and never breaks the tracker.

        Raises
        ------
        ConfigError
            For an unknown event name.
        """
        if event not in self._listeners:
            raise ConfigError(f"unknown event {event!r}: choose one of {', '.join(EVENTS)}")
        with self._lock:
            self._listeners[event].append(callback)

        def off() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners[event].remove(callback)

        return off

    def _wants(self, event: str) -> bool:
        return bool(self._listeners[event]) or self._log.isEnabledFor(_LEVELS[event])

    def _emit(self, event: str, at: dt.datetime | None, data: dict[str, Any]) -> None:
        level = _LEVELS[event]
        if self._log.isEnabledFor(level):
            line = {"event": event, "tracker": self.name, "at": at, **data}
            self._log.log(
                level,
                json.dumps(line, default=_json_default, sort_keys=True),
                extra={"tradeperf": line},
            )
        for callback in tuple(self._listeners[event]):
            try:
                callback(TrackerEvent(event, at, data))
            except Exception:
                self._log.exception("tracker %r: a %s listener raised", self.name, event)

    # -- recording ------------------------------------------------------------------------
    def _remember(self, key: str, at: dt.datetime, record: object) -> None:
        self._seen[key] = (at, record)
        self._seen_order.append((at, key))
        horizon = at - self._dedup
        order = self._seen_order
        while order and order[0][0] < horizon:
            _, old = order.popleft()
            kept = self._seen.get(old)
            if kept is not None and kept[0] < horizon:
                del self._seen[old]

    def _known(self, key: str, record: object, what: str) -> bool:
        """Whether ``record`` repeats a known one (True: skip it); raise if it conflicts."""
        seen = self._seen.get(key)
        if seen is None:
            return False
        if seen[1] == record:
            return True
        raise TrackerInputError(
            what,
            f"id {key.split(':', 1)[1]!r} is known with other content; not applied",
            field="fill_id" if what == "fill" else "trade_id",
        )

    def _queue(self, record: object) -> None:
        self._sequence += 1
        self._pending.append((self._sequence, record))
        if len(self._pending) >= self._backlog:
            self._wake.set()
            if self._write_each_flush and (
                len(self._pending) >= 10 * self._batch_size or self._thread is None
            ):
                # the flusher is behind (or there is none): push back, unless a flush is
                # under way (it waits for this thread's lock: taking its lock would deadlock)
                self._flush_now(blocking=False)

    def record_fill(self, fill: Any = None, **fields: Any) -> Fill:
        """Record one execution and book it.

        Parameters
        ----------
        fill
            A `Fill`, a mapping, a pandas or Polars row; or None and the fields as keywords
            (``symbol``, ``side``, ``quantity``, ``price``, ``timestamp``, ``fee``,
            ``strategy``, ``fill_id``, ``reference_price``...; any name the readers take).
        **fields
            The fill's fields as keywords (they override those of ``fill``).

        Returns
        -------
        The `Fill` recorded (a repeat of a known fill is returned and not applied again).

        Raises
        ------
        TrackerInputError
            For an invalid or naive field, a fill id known with other content, or a
            (strategy, symbol) fed by closed trades; nothing is applied.
        """
        with self._lock, exact():
            self._check_open()
            f = (
                fill
                if type(fill) is Fill and not fields
                else to_fill(fill, default_id=f"{self.name}:{self._sequence + 1}", **fields)
            )
            key = "f:" + f.fill_id
            if self._known(key, f, "fill"):
                return f
            why = self._books.check_feed(f.strategy, f.symbol, "fills")
            if why is not None:
                raise TrackerInputError("fill", why, field="symbol")
            slip = self._slippage(f)
            books = self._books
            before = books.equity_now
            try:
                closed, opened = books.fill(f, slip)
            except OutOfOrder as exc:
                raise TrackerInputError("fill", str(exc), field="timestamp") from None
            except ValueError as exc:
                raise TrackerInputError("fill", str(exc), field="multiplier") from None
            self._remember(key, f.timestamp, f)
            self._queue(f)
            if self._wants("fill"):
                self._emit(
                    "fill",
                    f.timestamp,
                    {
                        "fill": f,
                        "realized_pnl": round18(books.account.last_realized),
                        "fee": round18(books.account.last_fee),
                        "slippage_bps": slip,
                        "position": books.account.position_quantity(f.account, f.symbol),
                    },
                )
            for t in closed:
                trade_slip = books.trade_slippage(t, f.account)
                if self._wants("trade_closed"):
                    self._emit(
                        "trade_closed", f.timestamp, {"trade": t, "slippage_bps": trade_slip}
                    )
            if opened and self._wants("trade_opened"):
                self._emit(
                    "trade_opened",
                    f.timestamp,
                    {
                        "account": f.account,
                        "symbol": f.symbol,
                        "strategy": f.strategy,
                        "side": "long" if f.side.value == "BUY" else "short",
                        "quantity": books.account.position_quantity(f.account, f.symbol),
                        "price": f.price,
                    },
                )
            self._equity_changed(before, f.timestamp)
            return f

    @staticmethod
    def _slippage(f: Fill) -> float | None:
        ref = getattr(f, "reference_price", None)
        if ref is None:
            return None
        from tradeperf.metrics.execution import fill_slippage_bps

        return fill_slippage_bps(f.side.sign, f.price, ref)

    def _equity_changed(self, before: Decimal, at: dt.datetime | None) -> None:
        if not self._wants("equity"):
            return
        books = self._books
        equity = books.equity_now
        if equity != before:
            self._emit(
                "equity",
                at,
                {
                    "equity": round18(equity),
                    "peak_equity": round18(books.peak),
                    "drawdown": round18(books.peak - equity),
                },
            )

    def record_trade(self, trade: Any = None, **fields: Any) -> Trade:
        """Record a round trip the bot closed itself (for bots that log trades, not fills).

        Parameters
        ----------
        trade
            A `Trade`, a mapping (any layout the trade readers take: ``asset``, ``pnl``,
            ``exit_time``...), a pandas or Polars row; or the fields as keywords.
        **fields
            The trade's fields as keywords (they override those of ``trade``).

        Returns
        -------
        The `Trade` recorded (a repeat of a known trade is returned and not applied again).

        Raises
        ------
        TrackerInputError
            For an invalid or naive field, a trade id known with other content, or a
            (strategy, symbol) fed by fills; nothing is applied.
        """
        with self._lock, exact():
            self._check_open()
            t = trade if type(trade) is Trade and not fields else to_trade(trade, **fields)
            key = "t:" + t.trade_id
            if self._known(key, t, "trade"):
                return t
            why = self._books.check_feed(t.strategy, t.symbol, "trades")
            if why is not None:
                raise TrackerInputError("trade", why, field="symbol")
            before = self._books.equity_now
            self._books.trade(t)
            at = t.exit_time or t.entry_time
            self._remember(key, at or self._clock(), t)
            self._queue(t)
            if t.status is TradeStatus.CLOSED and self._wants("trade_closed"):
                self._emit("trade_closed", at, {"trade": t, "slippage_bps": None})
            elif t.status is TradeStatus.OPEN and self._wants("trade_opened"):
                self._emit(
                    "trade_opened",
                    t.entry_time,
                    {"symbol": t.symbol, "strategy": t.strategy, "side": t.side.value,
                     "quantity": t.quantity, "price": t.entry_price, "trade": t},
                )  # fmt: skip
            self._equity_changed(before, at)
            return t

    def mark(self, symbol: Any, price: Any = None, ts: dt.datetime | None = None) -> Mark:
        """Value the open positions in ``symbol`` at ``price`` from ``ts`` on.

        ``symbol`` may also be a `Mark`, a mapping or a row. A mark whose symbol is a currency
        (``"BNB"``) converts fees paid in it. The same mark again (symbol, time and price) is
        ignored; another price for the symbol at the time of its latest mark is refused, as
        the store refuses conflicting records.

        Raises
        ------
        TrackerInputError
            For an invalid or naive field, or a conflicting mark.
        """
        with self._lock, exact():
            self._check_open()
            if type(symbol) is Mark:
                m = symbol
            elif isinstance(symbol, str):
                m = to_mark(symbol=symbol, price=price, timestamp=ts)
            else:
                m = to_mark(symbol)
            last = self._last_marks.get(m.symbol)
            if last is not None and last.timestamp == m.timestamp:
                if last.price == m.price:
                    return last  # the same mark again
                raise TrackerInputError(
                    "mark",
                    f"{m.symbol} at {m.timestamp.isoformat()} is marked at {last.price} "
                    f"already, not {m.price} (a mark's key is its symbol and time)",
                    field="price",
                )
            self._last_marks[m.symbol] = m
            before = self._books.equity_now
            self._books.mark(m)
            self._queue(m)
            self._equity_changed(before, m.timestamp)
            return m

    def record_funding(self, payment: Any = None, **fields: Any) -> FundingPayment:
        """Record funding received (+) or paid (−) on a position (``symbol``, ``amount``...).

        Raises
        ------
        TrackerInputError
            For an invalid or naive field.
        """
        return self._record_flow(lambda: to_funding(payment, **fields), self._books.funding)

    def record_cash_flow(self, flow: Any = None, **fields: Any) -> CashFlow:
        """Record a deposit (amount > 0) or withdrawal (< 0): equity moves, P&L does not.

        Raises
        ------
        TrackerInputError
            For an invalid or naive field.
        """
        return self._record_flow(lambda: to_cash_flow(flow, **fields), self._books.cash_flow)

    def _record_flow(self, make: Callable[[], _Flow], apply: Callable[[_Flow], None]) -> _Flow:
        """Coerce, apply and queue one funding payment or cash flow under the lock."""
        with self._lock, exact():
            self._check_open()
            flow = make()
            before = self._books.equity_now
            apply(flow)
            self._queue(flow)
            self._equity_changed(before, flow.timestamp)
            return flow

    def record_batch(
        self,
        kind: str,
        rows: Sequence[object],
        *,
        require_id: bool = False,
        within: tuple[dt.datetime, dt.datetime] | None = None,
    ) -> BatchResult:
        """Record a batch of ``kind``, all or nothing (the rule: `tradeperf.tracker.batch`).

        Parameters
        ----------
        kind
            ``fills``, ``trades``, ``marks``, ``funding`` or ``cash_flows``.
        rows
            Mappings (or rows) in the batch's order, each as `record_fill` etc. take them.
        require_id
            Refuse a fill or trade without its id (so that a retry is safe).
        within
            The earliest and latest time a record of the batch may carry.

        Returns
        -------
        `BatchResult`: rows received, records booked and repeats ignored.

        Raises
        ------
        BatchRejected
            Naming each bad row and field (``invalid``) or the conflicting ids
            (``conflict``); nothing of the batch is booked.

        Examples
        --------
        >>> rows = [{"fill_id": "a", "symbol": "X", "side": "buy", "quantity": 1,
        ...          "price": 10, "timestamp": "2024-05-01T12:00:00Z"}]
        >>> with Tracker(capital=100, timezone="UTC", flush_interval=0) as t:
        ...     first, again = t.record_batch("fills", rows), t.record_batch("fills", rows)
        >>> first.accepted, again.accepted, again.repeated
        (1, 0, 1)
        """
        from tradeperf.tracker.batch import (
            BatchRejected,
            Problem,
            check_rules,
            coerce_rows,
            record_key,
            shown_id,
        )

        records = coerce_rows(kind, rows, require_id=require_id, within=within)
        with self._lock, exact():
            self._check_open()
            repeats: set[int] = set()
            conflicts: list[Problem] = []
            conflict_ids: list[str] = []
            in_batch: dict[str, tuple[int, object]] = {}
            for index, r in enumerate(records):
                key = record_key(r)
                if key is None:
                    continue
                seen = in_batch.get(key)
                if seen is None and key.startswith("m:"):
                    last = self._last_marks.get(r.symbol)  # type: ignore[union-attr]
                    if last is not None and last.timestamp == r.timestamp:  # type: ignore[union-attr]
                        seen = (-1, last)
                elif seen is None:
                    kept = self._seen.get(key)
                    seen = None if kept is None else (-1, kept[1])
                if seen is None:
                    in_batch[key] = (index, r)
                elif seen[1] == r:
                    repeats.add(index)
                else:
                    where = "this batch" if seen[0] >= 0 else "the tracker"
                    conflict_ids.append(shown_id(key))
                    conflicts.append(
                        Problem(index, None, f"id {shown_id(key)!r} is known to {where} with "
                                "other content")
                    )  # fmt: skip
            if conflicts:
                raise BatchRejected(kind, "conflict", conflicts, ids=sorted(set(conflict_ids)))
            problems = check_rules(
                kind,
                records,
                last_fill=self._books.last_fill,
                feeds=self._books.feeds,
                multiplier_of=self._books.account.position_multiplier,
                skip=frozenset(repeats),
            )
            if problems:
                raise BatchRejected(kind, "invalid", problems)
            book: dict[str, Callable[[Any], object]] = {
                "fills": self.record_fill,
                "trades": self.record_trade,
                "marks": self.mark,
                "funding": self.record_funding,
                "cash_flows": self.record_cash_flow,
            }
            apply = book[kind]
            for index, r in enumerate(records):
                if index in repeats:
                    continue
                apply(r)
                if kind in ("funding", "cash_flows"):
                    key = record_key(r)
                    assert key is not None
                    self._remember(key, r.timestamp, r)  # type: ignore[union-attr]
            ids = [shown_id(k) for r in records if (k := record_key(r)) and k[0] in "ftm"]
            booked = [r for i, r in enumerate(records) if i not in repeats]
            return BatchResult(kind, len(rows), len(booked), len(repeats), ids, records=booked)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"tracker {self.name!r} is closed")

    # -- the live view --------------------------------------------------------------------
    def snapshot(self, now: dt.datetime | None = None) -> dict[str, Any]:
        """Return the books now, exactly (Decimals in the account currency).

        Keys: ``timestamp`` (of the last record), ``currency``, ``capital``, ``equity``,
        ``realized_pnl`` (before fees), ``unrealized_pnl``, ``fees``, ``funding``,
        ``cash_flows``, ``logged_pnl`` (closed trades the bot logged itself), ``net_pnl``
        (equity − capital − cash flows), ``peak_equity``, ``drawdown`` (peak − equity, money),
        ``drawdown_pct`` (a fraction of the peak), ``max_drawdown`` (money), ``trades``,
        ``wins``, ``positions`` (one dict per open position), ``today``/``week``/``month``
        (``pnl`` and its ``start``, per strategy and symbol, in the reporting timezone), and
        ``by_strategy``/``by_symbol`` (realized, unrealized, fees, funding, net P&L, fills,
        trades, wins, ``slippage_bps``). The peak moves with cash flows: a withdrawal is not
        a drawdown.
        """
        with self._lock, exact():
            return self._snapshot(now or self._clock())

    def _snapshot(self, now: dt.datetime) -> dict[str, Any]:
        import decimal

        from tradeperf.ledger._exact import EXACT
        from tradeperf.ledger._exact import round18 as r

        b = self._books
        a = b.account
        equity = b.equity()
        with decimal.localcontext(EXACT):
            drawdown = b.peak - equity
            net = equity - a.capital - a.cash_flows
        positions = [
            {
                "account": p.account,
                "symbol": p.symbol,
                "quantity": r(p.quantity),
                "avg_cost": r(p.avg_cost),
                "mark": p.last_mark,
                "unrealized_pnl": None if p.unrealized_pnl is None else r(p.unrealized_pnl),
                "multiplier": r(p.multiplier),
                "currency": p.currency,
            }
            for p in a.positions()
        ]
        periods = b.period_pnl(now)
        for p in periods.values():
            p["pnl"] = r(p["pnl"])
            for part in ("strategies", "symbols"):
                p[part] = {k: r(v) for k, v in p[part].items()}

        def group(g: Any, unreal: Decimal, net_pnl: Decimal) -> dict[str, Any]:
            return {
                "realized_pnl": r(g.realized_pnl),
                "unrealized_pnl": r(unreal),
                "fees": r(g.fees),
                "funding": r(g.funding),
                "logged_pnl": r(g.logged_pnl),
                "net_pnl": r(net_pnl),
                "fills": g.fills,
                "trades": g.trades,
                "wins": g.wins,
                "slippage_bps": g.slip_weighted / g.slip_notional if g.slip_notional else None,
            }

        return {
            "tracker": self.name,
            "timestamp": b.last_time,
            "currency": self.currency,
            "capital": r(a.capital),
            "equity": r(equity),
            "realized_pnl": r(a.realized_pnl),
            "unrealized_pnl": r(b.unreal_total),
            "fees": r(a.fees),
            "fees_other": {k: r(v) for k, v in a.fees_other.items()},
            "funding": r(a.funding),
            "cash_flows": r(a.cash_flows),
            "logged_pnl": r(b.logged_pnl),
            "net_pnl": r(net),
            "peak_equity": r(b.peak),
            "drawdown": r(drawdown),
            "drawdown_pct": float(drawdown) / float(b.peak) if b.peak > 0 else None,
            "max_drawdown": r(b.max_drawdown),
            "trades": b.trades_closed,
            "wins": b.wins,
            "positions": positions,
            **{name: {"start": p["start"], "pnl": r(p["pnl"])} for name, p in periods.items()},
            "periods": periods,
            "by_strategy": {
                s: group(g, b.strategy_unrealized(s), b.strategy_net(s))
                for s, g in sorted(b.by_strategy.items())
            },
            "by_symbol": {
                s: group(g, b.unreal.get(s, Decimal(0)), b.symbol_net(s))
                for s, g in sorted(b.by_symbol.items())
            },
        }

    # -- the store's figures --------------------------------------------------------------
    def _summary_options(
        self, period: str | None, last: int | None, since: dt.datetime | str | None
    ) -> dict[str, Any]:
        from tradeperf.durations import parse_duration

        options: dict[str, Any] = {}
        now = self._clock()
        if period is not None and period != "all":
            if period in PERIODS:
                from tradeperf.tracker.books import period_bounds

                start, _ = period_bounds(period, now, self._zone)
                options["since"] = start
            else:
                try:
                    options["since"] = now - parse_duration(period)
                except ConfigError:
                    raise ConfigError(
                        f"period {period!r}: use all, today, week, month or a duration (24h, 7d)"
                    ) from None
        if since is not None:
            if isinstance(since, str):
                from tradeperf.durations import parse_instant

                since = parse_instant(since, self._zone)
            if since.tzinfo is None:
                raise TrackerInputError("metrics", "since has no timezone", field="since")
            options["since"] = since
        if last is not None:
            if last < 1:
                raise ConfigError(f"last must be ≥ 1, got {last}")
            options["last"] = int(last)
        return options

    def _summary(self, **options: Any) -> Any:
        import dataclasses

        from tradeperf.analytics.summary import summarize

        self.flush()
        request = dataclasses.replace(self._request, **options)
        with self._store_lock:
            return summarize(self._store, request)

    def metrics(
        self,
        period: str | None = "all",
        *,
        last: int | None = None,
        since: dt.datetime | str | None = None,
        by: str | None = None,
    ) -> dict[str, Any]:
        """Return the registry's figures of what the store holds, as `tradeperf summary` does.

        Parameters
        ----------
        period
            ``all``, ``today``, ``week``, ``month`` (the current one, in the reporting
            timezone) or a trailing duration (``24h``, ``7d``).
        last
            Only the last N closed trades.
        since
            From this instant (aware) or text (``2024-05-01``, ``2024-05-01T08:00+02:00``).
        by
            ``strategy`` or ``symbol``: the figures per strategy or symbol instead, as a dict
            of name -> figures.

        Returns
        -------
        Figure name -> value: money as exact Decimals in the account currency, ratios as
        floats (NaN where undefined), counts as ints (docs/metrics.md).

        Raises
        ------
        ConfigError
            For a bad period or option.
        """
        options = self._summary_options(period, last, since)
        if by not in (None, "strategy", "symbol"):
            raise ConfigError(f"by {by!r}: choose strategy or symbol")
        summary = self._summary(windows=(), breakdowns=by is not None, series=False, **options)
        if by == "strategy":
            return {k: dict(v) for k, v in summary.by_strategy.items()}
        if by == "symbol":
            return {k: dict(v) for k, v in summary.by_symbol.items()}
        return dict(summary.overall)

    def trades(
        self,
        *,
        strategy: str | None = None,
        symbol: str | None = None,
        since: dt.datetime | str | None = None,
        last: int | None = None,
    ) -> list[dict[str, Any]]:
        """Return the closed round trips (logged and from fills), oldest exit first, as dicts.

        Money is exact (Decimal); times are aware UTC.
        """
        options = self._summary_options(None, last, since)
        if strategy:
            options["strategies"] = (strategy,)
        if symbol:
            options["symbols"] = (symbol,)
        summary = self._summary(
            windows=(), breakdowns=False, series=False, trade_list=True, **options
        )
        closed = summary.closed
        return [] if closed is None else closed.to_pylist()

    def report(self, format: str = "json") -> Any:
        """Return the summary report of everything recorded.

        ``json``: the document of ``summary.json`` (a dict, its schema published); ``md``:
        the Markdown of ``summary.md``; ``html``: the self-contained tear sheet.

        Raises
        ------
        ConfigError
            For another format.
        """
        from tradeperf.reports.json_report import summary_to_json

        if format not in ("json", "md", "html"):
            raise ConfigError(f"format {format!r}: choose json, md or html")
        summary = self._summary(trade_list=format == "html")
        doc = summary_to_json(summary)
        if format == "json":
            return doc
        if format == "md":
            from tradeperf.reports.markdown import render_summary

            return render_summary(doc)
        import tempfile

        from tradeperf.jobs import report_extras
        from tradeperf.reports.html_report import write_html

        with self._store_lock:
            extras = report_extras(self._store, summary)
        with tempfile.TemporaryDirectory() as tmp:
            path = write_html(Path(tmp) / "report.html", doc, extras)
            return path.read_text(encoding="utf-8")

    def history(
        self,
        resolution: str = "minute",
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Return the snapshots kept over time at ``resolution`` (``minute``, ``hour``, ``day``).

        Each is the last snapshot taken in its minute, hour or local day (flushes take one),
        with ``equity``, ``realized_pnl``, ``unrealized_pnl``, ``drawdown``... as text
        decimals and ``bucket`` (its start, UTC).
        """
        if resolution not in DEFAULT_RETENTION:
            raise ConfigError(f"resolution {resolution!r}: choose minute, hour or day")
        self.flush()
        with self._store_lock:
            rows = self._store.tracker_snapshots(self.name, resolution, since, until)  # type: ignore[attr-defined]
        return [json.loads(r.snapshot) for r in rows]

    def using_store(self, fn: Callable[[Any], _T]) -> _T:
        """Run ``fn(store)`` on the tracker's store after a flush, one user at a time.

        For a process that owns the store through its tracker (the service): maintenance
        and writes of other kinds (alert acknowledgements, files followed) go through here.

        Raises
        ------
        StoreError
            If the tracker is closed, or the flush fails.
        """
        self._check_open()
        self.flush()
        with self._store_lock:
            return fn(self._store)

    # -- PerformanceTracker ---------------------------------------------------------------
    def calculate_metrics(self, period: str = "all") -> dict[str, Any]:
        """`metrics` of ``period`` (the news bot's name)."""
        return self.metrics(period)

    def get_trade_history(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """`trades` with ``filters`` (``strategy``, ``symbol``, ``since``, ``last``)."""
        known = {"strategy", "symbol", "since", "last"}
        unknown = set(filters or {}) - known
        if unknown:
            raise ConfigError(f"filters: unknown {sorted(unknown)} (use {sorted(known)})")
        return self.trades(**(filters or {}))

    def generate_report(self, format: str = "json") -> Any:
        """`report` in ``format`` (the news bot's name)."""
        return self.report(format)

    # -- flushing -------------------------------------------------------------------------
    def _buckets(self, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        from tradeperf.tracker.books import period_bounds

        minute = now.replace(second=0, microsecond=0)
        hour = minute.replace(minute=0)
        day, _ = period_bounds("today", now, self._zone)
        return [("minute", minute), ("hour", hour), ("day", day)]

    def _flush_now(self, *, blocking: bool = True, records: bool = True) -> int:
        """Write what waits, with the state and the snapshots due; return the records written.

        ``records=False`` writes the state and snapshots alone (the records keep waiting).

        Runs in the default decimal context: a flush a record starts (``batch_size``) would
        otherwise run in the record's exact context, which traps every rounding.
        """
        import decimal

        if not self._flush_lock.acquire(blocking=blocking):
            return 0
        try:
            with decimal.localcontext(decimal.DefaultContext):
                return self._flush_in_context(records=records)
        finally:
            self._flush_lock.release()

    def _flush_in_context(self, *, records: bool) -> int:
        """Run the body of `_flush_now` under the flush lock (lock order: flush, then records)."""
        from tradeperf.store.tracker_sql import SnapshotRow, TrackerStateRow
        from tradeperf.tracker.persist import source_write

        now = self._clock()
        with self._lock:
            pending, self._pending = (self._pending, []) if records else ([], self._pending)
            sequence = self._sequence
            stored = self._stored_rows + len(pending)
            state = json.dumps({**self._state_doc(), "stored_rows": stored}, sort_keys=True)
            with exact():
                snap = self._snapshot(now)
        snap.pop("periods", None)  # the snapshots over time keep the running figures alone
        items = []
        if pending:
            items.append(
                source_write(
                    self.name, pending, sequence=sequence, stored_rows=stored,
                    capital=self.capital, currency=self.currency, now=now,
                )
            )  # fmt: skip
        snaps = [
            SnapshotRow(
                self.name,
                res,
                at,
                json.dumps(
                    {**snap, "bucket": at.isoformat()}, default=_json_default, sort_keys=True
                ),
            )
            for res, at in self._buckets(now)
            if res in self._retention
        ]
        row = TrackerStateRow(self.name, STATE_FORMAT, sequence, now, state)
        try:
            with self._store_lock:
                self._store.write_tracker(items, row, snaps, keep=self._retention)  # type: ignore[attr-defined]
        except Exception:
            with self._lock:  # keep them for the next flush, in order
                self._pending[:0] = pending
            raise
        with self._lock:
            self._stored_rows = stored
        self._check_alerts(now)
        return len(pending)

    def flush(self) -> int:
        """Write every record recorded so far to the store (durable when it returns).

        Returns
        -------
        The number of records written.

        Raises
        ------
        StoreError
            If the store cannot be written (the records stay queued for the next flush).
        """
        if self._closed:
            return 0
        return self._flush_now()

    def _run_flusher(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                records = self._write_each_flush or len(self._pending) >= self._backlog
                self._flush_now(records=records)
                self._flush_error = None
            except Exception as exc:  # logged once per run of failures; retried next time
                if self._flush_error is None:
                    self._log.error("tracker %r: cannot flush: %s", self.name, exc)
                self._flush_error = exc

    def _check_alerts(self, now: dt.datetime) -> None:
        """Evaluate the targets on the store's figures and emit each notification."""
        if not self._targets:
            return
        clock = time.monotonic()
        if clock - self._last_check < self._check_every:
            return
        self._last_check = clock
        from tradeperf.alerts.check import advance_rules, sinks_of
        from tradeperf.alerts.outbox import flush_open
        from tradeperf.alerts.settings import load_alert_settings

        settings = load_alert_settings()
        sinks = sinks_of(settings)
        try:
            with self._store_lock:
                _, step = advance_rules(
                    self._store, self.config, self._targets, now=now, settings=settings,
                    sinks=sinks,
                )  # fmt: skip
                flush_open(self._store, sinks, now=now)
        except Exception as exc:
            self._log.error("tracker %r: cannot evaluate the targets: %s", self.name, exc)
            return
        if step is None:
            return
        with self._lock:
            for notice in step.notifications:
                self._emit("alert", now, dict(notice))

    def close(self) -> None:
        """Flush, stop the background thread and close the store. Idempotent.

        Raises
        ------
        StoreError
            If the last flush fails (the store is closed all the same).
        """
        if self._closed:
            return
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
        try:  # an in-memory store goes with the tracker: what it has not written, it need not
            self._flush_now(records=self._write_each_flush)
        finally:
            self._closed = True
            with self._store_lock:
                self._store.close()

    def __enter__(self) -> Tracker:
        """Use the tracker in a ``with`` block; it is closed at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the tracker (`close`)."""
        self.close()

    def __repr__(self) -> str:
        """Show the name, currency and the number of records recorded."""
        return f"Tracker(name={self.name!r}, currency={self.currency!r}, records={self._sequence})"
