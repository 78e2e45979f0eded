"""The performance summary: figures overall, per calendar window, per strategy and per symbol.

This is the one place that reads the store and hands arrays to the metric functions; reports
only format the `Summary` it returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import itertools
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf import calendars
from tradeperf.analytics.figures import (
    MONEY_CONTEXT_PREC,
    CashFlows,
    ClosedTrades,
    DailyAmounts,
    Figure,
    group_figures,
)
from tradeperf.timezones import clock_zone, resolve_timezone

__all__ = ["Summary", "SummaryRequest", "WindowFigures", "summarize", "summarize_trades"]
from tradeperf.analytics.model import Summary, SummaryRequest, WindowFigures
from tradeperf.analytics.partials import summarize_partials
from tradeperf.analytics.window_kinds import WindowKind
from tradeperf.analytics.windows import (
    local_days,
    make_window,
    window_start_days,
    window_starts_between,
)
from tradeperf.errors import ConfigError
from tradeperf.records import RecordKind, TradeStatus, in_exit_order
from tradeperf.store import Store, TradeQuery

# The books of fills, their bookings and the exchange rates load where the direct path uses
# them: a summary merged from the partials reads none of them (the booker loads Numba).
if TYPE_CHECKING:
    from tradeperf.analytics.booking import StoredBooks
    from tradeperf.analytics.books import Books, ConvertedBooks
    from tradeperf.analytics.fx import FxRates
    from tradeperf.analytics.series import DailySeries
    from tradeperf.ledger.valuation import BooksAt


def summarize(store: Store, request: SummaryRequest) -> Summary:
    """Compute the summary of the trades in ``store`` that ``request`` selects.

    Amounts in two currencies are never added: when the trades or fills in scope are in
    other currencies than ``request.currency`` (a record without one is in it), they are
    converted to it with the rate of their booking day (`tradeperf.analytics.fx`;
    ``converted_currencies`` counts them), or, when a rate is missing, the figures are those
    of the account currency's records alone, ``other_currencies`` counts the records left
    out, per currency (summarise those with their own ``currency``), and
    ``conversion_missing`` says which rate was missing.

    Figures are merged from the store's daily partial aggregates when they can be (no fills
    to book, at most one strategy and one symbol selected, and the sources, if named, are all
    the store holds): then no trade is read. Otherwise
    they are computed from the trades (`summarize_trades`); the two give the same figures
    (tests/analytics/test_partials.py).

    Raises
    ------
    ConfigError
        If the timezone is unknown or ``start`` is after ``end``.
    InputError
        If stored fills cannot be booked.
    """
    if request.rolling and not request.series:  # the rolling figures of days roll the series
        request = dataclasses.replace(request, series=True)
    with calendars.using(request.calendar):  # the days of its daily rows and returns
        summary = _summarize(store, request)
        _add_slippage(store, summary)
        if request.trade_list and summary.closed is None:  # merged from the partials
            summary.closed = _closed_table(store, request)
        if request.rolling and not summary.rolling:
            from tradeperf.analytics.rolling import rolling_figures

            summary.rolling = rolling_figures(
                request.rolling, summary.series, _closed_trades(store, summary)
            )
    summary.periods_per_year = request.calendar.periods_per_year
    return summary


def _add_slippage(store: Store, summary: Summary) -> None:
    """Add ``slippage_bps`` to the figures, in place, when fills in scope carry a reference.

    The sums come from one aggregate query in the engine (`Store.slippage`): per strategy
    and symbol, and per reporting day for the windows; no fill is read. The overall row,
    every ``by_strategy`` and ``by_symbol`` row and every window get the notional-weighted
    mean of their fills (`tradeperf.metrics.execution`; NaN, null in JSON, for a row none of
    whose fills has one). A store without fills pays for no query, and a summary whose fills
    carry no reference price is left as it is.
    """
    from tradeperf.metrics.execution import slippage_from_sums
    from tradeperf.store.base import NO_SLIPPAGE, SlippageSum

    if not store.has_records(RecordKind.FILLS):
        return
    request = summary.request
    tz = resolve_timezone(request.day_key)
    start, end = request.utc_bounds(tz)
    unlabelled = request.unlabelled_currency or request.currency
    query = TradeQuery(
        start=start,
        end=end,
        strategies=request.strategies,
        symbols=request.symbols,
        sources=request.sources,
        # the records in other currencies the figures leave out, the slippage leaves out too
        currency=(request.currency, unlabelled) if summary.other_currencies else None,
    )
    sums = store.slippage(query, day_key=request.day_key if summary.windows else None)
    if not sums.groups:
        return

    def mean(s: SlippageSum) -> float:
        return slippage_from_sums(s.weighted_bps, s.notional)

    summary.overall["slippage_bps"] = mean(sums.total())
    for rows, index in ((summary.by_strategy, 0), (summary.by_symbol, 1)):
        per: dict[str, SlippageSum] = {}
        for key, s in sums.groups.items():
            per[key[index]] = per.get(key[index], NO_SLIPPAGE) + s
        for label, figures in rows.items():
            figures["slippage_bps"] = mean(per.get(label, NO_SLIPPAGE))
    if not sums.days:
        return
    days = sorted(sums.days)
    ordinals = np.array([d.toordinal() for d in days], np.int64)
    for ws in summary.windows.values():
        for w in ws:
            edges = [w.start.astimezone(tz).date(), w.end.astimezone(tz).date()]
            lo, hi = np.searchsorted(ordinals, [d.toordinal() for d in edges]).tolist()
            # each window's own days summed (not a difference of running sums, which would
            # carry the rounding of every earlier day)
            total = NO_SLIPPAGE
            for d in days[lo:hi]:
                total = total + sums.days[d]
            w.figures["slippage_bps"] = mean(total)


def _closed_trades(store: Store, summary: Summary) -> ClosedTrades | None:
    """Read the closed trades of a summary of logged trades (for rolling over trades)."""
    request = summary.request
    from tradeperf.analytics.rolling import parse_rolling

    if all(parse_rolling(s).trades is None for s in request.rolling):
        return None
    tz = resolve_timezone(request.day_key)
    closed = _closed_table(store, request)
    return ClosedTrades.from_table(closed, local_days(closed.column("exit_time"), tz))


def _closed_table(store: Store, request: SummaryRequest) -> pa.Table:
    """Read the closed logged trades ``request`` selects, in exit order (the last N too)."""
    tz = resolve_timezone(request.day_key)
    start, end = request.utc_bounds(tz)
    table = store.trades(
        TradeQuery(
            strategies=request.strategies,
            symbols=request.symbols,
            sources=request.sources,
            start=start,
            end=end,
            session=request.session_filter,
            session_tz=clock_zone(tz).key,
        )
    )
    closed = table.filter(pc.equal(table.column("status"), TradeStatus.CLOSED.value))
    closed = closed.filter(pc.is_valid(closed.column("exit_time")))
    if request.last is not None and not request.by:
        closed = closed.slice(max(0, closed.num_rows - request.last))
    return closed


def _summarize(store: Store, request: SummaryRequest) -> Summary:
    """Route ``request`` to the partials, the engine's partials or the trades (`summarize`)."""
    single = len(request.strategies) <= 1 and len(request.symbols) <= 1
    # the partials are kept per day, strategy and symbol, not per source: they serve sources
    # that are the whole store (so `report X` into a new store equals `ingest X` + `summary`)
    whole = not request.sources or set(store.source_entries()) <= set(request.sources)
    unlabelled = request.unlabelled_currency or request.currency
    currencies = store.currencies(unlabelled, request.sources)
    others = {c: n for c, n in sorted(currencies.items()) if c != request.currency}
    if others:  # amounts of two currencies are never added: converted to base, or named
        from tradeperf.analytics.fx import FxRates, MissingRate

        rates = FxRates.from_table(store.records(RecordKind.FX_RATES))
        if any((c, request.currency) in rates.pairs() for c in others):
            try:
                summary = summarize_trades(store, request, rates=rates)
            except MissingRate as missing:
                reason = str(missing)
            else:
                summary.converted_currencies = others
                return summary
        else:
            reason = f"no exchange rates to {request.currency} are stored"
        summary = summarize_trades(store, request, only_currency=True)
        summary.other_currencies = others
        summary.conversion_missing = reason
        return summary
    if single and whole and not _booked(store):
        if request.cuts_days:  # the kept whole-day partials cannot answer
            from tradeperf.analytics.edges import summarize_edges

            return summarize_edges(store, request)
        if request.by:  # the kept partials, and the breakdown from the engine's
            from tradeperf.analytics.edges import add_breakdown

            summary = summarize_partials(store, dataclasses.replace(request, by=()))
            summary.request = request
            add_breakdown(store, summary)
            return summary
        return summarize_partials(store, request)
    return summarize_trades(store, request)


