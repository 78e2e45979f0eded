"""The service's state: one writer (a `Tracker` on the store), readers, figures, the stream.

- **Writes** go through one `tradeperf.tracker.Tracker` (named ``service`` unless told),
  which holds the store's only writing connection: a batch is checked whole and booked
  (`Tracker.record_batch`), so a 200 means the batch is booked (the live figures hold it);
  a writer thread writes what was booked to the store every `WRITE_EVERY` seconds, all
  batches since the last write in one transaction (a group commit). ``?durable=true``
  answers only once the batch is in the store. A stop (SIGTERM) writes everything first. A
  DuckDB file has one writing process; this is it.
- **Reads** (summaries, positions, alerts) run on reader connections of their own (a second
  connection to the same DuckDB database in this process, or to the PostgreSQL server), one
  request at a time each, so a long summary never holds up a write and sees a consistent
  snapshot of the store (both engines are MVCC).
- **Figures** for the dashboard and ``/metrics`` are recomputed by a background thread after
  each change, at most every ``refresh_interval`` seconds, and pushed on the stream; a read
  of them never waits for the store.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypeVar

from tradeperf.config import Config
from tradeperf.errors import NoSourceFilesError, StoreError
from tradeperf.service.body import Limits
from tradeperf.service.hub import Hub
from tradeperf.store import Store, open_store

__all__ = ["READERS", "Service", "ServiceOptions"]

#: Reader connections (each answers one query at a time).
READERS: Final = 3
#: Seconds an answer is reused while the store does not change ("the last 24 h" moves on).
CACHE_SECONDS: Final = 5.0
#: How old a record posted to the API may be, in days (older ones go in as files).
MAX_AGE_DAYS: Final = 3650
#: Seconds between two writes of the booked batches to the store.
WRITE_EVERY: Final = 0.25
T = TypeVar("T")
_log = logging.getLogger("tradeperf.service")


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """How the service runs (the ``serve`` command's options).

    Attributes
    ----------
    token : the bearer token of the write endpoints; None: no token (loopback only).
    name : the tracker's name in the store (its source is ``tracker://NAME``).
    targets : a targets file: alerts evaluated after each flush (docs/alerts.md).
    limits : body size and batch length of an ingestion request.
    refresh_interval : seconds between recomputations of the dashboard's figures.
    watch : folders or files followed as ``tradeperf watch`` does.
    watch_every : seconds between two cycles of following them.
    """

    token: str | None = None
    name: str = "service"
    targets: Path | None = None
    config_file: Path | None = None
    limits: Limits = field(default_factory=Limits)
    refresh_interval: float = 0.5
    watch: tuple[Path, ...] = ()
    watch_every: float = 10.0


@dataclass
class _Figures:
    doc: dict[str, Any] | None = None
    version: int = -1
    at: float = 0.0
    error: str | None = None


class _Readers:
    """A few reader stores, lent one request at a time."""

    def __init__(self, url: str, count: int) -> None:
        self._free: queue.LifoQueue[Store] = queue.LifoQueue()
        self._all: list[Store] = []
        for _ in range(count):
            store = open_store(url)
            self._all.append(store)
            self._free.put(store)

    @contextlib.contextmanager
    def lend(self) -> Iterator[Store]:
        store = self._free.get()
        try:
            yield store
        finally:
            self._free.put(store)

    def close(self) -> None:
        for store in self._all:
            with contextlib.suppress(Exception):
                store.close()


@dataclass
class _Counters:
    ingested: dict[str, int] = field(default_factory=dict)
    rejected: dict[tuple[str, str], int] = field(default_factory=dict)


class Service:
    """The state behind the HTTP API (`tradeperf.service.app.create_app`).

    Parameters
    ----------
    config
        The resolved settings (store URL, timezone, account).
    options
        The service's own options.
    clock
        Gives "now" (aware UTC); for tests.

    Raises
    ------
    StoreError
        If the store cannot be opened (held by another process, unreachable).
    ConfigError
        For a bad setting.
    """

    def __init__(
        self,
        config: Config,
        options: ServiceOptions = ServiceOptions(),
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        from tradeperf import jobs
        from tradeperf.tracker import Tracker

        self.options = options
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.started = self._clock()
        with open_store(config.store) as store:  # the account the stored sources state
            config, _ = jobs.account_for(store, config)
        self.config = dataclasses.replace(
            config, explicit=frozenset(config.explicit) | {"capital", "currency"}
        )
        self.hub = Hub()
        self.counters = _Counters()
        self.version = 0  # batches accepted
        self.stored_version = 0  # of them, those in the store
        self.generation = 0  # changes of the store (writes, acknowledgements, files read)
        self._cache: dict[tuple[Any, ...], tuple[int, float, Any]] = {}
        self._computing: set[tuple[Any, ...]] = set()
        self._cache_lock = threading.Lock()
        self._changed = threading.Condition()
        self._figures = _Figures()
        self._stop = threading.Event()
        self.tracker = Tracker(
            config.store,
            name=options.name,
            capital=self.config.capital,
            currency=self.config.currency,
            timezone=self.config.timezone,
            day_start=None if config.day_start is None else config.day_start.strftime("%H:%M"),
            targets=options.targets,
            config_file=options.config_file,
            flush_interval=0,  # the service's writer thread flushes
            clock=clock,
        )
        self.tracker.on("alert", self._alerted)
        try:
            self._readers = _Readers(config.store, READERS)
        except BaseException:
            self.tracker.close()
            raise
        self._threads = [
            threading.Thread(target=self._refresh, name="tradeperf-figures"),
            threading.Thread(target=self._write, name="tradeperf-writer"),
        ]
        if options.watch:
            self._threads.append(threading.Thread(target=self._follow, name="tradeperf-watch"))
        for t in self._threads:
            t.daemon = True
            t.start()

    # -- writes ---------------------------------------------------------------------------
    def ingest(self, kind: str, rows: Sequence[object], *, durable: bool = False) -> dict[str, Any]:
        """Check and book a batch of ``kind``, all or nothing; with ``durable``, store it now.

        Returns
        -------
        The `tradeperf.tracker.batch.BatchResult` document, with the service's ``version``
        after it.

        Raises
        ------
        BatchRejected
            For an invalid or conflicting batch (nothing kept).
        StoreError
            If the store cannot be written: the batch is booked and kept in memory, and
            written at the next flush (a retry is recognised as a repeat).
        """
        from tradeperf.tracker.batch import BatchRejected

        try:
            now = self._clock()
            within = (now - dt.timedelta(days=MAX_AGE_DAYS), now + dt.timedelta(days=1))
            result = self.tracker.record_batch(kind, rows, require_id=True, within=within)
        except BatchRejected as exc:
            key = (kind, exc.error)
            self.counters.rejected[key] = self.counters.rejected.get(key, 0) + 1
            raise
        if result.accepted:
            self.counters.ingested[kind] = self.counters.ingested.get(kind, 0) + result.accepted
            with self._changed:
                self.version += 1
                version = self.version
        else:
            version = self.version
        if durable:
            self._write_once()
        doc = {**result.to_json(), "version": version}
        if result.accepted:
            event: dict[str, Any] = {
                "kind": kind, "accepted": result.accepted, "repeated": result.repeated,
                "version": version, "at": self._clock().isoformat(),
            }  # fmt: skip
            if kind == "fills":  # the page shows them at once, before the figures follow
                from tradeperf.service.figures import fill_rows

                event["fills"] = fill_rows(result.records[-20:][::-1])
            self.hub.publish("records", event)
        return doc

    def _alerted(self, event: Any) -> None:
        """Push a notified alert, and recompute the figures (its state is stored)."""
        self.hub.publish("alert", _plain(event.data))
        self._changed_store()

    def rejected(self, kind: str, reason: str) -> None:
        """Count a request refused before its rows were read (unauthorized, too large)."""
        key = (kind, reason)
        self.counters.rejected[key] = self.counters.rejected.get(key, 0) + 1

    def _changed_store(self, stored_version: int | None = None) -> None:
        with self._changed:
            self.generation += 1
            if stored_version is not None:
                self.stored_version = max(self.stored_version, stored_version)
            self._changed.notify_all()

    def _write_once(self) -> None:
        """Write what is booked to the store (the group commit of the batches since the last)."""
        version = self.version
        if self.tracker.flush() or version > self.stored_version:
            self._changed_store(version)

    def _write(self) -> None:
        while not self._stop.wait(WRITE_EVERY):
            try:
                self._write_once()
            except Exception as exc:  # kept booked; written at the next try
                _log.error("cannot write to the store: %s", exc)

    # -- reads ----------------------------------------------------------------------------
    def read(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` on a reader store (one request at a time on each) and return its result."""
        with self._readers.lend() as store:
            return fn(store)

    def cached(self, key: tuple[Any, ...], fn: Callable[[], T]) -> T:
        """Return ``fn()`` for ``key``, computed once per change of the store (and 5 s).

        While one request computes it again after a change, the others get the answer of
        the change before (stale by one write at most) instead of queueing behind it.
        """
        generation = self.generation
        now = time.monotonic()
        with self._cache_lock:
            kept = self._cache.get(key)
            if kept is not None and kept[0] == generation and now - kept[1] < CACHE_SECONDS:
                return kept[2]  # type: ignore[no-any-return]
            if kept is not None and key in self._computing:
                return kept[2]  # type: ignore[no-any-return]
            self._computing.add(key)
        try:
            value = fn()
        finally:
            with self._cache_lock:
                self._computing.discard(key)
        with self._cache_lock:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (generation, now, value)
        return value

    def write_store(self, fn: Callable[[Store], T]) -> T:
        """Run ``fn`` on the writer's store (alert acknowledgements, silences), then refresh."""
        result = self.tracker.using_store(fn)
        self._changed_store(self.version)
        return result

    def figures(self, *, wait: float = 10.0) -> dict[str, Any]:
        """Return the dashboard's document (`tradeperf.service.figures.dashboard_doc`).

        The latest one computed; the first call waits up to ``wait`` seconds for it.

        Raises
        ------
        StoreError
            If none could be computed (the reason of the last failure).
        """
        deadline = time.monotonic() + wait
        with self._changed:
            while self._figures.doc is None and time.monotonic() < deadline:
                if self._figures.error is not None:
                    break
                self._changed.wait(0.1)
            doc = self._figures.doc
            error = self._figures.error
        if doc is None:
            raise StoreError(f"the figures are not ready: {error or 'still computing'}")
        return doc

    @property
    def figures_age(self) -> float | None:
        """Seconds since the figures were computed (None before the first)."""
        at = self._figures.at
        return None if not at else time.monotonic() - at

    def snapshots(
        self, resolution: str, since: dt.datetime | None = None, *, store: Store | None = None
    ) -> list[dict[str, Any]]:
        """Return the tracker's snapshots at ``resolution`` as stored, read on a reader.

        Not `Tracker.history`, which flushes and takes the writer's connection.
        """
        import json

        if store is None:
            return self.read(lambda st: self.snapshots(resolution, since, store=st))
        rows = store.tracker_snapshots(self.tracker.name, resolution, since, None)  # type: ignore[attr-defined]
        return [json.loads(r.snapshot) for r in rows]

    def _compute(self, version: int) -> dict[str, Any]:
        from tradeperf.service.figures import dashboard_doc

        now = self._clock()
        since = now - dt.timedelta(hours=24)

        def compute(store: Store) -> dict[str, Any]:
            intraday = self.snapshots("minute", since, store=store)
            return dashboard_doc(
                store, self.config, now=now, intraday=intraday, version=version,
                auth_required=self.options.token is not None,
            )  # fmt: skip

        return self.read(compute)

    def _refresh(self) -> None:
        """Recompute the figures after each change (at most every ``refresh_interval``)."""
        while not self._stop.is_set():
            with self._changed:
                while self._figures.version == self.generation and not self._stop.is_set():
                    self._changed.wait(1.0)
                generation, version = self.generation, self.stored_version
            if self._stop.is_set():
                return
            started = time.monotonic()
            try:
                doc = self._compute(version)
            except Exception as exc:  # kept and shown; retried after the next change
                _log.exception("cannot compute the dashboard's figures")
                with self._changed:
                    self._figures.error = str(exc)
                    self._figures.version = generation
                    self._changed.notify_all()
                continue
            with self._changed:
                self._figures = _Figures(doc, generation, time.monotonic())
                self._changed.notify_all()
            self.hub.publish("dashboard", doc)
            rest = self.options.refresh_interval - (time.monotonic() - started)
            if rest > 0:
                self._stop.wait(rest)

    # -- following folders ----------------------------------------------------------------
    def _follow(self) -> None:
        """Ingest what is appended to the watched paths, as ``tradeperf watch`` does."""
        from tradeperf import jobs

        options = jobs.read_options(self.config)
        while not self._stop.is_set():
            try:
                report = self.tracker.using_store(
                    lambda store: jobs.ingest(store, self.options.watch, options=options)
                )
                if report.rows_new:
                    self._changed_store()
                    self.hub.publish(
                        "records",
                        {"kind": "files", "accepted": report.rows_new, "repeated": 0,
                         "version": self.version, "at": self._clock().isoformat()},
                    )  # fmt: skip
            except NoSourceFilesError:
                pass  # a folder the bot has not written to yet
            except Exception as exc:  # a damaged file is quarantined; this is the rest
                _log.warning("cannot follow %s: %s", ", ".join(map(str, self.options.watch)), exc)
            self._stop.wait(self.options.watch_every)

    # -- life -----------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the threads, end the streams, flush and close the store. Idempotent."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        self.hub.close()
        for t in self._threads:
            t.join(timeout=5)
        try:
            self.tracker.close()
        finally:
            self._readers.close()


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    import json

    from tradeperf.tracker.live import _json_default

    loaded: dict[str, Any] = json.loads(json.dumps(data, default=_json_default))
    return loaded
