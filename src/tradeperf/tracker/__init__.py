"""The live tracker a bot embeds: `Tracker` and the interface it implements.

Exported lazily (PEP 562): ``import tradeperf`` loads none of it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeperf.tracker.base import PerformanceTracker
    from tradeperf.tracker.coerce import TrackerInputError
    from tradeperf.tracker.live import Tracker

_HOMES = {
    "PerformanceTracker": "base",
    "Tracker": "live",
    "TrackerInputError": "coerce",
}

__all__ = ["PerformanceTracker", "Tracker", "TrackerInputError"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tradeperf.tracker' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tradeperf.tracker.{home}"), name)
