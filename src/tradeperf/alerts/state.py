"""The alerts' lifecycle kept in the store: states in, a `step`, states and events out.

The store keeps one row per rule and scope (`tradeperf.store.base.AlertRow`, the state as
JSON) and an append-only event log (`AlertEventRow`); `advance` reads them, runs
`tradeperf.alerts.lifecycle.step` and writes the result in one transaction, so that a
restarted ``check`` or ``watch`` goes on from where the last one stopped and never notifies
twice what it already notified.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeperf.alerts.lifecycle import AlertState, Policy, Silence, Step, step
from tradeperf.alerts.rules import Outcome, json_number, plain
from tradeperf.records.alert import Severity
from tradeperf.store.base import AlertEventRow, AlertRow

if TYPE_CHECKING:
    from tradeperf.store import Store

_TIMES = ("first_seen", "last_seen", "last_sent", "cleared_since", "resolved_at")


def state_to_json(state: AlertState) -> str:
    """Give ``state`` as JSON (times ISO 8601, money and thresholds as exact decimal text).

    Examples
    --------
    >>> t = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    >>> s = AlertState("k", 1, "win_rate", "win_rate", None, None, Severity.WARNING,
    ...                "firing", 0.4, Decimal("0.5"), "the last 20 trades", "m", t, t)
    >>> state_from_json(state_to_json(s)) == s
    True
    """
    doc: dict[str, Any] = {
        "key": state.key, "occurrence": state.occurrence, "rule": state.rule,
        "figure": state.figure, "strategy": state.strategy, "symbol": state.symbol,
        "severity": state.severity.value, "status": state.status,
        "value": json_number(state.value), "exact": isinstance(state.value, Decimal),
        "threshold": plain(state.threshold), "window": state.window,
        "message": state.message,
    }  # fmt: skip
    for name in _TIMES:
        value = getattr(state, name)
        doc[name] = value.isoformat() if value is not None else None
    return json.dumps(doc, sort_keys=True)


def state_from_json(text: str) -> AlertState:
    """Read a state written by `state_to_json`."""
    doc = json.loads(text)
    value = doc["value"]
    if value is not None and doc.get("exact"):
        value = Decimal(value)
    times = {n: dt.datetime.fromisoformat(doc[n]) if doc[n] else None for n in _TIMES}
    return AlertState(
        key=doc["key"], occurrence=int(doc["occurrence"]), rule=doc["rule"],
        figure=doc["figure"], strategy=doc["strategy"], symbol=doc["symbol"],
        severity=Severity(doc["severity"]), status=doc["status"], value=value,
        threshold=Decimal(doc["threshold"]), window=doc["window"], message=doc["message"],
        first_seen=times["first_seen"], last_seen=times["last_seen"],  # type: ignore[arg-type]
        last_sent=times["last_sent"], cleared_since=times["cleared_since"],
        resolved_at=times["resolved_at"],
    )  # fmt: skip


def load_states(store: Store) -> dict[str, AlertState]:
    """Read the alerts' states from ``store``, by key."""
    return {key: state_from_json(text) for key, text in store.alert_states()}


def save(
    store: Store,
    done: Step,
    *,
    at: dt.datetime,
    keys: Sequence[str] | None = None,
    sinks: Sequence[str] = (),
) -> None:
    """Write the states of ``done`` (those of ``keys``, or all) and append its events.

    Its notifications go into the outbox, pending for the sinks named ``sinks``
    (`tradeperf.alerts.outbox`), in the same transaction.
    """
    from tradeperf.alerts.outbox import notice_rows

    chosen = done.states if keys is None else {k: done.states[k] for k in keys}
    rows = [
        AlertRow(s.key, s.alert_id, s.rule, s.status, s.severity.value, state_to_json(s))
        for s in chosen.values()
    ]
    events = [
        AlertEventRow(e.at, e.alert_id, e.kind, e.severity.value, _text(e.value), e.message)
        for e in done.events
    ]
    notices = notice_rows(done.notifications, sinks, at=at)
    store.save_alert_states(rows, events, at=at, notices=notices)


def _text(value: Decimal | float | None) -> str | None:
    return None if value is None else plain(value)


def stored_silences(store: Store, now: dt.datetime) -> list[Silence]:
    """Give the silences kept in ``store`` that are active at ``now``."""
    return [
        Silence(r.rule, r.starts_at, r.ends_at, r.reason, r.strategy, r.symbol)
        for r in store.silences(active_at=now)
    ]


def silence(
    store: Store,
    rule: str,
    *,
    now: dt.datetime,
    duration: dt.timedelta,
    reason: str,
    strategy: str | None = None,
    symbol: str | None = None,
) -> Silence:
    """Keep a silence of the alerts whose rule matches the pattern ``rule``, from ``now``.

    Raises
    ------
    ConfigError
        If the duration is not positive or the reason is empty.
    """
    from tradeperf.errors import ConfigError
    from tradeperf.store.base import SilenceRow

    if duration <= dt.timedelta(0):
        raise ConfigError("--for: a positive duration (2h, 1d)")
    if not reason.strip():
        raise ConfigError("--reason: say why the alerts are silenced")
    kept = Silence(rule, now, now + duration, reason.strip(), strategy, symbol)
    store.add_silence(SilenceRow(rule, strategy, symbol, kept.starts, kept.ends, kept.reason))
    return kept


def advance(
    store: Store,
    outcomes: Sequence[Outcome],
    *,
    now: dt.datetime,
    policy: Policy = Policy(),
    silences: Sequence[Silence] = (),
    sinks: Sequence[str] = (),
) -> Step:
    """Run one lifecycle step on the store's states and keep its result (`step`, `save`).

    The silences are ``silences`` (maintenance windows) and those kept in the store active
    at ``now``; the notifications go into the outbox for the sinks named ``sinks``.
    """
    active = [*silences, *stored_silences(store, now)]
    done = step(load_states(store), outcomes, now=now, policy=policy, silences=active)
    save(store, done, at=now, sinks=sinks)
    return done


def acknowledge_alert(store: Store, alert_id: str, *, now: dt.datetime) -> AlertState:
    """Acknowledge the active alert ``alert_id`` in ``store`` and log it; return its state.

    Raises
    ------
    InputError
        If no active alert has that id.
    """
    from tradeperf.alerts.lifecycle import Event, acknowledge
    from tradeperf.errors import InputError

    states = load_states(store)
    found = next((s for s in states.values() if s.alert_id == alert_id), None)
    if found is None or found.status == "resolved":
        raise InputError(f"no active alert {alert_id!r} (see `tradeperf alerts list`)")
    state = acknowledge(found)
    event = Event(now, state.alert_id, "acknowledged", state.severity, state.value, state.message)
    save(store, Step({state.key: state}, [event]), at=now)
    return state
