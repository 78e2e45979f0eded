"""Markouts of what a store keeps: the full report, the hourly partials and rolling windows.

`markouts_from_store` is ``tradeperf mm report --store``: the fills (or the public trades read
as maker fills) and quotes of the store, joined where they are (DuckDB ``ASOF JOIN``,
PostgreSQL ``LATERAL``); it also brings the hourly partials up to date. `build_partials` is
``tradeperf mm partials``: from the hour its last build was final (`markout_state`) on, it
computes the markouts of the fills of those hours and replaces their partials, so a daily run
costs a day. `rolling_document` is ``tradeperf mm rolling``: 24 h and 7/30/90-day windows
added up from the partials, without the quotes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tradeperf.errors import ConfigError, InputError
from tradeperf.mm.horizons import Horizon, parse_horizons
from tradeperf.mm.job import MarkoutRequest, _maker_fills, _maker_fills_sql
from tradeperf.mm.markouts import Markouts, duckdb_markouts
from tradeperf.mm.partials import hourly_partials, rolling_rows, window_bounds, windows_sequence
from tradeperf.mm.report import DEFINITIONS, markouts_document
from tradeperf.store import open_store, redact_url
from tradeperf.store.sql import SQLStore

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _store_markouts(
    store: SQLStore,
    horizons: tuple[Horizon, ...],
    *,
    reference: str,
    fee_bps: float | None,
    public_trades_as: str | None = None,
    since: dt.datetime | None = None,
    notes: list[str] | None = None,
    summary: dict[str, Any] | None = None,
) -> Markouts:
    """Markouts of the store's fills from ``since`` on (None: all), against all its quotes."""
    notes = [] if notes is None else notes
    where = "" if since is None else f" WHERE timestamp >= '{since.isoformat()}'"
    if store.dialect == "postgres":
        from tradeperf.mm.markouts_pg import postgres_markouts

        fills_sql = f"SELECT * FROM fills{where}"
        if public_trades_as:
            fills_sql = _maker_fills_sql("public_trades", seq=False)
            notes.append(
                "fills are the public trades' passive (maker) side; trades without an "
                "aggressor flag are left out on PostgreSQL"
            )
        return postgres_markouts(store, fills_sql, horizons, reference=reference, fee_bps=fee_bps)
    from tradeperf.mm.sources import store_relations

    con = store.con  # type: ignore[attr-defined]
    store_relations(con)
    fills_name = f"(SELECT * FROM fills{where})"
    if public_trades_as:
        fills_name = _maker_fills(con, "mm_public_trades", "mm_quotes", summary or {}, notes)
    return duckdb_markouts(
        con, fills_name, "mm_quotes", horizons, reference=reference, fee_bps=fee_bps
    )


def _open(url: str) -> SQLStore:
    store = open_store(url)
    assert isinstance(store, SQLStore)  # both backends are SQL stores
    return store


def markouts_from_store(request: MarkoutRequest, horizons: tuple[Horizon, ...]) -> dict[str, Any]:
    """Compute the markouts document of the fills (or public trades) and quotes of a store.

    Raises
    ------
    InputError
        If the store holds no quotes.
    """
    assert request.store is not None
    notes = [
        f"read from the store {redact_url(request.store)}; rows it rejected at ingest are "
        "in its quarantine (tradeperf quarantine)"
    ]
    store = _open(request.store)
    with store:
        kinds = ("quotes", "public_trades" if request.public_trades_as else "fills")
        inputs = {
            kind: {
                "rows": int(store._fetch(f"SELECT count(*) FROM {kind}")[0][0]),
                "rejected": 0,
                "examples": [],
            }
            for kind in kinds
        }
        if not inputs["quotes"]["rows"]:
            raise InputError(f"the store {redact_url(request.store)} holds no quotes")
        markouts = _store_markouts(
            store,
            horizons,
            reference=request.reference,
            fee_bps=request.fee_bps,
            public_trades_as=request.public_trades_as,
            notes=notes,
            summary=inputs.get("public_trades"),
        )
    return markouts_document(
        markouts,
        reference=request.reference,
        fee_bps=request.fee_bps,
        inputs=inputs,
        notes=notes,
        daily_tz=request.daily_tz,
    )


