"""The alerts' outbox: every notification is kept with the state that made it, then delivered.

A notification goes into the store's outbox in the transaction that keeps the alert state
which made it (`tradeperf.alerts.state.advance`), naming the sinks it is for. `flush`
delivers what is pending with the store closed (a webhook may take seconds, and a DuckDB
file has one process at a time), then writes what each sink did. So:

- a process killed before it delivered delivers on its next run (the restarted ``watch``,
  the next ``check``): nothing is lost;
- a sink that failed is tried again on the next run, the others are not sent twice;
- a notification still not delivered after `MAX_DELIVERIES` runs or `GIVE_UP_AFTER` is given
  up, logged and recorded (``last_error``).

A process killed between a sink's answer and the record of it sends that one again on its
next run: delivery is at least once, a duplicate possible only in that instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from tradeperf.alerts.sinks import LOGGER, Delivery, Sink, deliver
from tradeperf.store.base import NoticeRow

if TYPE_CHECKING:
    from tradeperf.store import Store

#: Runs a notification is tried on before it is given up.
MAX_DELIVERIES: Final = 10
#: Age after which a notification still not delivered is given up.
GIVE_UP_AFTER: Final = dt.timedelta(hours=24)


def notice_key(notice: Mapping[str, Any]) -> str:
    """Give the outbox key of a notification: one per alert, kind and instant (or digest)."""
    if notice.get("kind") == "digest":
        return f"digest:{notice['period']}:{notice['label']}"
    return f"{notice['alert_id']}:{notice['kind']}:{notice['at']}"


def notice_rows(
    notices: Sequence[Mapping[str, Any]], sinks: Sequence[str], *, at: dt.datetime
) -> list[NoticeRow]:
    """Give the outbox rows of ``notices``, each pending for the sinks named ``sinks``."""
    if not sinks:
        return []
    return [
        NoticeRow(notice_key(n), at, json.dumps(n, sort_keys=True, default=str), tuple(sinks))
        for n in notices
    ]


def deliver_pending(
    pending: Sequence[NoticeRow], sinks: Sequence[Sink], *, now: dt.datetime
) -> tuple[list[Delivery], list[NoticeRow]]:
    """Deliver ``pending`` to the sinks each is still pending for; give what happened.

    Returns the deliveries and the rows to settle (`Store.settle_notices`). A sink no
    longer configured is dropped from a row, and said in its ``last_error``.
    """
    by_name = {s.name: s for s in sinks}
    deliveries: list[Delivery] = []
    settled: list[NoticeRow] = []
    for row in pending:
        event = json.loads(row.notice)
        done = deliver(event, [by_name[n] for n in row.pending if n in by_name])
        deliveries += done
        left = tuple(d.sink for d in done if not d.ok)
        errors = [d.error or "failed" for d in done if not d.ok]
        errors += [f"{n}: no longer configured" for n in row.pending if n not in by_name]
        attempts = row.attempts + 1
        error = "; ".join(errors) or None
        if left and (attempts >= MAX_DELIVERIES or now - row.created_at >= GIVE_UP_AFTER):
            error = f"given up after {attempts} deliveries: {error}"
            LOGGER.error("alert notification %s %s", row.key, error)
            left = ()
        settled.append(dataclasses.replace(row, pending=left, attempts=attempts, last_error=error))
    return deliveries, settled


def flush(
    url: str,
    sinks: Sequence[Sink],
    *,
    now: dt.datetime,
    pending: Sequence[NoticeRow] | None = None,
) -> list[Delivery]:
    """Deliver what is pending in the outbox of the store at ``url``; record what happened.

    The store is opened to read the outbox (unless the caller read it: ``pending``) and
    again to record, and closed while the sinks work.

    Raises
    ------
    StoreError
        If the store cannot be opened or written (what was delivered then is delivered
        again next time).
    """
    from tradeperf.store import open_store

    if pending is None:
        with open_store(url) as store:
            pending = store.notices()
    if not pending:
        return []
    deliveries, settled = deliver_pending(pending, sinks, now=now)
    with open_store(url) as store:
        store.settle_notices(settled, at=now)
    return deliveries


def flush_open(store: Store, sinks: Sequence[Sink], *, now: dt.datetime) -> list[Delivery]:
    """Deliver what is pending in the outbox of the open ``store`` (a server store)."""
    pending = store.notices()
    if not pending:
        return []
    deliveries, settled = deliver_pending(pending, sinks, now=now)
    store.settle_notices(settled, at=now)
    return deliveries
