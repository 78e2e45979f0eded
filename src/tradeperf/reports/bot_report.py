"""The report dict a trading bot's own code reads: ``generate_report()``.

A news-trading bot's performance module (and the `tradeperf.PerformanceTracker` interface
that follows it) reads a plain dict: ``summary`` with ``total_pnl``, ``by_asset[SYMBOL]``
with its ``total_pnl``, and ``daily_pnl`` / ``cumulative_pnl`` mapping each day (ISO date in
the reporting timezone, days without a trade included) to an amount. This module builds that
dict from a computed summary: the same figures as ``summary.json``, under those names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeperf.analytics.model import Summary


def report_dict(summary: Summary) -> dict[str, Any]:
    """Give a summary as the dict a bot reads (``generate_report()``).

    Parameters
    ----------
    summary
        A computed summary with its daily series (``request.series``) and breakdowns.

    Returns
    -------
    dict
        ``summary``: the overall figures of ``summary.json`` plus ``total_pnl`` (= ``net_pnl``,
        exact Decimal in ``currency``) and ``total_trades`` (= ``trades``);
        ``by_asset`` / ``by_strategy``: symbol / strategy -> the same, per group;
        ``daily_pnl`` / ``cumulative_pnl``: ISO day -> Decimal (the series' ``net_pnl`` and
        ``cumulative_pnl``, marked to market with books from fills); ``currency``,
        ``timezone``, ``day_start``, ``partial``, ``rejected_rows``, ``unreadable_files`` and
        ``null_reasons`` (figure -> why it is None). Undefined ratios are None.

    See `tradeperf.api.generate_report` for an example.
    """
    from tradeperf.reports.json_report import summary_to_json

    doc = summary_to_json(summary)

    def named(figures: dict[str, Any]) -> dict[str, Any]:
        out = dict(figures)
        out["total_pnl"] = figures.get("net_pnl")
        out["total_trades"] = figures.get("trades")
        return out

    rows = doc["series"]["daily"] if doc.get("series") else []
    return {
        "summary": named(doc["overall"]),
        "by_asset": {k: named(v) for k, v in doc["by_symbol"].items()},
        "by_strategy": {k: named(v) for k, v in doc["by_strategy"].items()},
        "daily_pnl": {r["day"]: r["net_pnl"] for r in rows},
        "cumulative_pnl": {r["day"]: r["cumulative_pnl"] for r in rows},
        "currency": doc["currency"],
        "timezone": doc["timezone"],
        "day_start": doc["day_start"],
        "partial": doc["partial"],
        "rejected_rows": doc["rejected_rows"],
        "unreadable_files": doc["unreadable_files"],
        "null_reasons": doc["overall"].get("null_reasons", {}),
    }
