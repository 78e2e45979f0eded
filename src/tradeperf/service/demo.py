"""``tradeperf serve --demo``: the sample's bot trading live into the service itself.

The generator's stream (`tradeperf.sample.generate_events`: fills, marks and funding of
three strategies on six instruments) is replayed through `Service.ingest`, the path of
``POST /v1/fills``: first the last `BACKFILL` of it at once (stamped in the past, so the
page has a day to show), then live, `SPEED` times faster than the generator's own pace,
each record stamped with the time it is posted. Ids carry the start of the run, so a demo
started again adds to the store instead of conflicting with the last one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

from tradeperf.records import Fill, FundingPayment, Mark

if TYPE_CHECKING:
    from tradeperf.service.runtime import Service

__all__ = ["BACKFILL", "SPEED", "DemoPlayer"]

#: How much of the stream is posted at once when the demo starts.
BACKFILL: Final = dt.timedelta(hours=24)
#: How many times faster than the generator's pace the live part runs.
SPEED: Final = 15.0
_KINDS: Final = {Fill: "fills", Mark: "marks", FundingPayment: "funding"}
_log = logging.getLogger("tradeperf.service")


def _row(record: Any) -> dict[str, Any]:
    fields = record.__dataclass_fields__
    out = {}
    for name in fields:
        value = getattr(record, name)
        if name in ("extra", "source", "source_line") or value is None:
            continue
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        elif not isinstance(value, str | int | float | bool | list):
            value = str(getattr(value, "value", value))
        out[name] = value
    return out


class DemoPlayer:
    """Replays the generator into ``service`` on a thread until `stop`."""

    def __init__(self, service: Service, *, seed: int | None = None) -> None:
        self.service = service
        self.seed = seed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tradeperf-demo", daemon=True)
        self.posted = 0

    def start(self) -> None:
        """Start replaying."""
        self._thread.start()

    def stop(self) -> None:
        """Stop replaying (waits for the batch under way)."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _events(self, began: dt.datetime) -> Iterator[Any]:
        from tradeperf.sample import generate_events

        seed = self.seed if self.seed is not None else int(began.timestamp())
        tag = began.strftime("%Y%m%dT%H%M%S")
        for event in generate_events(10**9, seed=seed % 2**31, start=began - BACKFILL):
            if isinstance(event, Fill):
                event = dataclasses.replace(event, fill_id=f"demo-{tag}-{event.fill_id}")
            yield event

    def _post(self, kind: str, rows: list[dict[str, Any]]) -> None:
        try:
            self.service.ingest(kind, rows)
            self.posted += len(rows)
        except Exception as exc:  # the demo goes on; the service said why
            _log.warning("demo: a batch of %s was refused: %s", kind, exc)

    def _run(self) -> None:
        began = dt.datetime.now(dt.UTC)
        events = self._events(began)
        batch: list[dict[str, Any]] = []
        kind = ""
        live_at: dt.datetime | None = None
        for event in events:
            if self._stop.is_set():
                return
            this = _KINDS.get(type(event))
            if this is None:
                continue
            if event.timestamp < began:  # the backfill: in batches of one kind
                if (this != kind or len(batch) >= 500) and batch:
                    self._post(kind, batch)
                    batch = []
                kind = this
                batch.append(_row(event))
                continue
            if batch:
                self._post(kind, batch)
                batch = []
            if live_at is None:
                live_at = event.timestamp
            wall = began + (event.timestamp - live_at) / SPEED
            wait = (wall - dt.datetime.now(dt.UTC)).total_seconds()
            if wait > 0 and self._stop.wait(wait):
                return
            stamped = dataclasses.replace(event, timestamp=dt.datetime.now(dt.UTC))
            self._post(this, [_row(stamped)])
