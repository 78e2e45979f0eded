"""The cost bases lots are matched by.

A module of its own: a setting or an option can name a cost basis without loading the ledger.
"""

from __future__ import annotations

import enum


class CostBasis(enum.StrEnum):
    """Which open lot a reducing fill closes first."""

    FIFO = "fifo"
    LIFO = "lifo"
    AVERAGE = "average"