def summarize_trades(
    store: Store,
    request: SummaryRequest,
    *,
    only_currency: bool = False,
    rates: FxRates | None = None,
    stored_books: bool = True,
) -> Summary:
    """Compute the summary of the trades in ``store`` that ``request`` selects.

    Books of fills are those the store kept at ingest when they answer the request (the
    cost basis and timezone they were kept with, the whole store), for any selection of
    strategies and symbols (`tradeperf.analytics.booking.StoredBooks`: no fill is read);
    with ``stored_books`` False, or when they do not, the stored fills are booked now (the
    reference the stored books are tested against). The figures of several strategies are
    the sum of their own books (each booked as if it had its own account); the account's
    netted books are those of the summary without a strategy filter.

    Only CLOSED trades count in figures; trades of other statuses are counted in
    ``status_counts``. A trade belongs to the window of its exit time. With
    ``only_currency``, only the trades and fills in the account currency count (a record
    without a currency is in it); with ``rates``, the records in other currencies count,
    converted to the account currency with the rate of their booking day.

    Raises
    ------
    ConfigError
        If the timezone is unknown or ``start`` is after ``end``.
    MissingRate
        With ``rates``, when an amount's booking day has no rate.
    """
    # money sums carried across windows in 80 digits: the default 28 would round amounts
    # near the stored range (20 integer and 18 fractional digits)
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        return _summarize_trades(
            store, request, only_currency=only_currency, rates=rates, stored=stored_books
        )


