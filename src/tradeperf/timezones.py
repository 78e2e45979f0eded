"""IANA timezones by name, checked once for every layer (settings, store, windows).

A reporting day may start at another local time than midnight: the FX and futures trading
day starts at 17:00 New York time. `resolve_timezone` then gives a `TradingDayZone`, the
zone whose wall clock is shifted so that its midnight is the day cut; every computation of
local days (windows, partials, books, series) then sees trading days and stays DST-correct,
because the shift applies to the local wall clock, not to UTC. Its key,
``"America/New_York@17:00"``, names the partials and books the store keeps for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Final

from tradeperf.errors import ConfigError

__all__ = [
    "TradingDayZone",
    "clock_zone",
    "day_key",
    "parse_day_start",
    "resolve_timezone",
]

#: Separates the zone name from the day cut in a day key (``"Europe/London@17:00"``).
CUT_SEP: Final = "@"

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def resolve_timezone(name: str) -> zoneinfo.ZoneInfo:
    """Return the IANA timezone called ``name`` (``"UTC"``, ``"Europe/London"``).

    A day key ``"ZONE@HH:MM"`` (`day_key`) gives the `TradingDayZone` of that zone and cut.

    Parameters
    ----------
    name
        The IANA name of the timezone, such as ``"UTC"`` or ``"Europe/London"``, or a day key.

    Raises
    ------
    ConfigError
        If no such timezone exists, or the day cut is not a clock time.

    Examples
    --------
    >>> resolve_timezone("Europe/London").key
    'Europe/London'
    >>> resolve_timezone("America/New_York@17:00").key
    'America/New_York@17:00'
    """
    if CUT_SEP in name:
        zone, _, cut = name.partition(CUT_SEP)
        start = parse_day_start(cut)
        return _real(zone) if start == dt.time(0) else _trading_zone(zone, start)
    return _real(name)


def _real(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(
            f"unknown timezone {name!r}: use an IANA name such as 'UTC' or 'Europe/London'"
        ) from None


def parse_day_start(text: str) -> dt.time:
    """Parse a day cut, the local clock time a reporting day starts at (``"17:00"``).

    Parameters
    ----------
    text
        ``HH:MM`` on the 24-hour clock (``00:00`` is midnight, the calendar day).

    Raises
    ------
    ConfigError
        If ``text`` is not such a time.

    Examples
    --------
    >>> parse_day_start("17:00")
    datetime.time(17, 0)
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        raise ConfigError(f"day start {text!r} is not a time of day HH:MM such as '17:00'")
    return dt.time(int(match[1]), int(match[2]))


def day_key(timezone: str, day_start: dt.time | None) -> str:
    """Give the key of the reporting days of ``timezone`` starting at ``day_start``.

    Parameters
    ----------
    timezone
        IANA name of the reporting timezone.
    day_start
        Local clock time the day starts at; None or midnight: calendar days.

    Examples
    --------
    >>> day_key("America/New_York", dt.time(17))
    'America/New_York@17:00'
    >>> day_key("UTC", None)
    'UTC'
    """
    if day_start is None or day_start == dt.time(0):
        return timezone
    return f"{timezone}{CUT_SEP}{day_start:%H:%M}"


