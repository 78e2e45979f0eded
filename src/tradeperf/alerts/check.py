"""One evaluation of the targets on the configured store, as ``tradeperf alerts check`` runs it.

Each run evaluates every rule, advances the alerts' lifecycle kept in the store
(`tradeperf.alerts.state.advance`: fired once, escalated, repeated after the interval,
resolved with hysteresis, held back by silences and maintenance windows) and delivers what
it says to notify to the sinks (`sinks_of`) through the outbox
(`tradeperf.alerts.outbox`). A restarted run goes on from the stored state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from tradeperf.alerts.lifecycle import Policy, Step
from tradeperf.alerts.rules import Outcome, evaluate, json_number
from tradeperf.alerts.settings import AlertSettings, load_alert_settings
from tradeperf.alerts.sinks import (
    AppriseSink,
    Delivery,
    JsonlSink,
    LogSink,
    Sink,
    WebhookSink,
)
from tradeperf.alerts.targets import Target
from tradeperf.records.alert import Severity

if TYPE_CHECKING:
    from tradeperf.config import Config
    from tradeperf.store import Store

#: The exit code of ``alerts check`` when a critical rule is breached.
CRITICAL_EXIT: Final = 5


@dataclass(frozen=True, slots=True)
class Checked:
    """What one check did: the rules' outcomes, the lifecycle step, the deliveries."""

    outcomes: list[Outcome]
    step: Step | None
    deliveries: list[Delivery]

    @property
    def critical(self) -> bool:
        """Tell whether a critical alert is firing (neither acknowledged nor silenced)."""
        if self.step is None:
            return critical(self.outcomes)
        return any(
            s.status == "firing" and s.severity is Severity.CRITICAL
            for s in self.step.states.values()
        )


def sinks_of(settings: AlertSettings) -> list[Sink]:
    """Give the sinks of ``settings``: the JSONL file (unless none), the log, webhooks, Apprise."""
    sinks: list[Sink] = []
    if settings.log is not None:
        sinks.append(JsonlSink(settings.log))
    sinks.append(LogSink())
    sinks += [WebhookSink(url) for url in settings.webhooks]
    sinks += [AppriseSink(url) for url in settings.apprise]
    return sinks


def advance_rules(
    store: Store,
    config: Config,
    targets: list[Target],
    *,
    now: dt.datetime,
    settings: AlertSettings,
    sinks: Sequence[Sink],
    keep: bool = True,
) -> tuple[list[Outcome], Step | None]:
    """Evaluate ``targets`` on the open ``store`` and advance the lifecycle (unless not ``keep``).

    The maintenance windows of ``settings`` active at ``now`` silence what they match; the
    notifications go into the outbox for ``sinks`` (`tradeperf.alerts.outbox`).
    """
    from tradeperf.alerts.state import advance
    from tradeperf.jobs import summary_request
    from tradeperf.timezones import resolve_timezone

    base = summary_request(config)
    outcomes = evaluate(store, base, targets, now=now)
    if not keep:
        return outcomes, None
    maintenance = settings.silences_at(now, resolve_timezone(config.timezone))
    done = advance(
        store, outcomes, now=now, policy=settings.policy, silences=maintenance,
        sinks=[s.name for s in sinks],
    )  # fmt: skip
    return outcomes, done


def check(
    config: Config,
    targets: list[Target],
    *,
    now: dt.datetime,
    sinks: Sequence[Sink] | None = None,
    policy: Policy | None = None,
    keep: bool = True,
    settings: AlertSettings | None = None,
) -> Checked:
    """Evaluate ``targets`` on the store of ``config`` at ``now``, advance and deliver.

    Parameters
    ----------
    config
        The resolved settings (store, timezone, capital).
    targets
        The rules (`tradeperf.alerts.targets.load_targets`).
    now
        The evaluation's instant.
    sinks
        Where notifications go; None: `sinks_of` the settings.
    policy
        Repeats, hysteresis, cooldown; None: the settings'.
    keep
        False evaluates only (``--dry-run``): no state is kept, nothing delivered.
    settings
        The alerts' settings; None: `load_alert_settings`.

    Delivery goes through the outbox (`tradeperf.alerts.outbox.flush`), with the store
    closed; what an earlier run could not deliver is delivered too.

    Raises
    ------
    ConfigError
        For a bad setting (timezone, capital, alerts).
    StoreError
        If the store cannot be opened or written.
    """
    from tradeperf.alerts.outbox import flush
    from tradeperf.store import open_store

    settings = settings or load_alert_settings()
    if policy is not None:
        settings = dataclasses.replace(settings, policy=policy)
    chosen = sinks_of(settings) if sinks is None else list(sinks)
    with open_store(config.store) as store:
        outcomes, done = advance_rules(
            store, config, targets, now=now, settings=settings, sinks=chosen, keep=keep
        )
        pending = store.notices() if keep else []
    deliveries = flush(config.store, chosen, now=now, pending=pending)
    return Checked(outcomes, done, deliveries)


def checked_to_json(checked: Checked, now: dt.datetime) -> dict[str, Any]:
    """Give what a check did as JSON.

    `outcomes_to_json`, with ``critical`` as the exit code says it (a critical alert firing,
    neither acknowledged nor silenced), ``notified`` (the events sent) and ``deliveries``
    (what each sink did with each).
    """
    doc = outcomes_to_json(checked.outcomes, now)
    doc["critical"] = checked.critical
    doc["notified"] = list(checked.step.notifications) if checked.step else []
    doc["deliveries"] = [dataclasses.asdict(d) for d in checked.deliveries]
    return doc


def critical(outcomes: list[Outcome]) -> bool:
    """Tell whether a critical rule is breached."""
    return any(o.breached and o.severity is Severity.CRITICAL for o in outcomes)


def outcomes_to_json(outcomes: list[Outcome], now: dt.datetime) -> dict[str, Any]:
    """Give the outcomes as a JSON-able document (money as exact decimal text).

    ``{"evaluated_at", "breached", "critical", "rules": [{"rule", "figure", "strategy",
    "symbol", "bound", "threshold", "critical_threshold", "window", "trades", "value",
    "breached", "severity", "reason", "message"}]}``.
    """
    rules = [
        {
            "rule": o.target.rule,
            "figure": o.target.figure,
            "strategy": o.target.strategy,
            "symbol": o.target.symbol,
            "bound": o.target.bound,
            "threshold": json_number(o.target.threshold),
            "critical_threshold": json_number(o.target.critical),
            "window": o.window,
            "trades": o.trades,
            "value": json_number(o.value),
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