def _summarize_trades(
    store: Store,
    request: SummaryRequest,
    *,
    only_currency: bool,
    rates: FxRates | None,
    stored: bool,
) -> Summary:
    from tradeperf.analytics.books import ConvertedBooks, load_books, load_cash_flows
    from tradeperf.analytics.fx import convert_trades

    tz = resolve_timezone(request.day_key)
    if request.start and request.end and request.start > request.end:
        raise ConfigError(f"start {request.start} is after end {request.end}")
    unlabelled = request.unlabelled_currency or request.currency
    currency = (request.currency, unlabelled) if only_currency else None
    query = TradeQuery(
        strategies=request.strategies,
        symbols=request.symbols,
        sources=request.sources,
        currency=currency,
        session=request.session_filter,
        session_tz=clock_zone(tz).key,
    )
    if request.session is not None and _booked(store):
        raise ConfigError(
            f"--session {request.session}: a session filters closed trades, and this store "
            "keeps books of fills marked to market, which a session cannot split"
        )
    table = store.trades(query)
    books: Books | ConvertedBooks | StoredBooks | None = None
    kept = _kept_books(store, request, tz) if stored else None
    if kept is not None:
        books = _stored_books(kept, request, tz, only_currency=only_currency, rates=rates)
    else:  # the reference: book the stored fills now
        loaded = load_books(
            store,
            strategies=request.strategies,
            symbols=request.symbols,
            cost_basis=request.cost_basis,
            sources=request.sources,
            currency=(request.currency, unlabelled) if only_currency else None,
        )
        books = loaded
        if rates is not None and loaded is not None:
            books = ConvertedBooks(loaded, rates, request.currency, unlabelled, tz)
    if rates is not None:
        days = local_days(table.column("exit_time"), tz)
        table = convert_trades(table, days, rates, request.currency, unlabelled)
    stored = table
    if books is not None:
        table = in_exit_order(pa.concat_tables([table, books.trades]))
    start_utc, end_utc = request.utc_bounds(tz)

    status = table.column("status")
    closed = table.filter(pc.equal(status, TradeStatus.CLOSED.value))
    others = table.filter(pc.not_equal(status, TradeStatus.CLOSED.value))
    before, closed = _split_period(closed, start_utc, end_utc)
    if request.last is not None and not request.by and closed.num_rows > request.last:
        # the last N closed trades: the earlier ones count in the starting equity
        cut = closed.num_rows - request.last
        before = pa.concat_tables([before, closed.slice(0, cut)])
        closed = closed.slice(cut)
        start_utc = closed.column("exit_time")[0].as_py()

    prior = sum((x for x in before.column("net_pnl").to_pylist() if x is not None), Decimal(0))
    flows = load_cash_flows(
        store, tz.key, sources=request.sources, currency=(request.currency, unlabelled), rates=rates
    )
    pnl_start = request.capital + prior
    trades = ClosedTrades.from_table(closed, local_days(closed.column("exit_time"), tz))

    counts = Counter(others.column("status").to_pylist())
    counts[TradeStatus.CLOSED.value] = len(trades)
    status_counts = {s.value: counts.get(s.value, 0) for s in TradeStatus}

    active = trades.day
    if books is not None:
        # books kept from fills are active from their first to their last fill or mark
        active = np.concatenate((active, books.event_days(tz, start_utc, end_utc)))
    first_day = active.min().item() if active.size else request.start
    last_day = active.max().item() if active.size else request.end
    if request.start:
        first_day = request.start
    if request.end:
        last_day = request.end
    if request.since is not None or (request.last is not None and start_utc is not None):
        first_day = start_utc.astimezone(tz).date() if start_utc else first_day
    if request.until is not None and end_utc is not None:
        last_day = (end_utc - dt.timedelta(microseconds=1)).astimezone(tz).date()

    equity_start = pnl_start + flows.before(first_day)
    account_days = None
    if books is not None and first_day is not None and last_day is not None:
        account_days = _account_day_pnl(stored, books, tz, first_day, last_day, start_utc, end_utc)
    overall = group_figures(
        trades,
        equity_start=equity_start,
        first_day=first_day,
        last_day=last_day,
        flows=flows,
        account=account_days,
    )
    extra_days = np.empty(0, "datetime64[D]")
    if books is not None:
        extra_days = books.booked_days(tz, start_utc, end_utc)
    windows = {
        kind: _window_figures(
            trades, kind, tz, equity_start, first_day, last_day, extra_days, flows, account_days
        )
        for kind in request.windows
    }
    logged = _LoggedFees.of(stored, start_utc, end_utc)
    if books is not None:
        _add_positions(books, overall, windows, start_utc, end_utc, logged)
    span = _Span(tz, equity_start, first_day, last_day, start_utc, end_utc)
    by_strategy = _breakdown(trades, "strategy", span, books, stored) if request.breakdowns else {}
    by_symbol = _breakdown(trades, "symbol", span, books, stored) if request.breakdowns else {}
    rejected_rows, unreadable_files = store.reject_counts(request.sources)
    summary = Summary(
        request=request,
        generated_at=dt.datetime.now(dt.UTC),
        first_exit=_to_datetime(trades.exit_us.min()) if len(trades) else None,
        last_exit=_to_datetime(trades.exit_us.max()) if len(trades) else None,
        overall=overall,
        windows=windows,
        by_strategy=by_strategy,
        by_symbol=by_symbol,
        status_counts=status_counts,
        rejected_rows=rejected_rows,
        unreadable_files=unreadable_files,
    )
    _add_extras(summary, trades, closed, span, flows, account_days, books, stored)
    if request.trade_list:
        summary.closed = closed
    if request.rolling:
        from tradeperf.analytics.rolling import rolling_figures

        summary.rolling = rolling_figures(request.rolling, summary.series, trades)
    return summary