def clock_zone(tz: zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
    """Give the real timezone of ``tz``: its own clock, to show instants and hours of day."""
    return tz.zone if isinstance(tz, TradingDayZone) else tz


def _shift(cut: dt.time) -> dt.timedelta:
    """Give the shift of the wall clock that moves the cut ``cut`` to midnight.

    A day starting after noon is labelled by the next calendar day, which holds most of it
    (17:00 on day D starts trading day D+1, the CME and FX convention); one starting at or
    before noon by the calendar day it starts on.
    """
    since_midnight = dt.timedelta(hours=cut.hour, minutes=cut.minute)
    if since_midnight > dt.timedelta(hours=12):
        return dt.timedelta(days=1) - since_midnight
    return -since_midnight


@functools.cache
def _trading_zone(zone: str, cut: dt.time) -> TradingDayZone:
    return TradingDayZone.make(_real(zone), cut)


class TradingDayZone(zoneinfo.ZoneInfo):
    """A timezone whose wall clock is shifted so that the trading day starts at midnight.

    The local date of an instant in this zone is its trading day; the local midnight of day
    D is the instant the trading day D starts (``cut`` on D-1 for a cut after noon, ``cut``
    on D otherwise). The shift applies to the real zone's wall clock, so a day cut at 17:00
    stays at 17:00 local across daylight-saving changes, and a trading day spanning one is
    23 or 25 hours long. Use `clock_zone` to show instants or hours of day: this zone's own
    clock is not a clock anyone reads.

    Build it with `resolve_timezone` (``"America/New_York@17:00"``).

    Raises
    ------
    ConfigError
        If the shifted offset reaches a day (a zone at UTC+14 with a cut from 14:00).

    Examples
    --------
    >>> z = resolve_timezone("America/New_York@17:00")
    >>> t = dt.datetime(2024, 3, 8, 22, 0, tzinfo=dt.UTC)  # 17:00 in New York, a Friday
    >>> t.astimezone(z).date()  # the trading day of Monday 2024-03-11 starts then
    datetime.date(2024, 3, 9)
    """

    zone: zoneinfo.ZoneInfo
    cut: dt.time
    shift: dt.timedelta

    @classmethod
    def make(cls, zone: zoneinfo.ZoneInfo, cut: dt.time) -> TradingDayZone:
        """Give the trading-day zone of ``zone`` with days starting at ``cut`` (local)."""
        self = cls.no_cache(zone.key)
        self.zone, self.cut, self.shift = zone, cut, _shift(cut)
        probes = [dt.datetime(y, m, 1) for y in (2000, 2024) for m in (1, 7)]
        for probe in probes:
            offset = probe.replace(tzinfo=zone).utcoffset() or dt.timedelta(0)
            if abs(offset + self.shift) >= dt.timedelta(days=1):
                raise ConfigError(
                    f"a day starting at {cut:%H:%M} in {zone.key} is not supported: "
                    "its days would be more than a day away from UTC"
                )
        return self

    @property
    def key(self) -> str:
        """The day key, ``"ZONE@HH:MM"``."""
        return day_key(self.zone.key, self.cut)

    def _real(self, d: dt.datetime) -> dt.datetime:
        """Give the real local time of the shifted wall time ``d``."""
        naive = d.replace(tzinfo=None) - self.shift
        return naive.replace(tzinfo=self.zone, fold=d.fold)

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta | None:
        """Give the offset of the shifted clock from UTC at the shifted wall time ``d``."""
        if d is None:
            return None
        offset = self._real(d).utcoffset()
        return None if offset is None else offset + self.shift

    def dst(self, d: dt.datetime | None) -> dt.timedelta | None:
        """Give the daylight-saving adjustment of the real zone at ``d``."""
        return None if d is None else self._real(d).dst()

    def tzname(self, d: dt.datetime | None) -> str | None:
        """Give the day key (this clock has no name of its own)."""
        return self.key

    def fromutc(self, d: dt.datetime) -> dt.datetime:
        """Give the shifted wall time of the UTC time ``d``."""
        real = self.zone.fromutc(d.replace(tzinfo=self.zone))
        shifted = real.replace(tzinfo=None) + self.shift
        return shifted.replace(tzinfo=self, fold=real.fold)

    def __repr__(self) -> str:
        """Show the day key."""
        return f"TradingDayZone({self.key!r})"

    def __str__(self) -> str:
        """Give the day key."""
        return self.key

    def __reduce__(self) -> tuple[object, tuple[str]]:
        """Pickle by day key."""
        return (resolve_timezone, (self.key,))
