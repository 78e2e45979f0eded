"""The alert lifecycle on constructed series: fired once, repeated only after the interval,
escalated in place, resolved with hysteresis and a cooldown, re-fired as a new occurrence, one
alert for a flapping series, held back by a silence; and, over any series (Hypothesis), every
occurrence begins with one firing and repeats keep their interval."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.alerts.lifecycle import Policy, Silence, acknowledge, step
from tradeperf.alerts.rules import _judge
from tradeperf.alerts.targets import alerts_schema, parse_targets

T0 = dt.datetime(2024, 5, 1, 9, tzinfo=dt.UTC)
(TARGET,) = parse_targets({"win_rate": {"min": 0.5, "critical": 0.3, "min_trades": 0}})
MIN = dt.timedelta(minutes=1)


class _Summary:  # the part of a summary `_judge` reads
    def __init__(self, value: float | None, trades: int = 20) -> None:
        self.overall = {"trades": trades, "win_rate": value}


def outcome(value: float | None, trades: int = 20):
    return _judge(TARGET, _Summary(value, trades), "the last 20 trades")  # type: ignore[arg-type]


def run(values, *, every=5 * MIN, policy=Policy(), silences=(), start=T0):
    states: dict = {}
    events, notes = [], []
    for i, v in enumerate(values):
        done = step(states, [outcome(v)], now=start + i * every, policy=policy, silences=silences)
        states = done.states
        events += done.events
        notes += done.notifications
    return states, events, notes


def test_a_breach_is_notified_once_then_after_the_repeat_interval() -> None:
    values = [0.4] * 60  # five hours, every five minutes
    _, events, notes = run(values, policy=Policy(repeat_interval=dt.timedelta(hours=2)))
    assert [e.kind for e in events] == ["fired", "repeated", "repeated"]
    assert [n["kind"] for n in notes] == ["fired", "repeated", "repeated"]
    assert len({n["alert_id"] for n in notes}) == 1
    assert notes[0]["severity"] == "warning"


def test_a_warning_escalating_to_critical_is_the_same_alert() -> None:
    states, events, notes = run([0.45, 0.45, 0.2, 0.2, 0.45])
    assert [e.kind for e in events] == ["fired", "escalated", "deescalated"]
    assert [n["kind"] for n in notes] == ["fired", "escalated"]  # de-escalation is quiet
    assert {e.alert_id for e in events} == {notes[0]["alert_id"]}
    assert notes[1]["severity"] == "critical"
    (state,) = states.values()
    assert state.status == "firing"


def test_resolving_needs_the_margin_and_the_cooldown_and_a_new_breach_is_a_new_occurrence():
    policy = Policy(hysteresis=Decimal("0.05"), cooldown=30 * MIN)
    # 0.51 is above 0.50 but inside the 5 % margin (0.525): the alert stays active
    values = [0.4] + [0.51] * 20 + [0.53] * 6 + [0.53] + [0.4]
    _, events, notes = run(values, policy=policy)
    kinds = [e.kind for e in events]
    assert kinds == ["fired", "resolved", "fired"]
    resolved = events[1]
    assert resolved.at == T0 + (1 + 20 + 6) * 5 * MIN  # 30 minutes after it first cleared
    first, second = events[0].alert_id, events[2].alert_id
    assert first.endswith("-1")
    assert second.endswith("-2")
    assert first[:-2] == second[:-2]
    assert [n["kind"] for n in notes] == ["fired", "resolved", "fired"]


def test_a_flapping_series_is_one_alert() -> None:
    values = [0.45, 0.55, 0.45, 0.6, 0.4, 0.56, 0.44] * 6  # 42 evaluations, 3.5 hours
    _, events, notes = run(values, policy=Policy(cooldown=30 * MIN))
    assert [e.kind for e in events] == ["fired"]
    assert len(notes) == 1


def test_a_rule_that_cannot_be_evaluated_neither_fires_nor_resolves() -> None:
    states: dict = {}
    done = step(states, [outcome(0.4)], now=T0)
    held = step(done.states, [outcome(None, trades=0)], now=T0 + dt.timedelta(days=1))
    assert held.events == []
    (state,) = held.states.values()
    assert state.status == "firing"


def test_a_silence_holds_notifications_back_until_it_ends() -> None:
    quiet = Silence("win_*", T0, T0 + dt.timedelta(hours=1), "deploying")
    _, events, notes = run([0.4] * 18, silences=[quiet])  # 90 minutes
    assert [e.kind for e in events] == ["fired", "unsilenced"]
    assert [n["kind"] for n in notes] == ["unsilenced"]
    assert events[1].at == T0 + dt.timedelta(hours=1)
    other = Silence("profit_*", T0, T0 + dt.timedelta(hours=1), "not this rule")
    _, _, notes = run([0.4], silences=[other])
    assert [n["kind"] for n in notes] == ["fired"]


def test_an_acknowledged_alert_is_not_repeated_but_an_escalation_is_notified() -> None:
    done = step({}, [outcome(0.45)], now=T0)
    states = {k: acknowledge(v) for k, v in done.states.items()}
    later = step(states, [outcome(0.45)], now=T0 + dt.timedelta(hours=10))
    assert later.notifications == []
    worse = step(later.states, [outcome(0.1)], now=T0 + dt.timedelta(hours=11))
    assert [n["kind"] for n in worse.notifications] == ["escalated"]
    assert next(iter(worse.states.values())).status == "firing"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([0.1, 0.4, 0.49, 0.5, 0.51, 0.6, None]), max_size=80))
def test_every_occurrence_begins_with_one_firing_and_repeats_keep_their_interval(values):
    policy = Policy(repeat_interval=dt.timedelta(hours=1), cooldown=15 * MIN)
    _, events, notes = run(values, policy=policy)
    for note in notes:  # what the sinks receive is the published alert schema's
        jsonschema.validate(note, alerts_schema("alert"))
    seen: dict[str, list[str]] = {}
    for e in events:
        seen.setdefault(e.alert_id, []).append(e.kind)
    for kinds in seen.values():
        assert kinds[0] == "fired"
        assert kinds.count("fired") == 1
        assert "resolved" not in kinds[:-1]  # nothing after the resolution of an occurrence
    occurrences = sorted(int(a.rsplit("-", 1)[1]) for a in seen)
    assert occurrences == list(range(1, len(occurrences) + 1))
    sent: dict[str, list[dt.datetime]] = {}
    for n, e in zip(notes, [e for e in events if e.kind in ("fired", "repeated", "escalated",
                                                             "resolved", "unsilenced")],
                    strict=True):  # fmt: skip
        if n["kind"] in ("fired", "repeated"):
            sent.setdefault(n["alert_id"], []).append(e.at)
    for times in sent.values():
        assert all(b - a >= policy.repeat_interval for a, b in itertools.pairwise(times))