def _add_extras(
    summary: Summary,
    trades: ClosedTrades,
    closed: pa.Table,
    span: _Span,
    flows: CashFlows,
    account_days: DailyAmounts | None,
    books: Books | ConvertedBooks | StoredBooks | None,
    stored: pa.Table,
) -> None:
    """Add the breakdown and the series the summary's request asks for, in place.

    A breakdown by strategy or symbol alone is the summary's own (books-aware) one.
    """
    from tradeperf.analytics.breakdowns import Breakdown, Group, breakdown
    from tradeperf.analytics.series import daily_series

    request = summary.request
    if request.by:
        single = {"strategy": summary.by_strategy, "symbol": summary.by_symbol}
        if len(request.by) == 1 and request.by[0] in single and request.last is None:
            # the books-aware figures of each strategy or symbol: one definition of each
            groups = single[request.by[0]] or _breakdown(trades, request.by[0], span, books, stored)
            summary.breakdown = Breakdown(
                request.by, [Group((k,), v) for k, v in groups.items()], overlapping=False
            )
        else:
            summary.breakdown = breakdown(
                trades,
                closed,
                request.by,
                sessions=request.sessions,
                tz=span.tz,
                equity_start=span.equity_start,
                first_day=span.first_day,
                last_day=span.last_day,
                last=request.last,
            )
    if request.series:
        summary.series = daily_series(
            trades,
            equity_start=span.equity_start,
            first_day=span.first_day,
            last_day=span.last_day,
            flows=flows,
            account=account_days,
        )
        summary.series_by_strategy = _group_series(trades, trades.strategy, span)
        summary.series_by_symbol = _group_series(trades, trades.symbol, span)


