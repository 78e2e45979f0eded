"""The dashboard's document: one read of the store, in the shape the page draws.

Every figure is the summaries' (`tradeperf.analytics.summary.summarize`, the registry's
definitions), the positions' (`tradeperf.analytics.positions`) and the alerts' own; this
module only picks and arranges them:

- ``headline``: the overall figures, with the current drawdown (fraction of the peak of the
  daily equity, and money) from the daily series;
- ``periods``: the P&L of today, this week and this month in the reporting timezone (days
  from its ``day_start``), the sums of the daily series' net P&L from each period's first day;
- ``last_24h``: the summary of the trades that closed in the last 24 hours, and the fills;
- ``equity_curve``: the daily equity and drawdown; ``intraday``: the service's tracker's
  minute snapshots of the last 24 hours;
- ``rolling``: per day, the net P&L of the trailing 7, 30 and 90 days (differences of the
  cumulative P&L) and the rolling Sharpe ratio of the daily returns over the same window
  (the summary's ``--rolling sharpe_ratio:Nd``);
- ``by_strategy``/``by_symbol``: the breakdowns' figures; ``positions``; the active
  ``alerts``; the 20 newest ``fills``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Final

from tradeperf.config import Config
from tradeperf.records import RecordKind
from tradeperf.store import Store

__all__ = ["ROLLING_DAYS", "dashboard_doc"]

#: The trailing windows of the rolling trend charts, in days.
ROLLING_DAYS: Final = (7, 30, 90)
_GROUP_FIGURES: Final = (
    "trades", "win_rate", "net_pnl", "profit_factor", "max_drawdown", "sharpe_ratio",
)  # fmt: skip
_FILL_COLUMNS: Final = (
    "timestamp", "symbol", "side", "quantity", "price", "fee", "strategy", "fill_id",
)  # fmt: skip


def _groups(groups: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        {"name": name, **{k: figures.get(k) for k in _GROUP_FIGURES}}
        for name, figures in groups.items()
    ]
    rows.sort(key=lambda r: -(float(r["net_pnl"] or 0)))
    return rows


def _periods(daily: list[dict[str, Any]], now: dt.datetime, zone: Any) -> dict[str, Any]:
    """Sum the daily series from the first day of today, this week and this month.

    ``zone`` is the day key's zone (the reporting timezone shifted by the day start), where
    a period's start is midnight of its first labelled day.
    """
    from tradeperf.tracker.books import PERIODS, period_bounds

    out: dict[str, Any] = {}
    for name in PERIODS:
        start, _ = period_bounds(name, now, zone)
        first = start.astimezone(zone).date().isoformat()
        chosen = [d for d in daily if d["day"] >= first]
        pnl = sum((Decimal(str(d["net_pnl"])) for d in chosen), Decimal(0))
        out[name] = {
            "start": start.isoformat(),
            "pnl": pnl,
            "trades": sum(int(d["trades"]) for d in chosen),
        }
    return out


def _rolling(daily: list[dict[str, Any]], rolling: dict[str, Any]) -> dict[str, Any]:
    cumulative = [Decimal(str(d["cumulative_pnl"])) for d in daily]
    out: dict[str, Any] = {}
    for days in ROLLING_DAYS:
        sharpe = {r["at"]: r["value"] for r in rolling.get(f"sharpe_ratio:{days}d") or []}
        rows = []
        for i, d in enumerate(daily):
            j = i - days
            pnl = cumulative[i] - (cumulative[j] if j >= 0 else Decimal(0))
            rows.append({"t": d["day"], "pnl": pnl, "sharpe_ratio": sharpe.get(d["day"])})
        out[f"{days}d"] = rows
    return out


def _headline(overall: dict[str, Any], daily: list[dict[str, Any]]) -> dict[str, Any]:
    equity = overall.get("equity_end")
    drawdown = drawdown_abs = None
    if daily:
        peak = max(Decimal(str(d["equity"])) for d in daily)
        last = Decimal(str(daily[-1]["equity"]))
        drawdown = float(daily[-1]["drawdown"]) if daily[-1]["drawdown"] is not None else None
        drawdown_abs = peak - last
    return {
        "equity": equity,
        "net_pnl": overall.get("net_pnl"),
        "realized_pnl": overall.get("gross_pnl"),
        "unrealized_pnl": overall.get("unrealized_pnl"),
        "fees": overall.get("fees"),
        "drawdown": None if drawdown is None else -drawdown,
        "drawdown_abs": drawdown_abs,
        "max_drawdown": overall.get("max_drawdown"),
        "trades": overall.get("trades", 0),
        "win_rate": overall.get("win_rate"),
        "sharpe_ratio": overall.get("sharpe_ratio"),
        "profit_factor": overall.get("profit_factor"),
    }


def _intraday(snapshots: list[dict[str, Any]], equity_now: Any) -> list[dict[str, Any]]:
    """Return the minute snapshots' equity, moved to the store's level.

    The snapshots are of the service's own records (its tracker's books); the store may hold
    more (files read before). Each point is the store's equity now less what the service's
    books gained since that minute: the shape of the last 24 hours at the account's level.
    """
    points = [
        (s.get("bucket") or s.get("timestamp"), Decimal(str(s["equity"])))
        for s in snapshots
        if s.get("equity") is not None
    ]
    if not points or equity_now is None:
        return []
    offset = Decimal(str(equity_now)) - points[-1][1]
    peak = None
    out = []
    for at, equity in points:
        level = equity + offset
        peak = level if peak is None or level > peak else peak
        out.append({"t": at, "equity": level, "drawdown": level - peak})
    return out


def fill_rows(fills: list[Any]) -> list[dict[str, Any]]:
    """Return fills (`Fill` records or store rows) as the dashboard's ``fills`` rows."""
    out = []
    for f in fills:
        row = f if isinstance(f, dict) else {k: getattr(f, k, None) for k in _FILL_COLUMNS}
        shown = {}
        for k, v in row.items():
            if k not in _FILL_COLUMNS:
                continue
            if isinstance(v, dt.datetime):
                v = v.isoformat()
            elif k == "side":
                v = getattr(v, "value", v)
            shown[k] = v
        out.append(shown)
    return out


