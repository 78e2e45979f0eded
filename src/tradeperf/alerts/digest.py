"""The digest: a day's or a week's headline figures and the alerts firing, sent to the sinks.

``tradeperf alerts digest`` (for cron) and ``tradeperf watch`` at ``digest_at`` send it once
per period: the outbox keeps it under ``digest:PERIOD:LABEL``, so a second run for the same
period sends nothing (`tradeperf.alerts.outbox`).

The period is the last complete local day (``day``) or ISO week (``week``) of the reporting
timezone before the instant, or the one in progress (``current``). Its figures are the
summary's own (`tradeperf.analytics.summary.summarize` over those local days), so the
digest says what ``tradeperf summary --start --end`` says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

from tradeperf.alerts.rules import json_number, plain

if TYPE_CHECKING:
    from tradeperf.analytics.summary import SummaryRequest
    from tradeperf.store import Store

#: The figures a digest gives, in this order.
FIGURES: Final = (
    "net_pnl", "trades", "win_rate", "profit_factor", "fees", "max_drawdown", "largest_win",
    "largest_loss",
)  # fmt: skip


def period_of(
    now: dt.datetime,
    tz: dt.tzinfo,
    period: Literal["day", "week"],
    *,
    current: bool = False,
) -> tuple[dt.date, dt.date, str]:
    """Give the first and last local day of the digest's period at ``now``, and its label.

    ``tz`` is the zone of the reporting days (with a day start, its trading-day zone:
    `tradeperf.timezones.day_key`).

    Examples
    --------
    >>> from zoneinfo import ZoneInfo
    >>> now = dt.datetime(2024, 5, 6, 6, 0, tzinfo=dt.UTC)  # Monday 08:00 in Berlin
    >>> period_of(now, ZoneInfo("Europe/Berlin"), "day")
    (datetime.date(2024, 5, 5), datetime.date(2024, 5, 5), '2024-05-05')
    >>> period_of(now, ZoneInfo("Europe/Berlin"), "week")
    (datetime.date(2024, 4, 29), datetime.date(2024, 5, 5), '2024-W18')
    """
    today = now.astimezone(tz).date()
    if period == "day":
        day = today if current else today - dt.timedelta(days=1)
        return day, day, day.isoformat()
    monday = today - dt.timedelta(days=today.weekday())
    if not current:
        monday -= dt.timedelta(days=7)
    iso = monday.isocalendar()
    return monday, monday + dt.timedelta(days=6), f"{iso.year}-W{iso.week:02d}"


def make_digest(
    store: Store,
    base: SummaryRequest,
    *,
    now: dt.datetime,
    period: Literal["day", "week"] = "day",
    current: bool = False,
    firing: int = 0,
) -> dict[str, Any]:
    """Give the digest of the period at ``now`` (the alert schema's ``digest``).

    Parameters
    ----------
    store
        The open store.
    base
        The account's summary request (`tradeperf.jobs.summary_request`).
    now
        The instant, timezone-aware.
    period, current
        The period (`period_of`).
    firing
        The alerts firing now, said in the message.
    """
    from tradeperf.analytics.summary import summarize
    from tradeperf.timezones import resolve_timezone

    tz = resolve_timezone(base.day_key)
    start, end, label = period_of(now, tz, period, current=current)
    request = dataclasses.replace(
        base, start=start, end=end, until=now, windows=(), breakdowns=False, series=False,
        rolling=(), trade_list=False, by=(), last=None, since=None,
    )  # fmt: skip
    summary = summarize(store, request)
    figures = {name: _value(summary.overall.get(name)) for name in FIGURES}
    name = "Daily" if period == "day" else "Weekly"
    return {
        "kind": "digest",
        "at": now.astimezone(dt.UTC).isoformat(),
        "period": period,
        "label": label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "timezone": base.timezone,
        "currency": base.currency,
        "figures": figures,
        "alerts_firing": firing,
        "partial": summary.partial,
        "severity": "info",
        "message": f"{name} digest {label} ({base.timezone}): {_sentence(figures, base.currency)}"
        + f"; {firing} alert{'s' if firing != 1 else ''} firing"
        + ("; partial: some input was quarantined" if summary.partial else ""),
    }


def _value(raw: object) -> str | float | int | None:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None
    if isinstance(raw, Decimal):
        return json_number(raw)
    if isinstance(raw, bool | int):
        return int(raw)
    value = float(raw)  # type: ignore[arg-type]
    return value if value not in (float("inf"), float("-inf")) else None


def _sentence(figures: dict[str, Any], currency: str) -> str:
    """Say the figures: ``net P&L 120.5 USD over 14 trades, win rate 57.1 %, ...``."""
    trades = figures["trades"] or 0
    if not trades:
        return "no closed trades"
    net = figures["net_pnl"]
    parts = [f"net P&L {'+' if net and not str(net).startswith('-') else ''}{net} {currency} "
             f"over {trades} trade{'s' if trades != 1 else ''}"]  # fmt: skip
    if figures["win_rate"] is not None:
        parts.append(f"win rate {figures['win_rate'] * 100:.1f} %")
    if figures["profit_factor"] is not None:
        parts.append(f"profit factor {figures['profit_factor']:.2f}")
    if figures["max_drawdown"] is not None:
        parts.append(f"max drawdown {figures['max_drawdown'] * 100:.1f} %")
    if figures["fees"] not in (None, "0"):
        parts.append(f"fees {plain(Decimal(str(figures['fees'])))} {currency}")
    return ", ".join(parts)
