"""Trading calendars: which days of the reporting timezone are trading days.

By default every calendar day is one (a crypto bot trades every day). An equities or futures
desk sets the weekdays its market opens and its holidays (settings ``trading_days`` and
``holidays``); then the daily rows of a summary, its daily returns and the daily windows
without a trade are those of the trading days, and a day outside the calendar is a row only
when something happened on it (a trade's P&L, books marked to market, a cash flow), so that
nothing is lost. Ratios are annualised over the calendar's trading days per year.

The calendar of a summary is set for its computation with `using` (a context variable, as
``decimal.localcontext`` sets the precision): the day grids of `tradeperf.analytics.figures`
and `tradeperf.analytics.series` read it with `current`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from tradeperf.errors import ConfigError

#: Weekday names, Monday first (the numbers are those of ``date.weekday()``).
WEEKDAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Calendar days per year: the annualisation of an every-day calendar.
CALENDAR_DAYS_PER_YEAR: Final = 365
_DAYS_PER_YEAR: Final = 365.2425


@dataclass(frozen=True, slots=True)
class TradingCalendar:
    """The trading days of a market: open weekdays, less holidays.

    Attributes
    ----------
    weekdays : the open weekdays, 0 (Monday) to 6 (Sunday).
    holidays : local days it is closed on although an open weekday.

    Examples
    --------
    >>> cal = parse_calendar("mon-fri", "2024-12-25")
    >>> days = np.arange(np.datetime64("2024-12-23"), np.datetime64("2024-12-30"))
    >>> days[cal.trading(days)].astype(str).tolist()
    ['2024-12-23', '2024-12-24', '2024-12-26', '2024-12-27']
    >>> cal.periods_per_year
    260
    """

    weekdays: frozenset[int] = frozenset(range(7))
    holidays: frozenset[dt.date] = frozenset()

    @property
    def every_day(self) -> bool:
        """Tell whether every calendar day is a trading day (the default)."""
        return len(self.weekdays) == 7 and not self.holidays

    @property
    def periods_per_year(self) -> int:
        """Trading days per year, the annualisation of daily ratios.

        365 for an every-day calendar; else the open weekdays' share of 365.2425 days, less
        the holidays per year on open weekdays over the years they are listed for, rounded
        (Monday to Friday: 261; with 9 holidays a year: 252).
        """
        if self.every_day:
            return CALENDAR_DAYS_PER_YEAR
        open_days = _DAYS_PER_YEAR * len(self.weekdays) / 7
        closed = [d for d in self.holidays if d.weekday() in self.weekdays]
        years = len({d.year for d in closed}) or 1
        return max(1, round(open_days - len(closed) / years))

    def trading(self, days: np.ndarray) -> np.ndarray:
        """Tell for each local day (``datetime64[D]``) whether it is a trading day."""
        days = np.asarray(days, dtype="datetime64[D]")
        out = np.isin(weekdays(days), sorted(self.weekdays))
        if self.holidays:
            out &= ~np.isin(days, np.array(sorted(self.holidays), dtype="datetime64[D]"))
        return out

    def keep(self, first_day: dt.date, *amounts: np.ndarray | None) -> np.ndarray | None:
        """Give the days to keep of consecutive days from ``first_day`` (None: all).

        A day is kept when it is a trading day or one of ``amounts`` (per day, the same
        length) is not 0 on it.
        """
        if self.every_day:
            return None
        given = [a for a in amounts if a is not None]
        n = len(given[0]) if given else 0
        days = np.datetime64(first_day, "D") + np.arange(n)
        out = self.trading(days)
        for a in given:
            out |= np.asarray(a) != 0
        return out


def weekdays(days: np.ndarray) -> np.ndarray:
    """Give the weekday of each ``datetime64[D]`` day: 0 on Mondays to 6 on Sundays.

    Examples
    --------
    >>> weekdays(np.array(["2024-01-01", "2024-01-07"], dtype="datetime64[D]")).tolist()
    [0, 6]
    """
    # 1970-01-01 was a Thursday: (days + 3) % 7 is 0 on Mondays
    return np.asarray((days.astype("int64") + 3) % 7)


#: Every day a trading day.
EVERY_DAY: Final = TradingCalendar()

_current: contextvars.ContextVar[TradingCalendar] = contextvars.ContextVar(
    "trading_calendar", default=EVERY_DAY
)


def current() -> TradingCalendar:
    """Give the calendar of the summary being computed (`EVERY_DAY` outside `using`)."""
    return _current.get()


@contextlib.contextmanager
def using(calendar: TradingCalendar) -> Iterator[TradingCalendar]:
    """Make ``calendar`` the `current` one inside the ``with`` block."""
    token = _current.set(calendar)
    try:
        yield calendar
    finally:
        _current.reset(token)


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse open weekdays: ``mon-fri``, ``sun-thu``, ``mon,wed,fri``; ``all`` or empty: every day.

    Raises
    ------
    ConfigError
        On a name that is not a weekday, or no day at all.

    Examples
    --------
    >>> sorted(parse_weekdays("sun-thu")), sorted(parse_weekdays("mon,wed"))
    ([0, 1, 2, 3, 6], [0, 2])
    """
    text = text.strip().lower()
    if text in ("", "all"):
        return frozenset(range(7))
    out: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        ends = [e.strip()[:3] for e in part.split("-")]
        if len(ends) > 2 or any(e not in WEEKDAY_NAMES for e in ends):
            raise ConfigError(
                f"trading_days {text!r}: expected weekdays such as mon-fri or mon,wed,fri"
            )
        a, b = WEEKDAY_NAMES.index(ends[0]), WEEKDAY_NAMES.index(ends[-1])
        out.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(out)


def parse_holidays(text: str) -> frozenset[dt.date]:
    """Parse holidays: ISO dates separated by commas, or ``@PATH`` of a file of them.

    The file has one date per line (``#`` starts a comment; a CSV's first column counts).

    Raises
    ------
    ConfigError
        Naming the file and line of a value that is not a date, or a file that cannot be
        read.

    Examples
    --------
    >>> sorted(parse_holidays("2024-12-25, 2025-01-01"))
    [datetime.date(2024, 12, 25), datetime.date(2025, 1, 1)]
    """
    text = text.strip()
    if not text:
        return frozenset()
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"holidays: cannot read {path}: {exc}") from None
        where = [(f"{path}, line {i}", line.split("#")[0].split(",")[0]) for i, line in
                 enumerate(lines, start=1)]  # fmt: skip
    else:
        where = [("holidays", part) for part in text.split(",")]
    out: set[dt.date] = set()
    for place, value in where:
        value = value.strip()
        if not value:
            continue
        try:
            out.add(dt.date.fromisoformat(value))
        except ValueError:
            raise ConfigError(f"{place}: {value!r} is not a date (YYYY-MM-DD)") from None
    return frozenset(out)


def parse_calendar(weekdays: str, holidays: str) -> TradingCalendar:
    """Give the calendar of the settings ``trading_days`` and ``holidays``.

    Raises
    ------
    ConfigError
        As `parse_weekdays` and `parse_holidays`.
    """
    return TradingCalendar(parse_weekdays(weekdays), parse_holidays(holidays))
