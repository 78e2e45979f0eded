"""``tradeperf watch``: ingest what logs append, evaluate the targets, deliver, until stopped.

Each cycle (every ``every``, from the start of the last):

1. opens the store, ingests what was appended to the watched files and folders since the
   last cycle (the ingestion index reads a grown log on from where it stopped), evaluates
   the rules and advances their lifecycle, keeping each notification in the outbox with
   its state, adds the digest when it is due, and closes the store;
2. delivers what the outbox holds (`tradeperf.alerts.outbox.flush`), with the store closed.

So the store is held only during step 1: a DuckDB file has one process at a time, and other
commands (``summary``, ``alerts ack``) run between cycles, waiting a moment if they come
during one (``TRADEPERF_STORE_WAIT``). A cycle that cannot open the store (another command
holds it longer) says so and the next cycle tries again.

Ctrl-C or SIGTERM stops the watch between cycles: the cycle under way finishes, nothing is
lost. A second signal stops it at once, which loses nothing either (a write is one
transaction; an interrupted one is read again next time). A restarted watch goes on from
the store: files from where they were read to, alerts from their state, and what was kept
but not yet delivered is delivered, so nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from tradeperf.alerts.check import advance_rules, sinks_of
from tradeperf.alerts.settings import AlertSettings
from tradeperf.errors import InputError, NoSourceFilesError, StoreError

if TYPE_CHECKING:
    from tradeperf.alerts.lifecycle import Step
    from tradeperf.alerts.rules import Outcome
    from tradeperf.alerts.sinks import Delivery, Sink
    from tradeperf.alerts.targets import Target
    from tradeperf.config import Config
    from tradeperf.ingest.options import ReadOptions
    from tradeperf.pipeline import IngestReport


@dataclass(slots=True)
class Cycle:
    """What one cycle did: ingested, evaluated, notified, delivered, or the error it met."""

    started: dt.datetime
    ingest: IngestReport | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    step: Step | None = None
    digest: str | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Give the cycle as a JSON line's document (``watch --format json``)."""
        rep = self.ingest
        return {
            "at": self.started.astimezone(dt.UTC).isoformat(),
            "seconds": round(self.seconds, 3),
            "files_read": rep.files_read if rep else 0,
            "rows_new": rep.rows_new if rep else 0,
            "rejected_rows": rep.rejected_rows if rep else 0,
            "breached": sum(1 for o in self.outcomes if o.breached),
            "notified": [n["alert_id"] + ":" + n["kind"] for n in self._notifications()],
            "digest": self.digest,
            "delivered": sum(1 for d in self.deliveries if d.ok),
            "failed": [f"{d.sink}: {d.error}" for d in self.deliveries if not d.ok],
            "errors": self.errors,
        }

    def _notifications(self) -> list[dict[str, Any]]:
        return list(self.step.notifications) if self.step else []

    @property
    def news(self) -> bool:
        """Tell whether the cycle did anything worth a line: new rows, notices, errors."""
        rep = self.ingest
        return bool(
            (rep and (rep.rows_new or rep.rejected_rows))
            or self._notifications()
            or self.digest
            or self.deliveries
            or self.errors
        )


class Watch:
    """Run the cycles of the module on ``paths`` with ``targets`` (none: ingest and digest).

    Parameters
    ----------
    config
        The resolved settings (store, timezone, account).
    paths
        Files and folders to follow.
    targets
        The rules.
    every
        The interval from the start of one cycle to the next.
    options
        The reader options.
    settings
        The alerts' settings (suppression, sinks, digest, maintenance).
    sinks
        Where notifications go (None: `sinks_of` ``settings``).
    clock
        Gives the instant of a cycle (tests pass their own).
    """

    def __init__(
        self,
        config: Config,
        paths: Sequence[Path],
        targets: list[Target],
        *,
        every: dt.timedelta,
        options: ReadOptions,
        settings: AlertSettings,
        sinks: Sequence[Sink] | None = None,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.config = config
        self.paths = list(paths)
        self.targets = targets
        self.every = every
        self.options = options
        self.settings = settings
        self.sinks = sinks_of(settings) if sinks is None else list(sinks)
        self.clock = clock
        self.stop = threading.Event()

    def cycle(self) -> Cycle:
        """Run one cycle; an error of the store or the input is said, never raised."""
        from tradeperf import jobs
        from tradeperf.alerts.outbox import flush
        from tradeperf.store import open_store

        began = time.monotonic()
        done = Cycle(self.clock())
        now = done.started
        try:
            with open_store(self.config.store) as store:
                skip = [self.settings.log] if self.settings.log else []
                try:
                    done.ingest = jobs.ingest(store, self.paths, options=self.options, skip=skip)
                except NoSourceFilesError:
                    pass  # a folder the bot has not written to yet
                except InputError as exc:  # nothing read yet; a path gone
                    done.errors.append(str(exc))
                if self.targets:
                    done.outcomes, done.step = advance_rules(
                        store, self.config, self.targets, now=now, settings=self.settings,
                        sinks=self.sinks,
                    )  # fmt: skip
                done.digest = self._digest(store, now, done.step)
                pending = store.notices()
            done.deliveries = flush(self.config.store, self.sinks, now=now, pending=pending)
        except StoreError as exc:
            done.errors.append(str(exc))
        done.seconds = time.monotonic() - began
        return done

    def _digest(self, store: Any, now: dt.datetime, step: Step | None) -> str | None:
        """Keep the digest in the outbox when it is due and not yet kept; give its label."""
        from tradeperf.alerts.digest import make_digest, period_of
        from tradeperf.alerts.outbox import notice_rows
        from tradeperf.alerts.state import load_states
        from tradeperf.jobs import summary_request
        from tradeperf.timezones import resolve_timezone

        at, period = self.settings.digest_at, self.settings.digest_period
        if at is None:
            return None
        base = summary_request(self.config)
        tz = resolve_timezone(base.day_key)
        local = now.astimezone(tz)
        if local.time() < at:  # due from that time of each day (the week's: of any day)
            return None
        label = period_of(now, tz, period)[2]
        if store.notices(pending=False, key=f"digest:{period}:{label}"):
            return None
        states = step.states.values() if step else load_states(store).values()
        firing = sum(1 for s in states if s.status == "firing")
        digest = make_digest(store, base, now=now, period=period, firing=firing)
        rows = notice_rows([digest], [s.name for s in self.sinks], at=now)
        store.save_alert_states([], [], at=now, notices=rows)
        return label

    def run(
        self,
        *,
        on_cycle: Callable[[Cycle], None] | None = None,
        cycles: int | None = None,
        handle_signals: bool = True,
    ) -> int:
        """Run cycles until stopped (`stop`, Ctrl-C, SIGTERM) or ``cycles`` ran; give how many.

        With ``handle_signals`` (in the main thread), SIGINT and SIGTERM set `stop`: the
        cycle under way finishes first. A second one stops at once (KeyboardInterrupt).
        """
        previous: dict[signal.Signals, Any] = {}
        if handle_signals and threading.current_thread() is threading.main_thread():

            def asked(signum: int, _frame: FrameType | None) -> None:
                if self.stop.is_set():
                    raise KeyboardInterrupt
                self.stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, asked)
        ran = 0
        try:
            while not self.stop.is_set():
                began = time.monotonic()
                done = self.cycle()
                ran += 1
                if on_cycle is not None:
                    on_cycle(done)
                if cycles is not None and ran >= cycles:
                    break
                pause = self.every.total_seconds() - (time.monotonic() - began)
                self.stop.wait(max(pause, 0.0))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return ran