def _group_series(trades: ClosedTrades, labels: np.ndarray, span: _Span) -> dict[str, DailySeries]:
    """Give the daily series of the closed trades of each label (strategy or symbol)."""
    from tradeperf.analytics.series import daily_series

    return {
        label: daily_series(
            trades.take(np.flatnonzero(labels == label)),
            equity_start=span.equity_start,
            first_day=span.first_day,
            last_day=span.last_day,
        )
        for label in sorted(set(labels.tolist()))
    }


def _booked(store: Store) -> bool:
    """Whether the store holds books of fills: fills, or books kept of fills since pruned."""
    return store.has_records(RecordKind.FILLS) or store.books_pruned() is not None


def _kept_books(
    store: Store, request: SummaryRequest, tz: ZoneInfo
) -> tuple[pa.Table, pa.Table] | None:
    """Return the daily books and round trips the store kept at ingest, if they answer ``request``.

    They are `Store.stored_books`. They answer when there are stored fills and the request
    covers the whole store (its sources, if named, are all the store holds) with the cost basis
    and timezone they were booked with; they then answer any selection of strategies and
    symbols. None: book the fills now.

    Raises
    ------
    ConfigError
        When they do not answer and the store's fills were pruned (`Store.books_pruned`).
    """
    if not _booked(store):
        return None
    kept = None
    if not request.sources or set(store.source_entries()) <= set(request.sources):
        kept = store.stored_books(tz.key, request.cost_basis.value)
    pruned = store.books_pruned()
    if kept is None and pruned is not None:
        # booking the fills now would book what is left of them: refuse
        raise ConfigError(
            f"this store's raw fills before {pruned:%Y-%m-%d %H:%M} UTC were pruned: it answers "
            "from the books it keeps, for the whole store with its cost basis and timezones "
            "(tradeperf store info), not for these sources, this cost basis or this timezone"
        )
    return kept


def _stored_books(
    kept: tuple[pa.Table, pa.Table],
    request: SummaryRequest,
    tz: ZoneInfo,
    *,
    only_currency: bool,
    rates: FxRates | None,
) -> StoredBooks | None:
    """Return the kept books of the selection (`StoredBooks`, as `load_books` books them).

    With no strategy chosen, these are the account's books; with one or several, the sum of
    their own books; in the symbols chosen, if any. None when the selection holds no position
    (no fill selected).
    """
    from tradeperf.analytics.booking import ACCOUNT, StoredBooks

    rows, trades = kept
    unlabelled = request.unlabelled_currency or request.currency
    if only_currency:
        own = pc.fill_null(rows.column("currency"), unlabelled)
        rows = rows.filter(pc.equal(own, request.currency))
        trades = trades.filter(
            pc.equal(pc.fill_null(trades.column("currency"), unlabelled), request.currency)
        )
    books = StoredBooks(
        rows,
        trades,
        tz,
        scopes=request.strategies or (ACCOUNT,),
        symbols=request.symbols or None,
        rates=rates,
        base=request.currency,
        unlabelled=unlabelled,
    )
    return books if books.rows.num_rows else None


