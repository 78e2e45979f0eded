"""The ledger: fills to lots, positions, round-trip trades, realized/unrealized P&L and equity.

Two implementations give one answer: the incremental `Ledger` (plain Python, exact Decimals,
for the live path) and the batch `run_ledger` (Numba lot matching over NumPy, exact integer
money) for history. Imports nothing of tradeperf but `records`. Rules: ``docs/ledger.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeperf.ledger.basis import CostBasis
    from tradeperf.ledger.batch import LedgerResult, run_ledger
    from tradeperf.ledger.incremental import Ledger, LedgerSnapshot, merge_events
    from tradeperf.ledger.model import (
        POSITION_SCHEMA,
        REALIZED_EVENT_SCHEMA,
        PositionView,
        RealizedEvent,
        RoundTrip,
        positions_to_table,
        realized_events_to_table,
    )

#: Public name -> the module that defines it; loaded on first use (PEP 562), so that a module
#: needing `CostBasis` does not compile the batch kernel's Numba module with it.
_HOMES = {
    "Ledger": "incremental",
    "LedgerSnapshot": "incremental",
    "merge_events": "incremental",
    "POSITION_SCHEMA": "model",
    "REALIZED_EVENT_SCHEMA": "model",
    "CostBasis": "basis",
    "PositionView": "model",
    "RealizedEvent": "model",
    "RoundTrip": "model",
    "positions_to_table": "model",
    "realized_events_to_table": "model",
    "LedgerResult": "batch",
    "run_ledger": "batch",
}

__all__ = [
    "POSITION_SCHEMA",
    "REALIZED_EVENT_SCHEMA",
    "CostBasis",
    "Ledger",
    "LedgerResult",
    "LedgerSnapshot",
    "PositionView",
    "RealizedEvent",
    "RoundTrip",
    "merge_events",
    "positions_to_table",
    "realized_events_to_table",
    "run_ledger",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'tradeperf.ledger' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tradeperf.ledger.{home}"), name)
