"""The ledger: fills to lots, positions, round-trip trades, realized/unrealized P&L and equity.

Two implementations give one answer: the incremental `Ledger` (plain Python, exact Decimals,
for the live path) and the batch `run_ledger` (Numba lot matching over NumPy, exact integer
money) for history. Imports nothing of tradeperf but `records`. Rules: ``docs/ledger.md``.
"""

from tradeperf.ledger.incremental import Ledger, LedgerSnapshot, merge_events
from tradeperf.ledger.model import (
    POSITION_SCHEMA,
    REALIZED_EVENT_SCHEMA,
    CostBasis,
    PositionView,
    RealizedEvent,
    RoundTrip,
    positions_to_table,
    realized_events_to_table,
)

__all__ = [
    "POSITION_SCHEMA",
    "REALIZED_EVENT_SCHEMA",
    "CostBasis",
    "Ledger",
    "LedgerSnapshot",
    "PositionView",
    "RealizedEvent",
    "RoundTrip",
    "merge_events",
    "positions_to_table",
    "realized_events_to_table",
]

from tradeperf.ledger.batch import LedgerResult, run_ledger

__all__ += ["LedgerResult", "run_ledger"]
