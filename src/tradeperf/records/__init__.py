"""The domain vocabulary: records, enums and their Arrow schemas.

Imports nothing else of tradeperf.
"""

from tradeperf.records.alert import ALERT_SCHEMA, Alert, Severity, alerts_to_table
from tradeperf.records.books import (
    BOOK_CHECKPOINT_KEY,
    BOOK_CHECKPOINT_SCHEMA,
    BOOK_DAY_KEY,
    BOOK_DAY_SCHEMA,
    BOOK_TRADE_SCHEMA,
)
from tradeperf.records.fill import (
    CASH_FLOW_SCHEMA,
    FILL_SCHEMA,
    FUNDING_SCHEMA,
    MARK_SCHEMA,
    CashFlow,
    Fill,
    FundingPayment,
    Liquidity,
    Mark,
    Side,
    cash_flows_to_table,
    fills_to_table,
    funding_to_table,
    marks_to_table,
)
from tradeperf.records.fx import FX_RATE_SCHEMA
from tradeperf.records.kinds import SCHEMAS, RecordKind
from tradeperf.records.market import PUBLIC_TRADE_SCHEMA, QUOTE_SCHEMA
from tradeperf.records.money import MONEY_TYPE, ZERO, to_decimal
from tradeperf.records.quarantine import QUARANTINE_SCHEMA, RejectedRow
from tradeperf.records.trade import (
    EXIT_ORDER,
    EXIT_ORDER_DESC_SQL,
    EXIT_ORDER_SQL,
    TIMESTAMP_TYPE,
    TRADE_SCHEMA,
    PositionSide,
    Trade,
    TradeStatus,
    in_exit_order,
    trades_to_table,
)

__all__ = [
    "ALERT_SCHEMA",
    "BOOK_CHECKPOINT_KEY",
    "BOOK_CHECKPOINT_SCHEMA",
    "BOOK_DAY_KEY",
    "BOOK_DAY_SCHEMA",
    "BOOK_TRADE_SCHEMA",
    "CASH_FLOW_SCHEMA",
    "EXIT_ORDER",
    "EXIT_ORDER_DESC_SQL",
    "EXIT_ORDER_SQL",
    "FILL_SCHEMA",
    "FUNDING_SCHEMA",
    "FX_RATE_SCHEMA",
    "MARK_SCHEMA",
    "MONEY_TYPE",
    "PUBLIC_TRADE_SCHEMA",
    "QUARANTINE_SCHEMA",
    "QUOTE_SCHEMA",
    "SCHEMAS",
    "TIMESTAMP_TYPE",
    "TRADE_SCHEMA",
    "ZERO",
    "Alert",
    "CashFlow",
    "Fill",
    "FundingPayment",
    "Liquidity",
    "Mark",
    "PositionSide",
    "RecordKind",
    "RejectedRow",
    "Severity",
    "Side",
    "Trade",
    "TradeStatus",
    "alerts_to_table",
    "cash_flows_to_table",
    "fills_to_table",
    "funding_to_table",
    "in_exit_order",
    "marks_to_table",
    "to_decimal",
    "trades_to_table",
]
