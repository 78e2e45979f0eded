"""One evaluation of the targets on the configured store, as ``tradeperf alerts check`` runs it.

Stateless so far: each run evaluates every rule now and reports what it finds; the lifecycle
(delivered once, acknowledged, silenced, resolved) is kept in the store by a later part of
the alerts (docs/alerts.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from tradeperf.alerts.rules import Outcome, evaluate
from tradeperf.alerts.targets import Target
from tradeperf.records.alert import Severity

if TYPE_CHECKING:
    from tradeperf.config import Config

#: The exit code of ``alerts check`` when a critical rule is breached.
CRITICAL_EXIT: Final = 5


def check(config: Config, targets: list[Target], *, now: dt.datetime) -> list[Outcome]:
    """Evaluate ``targets`` on the store of ``config`` at instant ``now`` (`evaluate`).

    Raises
    ------
    ConfigError
        For a bad setting (timezone, capital).
    StoreError
        If the store cannot be opened.
    """
    from tradeperf.jobs import summary_request
    from tradeperf.store import open_store

    base = summary_request(config)
    with open_store(config.store) as store:
        return evaluate(store, base, targets, now=now)


def critical(outcomes: list[Outcome]) -> bool:
    """Tell whether a critical rule is breached."""
    return any(o.breached and o.severity is Severity.CRITICAL for o in outcomes)


def outcomes_to_json(outcomes: list[Outcome], now: dt.datetime) -> dict[str, Any]:
    """Give the outcomes as a JSON-able document (money as exact decimal text).

    ``{"evaluated_at", "breached", "critical", "rules": [{"rule", "figure", "strategy",
    "symbol", "bound", "threshold", "critical_threshold", "window", "trades", "value",
    "breached", "severity", "reason", "message"}]}``.
    """

    def number(value: Decimal | float | None) -> str | float | None:
        if isinstance(value, Decimal):
            return format(value, "f")
        return value

    rules = [
        {
            "rule": o.target.rule,
            "figure": o.target.figure,
            "strategy": o.target.strategy,
            "symbol": o.target.symbol,
            "bound": o.target.bound,
            "threshold": number(o.target.threshold),
            "critical_threshold": number(o.target.critical),
            "window": o.window,
            "trades": o.trades,
            "value": number(o.value),
            "breached": o.breached,
            "severity": o.severity.value if o.severity else None,
            "reason": o.reason,
            "message": o.message,
        }
        for o in outcomes
    ]
    return {
        "evaluated_at": now.astimezone(dt.UTC).isoformat(),
        "breached": sum(1 for o in outcomes if o.breached),
        "critical": critical(outcomes),
        "rules": rules,
    }