def dashboard_doc(
    store: Store,
    config: Config,
    *,
    now: dt.datetime,
    intraday: list[dict[str, Any]] | None = None,
    version: int = 0,
    auth_required: bool = True,
) -> dict[str, Any]:
    """Return the dashboard's document of what ``store`` holds at ``now``.

    Parameters
    ----------
    store
        The open store (read only).
    config
        The service's settings (timezone, day start, account).
    now
        The instant of "today" and of the last 24 hours (aware).
    intraday
        The tracker's minute snapshots (``Tracker.history``), or None.
    version
        The service's count of accepted batches, so the page knows which is newer.
    auth_required
        Whether the write buttons need a token.

    Returns
    -------
    A JSON-able dict (Decimals for money; `tradeperf.reports.json_report.dumps` writes it)
    with the keys of the module's list.
    """
    from tradeperf import jobs
    from tradeperf.alerts.lifecycle import ACTIVE
    from tradeperf.alerts.rules import plain
    from tradeperf.alerts.state import load_states
    from tradeperf.analytics.positions import open_positions, positions_to_json
    from tradeperf.analytics.summary import summarize
    from tradeperf.reports.json_report import summary_to_json
    from tradeperf.timezones import resolve_timezone

    rolling = tuple(f"sharpe_ratio:{d}d" for d in ROLLING_DAYS)
    wanted = jobs.summary_request(config, windows=(), rolling=rolling)
    request = jobs.scoped_request(store, config, wanted, ())
    summary = summary_to_json(summarize(store, request))
    since = now - dt.timedelta(hours=24)
    recent_request = jobs.summary_request(
        config, windows=(), breakdowns=False, series=False, since=since, until=now
    )
    recent = summarize(store, jobs.scoped_request(store, config, recent_request, ()))
    fills, fill_count = store.latest_records(RecordKind.FILLS, limit=20, since=since)
    series = summary.get("series") or {}
    daily = list(series.get("daily") or [])
    zone = resolve_timezone(request.day_key)
    positions = positions_to_json(open_positions(store, cost_basis=request.cost_basis), now)
    alerts = [
        {
            "alert_id": s.alert_id,
            "status": s.status,
            "severity": s.severity.value,
            "rule": s.rule,
            "value": plain(s.value),
            "message": s.message,
            "strategy": s.strategy,
            "symbol": s.symbol,
            "first_seen": s.first_seen.isoformat(),
            "last_seen": s.last_seen.isoformat(),
        }
        for s in sorted(load_states(store).values(), key=lambda s: s.last_seen, reverse=True)
        if s.status in ACTIVE
    ]
    overall = summary.get("overall") or {}
    r = dict(recent.overall)
    return {
        "as_of": now.isoformat(),
        "version": version,
        "currency": summary["currency"],
        "timezone": summary["timezone"],
        "day_start": summary["day_start"],
        "empty": not overall.get("trades")
        and not fill_count
        and not positions["positions"]
        and not daily,
        "partial": summary.get("partial", False),
        "auth_required": auth_required,
        "headline": _headline(overall, daily),
        "periods": _periods(daily, now, zone),
        "last_24h": {
            "since": since.isoformat(),
            "pnl": r.get("net_pnl", Decimal(0)),
            "trades": r.get("trades", 0),
            "wins": r.get("wins", 0),
            "win_rate": r.get("win_rate") if r.get("trades") else None,
            "fills": fill_count,
        },
        "equity_curve": [
            {"t": d["day"], "equity": d["equity"], "drawdown": d["drawdown"]} for d in daily
        ],
        "intraday": _intraday(intraday or [], overall.get("equity_end")),
        "rolling": _rolling(daily, summary.get("rolling") or {}),
        "by_strategy": _groups(summary.get("by_strategy") or {}),
        "by_symbol": _groups(summary.get("by_symbol") or {}),
        "positions": [
            {
                "account": p["account"],
                "symbol": p["symbol"],
                "quantity": p["quantity"],
                "avg_cost": p["average_cost"],
                "mark": p["mark"],
                "mark_age_seconds": p["mark_age_seconds"],
                "unrealized_pnl": p["unrealized_pnl"],
                "currency": p["currency"] or summary["currency"],
            }
            for p in positions["positions"]  # type: ignore[attr-defined]
        ],
        "alerts": alerts,
        "fills": fill_rows(fills.to_pylist()),
    }
