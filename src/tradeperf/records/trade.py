"""The round-trip trade: the record of a position opened and closed again.

A trade log written by a bot holds one `Trade` per line; the ledger derives the same records
from fills. `TRADE_SCHEMA` is the one Arrow layout that readers produce, the store keeps and
analytics consume.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from tradeperf.records._table import records_to_table
from tradeperf.records.money import MONEY_TYPE
from tradeperf.records.text import require_clean_text

#: Arrow type of every timestamp: microseconds, UTC.
TIMESTAMP_TYPE: Final = pa.timestamp("us", tz="UTC")


class TradeStatus(enum.StrEnum):
    """Life-cycle state of a trade. Only CLOSED trades count in performance figures."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class PositionSide(enum.StrEnum):
    """Direction of a round-trip trade: LONG buys first, SHORT sells first."""

    LONG = "long"
    SHORT = "short"


@dataclass(frozen=True, slots=True)
class Trade:
    """One round-trip trade.

    Money fields are exact Decimals in the account currency; times are timezone-aware UTC.
    ``net_pnl = gross_pnl - fees`` always holds when all three are present (readers derive the
    missing one). ``return_pct`` is a fraction (0.01 = 1 %) of the entry notional.
    ``account`` and ``venue`` say where it was traded (None: not stated); a round trip the
    ledger derives from fills has the account of its position and the venue of the fill
    that opened it.

    Raises
    ------
    ValueError
        If ``exit_time`` precedes ``entry_time``, a time is naive, or a CLOSED trade lacks its
        exit time or net P&L.
    """

    trade_id: str
    symbol: str
    side: PositionSide
    status: TradeStatus
    entry_time: datetime | None
    exit_time: datetime | None
    quantity: Decimal | None
    entry_price: Decimal | None = None
    exit_price: Decimal | None = None
    fees: Decimal = Decimal(0)
    gross_pnl: Decimal | None = None
    net_pnl: Decimal | None = None
    strategy: str = "default"
    return_pct: float | None = None
    risk_reward: float | None = None
    signal_id: str | None = None
    exit_reason: str | None = None
    currency: str | None = None
    tags: tuple[str, ...] = ()
    news_event_ids: tuple[str, ...] = ()
    sentiment_json: str | None = None
    metadata_json: str | None = None
    source: str | None = None
    source_line: int | None = None
    account: str | None = None
    venue: str | None = None
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """Check names (no control character), times (aware, ordered) and a CLOSED trade."""
        for name in ("trade_id", "strategy", "symbol", "account", "venue"):
            require_clean_text(name, getattr(self, name))
        for name in ("entry_time", "exit_time"):
            t = getattr(self, name)
            if t is not None and t.tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")
        if self.entry_time and self.exit_time and self.exit_time < self.entry_time:
            raise ValueError("exit_time is before entry_time")
        if self.status is TradeStatus.CLOSED:
            if self.exit_time is None:
                raise ValueError("a CLOSED trade needs an exit time")
            if self.net_pnl is None:
                raise ValueError("a CLOSED trade needs its P&L (or prices and quantity)")


#: One Arrow schema for trades, in the store and between stages.
TRADE_SCHEMA: Final = pa.schema(
    [
        pa.field("trade_id", pa.string(), nullable=False),
        pa.field("strategy", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("side", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("entry_time", TIMESTAMP_TYPE),
        pa.field("exit_time", TIMESTAMP_TYPE),
        pa.field("quantity", MONEY_TYPE),
        pa.field("entry_price", MONEY_TYPE),
        pa.field("exit_price", MONEY_TYPE),
        pa.field("fees", MONEY_TYPE, nullable=False),
        pa.field("gross_pnl", MONEY_TYPE),
        pa.field("net_pnl", MONEY_TYPE),
        pa.field("return_pct", pa.float64()),
        pa.field("risk_reward", pa.float64()),
        pa.field("signal_id", pa.string()),
        pa.field("exit_reason", pa.string()),
        pa.field("currency", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("news_event_ids", pa.list_(pa.string())),
        pa.field("sentiment_json", pa.string()),
        pa.field("metadata_json", pa.string()),
        pa.field("source", pa.string()),
        pa.field("source_line", pa.int64()),
        pa.field("account", pa.string()),
        pa.field("venue", pa.string()),
    ]
)


#: The order of trades wherever they are listed or accumulated (equity curves, streaks,
#: drawdowns): exit time (a trade still open last), then entry time (unknown first), then
#: trade id; each key with where its nulls go (Arrow's ``null_placement``).
EXIT_ORDER: Final = (("exit_time", "at_end"), ("entry_time", "at_start"), ("trade_id", "at_end"))

#: `EXIT_ORDER` as a SQL ``ORDER BY`` list (DuckDB and PostgreSQL).
EXIT_ORDER_SQL: Final = ", ".join(
    f"{name} NULLS {'LAST' if nulls == 'at_end' else 'FIRST'}" for name, nulls in EXIT_ORDER
)
#: `EXIT_ORDER` reversed, as a SQL ``ORDER BY`` list: the last trade first.
EXIT_ORDER_DESC_SQL: Final = ", ".join(
    f"{name} DESC NULLS {'FIRST' if nulls == 'at_end' else 'LAST'}" for name, nulls in EXIT_ORDER
)


def in_exit_order(table: pa.Table) -> pa.Table:
    """Sort a `TRADE_SCHEMA` table into `EXIT_ORDER`.

    Parameters
    ----------
    table
        Trades (any table with the `EXIT_ORDER` columns).

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    >>> table = pa.table({"exit_time": [None, t, t], "entry_time": [t, t, None],
    ...                   "trade_id": ["open", "b", "a"]})
    >>> in_exit_order(table).column("trade_id").to_pylist()
    ['a', 'b', 'open']
    """
    keys = [(name, "ascending", nulls) for name, nulls in EXIT_ORDER]
    return table.take(pc.sort_indices(table, sort_keys=keys))


def trades_to_table(trades: list[Trade]) -> pa.Table:
    """Convert trades to a `TRADE_SCHEMA` Arrow table (money stays exact)."""
    return records_to_table(trades, TRADE_SCHEMA)
