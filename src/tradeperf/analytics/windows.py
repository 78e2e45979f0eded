"""Calendar windows in the reporting timezone: days, ISO weeks (Monday first) and months.

With a day cut (`tradeperf.timezones.TradingDayZone`) the days are trading days and the
weeks and months those of their labels: the trading week of Monday D starts with the
trading day D, at 17:00 on Sunday for a 17:00 cut.

A trade belongs to the window that contains its exit time, seen in the reporting timezone.
Window bounds are local midnights turned back into UTC instants, so a window that spans a
daylight-saving change is 23 or 25 hours long (a day) and still begins at local midnight.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf import calendars
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.timezones import TradingDayZone, clock_zone


def local_days(utc_times: pa.Array | pa.ChunkedArray, tz: zoneinfo.ZoneInfo) -> np.ndarray:
    """Return the local calendar day (``datetime64[D]``) of each UTC timestamp in ``tz``.

    Examples
    --------
    >>> ts = pa.array([dt.datetime(2024, 3, 30, 23, 30, tzinfo=dt.UTC)], pa.timestamp("us", "UTC"))
    >>> local_days(ts, zoneinfo.ZoneInfo("Europe/Berlin")).tolist()
    [datetime.date(2024, 3, 31)]
    """
    real = clock_zone(tz)
    zoned = pc.cast(utc_times, pa.timestamp("us", tz=real.key))
    local = pc.local_timestamp(zoned)
    if isinstance(tz, TradingDayZone):
        # The trading day is the date of the real wall clock shifted by the day cut.
        shift = pa.scalar(tz.shift, pa.duration("us"))
        local = pc.add(local, shift)
    days = pc.cast(local, pa.date32())
    if isinstance(days, pa.ChunkedArray):
        days = days.combine_chunks()
    out = days.to_numpy(zero_copy_only=False).astype("datetime64[D]")
    for i in _late(utc_times):
        out[i] = np.datetime64(utc_times[int(i)].as_py().astimezone(tz).date(), "D")
    return np.asarray(out)


#: The first instant (µs since the epoch, UTC) from which `pc.local_timestamp` may be
#: wrong, a day before 2038 begins anywhere.
_ARROW_TZ_END_US: Final = int(np.datetime64("2037-12-30T00:00", "us").astype(np.int64))


def _late(utc_times: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Give the rows of the instants Arrow's local times may get wrong (they go through zoneinfo).

    Arrow's time-zone rules stop at the end of 2037: it ignores the rule that extends a zone
    file past its last listed change.
    """
    micros = pc.fill_null(pc.cast(utc_times, pa.int64()), 0).to_numpy(zero_copy_only=False)
    return np.flatnonzero(micros >= _ARROW_TZ_END_US)


def local_minutes(utc_times: pa.Array | pa.ChunkedArray, tz: zoneinfo.ZoneInfo) -> np.ndarray:
    """Return the minute of the day (0 to 1439) of each UTC timestamp on ``tz``'s clock.

    The clock is the zone's own wall clock (a trading day's cut does not move it); a null
    timestamp gives -1. Instants after 2037 go through zoneinfo, as in `local_days`.

    Examples
    --------
    >>> ts = pa.array([dt.datetime(2040, 7, 1, 10, 30, tzinfo=dt.UTC), None],
    ...               pa.timestamp("us", "UTC"))
    >>> local_minutes(ts, zoneinfo.ZoneInfo("Europe/Berlin")).tolist()  # summer time: 12:30
    [750, -1]
    """
    real = clock_zone(tz)
    local = pc.local_timestamp(pc.cast(utc_times, pa.timestamp("us", tz=real.key)))
    hours = pc.fill_null(pc.hour(local), -1).to_numpy(zero_copy_only=False)
    minutes = pc.fill_null(pc.minute(local), 0).to_numpy(zero_copy_only=False)
    out = np.where(hours >= 0, hours * 60 + minutes, -1).astype(np.int64)
    for i in _late(utc_times):
        wall = utc_times[int(i)].as_py().astimezone(real)
        out[i] = wall.hour * 60 + wall.minute
    return out


def window_start_days(days: np.ndarray, kind: WindowKind) -> np.ndarray:
    """Return the first local day of the window of ``kind`` containing each of ``days``.

    Examples
    --------
    >>> d = np.array(["2024-01-03", "2024-01-08"], dtype="datetime64[D]")
    >>> window_start_days(d, WindowKind.WEEKLY).astype(str).tolist()
    ['2024-01-01', '2024-01-08']
    """
    if kind is WindowKind.DAILY:
        return days
    if kind is WindowKind.WEEKLY:
        return np.asarray(days - calendars.weekdays(days).astype("timedelta64[D]"))
    return days.astype("datetime64[M]").astype("datetime64[D]")


