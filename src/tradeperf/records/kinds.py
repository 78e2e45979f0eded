"""The kinds of records tradeperf keeps, and the Arrow schema of each one's rows."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

import pyarrow as pa

from tradeperf.records.fill import CASH_FLOW_SCHEMA, FILL_SCHEMA, FUNDING_SCHEMA, MARK_SCHEMA
from tradeperf.records.fx import FX_RATE_SCHEMA
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA
from tradeperf.records.trade import TRADE_SCHEMA


class RecordKind(enum.StrEnum):
    """The kind of records a source holds; it picks the store table they go to."""

    TRADES = "trades"
    FILLS = "fills"
    MARKS = "marks"
    FUNDING = "funding"
    CASH_FLOWS = "cash_flows"
    FX_RATES = "fx_rates"
    QUOTES = "quotes"
    PUBLIC_TRADES = "public_trades"


#: The Arrow schema of each record kind's validated rows.
SCHEMAS: Final[Mapping[RecordKind, pa.Schema]] = {
    RecordKind.TRADES: TRADE_SCHEMA,
    RecordKind.FILLS: FILL_SCHEMA,
    RecordKind.MARKS: MARK_SCHEMA,
    RecordKind.FUNDING: FUNDING_SCHEMA,
    RecordKind.CASH_FLOWS: CASH_FLOW_SCHEMA,
    RecordKind.FX_RATES: FX_RATE_SCHEMA,
    RecordKind.QUOTES: QUOTE_SCHEMA,
    RecordKind.PUBLIC_TRADES: PUBLIC_TRADE_SCHEMA,
}