def build_partials(
    url: str, *, horizons: str | None = None, reference: str = "mid", rebuild: bool = False
) -> dict[str, Any]:
    """Bring the hourly markout partials of the store's fills up to date.

    From the hour in which the last build stopped being final (or from the start, with
    ``rebuild`` or other horizons than last time), the fills' markouts are computed again and
    their hours' partials replaced; ``built_through`` becomes the last quote time of the
    symbol that ends first minus the longest horizon (every markout of an earlier fill is
    final).

    Returns
    -------
    dict with ``since`` (ISO time or None), ``fills``, ``rows`` and ``built_through``.

    Raises
    ------
    InputError
        If the store holds no quotes.
    """
    chosen = parse_horizons(horizons)
    spec = ",".join(h.label for h in chosen)
    store = _open(url)
    with store:
        if not store._fetch("SELECT 1 FROM quotes LIMIT 1"):
            raise InputError(f"the store {redact_url(url)} holds no quotes")
        state = store.markout_state(reference)
        since: dt.datetime | None = None
        if state is not None and state[0] == spec and not rebuild:
            since = state[1].astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        markouts = _store_markouts(store, chosen, reference=reference, fee_bps=None, since=since)
        rows = hourly_partials(markouts, reference)
        # the markouts already know each symbol's last quote; without fills, the quotes say
        ends = [_EPOCH + dt.timedelta(microseconds=us) for us in markouts.ends_us.values()]
        if not ends:
            ends = [
                t
                for _, t in store._fetch(
                    "SELECT symbol, max(timestamp) FROM quotes GROUP BY symbol"
                )
            ]
        longest = dt.timedelta(microseconds=chosen[-1].ns // 1000)
        built = min(ends) - longest
        if since is not None:
            built = max(built, since)
        store.replace_markout_partials(reference, since, rows, built_through=built, horizons=spec)
    return {
        "since": None if since is None else since.isoformat(),
        "fills": markouts.fills.size,
        "rows": rows.num_rows,
        "built_through": built.isoformat(),
    }


def rolling_document(
    url: str,
    *,
    windows: str = "24h,7d,30d,90d",
    at: dt.datetime | None = None,
    reference: str = "mid",
) -> dict[str, Any]:
    """Markout rows of trailing windows ending at ``at`` (default now), from the partials.

    The document has the shape of ``markouts.json`` (schema ``markouts``), one window label
    per row; quantiles are null (partials keep sums, not values).

    Raises
    ------
    ConfigError
        If no partials were built for ``reference`` (run ``tradeperf mm partials``).
    """
    end = at or dt.datetime.now(dt.UTC)
    chosen = windows_sequence(windows)
    store = _open(url)
    with store:
        state = store.markout_state(reference)
        if state is None:
            raise ConfigError(
                f"the store {redact_url(url)} has no markout partials for {reference!r}: "
                "run tradeperf mm partials first"
            )
        horizons = parse_horizons(state[0])
        labels = {h.ns: h.label for h in horizons}
        rows: list[dict[str, Any]] = []
        for label, length in chosen:
            start, stop = window_bounds(end, length)
            rows += rolling_rows(
                store.markout_partials(reference, start, stop), window=label, labels=labels
            )
        built_through = state[1]
    notes = [
        f"windows end at {end.astimezone(dt.UTC).isoformat()} (whole UTC hours); partials are "
        f"final up to {built_through.isoformat()}",
        "rolling rows come from hourly sums: quantiles are null; net rows use each fill's own fee",
    ]
    return {
        "horizons": [h.label for h in horizons],
        "reference": reference,
        "fee_bps": None,
        "definitions": DEFINITIONS,
        "inputs": {},
        "partial": False,
        "notes": notes,
        "markouts": rows,
    }