def _account_day_pnl(
    stored: pa.Table,
    books: Books | ConvertedBooks | StoredBooks,
    tz: ZoneInfo,
    first_day: dt.date,
    last_day: dt.date,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> DailyAmounts:
    """Return the account's P&L per calendar day when books are kept from fills.

    It is the closed trades read from trade logs by exit day, plus the books marked to market
    (realized + unrealized − fees + funding, day over day), so a partial exit or an open
    position's move counts on its own day.
    """
    closed = _closed_in(stored, start, end)
    logs = DailyAmounts.of(
        local_days(closed.column("exit_time"), tz), closed.column("net_pnl").to_pylist()
    )
    return logs + books.daily_pnl(first_day, last_day, tz)


def _to_us(t: dt.datetime) -> int:
    return (t - dt.datetime.fromtimestamp(0, dt.UTC)) // dt.timedelta(microseconds=1)


_BEGINNING = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_END_OF_TIME = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class _LoggedFees:
    """Fees of the closed trades read from trade logs (not derived from fills), by exit."""

    exit_us: np.ndarray  # sorted
    cumulative: list[Decimal]

    @classmethod
    def of(
        cls, stored: pa.Table, start: dt.datetime | None, end: dt.datetime | None
    ) -> _LoggedFees:
        closed = _closed_in(stored, start, end)
        exit_us = closed.column("exit_time").cast(pa.int64()).to_numpy(zero_copy_only=False)
        order = np.argsort(exit_us, kind="stable")
        fees = closed.column("fees").to_pylist()
        cumulative = list(itertools.accumulate((fees[i] for i in order), initial=Decimal(0)))
        return cls(exit_us[order], cumulative)

    def between(self, start: dt.datetime, end: dt.datetime) -> Decimal:
        """Σ fees of the trades that exit in [start, end)."""
        lo, hi = np.searchsorted(self.exit_us, [_to_us(start), _to_us(end)], side="left")
        return self.cumulative[int(hi)] - self.cumulative[int(lo)]


def _books_figures(
    before: BooksAt, after: BooksAt, logged: _LoggedFees
) -> dict[str, Decimal | int | None]:
    """Return the `position_figures` of the window, and its ``fees``.

    ``fees`` is every fee paid over the window, the opening fees of positions still open
    included (the trade logs' closed trades' and the fills').
    """
    from tradeperf.analytics.books import position_figures

    figures = position_figures(before, after)
    figures["fees"] = logged.between(before.time, after.time) + after.fees - before.fees
    return figures


def _add_positions(
    books: Books | ConvertedBooks | StoredBooks,
    overall: dict[str, Figure],
    windows: dict[WindowKind, list[WindowFigures]],
    start: dt.datetime | None,
    end: dt.datetime | None,
    logged: _LoggedFees,
) -> None:
    """Add realized and unrealized P&L, open positions and the fees paid to the figures.

    Both the overall figures and those of every window are updated in place.
    """
    bounds = {start or _BEGINNING, end or _END_OF_TIME}
    for ws in windows.values():
        for w in ws:
            bounds.update((w.start, w.end))
    ordered = sorted(bounds)
    at = dict(zip(ordered, books.at(ordered), strict=True))
    overall.update(_books_figures(at[start or _BEGINNING], at[end or _END_OF_TIME], logged))
    for ws in windows.values():
        for w in ws:
            w.figures.update(_books_figures(at[w.start], at[w.end], logged))


def _closed_in(table: pa.Table, start: dt.datetime | None, end: dt.datetime | None) -> pa.Table:
    """Return the CLOSED trades of ``table`` that exit in [start, end)."""
    closed = table.filter(pc.equal(table.column("status"), TradeStatus.CLOSED.value))
    return _split_period(closed, start, end)[1]


def _split_period(
    closed: pa.Table, start: dt.datetime | None, end: dt.datetime | None
) -> tuple[pa.Table, pa.Table]:
    """(trades closed before ``start``, trades closed in [start, end))."""
    exit_time = closed.column("exit_time")
    if start is not None:
        before = closed.filter(pc.less(exit_time, pa.scalar(start, exit_time.type)))
        closed = closed.filter(pc.greater_equal(exit_time, pa.scalar(start, exit_time.type)))
    else:
        before = closed.slice(0, 0)
    if end is not None:
        exit_time = closed.column("exit_time")
        closed = closed.filter(pc.less(exit_time, pa.scalar(end, exit_time.type)))
    return before, closed


def _to_datetime(us: np.int64) -> dt.datetime:
    return dt.datetime.fromtimestamp(0, dt.UTC) + dt.timedelta(microseconds=int(us))


def _window_figures(
    trades: ClosedTrades,
    kind: WindowKind,
    tz: ZoneInfo,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    extra_days: np.ndarray,
    flows: CashFlows,
    account_days: DailyAmounts | None,
) -> list[WindowFigures]:
    """Return the figures of every window of ``kind`` in the period, in order.

    Windows without a trade are there too (zero counts, undefined ratios). ``extra_days`` are
    days with realized P&L from fills, such as a partial exit, before the period's first or
    after its last day of a trade.
    """
    starts = window_start_days(trades.day, kind)
    all_starts = np.union1d(starts, window_start_days(extra_days, kind))
    # every window of the period, those without a trade too: a series without holes
    all_starts = np.union1d(all_starts, window_starts_between(first_day, last_day, kind))
    out = []
    equity = equity_start
    # trades are in exit order, so each window's trades are one contiguous run
    run_starts = np.searchsorted(starts, all_starts, side="left")
    run_ends = np.searchsorted(starts, all_starts, side="right")
    for first, a, b in zip(all_starts, run_starts, run_ends, strict=True):
        window = make_window(cast(dt.date, first.item()), kind, tz)
        group = trades.take(np.arange(a, b))
        lo = max(window.first_day, first_day) if first_day else window.first_day
        last_of_window = window.end_local.date() - dt.timedelta(days=1)
        hi = min(last_of_window, last_day) if last_day else last_of_window
        start = equity + flows.before(lo) - flows.before(first_day)
        if account_days is not None:
            # books marked to market: the window starts from the equity they reached
            start = equity_start + flows.before(lo) - flows.before(first_day)
            start += account_days.before(lo)
        figures = group_figures(
            group,
            equity_start=start,
            first_day=lo,
            last_day=hi,
            flows=flows,
            account=account_days,
            returns_figures=False,
        )
        out.append(WindowFigures(kind, window.label, window.start, window.end, figures))
        equity = equity + cast(Decimal, figures["net_pnl"])
    return out


@dataclass(frozen=True, slots=True)
class _Span:
    """The period a summary covers: its timezone, starting equity, days and UTC bounds."""

    tz: ZoneInfo
    equity_start: Decimal
    first_day: dt.date | None
    last_day: dt.date | None
    start: dt.datetime | None
    end: dt.datetime | None


def _breakdown(
    trades: ClosedTrades,
    column: str,
    span: _Span,
    books: Books | ConvertedBooks | StoredBooks | None,
    stored: pa.Table,
) -> dict[str, dict[str, Figure]]:
    """Return the figures per label of ``column`` (``strategy`` or ``symbol``).

    Each label is summarised as if it traded the whole account. With books kept from fills,
    each group's own books (`Books.subset`) are marked to market like the overall figures: its
    daily P&L, realized and unrealized P&L, open positions and every fee it paid.
    """
    labels = trades.strategy if column == "strategy" else trades.symbol
    names = set(labels.tolist())
    if books is not None:
        names |= set(books.labels(column))
    out = {}
    for label in sorted(names):
        group = trades.take(np.flatnonzero(labels == label))
        own = books.subset(column, label) if books is not None else None
        if own is None:
            out[label] = group_figures(
                group,
                equity_start=span.equity_start,
                first_day=span.first_day,
                last_day=span.last_day,
            )
            continue
        logs = stored.filter(pc.equal(stored.column(column), label))
        account = None
        if span.first_day is not None and span.last_day is not None:
            account = _account_day_pnl(
                logs, own, span.tz, span.first_day, span.last_day, span.start, span.end
            )
        figures = group_figures(
            group,
            equity_start=span.equity_start,
            first_day=span.first_day,
            last_day=span.last_day,
            account=account,
        )
        lo, hi = span.start or _BEGINNING, span.end or _END_OF_TIME
        before, after = own.at([lo, hi])
        figures.update(_books_figures(before, after, _LoggedFees.of(logs, span.start, span.end)))
        out[label] = figures
    return out
