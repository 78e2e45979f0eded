"""Hours, weekdays and sessions of trades against zoneinfo, through 2100.

Arrow's time-zone rules end with 2037 (it ignores the rule a zone file gives for the years
after its last listed change), so a summer exit of 2040 would be an hour off in Berlin; the
labels of `analytics.breakdowns` are checked against the standard library's zoneinfo for
any instant, with and without a day cut.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeperf.analytics.breakdowns import WEEKDAYS, labels
from tradeperf.sessions import parse_sessions
from tradeperf.timezones import resolve_timezone

instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2100, 12, 31),
    timezones=st.just(dt.UTC),
)
zones = st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC"])
SESSIONS = parse_sessions("asia=00:00-08:00,europe=07:00-16:00,late=22:00-02:00")


@settings(max_examples=300, deadline=None)
@given(
    times=st.lists(st.one_of(instants, st.none()), min_size=1, max_size=12),
    zone=zones,
    cut=st.sampled_from([None, "17:00", "06:30"]),
)
def test_labels_equal_zoneinfo(times: list[dt.datetime | None], zone: str, cut: str | None) -> None:
    tz = resolve_timezone(f"{zone}@{cut}" if cut else zone)
    real = ZoneInfo(zone)
    shift = dt.timedelta(0) if cut is None else tz.shift  # type: ignore[attr-defined]
    table = pa.table({"exit_time": pa.array(times, pa.timestamp("us", tz="UTC"))})
    walls = [None if t is None else t.astimezone(real) for t in times]
    hours = labels(table, "hour", tz)[1].tolist()
    assert hours == ["(none)" if w is None else f"{w.hour:02d}" for w in walls]
    days = labels(table, "weekday", tz)[1].tolist()
    assert days == [
        "(none)" if w is None else WEEKDAYS[(w.replace(tzinfo=None) + shift).weekday()]
        for w in walls
    ]
    rows, names = labels(table, "session", tz, SESSIONS)
    expected = []
    for i, w in enumerate(walls):
        inside = (
            []
            if w is None
            else [
                s.name
                for s in SESSIONS
                if s.contains(w.hour * 60 + w.minute)  # type: ignore[arg-type]
            ]
        )
        expected += [(i, name) for name in inside or ["(none)"]]
    assert sorted(zip(rows.tolist(), names.tolist(), strict=True)) == sorted(expected)
