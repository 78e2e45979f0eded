"""What a summary is asked for and what it gives: the typed results reports format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tradeperf.analytics.breakdowns import Breakdown
from tradeperf.analytics.figures import CALENDAR_DAYS_PER_YEAR, Figure
from tradeperf.analytics.series import DailySeries
from tradeperf.calendars import EVERY_DAY, TradingCalendar

if TYPE_CHECKING:
    import pyarrow as pa

    from tradeperf.analytics.benchmark import BenchmarkComparison
    from tradeperf.analytics.rolling import RollingSeries
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.errors import ConfigError
from tradeperf.ledger import CostBasis
from tradeperf.sessions import Session
from tradeperf.timezones import day_key


@dataclass(frozen=True, slots=True)
class SummaryRequest:
    """What to summarise.

    Attributes
    ----------
    timezone : IANA name of the reporting timezone (windows are local calendar periods).
    capital : starting capital of the account, in ``currency``.
    currency : the account currency the P&L is in.
    windows : which window kinds to break the period into.
    start, end : local calendar days bounding the period (``end`` inclusive); None = all.
    strategies, symbols : keep only these (empty = all).
    cost_basis : how fills are matched into lots (FIFO, LIFO, average cost).
    sources : only the records read from these files (absolute paths; empty = the whole
        store): what ``tradeperf report PATHS`` covers.
    capital_assumed : the capital is the default, neither given nor stated by a source (the
        output says so).
    unlabelled_currency : the currency of records that name none (None: ``currency``), so
        that a summary of another currency leaves them out.
    breakdowns : compute the figures per strategy and per symbol (False leaves
        ``by_strategy`` and ``by_symbol`` empty: a document of windows alone shows neither).
    since, until : UTC instants bounding the period to the microsecond (``since``
        inclusive, ``until`` exclusive), within ``start``..``end`` when both are given: a
        trailing window (`tradeperf.durations.parse_since`).
    last : only the last ``last`` closed trades (in exit order) of the period; with ``by``,
        the last ``last`` of each group.
    by : keys of an extra breakdown (`tradeperf.analytics.breakdowns.KEYS`; empty: none).
    series : compute the daily series (overall, per strategy, per symbol).
    rolling : rolling figures, ``FIGURE:WINDOW`` (`tradeperf.analytics.rolling`).
    sessions : the named sessions of the trading day (`tradeperf.sessions`), for ``by``.
    session : only the trades exiting in this session (one of ``sessions``).
    day_start : the local clock time a reporting day starts at (None: midnight); a day
        starting after noon is labelled by the next calendar day (`tradeperf.timezones`).
    calendar : the trading days (`tradeperf.calendars`): the daily rows, daily returns and
        empty daily windows are those of its days; ratios are annualised over its days a year.
    trade_list : keep the closed trades the figures count in ``Summary.closed`` (for a
        report's trade list and trade charts).
    """

    timezone: str = "UTC"
    capital: Decimal = Decimal(10_000)
    currency: str = "USD"
    windows: tuple[WindowKind, ...] = (WindowKind.DAILY, WindowKind.WEEKLY, WindowKind.MONTHLY)
    start: dt.date | None = None
    end: dt.date | None = None
    strategies: tuple[str, ...] = ()
    symbols: tuple[str, ...] = ()
    cost_basis: CostBasis = CostBasis.FIFO
    sources: tuple[str, ...] = ()
    capital_assumed: bool = False
    unlabelled_currency: str | None = None
    breakdowns: bool = True
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    last: int | None = None
    by: tuple[str, ...] = ()
    series: bool = True
    rolling: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()
    session: str | None = None
    day_start: dt.time | None = None
    calendar: TradingCalendar = EVERY_DAY
    trade_list: bool = False

    @property
    def day_key(self) -> str:
        """Give the key of the reporting days (``timezone``, or ``"ZONE@HH:MM"`` with a cut).

        `tradeperf.timezones.resolve_timezone` turns it into the zone whose local dates are
        the reporting days; the store keys its partials and books by it.
        """
        return day_key(self.timezone, self.day_start)

    def utc_bounds(self, tz: ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Give the UTC bounds of the period: its local days, narrowed by ``since``/``until``.

        Parameters
        ----------
        tz
            The reporting timezone (the local days ``start``..``end``).

        Raises
        ------
        ConfigError
            If the bounds leave no time between them.
        """
        from tradeperf.analytics.windows import local_midnight

        start = local_midnight(self.start, tz) if self.start else None
        end = local_midnight(self.end + dt.timedelta(days=1), tz) if self.end else None
        if self.since is not None:
            start = self.since if start is None else max(start, self.since)
        if self.until is not None:
            end = self.until if end is None else min(end, self.until)
        if start is not None and end is not None and start >= end:
            raise ConfigError(
                f"the period is empty: {start:%Y-%m-%d %H:%M} is not before "
                f"{end:%Y-%m-%d %H:%M} UTC"
            )
        return start, end

    @property
    def session_filter(self) -> Session | None:
        """Give the session the trades are filtered to (``session``), or None."""
        return next((s for s in self.sessions if s.name == self.session), None)

    @property
    def cuts_days(self) -> bool:
        """Tell whether days are cut: by ``since``/``until``/``last`` or a ``session`` filter."""
        edges = (self.since, self.until, self.last, self.session)
        return any(e is not None for e in edges)


@dataclass(slots=True)
class WindowFigures:
    """The figures of one calendar window."""

    kind: WindowKind
    label: str
    start: dt.datetime
    end: dt.datetime
    figures: dict[str, Figure]


@dataclass(slots=True)
class Summary:
    """A computed summary, ready to be formatted by `tradeperf.reports`.

    Money figures are exact Decimals in ``currency``; ratios are floats (NaN = undefined).
    ``other_currencies``: the trades and fills in other currencies, left out of the figures
    (amounts of two currencies are never added), by currency; ``conversion_missing`` then
    says why they could not be converted (the rate that is missing).
    ``converted_currencies``: the trades and fills in other currencies that the figures
    include, converted to ``currency`` with the rate of their booking day, by currency.
    ``breakdown``: the figures per group of ``request.by`` (None without). ``series``: the
    account's daily rows (`DailySeries`), and those of each strategy and symbol (their closed
    trades' P&L, from the same starting equity). ``closed``: with ``request.trade_list``, the
    closed trades the figures count (`TRADE_SCHEMA` columns, in exit order, money in
    ``currency``: logged trades and round trips booked from fills, converted where the
    figures are); None otherwise. ``benchmark``: the account's daily returns beside a
    benchmark file's, and the figures between them (`tradeperf.analytics.benchmark.compare`);
    None without one.
    """

    request: SummaryRequest
    generated_at: dt.datetime
    first_exit: dt.datetime | None
    last_exit: dt.datetime | None
    overall: dict[str, Figure]
    windows: dict[WindowKind, list[WindowFigures]]
    by_strategy: dict[str, dict[str, Figure]]
    by_symbol: dict[str, dict[str, Figure]]
    status_counts: dict[str, int]
    rejected_rows: int
    unreadable_files: int
    periods_per_year: int = CALENDAR_DAYS_PER_YEAR
    other_currencies: dict[str, int] = field(default_factory=dict)
    converted_currencies: dict[str, int] = field(default_factory=dict)
    conversion_missing: str | None = None
    breakdown: Breakdown | None = None
    series: DailySeries | None = None
    series_by_strategy: dict[str, DailySeries] = field(default_factory=dict)
    series_by_symbol: dict[str, DailySeries] = field(default_factory=dict)
    rolling: list[RollingSeries] = field(default_factory=list)
    closed: pa.Table | None = None
    benchmark: BenchmarkComparison | None = None

    @property
    def partial(self) -> bool:
        """True when some input could not be read, so the figures may miss trades."""
        return self.rejected_rows > 0 or self.unreadable_files > 0
