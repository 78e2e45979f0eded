"""The books kept from fills, as the store holds them: one row per position and local day.

A row is written for every local day (in one reporting timezone) on which a position had a
fill, a mark or a funding payment; its amounts are **cumulative** to the end of that day, so
the books at any later midnight are the latest row of each position at or before it.
``scope`` is ``""`` for the account's books (positions netted per account and symbol) and a
strategy's name for that strategy's own books (its fills alone, its share of funding).
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from tradeperf.records.money import MONEY_TYPE
from tradeperf.records.trade import TRADE_SCHEMA


def _trade_fields() -> list[pa.Field]:
    """Return the trade columns of a kept round trip (its account is a key column before)."""
    return [f for f in TRADE_SCHEMA if f.name != "account"]


#: Arrow schema of the stored daily books (`tradeperf.analytics.booking`).
BOOK_DAY_SCHEMA: Final = pa.schema(
    [
        pa.field("timezone", pa.string(), nullable=False),
        pa.field("scope", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("day", pa.date32(), nullable=False),
        pa.field("currency", pa.string()),
        pa.field("fills", pa.int64(), nullable=False),
        pa.field("realized_pnl", MONEY_TYPE, nullable=False),
        pa.field("fees", MONEY_TYPE, nullable=False),
        pa.field("funding", MONEY_TYPE, nullable=False),
        pa.field("open", pa.bool_(), nullable=False),
        pa.field("unmarked", pa.bool_(), nullable=False),
        pa.field("unrealized_pnl", MONEY_TYPE, nullable=False),
    ]
)

#: The key of a stored daily books row.
BOOK_DAY_KEY: Final = ("timezone", "scope", "account", "symbol", "day")


#: Round trips derived from fills, per books scope (the account's, or a strategy's own).
#: ``account`` is the position's (the trade id holds it too, as text joined with others).
BOOK_TRADE_SCHEMA: Final = pa.schema(
    [
        pa.field("scope", pa.string(), nullable=False),
        pa.field("account", pa.string(), nullable=False),
        *_trade_fields(),
    ]
)


#: The books of one position at an instant, from which re-booking starts instead of from the
#: first fill. Either the lot state is simple: flat in every scope, or one lot open, the rest
#: of the fill at that instant (a flip, or an open from flat), held by that fill's strategy
#: alone (``lot_*``); or the instant is the position's last fill of a write and each scope's
#: open lots (``lots``: a JSON list, in matching order, of objects with the ``lot_*`` names
#: without the prefix, and ``strategy``, that of the fill) and its open round trip
#: (``episode``: `tradeperf.ledger.model.OpenEpisode` as JSON) are kept whole.
#: One row per scope; ``day_counts`` (JSON, per timezone) counts the scope's ``fills`` and
#: its ``events`` (fills and funding payments) of that local day up to the instant, less
#: the lots re-booked as fills; ``trades`` its round trips up to it; ``fees`` less the fees
#: of those lots.
BOOK_CHECKPOINT_SCHEMA: Final = pa.schema(
    [
        pa.field("account", pa.string(), nullable=False),
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("scope", pa.string(), nullable=False),
        pa.field("currency", pa.string()),
        pa.field("last_strategy", pa.string(), nullable=False),
        pa.field("realized_pnl", MONEY_TYPE, nullable=False),
        pa.field("fees", MONEY_TYPE, nullable=False),
        pa.field("funding", MONEY_TYPE, nullable=False),
        pa.field("trades", pa.int64(), nullable=False),
        pa.field("day_counts", pa.string(), nullable=False),
        # the lot open at the instant (null when flat): what is left of the fill that opened
        # it, its part of that fill's fee (in the P&L currency) and its side
        pa.field("lot_fill_id", pa.string()),
        pa.field("lot_side", pa.string()),
        pa.field("lot_quantity", MONEY_TYPE),
        pa.field("lot_price", MONEY_TYPE),
        pa.field("lot_fee", MONEY_TYPE),
        pa.field("lot_multiplier", MONEY_TYPE),
        pa.field("lots", pa.string()),
        pa.field("episode", pa.string()),
        pa.field("lot_venue", pa.string()),  # the venue of the fill that opened the lot
    ]
)

#: The key of a stored checkpoint row.
BOOK_CHECKPOINT_KEY: Final = ("account", "symbol", "timestamp", "scope")
