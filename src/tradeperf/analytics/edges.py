"""Summaries with an edge inside a day, or broken down by any attribute, from SQL partials.

A trailing window (``since``/``until`` to the microsecond), the last N trades and the
breakdowns the stored partials are not keyed by (hour, weekday, exit reason, tag, ...) are
aggregated inside the store's engine: `Store.trade_partials` computes the daily partials of
just the selected trades, per group, with the same SQL as the kept partials; the figures are
then merged from them exactly as `tradeperf.analytics.partials.summarize_partials` merges the
kept ones. No trade row reaches Python.

This path answers stores without books of fills (their round trips live in the books, not in
the trades table); `tradeperf.analytics.summary.summarize` sends the others to the direct
path, which computes the same figures from the trades in Python (tested equal).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import itertools
from collections import Counter
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.analytics.breakdowns import SPLITTING, WEEKDAYS, Breakdown, Group, sort_key
from tradeperf.analytics.few_trades import FEW_TRADES, partials_of_trades
from tradeperf.analytics.figures import MONEY_CONTEXT_PREC, CashFlows, Figure
from tradeperf.analytics.model import Summary, SummaryRequest
from tradeperf.analytics.partials import DailyPartials, figures, scope_of, window_figures
from tradeperf.analytics.series import DailySeries
from tradeperf.calendars import weekdays
from tradeperf.errors import ConfigError
from tradeperf.records import RecordKind, TradeStatus
from tradeperf.store import Grouping, Store, TradeQuery
from tradeperf.store.partials_sql import KEPT_KEYS, LABEL_SEP
from tradeperf.timezones import clock_zone, resolve_timezone


def summarize_edges(store: Store, request: SummaryRequest) -> Summary:
    """Compute the summary ``request`` asks for from partials the store computes now.

    Figures equal `tradeperf.analytics.summary.summarize_trades` on the same store (counts and
    money exactly, floats to rounding; tests/analytics/test_windows_series_breakdowns.py).

    Parameters
    ----------
    store
        A store without books of fills.
    request
        The summary asked for: its ``since``/``until``/``last`` and ``by`` are applied here.

    Raises
    ------
    ConfigError
        If the timezone is unknown, ``start`` is after ``end`` or the period is empty.
    """
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        return _summarize(store, request)


def _summarize(store: Store, request: SummaryRequest) -> Summary:
    zone = resolve_timezone(request.day_key)
    tz = zone.key
    if request.start and request.end and request.start > request.end:
        raise ConfigError(f"start {request.start} is after end {request.end}")
    start, end = request.utc_bounds(zone)
    base = TradeQuery(
        strategies=request.strategies,
        symbols=request.symbols,
        session=request.session_filter,
        session_tz=clock_zone(zone).key,
    )
    query = dataclasses.replace(base, start=start, end=end)
    last = None if request.by else request.last
    # the last N of all exit at or after the N-th last exit: bounded by it, the engine
    # ranks the trades of the last days, not of every day
    tail = query
    if last is not None:
        cut = store.nth_last_exit(query, last)
        if cut is not None and (start is None or cut > start):
            tail = dataclasses.replace(query, start=cut)
    # a few trades are folded from their rows (`few_trades`), more in the engine
    selected = store.closed_net_pnl(query) if last is not None or start is not None else None
    few = selected is not None and (
        selected[0] <= FEW_TRADES or (last is not None and last <= FEW_TRADES)
    )
    period = DailyPartials.from_table(
        _partials(store, tz, tail, Grouping(last=last, each=False), few=few)
    )
    total = period.total()
    # the closed trades before the period count in the starting equity
    prior = Decimal(0)
    if start is not None:
        _, prior = store.closed_net_pnl(dataclasses.replace(base, end=start))
    if last is not None and selected is not None:  # and those of the period before its last N
        prior += selected[1] - total.net_pnl
    flows = CashFlows.none()
    if store.has_records(RecordKind.CASH_FLOWS):
        from tradeperf.analytics.books import load_cash_flows

        flows = load_cash_flows(store, tz)
    first_day, last_day = _days(request, period, zone, start, end, last)
    equity_start = request.capital + prior + flows.before(first_day)
    overall = figures(
        period, equity_start=equity_start, first_day=first_day, last_day=last_day, flows=flows
    )
    windows = {
        kind: window_figures(
            period,
            kind,
            tz,
            equity_start=equity_start,
            first_day=first_day,
            last_day=last_day,
            flows=flows,
        )
        for kind in request.windows
    }
    by_strategy: dict[str, dict[str, Figure]] = {}
    by_symbol: dict[str, dict[str, Figure]] = {}
    series_by: dict[str, dict[str, DailySeries]] = {"strategy": {}, "symbol": {}}
    if request.breakdowns or request.series:
        for key, out in (("strategy", by_strategy), ("symbol", by_symbol)):
            for (label,), part in _groups(
                _partials(store, tz, tail, Grouping((key,), last, each=False), few=few)
            ):
                if request.breakdowns:
                    out[label] = figures(
                        part, equity_start=equity_start, first_day=first_day, last_day=last_day
                    )
                if request.series:
                    series_by[key][label] = part.series(
                        equity_start=equity_start, first_day=first_day, last_day=last_day
                    )
    breakdown = None
    if request.by:
        few_rows = selected is not None and selected[0] <= FEW_TRADES
        breakdown = _breakdown(
            store, request, query, equity_start, first_day, last_day, few=few_rows
        )
    counts = Counter(store.status_counts(base))
    counts[TradeStatus.CLOSED.value] = total.trades
    rejected_rows, unreadable_files = store.reject_counts()
    return Summary(
        request=request,
        generated_at=dt.datetime.now(dt.UTC),
        first_exit=total.first_exit,
        last_exit=total.last_exit,
        overall=overall,
        windows=windows,
        by_strategy=by_strategy,
        by_symbol=by_symbol,
        status_counts={s.value: counts.get(s.value, 0) for s in TradeStatus},
        rejected_rows=rejected_rows,
        unreadable_files=unreadable_files,
        breakdown=breakdown,
        series=period.series(
            equity_start=equity_start, first_day=first_day, last_day=last_day, flows=flows
        )
        if request.series
        else None,
        series_by_strategy=series_by["strategy"],
        series_by_symbol=series_by["symbol"],
    )


def _days(
    request: SummaryRequest,
    period: DailyPartials,
    zone: ZoneInfo,
    start: dt.datetime | None,
    end: dt.datetime | None,
    last: int | None,
) -> tuple[dt.date | None, dt.date | None]:
    """Give the first and last local day of the period (daily returns span them)."""
    first = request.start or (period.days[0].item() if len(period) else None)
    final = request.end or (period.days[-1].item() if len(period) else None)
    if request.since is not None and start is not None:
        first = start.astimezone(zone).date()
    if request.until is not None and end is not None:
        final = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    if last is not None and len(period):
        first = period.days[0].item()
    return first, final


def _groups(table: pa.Table) -> list[tuple[tuple[str, ...], DailyPartials]]:
    """Split `Store.trade_partials` rows (sorted by group) into each group's partials."""
    table = table.filter(pc.greater(table.column("trades"), 0))
    if not table.num_rows:
        return []
    labels = table.column("strategy").combine_chunks().dictionary_encode()
    codes = np.asarray(labels.indices.to_numpy(zero_copy_only=False))
    names = labels.dictionary.to_pylist()
    cuts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(codes)]
    every = DailyPartials.from_table(table)  # decoded once, then sliced per group
    return [
        (tuple(str(names[codes[a]]).split(LABEL_SEP)), every.take(slice(a, b)))
        for a, b in itertools.pairwise(bounds)
    ]


