"""The outbox, on DuckDB and PostgreSQL: a notification kept with its state is delivered by
whichever run comes next (a process killed before delivering loses nothing); a sink that
failed is tried again without the others being sent twice; one never delivered is given up
and recorded."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from tests.alerts.test_lifecycle import T0, outcome
from tradeperf.alerts.outbox import MAX_DELIVERIES, flush
from tradeperf.alerts.sinks import SinkError
from tradeperf.alerts.state import advance
from tradeperf.store import open_store


class _Sink:
    """A sink that keeps what it gets, or fails while ``down``."""

    def __init__(self, name: str, *, down: bool = False) -> None:
        self.name = name
        self.down = down
        self.got: list[dict[str, Any]] = []

    def send(self, event: Mapping[str, Any]) -> int:
        if self.down:
            raise SinkError(f"{self.name}: HTTP 500 (3 tries)", 3)
        self.got.append(dict(event))
        return 1


def test_a_kept_notification_is_delivered_by_the_next_run_once(store_url: str) -> None:
    file, hook = _Sink("jsonl:a"), _Sink("webhook:http://h", down=True)
    with open_store(store_url) as store:  # the run that kept it was killed before delivering
        done = advance(store, [outcome(0.4)], now=T0, sinks=[file.name, hook.name])
    (note,) = done.notifications
    first = flush(store_url, [file, hook], now=T0 + dt.timedelta(seconds=10))
    assert [(d.sink, d.ok) for d in first] == [("jsonl:a", True), ("webhook:http://h", False)]
    assert [e["alert_id"] for e in file.got] == [note["alert_id"]]
    with open_store(store_url) as store:
        (row,) = store.notices()
    assert (row.pending, row.attempts) == (("webhook:http://h",), 1)
    assert "HTTP 500" in (row.last_error or "")

    hook.down = False  # the webhook is back: it gets it, the file does not get it again
    second = flush(store_url, [file, hook], now=T0 + dt.timedelta(minutes=1))
    assert [(d.sink, d.ok) for d in second] == [("webhook:http://h", True)]
    assert len(file.got) == 1
    assert hook.got == [json.loads(json.dumps(note))]
    assert flush(store_url, [file, hook], now=T0 + dt.timedelta(minutes=2)) == []
    with open_store(store_url) as store:
        assert store.notices() == []
        (row,) = store.notices(pending=False)
    assert (row.pending, row.last_error, row.attempts) == ((), None, 2)
    assert row.settled_at is not None


def test_a_notification_never_delivered_is_given_up_and_recorded(store_url: str) -> None:
    hook = _Sink("webhook:http://h", down=True)
    with open_store(store_url) as store:
        advance(store, [outcome(0.4)], now=T0, sinks=[hook.name])
    for i in range(MAX_DELIVERIES):
        flush(store_url, [hook], now=T0 + dt.timedelta(minutes=i))
    with open_store(store_url) as store:
        assert store.notices() == []
        (row,) = store.notices(pending=False)
    assert row.attempts == MAX_DELIVERIES
    assert (row.last_error or "").startswith(f"given up after {MAX_DELIVERIES} deliveries")


def test_a_sink_no_longer_configured_is_dropped_and_said(store_url: str) -> None:
    with open_store(store_url) as store:
        advance(store, [outcome(0.4)], now=T0, sinks=["webhook:http://gone"])
    assert flush(store_url, [_Sink("jsonl:a")], now=T0) == []  # nothing to send it to
    with open_store(store_url) as store:
        (row,) = store.notices(pending=False)
    assert row.last_error == "webhook:http://gone: no longer configured"
    assert row.settled_at is not None


def test_a_notice_key_is_kept_once(store_url: str) -> None:
    from tradeperf.store.base import NoticeRow

    row = NoticeRow("digest:day:2024-05-01", T0, '{"kind": "digest"}', ("jsonl:a",))
    with open_store(store_url) as store:
        store.save_alert_states([], [], at=T0, notices=[row])
        store.save_alert_states([], [], at=T0, notices=[row, row])
        assert len(store.notices(pending=False)) == 1
        assert store.notices(key="digest:day:2024-05-01")[0].seq == 1
