"""Evaluating targets on the store's summaries: which rules are breached now, and by how much.

Each rule's figure is the summary's own (`tradeperf.analytics.summary.summarize` over the
rule's window and scope), so an alert says exactly what ``tradeperf summary`` with the same
window shows: one definition per figure. Rules of one window and scope share one summary.

A rule is **breached** when its figure is below a ``min`` threshold or above a ``max`` one
(at the threshold it holds). It is **critical** when it also crosses its ``critical``
threshold. It is **not evaluated**, with the reason, when the figure is undefined (no trades,
no losing trade for a profit factor) or when a rate-based rule has fewer than
``min_trades`` trades in its window.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeperf.alerts.targets import Target, Window
from tradeperf.records.alert import Severity

if TYPE_CHECKING:
    from tradeperf.analytics.summary import Summary, SummaryRequest
    from tradeperf.store import Store


def json_number(value: Decimal | float | None) -> str | float | None:
    """Give a figure for JSON: an exact decimal as its `plain` text, a float as it is.

    Examples
    --------
    >>> json_number(Decimal("12.50")), json_number(0.25), json_number(None)
    ('12.5', 0.25, None)
    """
    return plain(value) if isinstance(value, Decimal) else value


def plain(value: Decimal | float | None) -> str:
    """Give a figure as text: an exact decimal without trailing zeros, a float as Python does.

    Examples
    --------
    >>> plain(Decimal("-2281.160000000000000000")), plain(Decimal("0E-18")), plain(0.25)
    ('-2281.16', '0', '0.25')
    """
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return repr(value)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one rule found.

    Attributes
    ----------
    target : the rule.
    window : the window's label as summaries write it: ``last 20 trades``, ``since
        2024-05-01T12:00:00+00:00``, ``2024-05-02`` (a day), ``2024-W18``, ``2024-05``, ``all``.
    value : the figure (money exact, a Decimal; other figures float), or None.
    trades : closed trades in the window.
    breached : the threshold is crossed.
    severity : ``critical`` past the critical threshold, else the rule's; None when not
        breached.
    reason : why the rule was not evaluated (None when it was).
    """

    target: Target
    window: str
    value: Decimal | float | None
    trades: int
    breached: bool
    severity: Severity | None
    reason: str | None = None

    @property
    def message(self) -> str:
        """Say it in one line, e.g. ``win_rate 0.42 < 0.55 over the last 20 trades``.

        Money is exact; other figures are shown to 4 significant digits (the JSON keeps the
        whole value). A limit of consecutive losses says the run:
        ``max_consecutive_losses: 6 losing trades in a row, more than 4``.
        """
        t = self.target
        scope = "".join(
            f" [{k} {v}]" for k, v in (("strategy", t.strategy), ("symbol", t.symbol)) if v
        )
        if self.reason is not None:
            return f"{t.rule}{scope}: not evaluated over {self.window}: {self.reason}"
        if t.figure == "current_streak" and t.bound == "min" and t.threshold < 0:
            run = max(0, -int(float(self.value or 0)))
            limit = -t.threshold
            verdict = "more than" if self.breached else "at most"
            return f"{t.rule}{scope}: {run} losing trades in a row, {verdict} {plain(limit)}"
        sign = (
            ("<" if t.bound == "min" else ">")
            if self.breached
            else ("≥" if t.bound == "min" else "≤")
        )
        value, threshold = shown(self.value), plain(t.threshold)
        return f"{t.rule}{scope}: {t.figure} {value} {sign} {threshold} over {self.window}"


def shown(value: Decimal | float | None) -> str:
    """Give a figure for a person: money exact (`plain`), others to 4 significant digits.

    Examples
    --------
    >>> shown(0.25579999445157614), shown(-12.0), shown(Decimal("-250.50"))
    ('0.2558', '-12', '-250.5')
    """
    if isinstance(value, float):
        return f"{value:.4g}"
    return plain(value)


def _request(base: SummaryRequest, target: Target, now: dt.datetime) -> tuple[SummaryRequest, str]:
    """Give the summary request of a rule's window and scope, and the window's label."""
    from tradeperf.durations import parse_since
    from tradeperf.timezones import resolve_timezone

    tz = resolve_timezone(base.day_key)
    lean: dict[str, Any] = {
        "windows": (),
        "breakdowns": False,
        "series": False,
        "rolling": (),
        "trade_list": False,
        "by": (),
        "strategies": (target.strategy,) if target.strategy else base.strategies,
        "symbols": (target.symbol,) if target.symbol else base.symbols,
    }
    lean["until"] = now  # only what had happened by the evaluation's instant
    w: Window = target.window
    if w.kind == "trades":
        return dataclasses.replace(base, last=w.trades, **lean), f"the last {w.trades} trades"
    if w.kind == "trailing":
        since = parse_since(w.text, until=now, tz=tz)
        label = f"the {w.text} to {now.astimezone(dt.UTC).isoformat(timespec='seconds')}"
        return dataclasses.replace(base, since=since, **lean), label
    if w.kind == "all":
        return dataclasses.replace(base, **lean), "all trades"
    today = now.astimezone(tz).date()
    if w.kind == "day":
        start, label = today, today.isoformat()
    elif w.kind == "week":
        start = today - dt.timedelta(days=today.weekday())
        iso = today.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
    else:
        start, label = today.replace(day=1), f"{today:%Y-%m}"
    return dataclasses.replace(base, start=start, end=today, **lean), label


def _judge(target: Target, summary: Summary, label: str) -> Outcome:
    """Compare the rule's figure in ``summary`` with its thresholds."""
    from tradeperf.metrics.registry import undefined_reason

    figures = summary.overall
    trades = int(figures.get("trades") or 0)
    if trades < target.min_trades:
        reason = f"{trades} trades, fewer than the {target.min_trades} the rule needs"
        return Outcome(target, label, None, trades, False, None, reason)
    raw = figures.get(target.figure)
    if raw is None or (isinstance(raw, float) and raw != raw):
        return Outcome(target, label, None, trades, False, None, undefined_reason(target.figure))
    value: Decimal | float = raw if isinstance(raw, Decimal) else float(raw)
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))

    def crosses(threshold: Decimal) -> bool:
        return exact < threshold if target.bound == "min" else exact > threshold

    breached = crosses(target.threshold)
    severity = None
    if breached:
        critical = target.critical is not None and crosses(target.critical)
        severity = Severity.CRITICAL if critical else target.severity
    return Outcome(target, label, value, trades, breached, severity)


def evaluate(
    store: Store, base: SummaryRequest, targets: list[Target], *, now: dt.datetime
) -> list[Outcome]:
    """Evaluate every rule on the store's trades at instant ``now``.

    Parameters
    ----------
    store
        The open store.
    base
        The summary request of the account (timezone, day start, capital, currency,
        calendar; `tradeperf.jobs.summary_request`); each rule narrows it to its window and
        scope.
    targets
        The rules (`tradeperf.alerts.targets.parse_targets`).
    now
        The instant of the evaluation, timezone-aware: the end of trailing windows, the day
        of calendar ones.

    Returns
    -------
    One `Outcome` per rule, in the rules' order.

    Raises
    ------
    ValueError
        If ``now`` is naive.
    """
    from tradeperf.analytics.summary import summarize

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cache: dict[SummaryRequest, Summary] = {}  # rules of one window and scope share one
    out = []
    for target in targets:
        request, label = _request(base, target, now)
        if request not in cache:
            cache[request] = summarize(store, request)
        out.append(_judge(target, cache[request], label))
    return out