def _breakdown(
    store: Store,
    request: SummaryRequest,
    query: TradeQuery,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
    *,
    few: bool = False,
) -> Breakdown:
    """Give the figures of each group of ``request.by`` from the engine's partials.

    With ``few`` (the selection is a few trades), from partials folded from their rows.
    """
    grouping = Grouping(request.by, request.last, sessions=request.sessions)
    rows = _partials(store, resolve_timezone(request.day_key).key, query, grouping, few=few)
    return _breakdown_of(request, rows, equity_start, first_day, last_day)


def _partials(
    store: Store, tz: str, query: TradeQuery, grouping: Grouping, *, few: bool
) -> pa.Table:
    """Give `Store.trade_partials` of the selection; with ``few``, folded from its rows."""
    if few:
        folded = partials_of_trades(store.labelled_trades(tz, query, grouping), tz)
        if folded is not None:
            return folded
    return store.trade_partials(tz, query, grouping)


def _breakdown_of(
    request: SummaryRequest,
    rows: pa.Table,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
) -> Breakdown:
    """Give the figures of each group of partials ``rows`` (sorted by group, then day)."""
    groups = []
    for labels, part in sorted(
        _groups(rows),
        key=lambda g: [sort_key(k, v) for k, v in zip(request.by, g[0], strict=True)],
    ):
        lo = first_day
        if request.last is not None and len(part):
            lo = max(first_day, part.days[0].item()) if first_day else part.days[0].item()
        part_figures = figures(part, equity_start=equity_start, first_day=lo, last_day=last_day)
        groups.append(Group(labels, part_figures))
    return Breakdown(request.by, groups, bool(SPLITTING & set(request.by)), request.last)


