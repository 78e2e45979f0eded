"""The alert lifecycle: from rule outcomes to alerts that fire once, escalate, repeat, resolve.

`step` is a pure function: the alerts' state before, the rules' outcomes of one evaluation
(`tradeperf.alerts.rules.Outcome`), the instant and the `Policy` give the state after, the
events to append to the history and the notifications to deliver. Kept in the store and run
by ``alerts check`` and ``watch`` in a later part (docs/alerts.md); tested here on its own.

In the manner of Prometheus Alertmanager:

- **One alert per occurrence.** An alert is keyed by its rule and scope (strategy, symbol).
  A breach with no active alert fires a new occurrence (``KEY-N``); an alert that resolved
  and is breached again is occurrence N+1, never the old row edited.
- **Escalation.** A warning that becomes critical while active is the same alert,
  escalated (and notified again, acknowledged or not); critical back to warning is recorded
  and not notified.
- **Repeats.** A firing alert is notified when it fires and again only every
  ``repeat_interval`` while it stays breached; an acknowledged one is not repeated.
- **Hysteresis and cooldown.** An active alert resolves only when its figure has cleared the
  threshold by ``hysteresis`` (a fraction of the threshold's size) and stayed clear for
  ``cooldown``. A figure that dips back and forth across the threshold is one alert, not
  dozens. A rule that could not be evaluated (too few trades) neither fires nor resolves.
- **Silences.** A `Silence` (a rule pattern, a scope, an expiry and a reason) and the
  maintenance windows hold back every notification of the alerts it matches: they are
  ``silenced``. When it ends, an alert still breached is notified as firing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final, Literal

from tradeperf.alerts.rules import Outcome, json_number, plain
from tradeperf.records.alert import Severity

Status = Literal["firing", "acknowledged", "silenced", "resolved"]
#: Statuses of an alert that is still active (not resolved).
ACTIVE: Final = frozenset({"firing", "acknowledged", "silenced"})
_RANK: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass(frozen=True, slots=True)
class Policy:
    """How alerts are suppressed.

    Attributes
    ----------
    repeat_interval : a firing alert is notified again after this long (Alertmanager's
        ``repeat_interval``).
    hysteresis : how far past the threshold the figure must clear before resolving, as a
        fraction of the threshold's size (0.05: a win-rate minimum of 0.50 clears at 0.525).
    cooldown : how long the figure must stay clear before the alert resolves.
    """

    repeat_interval: dt.timedelta = dt.timedelta(hours=4)
    hysteresis: Decimal = Decimal("0.05")
    cooldown: dt.timedelta = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Silence:
    """Hold back the notifications of the alerts it matches, from ``starts`` to ``ends``.

    ``rule`` is a shell pattern of rule names (``*``, ``strategy.breakout.*``); ``strategy``
    and ``symbol`` narrow it (None: any). A maintenance window is a silence of ``*``.
    """

    rule: str
    starts: dt.datetime
    ends: dt.datetime
    reason: str
    strategy: str | None = None
    symbol: str | None = None

    def matches(self, alert: AlertState, now: dt.datetime) -> bool:
        """Tell whether this silence holds ``alert`` back at ``now``."""
        return (
            self.starts <= now < self.ends
            and fnmatch.fnmatchcase(alert.rule, self.rule)
            and self.strategy in (None, alert.strategy)
            and self.symbol in (None, alert.symbol)
        )


@dataclass(frozen=True, slots=True)
class AlertState:
    """An alert as the store keeps it: one row per rule and scope, for its latest occurrence."""

    key: str
    occurrence: int
    rule: str
    figure: str
    strategy: str | None
    symbol: str | None
    severity: Severity
    status: Status
    value: Decimal | float | None
    threshold: Decimal
    window: str
    message: str
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_sent: dt.datetime | None = None
    cleared_since: dt.datetime | None = None
    resolved_at: dt.datetime | None = None

    @property
    def alert_id(self) -> str:
        """Give the id of this occurrence: ``KEY-N``."""
        return f"{self.key}-{self.occurrence}"


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only alert history."""

    at: dt.datetime
    alert_id: str
    kind: Literal[
        "fired",
        "escalated",
        "deescalated",
        "repeated",
        "resolved",
        "silenced",
        "unsilenced",
        "acknowledged",
    ]
    severity: Severity
    value: Decimal | float | None
    message: str


