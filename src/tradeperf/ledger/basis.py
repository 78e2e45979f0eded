"""The cost bases lots are matched by: a name a setting or an option can give without
loading the ledger.
"""

from __future__ import annotations

import enum


class CostBasis(enum.StrEnum):
    """Which open lot a reducing fill closes first."""

    FIFO = "fifo"
    LIFO = "lifo"
    AVERAGE = "average"