def window_starts_between(
    first: dt.date | None, last: dt.date | None, kind: WindowKind
) -> np.ndarray:
    """Give the first day of every window of ``kind`` that overlaps ``first``..``last``.

    Parameters
    ----------
    first, last
        Local days (inclusive); None or ``last`` before ``first`` gives none.
    kind
        The window kind.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]`` window starts in order, windows without a trade included.

    Examples
    --------
    >>> window_starts_between(dt.date(2024, 1, 30), dt.date(2024, 3, 2), WindowKind.MONTHLY)
    array(['2024-01-01', '2024-02-01', '2024-03-01'], dtype='datetime64[D]')
    """
    if first is None or last is None or last < first:
        return np.empty(0, "datetime64[D]")
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    if kind is WindowKind.DAILY:  # the days of the trading calendar (`tradeperf.calendars`)
        days = days[calendars.current().trading(days)]
    return np.unique(window_start_days(days, kind))


def next_window_start(start: dt.date, kind: WindowKind) -> dt.date:
    """Return the first day of the window after the one beginning on ``start``."""
    if kind is WindowKind.DAILY:
        return start + dt.timedelta(days=1)
    if kind is WindowKind.WEEKLY:
        return start + dt.timedelta(days=7)
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def window_label(start: dt.date, kind: WindowKind) -> str:
    """``2024-03-11`` for a day, ``2024-W11`` for an ISO week, ``2024-03`` for a month."""
    if kind is WindowKind.DAILY:
        return start.isoformat()
    if kind is WindowKind.WEEKLY:
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start.year:04d}-{start.month:02d}"


def local_midnight(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Return the aware datetime of local midnight starting ``day`` in ``tz``.

    Where a daylight-saving change skips midnight (or a trading day's cut), this is the first
    instant of the day: the end of the gap, the first instant whose wall clock reads
    midnight or later, to which `local_days` assigns the day.

    Examples
    --------
    >>> from tradeperf.timezones import resolve_timezone
    >>> tz = resolve_timezone("America/New_York@02:30")  # skipped on 14 March 2010
    >>> local_midnight(dt.date(2010, 3, 14), tz).astimezone(dt.UTC).time()  # 03:00 EDT
    datetime.time(7, 0)
    """
    naive = dt.datetime.combine(day, dt.time(0))
    aware = naive.replace(tzinfo=tz)
    after = aware.astimezone(dt.UTC)  # read at the offset before the gap: past its end
    if after.astimezone(tz).replace(tzinfo=None) == naive:
        return aware
    # skipped: search the instant the wall clock jumps past it (a gap is under 6 hours)
    lo, hi = after - dt.timedelta(hours=6), after
    while hi - lo > dt.timedelta(microseconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.astimezone(tz)


@dataclass(frozen=True, slots=True)
class Window:
    """One calendar window: label, kind and bounds (``end`` exclusive).

    ``start`` and ``end`` are UTC instants of the local midnights that bound the window;
    ``start_local``/``end_local`` show them in the reporting timezone.
    """

    kind: WindowKind
    label: str
    first_day: dt.date
    start: dt.datetime
    end: dt.datetime
    tz: zoneinfo.ZoneInfo

    @property
    def start_local(self) -> dt.datetime:
        """``start`` in the reporting timezone."""
        return self.start.astimezone(self.tz)

    @property
    def end_local(self) -> dt.datetime:
        """``end`` in the reporting timezone."""
        return self.end.astimezone(self.tz)

    @property
    def days(self) -> int:
        """Calendar days in the window."""
        return (self.end_local.date() - self.first_day).days


def make_window(first_day: dt.date, kind: WindowKind, tz: zoneinfo.ZoneInfo) -> Window:
    """Return the window of ``kind`` starting on ``first_day`` in ``tz``.

    Examples
    --------
    >>> w = make_window(dt.date(2024, 3, 31), WindowKind.DAILY, zoneinfo.ZoneInfo("Europe/London"))
    >>> (w.end - w.start).total_seconds() / 3600
    23.0
    """
    nxt = next_window_start(first_day, kind)
    return Window(
        kind=kind,
        label=window_label(first_day, kind),
        first_day=first_day,
        start=local_midnight(first_day, tz).astimezone(dt.UTC),
        end=local_midnight(nxt, tz).astimezone(dt.UTC),
        tz=tz,
    )
