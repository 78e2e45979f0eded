"""One duration grammar for the CLI, the config and the Python API, and instants to end at.

A duration is a positive whole number and a unit, several of them added
(``1h30min``): ``ms``, ``s``, ``min``, ``h``, ``d`` (24 hours), ``w`` (7 days). There is no
month or year unit, so ``m`` never has to mean minutes or months; a trailing window of a
calendar month is the monthly window. A ``since`` is a duration back from the end of the
window or an instant (ISO 8601; without an offset it is in the reporting timezone).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final
from zoneinfo import ZoneInfo

from tradeperf.errors import ConfigError

#: The units of a duration and their length.
UNITS: Final = {
    "ms": dt.timedelta(milliseconds=1),
    "s": dt.timedelta(seconds=1),
    "min": dt.timedelta(minutes=1),
    "h": dt.timedelta(hours=1),
    "d": dt.timedelta(days=1),
    "w": dt.timedelta(weeks=1),
}

_PART: Final = re.compile(r"(\d+)(ms|min|s|h|d|w)")
_WHOLE: Final = re.compile(r"(?:\d+(?:ms|min|s|h|d|w))+")
#: A duration beyond this is a mistake (about 100 years).
_LONGEST: Final = dt.timedelta(days=36_600)


def parse_duration(text: str) -> dt.timedelta:
    """Read a duration such as ``24h``, ``7d``, ``30min``, ``500ms`` or ``1h30min``.

    Parameters
    ----------
    text
        Whole numbers with a unit each (`UNITS`), no spaces; case and surrounding blanks are
        ignored.

    Returns
    -------
    datetime.timedelta
        The sum of the parts, positive.

    Raises
    ------
    ConfigError
        If ``text`` is not in the grammar, is zero, or is longer than about 100 years.

    Examples
    --------
    >>> parse_duration("24h"), parse_duration("1h30min")
    (datetime.timedelta(days=1), datetime.timedelta(seconds=5400))
    >>> parse_duration("2w") == dt.timedelta(days=14)
    True
    """
    s = text.strip().lower()
    if not _WHOLE.fullmatch(s):
        raise ConfigError(
            f"duration {text!r}: expected a number and a unit (ms, s, min, h, d, w), e.g. "
            "24h, 7d, 30min; months are not a duration"
        )
    total = dt.timedelta(0)
    for number, unit in _PART.findall(s):
        if len(number) > 12:
            raise ConfigError(f"duration {text!r} is too long")
        total += int(number) * UNITS[unit]
        if total > _LONGEST:
            raise ConfigError(f"duration {text!r} is too long")
    if total <= dt.timedelta(0):
        raise ConfigError(f"duration {text!r} is zero")
    return total


def parse_instant(text: str, tz: ZoneInfo) -> dt.datetime:
    """Read an instant: ISO 8601 date or date-time, in ``tz`` when it names no offset.

    Parameters
    ----------
    text
        ``2024-05-01``, ``2024-05-01T08:30``, ``2024-05-01 08:30:00+02:00`` or with ``Z``.
    tz
        The reporting timezone: a date alone is its midnight there, a time without an offset
        is a local time there (a time a DST change skips or repeats takes the first reading).

    Returns
    -------
    datetime.datetime
        The instant, timezone-aware, in UTC.

    Raises
    ------
    ConfigError
        If ``text`` is not an ISO 8601 date or date-time.

    Examples
    --------
    >>> parse_instant("2024-05-01T10:00", ZoneInfo("Europe/Berlin"))
    datetime.datetime(2024, 5, 1, 8, 0, tzinfo=datetime.timezone.utc)
    >>> parse_instant("2024-05-01T10:00Z", ZoneInfo("Europe/Berlin")).hour
    10
    """
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{text!r} is not a time: expected ISO 8601, e.g. 2024-05-01T08:30 or "
            "2024-05-01T08:30:00Z"
        ) from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t.astimezone(dt.UTC)


def parse_since(text: str, *, until: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Read where a trailing window starts: a duration back from ``until``, or an instant.

    Parameters
    ----------
    text
        A duration (`parse_duration`) or an instant (`parse_instant`).
    until
        The end of the window (exclusive), timezone-aware.
    tz
        The reporting timezone, for an instant without an offset.

    Returns
    -------
    datetime.datetime
        The start of the window (inclusive), in UTC.

    Raises
    ------
    ConfigError
        If ``text`` is neither, or the instant is not before ``until``.

    Examples
    --------
    >>> end = dt.datetime(2024, 5, 2, 12, tzinfo=dt.UTC)
    >>> parse_since("24h", until=end, tz=ZoneInfo("UTC"))
    datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
    """
    s = text.strip().lower()
    if re.fullmatch(r"(?:\d+[a-z]+)+", s):  # a number and a unit: a duration, or a bad one
        start = until - parse_duration(s)
    else:
        start = parse_instant(text, tz)
    if start >= until:
        raise ConfigError(
            f"since {text!r} is not before the end of the window ({until:%Y-%m-%d %H:%M} UTC)"
        )
    return start.astimezone(dt.UTC)
