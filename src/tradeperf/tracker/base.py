"""The interface a news bot's code already calls: `PerformanceTracker`.

An abstract base class: a subclass that leaves one of the four methods out cannot be made.
`tradeperf.tracker.Tracker` is the implementation.
"""

from __future__ import annotations

import abc
from typing import Any

__all__ = ["PerformanceTracker"]


class PerformanceTracker(abc.ABC):
    """Record trades and give their figures, history and report.

    Examples
    --------
    >>> class Half(PerformanceTracker):
    ...     def record_trade(self, trade): ...
    >>> Half()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: Can't instantiate abstract class Half ...
    """

    @abc.abstractmethod
    def record_trade(self, trade: Any) -> Any:
        """Record one closed (or open) round-trip trade."""

    @abc.abstractmethod
    def calculate_metrics(self, period: str = "all") -> dict[str, Any]:
        """Return the figures of ``period``: all, today, week, month or a duration."""

    @abc.abstractmethod
    def get_trade_history(self, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Return the recorded trades that ``filters`` selects, oldest first."""

    @abc.abstractmethod
    def generate_report(self, format: str = "json") -> Any:
        """Return the report of everything recorded in ``format`` (json, md or html)."""
