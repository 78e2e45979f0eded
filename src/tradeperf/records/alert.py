"""An alert: a figure that crossed a target, as the alerts part raises it and the store keeps it."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyarrow as pa

from tradeperf.records._table import records_to_table
from tradeperf.records.trade import TIMESTAMP_TYPE


class Severity(enum.StrEnum):
    """How urgent an alert is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert that fired.

    ``value`` is the figure's value and ``threshold`` the target it crossed, both in the
    figure's unit (see the metrics registry). ``alert_id`` is derived from the rule, the
    window and the group, so the same breach raised twice is stored once.

    Raises
    ------
    ValueError
        If ``fired_at`` is naive or ``rule`` is empty.
    """

    rule: str
    figure: str
    severity: Severity
    fired_at: datetime
    message: str
    window: str | None = None
    strategy: str | None = None
    symbol: str | None = None
    value: float | None = None
    threshold: float | None = None

    def __post_init__(self) -> None:
        """Check that ``fired_at`` is timezone-aware and that the rule is named."""
        if self.fired_at.tzinfo is None:
            raise ValueError("fired_at must be timezone-aware")
        if not self.rule:
            raise ValueError("an alert needs the name of its rule")

    @property
    def alert_id(self) -> str:
        """Stable id: SHA-256 of rule, window, strategy and symbol (first 24 hex digits).

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> a = Alert("dd", "max_drawdown", Severity.WARNING, datetime.now(UTC), "x", "2024-W01")
        >>> a.alert_id == Alert("dd", "max_drawdown", Severity.CRITICAL, a.fired_at, "y",
        ...                     "2024-W01").alert_id
        True
        """
        key = "\x1f".join((self.rule, self.window or "", self.strategy or "", self.symbol or ""))
        return hashlib.sha256(key.encode()).hexdigest()[:24]


#: Arrow schema of stored alerts (the alert history).
ALERT_SCHEMA: Final = pa.schema(
    [
        pa.field("alert_id", pa.string(), nullable=False),
        pa.field("rule", pa.string(), nullable=False),
        pa.field("figure", pa.string(), nullable=False),
        pa.field("severity", pa.string(), nullable=False),
        pa.field("fired_at", TIMESTAMP_TYPE, nullable=False),
        pa.field("message", pa.string(), nullable=False),
        pa.field("window", pa.string()),
        pa.field("strategy", pa.string()),
        pa.field("symbol", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("threshold", pa.float64()),
    ]
)


def alerts_to_table(alerts: list[Alert]) -> pa.Table:
    """Alerts as an `ALERT_SCHEMA` table."""
    return records_to_table(alerts, ALERT_SCHEMA)