def add_breakdown(store: Store, summary: Summary) -> None:
    """Add the breakdown its request asks for to a summary of whole days, in place.

    The groups start from the summary's starting equity over its days, as its other rows.

    Parameters
    ----------
    store
        The store the summary was computed from (without books of fills).
    summary
        A summary whose ``request.by`` names the keys (no ``since``/``until``/``last``).
    """
    with decimal.localcontext(prec=MONEY_CONTEXT_PREC):
        request = summary.request
        zone = resolve_timezone(request.day_key)
        start_utc, end_utc = request.utc_bounds(zone)
        query = TradeQuery(
            strategies=request.strategies, symbols=request.symbols, start=start_utc, end=end_utc
        )
        # the days of the summary's rows: its period, else those of its first and last exit
        first, last = summary.first_exit, summary.last_exit
        first_day = request.start or (first.astimezone(zone).date() if first else None)
        last_day = request.end or (last.astimezone(zone).date() if last else None)
        start = cast(Decimal, summary.overall["equity_start"])
        unfiltered = not request.strategies and not request.symbols
        if request.by == ("weekday",):  # a function of the day: the kept partials answer
            summary.breakdown = _weekdays(store, request, start, first_day, last_day)
        elif len(request.by) == 1 and request.by[0] in KEPT_KEYS and unfiltered:
            rows = store.breakdown_partials(
                zone.key, request.by[0], start=request.start, end=request.end
            )
            summary.breakdown = _breakdown_of(request, rows, start, first_day, last_day)
        else:
            summary.breakdown = _breakdown(store, request, query, start, first_day, last_day)


def _weekdays(
    store: Store,
    request: SummaryRequest,
    equity_start: Decimal,
    first_day: dt.date | None,
    last_day: dt.date | None,
) -> Breakdown:
    """Give the figures per weekday by merging the kept daily partials of each weekday.

    A weekday is a function of the (trading) day, so a group's trades are those of its days
    and its figures the merge of their partials, as `_breakdown` computes them from the
    engine's partials of the trades (tested equal).
    """
    every = DailyPartials.from_table(
        store.partials(
            resolve_timezone(request.day_key).key,
            start=request.start,
            end=request.end,
            strategy=scope_of(request.strategies, "strategy"),
            symbol=scope_of(request.symbols, "symbol"),
        )
    )
    weekday = weekdays(every.days)
    groups = []
    for number in np.unique(weekday):
        part = every.take(weekday == number)
        day_figures = figures(
            part, equity_start=equity_start, first_day=first_day, last_day=last_day
        )
        groups.append(Group((WEEKDAYS[int(number)],), day_figures))
    return Breakdown(request.by, groups, False, None)
