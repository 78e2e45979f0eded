"""Calendar windows in the reporting timezone, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeperf.analytics.windows import (
    WindowKind,
    local_days,
    make_window,
    window_start_days,
)
from tradeperf.errors import ConfigError
from tradeperf.timezones import resolve_timezone

TS = pa.timestamp("us", tz="UTC")


def test_unknown_timezone_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        resolve_timezone("Mars/Olympus")


def test_exit_just_after_local_midnight_belongs_to_the_local_day() -> None:
    # 23:30 UTC on 2024-07-01 is 00:30 on 2024-07-02 in London (BST, UTC+1)
    t = pa.array([dt.datetime(2024, 7, 1, 23, 30, tzinfo=dt.UTC)], TS)
    assert local_days(t, resolve_timezone("Europe/London")).tolist() == [dt.date(2024, 7, 2)]
    assert local_days(t, resolve_timezone("UTC")).tolist() == [dt.date(2024, 7, 1)]


@pytest.mark.parametrize(
    ("day", "hours"),
    [(dt.date(2024, 3, 31), 23), (dt.date(2024, 10, 27), 25), (dt.date(2024, 6, 1), 24)],
)
def test_days_around_daylight_saving_changes_have_their_true_length(
    day: dt.date, hours: int
) -> None:
    w = make_window(day, WindowKind.DAILY, resolve_timezone("Europe/London"))
    assert (w.end - w.start) == dt.timedelta(hours=hours)
    assert w.start_local.hour == 0
    assert w.end_local.hour == 0


def test_a_skipped_local_midnight_starts_the_day_at_its_first_instant() -> None:
    # Santiago moved clocks from 00:00 to 01:00 on 2023-09-03
    w = make_window(dt.date(2023, 9, 3), WindowKind.DAILY, resolve_timezone("America/Santiago"))
    assert w.start_local.hour == 1
    assert (w.end - w.start) == dt.timedelta(hours=23)


def test_iso_weeks_start_on_monday_and_cross_the_year() -> None:
    days = np.array(["2024-12-29", "2024-12-30", "2025-01-05", "2025-01-06"], "datetime64[D]")
    starts = window_start_days(days, WindowKind.WEEKLY)
    assert starts.astype(str).tolist() == ["2024-12-23", "2024-12-30", "2024-12-30", "2025-01-06"]
    w = make_window(dt.date(2024, 12, 30), WindowKind.WEEKLY, resolve_timezone("UTC"))
    assert w.label == "2025-W01"


def test_months_have_their_calendar_length() -> None:
    tz = resolve_timezone("America/New_York")
    feb = make_window(dt.date(2024, 2, 1), WindowKind.MONTHLY, tz)
    assert feb.label == "2024-02"
    assert feb.days == 29
    nov = make_window(dt.date(2024, 11, 1), WindowKind.MONTHLY, tz)
    assert nov.end - nov.start == dt.timedelta(days=30, hours=1)  # DST ends on Nov 3


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    st.sampled_from(
        ["UTC", "Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
    ),
    st.sampled_from(list(WindowKind)),
)
def test_every_instant_lies_in_the_window_assigned_to_it(
    naive: dt.datetime, tz_name: str, kind: WindowKind
) -> None:
    tz = zoneinfo.ZoneInfo(tz_name)
    t = naive.replace(tzinfo=dt.UTC)
    day = local_days(pa.array([t], TS), tz)
    start = window_start_days(day, kind)[0].item()
    w = make_window(start, kind, tz)
    assert w.start <= t < w.end
    assert t.astimezone(tz).date() == day[0].item()


def test_local_days_follow_daylight_saving_after_2037() -> None:
    """Arrow's zone rules end in 2037; the local day must still follow the zone's rule."""
    tz = zoneinfo.ZoneInfo("America/New_York")
    times = [
        dt.datetime(2037, 7, 1, 3, 30, tzinfo=dt.UTC),
        dt.datetime(2038, 7, 1, 3, 30, tzinfo=dt.UTC),  # 23:30 EDT on June 30
        dt.datetime(2050, 7, 1, 3, 30, tzinfo=dt.UTC),
        dt.datetime(2050, 1, 1, 4, 30, tzinfo=dt.UTC),  # 23:30 EST on Dec 31
        None,
    ]
    days = local_days(pa.array(times, TS), tz)
    assert days[:4].tolist() == [
        dt.date(2037, 6, 30),
        dt.date(2038, 6, 30),
        dt.date(2050, 6, 30),
        dt.date(2049, 12, 31),
    ]
    assert np.isnat(days[4])
