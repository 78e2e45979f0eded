"""One evaluation of the targets on the configured store, as ``tradeperf alerts check`` runs it.

Each run evaluates every rule, advances the alerts' lifecycle kept in the store
(`tradeperf.alerts.state.advance`: fired once, escalated, repeated after the interval,
resolved with hysteresis) and delivers what it says to notify to the sinks
(`default_sinks`). A restarted run goes on from the stored state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tradeperf.alerts.lifecycle import Policy, Step
from tradeperf.alerts.rules import Outcome, evaluate, json_number
from tradeperf.alerts.sinks import (
    DEFAULT_JSONL,
    Delivery,
    JsonlSink,
    LogSink,
    Sink,
    WebhookSink,
    deliver,
)
from tradeperf.alerts.targets import Target
from tradeperf.records.alert import Severity

if TYPE_CHECKING:
    from tradeperf.config import Config

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


def policy_of(environ: Mapping[str, str] | None = None) -> Policy:
    """Give the suppression policy of the settings (defaults: `Policy`).

    ``TRADEPERF_ALERT_REPEAT_INTERVAL`` and ``TRADEPERF_ALERT_COOLDOWN`` are durations
    (``4h``, ``1d``); ``TRADEPERF_ALERT_HYSTERESIS`` a fraction of the threshold (``0.05``).

    Raises
    ------
    ConfigError
        If a value is not a duration or a fraction from 0 to 1.

    Examples
    --------
    >>> policy_of({"TRADEPERF_ALERT_REPEAT_INTERVAL": "1d"}).repeat_interval.days
    1
    """
    from decimal import InvalidOperation

    from tradeperf.config import environment
    from tradeperf.durations import parse_duration
    from tradeperf.errors import ConfigError

    env = environment() if environ is None else environ
    policy = Policy()
    changes: dict[str, Any] = {}
    for name, field_ in (("TRADEPERF_ALERT_REPEAT_INTERVAL", "repeat_interval"),
                         ("TRADEPERF_ALERT_COOLDOWN", "cooldown")):  # fmt: skip
        if env.get(name, "").strip():
            try:
                changes[field_] = parse_duration(env[name])
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc}") from None
    text = env.get("TRADEPERF_ALERT_HYSTERESIS", "").strip()
    if text:
        try:
            margin = Decimal(text)
        except InvalidOperation:
            margin = Decimal(-1)
        if not Decimal(0) <= margin <= Decimal(1):
            raise ConfigError(f"TRADEPERF_ALERT_HYSTERESIS: a fraction from 0 to 1, not {text!r}")
        changes["hysteresis"] = margin
    return dataclasses.replace(policy, **changes)


def default_sinks(environ: Mapping[str, str] | None = None) -> list[Sink]:
    """Give the sinks of the settings: the JSONL file and the log, and a webhook if set.

    ``TRADEPERF_ALERT_LOG`` names the JSONL file (default ``logs/performance-alerts.jsonl``;
    ``none``: no file); ``TRADEPERF_ALERT_WEBHOOK`` a URL to POST each alert to.
    """
    from tradeperf.config import environment

    env = environment() if environ is None else environ
    sinks: list[Sink] = []
    path = env.get("TRADEPERF_ALERT_LOG", "").strip()
    if path.lower() != "none":
        sinks.append(JsonlSink(Path(path) if path else DEFAULT_JSONL))
    sinks.append(LogSink())
    hook = env.get("TRADEPERF_ALERT_WEBHOOK", "").strip()
    if hook:
        sinks.append(WebhookSink(hook))
    return sinks


def check(
    config: Config,
    targets: list[Target],
    *,
    now: dt.datetime,
    sinks: Sequence[Sink] | None = None,
    policy: Policy | None = None,
    keep: bool = True,
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
        Where notifications go; None: `default_sinks`.
    policy
        Repeats, hysteresis, cooldown; None: `policy_of` the settings.
    keep
        False evaluates only (``--dry-run``): no state is kept, nothing delivered.

    Raises
    ------
    ConfigError
        For a bad setting (timezone, capital).
    StoreError
        If the store cannot be opened or written.
    """
    from tradeperf.alerts.state import advance
    from tradeperf.jobs import summary_request
    from tradeperf.store import open_store

    base = summary_request(config)
    with open_store(config.store) as store:
        outcomes = evaluate(store, base, targets, now=now)
        if not keep:
            return Checked(outcomes, None, [])
        done = advance(store, outcomes, now=now, policy=policy or policy_of())
    chosen = default_sinks() if sinks is None else sinks
    deliveries = [d for note in done.notifications for d in deliver(note, chosen)]
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