@dataclass(frozen=True, slots=True)
class Step:
    """What one evaluation did: the states after it, the events, the notifications to send."""

    states: dict[str, AlertState]
    events: list[Event] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def alert_key(rule: str, strategy: str | None, symbol: str | None) -> str:
    """Give an alert's key: the first 16 hex digits of SHA-256 of its rule and scope.

    Examples
    --------
    >>> alert_key("win_rate", None, None) == alert_key("win_rate", None, None)
    True
    >>> alert_key("win_rate", "a", None) != alert_key("win_rate", None, "a")
    True
    """
    text = "\x1f".join((rule, strategy or "", symbol or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cleared(outcome: Outcome, policy: Policy) -> bool:
    """Tell whether the figure clears its threshold by the hysteresis margin."""
    if outcome.reason is not None or outcome.value is None:
        return False
    t = outcome.target
    value = outcome.value if isinstance(outcome.value, Decimal) else Decimal(repr(outcome.value))
    margin = abs(t.threshold) * policy.hysteresis
    return value >= t.threshold + margin if t.bound == "min" else value <= t.threshold - margin


def _notice(state: AlertState, kind: str, at: dt.datetime) -> dict[str, Any]:
    value = state.value
    return {
        "kind": kind,
        "at": at.astimezone(dt.UTC).isoformat(),
        "alert_id": state.alert_id,
        "rule": state.rule,
        "figure": state.figure,
        "strategy": state.strategy,
        "symbol": state.symbol,
        "severity": state.severity.value,
        "status": state.status,
        "value": json_number(value),
        "threshold": plain(state.threshold),
        "window": state.window,
        "first_seen": state.first_seen.isoformat(),
        "message": state.message,
    }


def step(
    states: Mapping[str, AlertState],
    outcomes: Sequence[Outcome],
    *,
    now: dt.datetime,
    policy: Policy = Policy(),
    silences: Sequence[Silence] = (),
) -> Step:
    """Advance the alerts by one evaluation (the module's rules).

    Parameters
    ----------
    states
        The alerts before, by key (`alert_key`); resolved ones included (they carry the
        occurrence count).
    outcomes
        One evaluation's outcomes (`tradeperf.alerts.rules.evaluate`).
    now
        The evaluation's instant, timezone-aware.
    policy
        Repeats, hysteresis and cooldown.
    silences
        Silences and maintenance windows; those not active at ``now`` match nothing.

    Raises
    ------
    ValueError
        If ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    after = dict(states)
    result = Step(after)

    def emit(state: AlertState, kind: Any, *, notify: bool) -> None:
        result.events.append(
            Event(now, state.alert_id, kind, state.severity, state.value, state.message)
        )
        if notify:
            result.notifications.append(_notice(state, kind, now))

    for outcome in outcomes:
        t = outcome.target
        key = alert_key(t.rule, t.strategy, t.symbol)
        old = after.get(key)
        active = old is not None and old.status in ACTIVE
        if outcome.breached and outcome.severity is not None:
            if not active:
                state = AlertState(
                    key=key, occurrence=(old.occurrence if old else 0) + 1, rule=t.rule,
                    figure=t.figure, strategy=t.strategy, symbol=t.symbol,
                    severity=outcome.severity, status="firing", value=outcome.value,
                    threshold=t.threshold, window=outcome.window, message=outcome.message,
                    first_seen=now, last_seen=now,
                )  # fmt: skip
                if any(s.matches(state, now) for s in silences):
                    state = dataclasses.replace(state, status="silenced")
                    emit(state, "fired", notify=False)
                else:
                    state = dataclasses.replace(state, last_sent=now)
                    emit(state, "fired", notify=True)
                after[key] = state
                continue
            assert old is not None
            state = dataclasses.replace(
                old, value=outcome.value, window=outcome.window, message=outcome.message,
                last_seen=now, cleared_since=None,
            )  # fmt: skip
            silenced = any(s.matches(state, now) for s in silences)
            rise = _RANK[outcome.severity] - _RANK[old.severity]
            if rise > 0:
                state = dataclasses.replace(
                    state, severity=outcome.severity, status="silenced" if silenced else "firing"
                )
                if not silenced:
                    state = dataclasses.replace(state, last_sent=now)
                emit(state, "escalated", notify=not silenced)
            elif rise < 0:
                state = dataclasses.replace(state, severity=outcome.severity)
                emit(state, "deescalated", notify=False)
            elif silenced and state.status != "silenced":
                state = dataclasses.replace(state, status="silenced")
                emit(state, "silenced", notify=False)
            elif not silenced and state.status == "silenced":
                state = dataclasses.replace(state, status="firing", last_sent=now)
                emit(state, "unsilenced", notify=True)
            elif state.status == "firing" and (
                state.last_sent is None or now - state.last_sent >= policy.repeat_interval
            ):
                state = dataclasses.replace(state, last_sent=now)
                emit(state, "repeated", notify=True)
            after[key] = state
        elif active:
            assert old is not None
            if not _cleared(outcome, policy):
                after[key] = dataclasses.replace(old, cleared_since=None)
                continue
            since = old.cleared_since or now
            if now - since >= policy.cooldown:
                state = dataclasses.replace(
                    old, status="resolved", resolved_at=now, value=outcome.value,
                    message=outcome.message, cleared_since=None,
                )  # fmt: skip
                silenced = any(s.matches(state, now) for s in silences)
                emit(state, "resolved", notify=not silenced)
                after[key] = state
            else:
                after[key] = dataclasses.replace(old, cleared_since=since, value=outcome.value)
    return result


def acknowledge(state: AlertState) -> AlertState:
    """Give ``state`` acknowledged: not repeated while it stays at its severity.

    Raises
    ------
    ValueError
        If the alert is resolved.
    """
    if state.status not in ACTIVE:
        raise ValueError(f"alert {state.alert_id} is resolved")
    return dataclasses.replace(state, status="acknowledged")
