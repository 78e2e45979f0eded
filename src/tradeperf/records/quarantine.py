"""A rejected input row, kept with the reason it was rejected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pyarrow as pa

from tradeperf.records.trade import TIMESTAMP_TYPE


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """One input row (or whole file) that could not be read.

    ``line`` is 1-based (the header of a CSV is line 1) or None for a whole file; ``raw`` holds
    the offending text, cut to 2,000 characters.
    """

    source: str
    line: int | None
    field: str | None
    reason: str
    raw: str | None = None


QUARANTINE_SCHEMA: Final = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("line", pa.int64()),
        pa.field("field", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.string()),
        pa.field("ingested_at", TIMESTAMP_TYPE),
    ]
)
