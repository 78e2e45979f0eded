"""The alerts' lifecycle kept in the store, on DuckDB and PostgreSQL: a restarted evaluation
goes on from the stored state, never notifies again what it already notified, keeps the
occurrence count across a resolution, and appends every event to the log in order."""

from __future__ import annotations

import datetime as dt

from tests.alerts.test_lifecycle import T0, outcome
from tradeperf.alerts.lifecycle import Policy
from tradeperf.alerts.state import advance, load_states
from tradeperf.store import open_store

POLICY = Policy(repeat_interval=dt.timedelta(hours=1), cooldown=dt.timedelta(minutes=10))


def test_a_restart_goes_on_from_the_stored_state(store_url: str) -> None:
    plan = [(0, 0.4), (20, 0.4), (40, 0.2), (70, 0.2), (80, 0.6), (95, 0.6), (100, 0.4)]
    notified = []
    for minutes, value in plan:  # each evaluation a process of its own: open, step, close
        with open_store(store_url) as store:
            done = advance(store, [outcome(value)], now=T0 + dt.timedelta(minutes=minutes),
                           policy=POLICY)  # fmt: skip
            notified += [(minutes, n["kind"], n["alert_id"]) for n in done.notifications]
    kinds = [(m, k) for m, k, _ in notified]
    assert kinds == [(0, "fired"), (40, "escalated"), (95, "resolved"), (100, "fired")]
    ids = [a for _, _, a in notified]
    assert ids[0] == ids[1] == ids[2]
    assert ids[0].endswith("-1")
    assert ids[3].endswith("-2")
    with open_store(store_url) as store:
        (state,) = load_states(store).values()
        events = store.alert_events()
    assert (state.occurrence, state.status, state.severity.value) == (2, "firing", "warning")
    assert [e.kind for e in events] == ["fired", "escalated", "resolved", "fired"]
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[0].value == "0.4"


def test_no_second_notification_for_the_same_breach_after_a_restart(store_url: str) -> None:
    with open_store(store_url) as store:
        first = advance(store, [outcome(0.4)], now=T0, policy=POLICY)
    with open_store(store_url) as store:  # a restarted watch or the next cron run
        again = advance(store, [outcome(0.4)], now=T0 + dt.timedelta(minutes=5), policy=POLICY)
        later = advance(store, [outcome(0.4)], now=T0 + dt.timedelta(minutes=65), policy=POLICY)
    assert [n["kind"] for n in first.notifications] == ["fired"]
    assert again.notifications == []
    assert [n["kind"] for n in later.notifications] == ["repeated"]


def test_a_kept_silence_holds_notifications_until_it_ends(store_url: str) -> None:
    from tradeperf.alerts.state import silence

    with open_store(store_url) as store:
        silence(store, "win_rate", now=T0, duration=dt.timedelta(hours=1), reason="deploy")
        quiet = advance(store, [outcome(0.4)], now=T0 + dt.timedelta(minutes=5), policy=POLICY)
        after = advance(store, [outcome(0.4)], now=T0 + dt.timedelta(minutes=61), policy=POLICY)
        (kept,) = store.silences()
    assert quiet.notifications == []
    assert [n["kind"] for n in after.notifications] == ["unsilenced"]
    assert (kept.rule, kept.reason) == ("win_rate", "deploy")
